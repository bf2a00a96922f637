#!/usr/bin/python3
"""The MRF's media engine against a peer that is not ours: this script is the
phone (plain sockets, G.711 mu-law in Python, RFC 4733 packets by hand) and
tshark dissects the AMR-WB bandwidth-efficient payloads our encoder made.

  mrf_media_test.py BUILD_DIR PORT_MIN

1. play: a 1 kHz tone in PCMU comes in paced, decodes to 1 kHz (Goertzel).
2. digits: '1', '5', '#' sent as RFC 4733 events (end packet three times)
   are reported once each, in order.
3. echo: a 1 kHz tone sent in PCMU comes back as a 1 kHz tone.
4. AMR-WB bandwidth-efficient: tshark's AMR dissector reads each payload
   with no malformed-packet mark and a speech frame type.
"""
import math
import os
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time

BUILD = sys.argv[1]
PORT_MIN = int(sys.argv[2])
DEMO = os.path.join(BUILD, "bin", "mrf-media-demo")
failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        failures.append(what)


def ulaw_decode(b):
    b = ~b & 0xFF
    sign, exponent, mantissa = b & 0x80, (b >> 4) & 7, b & 0x0F
    sample = (((mantissa << 3) + 0x84) << exponent) - 0x84
    return -sample if sign else sample


def ulaw_encode(s):
    sign = 0x80 if s < 0 else 0
    s = min(abs(s), 32635) + 0x84
    exponent, mask = 7, 0x4000
    while exponent > 0 and not s & mask:
        exponent -= 1
        mask >>= 1
    mantissa = (s >> (exponent + 3)) & 0x0F
    return ~(sign | (exponent << 4) | mantissa) & 0xFF


def power_at(samples, rate, hz):
    """Goertzel: the share of the signal's energy at `hz`."""
    k = 2 * math.cos(2 * math.pi * hz / rate)
    s1 = s2 = 0.0
    for x in samples:
        s1, s2 = x + k * s1 - s2, s1
    tone = s1 * s1 + s2 * s2 - k * s1 * s2
    total = sum(x * x for x in samples) * len(samples) / 2
    return tone / total if total else 0.0


def offer(port, formats, attrs):
    return ("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
            f"m=audio {port} RTP/AVP {formats}\r\n{attrs}a=sendrecv\r\n")


class Demo:
    def __init__(self, sdp, seconds, *action):
        self.file = tempfile.NamedTemporaryFile("w", suffix=".sdp", delete=False)
        self.file.write(sdp)
        self.file.close()
        self.proc = subprocess.Popen([DEMO, self.file.name, str(PORT_MIN), str(PORT_MIN + 9), str(seconds), *action],
                                     stdout=subprocess.PIPE, text=True)
        self.answer = ""
        for line in self.proc.stdout:
            if line.strip() == "END":
                break
            self.answer += line
        self.port = int(self.answer.split("m=audio ")[1].split()[0]) if "m=audio " in self.answer else 0
        self.lines = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.append(line.strip())

    def finish(self):
        self.proc.wait(timeout=30)
        self.reader.join(timeout=5)
        os.unlink(self.file.name)
        return self.lines


def phone_socket():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    s.settimeout(0.05)
    return s


def receive_all(sock, seconds, until=None):
    packets, end = [], time.time() + seconds
    while time.time() < end and not (until and until()):
        try:
            data, _ = sock.recvfrom(2048)
            packets.append((time.time(), data))
        except socket.timeout:
            pass
    return packets


def rtp(marker, pt, seq, ts, ssrc, payload):
    return struct.pack("!BBHII", 0x80, (0x80 if marker else 0) | pt, seq & 0xFFFF, ts & 0xFFFFFFFF, ssrc) + payload


# ---- 1. play ----
phone = phone_socket()
demo = Demo(offer(phone.getsockname()[1], "0 101", "a=rtpmap:101 telephone-event/8000\r\n"), 3, "play", "1000", "1000")
check(demo.port != 0, "play: answered (" + demo.answer.replace("\n", " | ") + ")")
check("a=rtpmap:0 PCMU/8000" in demo.answer and "telephone-event/8000" in demo.answer, "play: PCMU and telephone-event answered")
packets = receive_all(phone, 2.5)
lines = demo.finish()
check(len(packets) == 50, f"play: 50 packets of 20 ms for 1 s (got {len(packets)})")
if packets:
    seqs = [struct.unpack("!H", p[2:4])[0] for _, p in packets]
    check(all((b - a) & 0xFFFF == 1 for a, b in zip(seqs, seqs[1:])), "play: sequence numbers consecutive")
    check(packets[0][1][1] & 0x80 and not any(p[1] & 0x80 for _, p in packets[1:]), "play: marker on the first only")
    span = packets[-1][0] - packets[0][0]
    check(0.8 < span < 3.0, f"play: paced over {span:.2f} s")
    pcm = [ulaw_decode(b) for _, p in packets for b in p[12:]]
    share = power_at(pcm[800:], 8000, 1000)
    check(share > 0.8, f"play: 1 kHz holds {share:.2f} of the energy")
