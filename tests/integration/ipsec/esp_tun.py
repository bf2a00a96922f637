"""Userspace ESP transport mode (RFC 4303) over a TUN device, with scapy's
SecurityAssociation doing the crypto: the test UE's (and the test P-CSCF
stub's) IPsec, independent of the box's C++ ESP code.

How packets flow (IPv4):
  * the SIP sockets of the protected ports are bound to the TUN device
    (SO_BINDTODEVICE): everything they send goes into the TUN, and only what
    is written into the TUN (decrypted ESP) reaches them;
  * a thread reads the TUN, finds the outbound SA by (destination address,
    source port, destination port), encrypts with scapy and sends raw ESP
    (IP protocol 50) through an IPPROTO_RAW socket;
  * a raw socket for protocol 50 receives ESP, finds the inbound SA by SPI,
    checks the anti-replay window (scapy has none: 64-packet window here) and
    the ICV, decrypts and writes the inner packet into the TUN (rp_filter 0).
  * optionally an AF_PACKET sniffer on the veth counts every IP packet to/from
    the peer by kind: ESP or plaintext (and which ports).

Keys per TS 33.203 Annex I: see esp_keys(). Test knobs: corrupt the ICV of the
next packets, encrypt with a wrong key, reuse the last sequence number,
resend the last ESP packet as it was.
"""
import fcntl
import os
import select
import socket
import struct
import subprocess
import threading
import time

from scapy.layers.inet import IP, TCP, UDP, defragment, fragment
from scapy.layers.ipsec import ESP, IPSecIntegrityError, SecurityAssociation

TUNSETIFF = 0x400454CA
IFF_TUN = 0x0001
IFF_NO_PI = 0x1000
SO_BINDTODEVICE = 25
ETH_P_ALL = 0x0003
REPLAY_WINDOW = 64

# RFC 3329 / TS 33.203 names -> scapy names
ALGS = {"hmac-sha-1-96": "HMAC-SHA1-96", "hmac-md5-96": "HMAC-MD5-96"}
EALGS = {"aes-cbc": "AES-CBC", "null": "NULL"}


def esp_keys(alg: str, ealg: str, ck: bytes, ik: bytes):
    """(integrity key, encryption key) per TS 33.203 Annex I: HMAC-SHA-1-96
    takes IK || 32 zero bits, HMAC-MD5-96 takes IK, AES-CBC takes CK."""
    if alg == "hmac-sha-1-96":
        auth_key = ik + bytes(4)
    elif alg == "hmac-md5-96":
        auth_key = ik
    else:
        raise ValueError(f"unknown integrity algorithm {alg}")
    if ealg == "aes-cbc":
        crypt_key = ck
    elif ealg == "null":
        crypt_key = None
    else:
        raise ValueError(f"unknown encryption algorithm {ealg}")
    return auth_key, crypt_key


def sh(*args):
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL)


def sysctl(path, value):
    try:
        with open("/proc/sys/" + path, "w") as f:
            f.write(str(value))
    except OSError:
        pass


class Sa:
    """One direction of ESP: outbound SAs match (dst, sport, dport); inbound ones their SPI."""

    def __init__(self, name, direction, spi, peer, sport, dport, alg, ealg, ck, ik, group):
        self.name, self.direction, self.spi, self.peer = name, direction, spi, peer
        self.sport, self.dport, self.alg, self.ealg, self.group = sport, dport, alg, ealg, group
        auth_key, crypt_key = esp_keys(alg, ealg, ck, ik)
        self.sa = self._scapy(auth_key, crypt_key)
        # a wrong key of the same length (the "wrong key" knob)
        self.bad_sa = self._scapy(bytes(b ^ 0x5A for b in auth_key),
                                  None if crypt_key is None else bytes(b ^ 0xA5 for b in crypt_key))
        self.packets = 0
        self.icv_failures = 0
        self.replays = 0
        self.top_seq = 0      # inbound: highest sequence number accepted
        self.window = 0       # inbound: bitmap of the REPLAY_WINDOW numbers below top_seq
        self.last_seq = 0     # outbound: the last sequence number used
        self.last_good_seq = 0  # outbound: the last one sent with the right key and ICV

    def _scapy(self, auth_key, crypt_key):
        return SecurityAssociation(ESP, spi=self.spi, crypt_algo=EALGS[self.ealg], crypt_key=crypt_key,
                                   auth_algo=ALGS[self.alg], auth_key=auth_key)

    def replay_check(self, seq):
        """True when seq is new (RFC 4303 3.4.3, sliding window); does not update."""
        if seq == 0:
            return False
        if seq > self.top_seq:
            return True
        diff = self.top_seq - seq
        if diff >= REPLAY_WINDOW:
            return False
        return not (self.window >> diff) & 1

    def replay_update(self, seq):
        if seq > self.top_seq:
            shift = seq - self.top_seq
            self.window = ((self.window << shift) | 1) & ((1 << REPLAY_WINDOW) - 1)
            self.top_seq = seq
        else:
            self.window |= 1 << (self.top_seq - seq)

    def describe(self):
        d = {"name": self.name, "dir": self.direction, "spi": self.spi, "alg": self.alg, "ealg": self.ealg,
             "packets": self.packets, "group": self.group}
        if self.direction == "in":
            d.update(icv_failures=self.icv_failures, replays=self.replays, top_seq=self.top_seq)
        else:
            d.update(sport=self.sport, dport=self.dport, last_seq=self.last_seq)
        return d


