#!/usr/bin/env python3
"""A Diameter peer written from RFC 6733 and TS 29.229 alone (no freeDiameter),
to see what a node answers a peer it should or should not admit.

  raw_cer_peer.py HOST PORT ORIGIN_HOST REALM [--pipeline] [--hammer SECONDS] [--threads N]

One attempt: connect, send a CER claiming ORIGIN_HOST and, with --pipeline,
a UAR right behind it without waiting for the CEA (a peer hoping to be served
before it is refused); without --pipeline the UAR goes right after the CEA,
whatever its result. Prints one line per message received, then how the
attempt ended:
  cea result=3010
  answer command=300 result=5001
  end=closed | end=reset | end=timeout | end=answered
--hammer SECONDS: pipelined attempts in a loop on --threads connections for
that long; prints one summary line instead:
  attempts=N refused=N admitted=N answered=N other=N
(refused: the connection closed with no CEA but DIAMETER_UNKNOWN_PEER and no
answer (the close may be a reset that loses the CEA); admitted: a CEA with
DIAMETER_SUCCESS; answered: any answer to the UAR).
"""
import argparse
import itertools
import socket
import struct
import sys
import threading
import time

CX_APP = 16777216
VENDOR_3GPP = 10415
_ids = itertools.count(0x1000)


def avp(code, data, vendor=None, mandatory=True):
    flags = (0x40 if mandatory else 0) | (0x80 if vendor else 0)
    head = 12 if vendor else 8
    out = struct.pack(">I", code) + bytes([flags]) + (head + len(data)).to_bytes(3, "big")
    if vendor:
        out += struct.pack(">I", vendor)
    return out + data + b"\0" * (-len(data) % 4)


def u32(code, value, vendor=None):
    return avp(code, struct.pack(">I", value), vendor)


def utf8(code, text, vendor=None, mandatory=True):
    return avp(code, text.encode(), vendor, mandatory)


def message(code, app, flags, avps):
    body = b"".join(avps)
    hbh = next(_ids)
    head = bytes([1]) + (20 + len(body)).to_bytes(3, "big") + bytes([flags]) + code.to_bytes(3, "big")
    return head + struct.pack(">III", app, hbh, hbh) + body


def cx_application():
    return avp(260, u32(266, VENDOR_3GPP) + u32(258, CX_APP))


def cer(origin_host, realm, local_ip):
    return message(257, 0, 0x80, [
        utf8(264, origin_host), utf8(296, realm),
        avp(257, b"\x00\x01" + socket.inet_aton(local_ip)),  # Host-IP-Address
        u32(266, 0), utf8(269, "raw-cer-peer", mandatory=False),
        cx_application()])


def uar(origin_host, realm):
    user = "stranger@" + realm
    return message(300, CX_APP, 0xC0, [
        utf8(263, origin_host + ";1;" + str(next(_ids))), cx_application(), u32(277, 1),
        utf8(264, origin_host), utf8(296, realm), utf8(283, realm), utf8(1, user),
        utf8(601, "sip:" + user, VENDOR_3GPP), utf8(600, realm, VENDOR_3GPP)])


def result_of(body):
    """Result-Code, or Experimental-Result-Code, of an answer's AVPs."""
    i = 0
    while i + 8 <= len(body):
        code, = struct.unpack(">I", body[i:i + 4])
        flags = body[i + 4]
        length = int.from_bytes(body[i + 5:i + 8], "big")
        head = 12 if flags & 0x80 else 8
        if length < head:
            return None
        data = body[i + head:i + length]
        if code in (268, 298) and len(data) == 4:  # Result-Code, Experimental-Result-Code
            return struct.unpack(">I", data)[0]
        if code == 297:
            inner = result_of(data)
            if inner is not None:
                return inner
        i += length + (-length % 4)
    return None


def read_message(sock):
    head = b""
    while len(head) < 20:
        chunk = sock.recv(20 - len(head))
        if not chunk:
            return None
        head += chunk
    length = int.from_bytes(head[1:4], "big")
    body = b""
    while len(body) < length - 20:
        chunk = sock.recv(length - 20 - len(body))
        if not chunk:
            return None
        body += chunk
    return head[4], int.from_bytes(head[5:8], "big"), body


def attempt(host, port, origin_host, realm, pipeline, timeout=5.0):
    """Returns the lines of one attempt."""
    lines = []
    with socket.create_connection((host, port), timeout=timeout) as s:
        local_ip = s.getsockname()[0]
        s.sendall(cer(origin_host, realm, local_ip) + (uar(origin_host, realm) if pipeline else b""))
        sent_uar = pipeline
        deadline = time.monotonic() + timeout
        while True:
            s.settimeout(max(0.1, deadline - time.monotonic()))
            try:
                m = read_message(s)
            except socket.timeout:
                lines.append("end=timeout")
                return lines
            except ConnectionError:
                # a peer closing with our unread UAR in its buffer resets
                lines.append("end=reset")
                return lines
            if m is None:
                lines.append("end=closed")
                return lines
            flags, code, body = m
            if flags & 0x80:  # a request (DWR, DPR): not what we look for
                lines.append("request command=%d" % code)
                continue
            rc = result_of(body)
            if code == 257:
                lines.append("cea result=%s" % rc)
                if not sent_uar:
                    try:
                        s.sendall(uar(origin_host, realm))
                    except ConnectionError:
                        lines.append("end=reset")
                        return lines
                    sent_uar = True
            else:
                lines.append("answer command=%d result=%s" % (code, rc))
                return lines + ["end=answered"]


def hammer(args):
    counts = {"attempts": 0, "refused": 0, "admitted": 0, "answered": 0, "other": 0}
    lock = threading.Lock()
    stop = time.monotonic() + args.hammer

    def run():
        while time.monotonic() < stop:
            try:
                lines = attempt(args.host, args.port, args.origin_host, args.realm, True, timeout=3.0)
            except OSError as e:
                lines = ["error=%s" % e]
            with lock:
                counts["attempts"] += 1
                if any(l.startswith("answer ") for l in lines):
                    counts["answered"] += 1
                ceas = [l for l in lines if l.startswith("cea ")]
                if "cea result=2001" in lines:
                    counts["admitted"] += 1
                elif all(c == "cea result=3010" for c in ceas) and lines[-1] in ("end=closed", "end=reset"):
                    counts["refused"] += 1
                else:
                    counts["other"] += 1
                    print("other: " + " | ".join(lines), file=sys.stderr)
            time.sleep(0.02)  # a steady stream, not a flood that would starve the node

    threads = [threading.Thread(target=run) for _ in range(args.threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(" ".join("%s=%d" % kv for kv in counts.items()))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("host")
    p.add_argument("port", type=int)
    p.add_argument("origin_host")
    p.add_argument("realm")
    p.add_argument("--pipeline", action="store_true")
    p.add_argument("--hammer", type=float)
    p.add_argument("--threads", type=int, default=4)
    args = p.parse_args()
    if args.hammer:
        hammer(args)
    else:
        print("\n".join(attempt(args.host, args.port, args.origin_host, args.realm, args.pipeline)))


if __name__ == "__main__":
    main()
