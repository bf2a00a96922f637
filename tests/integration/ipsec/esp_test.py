#!/usr/bin/python3
"""esp_tun.py without a network: the TS 33.203 Annex I keys, the anti-replay
window (RFC 4303 3.4.3), and scapy's ESP transport mode between two SAs built
from the same CK/IK (a tampered ICV and a wrong key refused). ctest:
integration.ipsec_esp_unit."""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from scapy.layers.inet import IP, UDP  # noqa: E402
from scapy.layers.ipsec import ESP, IPSecIntegrityError  # noqa: E402

from esp_tun import REPLAY_WINDOW, Sa, esp_keys  # noqa: E402

CK = bytes.fromhex("b40ba9a3c58b2a05bbf0d987b21bf8cb")
IK = bytes.fromhex("f769bcd751044604127672711c6d3441")


class AnnexI(unittest.TestCase):
    def test_keys(self):
        self.assertEqual(esp_keys("hmac-sha-1-96", "aes-cbc", CK, IK), (IK + bytes(4), CK))
        self.assertEqual(esp_keys("hmac-md5-96", "aes-cbc", CK, IK), (IK, CK))
        self.assertEqual(esp_keys("hmac-sha-1-96", "null", CK, IK), (IK + bytes(4), None))
        self.assertEqual(esp_keys("hmac-md5-96", "null", CK, IK), (IK, None))
        with self.assertRaises(ValueError):
            esp_keys("hmac-sha-256", "aes-cbc", CK, IK)
        with self.assertRaises(ValueError):
            esp_keys("hmac-md5-96", "des-ede3-cbc", CK, IK)


def sa(alg="hmac-sha-1-96", ealg="aes-cbc", direction="in", ck=CK, ik=IK):
    return Sa("t", direction, 0x1234, "10.0.0.1", 1, 2, alg, ealg, ck, ik, 1)


class ReplayWindow(unittest.TestCase):
    def test_window(self):
        s = sa()
        self.assertFalse(s.replay_check(0))
        for n in (1, 2, 5):
            self.assertTrue(s.replay_check(n))
            s.replay_update(n)
        self.assertFalse(s.replay_check(5))
        self.assertFalse(s.replay_check(2))
        self.assertTrue(s.replay_check(3))  # late but new
        s.replay_update(3)
        self.assertFalse(s.replay_check(3))
        s.replay_update(5 + REPLAY_WINDOW)
        self.assertFalse(s.replay_check(5))  # left the window
        self.assertTrue(s.replay_check(6 + REPLAY_WINDOW))


class Transport(unittest.TestCase):
    def packet(self):
        return IP(src="10.0.0.2", dst="10.0.0.1") / UDP(sport=41000, dport=5064) / b"REGISTER sip:x SIP/2.0\r\n\r\n"

    def test_each_pair_round_trip_and_tamper(self):
        for alg in ("hmac-sha-1-96", "hmac-md5-96"):
            for ealg in ("aes-cbc", "null"):
                with self.subTest(alg=alg, ealg=ealg):
                    out, inn = sa(alg, ealg, "out"), sa(alg, ealg, "in")
                    p = self.packet()
                    wire = bytes(out.sa.encrypt(p, seq_num=7))
                    e = IP(wire)
                    self.assertEqual(e.proto, 50)
                    self.assertEqual(e[ESP].spi, 0x1234)
                    self.assertEqual(e[ESP].seq, 7)
                    if ealg == "aes-cbc":
                        self.assertNotIn(b"REGISTER", wire)
                    self.assertEqual(bytes(inn.sa.decrypt(IP(wire))[UDP].payload), bytes(p[UDP].payload))
                    bad = bytearray(wire)
                    bad[-1] ^= 1
                    with self.assertRaises(IPSecIntegrityError):
                        inn.sa.decrypt(IP(bytes(bad)))
                    with self.assertRaises(IPSecIntegrityError):
                        inn.sa.decrypt(IP(bytes(out.bad_sa.encrypt(p, seq_num=8))))


if __name__ == "__main__":
    unittest.main()
