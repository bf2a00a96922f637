#!/usr/bin/env bash
# The MRF's prompts (issue 19), read back with Python's wave module (a WAV
# reader that is not ours):
#   * the build spoke every prompt of mrf/prompts/prompts.txt with espeak-ng
#     and left NAME.16k.wav and NAME.8k.wav in <build>/prompts: 16-bit mono at
#     those rates, as long at both rates, and not silent;
#   * `imsbox prompt add` takes a 44.1 kHz stereo WAV, converts it (the
#     converted 8 kHz file keeps its 440 Hz tone and length), lists it as the
#     operator's, and it hides the built-in prompt of the same name until
#     `prompt del`; a file that is not WAV and a bad name are refused with
#     their reason and exit 1, nothing written.
source "$(dirname "$0")/lib.sh"

PYTHON=/usr/bin/python3
PROMPTS="$IMSBOX_BUILD_DIR/prompts"
LIST="$SOURCE_DIR/mrf/prompts/prompts.txt"

# check_wav FILE RATE: prints "frames rms dominant_hz" of a 16-bit mono WAV at RATE, or fails
check_wav() {
  "$PYTHON" - "$1" "$2" <<'PY'
import math, struct, sys, wave
path, rate = sys.argv[1], int(sys.argv[2])
w = wave.open(path)
assert w.getnchannels() == 1, f"{path}: {w.getnchannels()} channels"
assert w.getsampwidth() == 2, f"{path}: {8 * w.getsampwidth()}-bit"
assert w.getframerate() == rate, f"{path}: {w.getframerate()} Hz"
n = w.getnframes()
s = struct.unpack(f"<{n}h", w.readframes(n))
rms = math.sqrt(sum(x * x for x in s) / max(n, 1))
# zero crossings per second / 2: the pitch of a pure tone
crossings = sum(1 for a, b in zip(s, s[1:]) if (a < 0) != (b < 0))
print(n, round(rms), round(crossings * rate / (2 * max(n, 1))))
PY
}

names=$(sed -n 's/^\([a-z0-9][a-z0-9_-]*\):.*/\1/p' "$LIST")
[ "$(wc -w <<<"$names")" -ge 10 ] || fail "prompts.txt lists only: $names"
for name in $names; do
  for rate in 16000 8000; do
    suffix=$([ $rate = 16000 ] && echo 16k || echo 8k)
    read -r frames rms _ < <(check_wav "$PROMPTS/$name.$suffix.wav" $rate) ||
      fail "built-in prompt $name at $rate Hz: $(check_wav "$PROMPTS/$name.$suffix.wav" $rate 2>&1 | tail -1)"
    [ "$frames" -ge $((rate / 2)) ] || fail "built-in prompt $name at $rate Hz lasts $frames samples"
    [ "$rms" -ge 300 ] || fail "built-in prompt $name at $rate Hz is silent (RMS $rms)"
    eval "frames_$suffix=$frames"
  done
  # the same recording at both rates
  [ $((frames_16k - 2 * frames_8k)) -le 16 ] && [ $((2 * frames_8k - frames_16k)) -le 16 ] ||
    fail "built-in prompt $name: $frames_16k samples at 16 kHz, $frames_8k at 8 kHz"
done
pass "every built-in prompt ($(wc -w <<<"$names")) is 16-bit mono speech at 16 and 8 kHz, of one length"

# a 44.1 kHz stereo 440 Hz tone of 1.5 s
"$PYTHON" - "$DATA_DIR/tone.wav" <<'PY'
import math, struct, sys, wave
w = wave.open(sys.argv[1], "wb")
w.setnchannels(2); w.setsampwidth(2); w.setframerate(44100)
w.writeframes(b"".join(struct.pack("<hh", int(9000 * math.sin(2 * math.pi * 440 * i / 44100)),
                                   int(9000 * math.sin(2 * math.pi * 440 * i / 44100))) for i in range(66150)))
PY
expect_exit 0 "$IMSBOX" prompt add busy "$DATA_DIR/tone.wav" --data-dir "$DATA_DIR"
grep -q "added prompt busy (1.5 s)" <<<"$OUT" || fail "prompt add said: $OUT"
read -r frames _ pitch < <(check_wav "$DATA_DIR/prompts/busy.8k.wav" 8000) || fail "the converted prompt is not 8 kHz mono"
[ "$frames" -ge 11900 ] && [ "$frames" -le 12100 ] || fail "the converted prompt has $frames samples at 8 kHz (1.5 s: 12000)"
[ "$pitch" -ge 430 ] && [ "$pitch" -le 450 ] || fail "the converted prompt's pitch is $pitch Hz, not 440"
expect_exit 0 "$IMSBOX" prompt list --data-dir "$DATA_DIR"
grep -Eq '^busy +1\.5 s +operator$' <<<"$OUT" || fail "prompt list does not show the operator's busy: $OUT"
grep -Eq '^welcome +[0-9.]+ s +built-in$' <<<"$OUT" || fail "prompt list does not show the built-in welcome: $OUT"
pass "a 44.1 kHz stereo WAV became the operator's 'busy' at 8 kHz mono (440 Hz, 1.5 s kept), listed over the built-in one"

echo "no RIFF here" >"$DATA_DIR/notes.wav"
expect_exit 1 "$IMSBOX" prompt add notes "$DATA_DIR/notes.wav" --data-dir "$DATA_DIR"
grep -q "notes.wav is not a WAV file imsbox can read" <<<"$OUT" || fail "a text file: $OUT"
expect_exit 1 "$IMSBOX" prompt add "Not/OK" "$DATA_DIR/tone.wav" --data-dir "$DATA_DIR"
grep -q "prompt name 'Not/OK'" <<<"$OUT" || fail "a bad name: $OUT"
[ "$(ls "$DATA_DIR/prompts")" = "$(printf 'busy.16k.wav\nbusy.8k.wav')" ] ||
  fail "refused prompts left files: $(ls "$DATA_DIR/prompts")"
pass "a file that is not WAV and a bad name are refused with their reason, nothing written"

expect_exit 0 "$IMSBOX" prompt del busy --data-dir "$DATA_DIR"
grep -q "the built-in one plays again" <<<"$OUT" || fail "prompt del said: $OUT"
expect_exit 0 "$IMSBOX" prompt list --data-dir "$DATA_DIR"
grep -Eq '^busy +[0-9.]+ s +built-in$' <<<"$OUT" || fail "after del, busy is not the built-in one: $OUT"
expect_exit 1 "$IMSBOX" prompt del welcome --data-dir "$DATA_DIR"
pass "prompt del brings the built-in prompt back; a built-in prompt cannot be deleted"
