#!/usr/bin/env bash
# The TAS using the MRF (issue 19) through the whole box: sipp UEs registered
# with IMS-AKA, the box's mmtel profile (iFCs to the TAS), services PUT over Ut:
#   * OCB: anna bars her outgoing calls -> 183 with P-Early-Media and an SDP
#     answer (the MRF's outgoing-barred), then 603;
#   * ICB: bert bars his incoming calls -> 183 (barred), then 603;
#   * ACR: bert rejects anonymous calls -> anna's call with Privacy: id gets
#     183 (anonymous-rejected), then 433;
#   * dora not registered, no forwarding -> 183 (not-reachable), then 480;
#   * bert dials *21*carl#: 200 from the MRF (its audio accepted, not port
#     0), the MRF's BYE (service-set played); anna's next call goes to carl;
#     #21#: service-cleared;
#   * anna dials *43 and echo: 200 from the MRF's echo test, her BYE;
#   * tas.announcements = false (the TAS restarted with it): OCB gets 603
#     from the TAS itself, no 183.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/tas_lib.sh"

ANNA_PORT=$((BASE + 16))
BERT_PORT=$((BASE + 17))
CARL_PORT=$((BASE + 18))
RTP_PORT=$((BASE + 20))   # the caller's audio (uac_early.xml's SDP), where rtp_sink.py listens

tas_box_start
for _ in $(seq 1 100); do grep -q "Mrf ready" "$DATA_DIR/log/mrf.log" 2>/dev/null && break; sleep 0.1; done
grep -q "Mrf ready" "$DATA_DIR/log/mrf.log" || fail "the MRF is not ready: $(tail -n 5 "$DATA_DIR/log/mrf.log")"
tas_subscriber anna bert carl dora
register anna "$ANNA_PORT"
register bert "$BERT_PORT"
register carl "$CARL_PORT"
pass "the box up with its MRF; anna, bert and carl registered (dora not), everyone with the box's mmtel profile (iFCs to the TAS)"

what_happened() {
  sipp_story "$@"
  local f
  for f in scscf tas mrf; do
    echo "--- $f.log:"
    tail -n "${TAIL_LINES:-12}" "$DATA_DIR/log/$f.log" 2>/dev/null
  done
}
barring() {
  echo "<$1 active=\"true\"><cp:ruleset><cp:rule id=\"bar\"><cp:conditions>$2</cp:conditions><cp:actions><allow>false</allow></cp:actions></cp:rule></cp:ruleset></$1>"
}
# call NAME USER PORT RURI [PRIVACY]: USER calls RURI with uac_early.xml
call() {
  dial "$1" "$2" "$3" "$4" "$HERE/uac_early.xml" -key privacy "${5:-none}" -key rtp_port "$RTP_PORT"
}
# listen NAME: an RTP sink on the caller's audio port for the next call
SINK=""
listen() {
  python3 "$HERE/rtp_sink.py" "$RTP_PORT" 40 "$DATA_DIR/$1.rtp" &
  SINK=$!
  local _
  for _ in $(seq 1 100); do grep -q listening "$DATA_DIR/$1.rtp" 2>/dev/null && return 0; sleep 0.05; done
  fail "$1: the RTP sink does not listen on $RTP_PORT"
}
# heard NAME: the caller of call NAME got speech (PCMU) from the MRF before
# its final status (the MRF sends only while it plays); AUDIO says how much
heard() {
  kill -TERM "$SINK"
  wait "$SINK" || true
  local word packets speech
  read -r word packets word speech < "$DATA_DIR/$1.rtp" || true
  [ "${packets:-0}" -ge 25 ] && [ "${speech:-0}" -ge 10 ] ||
    fail "$1: the caller got '$(cat "$DATA_DIR/$1.rtp")' (RTP packets, want >= 25, >= 10 with speech)"
  AUDIO="$packets RTP packets, $speech with speech"
}
# announced NAME PROMPT STATUS: call NAME heard PROMPT in early media (183
# with P-Early-Media: sendonly and an SDP answer from the MRF), then STATUS
announced() {
  grep -q "^early: 183 P-Early-Media: sendonly m=audio [1-9]" "$SIPP/$1.log" ||
    fail "$1: no 183 with P-Early-Media and SDP: $(what_happened "$1")"
  [[ "$FINAL" == "SIP/2.0 $3 "* ]] || fail "$1: final '$FINAL', not $3: $(what_happened "$1")"
  grep -q "INVITE sip:annc@mrf.$DOMAIN;play=$2;early=$3: early media" "$DATA_DIR/log/mrf.log" ||
    fail "$1: the MRF did not play $2: $(what_happened "$1")"
}

# ---- OCB ----
set_services anna "$(barring outgoing-communication-barring "")"
listen ocb
call ocb anna "$ANNA_PORT" "sip:bert@$DOMAIN"
announced ocb outgoing-barred 603
heard ocb
grep -q "originating for sip:anna@$DOMAIN: barred by rule bar (OCB): 603" "$DATA_DIR/log/tas.log" ||
  fail "OCB: no barring line in the TAS's log: $(what_happened)"
pass "OCB: anna heard outgoing-barred in early media (183, P-Early-Media: sendonly, SDP; $AUDIO), then 603"

# ---- ICB ----
set_services anna ""
set_services bert "$(barring incoming-communication-barring "")"
call icb anna "$ANNA_PORT" "sip:bert@$DOMAIN"
announced icb barred 603
pass "ICB: anna's call to bert: barred in early media, then 603"

