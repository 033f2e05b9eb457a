"""A raw RPC client for the hostile e2e tests: speaks nng's SP framing itself, so it can send
bytes the folio CLI never would and see the node's reply (or its absence) byte for byte.

SP over ipc or tcp: each side sends the 8-byte handshake 00 'S' 'P' 00, protocol id (big
endian; REQ 0x0030, its peer REP 0x0031), 00 00; then every message is an 8-byte big-endian
length and a body (over ipc, nng puts a message-type byte 01 before the length). A REQ body starts with a 4-byte request id whose high bit is set, the REP
echoes it before the reply. A folio request is one msgpack value, its reply [status, json].

    python3 sp_client.py URL HEXFILE|-      (request bytes as hex on stdin or in a file)

prints one JSON line: {"status": N, "json": "...", "bytes": reply_size} or {"noreply": why}.
Importable: call(url, body) -> (status, json_text, size) or raises NoReply.
Standard library and Debian's python3-msgpack only.
"""
import json
import socket
import struct
import sys

import msgpack


class NoReply(Exception):
    pass


def _connect(url, timeout):
    if url.startswith("ipc://"):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        addr = url[len("ipc://"):]
    elif url.startswith("tcp://"):
        host, port = url[len("tcp://"):].rsplit(":", 1)
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        addr = (host, int(port))
    else:
        raise ValueError("url must be ipc:// or tcp://")
    s.settimeout(timeout)
    s.connect(addr)
    return s


def _read(s, n):
    buf = b""
    while len(buf) < n:
        chunk = s.recv(n - len(buf))
        if not chunk:
            raise NoReply("connection closed after %d of %d bytes" % (len(buf), n))
        buf += chunk
    return buf


def call(url, body, timeout=60.0, req_id=0x80000001):
    lead = b"\x01" if url.startswith("ipc://") else b""
    try:
        s = _connect(url, timeout)
    except OSError as e:
        raise NoReply("cannot connect: %s" % e)
    try:
        s.sendall(b"\x00SP\x00\x00\x30\x00\x00")
        peer = _read(s, 8)
        if peer[:4] != b"\x00SP\x00" or struct.unpack(">H", peer[4:6])[0] != 0x31:
            raise NoReply("bad SP handshake %r" % peer)
        msg = struct.pack(">I", req_id) + body
        s.sendall(lead + struct.pack(">Q", len(msg)) + msg)
        n = struct.unpack(">Q", _read(s, len(lead) + 8)[len(lead):])[0]
        rep = _read(s, n)
    except (OSError, socket.timeout) as e:
        raise NoReply(str(e) or type(e).__name__)
    finally:
        s.close()
    if struct.unpack(">I", rep[:4])[0] != req_id:
        raise NoReply("reply to another request id")
    status, text = msgpack.unpackb(rep[4:], raw=False)
    return status, text, len(rep) - 4


if __name__ == "__main__":
    url = sys.argv[1]
    src = sys.stdin if len(sys.argv) < 3 or sys.argv[2] == "-" else open(sys.argv[2])
    data = src.read().strip()
    body = bytes.fromhex(data)
    try:
        st, text, size = call(url, body)
        print(json.dumps({"status": st, "json": text, "bytes": size}))
    except NoReply as e:
        print(json.dumps({"noreply": str(e)}))
