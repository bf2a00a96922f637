"""A small SIP message model for the IPsec test UE and its P-CSCF stub
(RFC 3261 framing, RFC 3329 security mechanisms, RFC 3310 digest)."""
import hashlib
import random
import re
import socket
import threading

COMPACT = {"v": "via", "f": "from", "t": "to", "i": "call-id", "m": "contact", "l": "content-length",
           "k": "supported", "c": "content-type"}


def split_commas(value):
    """Splits a header value at commas outside quotes and <>."""
    out, cur, quote, angle = [], "", False, False
    for ch in value:
        if ch == '"':
            quote = not quote
        elif ch == "<" and not quote:
            angle = True
        elif ch == ">" and not quote:
            angle = False
        if ch == "," and not quote and not angle:
            out.append(cur.strip())
            cur = ""
        else:
            cur += ch
    if cur.strip():
        out.append(cur.strip())
    return out


class Msg:
    def __init__(self, first_line, headers=None, body=b""):
        self.first_line = first_line
        self.headers = list(headers or [])  # [(name, value)]
        self.body = body

    # ---- parsing ----
    @staticmethod
    def parse(data: bytes):
        head, _, body = data.partition(b"\r\n\r\n")
        lines = head.decode("utf-8", "replace").split("\r\n")
        headers = []
        for line in lines[1:]:
            if line[:1] in (" ", "\t") and headers:
                headers[-1] = (headers[-1][0], headers[-1][1] + " " + line.strip())
            elif ":" in line:
                name, _, value = line.partition(":")
                headers.append((name.strip(), value.strip()))
        return Msg(lines[0], headers, body)

    @property
    def is_request(self):
        return not self.first_line.startswith("SIP/2.0")

    @property
    def method(self):
        return self.first_line.split(" ", 1)[0] if self.is_request else self.cseq()[1]

    @property
    def uri(self):
        return self.first_line.split(" ")[1]

    @property
    def status(self):
        return int(self.first_line.split(" ")[1]) if not self.is_request else 0

    def get_all(self, name):
        """Every value of header `name` (compact forms too), split at commas for list headers."""
        want = name.lower()
        vals = [v for n, v in self.headers if COMPACT.get(n.lower(), n.lower()) == want]
        if want in ("via", "route", "record-route", "security-client", "security-server", "security-verify",
                    "service-route", "path", "require", "supported", "proxy-require", "contact"):
            return [x for v in vals for x in split_commas(v)]
        return vals

    def get(self, name, default=None):
        v = self.get_all(name)
        return v[0] if v else default

    def cseq(self):
        n, m = self.get("CSeq", "0 X").split()
        return int(n), m

    def branch(self):
        m = re.search(r";\s*branch=([^;,\s]+)", self.get("Via", ""))
        return m.group(1) if m else ""

    def tag(self, header):
        m = re.search(r";\s*tag=([^;,\s]+)", self.get(header, ""))
        return m.group(1) if m else None

    # ---- writing ----
    def set(self, name, value):
        self.headers = [(n, v) for n, v in self.headers if n.lower() != name.lower()]
        self.headers.append((name, value))

    def remove(self, name):
        self.headers = [(n, v) for n, v in self.headers if COMPACT.get(n.lower(), n.lower()) != name.lower()]

    def to_bytes(self):
        hs = [(n, v) for n, v in self.headers if n.lower() not in ("content-length", "l")]
        lines = [self.first_line] + [f"{n}: {v}" for n, v in hs] + [f"Content-Length: {len(self.body)}"]
        return ("\r\n".join(lines) + "\r\n\r\n").encode() + self.body

    def __str__(self):
        return self.to_bytes().decode("utf-8", "replace")


def response_to(req: Msg, status: int, reason: str, to_tag=None):
    """A response with Via, From, To (+tag), Call-ID, CSeq copied (RFC 3261 8.2.6)."""
    r = Msg(f"SIP/2.0 {status} {reason}")
    for n, v in req.headers:
        ln = COMPACT.get(n.lower(), n.lower())
        if ln in ("via", "from", "call-id", "cseq", "record-route"):
            r.headers.append((n, v))
        elif ln == "to":
            if to_tag and ";tag=" not in v:
                v = f"{v};tag={to_tag}"
            r.headers.append((n, v))
    return r


def new_token(prefix=""):
    return prefix + "%016x" % random.getrandbits(64)


# ---- RFC 3329 mechanisms ----

def parse_mechanism(text):
    """'ipsec-3gpp; alg=x; spi-c=1' -> ('ipsec-3gpp', {'alg': 'x', 'spi-c': '1'})."""
    parts = [p.strip() for p in text.split(";")]
    params = {}
    for p in parts[1:]:
        if not p:
            continue
        k, _, v = p.partition("=")
        params[k.strip().lower()] = v.strip()
    return parts[0].lower(), params


def ipsec_mechanism(alg, ealg, spi_c, spi_s, port_c, port_s, q=None):
    s = "ipsec-3gpp"
    if q is not None:
        s += f";q={q}"
    return s + f";prot=esp;mod=trans;alg={alg};ealg={ealg};spi-c={spi_c};spi-s={spi_s};port-c={port_c};port-s={port_s}"


# ---- RFC 3310 / RFC 2617 digest ----

def md5hex(s: bytes) -> str:
    return hashlib.md5(s).hexdigest()


def digest_params(value):
    """'Digest a="b", c=d' -> {'a': 'b', 'c': 'd'}."""
    value = re.sub(r"^\s*Digest\s+", "", value, flags=re.I)
    out = {}
    for item in split_commas(value):
        k, _, v = item.partition("=")
        out[k.strip().lower()] = v.strip().strip('"')
    return out


def digest_response(username, realm, password: bytes, method, uri, nonce, qop=None, nc=None, cnonce=None):
    ha1 = md5hex(f"{username}:{realm}:".encode() + password)
    ha2 = md5hex(f"{method}:{uri}".encode())
    if qop:
        return md5hex(f"{ha1}:{nonce}:{nc}:{cnonce}:{qop}:{ha2}".encode())
    return md5hex(f"{ha1}:{nonce}:{ha2}".encode())


# ---- TCP framing ----

class StreamReader:
    """Splits a byte stream into SIP messages by Content-Length (RFC 3261 18.3)."""

    def __init__(self):
        self.buf = b""

    def feed(self, data):
        self.buf += data
        out = []
        while True:
            self.buf = self.buf.lstrip(b"\r\n")  # keep-alive CRLFs
            end = self.buf.find(b"\r\n\r\n")
            if end < 0:
                return out
            m = re.search(rb"\r\n(?:content-length|l)\s*:\s*(\d+)", self.buf[:end + 2], re.I)
            n = int(m.group(1)) if m else 0
            if len(self.buf) < end + 4 + n:
                return out
            out.append(Msg.parse(self.buf[:end + 4 + n]))
            self.buf = self.buf[end + 4 + n:]


def start_thread(fn, *args):
    t = threading.Thread(target=fn, args=args, daemon=True)
    t.start()
    return t


def recv_loop_udp(sock: socket.socket, deliver, label):
    while True:
        try:
            data, addr = sock.recvfrom(65535)
        except OSError:
            return
        if data.strip():
            deliver(Msg.parse(data), ("udp", sock, addr, label))


def recv_loop_tcp(conn: socket.socket, deliver, label):
    reader = StreamReader()
    while True:
        try:
            data = conn.recv(65535)
        except OSError:
            return
        if not data:
            return
        for msg in reader.feed(data):
            deliver(msg, ("tcp", conn, conn.getpeername(), label))
