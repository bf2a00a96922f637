#!/usr/bin/python3
"""A minimal P-CSCF stub for ue.py's self-test (ue_selftest.sh): the same
scapy ESP machinery (esp_tun.py) on the network side. It is NOT a model of
the box's P-CSCF: it only proves that the UE's ESP/TUN plumbing and its
AKA/sec-agree messages work. It answers the first REGISTER with a 401
(RAND random, AUTN from K/OP by milenage.py, Security-Server with the first
offered pair in --algs order), checks the protected REGISTER (Security-Verify
== the Security-Server sent, Security-Client == the first one, the digest made
with XRES; 494 otherwise), answers OPTIONS/INVITE/BYE with 200, and places an
MT call to the UE when the file --mt-trigger appears; the first non-REGISTER
request over a newer set deletes the older sets. Writes its counters as
JSON to --json when it gets SIGTERM."""
import argparse
import json
import os
import queue
import signal
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import milenage  # noqa: E402
import sip_lite as sl  # noqa: E402
from esp_tun import EspTun, Sa, interface_of  # noqa: E402


def mech_key(text):
    mech, p = sl.parse_mechanism(text)
    p.pop("q", None)
    return mech, tuple(sorted(p.items()))


def mech_set(values):
    return sorted(mech_key(v) for v in values)


