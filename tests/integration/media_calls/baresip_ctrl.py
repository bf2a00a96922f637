#!/usr/bin/env python3
"""One command to a running baresip over its ctrl_tcp module (netstring JSON):

    baresip_ctrl.py PORT COMMAND [PARAMS]      e.g. baresip_ctrl.py 12345 dial sip:webA@it.example.org

Prints baresip's response (events that come first are skipped); exits 1 when
it says the command failed, or gives no response within 5 s."""
import json
import socket
import sys

port, command = int(sys.argv[1]), sys.argv[2]
params = sys.argv[3] if len(sys.argv) > 3 else ""
msg = json.dumps({"command": command, "params": params, "token": "media_calls"}).encode()
with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
    s.sendall(b"%d:%s," % (len(msg), msg))
    buf = b""
    while True:
        head, colon, rest = buf.partition(b":")
        if colon and head.isdigit() and len(rest) > int(head):
            reply = json.loads(rest[: int(head)])
            buf = rest[int(head) + 1:]
            if reply.get("response"):
                print(json.dumps(reply))
                sys.exit(0 if reply.get("ok") else 1)
            continue
        chunk = s.recv(4096)
        if not chunk:
            print(f"baresip closed the connection without a response: {buf!r}")
            sys.exit(1)
        buf += chunk
