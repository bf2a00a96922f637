#!/usr/bin/env bash
# Communication diversion (TS 24.604) by the TAS through the whole box: sipp
# UEs registered with IMS-AKA, an iFC to the TAS for their INVITEs
# (originating, terminating registered and unregistered, originating after
# diversion), each callee's services PUT over Ut (XCAP, curl's digest), then
# a call from anna:
#   * CFB: bert answers 486 -> anna gets 181, carl rings and answers; carl's
#     INVITE has History-Info cause 486; the S-CSCF applied bert's
#     originating-after-diversion iFC (to the TAS) to the forwarded call;
#   * CFNR (NoReplyTimer 5): bert rings 2 s after the INVITE and never
#     answers -> his branch is CANCELled 5 s after his 180 (not after the
#     INVITE), carl answers (cause 408);
#   * CFNL: dora is not registered -> carl (cause 404);
#   * CFNRc: bert refuses with 503 before any provisional response -> carl
#     (cause 503); bert's UE gone (its INVITE times out: 408 after 32 s) ->
#     carl (cause 503);
#   * CD: bert answers 302 with Contact <sip:carl@D> -> carl (cause 480);
#   * u1 -> u2 -> ... each by CFU: five diversions reach u6 (its INVITE has
#     five History-Info entries with a cause); a sixth (u6 -> u7) is refused:
#     anna gets 480.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/tas_lib.sh"

ANNA_PORT=$((BASE + 16))
BERT_PORT=$((BASE + 17))
CARL_PORT=$((BASE + 18))
U6_PORT=$((BASE + 19))

tas_box_start
tas_subscriber anna bert carl dora u1 u2 u3 u4 u5 u6 u7
register anna "$ANNA_PORT"
register bert "$BERT_PORT"
register carl "$CARL_PORT"
register u6 "$U6_PORT"
pass "the box up; anna, bert, carl and u6 registered, everyone with an iFC to the TAS"

