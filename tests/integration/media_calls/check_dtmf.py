"""DTMF of the AMR-WB BE phone's calls (media_calls_test.sh), from a capture of
what the AGW sent (its RTP ports as source) and the notes of both ends.

  check_dtmf.py PCAP CALLS.json RTP-PHONE.out PHONE_RTP_PORT DIGITS PHONE_RATE

For each call rtp-phone logged ("dtmf pt P telephone-event/R, remote IP:PORT"):
toward the phone, tshark's rtpevent dissector (an independent decoder) must
see DIGITS in order on payload type P, each event ended (E bit), its final
duration that of a 100 ms tone at PHONE_RATE, its start timestamps
advancing at PHONE_RATE Hz of arrival time; rtp-phone's own log the same
digits, each ended, with such durations. For each call of the browser
(CALLS.json: dtmf {port, pt, rate}, what the browser's remote SDP says):
toward the browser, on the AGW's port there, len(DIGITS) telephone events
(distinct timestamps on its payload type: SRTP leaves the RTP header clear)
on a 48000 Hz clock. Prints "ok: ..." lines; exit 1 with "FAIL: ..." lines.
"""
import json
import re
import subprocess
import sys

pcap, calls_json, phone_out, phone_port, digits, phone_rate = sys.argv[1:7]
phone_port, phone_rate = int(phone_port), int(phone_rate)
DTMF = "0123456789*#ABCD"
TONE_MS = 100
failed = []


def fail(what):
    print(f"FAIL: {what}")
    failed.append(what)


def tshark(display_filter, decode, fields):
    out = subprocess.run(["tshark", "-r", pcap, "-Y", display_filter, *sum((["-d", d] for d in decode), []),
                          "-T", "fields", "-E", "separator=,", *sum((["-e", f] for f in fields), [])],
                         check=True, capture_output=True, text=True).stdout
    return [line.split(",") for line in out.splitlines() if line]


def events(rows):
    """[(arrival, timestamp, marker, rest...)] -> one entry per distinct timestamp, its last packet's fields"""
    out = []
    for r in rows:
        if out and out[-1]["ts"] == int(r[1]):
            out[-1]["last"] = r
            out[-1]["packets"] += 1
        else:
            out.append({"t": float(r[0]), "ts": int(r[1]), "marker": r[2] in ("1", "True"), "last": r, "packets": 1})
    return out


def clock(evs):
    first, last = evs[0], evs[-1]
    return ((last["ts"] - first["ts"]) % 2**32) / (last["t"] - first["t"])


def near(value, expected, tolerance):
    return abs(value - expected) <= expected * tolerance


want_units = phone_rate * TONE_MS // 1000
text = open(phone_out).read()
phone_calls = re.findall(r"dtmf pt (\d+) telephone-event/(\d+), remote [0-9.]+:(\d+): .*dtmf received: (\S*)", text)
if len(phone_calls) != 2:
    fail(f"rtp-phone logged {len(phone_calls)} calls with DTMF, not 2:\n{text}")
for pt, rate, agw_port, received in phone_calls:
    what = f"toward the phone (AGW port {agw_port}, telephone-event/{rate} pt {pt})"
    if int(rate) != phone_rate:
        fail(f"{what}: rtp-phone's telephone-event clock is {rate}, not {phone_rate}")
    if received != digits:
        fail(f"{what}: rtp-phone received the digits '{received}', not '{digits}'")
    rows = tshark(f"udp.srcport == {agw_port} && udp.dstport == {phone_port} && rtpevent",
                  [f"udp.port=={phone_port},rtp", f"rtp.pt=={pt},rtpevent"],
                  ["frame.time_epoch", "rtp.timestamp", "rtp.marker", "rtpevent.event_id", "rtpevent.end_of_event",
                   "rtpevent.duration"])
    evs = events(rows)
    seen = "".join(DTMF[int(e["last"][3])] if int(e["last"][3]) < 16 else "?" for e in evs)
    if seen != digits:
        fail(f"{what}: tshark's rtpevent decodes the digits '{seen}' ({len(rows)} packets), not '{digits}'")
        continue
    before = len(failed)
    durations = [int(e["last"][5]) for e in evs]
    unended = [DTMF[int(e["last"][3])] for e in evs if e["last"][4] not in ("1", "True")]
    if unended:
        fail(f"{what}: events without the E bit in their last packet: {unended}")
    bad = [d for d in durations if not near(d, want_units, 0.25)]
    if bad:
        fail(f"{what}: final durations {durations}: {bad} are not ~{want_units} units "
             f"(a {TONE_MS} ms tone at {phone_rate} Hz)")
    hz = clock(evs)
    if not near(hz, phone_rate, 0.15):
        fail(f"{what}: the events' timestamps advance at {hz:.0f} Hz, not {phone_rate}")
    if len(failed) == before:
            print(f"ok: {what}: tshark's rtpevent: the digits {seen} ({len(rows)} packets, "
              f"{sum(e['marker'] for e in evs)} with the marker bit), each ended, final durations "
              f"{min(durations)}-{max(durations)} units (~{want_units}: {TONE_MS} ms at {phone_rate} Hz), "
              f"timestamps on a {hz:.0f} Hz clock")
for i, (pt, rate, agw_port, received) in enumerate(phone_calls):
    # rtp-phone's per-event lines of call i come before its i-th summary line
    block = text.split("dtmf received:")[i].split("\n")
    own = [(int(m[0]), int(m[1])) for line in block for m in re.findall(r"event \d+ '.' duration (\d+) end (\d)", line)]
    if len(own) != len(digits) or any(e != 1 or not near(d, want_units, 0.25) for d, e in own):
        fail(f"rtp-phone's log of call {i + 1}: (duration, end) {own}: not {len(digits)} ended events of "
             f"~{want_units} units")
    else:
        print(f"ok: rtp-phone received {received} at telephone-event/{rate}: each ended, durations "
              f"{min(d for d, _ in own)}-{max(d for d, _ in own)} units")

calls = [c for c in json.load(open(calls_json)) if "dtmf" in c]
if len(calls) != 2:
    fail(f"{len(calls)} browser calls sent DTMF, not 2")
for c in calls:
    d = c["dtmf"]
    what = f"call {c['n']} ({c['kind']}): toward the browser (AGW port {d['port']}, telephone-event/{d['rate']} pt {d['pt']})"
    if d["rate"] != 48000:
        fail(f"{what}: the browser's telephone-event clock is {d['rate']}, not 48000")
    rows = tshark(f"udp.srcport == {d['port']} && rtp.p_type == {d['pt']}", [f"udp.port=={d['port']},rtp"],
                  ["frame.time_epoch", "rtp.timestamp", "rtp.marker"])
    evs = events(rows)
    if len(evs) != len(digits):
        fail(f"{what}: {len(evs)} telephone events ({len(rows)} SRTP packets), not {len(digits)}")
        continue
    hz = clock(evs)
    if not near(hz, d["rate"], 0.15):
        fail(f"{what}: the events' timestamps advance at {hz:.0f} Hz, not {d['rate']}")
        continue
    print(f"ok: {what}: {len(evs)} telephone events ({len(rows)} SRTP packets, "
          f"{sum(e['marker'] for e in evs)} with the marker bit) on a {hz:.0f} Hz clock")
sys.exit(1 if failed else 0)
