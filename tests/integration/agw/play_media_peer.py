#!/usr/bin/env python3
"""An independent ng client and two plain-RTP phones (PCMU) for
agw_play_media_test.sh: sets up a call through an ng media proxy (our AGW, or
Debian's rtpengine as a cross-check), phone A talks a 2 kHz tone, then
`play media` of a 1 kHz WAV to phone B (from-tag = B: the party that hears
it, as rtpengine's docs say), `stop media`, and checks what B received:
2 kHz, then 1 kHz, then 2 kHz again, on one RTP stream (one SSRC, sequence
numbers +1, timestamps never going back and never jumping). Standard library
only (no code of ours). Prints `ok: ...` lines; exits 1 on the first failure.

usage: play_media_peer.py NG_PORT TONE_WAV [--prompt NAME] [--errors] [--rtpengine]

--rtpengine: the cross-check against Debian's rtpengine 10.5, which sends the
played media as a second stream of its own (another SSRC) beside the relayed
one even with the `block egress` flag: B's audio during the play is then
taken from the new SSRC only, and the one-stream checks are skipped.
"""
import json, math, socket, struct, sys, threading, time, wave

NG_PORT = int(sys.argv[1])
WAV = sys.argv[2]
PROMPT = sys.argv[sys.argv.index("--prompt") + 1] if "--prompt" in sys.argv else None
ERRORS = "--errors" in sys.argv
RTPENGINE = "--rtpengine" in sys.argv