class Stub:
    def __init__(self, a):
        self.a = a
        self.k = bytes.fromhex(a.k)
        self.opc = milenage.opc_from_op(self.k, bytes.fromhex(a.op))
        self.tcp = a.transport == "tcp"
        self.prefs = [tuple(x.split("/")) for x in a.algs.split(",")]
        self.sets = []      # newest first
        self.gen = 0
        self.sqn = 1
        self.events = []
        self.waiters = {}   # branch -> queue of responses
        self.t0 = time.time()
        self.esp = EspTun(a.local, a.ue, "pcscf-esp0", sniff_dev=interface_of(a.local), log=self.log)
        self.esp.start()
        self.inq = queue.Queue()
        self.conns_to_ue = {}

    def log(self, s):
        print(f"[stub {time.time() - self.t0:7.3f}] {s}", file=sys.stderr, flush=True)

    def deliver(self, m, o):
        if not m.is_request and m.branch() in self.waiters:
            self.waiters[m.branch()].put(m)
            return
        self.inq.put((m, o))

    # ---- sockets ----
    def sock(self, kind, port, tun):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM if kind == "tcp" else socket.SOCK_DGRAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if tun:
            self.esp.bind_to_tun(s)
        s.bind((self.a.local, port))
        return s

    def listen(self, port, tun, label):
        if self.tcp:
            s = self.sock("tcp", port, tun)
            s.listen(8)
            sl.start_thread(self._accept, s, label)
        else:
            s = self.sock("udp", port, tun)
            sl.start_thread(sl.recv_loop_udp, s, self.deliver, label)
        return s

    def _accept(self, s, label):
        while True:
            try:
                c, _ = s.accept()
            except OSError:
                return
            sl.start_thread(sl.recv_loop_tcp, c, self.deliver, label)

    def start(self):
        self.unprot = self.listen(self.a.port, False, "unprotected")
        self.ps = self.listen(self.a.port_s, True, "ps")
        self.pc = None if self.tcp else self.listen(self.a.port_c, True, "pc")

    def send_to_ue(self, sset, msg):
        """Requests (and UDP responses) to the UE: from port_pc to port_us (TS 33.203 7.1)."""
        if self.tcp:
            c = self.conns_to_ue.get(sset["group"])
            if c is None:
                c = self.sock("tcp", self.a.port_c, True)
                c.connect((self.a.ue, sset["ue_us"]))
                self.conns_to_ue[sset["group"]] = c
                sl.start_thread(sl.recv_loop_tcp, c, self.deliver, "pc")
            c.sendall(msg.to_bytes())
        else:
            self.pc.sendto(msg.to_bytes(), (self.a.ue, sset["ue_us"]))

    def reply(self, resp, origin, sset=None):
        kind, sock, addr, label = origin
        if kind == "tcp":
            sock.sendall(resp.to_bytes())
        elif label == "unprotected":
            sock.sendto(resp.to_bytes(), addr)  # rport: back to the source
        else:
            via = resp.get("Via").split()[1].split(";")[0]
            host, _, port = via.partition(":")
            self.pc.sendto(resp.to_bytes(), (host, int(port or 5060)))

    # ---- registration ----
    def challenge(self, req, origin):
        offers = []
        for text in req.get_all("Security-Client"):
            mech, p = sl.parse_mechanism(text)
            if mech == "ipsec-3gpp":
                offers.append(p)
        chosen = None
        for pair in self.prefs:
            chosen = next((p for p in offers if (p.get("alg"), p.get("ealg", "null")) == pair), None)
            if chosen:
                break
        if chosen is None:
            self.reply(sl.response_to(req, 494, "Security Agreement Required", sl.new_token()), origin)
            return
        self.gen += 1
        spi_pc = 0x50000 + 2 * self.gen
        spi_ps = spi_pc + 1
        rand = os.urandom(16)
        sqn = self.sqn.to_bytes(6, "big")
        self.sqn += 32
        amf = b"\x80\x00"
        autn = milenage.make_autn(self.k, self.opc, rand, sqn, amf)
        m = milenage.milenage(self.k, self.opc, rand, sqn, amf)
        server = sl.ipsec_mechanism(chosen["alg"], chosen.get("ealg", "null"), spi_pc, spi_ps, self.a.port_c,
                                    self.a.port_s, q="0.1")
        sset = {"group": self.gen, "ue_uc": int(chosen["port-c"]), "ue_us": int(chosen["port-s"]),
                "ue_spi_c": int(chosen["spi-c"]), "ue_spi_s": int(chosen["spi-s"]), "spi_pc": spi_pc,
                "spi_ps": spi_ps, "alg": chosen["alg"], "ealg": chosen.get("ealg", "null"),
                "client": req.get_all("Security-Client"), "server": [server], "xres": m.res,
                "nonce": milenage.make_nonce(rand, autn), "registered": False}
        g, ue = sset["group"], self.a.ue
        for name, direction, spi, sport, dport in (
                ("pc->us", "out", sset["ue_spi_s"], self.a.port_c, sset["ue_us"]),
                ("ps->uc", "out", sset["ue_spi_c"], self.a.port_s, sset["ue_uc"]),
                ("uc->ps", "in", spi_ps, sset["ue_uc"], self.a.port_s),
                ("us->pc", "in", spi_pc, sset["ue_us"], self.a.port_c)):
            self.esp.add_sa(Sa(f"{name}#{g}", direction, spi, ue, sport, dport, sset["alg"], sset["ealg"],
                               m.ck, m.ik, g))
        self.sets.insert(0, sset)
        r = sl.response_to(req, 401, "Unauthorized", sl.new_token())
        r.headers += [("WWW-Authenticate", f'Digest realm="{self.a.domain}", nonce="{sset["nonce"]}", '
                                           f'algorithm=AKAv1-MD5, qop="auth"'),
                      ("Security-Server", server)]
        self.events.append({"event": "401", "group": g, "alg": sset["alg"], "ealg": sset["ealg"]})
        self.reply(r, origin)

    def protected_register(self, req, origin, sset):
        auth = sl.digest_params(req.get("Authorization", ""))
        target = next((s for s in self.sets if s["nonce"] == auth.get("nonce")), None)
        if not auth.get("response"):
            if int(req.get("Expires", "600")) == 0:
                self.reply(sl.response_to(req, 200, "OK", sl.new_token()), origin)
                self.events.append({"event": "deregistered", "group": sset["group"]})
                threading.Timer(1.5, self.esp.remove_group, (sset["group"],)).start()
                return
            self.challenge(req, origin)  # a re-registration: a new set
            return
        ok_verify = target is not None and mech_set(req.get_all("Security-Verify")) == mech_set(target["server"])
        ok_client = target is not None and mech_set(req.get_all("Security-Client")) == mech_set(target["client"])
        if not (ok_verify and ok_client):
            self.events.append({"event": "494", "verify": ok_verify, "client": ok_client})
            self.reply(sl.response_to(req, 494, "Security Agreement Required", sl.new_token()), origin)
            if target is not None:
                self.sets.remove(target)
                threading.Timer(1.0, self.esp.remove_group, (target["group"],)).start()  # after the 494 went
            return
        expected = sl.digest_response(auth["username"], auth["realm"], target["xres"], "REGISTER", auth["uri"],
                                      auth["nonce"], auth.get("qop"), auth.get("nc"), auth.get("cnonce"))
        if expected != auth.get("response"):
            self.events.append({"event": "403", "reason": "RES"})
            self.reply(sl.response_to(req, 403, "Forbidden", sl.new_token()), origin)
            return
        target["registered"] = True
        r = sl.response_to(req, 200, "OK", sl.new_token())
        r.headers += [("Contact", req.get("Contact")), ("Expires", req.get("Expires", "600"))]
        self.events.append({"event": "registered", "group": target["group"]})
        self.reply(r, origin, target)

    # ---- the loop ----
    def handle(self, m, o):
        kind, sock, addr, label = o
        if not m.is_request:
            return
        if label == "unprotected":
            if m.method == "REGISTER" and m.get("Security-Client"):
                self.challenge(m, o)
            else:
                self.reply(sl.response_to(m, 421, "Extension Required", sl.new_token()), o)
            return
        sset = next((s for s in self.sets if s["ue_uc"] == addr[1] or s["ue_us"] == addr[1]), None)
        if sset is None:
            self.log(f"request from unknown port {addr}")
            return
        if m.method != "REGISTER" and sset["registered"]:
            # the first request over a newer set ends the older ones (as the lifecycle says)
            for older in [s for s in self.sets if s["group"] < sset["group"]]:
                self.sets.remove(older)
                self.esp.remove_group(older["group"])
                self.events.append({"event": "old-set-dropped", "group": older["group"]})
        if m.method == "REGISTER":
            self.protected_register(m, o, sset)
        elif m.method in ("OPTIONS", "BYE", "MESSAGE"):
            self.events.append({"event": m.method, "group": sset["group"]})
            self.reply(sl.response_to(m, 200, "OK", sl.new_token()), o)
        elif m.method == "INVITE":
            tag = sl.new_token()
            self.reply(sl.response_to(m, 180, "Ringing", tag), o)
            r = sl.response_to(m, 200, "OK", tag)
            r.headers += [("Contact", f"<sip:callee@{self.a.local}:{self.a.port_s}>"),
                          ("Content-Type", "application/sdp")]
            r.body = m.body
            self.events.append({"event": "INVITE", "group": sset["group"]})
            self.reply(r, o)
        elif m.method == "ACK":
            self.events.append({"event": "ACK", "group": sset["group"]})

    def mt_call(self):
        sset = next(s for s in self.sets if s["registered"])
        branch = sl.new_token("z9hG4bK")
        q = self.waiters[branch] = queue.Queue()
        cid = sl.new_token("mt-")
        tr = "TCP" if self.tcp else "UDP"
        inv = sl.Msg(f"INVITE sip:ue@{self.a.ue}:{sset['ue_us']} SIP/2.0")
        inv.headers += [("Via", f"SIP/2.0/{tr} {self.a.local}:{self.a.port_s};branch={branch}"),
                        ("Max-Forwards", "70"), ("From", f"<sip:caller@{self.a.domain}>;tag=stub"),
                        ("To", "<sip:ue@x>"), ("Call-ID", cid), ("CSeq", "1 INVITE"),
                        ("Contact", f"<sip:caller@{self.a.local}:{self.a.port_s}>"), ("Content-Type", "application/sdp")]
        inv.body = b"v=0\r\no=stub 1 1 IN IP4 0.0.0.0\r\ns=-\r\nc=IN IP4 0.0.0.0\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n"
        self.send_to_ue(sset, inv)
        statuses = []
        deadline = time.time() + 15
        while time.time() < deadline:
            try:
                r = q.get(timeout=0.5)
            except queue.Empty:
                continue
            statuses.append(r.status)
            if r.status >= 200:
                ack = sl.Msg(f"ACK sip:ue@{self.a.ue}:{sset['ue_us']} SIP/2.0")
                ack.headers += [("Via", f"SIP/2.0/{tr} {self.a.local}:{self.a.port_s};branch={sl.new_token('z9hG4bK')}"),
                                ("Max-Forwards", "70"), ("From", inv.get("From")), ("To", r.get("To")),
                                ("Call-ID", cid), ("CSeq", "1 ACK")]
                self.send_to_ue(sset, ack)
                break
        self.events.append({"event": "mt-call", "statuses": statuses})

    def run(self):
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        deadline = time.time() + self.a.duration
        mt_done = False
        while not stop.is_set() and time.time() < deadline:
            if self.a.mt_trigger and not mt_done and os.path.exists(self.a.mt_trigger):
                mt_done = True
                sl.start_thread(self.mt_call)
            try:
                m, o = self.inq.get(timeout=0.2)
            except queue.Empty:
                continue
            try:
                self.handle(m, o)
            except Exception as e:
                self.log(f"error: {e!r}")
        out = {"events": self.events, **self.esp.counters()}
        if self.a.json:
            with open(self.a.json, "w") as f:
                json.dump(out, f, indent=1)
        self.esp.stop()


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--local", required=True)
    p.add_argument("--ue", required=True, help="the UE's address")
    p.add_argument("--domain", default="ipsec.test")
    p.add_argument("--transport", choices=("udp", "tcp"), default="udp")
    p.add_argument("--port", type=int, default=5060)
    p.add_argument("--port-c", type=int, default=5062, help="port_pc")
    p.add_argument("--port-s", type=int, default=5064, help="port_ps")
    p.add_argument("--k", required=True)
    p.add_argument("--op", required=True)
    p.add_argument("--algs", default="hmac-sha-1-96/aes-cbc,hmac-sha-1-96/null,hmac-md5-96/aes-cbc,hmac-md5-96/null")
    p.add_argument("--mt-trigger", help="place an MT call when this file appears")
    p.add_argument("--duration", type=float, default=120)
    p.add_argument("--json")
    stub = Stub(p.parse_args())
    stub.start()
    print("ready", flush=True)
    stub.run()


if __name__ == "__main__":
    main()
