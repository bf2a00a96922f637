#!/usr/bin/env bash
# Calls through the whole chain (issue 6): `imsbox up` on a test data dir;
# two sipp UEs register with IMS-AKA through the P-CSCF, then one calls the
# other over UDP: P-CSCF -> S-CSCF (originating) -> I-CSCF (LIR) -> S-CSCF
# (terminating) -> P-CSCF -> UE, and back along the Record-Route:
#   * an answered call, ACK and BYE from the caller;
#   * a call the caller cancels while it rings: 200 to the CANCEL, 487;
#   * a call with a reliable 183 and PRACK (RFC 3262);
#   * a busy callee: 486 back to the caller;
#   * an unknown callee: 404; a known but unregistered one: 480;
#   * inside a dialog: a session timer (RFC 4028) negotiated end to end, a
#     re-INVITE (hold), an UPDATE (resume), a BYE from the callee;
#   * out of dialog: pager-mode MESSAGE (RFC 3428) and OPTIONS to a user;
#   * iFCs (TS 24.229 §5.4.3.2): dora's INVITEs go to an application server
#     (sip-test-proxy, record-routing) and come back with their ODI; emil's
#     go to a silent AS with SESSION_CONTINUED (skipped after
#     scscf.as_timeout_ms), fred's to a silent one with SESSION_TERMINATED
#     (408); gina, never registered, has a terminating-unregistered iFC
#     (a voicemail AS, a sipp UAS that answers): her calls reach it (LIR
#     2003, SAR UNREGISTERED_USER);
#   * the callee deregistered by the HSS mid-call: its P-CSCF releases the
#     dialog with a BYE to it and one toward the caller (TS 24.229 §5.2.8.1.2);
#   * the S-CSCF killed: restarted, its reg-event subscriptions come back from
#     the store, so anna's deregistration still NOTIFYs the P-CSCF.
source "$(dirname "$0")/../lib.sh"

HERE="$SOURCE_DIR/tests/integration/calls"
REGISTER="$SOURCE_DIR/tests/integration/registration/register_aka.xml"
DOMAIN=it.example.org
BASE=$(free_port_base)
PCSCF_PORT=$((BASE + 10))
CALLER_PORT=$((BASE + 16))
CALLEE_PORT=$((BASE + 17))
AS_PORT=$((BASE + 18))
SILENT_AS_PORT=$((BASE + 19))
VOICEMAIL_PORT=$((BASE + 20))
API="http://127.0.0.1:$((BASE + 8))/v1"
source "$SOURCE_DIR/tests/integration/sipp_lib.sh"

what_happened() {
  sipp_story "$@"
  tail -n 8 "$DATA_DIR"/log/{pcscf,icscf,scscf}.log 2>/dev/null
}
# call NAME CALLEE [UAS_SCENARIO [UAC_SCENARIO]]: the caller ($CALLER, anna
# unless set, on CALLER_PORT) calls sip:CALLEE@D (with uac.xml or
# UAC_SCENARIO; uac.xml calls $RURI instead when set); with a UAS scenario, a
# callee UE answers on CALLEE_PORT with it. Sets FINAL (the caller's final
# status line).
call() {
  local name=$1 callee=$2 uas=${3:-} uac=${4:-uac.xml} uas_pid=""
  if [ -n "$uas" ]; then
    sipp_run "$name-callee" "$CALLEE_PORT" "$HERE/$uas" -s "$callee" &
    uas_pid=$!
    sleep 0.5  # its socket bound
  fi
  sipp_run "$name-caller" "${CALLER_PORT}" "$HERE/$uac" -s "$callee" -key caller "${CALLER:-anna}" \
    -key ruri "${RURI:-sip:$callee@$DOMAIN}" ||
    fail "$name: the caller's sipp failed: $(what_happened "$name-caller" ${uas:+"$name-callee"})"
  if [ -n "$uas_pid" ]; then
    wait "$uas_pid" || fail "$name: the callee's sipp failed: $(what_happened "$name-caller" "$name-callee")"
  fi
  FINAL=$(sed -n 's/^final: //p' "$SIPP/$name-caller.log" | head -1)
}

