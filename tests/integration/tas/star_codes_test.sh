#!/usr/bin/env bash
# Star codes through the whole box (issue 18): anna, bert and carl registered
# with IMS-AKA (sipp), with the box's mmtel profile, whose iFC sends their
# INVITEs to the TAS (originating and terminating, SESSION_CONTINUED):
#   * bert dials *21*carl# (sip:*21*carl%23@D): the TAS stores CFU to carl in
#     bert's document and sends the INVITE to the MRF's confirmation
#     (issue 19, tas.announcements on by default): 200 from the MRF with its
#     SDP answer (audio accepted), the ACK, then the MRF's BYE along the route
#     set once service-set was played (#21#: service-cleared);
#   * with tas.announcements = false (the TAS restarted with it) the TAS
#     answers a code itself: 200 with an SDP answer rejecting the audio
#     stream (port 0), the ACK, then its BYE (sipp gives up after 30 s,
#     before the TAS's 64*T1 = 32 s without an ACK: a BYE in time shows the
#     TAS took the ACK);
#   * anna calls bert: carl answers, anna gets 181;
#   * bert dials #21# (sip:%2321%23@D;user=phone): anna's next call reaches bert;
#   * a malformed code (*21# without a number) gets 484;
#   * bert dials *33# (tel:*33#;phone-context=D): his next call gets 603; #33# lifts it.
source "$(dirname "$0")/../lib.sh"

HERE="$SOURCE_DIR/tests/integration/tas"
CALLS="$SOURCE_DIR/tests/integration/calls"
DOMAIN=it.example.org
BASE=$(free_port_base)
PCSCF_PORT=$((BASE + 10))
ANNA_PORT=$((BASE + 16))
BERT_PORT=$((BASE + 17))
CARL_PORT=$((BASE + 18))
TAS_PORT=$((BASE + 25))
source "$SOURCE_DIR/tests/integration/sipp_lib.sh"

what_happened() {
  sipp_story "$@"
  tail -n 15 "$DATA_DIR"/log/{pcscf,scscf,tas,mrf}.log 2>/dev/null
}
# dial NAME USER PORT RURI: USER (registered from PORT) dials RURI with
# uac_star_code.xml; FINAL is the final status line it got
dial() {
  local name=$1 user=$2 port=$3 ruri=$4
  sipp_run "$name" "$port" "$HERE/uac_star_code.xml" -s "$user" -key caller "$user" -key ruri "$ruri" ||
    fail "$name: $user's sipp failed: $(what_happened "$name")"
  FINAL=$(sed -n 's/^final: //p' "$SIPP/$name.log" | head -1)
}
# call NAME CALLEE PORT: anna calls sip:bert@D, CALLEE (sipp uas.xml on PORT) answering
call() {
  local name=$1 callee=$2 port=$3 uas_pid
  sipp_run "$name-callee" "$port" "$CALLS/uas.xml" -s "$callee" &
  uas_pid=$!
  sleep 0.5  # its socket bound
  sipp_run "$name-caller" "$ANNA_PORT" "$CALLS/uac.xml" -s bert -key caller anna -key ruri "sip:bert@$DOMAIN" ||
    fail "$name: anna's sipp failed: $(what_happened "$name-caller" "$name-callee")"
  wait "$uas_pid" || fail "$name: $callee did not take the call: $(what_happened "$name-caller" "$name-callee")"
  grep -q '^bye: 200' "$SIPP/$name-caller.log" || fail "$name: no 200 to anna's BYE: $(what_happened "$name-caller" "$name-callee")"
}
# answered NAME WHAT [PROMPT]: the star code call NAME got 200 and a BYE: from
# the MRF having played PROMPT (its SDP answer accepts the audio), or, with
# no PROMPT, from the TAS (its SDP answer rejects the audio stream)
answered() {
  [[ "$FINAL" == "SIP/2.0 200 OK"* ]] || fail "$2: bert got '$FINAL': $(what_happened "$1")"
  if [ -n "${3:-}" ]; then
    grep -q '^answer: m=audio [1-9][0-9]* RTP/AVP 0' "$SIPP/$1.log" || fail "$2: the 200's SDP is not the MRF's: $(sipp_log "$1")"
    grep -q "INVITE sip:annc@mrf.$DOMAIN;play=$3: answered" "$DATA_DIR/log/mrf.log" ||
      fail "$2: the MRF did not answer with $3: $(what_happened "$1")"
  else
    grep -q '^answer: m=audio 0 RTP/AVP 0' "$SIPP/$1.log" || fail "$2: the 200's SDP does not reject the audio stream: $(sipp_log "$1")"
  fi
  grep -q "^bye: BYE sip:bert@127.0.0.1:$BERT_PORT SIP/2.0" "$SIPP/$1.log" || fail "$2: no BYE: $(what_happened "$1")"
}

