#!/usr/bin/python3
# The independent ESP peer of esp_scapy_test.cpp: Debian's scapy
# (scapy.layers.ipsec.SecurityAssociation, transport mode over IPv4).
# One request per stdin line, one answer per stdout line, bytes in hex:
#   encrypt CRYPT CKEY AUTH AKEY SPI SEQ PROTO PAYLOAD
#       IP()/UDP()/PAYLOAD (PROTO 17) or IP()/TCP()/PAYLOAD (PROTO 6) encrypted
#       with sequence number SEQ -> "INNER ESP": the UDP/TCP segment, and what
#       follows the IP header of the ESP packet
#   decrypt CRYPT CKEY AUTH AKEY SPI ESP
#       -> "PROTO INNER" (the next header and the decrypted segment), or "error TEXT"
# CRYPT: AES-CBC | NULL, AUTH: HMAC-SHA1-96 | HMAC-MD5-96, CKEY "-" for NULL.
import sys

from scapy.layers.inet import IP, TCP, UDP
from scapy.layers.ipsec import ESP, SecurityAssociation
from scapy.packet import Raw


def sa(crypt, ckey, auth, akey, spi):
    return SecurityAssociation(ESP, spi=int(spi),
                               crypt_algo=crypt, crypt_key=None if ckey == "-" else bytes.fromhex(ckey),
                               auth_algo=auth, auth_key=bytes.fromhex(akey))


def encrypt(crypt, ckey, auth, akey, spi, seq, proto, payload=""):  # "" is lost by split()
    l4 = UDP(sport=5062, dport=5064) if proto == "17" else TCP(sport=5062, dport=5064, flags="PA", seq=1000)
    inner = IP(src="192.0.2.1", dst="192.0.2.2") / l4 / Raw(bytes.fromhex(payload))
    inner = IP(bytes(inner))  # checksums and lengths filled in
    packet = sa(crypt, ckey, auth, akey, spi).encrypt(inner, seq_num=int(seq))
    if packet.proto != 50:
        raise ValueError("not ESP")
    return bytes(inner.payload).hex() + " " + bytes(packet.payload).hex()


def decrypt(crypt, ckey, auth, akey, spi, esp):
    packet = IP(bytes(IP(src="192.0.2.2", dst="192.0.2.1", proto=50) / Raw(bytes.fromhex(esp))))
    plain = sa(crypt, ckey, auth, akey, spi).decrypt(packet)
    return "%d %s" % (plain.proto, bytes(plain.payload).hex())


for line in sys.stdin:
    words = line.split()
    if not words:
        continue
    try:
        answer = {"encrypt": encrypt, "decrypt": decrypt}[words[0]](*words[1:])
    except Exception as e:  # one failed request is an answer, not the end of the run
        answer = "error " + (type(e).__name__ + ":" + str(e)).replace("\n", " ")
    print(answer, flush=True)
