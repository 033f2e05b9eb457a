#!/usr/bin/env python3
"""Drives headless Chromium over the DevTools protocol (standard library only: its own
minimal WebSocket client) for the explorer's end-to-end test (tests/e2e/explorer.sh).

    cdp.py CHROMIUM OUTDIR < steps

Steps, one a line:
    goto NAME URL          load URL, wait until the page sets body[data-ready=1] (its data
                           came in and is rendered), then write OUTDIR/NAME.html (the DOM),
                           OUTDIR/NAME.txt (the text of <main>) and OUTDIR/NAME.title
    upload NAME SEL FILE   give FILE to the <input type=file> SEL, wait for #verdict .verdict,
                           write OUTDIR/NAME.txt (the text of <main>)
    shot FILE              a PNG screenshot of the whole page into FILE
    eval JS                evaluate JS (the rest of the line) in the page
    sh COMMAND             run COMMAND (the rest of the line) with bash; a non-zero exit fails
    waitfor NAME JS        wait until JS (the rest of the line) is true in the page, without
                           navigating, then write OUTDIR/NAME.html, .txt and .title
Console errors, exceptions and CSP violations of every page go to OUTDIR/console.txt.
Exit 0 when every step ran, 1 (with the reason on stderr) otherwise.
"""
import base64
import ctypes
import json
import os
import re
import select
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

STEP_TIMEOUT = 20.0


def die_with_parent():
    # The browser is killed when this script dies, however it dies (the test's timeout
    # sends SIGKILL after SIGTERM): PR_SET_PDEATHSIG, kept across the wrapper's exec.
    ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)


class WS:
    def __init__(self, url):
        m = re.match(r"ws://([^:/]+):(\d+)(/.*)", url)
        self.s = socket.create_connection((m.group(1), int(m.group(2))), timeout=STEP_TIMEOUT)
        key = base64.b64encode(os.urandom(16)).decode()
        self.s.sendall(("GET %s HTTP/1.1\r\nHost: %s:%s\r\nUpgrade: websocket\r\n"
                        "Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
                        "Sec-WebSocket-Version: 13\r\n\r\n" % (m.group(3), m.group(1), m.group(2), key)).encode())
        head = b""
        while b"\r\n\r\n" not in head:
            c = self.s.recv(1)
            if not c:
                raise RuntimeError("websocket handshake: connection closed")
            head += c
        if b" 101 " not in head.split(b"\r\n")[0]:
            raise RuntimeError("websocket handshake refused: %r" % head[:80])

    def send(self, text):
        p = text.encode()
        n = len(p)
        h = bytes([0x81])
        if n < 126:
            h += bytes([0x80 | n])
        elif n < 65536:
            h += bytes([0x80 | 126]) + n.to_bytes(2, "big")
        else:
            h += bytes([0x80 | 127]) + n.to_bytes(8, "big")
        mask = os.urandom(4)
        self.s.sendall(h + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(p)))

    def _exact(self, n):
        out = bytearray()
        while len(out) < n:
            c = self.s.recv(n - len(out))
            if not c:
                raise RuntimeError("websocket closed")
            out += c
        return bytes(out)

    def recv(self):
        msg = bytearray()
        while True:
            b0, b1 = self._exact(2)
            n = b1 & 0x7F
            if n == 126:
                n = int.from_bytes(self._exact(2), "big")
            elif n == 127:
                n = int.from_bytes(self._exact(8), "big")
            data = self._exact(n)
            op = b0 & 0x0F
            if op == 8:
                raise RuntimeError("websocket closed by the browser")
            if op in (9, 10):
                continue
            msg += data
            if b0 & 0x80:
                return msg.decode()