def fail(msg):
    print("FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


def ok(msg):
    print("ok: " + msg, flush=True)


# ---- ng over UDP, JSON dictionaries (rtpengine reads JSON too) ----
ng_sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
ng_sock.settimeout(5)
cookie_n = 0


def ng(**d):
    global cookie_n
    cookie_n += 1
    cookie = "pm%d_%d" % (cookie_n, int(time.time() * 1000) % 100000)
    ng_sock.sendto((cookie + " " + json.dumps(d)).encode(), ("127.0.0.1", NG_PORT))
    data = ng_sock.recv(65535).decode()
    got_cookie, _, body = data.partition(" ")
    if got_cookie != cookie:
        fail("reply cookie %r for %r" % (got_cookie, cookie))
    if body.startswith("d"):
        fail("a bencode reply to a JSON request: " + body[:80])
    return json.loads(body)


# ---- G.711 mu-law (ITU-T G.711), by the book ----
def ulaw_encode(s):
    sign = 0x80 if s < 0 else 0
    s = min(abs(s), 32635) + 0x84
    exp = 7
    while exp > 0 and not (s & (0x4000 >> (7 - exp))):
        exp -= 1
    mant = (s >> (exp + 3)) & 0x0F
    return (~(sign | (exp << 4) | mant)) & 0xFF


def ulaw_decode(u):
    u = ~u & 0xFF
    t = (((u & 0x0F) << 3) + 0x84) << ((u & 0x70) >> 4)
    return (0x84 - t) if (u & 0x80) else (t - 0x84)


def goertzel(samples, freq, rate=8000):
    k = 2 * math.cos(2 * math.pi * freq / rate)
    s1 = s2 = 0.0
    for x in samples:
        s1, s2 = x + k * s1 - s2, s1
    return s1 * s1 + s2 * s2 - k * s1 * s2


def dominant(samples):
    """1000 or 2000 when that tone holds most of the energy, else None"""
    if len(samples) < 400:
        return None
    e1, e2 = goertzel(samples, 1000), goertzel(samples, 2000)
    total = sum(x * x for x in samples) * len(samples) / 2 + 1
    if e1 > 4 * e2 and e1 > 0.3 * total:
        return 1000
    if e2 > 4 * e1 and e2 > 0.3 * total:
        return 2000
    return None


# ---- the phones ----
def udp():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    return s


a, b = udp(), udp()


def sdp(port, sess):
    return ("v=0\r\no=- %d 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
            "m=audio %d RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\n"
            "a=sendrecv\r\n" % (sess, port))


def media_port(s):
    for line in s.split("\r\n"):
        if line.startswith("m=audio "):
            return int(line.split()[1])
    fail("no m=audio in " + s)


call_id = "play-media-%d@test" % int(time.time() * 1000)
r = ng(command="offer", **{"call-id": call_id, "from-tag": "tag-a", "sdp": sdp(a.getsockname()[1], 1),
                           "transport-protocol": "RTP/AVP", "flags": ["trust-address"], "replace": ["origin"]})
if r.get("result") != "ok":
    fail("offer: %r" % r)
port_to_b = media_port(r["sdp"])  # where B sends (the proxy's leg toward B)
r = ng(command="answer", **{"call-id": call_id, "from-tag": "tag-a", "to-tag": "tag-b",
                            "sdp": sdp(b.getsockname()[1], 2), "flags": ["trust-address"], "replace": ["origin"]})
if r.get("result") != "ok":
    fail("answer: %r" % r)
port_to_a = media_port(r["sdp"])
ok("call set up over ng: A sends to port %d, B to port %d" % (port_to_a, port_to_b))

stop = threading.Event()
received = []  # (arrival, seq, ts, ssrc, pt, samples)


def talk_a():
    """A: a 2 kHz tone, 20 ms PCMU packets on a steady clock"""
    seq, ts, n = 1000, 50000, 0
    t0 = time.monotonic()
    while not stop.is_set():
        payload = bytes(ulaw_encode(int(8000 * math.sin(2 * math.pi * 2000 * (n + i) / 8000))) for i in range(160))
        a.sendto(struct.pack("!BBHII", 0x80, 0, seq & 0xFFFF, ts & 0xFFFFFFFF, 0xA1A1A1A1) + payload,
                 ("127.0.0.1", port_to_a))
        seq, ts, n = seq + 1, ts + 160, n + 160
        time.sleep(max(0, t0 + (n // 160) * 0.02 - time.monotonic()))


def listen_b():
    b.settimeout(0.2)
    # B sends a little too, so that a latching proxy learns its address
    while not stop.is_set():
        try:
            data = b.recv(2048)
        except socket.timeout:
            continue
        if len(data) < 12 or data[0] >> 6 != 2:
            continue
        _, m_pt, seq, ts, ssrc = struct.unpack("!BBHII", data[:12])
        cc = data[0] & 0x0F
        payload = data[12 + 4 * cc:]
        received.append((time.monotonic(), seq, ts, ssrc, m_pt & 0x7F, m_pt >> 7,
                         [ulaw_decode(x) for x in payload] if (m_pt & 0x7F) == 0 else []))


def talk_b():
    seq, ts = 1, 7000
    while not stop.is_set():
        b.sendto(struct.pack("!BBHII", 0x80, 0, seq, ts, 0xB2B2B2B2) + bytes([0xFF] * 160), ("127.0.0.1", port_to_b))
        seq, ts = seq + 1, ts + 160
        time.sleep(0.02)


threads = [threading.Thread(target=f, daemon=True) for f in (talk_a, listen_b, talk_b)]
for t in threads:
    t.start()


def heard(t_from, t_to, but_ssrc=None):
    out = []
    for r_ in received:
        if t_from <= r_[0] < t_to and r_[3] != but_ssrc:
            out.extend(r_[6])
    return out


def wait_for(what, cond, timeout=5):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return
        time.sleep(0.05)
    fail(what)


wait_for("B hears nothing of A", lambda: len(received) >= 25)
t_relay = time.monotonic()
time.sleep(0.5)
tone = dominant(heard(t_relay, time.monotonic()))
if tone != 2000:
    fail("before play media B hears %r, not A's 2 kHz" % tone)
relay_ssrc = received[-1][3]
ok("B hears A's 2 kHz through the proxy")

with wave.open(WAV) as w:
    wav_ms = w.getnframes() * 1000 // w.getframerate()
r = ng(command="play media", flags=["block egress"], **{"call-id": call_id, "from-tag": "tag-b", "file": WAV})
t_play = time.monotonic()
if r.get("result") != "ok":
    fail("play media: %r" % r)
if "duration" not in r or abs(int(r["duration"]) - wav_ms) > 40:
    fail("play media's duration %r, the file lasts %d ms" % (r.get("duration"), wav_ms))
ok("play media to tag-b: %s" % json.dumps(r))
time.sleep(0.6)
r = ng(command="stop media", **{"call-id": call_id, "from-tag": "tag-b"})
t_stop = time.monotonic()
if r.get("result") != "ok":
    fail("stop media: %r" % r)
ok("stop media: %s" % json.dumps(r))
time.sleep(0.6)
tone = dominant(heard(t_play + 0.1, t_stop - 0.05, relay_ssrc if RTPENGINE else None))
if tone != 1000:
    fail("while playing B hears %r, not the file's 1 kHz" % tone)
if RTPENGINE:
    ok("while playing B gets the file's 1 kHz on a stream of its own (rtpengine: a second SSRC)")
else:
    ok("while playing B hears the file's 1 kHz (and not A)")
tone = dominant(heard(t_stop + 0.15, time.monotonic()))
if tone != 2000:
    fail("after stop media B hears %r, not A's 2 kHz" % tone)
ok("after stop media B hears A's 2 kHz again")

if PROMPT:
    r = ng(command="play media", **{"call-id": call_id, "from-tag": "tag-b", "file": PROMPT})
    if r.get("result") != "ok" or int(r.get("duration", 0)) < 300:
        fail("play media of the prompt %s: %r" % (PROMPT, r))
    t_p = time.monotonic()
    time.sleep(0.8)
    spoken = heard(t_p + 0.1, time.monotonic())
    if dominant(spoken) is not None:
        fail("while the prompt plays B still hears a pure tone")
    ok("play media of the MRF's prompt '%s' (%s ms): B hears speech, not A's tone" % (PROMPT, r["duration"]))
    r = ng(command="stop media", **{"call-id": call_id, "from-tag": "tag-b"})
    if r.get("result") != "ok":
        fail("stop media of the prompt: %r" % r)
    time.sleep(0.4)

stop.set()
for t in threads:
    t.join(timeout=2)

# one stream for B's receiver: SSRC, sequence, timestamps
if not RTPENGINE:
    audio = [r_ for r_ in received if r_[4] == 0]
    ssrcs = {r_[3] for r_ in audio}
    if len(ssrcs) != 1:
        fail("B got %d SSRCs: %s" % (len(ssrcs), [hex(s) for s in ssrcs]))
    bad_seq = [(p[1], q[1]) for p, q in zip(audio, audio[1:]) if (q[1] - p[1]) & 0xFFFF != 1]
    if bad_seq:
        fail("B's sequence numbers jump: %s" % bad_seq[:5])
    steps = [((q[2] - p[2]) & 0xFFFFFFFF) for p, q in zip(audio, audio[1:])]
    bad_ts = [s for s in steps if s == 0 or s > 8000 * 0.2]
    if bad_ts:
        fail("B's timestamps go back, repeat or jump (steps %s)" % sorted(set(bad_ts))[:8])
    markers = sum(1 for r_ in audio if r_[5])
    ok("B got %d packets on one SSRC %#x, sequence +1 throughout, timestamp steps %d..%d, %d marker bits" %
       (len(audio), ssrcs.pop(), min(steps), max(steps), markers))

if ERRORS:
    r = ng(command="play media", **{"call-id": call_id, "from-tag": "tag-nobody", "file": WAV})
    if r.get("result") != "error" or not r.get("error-reason"):
        fail("play media to an unknown tag: %r" % r)
    ok("play media to an unknown tag: %s" % r["error-reason"])
    r = ng(command="play media", **{"call-id": call_id, "from-tag": "tag-b", "file": "/nonexistent/no.wav"})
    if r.get("result") != "error" or not r.get("error-reason"):
        fail("play media of a missing file: %r" % r)
    ok("play media of a missing file: %s" % r["error-reason"])
    r = ng(command="stop media", **{"call-id": call_id, "from-tag": "tag-b"})
    if RTPENGINE:
        # 10.5 keeps the stopped player and says ok; its current source says "Not currently playing media"
        ok("stop media with nothing playing: rtpengine 10.5 says %s" % json.dumps(r))
    elif r.get("result") != "error" or not r.get("error-reason"):
        fail("stop media with nothing playing: %r" % r)
    else:
        ok("stop media with nothing playing: %s" % r["error-reason"])
    r = ng(command="play media", **{"call-id": "no-such-call", "from-tag": "tag-b", "file": WAV})
    if r.get("result") != "error" or not r.get("error-reason"):
        fail("play media in an unknown call: %r" % r)
    ok("play media in an unknown call: %s" % r["error-reason"])

r = ng(command="delete", **{"call-id": call_id, "from-tag": "tag-a"})
if r.get("result") != "ok":
    fail("delete: %r" % r)
ok("deleted")
