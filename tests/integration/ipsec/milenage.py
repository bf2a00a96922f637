#!/usr/bin/python3
"""Milenage (3GPP TS 35.206) and the IMS-AKA helpers of the test UE.

Written from TS 35.206 section 4 on `cryptography`'s AES-128 (Debian's
python3-cryptography), independent of the box's C++ code (shared/aka):

    OPc   = OP xor E_K(OP)
    TEMP  = E_K(RAND xor OPc)
    OUT1  = E_K(TEMP xor rot(IN1 xor OPc, r1) xor c1) xor OPc, IN1 = SQN||AMF||SQN||AMF
    OUTi  = E_K(rot(TEMP xor OPc, ri) xor ci) xor OPc            (i = 2..5)
    f1 = OUT1[0..7], f1* = OUT1[8..15], f5 = OUT2[0..5], f2 = OUT2[8..15],
    f3 = OUT3 (CK), f4 = OUT4 (IK), f5* = OUT5[0..5]
    r1..r5 = 64, 0, 32, 64, 96 bits; c1..c5 = 0, 1, 2, 4, 8 (in the last byte)

AKA (TS 33.102 6.3, RFC 3310): AUTN = SQN xor AK || AMF || MAC-A; the
Digest-AKAv1 nonce is base64(RAND || AUTN [|| server data]).
"""
import base64
from dataclasses import dataclass

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

R = (64, 0, 32, 64, 96)  # r1..r5 in bits
C = (0, 1, 2, 4, 8)      # c1..c5: the last byte of a 128-bit constant


def _xor(a: bytes, b: bytes) -> bytes:
    return bytes(x ^ y for x, y in zip(a, b))


def _rot(x: bytes, bits: int) -> bytes:
    n = bits // 8  # the r values are whole bytes
    return x[n:] + x[:n]


def _const(c: int) -> bytes:
    return bytes(15) + bytes([c])


def _aes(k: bytes, block: bytes) -> bytes:
    enc = Cipher(algorithms.AES(k), modes.ECB()).encryptor()
    return enc.update(block) + enc.finalize()


def opc_from_op(k: bytes, op: bytes) -> bytes:
    return _xor(op, _aes(k, op))


@dataclass
class MilenageOutput:
    mac_a: bytes   # f1
    mac_s: bytes   # f1*
    res: bytes     # f2
    ck: bytes      # f3
    ik: bytes      # f4
    ak: bytes      # f5
    ak_star: bytes  # f5*


def milenage(k: bytes, opc: bytes, rand: bytes, sqn: bytes, amf: bytes) -> MilenageOutput:
    """All of f1..f5, f1*, f5* for one RAND (OPc given; see opc_from_op)."""
    if len(k) != 16 or len(opc) != 16 or len(rand) != 16 or len(sqn) != 6 or len(amf) != 2:
        raise ValueError("milenage: K, OPc, RAND are 16 bytes, SQN 6, AMF 2")
    temp = _aes(k, _xor(rand, opc))
    in1 = sqn + amf + sqn + amf
    out1 = _xor(_aes(k, _xor(_xor(temp, _rot(_xor(in1, opc), R[0])), _const(C[0]))), opc)
    out = [out1]
    for i in range(1, 5):
        out.append(_xor(_aes(k, _xor(_rot(_xor(temp, opc), R[i]), _const(C[i]))), opc))
    return MilenageOutput(mac_a=out[0][:8], mac_s=out[0][8:], res=out[1][8:], ck=out[2], ik=out[3],
                          ak=out[1][:6], ak_star=out[4][:6])


# ---- AKA (the USIM's side and, for test stubs, the network's) ----

class AkaError(Exception):
    pass


@dataclass
class AkaResult:
    rand: bytes
    autn: bytes
    sqn: bytes
    amf: bytes
    res: bytes
    ck: bytes
    ik: bytes


def parse_nonce(nonce_b64: str):
    """(RAND, AUTN) from a Digest-AKAv1 nonce: base64 of RAND||AUTN[||server data] (RFC 3310 3.2)."""
    try:
        raw = base64.b64decode(nonce_b64, validate=True)
    except Exception as e:  # binascii.Error, ValueError
        raise AkaError(f"nonce is not base64: {e}") from e
    if len(raw) < 32:
        raise AkaError(f"nonce holds {len(raw)} bytes, RAND||AUTN needs 32")
    return raw[:16], raw[16:32]


def make_nonce(rand: bytes, autn: bytes) -> str:
    return base64.b64encode(rand + autn).decode()


def make_autn(k: bytes, opc: bytes, rand: bytes, sqn: bytes, amf: bytes) -> bytes:
    """The network's AUTN for RAND (what an HSS/AuC computes)."""
    m = milenage(k, opc, rand, sqn, amf)
    return _xor(sqn, m.ak) + amf + m.mac_a


def usim_authenticate(k: bytes, opc: bytes, rand: bytes, autn: bytes) -> AkaResult:
    """The USIM's check of AUTN (TS 33.102 6.3.3): recovers SQN with AK, checks
    MAC-A (raises AkaError when it is wrong) and returns RES, CK and IK. SQN
    freshness is not checked (a test UE accepts any SQN)."""
    if len(autn) != 16:
        raise AkaError("AUTN is not 16 bytes")
    sqn_xor_ak, amf, mac = autn[:6], autn[6:8], autn[8:]
    ak = milenage(k, opc, rand, bytes(6), amf).ak  # f5 does not depend on SQN
    sqn = _xor(sqn_xor_ak, ak)
    m = milenage(k, opc, rand, sqn, amf)
    if m.mac_a != mac:
        raise AkaError(f"MAC mismatch: AUTN carries {mac.hex()}, the USIM computes {m.mac_a.hex()}")
    return AkaResult(rand=rand, autn=autn, sqn=sqn, amf=amf, res=m.res, ck=m.ck, ik=m.ik)


def authenticate_nonce(k: bytes, opc: bytes, nonce_b64: str) -> AkaResult:
    rand, autn = parse_nonce(nonce_b64)
    return usim_authenticate(k, opc, rand, autn)
