#!/usr/bin/python3
"""An independent IMS-AKA + IPsec (sec-agree) test UE: RFC 3329, TS 33.203 §7,
TS 24.229 §5.1.1. No code of imsbox in it: Milenage in milenage.py (on
python3-cryptography), ESP by scapy's SecurityAssociation over a TUN device
(esp_tun.py), SIP in sip_lite.py. IPv4. Run it as root inside a network
namespace made by the test (it creates a TUN device there).

Usage:
  ue.py --pcscf 10.77.0.1:5060 --local 10.77.0.2 [--transport udp|tcp]
        --impi sim1@D --impu sip:sim1@D [--domain D] --k HEX --op HEX | --opc HEX
        [--algs hmac-sha-1-96/aes-cbc,hmac-md5-96/null,...] [--port-c 41000 --port-s 41001]
        [--spi-c N --spi-s N] [--timeout S] [--json FILE] [-v] COMMAND...
  COMMANDs run in order in one process (the SAs live as long as it does);
  each is one argument (quote those with spaces) or a line of --script FILE:
    register                  unprotected REGISTER, 401, SAs, protected REGISTER, 200
    register-bad-verify       the same with a Security-Verify that differs from the
                              Security-Server (ok: the P-CSCF does not answer 2xx)
    reregister                new Security-Client (new SPIs, ports + --rekey-step) over the
                              current SAs, the new 401, new SAs, protected REGISTER over them;
                              the old set stays until `drop-old`
    deregister                Expires: 0 over the current SAs (ok: a 200 OK through the SAs)
    call URI [HOLD_S]         MO call: INVITE with SDP, 200, ACK, HOLD_S (2) s, BYE, 200
    call-wait-bye URI [MAX_S] MO call, then wait for the far end's BYE
    answer [MAX_WAIT_S] [BYE_AFTER_S]  MT call: wait for an INVITE on port_us, 180, 200, ACK; then
                              send BYE after BYE_AFTER_S, or (without it) wait for the far end's BYE
    probe [old|new]           one OPTIONS (to --probe-uri, default the IMPU) over the SAs, no
                              retransmission (ok: any final response within --probe-wait)
    probe-corrupt-icv         the same with the ICV of its ESP packet flipped (ok: no answer)
    probe-wrong-key           ... encrypted/authenticated with a wrong key (ok: no answer)
    probe-replay              ... sent with the sequence number of the last good packet on its SA (ok: no answer)
    replay-last               resend the last ESP packet byte for byte (ok: no answer)
    plaintext-probe           OPTIONS in plaintext from an unprotected port to port_ps (ok: no 2xx)
    drop-old                  delete the SAs of the previous registration
    not COMMAND ...           ok when COMMAND is not ok (e.g. `not probe old` once the P-CSCF
                              has dropped the old set); both JSON lines are printed
    sleep S | touch FILE | wait-file FILE [MAX_S] | counters
  ESP negative probes are meant for UDP (TCP retransmits the segment through a good SA).
  Each command prints one JSON line {"cmd", "ok", ...}; at the end one line
  {"summary": {...}} with the ESP counters per SA, replays and ICV failures seen, and
  what a sniffer on the veth saw (wire_esp, wire_plaintext, wire_plaintext_protected_ports).
  Exit status 0 when every command was ok.

As a library (a test script in Python):
    import ue
    u = ue.Ue(ue.parse_args(["--pcscf", "10.77.0.1:5060", "--local", "10.77.0.2", ...]), print)
    r = u.run("register")      # the same dict as the JSON line
    u.esp.counters()           # the ESP counters at any time

Notes: the first REGISTER goes from --port-unprotected (5060) unprotected, Via sent-by
port_us;rport (the 401 is expected back at the source port); protected requests go
from port_uc to port_ps (UDP) or over a TCP connection port_uc -> port_ps; responses to
the P-CSCF's requests go from port_uc to its Via (port_ps) over UDP, or back on its
connection pc -> us over TCP. The UE keeps its own messages small (no IP
fragmentation: the TUN's MTU is --mtu, 1400). Use Debian's /usr/bin/python3 (scapy).
Two UEs may share a namespace with distinct --tun, --port-c/--port-s and
--port-unprotected (each counts the other's ESP as esp_unknown_spi).
"""
import argparse
import json
import os
import queue
import random
import shlex
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import milenage  # noqa: E402
import sip_lite as sl  # noqa: E402
from esp_tun import EspTun, Sa, interface_of  # noqa: E402

DEFAULT_ALGS = "hmac-sha-1-96/aes-cbc,hmac-sha-1-96/null,hmac-md5-96/aes-cbc,hmac-md5-96/null"
T1 = 0.5


