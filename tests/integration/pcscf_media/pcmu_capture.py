#!/usr/bin/env python3
"""The PCMU audio (RTP payload type 0) of a loopback capture, decoded to a
16-bit WAV for media-tool detect (tests/integration/pcscf_media):
pcmu_capture.py CAPTURE.pcap OUT.wav  (dumpcap -P -i lo: Ethernet-framed IPv4/UDP)
Packets are taken in RTP sequence order; prints how many were decoded."""
import struct
import sys
import wave


def ulaw_to_linear(u):  # G.711 mu-law -> 16-bit linear (ITU-T G.711)
    u = ~u & 0xFF
    t = ((u & 0x0F) << 3) + 0x84
    t <<= (u & 0x70) >> 4
    return (0x84 - t) if u & 0x80 else (t - 0x84)


def rtp_payloads(path):
    data = open(path, "rb").read()
    magic = struct.unpack("<I", data[:4])[0]
    endian = "<" if magic == 0xA1B2C3D4 else ">"
    linktype = struct.unpack(endian + "I", data[20:24])[0]
    offset, packets = 24, []
    while offset + 16 <= len(data):
        _, _, caplen, _ = struct.unpack(endian + "IIII", data[offset:offset + 16])
        frame = data[offset + 16:offset + 16 + caplen]
        offset += 16 + caplen
        ip = frame[14:] if linktype == 1 else frame[16:] if linktype == 113 else frame
        if len(ip) < 20 or ip[0] >> 4 != 4 or ip[9] != 17:
            continue
        rtp = ip[(ip[0] & 0x0F) * 4 + 8:]
        if len(rtp) < 12 or rtp[0] >> 6 != 2 or rtp[1] & 0x7F != 0:
            continue
        header = 12 + 4 * (rtp[0] & 0x0F)
        if rtp[0] & 0x10 and len(rtp) >= header + 4:
            header += 4 + 4 * struct.unpack(">H", rtp[header + 2:header + 4])[0]
        packets.append((struct.unpack(">H", rtp[2:4])[0], rtp[header:]))
    return packets


def main():
    packets = rtp_payloads(sys.argv[1])
    if packets:  # sequence order, across one wrap at most
        first = packets[0][0]
        packets.sort(key=lambda p: (p[0] - first) & 0xFFFF)
    samples = b"".join(struct.pack("<h", ulaw_to_linear(b)) for _, payload in packets for b in payload)
    with wave.open(sys.argv[2], "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(samples)
    print(f"{len(packets)} PCMU packets decoded")


main()
