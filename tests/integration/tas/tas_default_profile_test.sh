#!/usr/bin/env bash
# The box's own MMTEL service profile (issue 18): `imsbox up` with no iFC
# made by hand, and
#   * the application server `tas` names the TAS (sip:127.0.0.1:tas.sip_port,
#     SESSION_CONTINUED), the profile `mmtel` sends INVITEs to it, and the
#     demo subscribers have it;
#   * subscribers added by the CLI get it (--service-profile NAME|none
#     overrides it, an unknown name is refused), those added by REST too
#     ("service_profile": null: none; an unknown one: 400);
#   * two sipp IMS-AKA UEs with it call each other: the S-CSCF sends the
#     INVITE to the TAS originating and terminating (its log, the TAS's
#     /metrics); a callee who is not registered is sent to it as well
#     (TERMINATING_UNREGISTERED, then 480); two UEs added with no profile
#     call each other without the TAS;
#   * the operator's edit of the profile survives `imsbox down` / `up`
#     (and is what the next call follows), while the application server's
#     server name follows the config again.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/tas_lib.sh"

ANNA_PORT=$((BASE + 16)) BERT_PORT=$((BASE + 17)) CARL_PORT=$((BASE + 18)) DORA_PORT=$((BASE + 19))
TAS_URI="sip:127.0.0.1:$TAS_PORT"
SCSCF_LOG="$DATA_DIR/log/scscf.log"

# get PATH: the API's JSON answer to GET PATH (lib.sh's api: 2xx or the test fails)
get() { api GET "$1" ""; cat "$DATA_DIR/api.out"; }
# json EXPR: EXPR (Python, over the JSON document `d`) of the JSON on stdin
json() { python3 -c "import json, sys; d = json.load(sys.stdin); print(json.dumps($1))"; }
profile_of() { get "/public-identities/$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$1")" | json 'd["service_profile"]'; }
# ifc_lines SINCE: the S-CSCF's iFC lines from line SINCE of its log on
ifc_lines() { tail -n +"$1" "$SCSCF_LOG" | grep -F ": iFC " || true; }

# ---- the box: the profile made by `imsbox up` ----
tas_box_start
expect_out "created the service profile mmtel (INVITEs to the TAS at $TAS_URI)"
as=$(get /application-servers/tas)
[ "$(json 'd["server_name"]' <<<"$as")" = "\"$TAS_URI\"" ] && [ "$(json 'd["default_handling"]' <<<"$as")" = '"SESSION_CONTINUED"' ] ||
  fail "the application server tas: $as"
ifcs=$(get /service-profiles/mmtel | json 'd["ifcs"]')
[ "$(json '[(i["priority"], i["application_server"], i["profile_part_indicator"]) for i in d]' <<<"$ifcs")" = '[[0, "tas", null]]' ] ||
  fail "the mmtel profile's iFCs: $ifcs"
[ "$(json 'sorted((s["group"], s.get("method"), s.get("session_case")) for s in d[0]["trigger_point"]["spt"])' <<<"$ifcs")" = \
  '[[0, "INVITE", null], [1, null, 0], [1, null, 1], [1, null, 2], [1, null, 4]]' ] ||
  fail "the mmtel iFC's trigger point is not INVITE and session case 0, 1, 2 or 4: $ifcs"
for impu in "sip:alice@$DOMAIN" "tel:+15550001" "sip:001010000000001@$DOMAIN"; do
  [ "$(profile_of "$impu")" = '"mmtel"' ] || fail "demo identity $impu: service profile $(profile_of "$impu")"
done
pass "imsbox up made the application server tas ($TAS_URI, SESSION_CONTINUED) and the profile mmtel (INVITE, session cases 0/1/2/4); the demo subscribers have it"

# ---- subscribers: CLI and REST, default, named, none, unknown ----
for user in anna bert erin; do
  expect_exit 0 "$IMSBOX" subscriber add --data-dir "$DATA_DIR" --impi "$user@$DOMAIN" --impu "sip:$user@$DOMAIN" \
    --k "$K" --op "$OP" --amf "$AMF"
  expect_out "added $user@$DOMAIN (service profile mmtel)"
done
expect_exit 0 "$IMSBOX" subscriber add --data-dir "$DATA_DIR" --impi "fred@$DOMAIN" --impu "sip:fred@$DOMAIN" \
  --password fred-secret --service-profile none