# an_as_profile PROFILE AS PORT HANDLING: application server AS at
# 127.0.0.1:PORT and a service profile whose iFC sends originating INVITEs to it
an_as_profile() {
  api PUT "/application-servers/$2" "{\"server_name\": \"sip:127.0.0.1:$3\", \"default_handling\": \"$4\"}"
  api PUT "/service-profiles/$1" "{\"ifcs\": [{\"priority\": 1, \"application_server\": \"$2\",
    \"trigger_point\": {\"cnf\": true, \"spt\": [{\"group\": 0, \"method\": \"INVITE\"}, {\"group\": 1, \"session_case\": 0}]}}]}"
}

# ---- the box ----
write_config "$BASE"
sed -i "/^\[scscf\]/a as_timeout_ms = 1000" "$DATA_DIR/imsbox.conf"
expect_exit 0 "$IMSBOX" up --data-dir "$DATA_DIR"
wait_for_cx "$DOMAIN" || fail "the I-CSCF and the S-CSCF did not connect to the HSS"
for user in anna bert cora dora emil fred gina; do  # alice and bob are the demo (password) subscribers of up
  expect_exit 0 "$IMSBOX" subscriber add --data-dir "$DATA_DIR" --impi "$user@$DOMAIN" \
    --impu "sip:$user@$DOMAIN" --k "$K" --op "$OP" --amf "$AMF"
done
expect_exit 0 "$IMSBOX" subscriber set --data-dir "$DATA_DIR" "bert@$DOMAIN" --add-impu tel:+15550077
pass "up, with AKA subscribers anna, bert (also tel:+15550077), cora, dora, emil, fred and gina"

register anna "$CALLER_PORT"
register bert "$CALLEE_PORT"
pass "anna and bert registered (cora is not)"

# ---- an answered call ----
call answered bert uas.xml
[[ "$FINAL" == "SIP/2.0 200 OK"* ]] || fail "answered call: the caller got '$FINAL': $(what_happened answered-caller answered-callee)"
grep -q '^bye: 200' "$SIPP/answered-caller.log" || fail "answered call: no 200 to the BYE: $(what_happened answered-caller answered-callee)"
callee_log=$(sipp_log answered-callee)
grep -q "^invite: INVITE sip:bert@127.0.0.1:$CALLEE_PORT " <<<"$callee_log" ||
  fail "answered call: the INVITE did not reach bert's contact: $callee_log"
grep -q "P-Asserted-Identity: *<sip:anna@$DOMAIN>" <<<"$callee_log" ||
  fail "answered call: bert did not see anna asserted: $callee_log"
grep -q "P-Charging-Vector: *icid-value=" <<<"$callee_log" || fail "answered call: no icid: $callee_log"
grep -q '^ack' <<<"$callee_log" || fail "answered call: the ACK did not reach bert: $callee_log"
grep -q '^bye' <<<"$callee_log" || fail "answered call: the BYE did not reach bert: $callee_log"
grep -q "LIR sip:bert@$DOMAIN" "$DATA_DIR/log/hss.log" || fail "answered call: no LIR at the HSS"
pass "answered call anna -> bert: INVITE at bert's contact with anna asserted and an icid, 200, ACK and BYE end to end, LIR at the HSS"

# ---- a call cancelled while it rings ----
call cancelled bert uas_cancel.xml uac_cancel.xml
[[ "$FINAL" == "SIP/2.0 487"* ]] || fail "cancelled call: the caller got '$FINAL': $(what_happened cancelled-caller cancelled-callee)"
grep -q '^cancel: SIP/2.0 200' "$SIPP/cancelled-caller.log" || fail "cancelled call: no 200 to the CANCEL: $(sipp_log cancelled-caller)"
grep -q '^cancel' "$SIPP/cancelled-callee.log" || fail "cancelled call: the CANCEL did not reach bert: $(sipp_log cancelled-callee)"
pass "cancelled call: CANCEL answered 200 and passed on to bert, 487 back to the caller, ACKed"

