#!/usr/bin/env bash
# The TAS as an ISC application server through the whole box (issue 18):
# `imsbox up`, two sipp UEs registered with IMS-AKA, with the box's own
# MMTEL service profile (no iFC made by hand: tas_default_profile_test.sh),
# whose iFC sends their originating and terminating INVITEs to the TAS
# (tas.sip_port) with SESSION_CONTINUED:
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
# The other services (CFB, CFNR, CFNL, CFNRc, CD, the diversion limit,
# barring, ACR, OIR) end to end: tas_cdiv_test.sh, tas_barring_test.sh.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/tas_lib.sh"

CALLER_PORT=$((BASE + 16))
CALLEE_PORT=$((BASE + 17))

# call NAME UAS UAC: anna calls sip:bert@D, bert answering with UAS
call() {
  peer "$1-callee" bert "$CALLEE_PORT" "$2"
  dial "$1-caller" anna "$CALLER_PORT" "sip:bert@$DOMAIN" "$3"
  peers_done "$1"
}

# ---- the box, the TAS on its ISC port ----
tas_box_start
ss -Hlun "sport = :$TAS_PORT" | grep -q . && ss -Hltn "sport = :$TAS_PORT" | grep -q . ||
  fail "nothing listens on UDP and TCP $TAS_PORT"
pass "the TAS listens on tas.sip_port $TAS_PORT (UDP, TCP)"

tas_subscriber anna bert
register anna "$CALLER_PORT"
register bert "$CALLEE_PORT"
pass "anna and bert registered, both with the box's mmtel profile (its iFC sends their INVITEs to the TAS)"

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
received=$(tas_udp_count received) sent=$(tas_udp_count sent)
[ "${received:-0}" -ge 2 ] && [ "${sent:-0}" -ge 2 ] ||
  fail "call through the TAS: the TAS received ${received:-0} and sent ${sent:-0} SIP messages"
pass "anna -> bert: the S-CSCF sent the INVITE to the TAS originating and terminating, it came back along the ODI, bert answered, ACK and BYE end to end"

# ---- OIP: a caller with Privacy: id is anonymous to the callee ----
call private "$CALLS/uas.xml" "$HERE/uac_private.xml"
[[ "$FINAL" == "SIP/2.0 200 OK"* ]] || fail "private call: anna got '$FINAL': $(what_happened private-caller private-callee)"
grep -q "^invite: INVITE sip:bert@127.0.0.1:$CALLEE_PORT .*| P-Asserted-Identity: | " "$SIPP/private-callee.log" ||
  fail "private call: bert saw a P-Asserted-Identity: $(sipp_log private-callee)"
anonymous_to private-callee bert
grep -q "^final: SIP/2.0 200 OK | From: *<sip:anna@$DOMAIN>;tag=" "$SIPP/private-caller.log" ||
  fail "private call: anna's 200 does not carry her From: $(sipp_log private-caller)"
grep -q '^bye: 200' "$SIPP/private-caller.log" || fail "private call: no 200 to the BYE: $(what_happened private-caller private-callee)"
grep -q "caller's identity not presented (OIP)" "$DATA_DIR/log/tas.log" || fail "private call: no OIP line in the TAS's log"
pass "private call: bert got From \"Anonymous\" <sip:anonymous@anonymous.invalid> and no P-Asserted-Identity, anna her own From in the 200, BYE end to end"

# ---- CFU set over Ut (XCAP) by bert: his calls go to carl ----
CARL_PORT=$((BASE + 18))
tas_subscriber carl
register carl "$CARL_PORT"
set_services bert "$(cdiv "$(cdiv_rule cfu "" "sip:carl@$DOMAIN")")"
peer cfu-carl carl "$CARL_PORT" "$CALLS/uas.xml"
dial cfu-caller anna "$CALLER_PORT" "sip:bert@$DOMAIN" "$CALLS/uac.xml"
peers_done cfu
grep -q '^bye: 200' "$SIPP/cfu-caller.log" || fail "CFU: no 200 to anna's BYE: $(what_happened cfu-caller cfu-carl)"
invite_at_carl=$(invite_at cfu-carl carl)
grep -qi "^History-Info: <sip:bert@$DOMAIN>;index=1$" <<<"$invite_at_carl" &&
  grep -qi "^History-Info: <sip:carl@$DOMAIN;cause=302>;index=1.1;mp=1$" <<<"$invite_at_carl" ||
  fail "CFU: carl's INVITE has no History-Info with cause 302: $invite_at_carl"
grep -q '^forwarded: 181' "$SIPP/cfu-caller.log" || fail "CFU: anna got no 181 Call Is Being Forwarded: $(sipp_log cfu-caller)"
grep -q "terminating for sip:bert@$DOMAIN: unconditional (CFU) by rule cfu to sip:carl@$DOMAIN (cause 302)" "$DATA_DIR/log/tas.log" ||
  fail "CFU: no diversion in the TAS's log: $(tail -n 10 "$DATA_DIR/log/tas.log")"
pass "CFU set by bert over XCAP: anna's call to bert reached carl (181 to anna, History-Info cause 302), answered and released"
# bert takes his calls again
set_services bert ""

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
received=$(tas_udp_count received)
[ "${received:-0}" -ge 2 ] || fail "TAS restarted: the new TAS received ${received:-0} SIP messages"
pass "TAS killed: back and ready after $back ms, the next call goes through it (it received $received SIP messages)"
