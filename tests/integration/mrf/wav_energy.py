#!/usr/bin/env python3
"""How long a decoded recording (16-bit PCM WAV, any rate, mono or the first
channel) holds sound: wav_energy.py FILE.wav [--min-dbfs -50] [--window-ms 50]

Prints "length S s, active A s (N windows above D dBFS), first at F s, last at L s, peak P dBFS"
and exits 0; exits 2 when the file cannot be read. Silence decoded by an
AMR or G.711 decoder is far below -50 dBFS; speech is well above."""
import argparse
import array
import math
import sys
import wave

parser = argparse.ArgumentParser()
parser.add_argument("wav")
parser.add_argument("--min-dbfs", type=float, default=-50.0)
parser.add_argument("--window-ms", type=float, default=50.0)
args = parser.parse_args()

try:
    with wave.open(args.wav, "rb") as w:
        if w.getsampwidth() != 2:
            raise ValueError(f"{w.getsampwidth() * 8}-bit samples, not 16")
        rate, channels = w.getframerate(), w.getnchannels()
        samples = array.array("h", w.readframes(w.getnframes()))
except (OSError, EOFError, ValueError, wave.Error) as e:
    print(f"wav_energy: {args.wav}: {e}")
    sys.exit(2)
if sys.byteorder == "big":
    samples.byteswap()
samples = samples[::channels]

window = max(1, int(rate * args.window_ms / 1000))
active, first, last, peak = 0, None, None, -120.0
for start in range(0, len(samples) - window + 1, window):
    chunk = samples[start:start + window]
    rms = math.sqrt(sum(s * s for s in chunk) / window)
    dbfs = 20 * math.log10(rms / 32768) if rms > 0 else -120.0
    peak = max(peak, dbfs)
    if dbfs >= args.min_dbfs:
        active += 1
        t = start / rate
        first = t if first is None else first
        last = t + window / rate
seconds = active * window / rate
print(f"length {len(samples) / rate:.2f} s, active {seconds:.2f} s ({active} windows above {args.min_dbfs:.0f} dBFS), "
      f"first at {-1 if first is None else first:.2f} s, last at {-1 if last is None else last:.2f} s, "
      f"peak {peak:.1f} dBFS")