# ---- reliable provisional responses ----
call prack bert uas_prack.xml uac_prack.xml
[[ "$FINAL" == "SIP/2.0 200 OK"* ]] || fail "PRACK call: the caller got '$FINAL': $(what_happened prack-caller prack-callee)"
grep -q '^prack: SIP/2.0 200 OK (2 PRACK)' "$SIPP/prack-caller.log" || fail "PRACK call: $(what_happened prack-caller prack-callee)"
grep -q '^prack: *1 1 INVITE' "$SIPP/prack-callee.log" || fail "PRACK call: bert's PRACK: $(sipp_log prack-callee)"
grep -q '^bye' "$SIPP/prack-callee.log" || fail "PRACK call: no BYE at bert: $(sipp_log prack-callee)"
pass "call with 100rel: reliable 183, PRACK end to end (RAck 1 1 INVITE), 200, ACK, BYE"

# ---- a busy callee ----
call busy bert uas_busy.xml
[[ "$FINAL" == "SIP/2.0 486"* ]] || fail "busy callee: the caller got '$FINAL': $(what_happened busy-caller busy-callee)"
pass "busy callee: 486 back to the caller"

# ---- unknown and unregistered callees ----
call unknown nobody
[[ "$FINAL" == "SIP/2.0 404"* ]] || fail "unknown callee: the caller got '$FINAL': $(what_happened unknown-caller)"
pass "unknown callee: 404"
call unregistered cora
[[ "$FINAL" == "SIP/2.0 480"* ]] || fail "unregistered callee: the caller got '$FINAL': $(what_happened unregistered-caller)"
pass "unregistered callee: 480"

# ---- telephone numbers: tel: and sip:...;user=phone reach the IMPU's registration ----
RURI="tel:+1-555-0077" call tel bert uas.xml
[[ "$FINAL" == "SIP/2.0 200 OK"* ]] || fail "call to tel:+1-555-0077: the caller got '$FINAL': $(what_happened tel-caller tel-callee)"
grep -q "^invite: INVITE sip:bert@127.0.0.1:$CALLEE_PORT " "$SIPP/tel-callee.log" || fail "tel: call not at bert: $(sipp_log tel-callee)"
grep -q "LIR tel:+15550077" "$DATA_DIR/log/hss.log" || fail "no LIR for tel:+15550077 at the HSS"
RURI="sip:+15550077@$DOMAIN;user=phone" call user-phone bert uas.xml
[[ "$FINAL" == "SIP/2.0 200 OK"* ]] || fail "call to sip:+15550077@$DOMAIN;user=phone: the caller got '$FINAL': $(what_happened user-phone-caller user-phone-callee)"
grep -q "^invite: INVITE sip:bert@127.0.0.1:$CALLEE_PORT " "$SIPP/user-phone-callee.log" || fail "user=phone call not at bert: $(sipp_log user-phone-callee)"
RURI="tel:+15550078" call unknown-number nobody
[[ "$FINAL" == "SIP/2.0 404"* ]] || fail "call to an unknown number: the caller got '$FINAL': $(what_happened unknown-number-caller)"
pass "bert's number: tel:+1-555-0077 and sip:+15550077@$DOMAIN;user=phone both reach his contact (LIR tel:+15550077); an unknown number 404"

# ---- inside a dialog: session timer, re-INVITE (hold), UPDATE (resume), BYE from the callee ----
call dialog bert uas_dialog.xml uac_dialog.xml
[[ "$FINAL" == "SIP/2.0 200 OK | Session-Expires: 1800;refresher=uac" ]] ||
  fail "dialog: the caller got '$FINAL': $(what_happened dialog-caller dialog-callee)"
grep -q '^invite: .*| Session-Expires: 1800$' "$SIPP/dialog-callee.log" || fail "dialog: no session timer at bert: $(sipp_log dialog-callee)"
grep -q '^reinvite: a=sendonly' "$SIPP/dialog-callee.log" && grep -q '^reinvite: 200 a=recvonly' "$SIPP/dialog-caller.log" ||
  fail "dialog: re-INVITE (hold): $(what_happened dialog-caller dialog-callee)"
grep -q '^update: a=sendrecv' "$SIPP/dialog-callee.log" && grep -q '^update: 200 a=sendrecv' "$SIPP/dialog-caller.log" ||
  fail "dialog: UPDATE (resume): $(what_happened dialog-caller dialog-callee)"
grep -q '^bye$' "$SIPP/dialog-caller.log" && grep -q '^bye: 200' "$SIPP/dialog-callee.log" ||
  fail "dialog: BYE from the callee: $(what_happened dialog-caller dialog-callee)"
