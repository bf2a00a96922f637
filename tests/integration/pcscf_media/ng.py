#!/usr/bin/env python3
"""One ng request (rtpengine's control protocol) to the AGW, its answer as JSON
on stdout (tests/integration/pcscf_media). Exit 0 when an answer came, 2 when
none did within the timeout.

    ng.py HOST:PORT query call-id=CALL;orig
    ng.py HOST:PORT list
    ng.py HOST:PORT ping
"""
import json
import os
import socket
import sys


def bencode(v):
    if isinstance(v, int):
        return b"i%de" % v
    if isinstance(v, str):
        v = v.encode()
    if isinstance(v, bytes):
        return b"%d:%s" % (len(v), v)
    if isinstance(v, list):
        return b"l" + b"".join(bencode(x) for x in v) + b"e"
    if isinstance(v, dict):
        return b"d" + b"".join(bencode(k) + bencode(x) for k, x in v.items()) + b"e"
    raise TypeError(type(v))


def bdecode(b, i=0):
    c = b[i:i + 1]
    if c == b"i":
        e = b.index(b"e", i)
        return int(b[i + 1:e]), e + 1
    if c == b"l":
        out, i = [], i + 1
        while b[i:i + 1] != b"e":
            x, i = bdecode(b, i)
            out.append(x)
        return out, i + 1
    if c == b"d":
        out, i = {}, i + 1
        while b[i:i + 1] != b"e":
            k, i = bdecode(b, i)
            x, i = bdecode(b, i)
            out[k] = x
        return out, i + 1
    colon = b.index(b":", i)
    n = int(b[i:colon])
    s = b[colon + 1:colon + 1 + n]
    return s.decode(errors="replace"), colon + 1 + n


def main():
    host, port = sys.argv[1].rsplit(":", 1)
    msg = {"command": sys.argv[2]}
    for a in sys.argv[3:]:
        k, v = a.split("=", 1)
        msg[k] = v
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(2)
    cookie = b"t%d" % os.getpid()
    s.sendto(cookie + b" " + bencode(msg), (host, int(port)))
    try:
        data = s.recv(65535)
    except socket.timeout:
        print("no answer", file=sys.stderr)
        return 2
    reply, _ = bdecode(data, data.index(b" ") + 1)
    print(json.dumps(reply, sort_keys=True))
    return 0


sys.exit(main())
