#!/usr/bin/env bash
# The MRF's SIP side through the whole box (issue 19): `imsbox up`, a sipp UE
# registered with IMS-AKA dials the MRF's services by their URIs; the
# S-CSCF routes the host mrf.<domain> to mrf.sip_port.
#   * sip:annc@mrf.D;play=busy: 200, ACK, then the MRF's BYE once played;
#   * play=nosuch: 404; no play: 400; an unknown service: 404;
#   * ;early=603: 183 with P-Early-Media: sendonly and SDP, then 603; to a
#     caller with Supported: / Require: 100rel the 183 is reliable (RSeq),
#     PRACKed through the box (200), then 603;
#   * sip:echo@mrf.D: 200, a re-INVITE answered, the caller's BYE;
#   * an offer with only G.729 (no codec the MRF speaks): 488;
#   * an IVR menu stored with `imsbox ivr add`, walked with INFO digits (a
#     wrong digit: invalid-choice and the menu again, then silence: goodbye):
#     hangup (goodbye, BYE) and transfer (REFER with the menu's URI, the
#     MRF leaves with BYE on the NOTIFY's 200);
#   * the menus through the HSS's REST API (curl, /v1/ivr-menus): GET, a bad
#     PUT refused (400) with nothing stored, a PUT that replaces the menu
#     and holds from the next call, DELETE (the next call: 404).
# The audio is not checked here (integration.mrf_audio and integration.mrf_transfer do).
source "$(dirname "$0")/../lib.sh"

HERE="$SOURCE_DIR/tests/integration/mrf"
DOMAIN=it.example.org
BASE=$(free_port_base)
PCSCF_PORT=$((BASE + 10))
CALLER_PORT=$((BASE + 16))
MRF_PORT=$((BASE + 32))
source "$SOURCE_DIR/tests/integration/sipp_lib.sh"

what_happened() {
  sipp_story "$@"
  tail -n 12 "$DATA_DIR"/log/{scscf,mrf}.log 2>/dev/null
}
# dial NAME SCENARIO URI [ARGS...]: anna calls URI; FINAL is the caller's final status line
dial() {
  local name=$1 scenario=$2 uri=$3
  shift 3
  sipp_run "$name" "$CALLER_PORT" "$HERE/$scenario" -s mrf -key caller anna -key ruri "$uri" "$@" ||
    fail "$name: the caller's sipp failed: $(what_happened "$name")"
  FINAL=$(sed -n 's/^final: //p' "$SIPP/$name.log" | head -1)
}
logged() { grep -q "$2" "$SIPP/$1.log" || fail "$1: no '$2' in: $(what_happened "$1")"; }

write_config "$BASE"
expect_exit 0 "$IMSBOX" up --data-dir "$DATA_DIR"
wait_for_cx "$DOMAIN" || fail "the I-CSCF and the S-CSCF did not connect to the HSS"
for _ in $(seq 1 100); do grep -q "Mrf ready" "$DATA_DIR/log/mrf.log" 2>/dev/null && break; sleep 0.1; done
grep -q "Mrf ready .*SIP on 127.0.0.1:$MRF_PORT (UDP, TCP)" "$DATA_DIR/log/mrf.log" ||
  fail "the MRF is not ready on $MRF_PORT: $(tail -n 5 "$DATA_DIR/log/mrf.log")"
ss -Hlun "sport = :$MRF_PORT" | grep -q . && ss -Hltn "sport = :$MRF_PORT" | grep -q . ||
  fail "nothing listens on UDP and TCP $MRF_PORT"
curl -sSf --max-time 5 "http://127.0.0.1:$((BASE + 6))/health" > /dev/null || fail "the MRF's /health does not answer"
pass "imsbox up runs the MRF on mrf.sip_port $MRF_PORT (UDP, TCP), its /health answers"

expect_exit 0 "$IMSBOX" subscriber add --data-dir "$DATA_DIR" --impi "anna@$DOMAIN" \
  --impu "sip:anna@$DOMAIN" --k "$K" --op "$OP" --amf "$AMF"
register anna "$CALLER_PORT"
pass "anna registered"

