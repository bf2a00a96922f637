#!/usr/bin/env bash
# Issue 17: IMS-AKA IPsec sec-agree at the P-CSCF, against a UE that shares no
# code with the box (ue.py: Milenage in Python, ESP by scapy over a TUN). The
# box runs in a network namespace of its own (192.0.2.1 on a veth, the
# userspace ESP backend); the UE in another (192.0.2.2); sipp as a second,
# plain UE ("bert") inside the box's namespace.
#   * UDP: register (SHA-1 + AES-CBC chosen though offered last), OPTIONS to
#     itself through the whole chain and back over the SAs, an MO call to bert
#     and an MT call from him; a tampered ICV, a wrong key and a replayed
#     sequence number dropped (and counted in the P-CSCF's metrics), plaintext
#     to port_ps unanswered; re-registration rekeys and the old SAs live until
#     the first request over the new ones; de-registration's 200 OK still
#     protected; a Security-Verify that is not our Security-Server gets no 2xx;
#   * the other three alg/ealg pairs: register, probe, de-register;
#   * TCP: register, probe, an MO and an MT call, re-registration, de-registration;
#   * on the veth, nothing but ESP between the UE's and our protected ports;
#   * `imsbox ipsec` lists the UE's four SAs while it is registered.
source "$(dirname "$0")/../netns_lib.sh"
in_own_netns "$0" "$@"
source "$(dirname "$0")/../lib.sh"

PY=${IMSBOX_TEST_PYTHON:-/usr/bin/python3}
D="$SOURCE_DIR/tests/integration/ipsec"
"$PY" -c 'import scapy.layers.ipsec, cryptography' 2>/dev/null || fail "$PY lacks python3-scapy/python3-cryptography"
DOMAIN=it.example.org
BOX=192.0.2.1 UE_IP=192.0.2.2
BASE=$(free_port_base)
PCSCF_PORT=$((BASE + 10)) PORT_PC=$((BASE + 22)) PORT_PS=$((BASE + 23))
BERT_PORT=$((BASE + 16))
CALLS="$SOURCE_DIR/tests/integration/calls"
source "$SOURCE_DIR/tests/integration/sipp_lib.sh"

UE_NS=imsbox-ipsec-ue-$$
peer_netns "$UE_NS" "$BOX" "$UE_IP"

# ---- the box on 192.0.2.1, sec-agree on, ESP in the P-CSCF ----
write_config "$BASE"
sed -i -e "s/^bind_address = .*/bind_address = $BOX/" -e "s/^ipsec = off/ipsec = optional\nipsec_backend = userspace/" \
  "$DATA_DIR/imsbox.conf"
expect_exit 0 "$IMSBOX" up --data-dir "$DATA_DIR"
wait_for_cx "$DOMAIN" || fail "the I-CSCF and the S-CSCF did not connect to the HSS"
PCSCF_LOG="$DATA_DIR/log/pcscf.log"
grep -q "ESP backend userspace" "$PCSCF_LOG" || fail "the P-CSCF has no userspace ESP backend: $(grep -i esp "$PCSCF_LOG")"
# Both have the box's mmtel profile: calls go through the TAS, and the INVITE
# to sim1 (and sim1's 200, which copies its Vias and Record-Routes) grows past
# the TUNs' MTU of 1400: the P-CSCF's userspace ESP and the test UE reassemble
# the fragments their TUN hands over and send the ESP packet fragmented.
for u in sim1 bert; do
  expect_exit 0 "$IMSBOX" subscriber add --data-dir "$DATA_DIR" --impi "$u@$DOMAIN" --impu "sip:$u@$DOMAIN" \
    --k "$K" --op "$OP" --amf "$AMF"
done
pass "the box is up on $BOX with sec-agree (userspace ESP on protected ports $PORT_PC/$PORT_PS)"

# bert: a plain UE (sipp, IMS-AKA without IPsec) in the box's namespace
sipp_to register-bert "$BOX:$PCSCF_PORT" "$BOX" "$BERT_PORT" "$SOURCE_DIR/tests/integration/registration/register_aka.xml" \
  -s bert -au "bert@$DOMAIN" -key expires 600 || fail "bert's registration: $(sipp_story register-bert)"
grep -q '^final: SIP/2.0 200' "$SIPP/register-bert.log" || fail "bert's registration: $(sipp_log register-bert)"

