#!/usr/bin/env bash
# media-tool: a tone file it writes is found at its frequency (also after a
# rate conversion and in a stereo file Python's wave module wrote), a wrong
# frequency and quiet tones are not, bad input is a usage error.
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
TOOL="$BIN/media-tool"
D="$DATA_DIR"

"$TOOL" tone "$D/1k.wav" --freq 1000 --rate 48000 --seconds 3 || fail "tone"
[ "$(stat -c %s "$D/1k.wav")" -eq $((44 + 48000 * 3 * 2)) ] || fail "tone file size"
"$TOOL" detect "$D/1k.wav" --freq 1000 >"$D/out" || fail "1 kHz not found: $(cat "$D/out")"
grep -q "windows with 1000 Hz: 30 of 30, first at 0.00 s" "$D/out" || fail "scan: $(cat "$D/out")"
pass "a 1 kHz tone file is found"

rc=0; "$TOOL" detect "$D/1k.wav" --freq 2000 >"$D/out" || rc=$?
[ "$rc" -eq 1 ] || fail "2 kHz found in a 1 kHz file (rc $rc)"
rc=0; "$TOOL" detect "$D/1k.wav" --freq 1025 >/dev/null || rc=$?
[ "$rc" -eq 1 ] || fail "1025 Hz (2.5 % off) accepted"
"$TOOL" detect "$D/1k.wav" --freq 1015 >/dev/null || fail "1015 Hz (1.5 % off) refused"
"$TOOL" tone "$D/quiet.wav" --freq 1000 --rate 8000 --seconds 1 --level -60
rc=0; "$TOOL" detect "$D/quiet.wav" --freq 1000 >/dev/null || rc=$?
[ "$rc" -eq 1 ] || fail "a -60 dBFS tone passed the -40 dBFS threshold"
pass "wrong frequencies and quiet tones are refused"

"$TOOL" convert "$D/1k.wav" "$D/1k-8k.wav" --rate 8000 || fail "convert"
"$TOOL" detect "$D/1k-8k.wav" --freq 1000 | grep -q "8000 Hz" || fail "converted file"
pass "conversion keeps the tone"

# a file written by another program: Python's wave module, stereo, 16 kHz, 2 kHz
python3 - "$D/py.wav" <<'PY'
import math, struct, sys, wave
w = wave.open(sys.argv[1], "wb")
w.setnchannels(2); w.setsampwidth(2); w.setframerate(16000)
w.writeframes(b"".join(struct.pack("<hh", v, v) for v in
              (int(9000 * math.sin(2 * math.pi * 2000 * i / 16000)) for i in range(32000))))
w.close()
PY
"$TOOL" detect "$D/py.wav" --freq 2000 >"$D/out" || fail "Python's 2 kHz not found: $(cat "$D/out")"
grep -q "16000 Hz, 2.00 s" "$D/out" || fail "Python's file: $(cat "$D/out")"
pass "a file Python's wave module wrote is read"

rc=0; "$TOOL" detect "$D/missing.wav" --freq 1000 2>/dev/null || rc=$?
[ "$rc" -eq 2 ] || fail "missing file (rc $rc)"
rc=0; "$TOOL" tone 2>/dev/null || rc=$?
[ "$rc" -eq 2 ] || fail "usage (rc $rc)"
pass "errors"