check("done" in lines, "play: done reported")

# ---- 2. digits ----
phone = phone_socket()
demo = Demo(offer(phone.getsockname()[1], "0 101", "a=rtpmap:101 telephone-event/8000\r\n"), 3, "echo", "100")
seq, ts = 1000, 5000
for event in (1, 5, 11):
    for i in range(7):
        end = i >= 4
        duration = 800 if end else 160 * (i + 1)
        phone.sendto(rtp(i == 0, 101, seq, ts, 0x5151, struct.pack("!BBH", event, (0x80 if end else 0) | 10, duration)),
                     ("127.0.0.1", demo.port))
        if not end or i == 6:
            seq += 1
        time.sleep(0.02)
    ts += 2000
lines = demo.finish()
digits = "".join(l.split()[1] for l in lines if l.startswith("digit "))
check(digits == "15#", f"digits: '15#' reported once each (got '{digits}')")

# ---- 3. echo ----
phone = phone_socket()
demo = Demo(offer(phone.getsockname()[1], "0", ""), 4, "echo", "200")
received = []
stop = threading.Event()
t = threading.Thread(target=lambda: received.extend(receive_all(phone, 4, stop.is_set)), daemon=True)
t.start()
start = time.time()
for f in range(75):
    payload = bytes(ulaw_encode(int(16000 * math.sin(2 * math.pi * 1000 * (f * 160 + n) / 8000))) for n in range(160))
    phone.sendto(rtp(f == 0, 0, f, f * 160, 0x4242, payload), ("127.0.0.1", demo.port))
    time.sleep(max(0, start + (f + 1) * 0.02 - time.time()))
time.sleep(0.6)
stop.set()
t.join()
lines = demo.finish()
pcm = [ulaw_decode(b) for _, p in received for b in p[12:]]
loud = [i for i in range(0, len(pcm) - 160, 160) if sum(abs(x) for x in pcm[i:i + 160]) / 160 > 3000]
check(len(loud) >= 40, f"echo: {len(loud)} frames of the tone came back (of 75)")
if loud:
    share = power_at(pcm[loud[5] if len(loud) > 5 else loud[0]:][:8000], 8000, 1000)
    check(share > 0.8, f"echo: 1 kHz holds {share:.2f} of what came back")
check(any(l.startswith("stats") and "received=75" in l for l in lines), "echo: 75 packets received " + str(lines[-1:]))

# ---- 4. AMR-WB bandwidth-efficient through tshark ----
phone = phone_socket()
demo = Demo(offer(phone.getsockname()[1], "98", "a=rtpmap:98 AMR-WB/16000\r\na=fmtp:98 mode-set=2\r\n"), 2, "play", "1000",
            "500")
check("a=fmtp:98 mode-set=2" in demo.answer, "amr-wb: fmtp kept in the answer")
packets = receive_all(phone, 1.5)
demo.finish()
check(len(packets) == 25, f"amr-wb: 25 packets for 500 ms (got {len(packets)})")
with tempfile.NamedTemporaryFile(suffix=".pcap", delete=False) as pcap:
    pcap.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 101))  # LINKTYPE_RAW: IPv4 packets
    for when, data in packets:
        udp = struct.pack("!HHHH", 40000, 5004, 8 + len(data), 0) + data
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0, bytes([127, 0, 0, 1]),
                         bytes([127, 0, 0, 1])) + udp
        pcap.write(struct.pack("<IIII", int(when), int((when % 1) * 1e6), len(ip), len(ip)) + ip)
out = subprocess.run(["tshark", "-r", pcap.name, "-d", "udp.port==5004,rtp", "-d", "rtp.pt==98,amr",
                      "-o", "amr.mode:Wideband AMR", "-o", "amr.encoding.version:RFC 3267 BW-efficient",
                      "-T", "fields", "-e", "rtp.p_type", "-e", "amr.wb.toc.ft", "-e", "amr.toc.f", "-e", "_ws.malformed",
                      "-e", "_ws.expert"], capture_output=True, text=True)
os.unlink(pcap.name)
rows = [r.split("\t") for r in out.stdout.strip().splitlines()]
print("\n".join(out.stdout.strip().splitlines()[:3]))
check(len(rows) == len(packets) and len(rows) > 0, f"amr-wb: tshark read {len(rows)} packets")
check(all(r[0] == "98" and r[1] == "2" and r[2] == "0" for r in rows), "amr-wb: every payload one frame of mode 2 (12.65 kbit/s), F=0")
check(all(len(r) < 4 or (r[3] == "" and r[4] == "") for r in rows), "amr-wb: nothing malformed, no expert info")

print("FAILED: " + "; ".join(failures) if failures else "all passed")
sys.exit(1 if failures else 0)