expect_out "added fred@$DOMAIN (no service profile)"
[ "$(profile_of "sip:fred@$DOMAIN")" = null ] || fail "fred (--service-profile none) has $(profile_of "sip:fred@$DOMAIN")"
expect_exit 1 "$IMSBOX" subscriber add --data-dir "$DATA_DIR" --impi "gus@$DOMAIN" --impu "sip:gus@$DOMAIN" \
  --password gus-secret --service-profile platinum
expect_out "imsbox: --service-profile: no service profile 'platinum'"
expect_exit 1 "$IMSBOX" subscriber show --data-dir "$DATA_DIR" "gus@$DOMAIN"
expect_exit 0 "$IMSBOX" subscriber show --data-dir "$DATA_DIR" "anna@$DOMAIN"
expect_out "impu: sip:anna@$DOMAIN  (service profile mmtel)"
for user in carl dora; do
  api POST /subscribers "{\"impi\": \"$user@$DOMAIN\", \"impus\": [\"sip:$user@$DOMAIN\"], \"k\": \"$K\", \"op\": \"$OP\",
    \"amf\": \"$AMF\", \"service_profile\": null}"
  [ "$(profile_of "sip:$user@$DOMAIN")" = null ] || fail "$user (\"service_profile\": null) has $(profile_of "sip:$user@$DOMAIN")"
done
status=$(curl -sS -o "$DATA_DIR/api.out" -w '%{http_code}' -X POST -H "Authorization: Bearer $API_TOKEN" \
  -d "{\"impi\": \"gus@$DOMAIN\", \"impus\": [\"sip:gus@$DOMAIN\"], \"password\": \"pw\", \"service_profile\": \"platinum\"}" \
  "$API/subscribers")
[ "$status" = 400 ] && grep -qF "field 'service_profile': no service profile 'platinum'" "$DATA_DIR/api.out" ||
  fail "REST with an unknown service profile: $status $(cat "$DATA_DIR/api.out")"
pass "CLI: anna, bert, erin got mmtel by default, fred none (--service-profile none), platinum refused (exit 1); REST: carl and dora none (null), platinum 400"

# ---- calls: through the TAS with the profile, around it without ----
register anna "$ANNA_PORT"
register bert "$BERT_PORT"
register carl "$CARL_PORT"
register dora "$DORA_PORT"
since=$(($(wc -l < "$SCSCF_LOG") + 1))
received=$(tas_udp_count received) sent=$(tas_udp_count sent)
peer through-bert bert "$BERT_PORT" "$CALLS/uas.xml"
dial through-anna anna "$ANNA_PORT" "sip:bert@$DOMAIN" "$CALLS/uac.xml"
peers_done through-anna
[[ "$FINAL" == "SIP/2.0 200 OK"* ]] || fail "anna -> bert: anna got '$FINAL': $(what_happened through-anna through-bert)"
grep -q '^bye: 200' "$SIPP/through-anna.log" || fail "anna -> bert: no 200 to the BYE: $(what_happened through-anna through-bert)"
for side in "originating for sip:anna@$DOMAIN" "terminating for sip:bert@$DOMAIN"; do
  ifc_lines "$since" | grep -q "INVITE sip:bert@$DOMAIN: $side: iFC 0 to $TAS_URI" ||
    fail "anna -> bert: the S-CSCF did not send the INVITE to the TAS ($side): $(ifc_lines "$since")"
done
received2=$(tas_udp_count received) sent2=$(tas_udp_count sent)
# two INVITEs in, two out (and their ACK/BYE when the TAS record-routes): at least 2 each way
[ $((received2 - received)) -ge 2 ] && [ $((sent2 - sent)) -ge 2 ] ||
  fail "anna -> bert: the TAS received $((received2 - received)) and sent $((sent2 - sent)) SIP messages"
pass "anna -> bert with the default profile: the S-CSCF sent the INVITE to the TAS originating and terminating (iFC 0 to $TAS_URI), the TAS took and forwarded both ($((received2 - received)) in, $((sent2 - sent)) out), answered and released"