# ---- announcements ----
dial annc uac_annc.xml "sip:annc@mrf.$DOMAIN;play=busy"
[[ "$FINAL" == "SIP/2.0 200"* ]] || fail "annc busy: final '$FINAL': $(what_happened annc)"
logged annc "bye from the MRF"
grep -q "announcement played: BYE" "$DATA_DIR/log/mrf.log" || fail "the MRF did not log the end of the announcement"
pass "annc;play=busy: 200, ACK, BYE from the MRF once the prompt was played"

dial annc-url uac_annc.xml "sip:annc@mrf.$DOMAIN;play=file:///prompts/goodbye.wav;repeat=2;delay=200"
[[ "$FINAL" == "SIP/2.0 200"* ]] || fail "annc by URL: final '$FINAL': $(what_happened annc-url)"
logged annc-url "bye from the MRF"
pass "annc;play=file:///.../goodbye.wav;repeat=2: played by the URL's base name, then BYE"

dial nosuch uac_annc.xml "sip:annc@mrf.$DOMAIN;play=nosuch"
[[ "$FINAL" == "SIP/2.0 404"* ]] || fail "play=nosuch: final '$FINAL': $(what_happened nosuch)"
dial noplay uac_annc.xml "sip:annc@mrf.$DOMAIN"
[[ "$FINAL" == "SIP/2.0 400"* ]] || fail "annc without play: final '$FINAL': $(what_happened noplay)"
dial unknown uac_annc.xml "sip:conference@mrf.$DOMAIN"
[[ "$FINAL" == "SIP/2.0 404"* ]] || fail "an unknown service: final '$FINAL': $(what_happened unknown)"
pass "play=nosuch: 404; annc without play: 400; sip:conference@mrf: 404"

dial early uac_annc.xml "sip:annc@mrf.$DOMAIN;play=barred;early=603"
logged early "early: 183 P-Early-Media: sendonly m=audio"
[[ "$FINAL" == "SIP/2.0 603"* ]] || fail "early=603: final '$FINAL': $(what_happened early)"
pass "annc;early=603: 183 with P-Early-Media: sendonly and an SDP answer, then 603"

# RFC 3262: a caller that supports (or requires) 100rel gets the 183 reliably and PRACKs it through the box
for rel in Supported Require; do
  dial "early-$rel" uac_annc_100rel.xml "sip:annc@mrf.$DOMAIN;play=barred;early=603" -key rel "$rel"
  logged "early-$rel" "early: 183 P-Early-Media: sendonly Require: 100rel RSeq: [0-9]* m=audio"
  logged "early-$rel" "prack: 200 CSeq: 2 PRACK"
  [[ "$FINAL" == "SIP/2.0 603"* ]] || fail "early=603 with $rel: 100rel: final '$FINAL': $(what_happened "early-$rel")"
done
pass "annc;early=603 to a caller with Supported: 100rel, then Require: 100rel: a reliable 183 (Require: 100rel, RSeq), PRACK through the box answered 200, then 603"

# ---- echo ----
dial echo uac_echo.xml "sip:echo@mrf.$DOMAIN"
[[ "$FINAL" == "SIP/2.0 200"* ]] || fail "echo: final '$FINAL': $(what_happened echo)"
logged echo "reinvite: 200 m=audio"
logged echo "bye: 200"
pass "echo: answered, a re-INVITE answered with SDP, the caller's BYE"

# ---- IVR ----
cat > "$DATA_DIR/main.menu" <<MENU
prompt = menu-main
choice 1 = play welcome
choice 2 = transfer sip:bert@$DOMAIN
choice 9 = hangup
MENU
expect_exit 0 "$IMSBOX" ivr add main "$DATA_DIR/main.menu" --data-dir "$DATA_DIR"
expect_exit 0 "$IMSBOX" ivr show main --data-dir "$DATA_DIR"
expect_out "choice 2 = transfer sip:bert@$DOMAIN"
expect_exit 1 "$IMSBOX" ivr add bad "$HERE/uac_annc.xml" --data-dir "$DATA_DIR"
expect_out "line 1"
dial nomenu uac_annc.xml "sip:ivr@mrf.$DOMAIN;menu=none"
[[ "$FINAL" == "SIP/2.0 404"* ]] || fail "an unknown menu: final '$FINAL': $(what_happened nomenu)"
pass "imsbox ivr add/show stores a menu, refuses a bad one naming the line; an unknown menu: 404"

