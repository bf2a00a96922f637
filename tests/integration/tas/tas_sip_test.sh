#!/usr/bin/env bash
# The TAS as an ISC application server through the whole box (issue 18):
# `imsbox up`, two sipp UEs registered with IMS-AKA, an MMTEL service
# profile whose iFCs send their originating and terminating INVITEs to the
# TAS (tas.sip_port) with SESSION_CONTINUED:
#   * a call anna -> bert goes P-CSCF -> S-CSCF -> TAS (sescase=orig) ->
#     back along the ODI Route -> I-CSCF -> S-CSCF -> TAS (sescase=term) ->
#     back -> P-CSCF -> bert, is answered, ACKed and released;
#   * a call with Privacy: id (TS 24.607 OIP): bert sees From "Anonymous"
#     <sip:anonymous@anonymous.invalid> and no P-Asserted-Identity; anna's
#     200 carries her own From back;
#   * the TAS frozen (SIGSTOP): calls still complete (SESSION_CONTINUED,
#     the S-CSCF goes on after scscf.as_timeout_ms); the TAS killed: the
#     supervisor has it back, and calls go through it again.
#   * CFU set by the callee over Ut (XCAP PUT with curl's digest, TS 24.623):
#     anna's call to bert is diverted to carl, who answers; anna gets 181
#     Call Is Being Forwarded, carl's INVITE carries History-Info with cause
#     302 (RFC 4458).
# The other services that need a simservs document (CFB, CFNR, barring, OIR)
# are unit tested (tas_tests).
source "$(dirname "$0")/../lib.sh"

HERE="$SOURCE_DIR/tests/integration/tas"
CALLS="$SOURCE_DIR/tests/integration/calls"
DOMAIN=it.example.org
BASE=$(free_port_base)
PCSCF_PORT=$((BASE + 10))
CALLER_PORT=$((BASE + 16))
CALLEE_PORT=$((BASE + 17))
TAS_PORT=$((BASE + 25))
API="http://127.0.0.1:$((BASE + 8))/v1"
source "$SOURCE_DIR/tests/integration/sipp_lib.sh"

what_happened() {
  sipp_story "$@"
  tail -n 12 "$DATA_DIR"/log/{scscf,tas}.log 2>/dev/null
}
# call NAME UAS UAC: anna calls sip:bert@D, bert answering with UAS
call() {
  local name=$1 uas=$2 uac=$3 uas_pid
  sipp_run "$name-callee" "$CALLEE_PORT" "$uas" -s bert &
  uas_pid=$!
  sleep 0.5  # its socket bound
  sipp_run "$name-caller" "$CALLER_PORT" "$uac" -s bert -key caller anna -key ruri "sip:bert@$DOMAIN" ||
    fail "$name: the caller's sipp failed: $(what_happened "$name-caller" "$name-callee")"
  wait "$uas_pid" || fail "$name: the callee's sipp failed: $(what_happened "$name-caller" "$name-callee")"
  FINAL=$(sed -n 's/^final: //p' "$SIPP/$name-caller.log" | head -1)
}

# ---- the box, the TAS on its ISC port ----
write_config "$BASE"
sed -i "/^\[scscf\]/a as_timeout_ms = 1000" "$DATA_DIR/imsbox.conf"
expect_exit 0 "$IMSBOX" up --data-dir "$DATA_DIR"
wait_for_cx "$DOMAIN" || fail "the I-CSCF and the S-CSCF did not connect to the HSS"
for _ in $(seq 1 100); do grep -q "Tas ready" "$DATA_DIR/log/tas.log" 2>/dev/null && break; sleep 0.1; done
grep -q "Tas ready .*SIP (ISC) on 127.0.0.1:$TAS_PORT (UDP, TCP)" "$DATA_DIR/log/tas.log" ||
  fail "the TAS is not ready on $TAS_PORT: $(tail -n 5 "$DATA_DIR/log/tas.log")"
# udp_count: the TAS's SIP messages of `what` (received, sent) over UDP, from its /metrics
udp_count() {
  curl -sS --max-time 5 "http://127.0.0.1:$((BASE + 5))/metrics" |
    sed -n "s/^sip_messages_$1_total{transport=\"udp\"} \([0-9]*\).*/\1/p"
}
ss -Hlun "sport = :$TAS_PORT" | grep -q . && ss -Hltn "sport = :$TAS_PORT" | grep -q . ||
  fail "nothing listens on UDP and TCP $TAS_PORT"
pass "the TAS listens on tas.sip_port $TAS_PORT (UDP, TCP)"

for user in anna bert; do
  expect_exit 0 "$IMSBOX" subscriber add --data-dir "$DATA_DIR" --impi "$user@$DOMAIN" \
    --impu "sip:$user@$DOMAIN" --k "$K" --op "$OP" --amf "$AMF"
