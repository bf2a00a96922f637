#!/usr/bin/env bash
# Self-test of the independent IMS-AKA/IPsec test UE (ue.py), with no P-CSCF
# of ours: two network namespaces joined by a veth, ue.py in one, the Python
# P-CSCF stub (pcscf_stub.py, the same scapy ESP machinery) in the other.
# Over UDP and over TCP: registration with sec-agree (every alg/ealg pair over
# UDP), probes over the SAs, an MO and an MT call, re-registration with new
# SAs (the old set still usable until the first request over the new one,
# then dropped by the stub: `not probe old`), de-registration
# answered through the SAs; over UDP also the negative knobs (a corrupted ICV,
# a wrong key, a reused sequence number each dropped by the stub and counted
# there, plaintext to port_ps unanswered, a Security-Verify mismatch answered
# 494). Sniffers on both ends of the veth count every non-ESP packet between
# the two addresses on the protected ports: none, except the deliberate
# plaintext probe. Needs root, python3-scapy, python3-cryptography.
source "$(dirname "$0")/../lib.sh"

PY=${IMSBOX_TEST_PYTHON:-/usr/bin/python3}
D="$SOURCE_DIR/tests/integration/ipsec"
[ "$(id -u)" = 0 ] || fail "needs root (network namespaces)"
"$PY" -c 'import scapy.layers.ipsec, cryptography' 2>/dev/null || fail "$PY lacks python3-scapy/python3-cryptography"

UE_NS=imsbox-ipsec-ue-$$ P_NS=imsbox-ipsec-pcscf-$$
UE_IP=10.77.0.2 P_IP=10.77.0.1
ip netns add "$UE_NS"
ip netns add "$P_NS"
trap 'rc=$?; set +e; kill $(jobs -p) 2>/dev/null; wait 2>/dev/null; ip netns del "$UE_NS" 2>/dev/null; ip netns del "$P_NS" 2>/dev/null; (exit $rc); cleanup' EXIT
ip link add veth-ue netns "$UE_NS" type veth peer name veth-pcscf netns "$P_NS"
ip -n "$UE_NS" addr add "$UE_IP/24" dev veth-ue
ip -n "$P_NS" addr add "$P_IP/24" dev veth-pcscf
for ns in "$UE_NS" "$P_NS"; do ip -n "$ns" link set lo up; done
ip -n "$UE_NS" link set veth-ue up
ip -n "$P_NS" link set veth-pcscf up

# TS 35.208 test set 1 keys (any K/OP would do: the stub and the UE share them)
K=465b5ce8b199b49faa5f0a2ee238a6bc OP=cdc202d5123e20f62b6d676ac72cb318
DOMAIN=ipsec.test

# json_get FILE PYTHON-EXPRESSION-ON-d: evaluates an expression on a JSON file
json_get() { "$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"; }

# run_case NAME TRANSPORT ALGS COMMANDS...: the stub and the UE, the UE's JSON
# in $DATA_DIR/NAME.ue.json, the stub's in $DATA_DIR/NAME.stub.json.
run_case() {
  local name=$1 transport=$2 algs=$3 rc=0 stub_pid
  shift 3
  local trigger="$DATA_DIR/$name.mt"
  rm -f "$trigger"
  ip netns exec "$P_NS" "$PY" "$D/pcscf_stub.py" --local "$P_IP" --ue "$UE_IP" --transport "$transport" \
    --domain "$DOMAIN" --k "$K" --op "$OP" --mt-trigger "$trigger" --duration 100 \
    --json "$DATA_DIR/$name.stub.json" > "$DATA_DIR/$name.stub.out" 2> "$DATA_DIR/$name.stub.log" &
  stub_pid=$!
  for _ in $(seq 1 100); do grep -q ready "$DATA_DIR/$name.stub.out" 2>/dev/null && break; sleep 0.1; done
  grep -q ready "$DATA_DIR/$name.stub.out" || fail "$name: the stub did not start: $(tail -5 "$DATA_DIR/$name.stub.log")"
  ip netns exec "$UE_NS" timeout 120 "$PY" "$D/ue.py" --pcscf "$P_IP:5060" --local "$UE_IP" \
    --transport "$transport" --impi "sim1@$DOMAIN" --impu "sip:sim1@$DOMAIN" --k "$K" --op "$OP" --algs "$algs" \
    --probe-wait 4 --json "$DATA_DIR/$name.ue.json" "${@//@MT@/$trigger}" \
    > "$DATA_DIR/$name.ue.out" 2> "$DATA_DIR/$name.ue.log" || rc=$?
  kill -TERM "$stub_pid" 2>/dev/null
  wait "$stub_pid" 2>/dev/null || true
  [ -s "$DATA_DIR/$name.stub.json" ] || fail "$name: the stub wrote no counters: $(tail -5 "$DATA_DIR/$name.stub.log")"
  [ $rc = 0 ] || fail "$name: ue.py exited $rc:
$(cat "$DATA_DIR/$name.ue.out")
$(tail -n 20 "$DATA_DIR/$name.ue.log")
--- stub
$(tail -n 20 "$DATA_DIR/$name.stub.log")"
}

# the counters line the UE printed for its N-th `counters` command
counters_line() { grep '"cmd": "counters"' "$DATA_DIR/$1.ue.out" | sed -n "${2}p"; }