pass "in a dialog: Session-Expires both ways, re-INVITE with a=sendonly (hold) answered recvonly, UPDATE back to sendrecv, BYE from the callee"

# ---- out of any dialog: MESSAGE and OPTIONS ----
call pager bert uas_pager.xml uac_pager.xml
grep -q '^message: SIP/2.0 200' "$SIPP/pager-caller.log" && grep -q '^options: SIP/2.0 200 OK | Allow: INVITE' "$SIPP/pager-caller.log" ||
  fail "MESSAGE/OPTIONS: $(what_happened pager-caller pager-callee)"
grep -q "^message: MESSAGE sip:bert@127.0.0.1:$CALLEE_PORT .*| Hello through the IMS core | P-Asserted-Identity: *<sip:anna@$DOMAIN>" \
  "$SIPP/pager-callee.log" || fail "MESSAGE at bert: $(sipp_log pager-callee)"
grep -q "^options: OPTIONS sip:bert@127.0.0.1:$CALLEE_PORT " "$SIPP/pager-callee.log" || fail "OPTIONS at bert: $(sipp_log pager-callee)"
pass "pager-mode MESSAGE (text, anna asserted) and OPTIONS reach bert's contact and are answered 200"

# ---- iFCs: application servers on the originating side ----
"$BIN/sip-test-proxy" --udp "127.0.0.1:$AS_PORT" --record-route > "$DATA_DIR/as.log" 2>&1 &
AS_PID=$!
for _ in $(seq 1 50); do grep -q ready "$DATA_DIR/as.log" && break; sleep 0.1; done
grep -q ready "$DATA_DIR/as.log" || fail "the test AS did not start: $(cat "$DATA_DIR/as.log")"
an_as_profile via-as proxy-as "$AS_PORT" SESSION_CONTINUED
an_as_profile silent-continued silent-as "$SILENT_AS_PORT" SESSION_CONTINUED
an_as_profile silent-terminated silent-as-2 "$SILENT_AS_PORT" SESSION_TERMINATED
api PUT "/public-identities/sip%3Adora%40$DOMAIN" '{"service_profile": "via-as"}'
api PUT "/public-identities/sip%3Aemil%40$DOMAIN" '{"service_profile": "silent-continued"}'
api PUT "/public-identities/sip%3Afred%40$DOMAIN" '{"service_profile": "silent-terminated"}'

register dora "$CALLER_PORT"
CALLER=dora call via-as bert uas.xml
[[ "$FINAL" == "SIP/2.0 200 OK"* ]] || fail "call through an AS: dora got '$FINAL': $(what_happened via-as-caller via-as-callee)"
grep -q "^record-route: .*127.0.0.1:$AS_PORT" "$SIPP/via-as-caller.log" ||
  fail "call through an AS: the AS is not in the route set: $(sipp_log via-as-caller)"
grep -q '^bye: 200' "$SIPP/via-as-caller.log" || fail "call through an AS: no 200 to the BYE: $(what_happened via-as-caller via-as-callee)"
grep -q "INVITE sip:bert@$DOMAIN: originating for sip:dora@$DOMAIN: iFC 0 to sip:127.0.0.1:$AS_PORT" "$DATA_DIR/log/scscf.log" ||
  fail "call through an AS: the S-CSCF did not send it there: $(tail -n 20 "$DATA_DIR/log/scscf.log")"
pass "originating iFC: dora's INVITE to the AS and back (ODI), answered by bert with the AS in the route set, BYE through it"

register emil "$CALLER_PORT"
sipp_run silent-as "$SILENT_AS_PORT" "$HERE/silent_as.xml" &
silent_pid=$!
sleep 0.5
started=$(date +%s%N)
CALLER=emil call skipped-as bert uas.xml
took_ms=$(( ($(date +%s%N) - started) / 1000000 ))
wait "$silent_pid" || fail "the silent AS did not get the INVITE: $(sipp_log silent-as)"
[[ "$FINAL" == "SIP/2.0 200 OK"* ]] || fail "silent AS, SESSION_CONTINUED: emil got '$FINAL': $(what_happened skipped-as-caller skipped-as-callee)"
[ "$took_ms" -ge 1000 ] || fail "silent AS, SESSION_CONTINUED: the call was not held for the AS's timeout ($took_ms ms)"
grep -q "^invite: INVITE sip:bert@$DOMAIN" "$SIPP/silent-as.log" || fail "silent AS: $(sipp_log silent-as)"
pass "silent AS with SESSION_CONTINUED: INVITE sent to it, skipped after scscf.as_timeout_ms, call answered (${took_ms} ms)"

