#!/usr/bin/python3
"""An RTP sink standing for a caller's ear (tas_announcements_test.sh): binds
127.0.0.1:PORT (UDP) and, until SECONDS have passed or SIGTERM, counts the
RTP packets that come and those whose PCMU (payload type 0) payload carries
speech (mean absolute level of the decoded samples above a floor, which
silence and comfort noise stay under). Writes "packets N speech M" to OUT.

  rtp_sink.py PORT SECONDS OUT
"""
import signal
import socket
import sys
import time

PORT, SECONDS, OUT = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3]


def ulaw_decode(b):
    b = ~b & 0xFF
    sign, exponent, mantissa = b & 0x80, (b >> 4) & 7, b & 0x0F
    sample = (((mantissa << 3) + 0x84) << exponent) - 0x84
    return -sample if sign else sample


packets = speech = 0


def finish(*_):
    with open(OUT, "w") as f:
        f.write(f"packets {packets} speech {speech}\n")
    sys.exit(0)


signal.signal(signal.SIGTERM, finish)
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", PORT))
s.settimeout(0.2)
with open(OUT, "w") as f:
    f.write("listening\n")
end = time.monotonic() + SECONDS
while time.monotonic() < end:
    try:
        data, _ = s.recvfrom(2048)
    except socket.timeout:
        continue
    if len(data) < 12 or data[0] >> 6 != 2:
        continue
    packets += 1
    csrc = data[0] & 0x0F
    payload = data[12 + 4 * csrc:]
    if data[1] & 0x7F == 0 and payload:
        level = sum(abs(ulaw_decode(b)) for b in payload) / len(payload)
        if level > 300:
            speech += 1
finish()
