#!/usr/bin/env bash
# Supplementary services set by operators (issue 18), through the whole box
# with sipp UEs registered with IMS-AKA and an iFC to the TAS:
#   * `imsbox services set` of anna's outgoing barring -> her call gets 603
#     (after the MRF's announcement in early media), and `imsbox calls`
#     shows it barred by her OCB rule;
#   * PATCH /v1/public-identities/{bert}/services {"cfu": carl} -> anna's
#     call to bert gets 181 and carl answers; `imsbox calls` shows it
#     forwarded by bert to carl; `imsbox services show` and GET .../services
#     list the CFU;
#   * a PATCH with a bad target -> 400 naming the field, and nothing changed;
#     the CLI's bad values exit non-zero, also changing nothing;
#   * an unknown IMPU -> 404 / a CLI error; no token -> 401;
#   * the document itself: `services set --xml`, `show --xml`, GET/PUT/DELETE
#     .../simservs, `services clear`.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/tas_lib.sh"

ANNA_PORT=$((BASE + 16))
BERT_PORT=$((BASE + 17))
CARL_PORT=$((BASE + 18))
ANNA="sip:anna@$DOMAIN"
BERT="sip:bert@$DOMAIN"
BERT_PATH="/public-identities/sip%3Abert%40$DOMAIN"

tas_box_start
tas_subscriber anna bert carl
register anna "$ANNA_PORT"
register bert "$BERT_PORT"
register carl "$CARL_PORT"
pass "the box up; anna, bert and carl registered with an iFC to the TAS"