# ---- the box, three subscribers (the mmtel profile: their INVITEs to the TAS) ----
write_config "$BASE"
# a loaded CI machine: a node just restarted (the TAS below) must not refuse for load
sed -i "/^\[global\]/a sip_overload_delay_ms = 2000" "$DATA_DIR/imsbox.conf"
expect_exit 0 "$IMSBOX" up --data-dir "$DATA_DIR"
wait_for_cx "$DOMAIN" || fail "the I-CSCF and the S-CSCF did not connect to the HSS"
for _ in $(seq 1 100); do grep -q "Tas ready" "$DATA_DIR/log/tas.log" 2>/dev/null && break; sleep 0.1; done
grep -q "Tas ready .*127.0.0.1:$TAS_PORT" "$DATA_DIR/log/tas.log" || fail "the TAS is not ready: $(tail -n 5 "$DATA_DIR/log/tas.log")"
for user in anna bert carl; do
  expect_exit 0 "$IMSBOX" subscriber add --data-dir "$DATA_DIR" --impi "$user@$DOMAIN" \
    --impu "sip:$user@$DOMAIN" --k "$K" --op "$OP" --amf "$AMF"
done
register anna "$ANNA_PORT"
register bert "$BERT_PORT"
register carl "$CARL_PORT"
pass "anna, bert and carl registered, with the box's mmtel profile (INVITEs to the TAS)"

# ---- *21*carl#: CFU on ----
dial cfu-on bert "$BERT_PORT" "sip:*21*carl%23@$DOMAIN"
answered cfu-on "*21*carl#" service-set
grep -q "star code \*21\*carl# from sip:bert@$DOMAIN: CFU to sip:carl@$DOMAIN" "$DATA_DIR/log/tas.log" ||
  fail "*21*carl#: no line in the TAS's log: $(tail -n 10 "$DATA_DIR/log/tas.log")"
pass "bert dialled *21*carl#: 200 from the MRF, ACK, its BYE once service-set was played; the TAS logged CFU to carl"
call forwarded carl "$CARL_PORT"
grep -q '^forwarded: 181' "$SIPP/forwarded-caller.log" || fail "CFU: anna got no 181: $(sipp_log forwarded-caller)"
grep -q "terminating for sip:bert@$DOMAIN: unconditional (CFU) .*to sip:carl@$DOMAIN" "$DATA_DIR/log/tas.log" ||
  fail "CFU: no diversion in the TAS's log: $(tail -n 10 "$DATA_DIR/log/tas.log")"
pass "anna called bert: carl answered, anna got 181 Call Is Being Forwarded"

# ---- #21#: CFU off ----
dial cfu-off bert "$BERT_PORT" "sip:%2321%23@$DOMAIN;user=phone"
answered cfu-off "#21#" service-cleared
grep -q "star code #21# from sip:bert@$DOMAIN: CFU off" "$DATA_DIR/log/tas.log" || fail "#21#: no line in the TAS's log"
call direct bert "$BERT_PORT"
grep -q '^forwarded: 181' "$SIPP/direct-caller.log" && fail "#21#: anna's call was still forwarded: $(sipp_log direct-caller)"
pass "bert dialled #21#: anna's next call reached bert himself"

# ---- a malformed code ----
dial malformed bert "$BERT_PORT" "sip:*21%23@$DOMAIN"
[[ "$FINAL" == "SIP/2.0 484"* ]] || fail "*21#: bert got '$FINAL', not 484: $(what_happened malformed)"
grep -q "star code \*21# from sip:bert@$DOMAIN is malformed" "$DATA_DIR/log/tas.log" || fail "*21#: no line in the TAS's log"
pass "bert dialled *21# (no number): 484 Address Incomplete"

# ---- *33#: outgoing calls barred ----
dial ocb-on bert "$BERT_PORT" "tel:*33#;phone-context=$DOMAIN"
answered ocb-on "*33#" service-set
dial barred bert "$BERT_PORT" "sip:anna@$DOMAIN"
[[ "$FINAL" == "SIP/2.0 603"* ]] || fail "*33#: bert's call to anna got '$FINAL', not 603: $(what_happened barred)"
dial ocb-off bert "$BERT_PORT" "tel:#33#;phone-context=$DOMAIN"
answered ocb-off "#33#" service-cleared
pass "bert dialled *33#: his next call got 603; #33# confirmed by the MRF too"

# ---- tas.announcements = false: the TAS answers codes itself ----
sed -i "/^\[tas\]/a announcements = false" "$DATA_DIR/imsbox.conf"
TAS_PID=$(pgrep -f -- "ims-[t]as .*--data-dir $DATA_DIR")
[ -n "$TAS_PID" ] || fail "no TAS process for $DATA_DIR"
kill -KILL "$TAS_PID"
for _ in $(seq 1 200); do [ "$(grep -c 'Tas ready' "$DATA_DIR/log/tas.log")" -ge 2 ] && break; sleep 0.05; done
[ "$(grep -c 'Tas ready' "$DATA_DIR/log/tas.log")" -ge 2 ] || fail "the TAS did not come back: $(tail -n 5 "$DATA_DIR/log/supervisor.log")"
dial direct-on bert "$BERT_PORT" "sip:*21*carl%23@$DOMAIN"
answered direct-on "*21*carl# (announcements off)"
pass "tas.announcements = false: *21*carl# answered by the TAS itself (audio rejected, port 0), ACK, the TAS's BYE"