json_get() { "$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"; }
metric() {
  curl -s "http://127.0.0.1:$BASE/metrics" | awk -v m="$1" 'index($0, m) == 1 {print $2}' | head -1
}

# no_sets_left: until the P-CSCF has no SA set (a de-registration's go 2 s after its 200 OK).
no_sets_left() {
  for _ in $(seq 1 100); do
    [ "$(metric pcscf_ipsec_sa_sets)" = 0 ] && return 0
    sleep 0.1
  done
  fail "SA sets left: $(metric pcscf_ipsec_sa_sets): $("$IMSBOX" ipsec --data-dir "$DATA_DIR" 2>&1)"
}

# ue NAME TRANSPORT ALGS COMMANDS...: ue.py in the UE's namespace, its JSON summary in $DATA_DIR/NAME.json.
ue() {
  local name=$1 transport=$2 algs=$3 rc=0
  shift 3
  ip netns exec "$UE_NS" timeout 150 "$PY" "$D/ue.py" --pcscf "$BOX:$PCSCF_PORT" --local "$UE_IP" \
    --transport "$transport" --impi "sim1@$DOMAIN" --impu "sip:sim1@$DOMAIN" --k "$K" --op "$OP" --algs "$algs" \
    --probe-wait 4 --json "$DATA_DIR/$name.json" "$@" > "$DATA_DIR/$name.out" 2> "$DATA_DIR/$name.log" || rc=$?
  [ $rc = 0 ] || fail "$name: ue.py exited $rc:
$(cat "$DATA_DIR/$name.out")
$(tail -n 20 "$DATA_DIR/$name.log")
--- P-CSCF
$(tail -n 25 "$PCSCF_LOG")
$(curl -s "http://127.0.0.1:$BASE/metrics" | grep -E '^pcscf_(esp|ipsec)')"
  local plain
  plain=$(json_get "$DATA_DIR/$name.json" 'd["summary"]["stats"]["wire_plaintext_protected_ports"]' 2>/dev/null || echo "?")
  [ "$plain" = "${EXPECTED_PLAINTEXT:-0}" ] ||
    fail "$name: $plain plaintext packets on the protected ports on the veth: $(cat "$DATA_DIR/$name.out" | tail -1)"
}

# ---- UDP: the whole flow ----
# (the tampering knobs act on the UE's next ESP packet, whichever: they come
# first, before the calls bring other traffic of the UE's)
before_icv=$(metric 'pcscf_esp_dropped_total{reason="bad_icv"}')
before_replay=$(metric 'pcscf_esp_dropped_total{reason="replayed"}')
MT="$DATA_DIR/udp.mt"
sipp_to bert-uas "$BOX:$PCSCF_PORT" "$BOX" "$BERT_PORT" "$CALLS/uas.xml" -s bert &
uas=$!
(
  for _ in $(seq 1 600); do [ -e "$MT" ] && break; sleep 0.1; done
  sleep 0.5
  sipp_to bert-uac "$BOX:$PCSCF_PORT" "$BOX" "$BERT_PORT" "$CALLS/uac.xml" -s sim1 -key caller bert -key ruri "sip:sim1@$DOMAIN"
) &
uac=$!
EXPECTED_PLAINTEXT=1 ue udp udp "hmac-md5-96/null,hmac-sha-1-96/aes-cbc" \
  register probe probe-corrupt-icv probe-wrong-key probe-replay probe \
  "call sip:bert@$DOMAIN 0.5" "touch $MT" "answer 30" \
  reregister "probe old" "probe new" "not probe old" probe \
  plaintext-probe deregister
wait $uas || fail "bert did not take sim1's call: $(sipp_story bert-uas)"
wait $uac || fail "bert's call to sim1 failed: $(sipp_story bert-uac)"
U="$DATA_DIR/udp.json"
[ "$(json_get "$U" 'd["results"][0]["alg"] + "/" + d["results"][0]["ealg"]')" = hmac-sha-1-96/aes-cbc ] ||
  fail "udp: not SHA-1 + AES-CBC: $(json_get "$U" 'd["results"][0]')"
