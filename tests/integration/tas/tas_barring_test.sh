#!/usr/bin/env bash
# Barring, anonymous-call rejection and identity restriction by the TAS
# (TS 24.611, TS 24.607) through the whole box, and Ut (XCAP) changes a
# call obeys: sipp UEs registered with IMS-AKA, an iFC to the TAS for their
# INVITEs, services PUT over XCAP with curl's digest, then calls:
#   * OCB: anna bars all her outgoing calls -> her call gets 603;
#   * ICB: bert bars all his incoming calls -> anna's call gets 603;
#   * ACR: bert rejects anonymous calls -> anna's call with Privacy: id gets
#     433, one without it reaches him;
#   * OIR: anna restricts her identity -> bert sees "Anonymous"
#     <sip:anonymous@anonymous.invalid> and no P-Asserted-Identity;
#   * a CFB rule PUT by node selector into bert's document -> bert's 486
#     sends the call to carl;
#   * an XCAP PUT with a wrong password gets 401, one with a malformed
#     document 409, and the next call shows bert's services unchanged.
# The refusals come after the MRF's announcement in early media (issue 19,
# tas.announcements on by default; uac.xml and uac_private.xml take the 183):
# tas_announcements_test.sh checks the 183s, this test the statuses and rules.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/tas_lib.sh"

ANNA_PORT=$((BASE + 16))
BERT_PORT=$((BASE + 17))
CARL_PORT=$((BASE + 18))

tas_box_start
tas_subscriber anna bert carl
register anna "$ANNA_PORT"
register bert "$BERT_PORT"
register carl "$CARL_PORT"
pass "the box up; anna, bert and carl registered with an iFC to the TAS"

# barring ELEMENT CONDITIONS: a barring service with one rule (allow false)
barring() {
  echo "<$1 active=\"true\"><cp:ruleset><cp:rule id=\"bar\"><cp:conditions>$2</cp:conditions><cp:actions><allow>false</allow></cp:actions></cp:rule></cp:ruleset></$1>"
}
# refused NAME STATUS: anna's call NAME got STATUS (the TAS's, by way of the MRF); bert was never called
refused() {
  [[ "$FINAL" == "SIP/2.0 $2 "* ]] || fail "$1: anna got '$FINAL', not $2: $(what_happened "$1-anna")"
}

# ---- OCB ----
set_services anna "$(barring outgoing-communication-barring "")"
dial ocb-anna anna "$ANNA_PORT" "sip:bert@$DOMAIN" "$CALLS/uac.xml"
refused ocb 603
grep -q "originating for sip:anna@$DOMAIN: barred by rule bar (OCB): 603" "$DATA_DIR/log/tas.log" ||
  fail "OCB: no barring line in the TAS's log: $(what_happened)"
set_services anna ""
pass "OCB: anna's outgoing calls barred -> 603"

# ---- ICB ----
set_services bert "$(barring incoming-communication-barring "")"
dial icb-anna anna "$ANNA_PORT" "sip:bert@$DOMAIN" "$CALLS/uac.xml"
refused icb 603
grep -q "terminating for sip:bert@$DOMAIN: barred (ICB) by rule bar: 603" "$DATA_DIR/log/tas.log" ||
  fail "ICB: no barring line in the TAS's log: $(what_happened)"
pass "ICB: bert's incoming calls barred -> 603"

# ---- ACR ----
set_services bert "$(barring incoming-communication-barring "<anonymous/>")"
dial acr-anna anna "$ANNA_PORT" "sip:bert@$DOMAIN" "$HERE/uac_private.xml"
refused acr 433
peer acr-known-bert bert "$BERT_PORT" "$CALLS/uas.xml"
dial acr-known-anna anna "$ANNA_PORT" "sip:bert@$DOMAIN" "$CALLS/uac.xml"
peers_done acr-known
[[ "$FINAL" == "SIP/2.0 200 OK"* ]] || fail "ACR: anna's call with her identity got '$FINAL': $(what_happened acr-known-anna acr-known-bert)"
set_services bert ""
pass "ACR: anna's anonymous call to bert -> 433, her call with her identity reached him"