register fred "$CALLER_PORT"
CALLER=fred call dropped-as bert
[[ "$FINAL" == "SIP/2.0 408"* ]] || fail "silent AS, SESSION_TERMINATED: fred got '$FINAL': $(what_happened dropped-as-caller)"
pass "silent AS with SESSION_TERMINATED: 408 back to the caller"

# gina is not registered; her profile sends terminating calls to a voicemail AS while she is not
api PUT "/application-servers/voicemail" "{\"server_name\": \"sip:127.0.0.1:$VOICEMAIL_PORT\", \"default_handling\": \"SESSION_CONTINUED\"}"
api PUT "/service-profiles/with-voicemail" '{"ifcs": [{"priority": 1, "application_server": "voicemail",
  "profile_part_indicator": "UNREGISTERED",
  "trigger_point": {"cnf": true, "spt": [{"group": 0, "method": "INVITE"}, {"group": 1, "session_case": 2}]}}]}'
api PUT "/public-identities/sip%3Agina%40$DOMAIN" '{"service_profile": "with-voicemail"}'
CALLEE_PORT=$VOICEMAIL_PORT call voicemail gina uas.xml
[[ "$FINAL" == "SIP/2.0 200 OK"* ]] || fail "call to unregistered gina: the caller got '$FINAL': $(what_happened voicemail-caller voicemail-callee)"
grep -q "^invite: INVITE sip:gina@$DOMAIN " "$SIPP/voicemail-callee.log" || fail "the voicemail AS did not get the INVITE: $(sipp_log voicemail-callee)"
grep -q '^bye' "$SIPP/voicemail-callee.log" || fail "no BYE at the voicemail AS: $(what_happened voicemail-caller voicemail-callee)"
grep -q "SAR sip:gina@$DOMAIN () type 3" "$DATA_DIR/log/hss.log" ||
  fail "no SAR UNREGISTERED_USER (type 3) for gina at the HSS: $(grep gina "$DATA_DIR/log/hss.log")"
grep -q "INVITE sip:gina@$DOMAIN: terminating (unregistered) for sip:gina@$DOMAIN: iFC 0 to sip:127.0.0.1:$VOICEMAIL_PORT" "$DATA_DIR/log/scscf.log" ||
  fail "the S-CSCF did not apply gina's unregistered iFC: $(grep gina "$DATA_DIR/log/scscf.log" | tail -n 5)"
pass "unregistered gina: LIR 2003, SAR UNREGISTERED_USER, her terminating-unregistered iFC sends the call to the voicemail AS, which answers"
kill "$AS_PID" 2>/dev/null || true

# ---- a registration ending mid-call: the P-CSCF releases the dialog ----
answered_before=$(grep -c "INVITE sip:bert@$DOMAIN: terminating for sip:bert@$DOMAIN: to 1 contact" "$DATA_DIR/log/scscf.log" || true)
(
  for _ in $(seq 1 100); do  # once the call reached bert, the HSS deregisters him (RTR)
    now=$(grep -c "INVITE sip:bert@$DOMAIN: terminating for sip:bert@$DOMAIN: to 1 contact" "$DATA_DIR/log/scscf.log" || true)
    [ "$now" -gt "$answered_before" ] && break
    sleep 0.1
  done
  sleep 1
  "$IMSBOX" subscriber deregister --data-dir "$DATA_DIR" "bert@$DOMAIN" --reason "mid-call test" > "$DATA_DIR/deregister.out" 2>&1
) &
deregister_pid=$!
call released bert uas.xml uac_released.xml
wait "$deregister_pid" || true
[[ "$FINAL" == "SIP/2.0 200 OK"* ]] || fail "released call: the caller got '$FINAL': $(what_happened released-caller released-callee)"
grep -q '^bye: Reason: SIP;cause=480;text="Registration ended"' "$SIPP/released-caller.log" ||
  fail "released call: no BYE with a Reason at the caller: $(what_happened released-caller released-callee) $(cat "$DATA_DIR/deregister.out")"