# rest METHOD PATH [BODY] [curl options...]: the provisioning API; sets STATUS and BODY
rest() {
  local method=$1 path=$2 body=${3:-}
  shift $(( $# < 3 ? $# : 3 ))
  STATUS=$(curl -sS -o "$DATA_DIR/rest.out" -w '%{http_code}' -X "$method" -H "Authorization: Bearer $API_TOKEN" \
    ${body:+-H 'Content-Type: application/json' --data-binary "$body"} "$@" "$API$path") || fail "$method $path: curl failed"
  BODY=$(cat "$DATA_DIR/rest.out")
}
# calls_of CALL: LINE, the `imsbox calls` line of sipp run CALL's Call-ID and the lines under it (OUT: all)
calls_of() {
  local call_id
  call_id=$(grep -m1 -i '^Call-ID:' "$SIPP/$1.msg" | tr -d '\r' | sed 's/^[^:]*: *//')
  expect_exit 0 "$IMSBOX" calls --data-dir "$DATA_DIR"
  LINE=$(awk -v id="Call-ID $call_id" 'index($0, id) {p = 1; print; next} /^    / && p {print; next} {p = 0}' <<<"$OUT")
}

# ---- unknown identities, no token ----
expect_exit 1 "$IMSBOX" services show --data-dir "$DATA_DIR" "sip:nobody@$DOMAIN"
expect_out "no public identity sip:nobody@$DOMAIN"
expect_exit 1 "$IMSBOX" services set --data-dir "$DATA_DIR" "sip:nobody@$DOMAIN" --oir on
rest GET "/public-identities/sip%3Anobody%40$DOMAIN/services"
[ "$STATUS" = 404 ] && grep -q "no public identity sip:nobody@$DOMAIN" <<<"$BODY" || fail "unknown IMPU: $STATUS $BODY"
STATUS=$(curl -sS -o /dev/null -w '%{http_code}' "$API$BERT_PATH/services")
[ "$STATUS" = 401 ] || fail "GET .../services without a token: $STATUS"
STATUS=$(curl -sS -o /dev/null -w '%{http_code}' -X PATCH -d '{"oir": true}' "$API$BERT_PATH/services")
[ "$STATUS" = 401 ] || fail "PATCH .../services without a token: $STATUS"
expect_exit 0 "$IMSBOX" services show --data-dir "$DATA_DIR" "$BERT"
expect_out "$BERT: no supplementary services"
pass "an unknown IMPU: CLI error (exit 1) and 404; no token: 401; bert has no services"

# ---- outgoing barring by the CLI ----
expect_exit 0 "$IMSBOX" services set --data-dir "$DATA_DIR" "$ANNA" --outgoing-barring all
expect_out "$ANNA: outgoing barring: all"
dial ocb anna "$ANNA_PORT" "$BERT" "$CALLS/uac.xml"
[[ "$FINAL" == "SIP/2.0 603 "* ]] || fail "OCB by the CLI: anna got '$FINAL', not 603: $(what_happened ocb)"
sleep 0.5  # the S-CSCF stores its record within 100 ms
calls_of ocb
grep -q "sip:anna@$DOMAIN -> sip:bert@$DOMAIN .*603" <<<"$LINE" &&
  grep -qF "    barred by $ANNA's outgoing barring (603, rule bar-all-outgoing)" <<<"$LINE" ||
  fail "imsbox calls does not show anna's call barred:
$OUT"
expect_exit 0 "$IMSBOX" services set --data-dir "$DATA_DIR" "$ANNA" --outgoing-barring off
expect_out "$ANNA: no supplementary services"
pass "imsbox services set --outgoing-barring all: anna's call got 603 and imsbox calls shows it barred by her rule"

# ---- CFU by REST ----
rest PATCH "$BERT_PATH/services" "{\"cfu\": \"sip:carl@$DOMAIN\"}"
[ "$STATUS" = 200 ] && grep -qF "\"services\":[\"CFU to sip:carl@$DOMAIN\"]" <<<"$BODY" ||
  fail "PATCH of bert's CFU: $STATUS $BODY"
peer cfu-carl carl "$CARL_PORT" "$CALLS/uas.xml"
dial cfu anna "$ANNA_PORT" "$BERT" "$CALLS/uac.xml"
peers_done cfu
[[ "$FINAL" == "SIP/2.0 200 OK"* ]] || fail "CFU by REST: anna got '$FINAL': $(what_happened cfu cfu-carl)"
grep -q '^forwarded: 181' "$SIPP/cfu.log" || fail "CFU by REST: anna got no 181: $(sipp_log cfu)"
grep -qi "^History-Info: <sip:carl@$DOMAIN;cause=302>" <<<"$(invite_at cfu-carl carl)" ||
  fail "CFU by REST: carl's INVITE has no History-Info with cause 302: $(invite_at cfu-carl carl)"
sleep 0.5
calls_of cfu
grep -q "sip:anna@$DOMAIN -> sip:bert@$DOMAIN .*answered" <<<"$LINE" &&
  grep -qF "    forwarded by $BERT to sip:carl@$DOMAIN (unconditional, CFU, rule call-diversion-unconditional)" <<<"$LINE" ||
  fail "imsbox calls does not show the call forwarded:
$OUT"
pass "PATCH .../services {\"cfu\": carl}: anna's call to bert got 181 and carl answered; imsbox calls shows it forwarded by bert"

# ---- listed by both ----
expect_exit 0 "$IMSBOX" services show --data-dir "$DATA_DIR" "$BERT"
[ "$OUT" = "$BERT: CFU to sip:carl@$DOMAIN" ] || fail "services show: $OUT"
rest GET "$BERT_PATH/services"
[ "$STATUS" = 200 ] && grep -qF "\"services\":[\"CFU to sip:carl@$DOMAIN\"]" <<<"$BODY" || fail "GET .../services: $STATUS $BODY"
pass "imsbox services show and GET .../services list bert's CFU"

# ---- bad values change nothing ----
before=$("$IMSBOX" services show --data-dir "$DATA_DIR" "$BERT" --xml)
rest PATCH "$BERT_PATH/services" '{"cfb": "carl", "oir": true}'
[ "$STATUS" = 400 ] && grep -qF "cfb: 'carl' is not a phone number" <<<"$BODY" || fail "PATCH with a bad target: $STATUS $BODY"
rest PATCH "$BERT_PATH/services" '{"cfx": "sip:carl@x"}'
[ "$STATUS" = 400 ] && grep -qF "unknown field 'cfx'" <<<"$BODY" || fail "PATCH with an unknown field: $STATUS $BODY"
expect_exit 1 "$IMSBOX" services set --data-dir "$DATA_DIR" "$BERT" --cfb carl --oir on
expect_out "cfb: 'carl' is not a phone number"
expect_exit 2 "$IMSBOX" services set --data-dir "$DATA_DIR" "$BERT" --acr maybe
expect_out "--acr takes on or off"
expect_exit 1 "$IMSBOX" services set --data-dir "$DATA_DIR" "$BERT" --cfnr sip:v@x --no-reply-timer 300
expect_out "no_reply_timer: must be 5 to 180 s"
[ "$("$IMSBOX" services show --data-dir "$DATA_DIR" "$BERT" --xml)" = "$before" ] || fail "a refused change changed bert's document"
expect_exit 0 "$IMSBOX" services show --data-dir "$DATA_DIR" "$BERT"
[ "$OUT" = "$BERT: CFU to sip:carl@$DOMAIN" ] || fail "services show after refused changes: $OUT"
pass "a bad target: 400 naming cfb (REST), exit 1 (CLI); bad values exit non-zero; bert's document unchanged"

# ---- the document itself ----
simservs_xml "$(cdiv "$(cdiv_rule phone-cfb '<busy/>' "tel:+33123456")" 30)" > "$DATA_DIR/bert.xml"
expect_exit 0 "$IMSBOX" services set --data-dir "$DATA_DIR" "$BERT" --xml "$DATA_DIR/bert.xml"
expect_out "$BERT: CFB to tel:+33123456"
expect_exit 0 "$IMSBOX" services show --data-dir "$DATA_DIR" "$BERT" --xml
[ "$OUT" = "$(cat "$DATA_DIR/bert.xml")" ] || fail "services show --xml is not the document set: $OUT"
echo '<simservs xmlns="http://uri.etsi.org/ngn/params/xml/simservs/xcap"><communication-diversion>' > "$DATA_DIR/bad.xml"
expect_exit 1 "$IMSBOX" services set --data-dir "$DATA_DIR" "$BERT" --xml "$DATA_DIR/bad.xml"
expect_out "is not a valid simservs document"
rest PUT "$BERT_PATH/simservs" "" --data-binary @"$DATA_DIR/bad.xml" -H 'Content-Type: application/simservs+xml'
[ "$STATUS" = 400 ] && grep -q "not a valid simservs document" <<<"$BODY" || fail "PUT of a malformed document: $STATUS $BODY"
rest GET "$BERT_PATH/simservs" "" -D "$DATA_DIR/rest.headers"
[ "$STATUS" = 200 ] && [ "$BODY" = "$(cat "$DATA_DIR/bert.xml")" ] && grep -qi '^ETag: "' "$DATA_DIR/rest.headers" &&
  grep -qi '^Content-Type: application/simservs+xml' "$DATA_DIR/rest.headers" || fail "GET .../simservs: $STATUS $BODY"
rest DELETE "$BERT_PATH/simservs"
[ "$STATUS" = 204 ] || fail "DELETE .../simservs: $STATUS $BODY"
expect_exit 0 "$IMSBOX" services show --data-dir "$DATA_DIR" "$BERT"
expect_out "$BERT: no supplementary services"
expect_exit 0 "$IMSBOX" services set --data-dir "$DATA_DIR" "$BERT" --oir on --acr on
expect_exit 0 "$IMSBOX" services clear --data-dir "$DATA_DIR" "$BERT"
expect_exit 0 "$IMSBOX" services show --data-dir "$DATA_DIR" "$BERT"
expect_out "$BERT: no supplementary services"
expect_exit 0 "$IMSBOX" services --help
expect_out "--no-reply-timer"
pass "the document itself: set --xml / show --xml, a malformed one refused (CLI and PUT), GET with its ETag, DELETE and clear"