# ---- ACR ----
set_services bert "$(barring incoming-communication-barring "<anonymous/>")"
call acr anna "$ANNA_PORT" "sip:bert@$DOMAIN" id
announced acr anonymous-rejected 433
set_services bert ""
pass "ACR: anna's anonymous call to bert: anonymous-rejected in early media, then 433"

# ---- a callee not reachable ----
listen unreachable
call unreachable anna "$ANNA_PORT" "sip:dora@$DOMAIN"
announced unreachable not-reachable 480
heard unreachable
grep -q "terminating for sip:dora@$DOMAIN: 480 from the callee, announced first" "$DATA_DIR/log/tas.log" ||
  fail "not reachable: no line in the TAS's log: $(what_happened unreachable)"
pass "dora not registered, no forwarding: anna heard not-reachable in early media ($AUDIO), then 480"

# ---- star codes confirmed by the MRF ----
# confirmed NAME PROMPT: the star code call NAME got 200 from the MRF (audio
# accepted), then the MRF's BYE once PROMPT was played
confirmed() {
  [[ "$FINAL" == "SIP/2.0 200 OK"* ]] || fail "$1: bert got '$FINAL': $(what_happened "$1")"
  grep -q '^answer: m=audio [1-9][0-9]* RTP/AVP' "$SIPP/$1.log" || fail "$1: the 200 is not the MRF's answer: $(sipp_log "$1")"
  grep -q "^bye: BYE sip:bert@127.0.0.1:$BERT_PORT SIP/2.0" "$SIPP/$1.log" || fail "$1: no BYE: $(what_happened "$1")"
  grep -q "INVITE sip:annc@mrf.$DOMAIN;play=$2: answered" "$DATA_DIR/log/mrf.log" ||
    fail "$1: the MRF did not answer with $2: $(what_happened "$1")"
}
call cfu-on bert "$BERT_PORT" "sip:*21*carl%23@$DOMAIN"
confirmed cfu-on service-set
peer forwarded-carl carl "$CARL_PORT" "$CALLS/uas.xml"
dial forwarded anna "$ANNA_PORT" "sip:bert@$DOMAIN" "$CALLS/uac.xml"
peers_done forwarded
[[ "$FINAL" == "SIP/2.0 200 OK"* ]] || fail "CFU: anna got '$FINAL': $(what_happened forwarded forwarded-carl)"
grep -q '^forwarded: 181' "$SIPP/forwarded.log" || fail "CFU: anna got no 181: $(sipp_log forwarded)"
call cfu-off bert "$BERT_PORT" "sip:%2321%23@$DOMAIN;user=phone"
confirmed cfu-off service-cleared
pass "*21*carl#: 200 from the MRF, service-set played, its BYE; anna's next call went to carl; #21#: service-cleared"

# ---- the echo test ----
echoes=0
for number in "sip:*43@$DOMAIN;user=phone" "sip:echo@$DOMAIN"; do
  name=echo-$(( ++echoes ))
  dial "$name" anna "$ANNA_PORT" "$number" "$CALLS/uac.xml"
  [[ "$FINAL" == "SIP/2.0 200 OK"* ]] || fail "$number: anna got '$FINAL': $(what_happened "$name")"
  grep -q '^bye: 200' "$SIPP/$name.log" || fail "$number: no 200 to anna's BYE: $(what_happened "$name")"
  # the MRF's 200 kept the proxies' Record-Route: anna's ACK and BYE went through her P-CSCF
  grep -q "^Record-Route: <sip:orig@127.0.0.1:$PCSCF_PORT;lr>" "$SIPP/$name.log" ||
    fail "$number: the MRF's 200 has no Record-Route of anna's P-CSCF: $(sipp_log "$name")"
  [ "$(grep -c "INVITE sip:echo@mrf.$DOMAIN: answered" "$DATA_DIR/log/mrf.log")" = "$echoes" ] ||
    fail "$number: the MRF's echo test did not answer: $(what_happened "$name")"
done
grep -q "originating for sip:anna@$DOMAIN: the echo test, to sip:echo@mrf.$DOMAIN" "$DATA_DIR/log/tas.log" ||
  fail "echo: no line in the TAS's log: $(what_happened)"
pass "anna dialled *43 and echo: the MRF's echo test answered (its 200 record-routed through the box), her BYE ended it"

# ---- tas.announcements = false: the TAS answers itself ----
sed -i "/^\[tas\]/a announcements = false" "$DATA_DIR/imsbox.conf"
TAS_PID=$(pgrep -f -- "ims-[t]as .*--data-dir $DATA_DIR")
[ -n "$TAS_PID" ] || fail "no TAS process for $DATA_DIR"
kill -KILL "$TAS_PID"
for _ in $(seq 1 200); do [ "$(grep -c 'Tas ready' "$DATA_DIR/log/tas.log")" -ge 2 ] && break; sleep 0.05; done
[ "$(grep -c 'Tas ready' "$DATA_DIR/log/tas.log")" -ge 2 ] || fail "the TAS did not come back: $(tail -n 5 "$DATA_DIR/log/supervisor.log")"
set_services anna "$(barring outgoing-communication-barring "")"
call direct anna "$ANNA_PORT" "sip:bert@$DOMAIN"
[[ "$FINAL" == "SIP/2.0 603 "* ]] || fail "announcements off: anna got '$FINAL', not 603: $(what_happened direct)"
! grep -q "^early:" "$SIPP/direct.log" || fail "announcements off: anna got early media: $(what_happened direct)"
pass "tas.announcements = false: anna's barred call got 603 from the TAS at once, no 183"