grep -q '^bye' "$SIPP/released-callee.log" || fail "released call: no BYE at bert: $(what_happened released-caller released-callee)"
grep -q "dialog of sip:bert@127.0.0.1:$CALLEE_PORT released (Registration ended): BYE to the UE sent, toward the network sent" \
  "$DATA_DIR/log/pcscf.log" || fail "released call: $(grep -i 'released\|BYE' "$DATA_DIR/log/pcscf.log" | tail -n 5)"
pass "bert deregistered by the HSS mid-call: his P-CSCF sent BYE to him and toward anna (Reason: SIP;cause=480), both answered"

# ---- call detail records ----
sleep 0.5  # the S-CSCF stores its records within 100 ms
CALLS=$("$IMSBOX" calls --data-dir "$DATA_DIR") || fail "imsbox calls failed: $CALLS"
cdr() {  # cdr NAME CALLEE REGEX: the record of the caller's Call-ID in NAME-caller.msg matches
  local call_id line
  call_id=$(grep -m1 -i '^Call-ID:' "$SIPP/$1-caller.msg" | tr -d '\r' | sed 's/^[^:]*: *//')
  line=$(grep -F "Call-ID $call_id" <<<"$CALLS") || fail "no call record for $1 ($call_id):
$CALLS"
  grep -qE -- "sip:anna@$DOMAIN -> sip:$2@$DOMAIN .*$3" <<<"$line" || fail "call record of $1: expected /$3/ in: $line"
}
cdr answered bert "answered after [0-9.]+ s, [0-9.]+ s talk, ended \(normal, by the caller\).*icid [0-9a-f]+"
cdr cancelled bert "487, ended \(cancelled, by the caller\)"
cdr busy bert "486, ended \(rejected, by the callee\)"
cdr unknown nobody "404, ended \(failed, by the network\)"
cdr unregistered cora "480, ended \(failed, by the network\)"
cdr dialog bert "answered after [0-9.]+ s, [0-9.]+ s talk, ended \(normal, by the callee\)"
cdr released bert "answered after [0-9.]+ s, [0-9.]+ s talk, ended \(released, by the network\)"
pass "imsbox calls: a record per attempt with its outcome, who hung up and the icid"

# ---- an S-CSCF restart keeps the reg-event subscriptions (the store) ----
kill -KILL "$(pgrep -f -- "ims-[s]cscf .*--data-dir $DATA_DIR")"
for _ in $(seq 1 100); do
  [ "$(grep -c "connection with scscf.$DOMAIN open" "$DATA_DIR/log/hss.log")" -ge 2 ] && break
  sleep 0.1
done
[ "$(grep -c "connection with scscf.$DOMAIN open" "$DATA_DIR/log/hss.log")" -ge 2 ] ||
  fail "the S-CSCF did not come back: $(tail -n 5 "$DATA_DIR/log/supervisor.log")"
# the new S-CSCF may open its Cx connection before it logs what it restored: wait for the line
for _ in $(seq 1 100); do
  grep -q "reg-event subscription(s) restored" "$DATA_DIR/log/scscf.log" && break
  sleep 0.1
done
grep -q "reg-event subscription(s) restored" "$DATA_DIR/log/scscf.log" ||
  fail "no subscription restored: $(grep -i 'restor' "$DATA_DIR/log/scscf.log")"
notifies=$(grep -c "reg event: NOTIFY sip:anna@$DOMAIN" "$DATA_DIR/log/pcscf.log")
sipp_run deregister-anna "$CALLER_PORT" "$REGISTER" -s anna -au "anna@$DOMAIN" -key expires 0 ||
  fail "anna's deregistration: $(what_happened deregister-anna)"
grep -q '^final: SIP/2.0 200' "$SIPP/deregister-anna.log" || fail "anna's deregistration: $(sipp_log deregister-anna)"
[ "$(grep -c "reg event: NOTIFY sip:anna@$DOMAIN" "$DATA_DIR/log/pcscf.log")" -gt "$notifies" ] ||
  fail "the P-CSCF heard nothing of anna's deregistration after the S-CSCF restart"
pass "S-CSCF killed and restarted: registrations and reg-event subscriptions restored; anna's deregistration NOTIFYs the P-CSCF"