since=$(($(wc -l < "$SCSCF_LOG") + 1))
dial unregistered anna "$ANNA_PORT" "sip:erin@$DOMAIN" "$CALLS/uac.xml"
[[ "$FINAL" == "SIP/2.0 480"* ]] || fail "anna -> erin (not registered): anna got '$FINAL': $(what_happened unregistered)"
ifc_lines "$since" | grep -q "INVITE sip:erin@$DOMAIN: terminating (unregistered) for sip:erin@$DOMAIN: iFC 0 to $TAS_URI" ||
  fail "anna -> erin: the S-CSCF did not send the INVITE to the TAS as TERMINATING_UNREGISTERED: $(ifc_lines "$since")"
pass "anna -> erin, not registered: to the TAS as terminating (unregistered), then 480"

since=$(($(wc -l < "$SCSCF_LOG") + 1))
received=$(tas_udp_count received)
peer bare-dora dora "$DORA_PORT" "$CALLS/uas.xml"
dial bare-carl carl "$CARL_PORT" "sip:dora@$DOMAIN" "$CALLS/uac.xml"
peers_done bare-carl
[[ "$FINAL" == "SIP/2.0 200 OK"* ]] || fail "carl -> dora: carl got '$FINAL': $(what_happened bare-carl bare-dora)"
grep -q "INVITE sip:dora@$DOMAIN" <(tail -n +"$since" "$SCSCF_LOG") || fail "carl -> dora: not in the S-CSCF's log"
[ -z "$(ifc_lines "$since")" ] || fail "carl -> dora (no profile): the S-CSCF applied iFCs: $(ifc_lines "$since")"
[ "$(tas_udp_count received)" = "$received" ] || fail "carl -> dora (no profile): the TAS received SIP messages"
pass "carl -> dora, added by REST with \"service_profile\": null: answered without the TAS (no iFC, no message to it)"

# ---- the operator's edit survives a restart; the server name follows the config ----
api PUT /service-profiles/mmtel '{"ifcs": [{"priority": 3, "application_server": "tas",
  "trigger_point": {"cnf": true, "spt": [{"group": 0, "method": "INVITE"}, {"group": 1, "session_case": 0}]}}]}'
api PUT /application-servers/tas '{"server_name": "sip:127.0.0.1:9", "default_handling": "SESSION_TERMINATED"}'
expect_exit 0 "$IMSBOX" down --data-dir "$DATA_DIR"
tas_box_start
grep -q "created the service profile" <<<"$OUT" && fail "imsbox up made the profile again: $OUT"
expect_out "the application server tas is now $TAS_URI"
ifcs=$(get /service-profiles/mmtel | json 'd["ifcs"]')
[ "$(json '[(i["priority"], len(i["trigger_point"]["spt"])) for i in d]' <<<"$ifcs")" = '[[3, 2]]' ] ||
  fail "the operator's mmtel profile did not survive the restart: $ifcs"
as=$(get /application-servers/tas)
[ "$(json '(d["server_name"], d["default_handling"])' <<<"$as")" = "[\"$TAS_URI\", \"SESSION_TERMINATED\"]" ] ||
  fail "after the restart, the application server tas: $as"
register anna "$ANNA_PORT"
register bert "$BERT_PORT"
since=$(($(wc -l < "$SCSCF_LOG") + 1))
peer edited-bert bert "$BERT_PORT" "$CALLS/uas.xml"
dial edited-anna anna "$ANNA_PORT" "sip:bert@$DOMAIN" "$CALLS/uac.xml"
peers_done edited-anna
[[ "$FINAL" == "SIP/2.0 200 OK"* ]] || fail "after the restart, anna -> bert: anna got '$FINAL': $(what_happened edited-anna edited-bert)"
ifc_lines "$since" | grep -q "INVITE sip:bert@$DOMAIN: originating for sip:anna@$DOMAIN: iFC 0 to $TAS_URI" ||
  fail "after the restart: anna's INVITE did not go to the TAS: $(ifc_lines "$since")"
ifc_lines "$since" | grep -q "terminating for sip:bert@$DOMAIN" &&
  fail "after the restart: the edited profile (originating only) sent bert's terminating INVITE to an AS: $(ifc_lines "$since")"
pass "the operator's mmtel (originating only, priority 3) and default handling survived imsbox down/up and the next call follows it; the server name is $TAS_URI again"
