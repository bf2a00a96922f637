#!/usr/bin/env bash
# The AGW's ng `play media` / `stop media` (issue 19: announcements inside an
# established call), driven by an independent ng client with two plain-RTP
# phones of its own (tests/integration/agw/play_media_peer.py, Python's
# standard library only): phone A talks a 2 kHz tone to phone B through the
# AGW; `play media` of a 1 kHz WAV (made here with Python's wave module) with
# from-tag = B: B hears 1 kHz instead of A, on the same RTP stream (one SSRC,
# sequence +1, timestamps continuing); after `stop media` B hears A again;
# `play media` of a built-in prompt of the MRF's store by its name; errors
# (unknown tag, missing file, nothing playing, unknown call) get
# `result: error` with a reason.
# Cross-check: the same client against Debian's rtpengine (10.5, userspace,
# its media player built in): the same replies (`result: ok`, `duration` in
# ms), the same party hears the file (from-tag = the listener); rtpengine
# sends the file as a second stream beside the relayed one, so the
# one-stream checks are ours only (play_media_peer.py --rtpengine).
source "$(dirname "$0")/lib.sh"

command -v python3 >/dev/null || fail "python3 is not installed"
PEER="$(dirname "$0")/agw/play_media_peer.py"
BASE=$(free_port_base)
agw_only_config "$BASE"
start_agw_only
pass "the AGW is up (ng on 127.0.0.1:$NG_PORT)"

TONE="$DATA_DIR/tone-1k.wav"
python3 - "$TONE" <<'PY'
import math, struct, sys, wave
with wave.open(sys.argv[1], "wb") as w:
    w.setnchannels(1); w.setsampwidth(2); w.setframerate(16000)
    w.writeframes(b"".join(struct.pack("<h", int(12000 * math.sin(2 * math.pi * 1000 * i / 16000)))
                           for i in range(16000)))
PY

PROMPTS="$IMSBOX_BUILD_DIR/prompts"
[ -f "$PROMPTS/welcome.16k.wav" ] || fail "no built-in prompt welcome in $PROMPTS (target mrf_prompts)"
timeout 90 python3 "$PEER" "$NG_PORT" "$TONE" --prompt welcome --errors || fail "play media through the AGW"
grep -q "play media $TONE (1000 ms, 1 times) to tag tag-b" "$AGW_LOG" || fail "the AGW did not log the play: $(tail -5 "$AGW_LOG")"
grep -q "play media welcome" "$AGW_LOG" || fail "the AGW did not log the prompt's play"
pass "the AGW logged the plays"
expect_exit 0 "$IMSBOX" status --data-dir "$DATA_DIR"
"$IMSBOX" down --data-dir "$DATA_DIR" >/dev/null

if ! command -v rtpengine >/dev/null; then
  fail "rtpengine is not installed (Debian rtpengine-daemon, installer/packages.txt)"
fi
RE_NG=$((BASE + 16))
rtpengine --config-file=none --table=-1 --interface=127.0.0.1 --listen-ng="127.0.0.1:$RE_NG" \
  --port-min="$AGW_RTP_MIN" --port-max="$AGW_RTP_MAX" --foreground --log-stderr --log-level=5 \
  > "$DATA_DIR/rtpengine.log" 2>&1 &
RE_PID=$!
for _ in $(seq 1 50); do ss -Huln "sport = :$RE_NG" | grep -q . && break; sleep 0.1; done
ss -Huln "sport = :$RE_NG" | grep -q . || fail "rtpengine did not start: $(tail -5 "$DATA_DIR/rtpengine.log")"
timeout 90 python3 "$PEER" "$RE_NG" "$TONE" --errors --rtpengine ||
  { tail -20 "$DATA_DIR/rtpengine.log"; fail "the same ng commands against Debian's rtpengine"; }
kill "$RE_PID"
wait "$RE_PID" 2>/dev/null || true
pass "Debian's rtpengine $(rtpengine --version 2>&1 | head -1 | awk '{print $NF}') answers the same play/stop media"