# ---- UDP: the whole flow, the negative knobs ----
run_case udp udp "hmac-sha-1-96/aes-cbc,hmac-md5-96/null" \
  register probe "call sip:bob@$DOMAIN 0.5" "touch @MT@" "answer 20 0.5" counters \
  probe-corrupt-icv probe-wrong-key probe-replay probe \
  reregister "probe old" "probe new" "not probe old" drop-old probe counters \
  plaintext-probe register-bad-verify probe deregister
U="$DATA_DIR/udp.ue.json" S="$DATA_DIR/udp.stub.json"
[ "$(json_get "$U" 'd["results"][0]["alg"] + "/" + d["results"][0]["ealg"]')" = hmac-sha-1-96/aes-cbc ] ||
  fail "udp: the UE did not take the stub's choice: $(json_get "$U" 'd["results"][0]')"
pass "udp: registered with IMS-AKA and sec-agree, probes, an MO and an MT call over the SAs"
[ "$(json_get "$S" 'd["stats"]["esp_icv_failures"]')" = 2 ] ||
  fail "udp: the stub did not see 2 ICV failures (corrupted ICV, wrong key): $(json_get "$S" 'd["stats"]')"
[ "$(json_get "$S" 'd["stats"]["esp_replays"]')" -ge 1 ] ||
  fail "udp: the stub saw no replayed sequence number: $(json_get "$S" 'd["stats"]')"
pass "udp: a corrupted ICV and a wrong key failed the ICV check, a reused sequence number was a replay (stub counters)"
grep -q '"event": "494"' "$S" || fail "udp: the stub did not refuse the Security-Verify mismatch"
[ "$(json_get "$S" 'sum(1 for e in d["events"] if e["event"] == "registered")')" = 2 ] ||
  fail "udp: not two registrations (register, reregister): $(json_get "$S" 'd["events"]')"
[ "$(json_get "$S" 'sum(1 for e in d["events"] if e["event"] == "deregistered")')" = 1 ] || fail "udp: no de-registration"
[ "$(json_get "$U" '[r["answer"] for r in d["results"] if r["cmd"] in ("probe", "not probe")][2:5]')" = "[200, 200, None]" ] ||
  fail "udp: after the rekey the old set did not work until the first request on the new one, or did after it"
grep -q '"event": "old-set-dropped"' "$S" || fail "udp: the stub did not drop the old set"
pass "udp: re-registration with new SAs (the old set answered until the first request on the new one), the Security-Verify mismatch answered 494, de-registration answered through the SAs"
for n in 1 2; do
  line=$(counters_line udp $n)
  [ "$(json_get <(echo "$line") 'd["stats"]["wire_plaintext_protected_ports"]')" = 0 ] ||
    fail "udp: plaintext on the protected ports seen by the UE's sniffer: $line"
  [ "$(json_get <(echo "$line") 'd["stats"]["wire_esp"]')" -gt 0 ] || fail "udp: the sniffer saw no ESP: $line"
done
[ "$(json_get "$U" 'd["summary"]["stats"]["wire_plaintext_protected_ports"]')" = 1 ] ||
  fail "udp: other plaintext than the deliberate probe on the protected ports: $(json_get "$U" 'd["summary"]["plaintext_seen"]')"
[ "$(json_get "$S" 'd["stats"]["wire_plaintext_protected_ports"]')" = 1 ] ||
  fail "udp: the stub's sniffer saw other plaintext: $(json_get "$S" 'd["plaintext_seen"]')"
pass "udp: only ESP on the veth between the protected ports (the one plaintext probe aside), both sniffers"

# ---- each alg/ealg pair over UDP ----
for pair in hmac-sha-1-96/null hmac-md5-96/aes-cbc hmac-md5-96/null; do
  n=pair-${pair//\//-}
  run_case "$n" udp "$pair" register probe deregister
  [ "$(json_get "$DATA_DIR/$n.ue.json" 'd["results"][0]["alg"] + "/" + d["results"][0]["ealg"]')" = "$pair" ] ||
    fail "$n: not negotiated"
  [ "$(json_get "$DATA_DIR/$n.ue.json" 'd["summary"]["stats"]["wire_plaintext_protected_ports"]')" = 0 ] ||
    fail "$n: plaintext on the protected ports"
done
pass "udp: hmac-sha-1-96/null, hmac-md5-96/aes-cbc, hmac-md5-96/null each registered, probed and de-registered"

# ---- TCP ----
run_case tcp tcp "hmac-sha-1-96/aes-cbc" \
  register probe "call sip:bob@$DOMAIN 0.5" "touch @MT@" "answer 20 0.5" reregister "probe new" deregister
T="$DATA_DIR/tcp.ue.json"
[ "$(json_get "$T" 'd["summary"]["stats"]["wire_plaintext_protected_ports"]')" = 0 ] ||
  fail "tcp: plaintext on the protected ports: $(json_get "$T" 'd["summary"]["plaintext_seen"]')"
[ "$(json_get "$DATA_DIR/tcp.stub.json" 'd["stats"]["wire_plaintext_protected_ports"]')" = 0 ] ||
  fail "tcp: the stub's sniffer saw plaintext on the protected ports"
# all four SAs of the first set carried packets: the UE's connection uc->ps (requests out, responses
# in) and the stub's connection pc->us of the MT call (requests in, responses out)
[ "$(json_get "$T" 'min(s["packets"] for s in d["summary"]["sas"] if s["group"] == 1)')" -gt 0 ] ||
  fail "tcp: an SA of the first set carried nothing: $(json_get "$T" 'd["summary"]["sas"]')"
pass "tcp: register, an MO and an MT call, re-registration, de-registration over the SAs; only ESP on the protected ports"