class Browser:
    def __init__(self, chromium, outdir):
        self.outdir = outdir
        self.profile = tempfile.mkdtemp(prefix="cdp-profile.", dir=outdir)
        self.proc = subprocess.Popen(
            [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
             "--no-default-browser-check", "--disable-extensions", "--disable-dev-shm-usage",
             "--remote-debugging-port=0", "--user-data-dir=" + self.profile,
             "--window-size=1280,1400", "--lang=en-US", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, preexec_fn=die_with_parent)
        port = self._port()
        targets = json.load(urllib.request.urlopen("http://127.0.0.1:%d/json/list" % port, timeout=10))
        page = [t for t in targets if t.get("type") == "page"][0]
        self.ws = WS(page["webSocketDebuggerUrl"])
        self.next_id = 0
        self.console = []
        for m in ("Page.enable", "Runtime.enable", "Log.enable", "DOM.enable"):
            self.call(m)

    def _port(self):
        deadline = time.time() + STEP_TIMEOUT
        buf = b""
        while time.time() < deadline:
            r, _, _ = select.select([self.proc.stderr], [], [], 0.5)
            if r:
                c = os.read(self.proc.stderr.fileno(), 4096)
                if not c:
                    break
                buf += c
                m = re.search(rb"DevTools listening on ws://[^:]+:(\d+)/", buf)
                if m:
                    return int(m.group(1))
        raise RuntimeError("chromium did not start: %s" % buf.decode(errors="replace")[-600:])

    def _event(self, ev):
        meth, p = ev.get("method"), ev.get("params", {})
        if meth == "Runtime.exceptionThrown":
            d = p.get("exceptionDetails", {})
            self.console.append("exception: %s %s" % (d.get("text"), d.get("exception", {}).get("description", "")))
        elif meth == "Runtime.consoleAPICalled" and p.get("type") in ("error", "warning"):
            self.console.append("console.%s: %s" % (p["type"], " ".join(str(a.get("value", a.get("description", ""))) for a in p.get("args", []))))
        elif meth == "Log.entryAdded" and p.get("entry", {}).get("level") in ("error", "warning"):
            e = p["entry"]
            self.console.append("log %s: %s %s" % (e.get("source"), e.get("text"), e.get("url", "")))

    def call(self, method, **params):
        self.next_id += 1
        me = self.next_id
        self.ws.send(json.dumps({"id": me, "method": method, "params": params}))
        while True:
            msg = json.loads(self.ws.recv())
            if msg.get("id") == me:
                if "error" in msg:
                    raise RuntimeError("%s: %s" % (method, msg["error"]))
                return msg.get("result", {})
            self._event(msg)

    def eval(self, expr):
        r = self.call("Runtime.evaluate", expression=expr, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in r:
            raise RuntimeError("evaluate %s: %s" % (expr, r["exceptionDetails"].get("text")))
        return r["result"].get("value")

    def wait(self, expr, what):
        deadline = time.time() + STEP_TIMEOUT
        while time.time() < deadline:
            if self.eval(expr):
                return
            time.sleep(0.1)
        raise RuntimeError("timed out waiting for %s" % what)

    def save(self, name, dom=True):
        if dom:
            with open(os.path.join(self.outdir, name + ".html"), "w") as f:
                f.write(self.eval("document.documentElement.outerHTML"))
            with open(os.path.join(self.outdir, name + ".title"), "w") as f:
                f.write(self.eval("document.title"))
        with open(os.path.join(self.outdir, name + ".txt"), "w") as f:
            f.write(self.eval("document.querySelector('main').innerText"))

    def goto(self, name, url):
        # A fragment-only change does not reload the page: mark it not ready first, so that
        # the wait below sees this route's rendering, not the last one's.
        self.eval("document.body && (document.body.dataset.ready = '0')")
        self.call("Page.navigate", url=url)
        self.wait("document.readyState === 'complete' && document.body && "
                  "document.body.dataset.ready === '1'", name + " to render")
        self.save(name)

    def upload(self, name, sel, path):
        doc = self.call("DOM.getDocument")
        node = self.call("DOM.querySelector", nodeId=doc["root"]["nodeId"], selector=sel)
        if not node.get("nodeId"):
            raise RuntimeError("no element %s" % sel)
        self.eval("document.getElementById('verdict').replaceChildren()")
        self.call("DOM.setFileInputFiles", files=[os.path.abspath(path)], nodeId=node["nodeId"])
        self.wait("!!document.querySelector('#verdict .verdict')", name + " verdict")
        self.save(name, dom=False)

    def waitfor(self, name, expr):
        self.wait(expr, name)
        self.save(name)

    def shot(self, path):
        m = self.call("Page.getLayoutMetrics")["cssContentSize"]
        r = self.call("Page.captureScreenshot", format="png", captureBeyondViewport=True,
                      clip={"x": 0, "y": 0, "width": m["width"], "height": min(m["height"], 4000), "scale": 1})
        with open(path, "wb") as f:
            f.write(base64.b64decode(r["data"]))

    def close(self):
        try:
            self.call("Browser.close")
        except Exception:
            pass
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    b = Browser(sys.argv[1], sys.argv[2])
    try:
        for line in sys.stdin:
            w = line.split()
            if not w:
                continue
            rest = line.strip().split(None, 1)[1] if len(w) > 1 else ""
            if w[0] == "eval" and rest:
                b.eval(rest)
            elif w[0] == "sh" and rest:
                r = subprocess.run(["bash", "-c", rest], stdout=subprocess.DEVNULL,
                                   stderr=subprocess.PIPE, timeout=STEP_TIMEOUT)
                if r.returncode:
                    raise RuntimeError("sh %s: exit %d %s" % (rest, r.returncode,
                                                             r.stderr.decode(errors="replace")[-300:]))
            elif w[0] == "waitfor" and len(w) >= 3:
                b.waitfor(w[1], rest.split(None, 1)[1])
            elif w[0] == "goto" and len(w) == 3:
                b.goto(w[1], w[2])
            elif w[0] == "upload" and len(w) == 4:
                b.upload(w[1], w[2], w[3])
            elif w[0] == "shot" and len(w) == 2:
                b.shot(w[1])
            else:
                raise RuntimeError("bad step: %s" % line.strip())
            print("cdp: %s done" % " ".join(w[:2]), flush=True)
    except Exception as e:
        print("cdp: %s" % e, file=sys.stderr)
        return 1
    finally:
        with open(os.path.join(sys.argv[2], "console.txt"), "w") as f:
            f.write("\n".join(b.console) + ("\n" if b.console else ""))
        b.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