# ---- OIR ----
set_services anna '<originating-identity-presentation-restriction active="true"><default-behaviour>presentation-restricted</default-behaviour></originating-identity-presentation-restriction>'
peer oir-bert bert "$BERT_PORT" "$CALLS/uas.xml"
dial oir-anna anna "$ANNA_PORT" "sip:bert@$DOMAIN" "$CALLS/uac.xml"
peers_done oir
[[ "$FINAL" == "SIP/2.0 200 OK"* ]] || fail "OIR: anna got '$FINAL': $(what_happened oir-anna oir-bert)"
anonymous_to oir-bert bert
grep -q "originating for sip:anna@$DOMAIN: OIR, Privacy: id added" "$DATA_DIR/log/tas.log" ||
  fail "OIR: no OIR line in the TAS's log: $(what_happened)"
set_services anna ""
pass "OIR: anna restricted -> bert saw From \"Anonymous\" <sip:anonymous@anonymous.invalid>, no P-Asserted-Identity"

# ---- a rule PUT by node selector, then a call that obeys it ----
set_services bert "$(cdiv "")"
RULE="$(simservs_url bert)/~~/simservs/communication-diversion/cp:ruleset/cp:rule%5B@id=%22cfb%22%5D?xmlns(cp=urn:ietf:params:xml:ns:common-policy)"
xcap PUT "$RULE" "bert@$DOMAIN:bert-secret" -H 'Content-Type: application/xcap-el+xml' --data-binary \
  "<cp:rule xmlns:cp=\"urn:ietf:params:xml:ns:common-policy\" xmlns=\"http://uri.etsi.org/ngn/params/xml/simservs/xcap\" id=\"cfb\"><cp:conditions><busy/></cp:conditions><cp:actions><forward-to><target>sip:carl@$DOMAIN</target></forward-to></cp:actions></cp:rule>"
[ "$STATUS" = 201 ] || fail "XCAP PUT of bert's cfb rule by node selector: $STATUS $BODY"
# busy_to_carl NAME: bert answers 486, carl answers; anna's call went to carl (cause 486)
busy_to_carl() {
  peer "$1-bert" bert "$BERT_PORT" "$CALLS/uas_busy.xml"
  peer "$1-carl" carl "$CARL_PORT" "$CALLS/uas.xml"
  dial "$1-anna" anna "$ANNA_PORT" "sip:bert@$DOMAIN" "$CALLS/uac.xml"
  peers_done "$1"
  [[ "$FINAL" == "SIP/2.0 200 OK"* ]] || fail "$1: anna got '$FINAL': $(what_happened "$1-anna" "$1-bert" "$1-carl")"
  grep -qi "^History-Info: <sip:carl@$DOMAIN;cause=486>" <<<"$(invite_at "$1-carl" carl)" ||
    fail "$1: carl's INVITE has no History-Info with cause 486: $(invite_at "$1-carl" carl)"
}
busy_to_carl selector
pass "a CFB rule PUT by node selector: bert's 486 sent anna's call to carl (cause 486)"

# ---- refused XCAP requests change nothing ----
xcap GET "$(simservs_url bert)" "bert@$DOMAIN:bert-secret"
[ "$STATUS" = 200 ] || fail "XCAP GET of bert's document: $STATUS $BODY"
cp "$DATA_DIR/x.body" "$DATA_DIR/bert-before.xml"
simservs_xml "$(barring incoming-communication-barring "")" > "$DATA_DIR/icb.xml"
xcap PUT "$(simservs_url bert)" "bert@$DOMAIN:wrong-secret" -H 'Content-Type: application/simservs+xml' \
  --data-binary @"$DATA_DIR/icb.xml"
[ "$STATUS" = 401 ] || fail "XCAP PUT with a wrong password: $STATUS, not 401: $BODY"
xcap PUT "$(simservs_url bert)" "bert@$DOMAIN:bert-secret" -H 'Content-Type: application/simservs+xml' \
  --data-binary '<simservs xmlns="http://uri.etsi.org/ngn/params/xml/simservs/xcap"><incoming-communication-barring>'
[ "$STATUS" = 409 ] || fail "XCAP PUT of a malformed document: $STATUS, not 409: $BODY"
xcap GET "$(simservs_url bert)" "bert@$DOMAIN:bert-secret"
cmp -s "$DATA_DIR/bert-before.xml" "$DATA_DIR/x.body" || fail "the refused PUTs changed bert's document: $BODY"
busy_to_carl unchanged
pass "XCAP: a wrong password -> 401, a malformed document -> 409; bert's document and calls unchanged (still CFB to carl, not barred)"
