#!/usr/bin/env python3
"""Capture a client's `submit` on its way to a node, and replay it to another node.

    sp_capture.py proxy LISTEN_PORT TARGET_PORT CAPTURE_FILE
        forwards every connection on 127.0.0.1:LISTEN_PORT to 127.0.0.1:TARGET_PORT (the
        RPC of a node, tcp) and appends what clients send to CAPTURE_FILE; runs until killed.
    sp_capture.py replay CAPTURE_FILE TARGET_PORT
        sends the first `submit` request found in CAPTURE_FILE, byte for byte, to the node
        at 127.0.0.1:TARGET_PORT and prints its JSON reply.

The wire is nng's SP over TCP: an 8-byte header each way (00 'S' 'P' 00, the protocol as
16 bits, two zero bytes), then messages as a 64-bit big-endian length and the body; a
req0 body starts with the 4-byte request id. A folio request is msgpack
["submit", bin]; a reply is msgpack [status, json text]. Standard library only.
"""
import socket
import sys
import threading

REQ0, REP0 = 0x30, 0x31


def sp_header(proto):
    return b"\x00SP\x00" + proto.to_bytes(2, "big") + b"\x00\x00"


def pipe(src, dst, log):
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            if log is not None:
                with open(log, "ab") as f:
                    f.write(data)
            dst.sendall(data)
    except OSError:
        pass
    for s in (src, dst):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def proxy(listen_port, target_port, capture):
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", listen_port))
    ls.listen(16)
    while True:
        c, _ = ls.accept()
        t = socket.create_connection(("127.0.0.1", target_port))
        threading.Thread(target=pipe, args=(c, t, capture), daemon=True).start()
        threading.Thread(target=pipe, args=(t, c, None), daemon=True).start()


def frames(stream):
    """Message bodies of client streams concatenated in CAPTURE_FILE."""
    i = 0
    while i + 8 <= len(stream):
        if stream[i:i + 4] == b"\x00SP\x00":
            i += 8
            continue
        n = int.from_bytes(stream[i:i + 8], "big")
        yield stream[i + 8:i + 8 + n]
        i += 8 + n


def recv_exact(s, n):
    buf = b""
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            raise EOFError("connection closed")
        buf += chunk
    return buf


def reply_json(body):
    """[status, text] in msgpack, after the 4-byte request id: the text."""
    b = body[4:]
    assert b[0] == 0x92, "reply is not a 2-array"
    i = 1
    i += 1 if b[i] < 0x80 else {0xcc: 2, 0xcd: 3, 0xce: 5, 0xcf: 9}[b[i]]
    t = b[i]
    if 0xa0 <= t <= 0xbf:
        n, i = t & 0x1f, i + 1
    else:
        w = {0xd9: 1, 0xda: 2, 0xdb: 4}[t]
        n, i = int.from_bytes(b[i + 1:i + 1 + w], "big"), i + 1 + w
    return b[i:i + n].decode()


def replay(capture, target_port):
    with open(capture, "rb") as f:
        stream = f.read()
    req = next((m for m in frames(stream) if m[4:12] == b"\x92\xa6submit"), None)
    if req is None:
        sys.exit("no submit request in " + capture)
    s = socket.create_connection(("127.0.0.1", target_port), timeout=10)
    s.sendall(sp_header(REQ0))
    recv_exact(s, 8)
    s.sendall(len(req).to_bytes(8, "big") + req)
    n = int.from_bytes(recv_exact(s, 8), "big")
    print(reply_json(recv_exact(s, n)))


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "proxy":
        proxy(int(sys.argv[2]), int(sys.argv[3]), sys.argv[4])
    elif len(sys.argv) == 4 and sys.argv[1] == "replay":
        replay(sys.argv[2], int(sys.argv[3]))
    else:
        sys.exit(__doc__)