done
api PUT /application-servers/tas "{\"server_name\": \"sip:127.0.0.1:$TAS_PORT\", \"default_handling\": \"SESSION_CONTINUED\"}"
# INVITE and (originating or terminating-registered)
api PUT /service-profiles/mmtel-test '{"ifcs": [{"priority": 1, "application_server": "tas",
  "trigger_point": {"cnf": true, "spt": [{"group": 0, "method": "INVITE"},
                                         {"group": 1, "session_case": 0}, {"group": 1, "session_case": 1}]}}]}'
for user in anna bert; do api PUT "/public-identities/sip%3A$user%40$DOMAIN" '{"service_profile": "mmtel-test"}'; done
register anna "$CALLER_PORT"
register bert "$CALLEE_PORT"
pass "anna and bert registered, both with an iFC to the TAS for their INVITEs"

# ---- a call through the TAS twice ----
call through "$CALLS/uas.xml" "$CALLS/uac.xml"
[[ "$FINAL" == "SIP/2.0 200 OK"* ]] || fail "call through the TAS: anna got '$FINAL': $(what_happened through-caller through-callee)"
grep -q '^bye: 200' "$SIPP/through-caller.log" || fail "call through the TAS: no 200 to the BYE: $(what_happened through-caller through-callee)"
grep -q "P-Asserted-Identity: *<sip:anna@$DOMAIN>" "$SIPP/through-callee.log" ||
  fail "call through the TAS: bert did not see anna asserted: $(sipp_log through-callee)"
for side in "originating for sip:anna@$DOMAIN" "terminating for sip:bert@$DOMAIN"; do
  grep -q "INVITE sip:bert@$DOMAIN: $side: iFC 0 to sip:127.0.0.1:$TAS_PORT" "$DATA_DIR/log/scscf.log" ||
    fail "call through the TAS: the S-CSCF did not send it there ($side): $(tail -n 20 "$DATA_DIR/log/scscf.log")"
done
# the TAS took both INVITEs and sent them on (not skipped by the S-CSCF as silent)
received=$(udp_count received) sent=$(udp_count sent)
[ "${received:-0}" -ge 2 ] && [ "${sent:-0}" -ge 2 ] ||
  fail "call through the TAS: the TAS received ${received:-0} and sent ${sent:-0} SIP messages"
pass "anna -> bert: the S-CSCF sent the INVITE to the TAS originating and terminating, it came back along the ODI, bert answered, ACK and BYE end to end"

# ---- OIP: a caller with Privacy: id is anonymous to the callee ----
call private "$CALLS/uas.xml" "$HERE/uac_private.xml"
[[ "$FINAL" == "SIP/2.0 200 OK"* ]] || fail "private call: anna got '$FINAL': $(what_happened private-caller private-callee)"
grep -q "^invite: INVITE sip:bert@127.0.0.1:$CALLEE_PORT .*| P-Asserted-Identity: | " "$SIPP/private-callee.log" ||
  fail "private call: bert saw a P-Asserted-Identity: $(sipp_log private-callee)"
invite_at_bert=$(awk '/^INVITE sip:bert@/,/^$/' "$SIPP/private-callee.msg" | tr -d '\r')
grep -q '^From: "Anonymous" <sip:anonymous@anonymous.invalid>;tag=' <<<"$invite_at_bert" ||
  fail "private call: bert's From is not anonymous: $invite_at_bert"
grep -qi '^P-Asserted-Identity:' <<<"$invite_at_bert" && fail "private call: bert's INVITE asserts an identity: $invite_at_bert"
grep -q "^final: SIP/2.0 200 OK | From: *<sip:anna@$DOMAIN>;tag=" "$SIPP/private-caller.log" ||
  fail "private call: anna's 200 does not carry her From: $(sipp_log private-caller)"
grep -q '^bye: 200' "$SIPP/private-caller.log" || fail "private call: no 200 to the BYE: $(what_happened private-caller private-callee)"
grep -q "caller's identity not presented (OIP)" "$DATA_DIR/log/tas.log" || fail "private call: no OIP line in the TAS's log"
pass "private call: bert got From \"Anonymous\" <sip:anonymous@anonymous.invalid> and no P-Asserted-Identity, anna her own From in the 200, BYE end to end"

# ---- CFU set over Ut (XCAP) by bert: his calls go to carl ----
CARL_PORT=$((BASE + 18))
expect_exit 0 "$IMSBOX" subscriber add --data-dir "$DATA_DIR" --impi "carl@$DOMAIN" --impu "sip:carl@$DOMAIN" \
  --k "$K" --op "$OP" --amf "$AMF"
api PUT "/public-identities/sip%3Acarl%40$DOMAIN" '{"service_profile": "mmtel-test"}'
register carl "$CARL_PORT"
expect_exit 0 "$IMSBOX" subscriber set --data-dir "$DATA_DIR" "bert@$DOMAIN" --password bert-secret
cat > "$DATA_DIR/cfu.xml" <<XML
<?xml version="1.0" encoding="UTF-8"?>
<simservs xmlns="http://uri.etsi.org/ngn/params/xml/simservs/xcap" xmlns:cp="urn:ietf:params:xml:ns:common-policy">
  <communication-diversion active="true">
    <cp:ruleset>
      <cp:rule id="cfu"><cp:conditions/><cp:actions><forward-to><target>sip:carl@$DOMAIN</target></forward-to></cp:actions></cp:rule>
    </cp:ruleset>
  </communication-diversion>