class SecSet:
    """One security association set (TS 33.203 7.1): the UE's ports and SPIs,
    the P-CSCF's, the chosen algorithms, and the UE's sockets on the protected ports."""

    def __init__(self, group, port_uc, port_us, spi_uc, spi_us):
        self.group = group
        self.port_uc, self.port_us, self.spi_uc, self.spi_us = port_uc, port_us, spi_uc, spi_us
        self.port_pc = self.port_ps = self.spi_pc = self.spi_ps = None
        self.alg = self.ealg = None
        self.server_values = []    # the Security-Server mechanisms as received (for Security-Verify)
        self.sock_uc = self.sock_us = None
        self.conn_uc = None        # TCP: our connection port_uc -> port_ps
        self.conns = []            # TCP: every connection on this set
        self.closed = False


class Ue:
    def __init__(self, a, log):
        self.a = a
        self.log = log
        self.pcscf_ip, port = a.pcscf.rsplit(":", 1)
        self.pcscf_port = int(port)
        self.local = a.local
        self.tcp = a.transport == "tcp"
        self.k = bytes.fromhex(a.k)
        self.opc = bytes.fromhex(a.opc) if a.opc else milenage.opc_from_op(self.k, bytes.fromhex(a.op))
        self.domain = a.domain or a.impu.split("@", 1)[1]
        self.algs = [tuple(x.split("/")) for x in a.algs.split(",")]
        self.call_id = sl.new_token("reg-") + "@" + self.local
        self.from_tag = sl.new_token()
        self.cseq = 0
        self.generation = 0
        self.inq = queue.Queue()
        self.backlog = []
        self.sets = []             # newest first; sets[0] is in use
        self.service_route = []
        self.results = []
        self.esp = EspTun(self.local, self.pcscf_ip, a.tun, mtu=a.mtu, sniff_dev=interface_of(self.local),
                          log=log if a.verbose else lambda s: log(s) if "dropped" in s or "error" in s else None)
        self.esp.start()
        self.unprot = None
        self.last_nonce = ""
        self.realm = self.domain

    # ---- transport ----
    def deliver(self, msg, origin):
        if self.a.verbose:
            self.log(f"<<< from {origin[2]} ({origin[0]} {origin[3]})\n{msg}")
        self.inq.put((msg, origin))

    def _udp(self, port, to_tun):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if to_tun:
            self.esp.bind_to_tun(s)
        s.bind((self.local, port))
        return s

    def _tcp(self, port, to_tun):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if to_tun:
            self.esp.bind_to_tun(s)
        s.bind((self.local, port))
        return s

    def open_set(self, sset: SecSet):
        """The protected sockets of a set (before its SAs exist: nothing reaches them until then)."""
        if self.tcp:
            sset.sock_us = self._tcp(sset.port_us, True)
            sset.sock_us.listen(8)
            sl.start_thread(self._accept_loop, sset)
        else:
            sset.sock_uc = self._udp(sset.port_uc, True)
            sset.sock_us = self._udp(sset.port_us, True)
            sl.start_thread(sl.recv_loop_udp, sset.sock_uc, self.deliver, f"uc{sset.group}")
            sl.start_thread(sl.recv_loop_udp, sset.sock_us, self.deliver, f"us{sset.group}")

    def _accept_loop(self, sset):
        while True:
            try:
                conn, _ = sset.sock_us.accept()
            except OSError:
                return
            sset.conns.append(conn)
            sl.start_thread(sl.recv_loop_tcp, conn, self.deliver, f"us{sset.group}")

    def close_set(self, sset):
        sset.closed = True
        for s in [sset.sock_uc, sset.sock_us, sset.conn_uc] + sset.conns:
            if s is not None:
                try:
                    s.close()
                except OSError:
                    pass

    def install_sas(self, sset, ck, ik):
        g, p = sset.group, self.pcscf_ip
        for name, direction, spi, sport, dport in (
                ("uc->ps", "out", sset.spi_ps, sset.port_uc, sset.port_ps),
                ("us->pc", "out", sset.spi_pc, sset.port_us, sset.port_pc),
                ("pc->us", "in", sset.spi_us, sset.port_pc, sset.port_us),
                ("ps->uc", "in", sset.spi_uc, sset.port_ps, sset.port_uc)):
            self.esp.add_sa(Sa(f"{name}#{g}", direction, spi, p, sport, dport, sset.alg, sset.ealg, ck, ik, g))

    def send_protected(self, msg: sl.Msg, sset: SecSet):
        data = msg.to_bytes()
        if self.a.verbose:
            self.log(f">>> protected set {sset.group}\n{msg}")
        if self.tcp:
            if sset.conn_uc is None:
                c = self._tcp(sset.port_uc, True)
                c.settimeout(self.a.timeout)
                c.connect((self.pcscf_ip, sset.port_ps))
                c.settimeout(None)
                sset.conn_uc = c
                sset.conns.append(c)
                sl.start_thread(sl.recv_loop_tcp, c, self.deliver, f"uc{sset.group}")
            sset.conn_uc.sendall(data)
        else:
            sset.sock_uc.sendto(data, (self.pcscf_ip, sset.port_ps))

    def send_unprotected(self, msg: sl.Msg):
        data = msg.to_bytes()
        if self.a.verbose:
            self.log(f">>> unprotected\n{msg}")
        if self.unprot is None:
            if self.tcp:
                c = self._tcp(self.a.port_unprotected, False)
                c.settimeout(self.a.timeout)
                c.connect((self.pcscf_ip, self.pcscf_port))
                c.settimeout(None)
                sl.start_thread(sl.recv_loop_tcp, c, self.deliver, "unprotected")
            else:
                c = self._udp(self.a.port_unprotected, False)
                sl.start_thread(sl.recv_loop_udp, c, self.deliver, "unprotected")
            self.unprot = c
        if self.tcp:
            self.unprot.sendall(data)
        else:
            self.unprot.sendto(data, (self.pcscf_ip, self.pcscf_port))

    def reply(self, resp: sl.Msg, origin, sset=None):
        """Responses: over TCP on the request's connection; over UDP from port_uc to the
        top Via's sent-by (the P-CSCF's port_ps) (TS 33.203 7.1)."""
        if self.a.verbose:
            self.log(f">>> response\n{resp}")
        kind, sock, addr, _ = origin
        if kind == "tcp":
            sock.sendall(resp.to_bytes())
            return
        sset = sset or self.sets[0]
        via = resp.get("Via")
        hostport = via.split()[1].split(";")[0]
        host, _, port = hostport.partition(":")
        sset.sock_uc.sendto(resp.to_bytes(), (host, int(port or 5060)))

    # ---- the message pump ----
    def next_msg(self, pred, timeout):
        """The next message matching pred within timeout; requests nobody waits for are
        answered (OPTIONS/MESSAGE/NOTIFY 200, others kept)."""
        deadline = time.time() + timeout
        while True:
            for i, (m, o) in enumerate(self.backlog):
                if pred(m):
                    del self.backlog[i]
                    return m, o
            left = deadline - time.time()
            if left <= 0:
                return None, None
            try:
                m, o = self.inq.get(timeout=min(left, 0.2))
            except queue.Empty:
                continue
            if pred(m):
                return m, o
            if m.is_request and m.method in ("OPTIONS", "MESSAGE", "NOTIFY"):
                self.reply(sl.response_to(m, 200, "OK", sl.new_token()), o)
                continue
            if m.is_request or m.status >= 200:
                self.backlog.append((m, o))
                self.backlog = self.backlog[-50:]

    def transaction(self, req, send, timeout=None, retransmit=True):
        """Sends req with send(req) (again per RFC 3261 timers over UDP) and returns
        (final response or None, [provisional statuses])."""
        timeout = timeout or self.a.timeout
        branch = req.branch()
        method = req.method
        send(req)
        deadline = time.time() + timeout
        interval = T1
        next_tx = time.time() + interval
        provisional = []
        while time.time() < deadline:
            wait = min(deadline, next_tx if (retransmit and not self.tcp) else deadline) - time.time()
            m, _ = self.next_msg(lambda x: not x.is_request and x.branch() == branch and x.method == method,
                                 max(wait, 0.01))
            if m is not None:
                if m.status < 200:
                    provisional.append(m.status)
                    if method == "INVITE":
                        retransmit = False
                    continue
                return m, provisional
            if retransmit and not self.tcp and time.time() >= next_tx:
                send(req)
                interval = min(interval * 2, 4.0) if method != "INVITE" else interval * 2
                next_tx = time.time() + interval
        return None, provisional

    # ---- requests ----
    def via(self, port):
        return f"SIP/2.0/{'TCP' if self.tcp else 'UDP'} {self.local}:{port};branch={sl.new_token('z9hG4bK')};rport"

    def contact(self, sset_port, expires=None):
        user = self.a.impu.split(":", 1)[1].split("@")[0]
        c = f"<sip:{user}@{self.local}:{sset_port}{';transport=tcp' if self.tcp else ''}>"
        return c + (f";expires={expires}" if expires is not None else "")

    def security_client(self, sset):
        return ", ".join(sl.ipsec_mechanism(alg, ealg, sset.spi_uc, sset.spi_us, sset.port_uc, sset.port_us)
                         for alg, ealg in self.algs)

    def register_request(self, sset, expires, sec_client, auth, verify=None, via_set=None):
        """A REGISTER whose Contact names sset's port_us; Via names via_set's (the set it goes over)."""
        self.cseq += 1
        r = sl.Msg(f"REGISTER sip:{self.domain} SIP/2.0")
        r.headers += [("Via", self.via((via_set or sset).port_us)), ("Max-Forwards", "70"),
                      ("From", f"<{self.a.impu}>;tag={self.from_tag}"), ("To", f"<{self.a.impu}>"),
                      ("Call-ID", self.call_id), ("CSeq", f"{self.cseq} REGISTER"),
                      ("Contact", self.contact(sset.port_us, expires)), ("Expires", str(expires)),
                      ("Authorization", auth), ("Security-Client", sec_client)]
        if verify:
            r.headers.append(("Security-Verify", verify))
        r.headers += [("Require", "sec-agree"), ("Proxy-Require", "sec-agree"), ("Supported", "path, sec-agree"),
                      ("User-Agent", "imsbox-test-ue (scapy ESP)")]
        return r

    def empty_auth(self, nonce=""):
        return (f'Digest username="{self.a.impi}", realm="{self.realm}", uri="sip:{self.domain}", '
                f'nonce="{nonce}", response=""')

    def new_set(self):
        """The next set: ports and SPIs + rekey_step per set made before (TS 33.203 7.4: new SPIs
        and ports for every new set)."""
        step = self.a.rekey_step * self.generation
        self.generation += 1
        g = self.generation
        spi_c = (self.a.spi_c + 2 * step) & 0xFFFFFFFF or 1
        spi_s = (self.a.spi_s + 2 * step) & 0xFFFFFFFF or 2
        return SecSet(g, self.a.port_c + step, self.a.port_s + step, spi_c, spi_s)

    def _challenge(self, resp, sset):
        """Reads the 401: nonce -> RES/CK/IK, Security-Server -> the P-CSCF's SPIs, ports, algorithms."""
        www = sl.digest_params(resp.get("WWW-Authenticate", ""))
        nonce = www.get("nonce", "")
        self.realm = www.get("realm", self.domain)
        aka = milenage.authenticate_nonce(self.k, self.opc, nonce)
        servers = resp.get_all("Security-Server")
        offers = []
        for text in servers:
            mech, p = sl.parse_mechanism(text)
            if mech != "ipsec-3gpp":
                continue
            pair = (p.get("alg", ""), p.get("ealg", "null"))
            if pair in self.algs:
                offers.append((float(p.get("q", "0") or 0), -servers.index(text), pair, p))
        if not offers:
            raise RuntimeError(f"no usable ipsec-3gpp mechanism in Security-Server: {servers}")
        offers.sort(reverse=True)
        _, _, (sset.alg, sset.ealg), p = offers[0]
        sset.spi_pc, sset.spi_ps = int(p["spi-c"]), int(p["spi-s"])
        sset.port_pc, sset.port_ps = int(p["port-c"]), int(p["port-s"])
        sset.server_values = servers
        return www, nonce, aka

    def _auth(self, www, nonce, res):
        uri = f"sip:{self.domain}"
        qop = "auth" if "auth" in [q.strip() for q in www.get("qop", "").split(",")] else None
        nc, cnonce = "00000001", sl.new_token()
        resp = sl.digest_response(self.a.impi, self.realm, res, "REGISTER", uri, nonce, qop, nc, cnonce)
        s = (f'Digest username="{self.a.impi}", realm="{self.realm}", uri="{uri}", nonce="{nonce}", '
             f'response="{resp}", algorithm={www.get("algorithm", "AKAv1-MD5")}')
        if qop:
            s += f', qop={qop}, nc={nc}, cnonce="{cnonce}"'
        if www.get("opaque"):
            s += f', opaque="{www["opaque"]}"'
        return s

    def _register(self, name, bad_verify=False):
        """One sec-agree registration: the first REGISTER unprotected (no set yet) or over the
        current set, the 401, a new set, the protected REGISTER over it."""
        old = self.sets[0] if self.sets else None
        sset = self.new_set()
        self.open_set(sset)
        sec_client = self.security_client(sset)
        # over the old set: Security-Verify with the old Security-Server (TS 24.229 5.1.1.4.1)
        first = self.register_request(sset, self.a.expires, sec_client, self.empty_auth(),
                                      verify=", ".join(old.server_values) if old else None, via_set=old)
        if old is None and self.a.via_unprotected == "unprotected":
            first.headers[0] = ("Via", self.via(self.a.port_unprotected))
        send = (lambda m: self.send_protected(m, old)) if old else self.send_unprotected
        resp, _ = self.transaction(first, send)
        out = {"cmd": name, "first_status": resp.status if resp else None}
        if resp is None or resp.status != 401:
            if resp is not None and resp.status == 200 and old:
                self.close_set(sset)
                out.update(ok=False, error="re-REGISTER answered 200 without a challenge: no rekey")
                return out
            self.close_set(sset)
            out.update(ok=False, error="no 401 to the first REGISTER")
            return out
        www, nonce, aka = self._challenge(resp, sset)
        out.update(alg=sset.alg, ealg=sset.ealg, spi_pc=sset.spi_pc, spi_ps=sset.spi_ps, port_pc=sset.port_pc,
                   port_ps=sset.port_ps, spi_uc=sset.spi_uc, spi_us=sset.spi_us, port_uc=sset.port_uc,
                   port_us=sset.port_us, security_server=sset.server_values)
        self.install_sas(sset, aka.ck, aka.ik)
        self.sets.insert(0, sset)
        verify = ", ".join(sset.server_values)
        if bad_verify:
            _, p = sl.parse_mechanism(sset.server_values[0])
            verify = sl.ipsec_mechanism(p.get("alg"), p.get("ealg", "null"), int(p["spi-c"]),
                                        (int(p["spi-s"]) + 1) & 0xFFFFFFFF, p["port-c"], p["port-s"])
        second = self.register_request(sset, self.a.expires, sec_client, self._auth(www, nonce, aka.res), verify)
        resp, _ = self.transaction(second, lambda m: self.send_protected(m, sset))
        out["status"] = resp.status if resp else None
        if resp is not None and resp.status == 200:
            self.service_route = resp.get_all("Service-Route")
            out["service_route"] = self.service_route
        if bad_verify:
            out["ok"] = resp is None or resp.status >= 300
            self.sets.remove(sset)
            self.esp.remove_group(sset.group)
            self.close_set(sset)
        else:
            out["ok"] = resp is not None and resp.status == 200
        return out

    def register(self):
        return self._register("register")

    def register_bad_verify(self):
        return self._register("register-bad-verify", bad_verify=True)

    def reregister(self):
        return self._register("reregister")

    def deregister(self):
        sset = self.sets[0]
        before = self._in_packets(sset)
        req = self.register_request(sset, 0, self.security_client(sset), self.empty_auth())
        req.set("Security-Verify", ", ".join(sset.server_values))
        resp, _ = self.transaction(req, lambda m: self.send_protected(m, sset))
        after = self._in_packets(sset)
        return {"cmd": "deregister", "status": resp.status if resp else None, "esp_in_before": before,
                "esp_in_after": after, "ok": resp is not None and resp.status == 200 and after > before}

    def _in_packets(self, sset):
        return sum(s.packets for s in self.esp.sas if s.group == sset.group and s.direction == "in")

    def drop_old(self):
        for s in self.sets[1:]:
            self.esp.remove_group(s.group)
            self.close_set(s)
        self.sets = self.sets[:1]
        return {"cmd": "drop-old", "ok": True}

    # ---- probes (negative cases) ----
    def options(self, sset):
        self.cseq += 1
        r = sl.Msg(f"OPTIONS {self.a.probe_uri or self.a.impu} SIP/2.0")
        r.headers += [("Via", self.via(sset.port_us)), ("Max-Forwards", "70"),
                      ("Route", f"<sip:{self.pcscf_ip}:{sset.port_ps};lr>")]
        r.headers += [("Route", x) for x in self.service_route]
        r.headers += [("From", f"<{self.a.impu}>;tag={self.from_tag}"), ("To", f"<{self.a.probe_uri or self.a.impu}>"),
                      ("Call-ID", sl.new_token("probe-")), ("CSeq", f"{self.cseq} OPTIONS"),
                      ("P-Preferred-Identity", f"<{self.a.impu}>"), ("Accept", "application/sdp")]
        return r

    def probe(self, name, which="new", knob=None):
        sset = self.sets[-1] if which == "old" else self.sets[0]
        if knob:
            self.esp.set_knob(knob, 1)
        resp, _ = self.transaction(self.options(sset), lambda m: self.send_protected(m, sset),
                                   timeout=self.a.probe_wait, retransmit=False)
        status = resp.status if resp else None
        out = {"cmd": name, "set": sset.group, "answer": status}
        out["ok"] = (status is not None) if knob is None else (status is None)
        return out

    def replay_last(self):
        before = self.inq.qsize()
        self.esp.replay_last()
        m, _ = self.next_msg(lambda x: not x.is_request, self.a.probe_wait)
        return {"cmd": "replay-last", "answer": m.status if m else None, "queued_before": before, "ok": m is None}

    def plaintext_probe(self):
        sset = self.sets[0]
        req = self.options(sset)
        if self.tcp:
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind((self.local, 0))
            s.settimeout(self.a.probe_wait)
            try:
                s.connect((self.pcscf_ip, sset.port_ps))
            except OSError as e:
                return {"cmd": "plaintext-probe", "answer": None, "connect": str(e), "ok": True}
        else:
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.bind((self.local, 0))
        port = s.getsockname()[1]
        req.headers[0] = ("Via", f"SIP/2.0/{'TCP' if self.tcp else 'UDP'} {self.local}:{port};"
                                 f"branch={sl.new_token('z9hG4bK')};rport")
        q = queue.Queue()
        if self.tcp:
            sl.start_thread(sl.recv_loop_tcp, s, lambda m, o: q.put(m), "plain")
            s.sendall(req.to_bytes())
        else:
            sl.start_thread(sl.recv_loop_udp, s, lambda m, o: q.put(m), "plain")
            s.sendto(req.to_bytes(), (self.pcscf_ip, sset.port_ps))
        status = None
        deadline = time.time() + self.a.probe_wait
        while time.time() < deadline:
            try:
                m = q.get(timeout=0.2)
            except queue.Empty:
                continue
            if not m.is_request and m.status >= 200:
                status = m.status
                break
        s.close()
        return {"cmd": "plaintext-probe", "answer": status, "ok": status is None or status >= 300}

    # ---- calls ----
    def sdp(self):
        return (f"v=0\r\no=ue 1 1 IN IP4 {self.local}\r\ns=-\r\nc=IN IP4 {self.local}\r\nt=0 0\r\n"
                f"m=audio 49170 RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\n"
                f"a=sendrecv\r\n").encode()

    def _in_dialog(self, method, d, cseq):
        r = sl.Msg(f"{method} {d['target']} SIP/2.0")
        sset = self.sets[0]
        r.headers += [("Via", self.via(sset.port_us)), ("Max-Forwards", "70")]
        r.headers += [("Route", x) for x in d["route"]]
        r.headers += [("From", d["local"]), ("To", d["remote"]), ("Call-ID", d["call_id"]),
                      ("CSeq", f"{cseq} {method}")]
        return r

    def _wait_bye(self, d, max_s):
        m, o = self.next_msg(lambda x: x.is_request and x.method == "BYE" and x.get("Call-ID") == d["call_id"],
                             max_s)
        if m is None:
            return False
        self.reply(sl.response_to(m, 200, "OK"), o)
        return True

    def _send_bye(self, d, cseq):
        sset = self.sets[0]
        resp, _ = self.transaction(self._in_dialog("BYE", d, cseq), lambda m: self.send_protected(m, sset))
        return resp.status if resp else None

    def call(self, uri, hold=2.0, wait_bye=None):
        sset = self.sets[0]
        self.cseq += 1
        cid = sl.new_token("call-") + "@" + self.local
        tag = sl.new_token()
        inv = sl.Msg(f"INVITE {uri} SIP/2.0")
        inv.headers += [("Via", self.via(sset.port_us)), ("Max-Forwards", "70"),
                        ("Route", f"<sip:{self.pcscf_ip}:{sset.port_ps};lr>")]
        inv.headers += [("Route", x) for x in self.service_route]
        inv.headers += [("From", f"<{self.a.impu}>;tag={tag}"), ("To", f"<{uri}>"), ("Call-ID", cid),
                        ("CSeq", f"{self.cseq} INVITE"), ("Contact", self.contact(sset.port_us)),
                        ("P-Preferred-Identity", f"<{self.a.impu}>"), ("Supported", "sec-agree"),
                        ("Allow", "INVITE, ACK, BYE, CANCEL, OPTIONS"), ("Content-Type", "application/sdp")]
        inv.body = self.sdp()
        resp, prov = self.transaction(inv, lambda m: self.send_protected(m, sset))
        out = {"cmd": "call", "uri": uri, "provisional": prov, "status": resp.status if resp else None}
        if resp is None or resp.status >= 300:
            if resp is not None:  # ACK for the error response (same branch)
                ack = sl.Msg(f"ACK {uri} SIP/2.0")
                ack.headers += [("Via", inv.get("Via")), ("Max-Forwards", "70"), ("From", inv.get("From")),
                                ("To", resp.get("To")), ("Call-ID", cid), ("CSeq", f"{self.cseq} ACK")]
                self.send_protected(ack, sset)
            out["ok"] = False
            return out
        contact = resp.get("Contact", f"<{uri}>")
        target = contact[contact.find("<") + 1:contact.find(">")] if "<" in contact else contact.split(";")[0]
        d = {"target": target, "route": list(reversed(resp.get_all("Record-Route"))) or
             [f"<sip:{self.pcscf_ip}:{sset.port_ps};lr>"],
             "local": inv.get("From"), "remote": resp.get("To"), "call_id": cid}
        ack = self._in_dialog("ACK", d, self.cseq)
        self.send_protected(ack, sset)
        out["answer_sdp"] = b"m=audio" in resp.body
        if wait_bye is not None:
            out["bye_from"] = "far end" if self._wait_bye(d, wait_bye) else None
            out["ok"] = out["bye_from"] is not None
            return out
        time.sleep(hold)
        self.cseq += 1
        out["bye_status"] = self._send_bye(d, self.cseq)
        out["ok"] = out["bye_status"] == 200
        return out

    def answer(self, max_wait=30.0, bye_after=None):
        m, o = self.next_msg(lambda x: x.is_request and x.method == "INVITE", max_wait)
        out = {"cmd": "answer"}
        if m is None:
            out.update(ok=False, error="no INVITE")
            return out
        out["from"] = m.get("From")
        out["arrived_on"] = o[3]
        tag = sl.new_token()
        sset = self.sets[0]
        self.reply(sl.response_to(m, 180, "Ringing", tag), o)
        ok = sl.response_to(m, 200, "OK", tag)
        ok.headers += [("Contact", self.contact(sset.port_us)), ("Content-Type", "application/sdp")]
        ok.body = self.sdp()
        self.reply(ok, o)
        ack, _ = self.next_msg(lambda x: x.is_request and x.method == "ACK" and x.get("Call-ID") == m.get("Call-ID"),
                               self.a.timeout)
        if ack is None:  # resend the 200 once (RFC 3261 13.3.1.4, simplified)
            self.reply(ok, o)
            ack, _ = self.next_msg(lambda x: x.is_request and x.method == "ACK" and x.get("Call-ID") == m.get("Call-ID"),
                                   self.a.timeout)
        out["ack"] = ack is not None
        contact = m.get("Contact", "")
        target = contact[contact.find("<") + 1:contact.find(">")] if "<" in contact else m.get("From")
        d = {"target": target, "route": m.get_all("Record-Route") or [f"<sip:{self.pcscf_ip}:{sset.port_ps};lr>"],
             "local": ok.get("To"), "remote": m.get("From"), "call_id": m.get("Call-ID")}
        if bye_after is not None:
            time.sleep(bye_after)
            out["bye_status"] = self._send_bye(d, 1)
            out["ok"] = out["ack"] and out["bye_status"] == 200
        else:
            out["bye_from"] = "far end" if self._wait_bye(d, self.a.timeout * 4) else None
            out["ok"] = out["ack"] and out["bye_from"] is not None
        return out

    # ---- commands ----
    def run(self, line):
        w = shlex.split(line)
        if w and w[0] == "not":  # `not CMD ...`: ok when CMD is not (e.g. `not probe old` after the rekey)
            r = self.run(" ".join(shlex.quote(x) for x in w[1:]))
            r = {**r, "cmd": "not " + r["cmd"], "ok": not r.get("ok")}
            self.results[-1] = r
            print(json.dumps(r), flush=True)
            return r
        c, args = w[0], w[1:]
        try:
            if c == "register":
                r = self.register()
            elif c == "register-bad-verify":
                r = self.register_bad_verify()
            elif c == "reregister":
                r = self.reregister()
            elif c == "deregister":
                r = self.deregister()
            elif c == "call":
                r = self.call(args[0], float(args[1]) if len(args) > 1 else 2.0)
            elif c == "call-wait-bye":
                r = self.call(args[0], wait_bye=float(args[1]) if len(args) > 1 else 60.0)
                r["cmd"] = c
            elif c == "answer":
                r = self.answer(float(args[0]) if args else 30.0, float(args[1]) if len(args) > 1 else None)
            elif c == "probe":
                r = self.probe("probe", args[0] if args else "new")
            elif c == "probe-corrupt-icv":
                r = self.probe(c, knob="corrupt_icv")
            elif c == "probe-wrong-key":
                r = self.probe(c, knob="wrong_key")
            elif c == "probe-replay":
                r = self.probe(c, knob="reuse_seq")
            elif c == "replay-last":
                r = self.replay_last()
            elif c == "plaintext-probe":
                r = self.plaintext_probe()
            elif c == "drop-old":
                r = self.drop_old()
            elif c == "sleep":
                time.sleep(float(args[0]))
                r = {"cmd": c, "ok": True}
            elif c == "touch":
                open(args[0], "a").close()
                r = {"cmd": c, "ok": True}
            elif c == "wait-file":
                deadline = time.time() + (float(args[1]) if len(args) > 1 else 60)
                while not os.path.exists(args[0]) and time.time() < deadline:
                    self.next_msg(lambda x: False, 0.2)  # keep answering OPTIONS etc.
                r = {"cmd": c, "ok": os.path.exists(args[0])}
            elif c == "counters":
                r = {"cmd": c, "ok": True, **self.esp.counters()}
            else:
                r = {"cmd": c, "ok": False, "error": "unknown command"}
        except Exception as e:  # report and go on: a test reads the JSON
            r = {"cmd": c, "ok": False, "error": repr(e)}
        r.setdefault("cmd", c)
        self.results.append(r)
        print(json.dumps(r), flush=True)
        return r

    def summary(self):
        time.sleep(0.3)  # the ESP thread's last packets
        return {"summary": {**self.esp.counters(), "commands": len(self.results),
                            "failed": [r["cmd"] for r in self.results if not r.get("ok")]}}


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--pcscf", required=True, help="the P-CSCF's unprotected address:port")
    p.add_argument("--local", required=True, help="the UE's IPv4 address (on the veth)")
    p.add_argument("--transport", choices=("udp", "tcp"), default="udp")
    p.add_argument("--impi", required=True)
    p.add_argument("--impu", required=True)
    p.add_argument("--domain", help="the home domain (default: the IMPU's)")
    p.add_argument("--k", required=True, help="K, 32 hex digits")
    p.add_argument("--op", help="OP, 32 hex digits")
    p.add_argument("--opc", help="OPc, 32 hex digits (instead of --op)")
    p.add_argument("--algs", default=DEFAULT_ALGS, help="alg/ealg pairs offered, in this order")
    p.add_argument("--port-c", type=int, default=41000, help="port_uc")
    p.add_argument("--port-s", type=int, default=41001, help="port_us")
    p.add_argument("--port-unprotected", type=int, default=5060, help="the source port of the first REGISTER")
    p.add_argument("--via-unprotected", choices=("us", "unprotected"), default="us",
                   help="the port in the first REGISTER's Via: port_us (TS 24.229; with rport the 401 comes "
                        "back to the source port) or the unprotected port")
    p.add_argument("--spi-c", type=int, default=None, help="spi_uc (default random)")
    p.add_argument("--spi-s", type=int, default=None, help="spi_us (default spi_uc + 1)")
    p.add_argument("--rekey-step", type=int, default=2, help="ports and SPIs of the next set: + this")
    p.add_argument("--expires", type=int, default=600)
    p.add_argument("--timeout", type=float, default=10.0, help="per transaction, seconds")
    p.add_argument("--probe-wait", type=float, default=3.0, help="how long a probe waits for an answer")
    p.add_argument("--probe-uri", help="Request-URI of the probes' OPTIONS (default the IMPU)")
    p.add_argument("--tun", default="ue-esp0")
    p.add_argument("--mtu", type=int, default=1400)
    p.add_argument("--script", help="a file of commands, one a line (# comments)")
    p.add_argument("--json", help="also write the summary to this file")
    p.add_argument("-v", "--verbose", action="store_true", help="log SIP messages and ESP packets to stderr")
    p.add_argument("commands", nargs="*")
    a = p.parse_args(argv)
    if not a.op and not a.opc:
        p.error("--op or --opc is required")
    if a.spi_c is None:
        a.spi_c = random.randint(0x1000, 0x7FFFFFF0) & ~1
    if a.spi_s is None:
        a.spi_s = a.spi_c + 1
    return a


def main(argv=None):
    a = parse_args(argv if argv is not None else sys.argv[1:])
    t0 = time.time()
    lock = threading.Lock()

    def log(s):
        with lock:
            print(f"[ue {time.time() - t0:7.3f}] {s}", file=sys.stderr, flush=True)

    commands = list(a.commands)
    if a.script:
        with open(a.script) as f:
            commands += [x.strip() for x in f if x.strip() and not x.strip().startswith("#")]
    ue = Ue(a, log)
    for c in commands:
        ue.run(c)
    s = ue.summary()
    print(json.dumps(s), flush=True)
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"results": ue.results, **s}, f, indent=1)
    ue.esp.stop()
    return 0 if all(r.get("ok") for r in ue.results) else 1


if __name__ == "__main__":
    sys.exit(main())