dial ivr-hangup uac_ivr_hangup.xml "sip:ivr@mrf.$DOMAIN;menu=main" -key digit 9
[[ "$FINAL" == "SIP/2.0 200"* ]] || fail "ivr: final '$FINAL': $(what_happened ivr-hangup)"
logged ivr-hangup "info: 200"
logged ivr-hangup "bye from the MRF"
grep -q "digit 9" "$DATA_DIR/log/mrf.log" || fail "the MRF did not take the INFO digit: $(tail -n 5 "$DATA_DIR/log/mrf.log")"
pass "ivr;menu=main: INFO digit 9 (dtmf-relay) answered 200, goodbye, BYE from the MRF"

# a wrong digit plays invalid-choice and the menu again; silence then ends the call (retries = 1)
cat > "$DATA_DIR/short.menu" <<MENU
prompt = busy
choice 1 = play welcome
timeout_ms = 1000
retries = 1
MENU
expect_exit 0 "$IMSBOX" ivr add short "$DATA_DIR/short.menu" --data-dir "$DATA_DIR"
dial ivr-wrong uac_ivr_hangup.xml "sip:ivr@mrf.$DOMAIN;menu=short" -key digit 5
[[ "$FINAL" == "SIP/2.0 200"* ]] || fail "ivr wrong digit: final '$FINAL': $(what_happened ivr-wrong)"
logged ivr-wrong "bye from the MRF"
CALL_ID=$(grep -o '1-[0-9]*@127.0.0.1' "$SIPP/ivr-wrong.msg" | head -1)
STORY=$(grep -F "call_id=$CALL_ID " "$DATA_DIR/log/mrf.log" | sed -n 's/.*call_id=[^ ]* //p' |
  grep -E '^(digit|ivr:)' | paste -sd'|' -)
[ "$STORY" = "ivr: busy|digit 5|ivr: invalid-choice|ivr: busy|ivr: no (further) digit in time|ivr: hang up after goodbye" ] ||
  fail "ivr wrong digit then silence: the MRF did '$STORY': $(grep -F "$CALL_ID" "$DATA_DIR/log/mrf.log")"
pass "ivr;menu=short: a wrong digit (INFO 5) -> invalid-choice, the menu again; silence -> goodbye and BYE"

# an offer with no codec the MRF speaks (G.729 only): 488
sed -e 's|RTP/AVP 0 101|RTP/AVP 18|' -e 's|a=rtpmap:0 PCMU/8000|a=rtpmap:18 G729/8000|' -e '/telephone-event/d' \
  "$HERE/uac_annc.xml" > "$DATA_DIR/uac_g729.xml"
grep -q 'RTP/AVP 18$' "$DATA_DIR/uac_g729.xml" || fail "the G.729 scenario was not made"
sipp_run g729 "$CALLER_PORT" "$DATA_DIR/uac_g729.xml" -s mrf -key caller anna -key ruri "sip:echo@mrf.$DOMAIN" ||
  fail "g729: the caller's sipp failed: $(what_happened g729)"
FINAL=$(sed -n 's/^final: //p' "$SIPP/g729.log" | head -1)
[[ "$FINAL" == "SIP/2.0 488"* ]] || fail "echo offered G.729 only: final '$FINAL': $(what_happened g729)"
pass "echo offered only G.729: 488 Not Acceptable Here"

dial ivr-transfer uac_ivr_transfer.xml "sip:ivr@mrf.$DOMAIN;menu=main" -key digit 2
logged ivr-transfer "refer: Refer-To: <sip:bert@$DOMAIN>"
logged ivr-transfer "notify: 200"
logged ivr-transfer "bye from the MRF"
pass "ivr;menu=main: INFO digit 2 -> REFER to sip:bert@$DOMAIN, 202, NOTIFY 200 sipfrag, the MRF leaves with BYE"

