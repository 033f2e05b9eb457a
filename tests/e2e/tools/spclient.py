"""A raw SP (nng req0) client for folio's RPC, standard library only.

It speaks the wire the node serves (specs/rpc.md section 1): the 8-byte SP handshake, frames
with a u64 big-endian length (on ipc preceded by the byte 01), a 4-byte request id with its
top bit set before the msgpack body, the id echoed in the reply. Unlike nng's own client it
can also misbehave on purpose: declare a frame and stall, drip bytes, skip the handshake.

    import spclient
    c = spclient.connect("tcp://127.0.0.1:7700")
    status, reply = c.call("status")          # reply: the parsed JSON
    c.send_header(16 << 20)                   # declare 16 MiB, send nothing more

Command line:  python3 spclient.py URL METHOD [ARG...]   (ARG: integers or text)
prints "STATUS JSON" and exits 0 if a reply came.
"""

import json
import socket
import struct
import sys

REQ0 = 0x30
REP0 = 0x31
HANDSHAKE_REQ = bytes([0, ord("S"), ord("P"), 0, 0, REQ0, 0, 0])


# ---- canonical msgpack, the few types requests use ----------------------------------


def pack(obj):
    """Encodes ints >= 0, str, bytes and lists (nested) as canonical msgpack."""
    if isinstance(obj, bool):
        return b"\xc3" if obj else b"\xc2"
    if isinstance(obj, int):
        if obj < 0:
            raise ValueError("negative integers are not needed here")
        if obj < 0x80:
            return bytes([obj])
        for tag, fmt, top in ((0xCC, ">B", 0xFF), (0xCD, ">H", 0xFFFF), (0xCE, ">I", 0xFFFFFFFF)):
            if obj <= top:
                return bytes([tag]) + struct.pack(fmt, obj)
        return b"\xcf" + struct.pack(">Q", obj)
    if isinstance(obj, str):
        obj = obj.encode("utf-8", "surrogateescape")
        return _head(len(obj), 0xA0, 31, (0xD9, 0xDA, 0xDB)) + obj
    if isinstance(obj, (bytes, bytearray)):
        return _head(len(obj), None, 0, (0xC4, 0xC5, 0xC6)) + bytes(obj)
    if isinstance(obj, (list, tuple)):
        return _head(len(obj), 0x90, 15, (None, 0xDC, 0xDD)) + b"".join(pack(x) for x in obj)
    raise TypeError("cannot pack %r" % type(obj))


def _head(n, fix, fixmax, tags):
    if fix is not None and n <= fixmax:
        return bytes([fix | n])
    if tags[0] is not None and n <= 0xFF:
        return bytes([tags[0], n])
    if n <= 0xFFFF:
        return bytes([tags[1]]) + struct.pack(">H", n)
    return bytes([tags[2]]) + struct.pack(">I", n)


def unpack_reply(body):
    """[status u64, json str] -> (status, text)."""
    if not body or body[0] != 0x92:
        raise ValueError("reply is not a 2-array")
    at = 1
    b = body[at]
    if b < 0x80:
        status, at = b, at + 1
    else:
        size = {0xCC: 1, 0xCD: 2, 0xCE: 4, 0xCF: 8}[b]
        status = int.from_bytes(body[at + 1 : at + 1 + size], "big")
        at += 1 + size
    b = body[at]
    if b & 0xE0 == 0xA0:
        n, at = b & 0x1F, at + 1
    else:
        size = {0xD9: 1, 0xDA: 2, 0xDB: 4}[b]
        n = int.from_bytes(body[at + 1 : at + 1 + size], "big")
        at += 1 + size
    return status, body[at : at + n].decode("utf-8")


# ---- connections ------------------------------------------------------------------------


def open_socket(url, timeout=10.0):
    """A connected socket for tcp://HOST:PORT or ipc:///PATH (no handshake yet)."""
    if url.startswith("tcp://"):
        host, port = url[6:].rsplit(":", 1)
        s = socket.create_connection((host, int(port)), timeout=timeout)
    elif url.startswith("ipc://"):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(timeout)
        s.connect(url[6:])
    else:
        raise ValueError("url must be tcp:// or ipc://")
    return s


class Conn:
    def __init__(self, url, timeout=10.0, handshake=True):
        self.ipc = url.startswith("ipc://")
        self.sock = open_socket(url, timeout)
        self.next_id = 1
        if handshake:
            self.sock.sendall(HANDSHAKE_REQ)
            peer = self.recv_exact(8)
            if peer[:4] != b"\x00SP\x00" or peer[4:6] != bytes([0, REP0]):
                raise ValueError("not an SP rep0 peer: %r" % peer)

    def header(self, length):
        """The frame header announcing `length` message bytes."""
        return (b"\x01" if self.ipc else b"") + struct.pack(">Q", length)

    def send_header(self, length):
        self.sock.sendall(self.header(length))

    def request_bytes(self, body, req_id=None):
        """A whole request frame: header, request id (top bit set), body."""
        if req_id is None:
            req_id = self.next_id
            self.next_id += 1
        msg = struct.pack(">I", 0x80000000 | req_id) + body
        return self.header(len(msg)) + msg

    def recv_exact(self, n):
        out = b""
        while len(out) < n:
            chunk = self.sock.recv(n - len(out))
            if not chunk:
                raise ConnectionError("closed by the peer after %d of %d bytes" % (len(out), n))
            out += chunk
        return out

    def recv_frame(self):
        """(request id, body) of the next reply frame."""
        if self.ipc and self.recv_exact(1) != b"\x01":
            raise ValueError("bad ipc message type")
        (n,) = struct.unpack(">Q", self.recv_exact(8))
        msg = self.recv_exact(n)
        return struct.unpack(">I", msg[:4])[0] & 0x7FFFFFFF, msg[4:]

    def call_raw(self, body):
        """Sends one request body; (status, text) of its reply."""
        req_id = self.next_id
        self.sock.sendall(self.request_bytes(body))
        got, reply = self.recv_frame()
        if got != req_id:
            raise ValueError("reply id %d for request %d" % (got, req_id))
        return unpack_reply(reply)

    def call(self, method, *args):
        """(status, parsed JSON) of [method, args...]."""
        status, text = self.call_raw(pack([method] + list(args)))
        return status, json.loads(text)

    def closed_by_peer(self, wait=0.0):
        """True if the node has closed this connection (see peer_closed)."""
        return peer_closed(self.sock, wait)

    def close(self):
        self.sock.close()


def peer_closed(sock, wait=0.0):
    """True if the peer has closed sock (EOF or reset seen within wait seconds). Bytes
    waiting to be read (a handshake, a reply) are read and dropped on the way."""
    sock.settimeout(wait if wait > 0 else 0.0001)
    try:
        while True:
            if sock.recv(4096) == b"":
                return True
    except (socket.timeout, BlockingIOError):
        return False
    except OSError:
        return True


def connect(url, timeout=10.0):
    return Conn(url, timeout)


def main(argv):
    if len(argv) < 3:
        print(__doc__.strip().splitlines()[-2], file=sys.stderr)
        return 2
    args = [int(a) if a.isdigit() else a for a in argv[3:]]
    c = connect(argv[1])
    status, reply = c.call(argv[2], *args)
    print(status, json.dumps(reply))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