class EspTun:
    def __init__(self, local_ip, peer_ip, tun_name="esp0", mtu=1400, sniff_dev=None, log=None):
        self.local_ip, self.peer_ip, self.tun_name, self.mtu = local_ip, peer_ip, tun_name, mtu
        self.sniff_dev = sniff_dev
        self.log = log or (lambda *_: None)
        self.lock = threading.Lock()
        self.sas = []            # newest first
        self.knobs = {"corrupt_icv": 0, "wrong_key": 0, "reuse_seq": 0}
        self.last_esp = None     # (bytes, dst) of the last ESP packet sent
        self.stats = {"tun_unmatched": 0, "esp_unknown_spi": 0, "esp_icv_failures": 0, "esp_replays": 0,
                      "esp_sent": 0, "esp_received": 0, "wire_esp": 0, "wire_plaintext": 0,
                      "wire_plaintext_protected_ports": 0}
        self.protected_ports = set()  # for the sniffer: plaintext on these is a failure
        self.plaintext_seen = []      # (proto, sport, dport) of the first plaintext packets on the wire
        self.fragments = {}          # (src, dst, proto, id) -> IP fragments read from the TUN
        self._stop = threading.Event()
        self._thread = None

    # ---- set-up ----
    def start(self):
        self.tun_fd = os.open("/dev/net/tun", os.O_RDWR)
        fcntl.ioctl(self.tun_fd, TUNSETIFF, struct.pack("16sH", self.tun_name.encode(), IFF_TUN | IFF_NO_PI))
        sysctl(f"net/ipv6/conf/{self.tun_name}/disable_ipv6", 1)
        sh("ip", "link", "set", self.tun_name, "mtu", str(self.mtu), "up")
        for dev in ("all", "default", self.tun_name):
            sysctl(f"net/ipv4/conf/{dev}/rp_filter", 0)
        self.raw_out = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
        self.raw_in = socket.socket(socket.AF_INET, socket.SOCK_RAW, 50)
        fds = [self.tun_fd, self.raw_in]
        self.sniffer = None
        if self.sniff_dev:
            self.sniffer = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
            self.sniffer.bind((self.sniff_dev, 0))
            fds.append(self.sniffer)
        self._thread = threading.Thread(target=self._loop, args=(fds,), daemon=True)
        self._thread.start()

    def stop(self):
        self._stop.set()
        if self._thread:
            self._thread.join(2)

    def bind_to_tun(self, sock):
        sock.setsockopt(socket.SOL_SOCKET, SO_BINDTODEVICE, self.tun_name.encode())

    # ---- SAs ----
    def add_sa(self, sa: Sa):
        with self.lock:
            self.sas.insert(0, sa)
            if sa.direction == "out":
                self.protected_ports.update((sa.sport, sa.dport))
        self.log(f"esp: SA {sa.name} {sa.direction} spi={sa.spi} {sa.alg}/{sa.ealg} group={sa.group}")

    def remove_group(self, group):
        with self.lock:
            self.sas = [s for s in self.sas if s.group != group]
        self.log(f"esp: SAs of group {group} removed")

    def set_knob(self, name, count=1):
        with self.lock:
            self.knobs[name] = count

    def replay_last(self):
        """Sends the last ESP packet again, byte for byte."""
        with self.lock:
            last = self.last_esp
        if last is None:
            raise RuntimeError("no ESP packet sent yet")
        self.raw_out.sendto(last[0], (last[1], 0))
        self.stats["esp_sent"] += 1

    def counters(self):
        with self.lock:
            return {"stats": dict(self.stats), "sas": [s.describe() for s in self.sas],
                    "plaintext_seen": list(self.plaintext_seen[:20])}

    # ---- the loop ----
    def _loop(self, fds):
        while not self._stop.is_set():
            try:
                ready, _, _ = select.select(fds, [], [], 0.2)
            except (OSError, ValueError):
                return
            for r in ready:
                try:
                    if r is self.tun_fd:
                        self._outbound(os.read(self.tun_fd, 65535))
                    elif r is self.raw_in:
                        self._inbound(self.raw_in.recv(65535))
                    else:
                        self._sniff(self.sniffer.recv(65535))
                except Exception as e:  # a test tool: log and go on
                    self.log(f"esp: error: {e!r}")

    def _whole(self, pkt):
        """A datagram larger than the TUN's MTU comes out of it in fragments: the whole one once all are
        there (transport-mode ESP seals whole datagrams, RFC 4301 section 7), else None."""
        key = (pkt.src, pkt.dst, pkt.proto, pkt.id)
        parts = self.fragments.setdefault(key, [])
        parts.append(pkt)
        for q in defragment(parts):
            if q.frag == 0 and not q.flags.MF:
                del self.fragments[key]
                return IP(bytes(q))
        return None

    def _outbound(self, data):
        if not data or data[0] >> 4 != 4:
            self.stats["tun_unmatched"] += 1
            return
        pkt = IP(data)
        if pkt.frag or pkt.flags.MF:
            pkt = self._whole(pkt)
            if pkt is None:
                return
        l4 = pkt.getlayer(UDP) or pkt.getlayer(TCP)
        if l4 is None:
            self.stats["tun_unmatched"] += 1
            return
        with self.lock:
            sa = next((s for s in self.sas if s.direction == "out" and s.peer == pkt.dst and s.sport == l4.sport
                       and s.dport == l4.dport), None)
            if sa is None:
                self.stats["tun_unmatched"] += 1
                self.log(f"esp: no outbound SA for {pkt.dst} {l4.sport}->{l4.dport}, dropped")
                return
            seq = sa.last_seq + 1
            if self.knobs["reuse_seq"] > 0 and sa.last_good_seq > 0:
                # a number the peer has accepted (a corrupted packet's number is still new to it)
                self.knobs["reuse_seq"] -= 1
                seq = sa.last_good_seq
            use = sa.sa
            if self.knobs["wrong_key"] > 0:
                self.knobs["wrong_key"] -= 1
                use = sa.bad_sa
            corrupt = self.knobs["corrupt_icv"] > 0
            if corrupt:
                self.knobs["corrupt_icv"] -= 1
            sa.last_seq = max(sa.last_seq, seq)
            if use is sa.sa and not corrupt:
                sa.last_good_seq = seq
            sa.packets += 1
        esp = bytearray(bytes(use.encrypt(pkt, seq_num=seq)))
        if corrupt:
            esp[-1] ^= 0xFF  # the last byte of the ICV
        esp = bytes(esp)
        with self.lock:
            self.last_esp = (esp, pkt.dst)
        if len(esp) <= 1500:
            self.raw_out.sendto(esp, (pkt.dst, 0))
        else:  # the ESP packet is what gets fragmented (IPPROTO_RAW does not)
            outer = IP(esp)
            outer.flags = 0
            for f in fragment(outer, fragsize=1400):
                self.raw_out.sendto(bytes(f), (pkt.dst, 0))
        self.stats["esp_sent"] += 1
        self.log(f"esp: out {sa.name} spi={sa.spi} seq={seq}{' corrupt-icv' if corrupt else ''}"
                 f"{' wrong-key' if use is sa.bad_sa else ''} {len(esp)} bytes")

    def _inbound(self, data):
        pkt = IP(data)
        esp = pkt.getlayer(ESP)
        if esp is None:
            return
        self.stats["esp_received"] += 1
        with self.lock:
            sa = next((s for s in self.sas if s.direction == "in" and s.spi == esp.spi), None)
        if sa is None:
            self.stats["esp_unknown_spi"] += 1
            self.log(f"esp: unknown SPI {esp.spi} from {pkt.src}, dropped")
            return
        seq = esp.seq
        if not sa.replay_check(seq):
            sa.replays += 1
            self.stats["esp_replays"] += 1
            self.log(f"esp: replay on {sa.name} seq={seq} (top {sa.top_seq}), dropped")
            return
        try:
            inner = sa.sa.decrypt(pkt)
        except IPSecIntegrityError:
            sa.icv_failures += 1
            self.stats["esp_icv_failures"] += 1
            self.log(f"esp: ICV check failed on {sa.name} seq={seq}, dropped")
            return
        sa.replay_update(seq)
        sa.packets += 1
        os.write(self.tun_fd, bytes(inner))

    def _sniff(self, frame):
        if len(frame) < 34 or frame[12:14] != b"\x08\x00":
            return
        ip = frame[14:]
        src, dst = socket.inet_ntoa(ip[12:16]), socket.inet_ntoa(ip[16:20])
        if {src, dst} != {self.local_ip, self.peer_ip}:
            return
        proto = ip[9]
        if proto == 50:
            self.stats["wire_esp"] += 1
            return
        self.stats["wire_plaintext"] += 1
        ihl = (ip[0] & 0x0F) * 4
        sport = dport = 0
        if proto in (6, 17) and len(ip) >= ihl + 4:
            sport, dport = struct.unpack("!HH", ip[ihl:ihl + 4])
        with self.lock:
            if sport in self.protected_ports or dport in self.protected_ports:
                self.stats["wire_plaintext_protected_ports"] += 1
            if len(self.plaintext_seen) < 50:
                self.plaintext_seen.append((proto, src, sport, dst, dport, time.time()))


def interface_of(address):
    """The name of the interface that holds address (for the sniffer)."""
    out = subprocess.run(["ip", "-o", "-4", "addr", "show"], check=True, capture_output=True, text=True).stdout
    for line in out.splitlines():
        parts = line.split()
        if parts[3].split("/")[0] == address:
            return parts[1]
    raise RuntimeError(f"no interface holds {address}")