# ---- IVR menus through the HSS's provisioning API (curl) ----
API="http://127.0.0.1:$((BASE + 8))/v1"
# rest METHOD PATH [JSON]: STATUS and the body in $DATA_DIR/api.out
rest() {
  local body=()
  [ $# -ge 3 ] && body=(-H 'Content-Type: application/json' -d "$3")
  STATUS=$(curl -sS -o "$DATA_DIR/api.out" -w '%{http_code}' -X "$1" -H "Authorization: Bearer $API_TOKEN" \
    "${body[@]}" "$API$2") || fail "$1 $2: curl failed"
}
rest GET /ivr-menus/main
[ "$STATUS" = 200 ] && grep -q "\"2\":\"transfer sip:bert@$DOMAIN\"" "$DATA_DIR/api.out" ||
  fail "GET /v1/ivr-menus/main: $STATUS $(cat "$DATA_DIR/api.out")"
rest PUT /ivr-menus/main '{"prompt": "menu-main", "choices": {"7": "transfer sip:carl@'$DOMAIN'", "2": "transfer ftp://x"}}'
[ "$STATUS" = 400 ] && grep -q "field 'choices.2': transfer needs a sip:, sips: or tel: URI" "$DATA_DIR/api.out" ||
  fail "a bad menu: $STATUS $(cat "$DATA_DIR/api.out")"
expect_exit 0 "$IMSBOX" ivr show main --data-dir "$DATA_DIR"
expect_out "choice 2 = transfer sip:bert@$DOMAIN"
rest GET /ivr-menus/main
grep -q "choice 7" "$DATA_DIR/api.out" && fail "the bad menu was stored: $(cat "$DATA_DIR/api.out")"
# replaced: 7 transfers to carl now, 2 is gone; the MRF reads it on the next call
rest PUT /ivr-menus/main '{"prompt": "menu-main", "choices": {"7": "transfer sip:carl@'$DOMAIN'", "9": "hangup"}}'
[ "$STATUS" = 200 ] || fail "PUT /v1/ivr-menus/main: $STATUS $(cat "$DATA_DIR/api.out")"
expect_exit 0 "$IMSBOX" ivr show main --data-dir "$DATA_DIR"
expect_out "choice 7 = transfer sip:carl@$DOMAIN"
dial ivr-rest uac_ivr_transfer.xml "sip:ivr@mrf.$DOMAIN;menu=main" -key digit 7
logged ivr-rest "refer: Refer-To: <sip:carl@$DOMAIN>"
logged ivr-rest "bye from the MRF"
pass "REST: GET /v1/ivr-menus/main; a bad PUT is 400 with the reason and stores nothing; a PUT replaces the menu and the next call takes it (digit 7 -> REFER to carl)"

rest PUT /ivr-menus/rest '{"definition": "prompt = menu-main\nchoice 9 = hangup\n"}'
[ "$STATUS" = 201 ] || fail "PUT /v1/ivr-menus/rest: $STATUS $(cat "$DATA_DIR/api.out")"
rest GET /ivr-menus
grep -q '"name":"main"' "$DATA_DIR/api.out" && grep -q '"name":"rest"' "$DATA_DIR/api.out" ||
  fail "GET /v1/ivr-menus: $(cat "$DATA_DIR/api.out")"
expect_exit 0 "$IMSBOX" ivr list --data-dir "$DATA_DIR"
expect_out "rest  prompt menu-main, choices 9"
rest DELETE /ivr-menus/rest
[ "$STATUS" = 204 ] || fail "DELETE /v1/ivr-menus/rest: $STATUS $(cat "$DATA_DIR/api.out")"
dial rest-gone uac_annc.xml "sip:ivr@mrf.$DOMAIN;menu=rest"
[[ "$FINAL" == "SIP/2.0 404"* ]] || fail "a deleted menu: final '$FINAL': $(what_happened rest-gone)"
rest DELETE /ivr-menus/rest
[ "$STATUS" = 404 ] || fail "DELETE of a deleted menu: $STATUS $(cat "$DATA_DIR/api.out")"
pass "REST: PUT with a definition text (201), GET /v1/ivr-menus lists both, DELETE (204): the next call to it is 404"

expect_exit 0 "$IMSBOX" ivr del main --data-dir "$DATA_DIR"
expect_exit 0 "$IMSBOX" down --data-dir "$DATA_DIR"
