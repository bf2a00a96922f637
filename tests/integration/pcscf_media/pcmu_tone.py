#!/usr/bin/env python3
"""A G.711 mu-law WAV (8 kHz, mono) of a sine tone, for sipp's rtp_stream
(tests/integration/pcscf_media): pcmu_tone.py OUT.wav FREQ_HZ SECONDS"""
import math
import struct
import sys


def ulaw(sample):  # 16-bit linear -> G.711 mu-law (ITU-T G.711, as in sox and libavcodec)
    bias, clip = 0x84, 32635
    sign = 0x80 if sample < 0 else 0
    if sample < 0:
        sample = -sample
    sample = min(sample, clip) + bias
    exponent = 7
    mask = 0x4000
    while exponent > 0 and not sample & mask:
        exponent -= 1
        mask >>= 1
    mantissa = (sample >> (exponent + 3)) & 0x0F
    return ~(sign | (exponent << 4) | mantissa) & 0xFF


def main():
    out, freq, seconds = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
    rate = 8000
    n = int(rate * seconds)
    data = bytes(ulaw(int(8000 * math.sin(2 * math.pi * freq * i / rate))) for i in range(n))
    fmt = struct.pack("<HHIIHH", 7, 1, rate, rate, 1, 8) + struct.pack("<H", 0)  # WAVE_FORMAT_MULAW
    with open(out, "wb") as f:
        f.write(b"RIFF" + struct.pack("<I", 4 + 8 + len(fmt) + 8 + len(data)) + b"WAVE")
        f.write(b"fmt " + struct.pack("<I", len(fmt)) + fmt)
        f.write(b"data" + struct.pack("<I", len(data)) + data)


main()