grep -q "sec-agree: pending SAs for sim1@$DOMAIN" "$PCSCF_LOG" || fail "no pending SAs logged"
grep -q "sec-agree: SAs of sim1@$DOMAIN active" "$PCSCF_LOG" || fail "no active SAs logged"
pass "udp: registered with sec-agree (SHA-1 + AES-CBC), OPTIONS through the chain and back, MO and MT calls with sipp"
[ "$(metric 'pcscf_esp_dropped_total{reason="bad_icv"}')" -ge $((${before_icv:-0} + 2)) ] ||
  fail "the tampered ICV and the wrong key were not counted: $(curl -s "http://127.0.0.1:$BASE/metrics" | grep esp)"
[ "$(metric 'pcscf_esp_dropped_total{reason="replayed"}')" -ge $((${before_replay:-0} + 1)) ] ||
  fail "the replay was not counted: $(curl -s "http://127.0.0.1:$BASE/metrics" | grep esp)"
pass "udp: a tampered ICV, a wrong key and a replay dropped and counted; plaintext to port_ps unanswered"
grep -q "removed: replaced by the SAs it came over" "$PCSCF_LOG" || fail "the old SAs were not removed at the first request over the new ones"
pass "udp: re-registration rekeyed; the old SAs worked until the first request over the new ones, then went"
grep -q "sec-agree: sim1@$DOMAIN de-registered" "$PCSCF_LOG" || fail "no de-registration of the SAs"
pass "udp: de-registration's 200 OK came over the SAs, which then went"

# ---- a Security-Verify that is not our Security-Server ----
ue bad-verify udp "hmac-sha-1-96/aes-cbc" register-bad-verify
pass "a Security-Verify that is not our Security-Server: no 2xx"

# ---- the other pairs ----
for algs in hmac-sha-1-96/null hmac-md5-96/aes-cbc hmac-md5-96/null; do
  ue "pair-${algs//\//-}" udp "$algs" register probe deregister
done
pass "hmac-sha-1-96 + null, hmac-md5-96 + aes-cbc, hmac-md5-96 + null: each registers and carries SIP"

no_sets_left
pass "no SA set left after the de-registrations over UDP"

# ---- TCP ----
sipp_to bert-uas-tcp "$BOX:$PCSCF_PORT" "$BOX" "$BERT_PORT" "$CALLS/uas.xml" -s bert &
uas=$!
REGISTERED="$DATA_DIR/tcp.registered" CHECKED="$DATA_DIR/tcp.checked" MT="$DATA_DIR/tcp.mt"
(
  for _ in $(seq 1 900); do [ -e "$MT" ] && break; sleep 0.1; done
  sleep 0.5
  sipp_to bert-uac-tcp "$BOX:$PCSCF_PORT" "$BOX" "$BERT_PORT" "$CALLS/uac.xml" -s sim1 -key caller bert \
    -key ruri "sip:sim1@$DOMAIN"
) &
uac=$!
ue tcp tcp "hmac-sha-1-96/aes-cbc" register "touch $REGISTERED" "wait-file $CHECKED 60" probe \
  "call sip:bert@$DOMAIN 0.5" "touch $MT" "answer 30" reregister "probe new" deregister &
ue_pid=$!
for _ in $(seq 1 300); do [ -e "$REGISTERED" ] && break; sleep 0.1; done
OUT=$("$IMSBOX" ipsec --data-dir "$DATA_DIR" 2>&1) || { touch "$CHECKED"; fail "imsbox ipsec: $OUT"; }
touch "$CHECKED"
grep -q "^sim1@$DOMAIN at $UE_IP: active, hmac-sha-1-96+aes-cbc" <<<"$OUT" || fail "imsbox ipsec: no active set: $OUT"
[ "$(grep -c "^  \(in\|out\) " <<<"$OUT")" = 4 ] || fail "imsbox ipsec: not four SAs: $OUT"
pass "imsbox ipsec lists the UE's four SAs"
wait $ue_pid || exit 1
wait $uas || fail "bert did not take sim1's call over TCP: $(sipp_story bert-uas-tcp)"
wait $uac || fail "bert's call to sim1 over TCP failed: $(sipp_story bert-uac-tcp)"
pass "tcp: register, OPTIONS, an MO and an MT call over the SAs (the INVITE to the UE on a connection from port_pc), re-registration, de-registration"

no_sets_left
pass "no SA set left after the de-registrations"