# to_carl NAME CALLEE CAUSE [BERT_SCENARIO [ARGS...]]: anna calls sip:CALLEE@D
# (bert, when he takes part, runs BERT_SCENARIO); the call must be forwarded
# to carl, who answers: anna gets 181 and the 200, carl's INVITE has the
# diversion with CAUSE in History-Info.
to_carl() {
  local name=$1 callee=$2 cause=$3 invite
  shift 3
  [ $# -gt 0 ] && peer "$name-bert" bert "$BERT_PORT" "$@"
  peer "$name-carl" carl "$CARL_PORT" "$CALLS/uas.xml"
  dial "$name-anna" anna "$ANNA_PORT" "sip:$callee@$DOMAIN" "$CALLS/uac.xml"
  peers_done "$name"
  [[ "$FINAL" == "SIP/2.0 200 OK"* ]] || fail "$name: anna got '$FINAL': $(what_happened "$name-anna" "$name-bert" "$name-carl")"
  grep -q '^bye: 200' "$SIPP/$name-anna.log" || fail "$name: no 200 to anna's BYE: $(what_happened "$name-anna" "$name-carl")"
  grep -q '^forwarded: 181' "$SIPP/$name-anna.log" ||
    fail "$name: anna got no 181 Call Is Being Forwarded: $(what_happened "$name-anna" "$name-carl")"
  invite=$(invite_at "$name-carl" carl)
  grep -qi "^History-Info: <sip:$callee@$DOMAIN>;index=1$" <<<"$invite" &&
    grep -qi "^History-Info: <sip:carl@$DOMAIN;cause=$cause>;index=1.1;mp=1$" <<<"$invite" ||
    fail "$name: carl's INVITE has no History-Info from $callee with cause $cause: $invite"
}

# ---- CFB ----
set_services bert "$(cdiv "$(cdiv_rule cfb '<busy/>' "sip:carl@$DOMAIN")")"
to_carl cfb bert 486 "$CALLS/uas_busy.xml"
grep -q "^ack" "$SIPP/cfb-bert.log" || fail "CFB: bert's 486 was not ACKed: $(sipp_log cfb-bert)"
grep -q "originating after diversion for sip:bert@$DOMAIN: iFC 0 to sip:127.0.0.1:$TAS_PORT" "$DATA_DIR/log/scscf.log" ||
  fail "CFB: the S-CSCF did not apply bert's originating-after-diversion iFC: $(what_happened cfb-anna)"
pass "CFB: bert busy (486) -> 181 to anna, carl answered (History-Info cause 486); bert's orig-cdiv iFC sent the forwarded call to the TAS"

# ---- CFNR ----
set_services bert "$(cdiv "$(cdiv_rule cfnr '<no-answer/>' "sip:carl@$DOMAIN")" 5)"
to_carl cfnr bert 408 "$HERE/uas_ring_no_answer.xml"
at() { sed -n "s/^$2 at //p" "$SIPP/$1.log" | head -1; }
invited=$(at cfnr-bert invite) rang=$(at cfnr-bert ringing) cancelled=$(at cfnr-bert cancel)
[ -n "$invited" ] && [ -n "$rang" ] && [ -n "$cancelled" ] || fail "CFNR: bert's times: $(sipp_log cfnr-bert)"
# 5 s from the 180 (a timer from the INVITE would have fired 2 s earlier)
[ $((cancelled - rang)) -ge 4800 ] && [ $((cancelled - rang)) -le 8000 ] ||
  fail "CFNR: bert rang at $rang ms and was CANCELled at $cancelled ms (INVITE at $invited ms), not 5 s after his 180: $(what_happened cfnr-anna cfnr-bert)"
grep -q "no reply within 5 s of the 180" "$DATA_DIR/log/tas.log" || fail "CFNR: no timer line in the TAS's log: $(what_happened)"
pass "CFNR (5 s): bert rang $((rang - invited)) ms after his INVITE, was CANCELled $((cancelled - rang)) ms after his 180; carl answered (cause 408)"

# ---- CFNL: dora is not registered ----
set_services dora "$(cdiv "$(cdiv_rule cfnl '<not-registered/>' "sip:carl@$DOMAIN")")"
to_carl cfnl dora 404
grep -q "terminating for sip:dora@$DOMAIN: not logged in (CFNL)" "$DATA_DIR/log/tas.log" ||
  fail "CFNL: no diversion line in the TAS's log: $(what_happened)"
pass "CFNL: dora not registered -> carl answered (cause 404)"

# ---- CFNRc: bert registered but not reachable (503 before any provisional) ----
set_services bert "$(cdiv "$(cdiv_rule cfnrc '<not-reachable/>' "sip:carl@$DOMAIN")")"
to_carl cfnrc bert 503 "$(refusing 503 "Service Unavailable")" -key contact "sip:bert@127.0.0.1:$BERT_PORT"
pass "CFNRc: bert not reachable (503) -> carl answered (cause 503)"
# bert's UE gone (nothing on his contact's port): the P-CSCF's INVITE times
# out after 64*T1 (32 s), its 408 before any provisional response is CFNRc
SECONDS=0
SIPP_TIMEOUT=60 to_carl cfnrc-gone bert 503
[ "$SECONDS" -ge 30 ] || fail "CFNRc: diverted after $SECONDS s, before bert's INVITE timed out: $(what_happened cfnrc-gone-anna)"
pass "CFNRc: bert's UE gone -> 408 after $SECONDS s -> carl answered (cause 503)"

# ---- CD: bert deflects with a 302 ----
set_services bert "$(cdiv "")"
to_carl cd bert 480 "$(refusing 302 "Moved Temporarily")" -key contact "sip:carl@$DOMAIN"
pass "CD: bert's 302 to carl -> carl answered (cause 480)"

# ---- the diversion limit: five diversions reach u6, a sixth gets 480 ----
for i in 1 2 3 4 5; do set_services "u$i" "$(cdiv "$(cdiv_rule cfu '' "sip:u$((i + 1))@$DOMAIN")")"; done
peer chain5-u6 u6 "$U6_PORT" "$CALLS/uas.xml"
dial chain5-anna anna "$ANNA_PORT" "sip:u1@$DOMAIN" "$CALLS/uac.xml"
peers_done chain5
[[ "$FINAL" == "SIP/2.0 200 OK"* ]] || fail "5 diversions: anna got '$FINAL': $(what_happened chain5-anna chain5-u6)"
invite=$(invite_at chain5-u6 u6)
causes=$(grep -ci '^History-Info: .*;cause=302>' <<<"$invite" || true)
[ "$causes" = 5 ] || fail "5 diversions: u6's INVITE has $causes diversions in History-Info: $invite"
set_services u6 "$(cdiv "$(cdiv_rule cfu '' "sip:u7@$DOMAIN")")"
dial chain6-anna anna "$ANNA_PORT" "sip:u1@$DOMAIN" "$CALLS/uac.xml"
[[ "$FINAL" == "SIP/2.0 480"* ]] || fail "6 diversions: anna got '$FINAL': $(what_happened chain6-anna)"
grep -q "terminating for sip:u6@$DOMAIN: unconditional (CFU) to sip:u7@$DOMAIN refused, the call was diverted 5 times: 480" \
  "$DATA_DIR/log/tas.log" || fail "6 diversions: no refusal in the TAS's log: $(what_happened chain6-anna)"
pass "u1 -> ... -> u6 by CFU: five diversions answered by u6 (5 in History-Info), the sixth (u6 -> u7) refused with 480"