</simservs>
XML
status=$(curl -sS -g --digest -u "bert@$DOMAIN:bert-secret" -X PUT -H 'Content-Type: application/simservs+xml' \
  --data-binary @"$DATA_DIR/cfu.xml" -o "$DATA_DIR/cfu.out" -w '%{http_code}' \
  "http://127.0.0.1:$((BASE + 24))/simservs.ngn.etsi.org/users/sip:bert@$DOMAIN/simservs.xml")
[[ "$status" == 20[01] ]] || fail "XCAP PUT of bert's CFU: $status $(cat "$DATA_DIR/cfu.out")"
sipp_run cfu-carl "$CARL_PORT" "$CALLS/uas.xml" -s carl &
carl_pid=$!
sleep 0.5
sipp_run cfu-caller "$CALLER_PORT" "$CALLS/uac.xml" -s bert -key caller anna -key ruri "sip:bert@$DOMAIN" ||
  fail "CFU: anna's call failed: $(what_happened cfu-caller cfu-carl)"
wait "$carl_pid" || fail "CFU: carl did not take the call: $(what_happened cfu-caller cfu-carl)"
grep -q '^bye: 200' "$SIPP/cfu-caller.log" || fail "CFU: no 200 to anna's BYE: $(what_happened cfu-caller cfu-carl)"
invite_at_carl=$(awk '/^INVITE sip:carl@/,/^$/' "$SIPP/cfu-carl.msg" | tr -d '\r')
grep -qi "^History-Info: <sip:bert@$DOMAIN>;index=1$" <<<"$invite_at_carl" &&
  grep -qi "^History-Info: <sip:carl@$DOMAIN;cause=302>;index=1.1;mp=1$" <<<"$invite_at_carl" ||
  fail "CFU: carl's INVITE has no History-Info with cause 302: $invite_at_carl"
grep -q '^forwarded: 181' "$SIPP/cfu-caller.log" || fail "CFU: anna got no 181 Call Is Being Forwarded: $(sipp_log cfu-caller)"
grep -q "terminating for sip:bert@$DOMAIN: unconditional (CFU) by rule cfu to sip:carl@$DOMAIN (cause 302)" "$DATA_DIR/log/tas.log" ||
  fail "CFU: no diversion in the TAS's log: $(tail -n 10 "$DATA_DIR/log/tas.log")"
pass "CFU set by bert over XCAP: anna's call to bert reached carl (181 to anna, History-Info cause 302), answered and released"
# bert takes his calls again
status=$(curl -sS -g --digest -u "bert@$DOMAIN:bert-secret" -X DELETE -o /dev/null -w '%{http_code}' \
  "http://127.0.0.1:$((BASE + 24))/simservs.ngn.etsi.org/users/sip:bert@$DOMAIN/simservs.xml")
[ "$status" = 200 ] || fail "XCAP DELETE of bert's document: $status"

# ---- the TAS down: SESSION_CONTINUED; killed: back ----
TAS_PID=$(pgrep -f -- "ims-[t]as .*--data-dir $DATA_DIR")
[ -n "$TAS_PID" ] || fail "no TAS process for $DATA_DIR"
kill -STOP "$TAS_PID"
call frozen "$CALLS/uas.xml" "$CALLS/uac.xml"
[[ "$FINAL" == "SIP/2.0 200 OK"* ]] || fail "TAS frozen: anna got '$FINAL': $(what_happened frozen-caller frozen-callee)"
grep -q '^bye: 200' "$SIPP/frozen-caller.log" || fail "TAS frozen: no 200 to the BYE: $(what_happened frozen-caller frozen-callee)"
pass "TAS frozen: the S-CSCF went on without it (SESSION_CONTINUED), anna -> bert answered and released"
killed_at=$(date +%s%N)
kill -KILL "$TAS_PID"
back=""
for _ in $(seq 1 200); do
  if [ "$(grep -c 'Tas ready' "$DATA_DIR/log/tas.log")" -ge 2 ]; then back=$(( ($(date +%s%N) - killed_at) / 1000000 )); break; fi
  sleep 0.05
done
[ -n "$back" ] || fail "the TAS is not back 10 s after it was killed: $(tail -n 5 "$DATA_DIR/log/supervisor.log")"
call restarted "$CALLS/uas.xml" "$CALLS/uac.xml"
[[ "$FINAL" == "SIP/2.0 200 OK"* ]] || fail "TAS restarted: anna got '$FINAL': $(what_happened restarted-caller restarted-callee)"
received=$(udp_count received)
[ "${received:-0}" -ge 2 ] || fail "TAS restarted: the new TAS received ${received:-0} SIP messages"
pass "TAS killed: back and ready after $back ms, the next call goes through it (it received $received SIP messages)"
