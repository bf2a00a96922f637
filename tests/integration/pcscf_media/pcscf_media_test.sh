#!/usr/bin/env bash
# The P-CSCF anchors calls' media in the AGW over the ng protocol (issue 16):
# the box's own AGW (IMSBOX_TEST_AGW=imsbox, the default; pcscf.agw_ng left to
# its default, 127.0.0.1:<agw.ng_port>), or Debian's rtpengine (userspace,
# loopback, ports of its own) standing in for it (IMSBOX_TEST_AGW=rtpengine).
#
# pcscf.media_anchor = all, two sipp phones (IMS-AKA over UDP):
#   * an answered call: both phones see the AGW's address and ports (RTP/AVP);
#     an INFO with DTMF from the caller is answered 200 by the P-CSCF (the
#     callee never sees it) after the AGW played the digit (ng play DTMF;
#     rtpengine logs the event it injected); after the BYE the AGW knows
#     neither leg's session (ng query), and the BYE carries P-RTP-Stat;
#   * sixteen digits in INFO (0-9 * # A-D) reach the callee as RFC 4733
#     events 0..15 in order (decoded by tshark from the callee's RTP);
#   * a cancelled call and a busy callee (486): no session left;
#   * an UPDATE with SDP mid-call: answered through the AGW, and the new tones
#     each phone sends afterwards reach the other (captured, decoded);
#   * an INVITE without SDP, the offer in a reliable 183, the answer in the
#     PRACK: early media both ways through the AGW, kept by the SDP-less 200;
#   * a re-INVITE that holds the callee: the AGW's ports and a=sendonly /
#     a=recvonly on both sides;
#   * a late offer: the offer in the 200 and the answer in the ACK, each
#     through the AGW;
#   * an INVITE with an SDP that does not parse: 488 from the P-CSCF, nothing
#     reaches the S-CSCF nor the AGW;
#   * a call whose media stops (a second of PCMU from each phone, then
#     nothing): released after agw.media_timeout_s with BYE to both phones,
#     Reason: SIP;cause=408;text="media timeout"; its call record says so
#     and has the media figures;
#   * the AGW killed mid-call and started again empty (rtpengine by the test,
#     ours by the supervisor): the P-CSCF releases the call whose session is
#     gone (Reason: SIP;cause=503).
# pcscf.media_anchor = webrtc (the default; the P-CSCF restarted with it): a
# phone's call to a phone is not anchored; the web client in headless
# Chromium calls a phone and is called by it (browser_media.cjs): the
# browser sees UDP/TLS/RTP/SAVPF with ICE and a fingerprint at the AGW's
# address, the phone RTP/AVP at the AGW's; the phone's PCMU (sipp
# rtp_stream) reaches the browser, decoded (getStats audio level).
source "$(dirname "$0")/../lib.sh"

HERE="$SOURCE_DIR/tests/integration/pcscf_media"
CALLS="$SOURCE_DIR/tests/integration/calls"
REGISTER="$SOURCE_DIR/tests/integration/registration/register_aka.xml"
DOMAIN=it.example.org
BASE=$(free_port_base)
PCSCF_PORT=$((BASE + 10))
WSS_PORT=$((BASE + 13))
CALLER_PORT=$((BASE + 16))
CALLEE_PORT=$((BASE + 17))
CALLER_MEDIA=$((BASE + 20))  # sipp's RTP ports (and +2 for its video)
CALLEE_MEDIA=$((BASE + 24))
NG_PORT=$((BASE + 30))       # rtpengine's ng port; the box's AGW has BASE + 31
MEDIA_TIMEOUT=5
source "$SOURCE_DIR/tests/integration/sipp_lib.sh"
source "$HERE/media_lib.sh"

# ---- the box, the AGW ----
write_config "$BASE"
sed -i "s/^media_anchor = none/media_anchor = all\nmedia_check_interval_ms = 1000/" "$DATA_DIR/imsbox.conf"
sed -i "/^\[agw\]/a media_timeout_s = $MEDIA_TIMEOUT" "$DATA_DIR/imsbox.conf"
use_agw
expect_exit 0 "$IMSBOX" up --data-dir "$DATA_DIR"
wait_for_cx "$DOMAIN" || fail "the I-CSCF and the S-CSCF did not connect to the HSS"
grep -q "media of every call anchored in the AGW at 127.0.0.1:$AGW_NG (ng)" "$DATA_DIR/log/pcscf.log" ||
  fail "the P-CSCF does not anchor media: $(grep -i ready "$DATA_DIR/log/pcscf.log")"
for user in anna bert; do
  expect_exit 0 "$IMSBOX" subscriber add --data-dir "$DATA_DIR" --impi "$user@$DOMAIN" \
    --impu "sip:$user@$DOMAIN" --k "$K" --op "$OP" --amf "$AMF"
done
python3 "$HERE/pcmu_tone.py" "$SIPP/tone.wav" 1000 1
cd "$SIPP"  # sipp's rtp_stream reads tone.wav from here

register anna "$CALLER_PORT"
register bert "$CALLEE_PORT"
pass "up with pcscf.media_anchor = all; anna and bert registered"

# ---- an answered call, DTMF in INFO, BYE ----
call answered "$HERE/uas.xml" "$HERE/uac.xml"
caller=$(sipp_log answered-caller)
callee=$(sipp_log answered-callee)
CALL=$(call_id_of answered-caller)
grep -q '^final: SIP/2.0 200 OK | c=IN IP4 127.0.0.1 | m=audio [0-9]* RTP/AVP' <<<"$caller" ||
  fail "answered call: the caller's 200: $caller"
grep -q '^invite: c=IN IP4 127.0.0.1 | m=audio [0-9]* RTP/AVP' <<<"$callee" || fail "answered call: the callee's INVITE: $callee"
in_agw_range "$(grep '^final:' <<<"$caller")" || fail "answered call: the caller's 200 is not the AGW's ($RTP_MIN-$RTP_MAX): $caller"
in_agw_range "$(grep '^invite:' <<<"$callee")" || fail "answered call: the callee's INVITE is not the AGW's: $callee"
grep -q "m=audio $CALLER_MEDIA \|m=audio $CALLEE_MEDIA " <<<"$caller$callee" && fail "answered call: a phone saw the other's own port"
pass "answered call: each phone sees the AGW's address and ports (RTP/AVP), never the other phone's"
grep -q '^info: 200' <<<"$caller" || fail "INFO DTMF: no 200: $(what_happened answered-caller answered-callee)"
grep -q "call_id=$CALL media: play DTMF 7 (INFO from the UE): played by the AGW, INFO answered 200" \
  "$DATA_DIR/log/pcscf.log" || fail "INFO DTMF: $(grep -E 'DTMF' "$DATA_DIR/log/pcscf.log")"
if [ "$AGW" = rtpengine ]; then
  grep -q "\[$CALL;orig\]: .*Injecting RFC DTMF event #7 for 160 ms" "$DATA_DIR/rtpengine.log" ||
    fail "INFO DTMF: rtpengine did not inject the digit: $(grep -i 'dtmf' "$DATA_DIR/rtpengine.log" | tail -n 5)"
fi
pass "INFO with DTMF 7 from the caller: played by the AGW (ng play DTMF; $AGW's log: injected event #7), answered 200 by the P-CSCF, not passed on"
grep -q '^bye: 200' <<<"$caller" || fail "answered call: no 200 to the BYE: $caller"
grep -q '^bye: P-RTP-Stat: *PS=[0-9]*,OS=[0-9]*,PR=[0-9]*,OR=[0-9]*' <<<"$callee" ||
  fail "answered call: no P-RTP-Stat on the BYE at the callee: $callee"
no_session "$CALL"
pass "BYE: both legs' sessions deleted (ng query: unknown), the BYE carries P-RTP-Stat"

# ---- 16 digits in INFO, one after the other, reach the callee as RFC 4733 ----
# uac.xml with its one INFO replaced by sixteen (0-9 * # A-D, 300 ms apart, as
# JsSIP sends a string of digits); tshark (an RTP event decoder that is not
# ours) reads the events the AGW sends to the callee's RTP port.
DIGITS="0123456789*#ABCD"
python3 - "$HERE/uac.xml" "$SIPP/uac_info16.xml" "$DIGITS" <<'PY'
import re, sys
src, dst, digits = sys.argv[1], sys.argv[2], sys.argv[3]
s = open(src).read()
info = re.search(r'  <send retrans="500">\s*<!\[CDATA\[\s*INFO .*?</recv>\n', s, re.S).group(0)
blocks = []
for i, d in enumerate(digits):
    b = info.replace("CSeq: 2 INFO", f"CSeq: {2 + i} INFO").replace("Signal=7", f"Signal={d}")
    b = b.replace('<log message="info: 200"/>', f'<log message="info {d}: 200"/>')
    blocks.append(b + '  <pause milliseconds="300"/>\n')
s = s.replace(info, "".join(blocks)).replace("CSeq: 3 BYE", f"CSeq: {2 + len(digits)} BYE")
s = s.replace('rtp_stream="tone.wav,1,0"', 'rtp_stream="tone.wav,-1,0"')  # audio all along (rtpengine injects only then)
open(dst, "w").write(s)
PY
captured_call info16 "$HERE/uas.xml" "$SIPP/uac_info16.xml"
CAPTURE="$DATA_DIR/info16.pcap"
[ "$(grep -c '^info .: 200' "$SIPP/info16-caller.log")" = 16 ] ||
  fail "16 INFO digits: not all answered 200: $(grep '^info' "$SIPP/info16-caller.log" | tr '\n' ' ')"
# RFC 4733 events toward the callee, one per timestamp, in order (event codes 0-15)
events=$(tshark -r "$CAPTURE" -d "udp.port==$CALLEE_MEDIA,rtp" -Y rtpevent -T fields -e rtp.timestamp -e rtpevent.event_id |
  awk '!seen[$1]++ {printf "%s ", $2}')
[ "$events" = "0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 " ] ||
  fail "16 INFO digits: the callee received the RFC 4733 events '$events', not 0..15 (tshark)"
pass "16 digits in INFO ($DIGITS) from the caller: each answered 200, the callee received them as RFC 4733 events 0..15 in order (tshark)"

# ---- CANCEL, 486 ----
call cancelled "$CALLS/uas_cancel.xml" "$CALLS/uac_cancel.xml"
grep -q '^final: SIP/2.0 487' "$SIPP/cancelled-caller.log" || fail "cancelled call: $(what_happened cancelled-caller cancelled-callee)"
no_session "$(call_id_of cancelled-caller)"
call busy "$CALLS/uas_busy.xml" "$CALLS/uac.xml"
grep -q '^final: SIP/2.0 486' "$SIPP/busy-caller.log" || fail "busy call: $(what_happened busy-caller busy-callee)"
no_session "$(call_id_of busy-caller)"
pass "a cancelled call (487) and a busy callee (486) leave no session in the AGW"

# ---- re-INVITE: hold ----
call hold "$HERE/uas_hold.xml" "$HERE/uac_hold.xml"
caller=$(sipp_log hold-caller)
callee=$(sipp_log hold-callee)
grep -q '^reinvite: .* | a=sendonly' <<<"$callee" || fail "hold: the callee's re-INVITE: $callee"
grep -q '^reinvite: SIP/2.0 200 OK | m=audio .* | a=recvonly' <<<"$caller" || fail "hold: the caller's 200: $caller"
in_agw_range "$(grep '^reinvite:' <<<"$callee")" && in_agw_range "$(grep '^reinvite:' <<<"$caller")" ||
  fail "hold: not the AGW's ports: $caller / $callee"
grep -q '^bye: 200' <<<"$caller" || fail "hold: no 200 to the BYE: $caller"
no_session "$(call_id_of hold-caller)"
pass "re-INVITE hold: a=sendonly / a=recvonly through the AGW, its ports on both sides"

# ---- UPDATE with SDP mid-call (RFC 3311): audio goes on ----
# Both phones stream PCMU (sipp rtp_stream); after the UPDATE's 200 the caller
# switches to 2 kHz and the callee to 1.5 kHz: what each receives afterwards
# (captured, decoded by pcmu_capture.py) must hold the other's new tone.
python3 "$HERE/pcmu_tone.py" "$SIPP/tone2.wav" 2000 1
python3 "$HERE/pcmu_tone.py" "$SIPP/tone3.wav" 1500 1
captured_call update "$HERE/uas_update.xml" "$HERE/uac_update.xml"
caller=$(sipp_log update-caller)
callee=$(sipp_log update-callee)
grep -q '^update: .* | a=sendrecv' <<<"$callee" || fail "UPDATE: the callee's UPDATE: $callee"
grep -q '^update: SIP/2.0 200 OK | m=audio .* | a=sendrecv' <<<"$caller" || fail "UPDATE: the caller's 200: $caller"
[ "$(grep '^update:' <<<"$caller" | sed 's/.*m=audio \([0-9]*\).*/\1/')" = \
  "$(grep '^final:' <<<"$caller" | sed 's/.*m=audio \([0-9]*\).*/\1/')" ] &&
  in_agw_range "$(grep '^update:' <<<"$callee")" || fail "UPDATE: not the AGW's ports, or they changed: $caller / $callee"
heard update callee "$CALLEE_MEDIA" 2000
heard update caller "$CALLER_MEDIA" 1500
grep -q '^bye: 200' <<<"$caller" || fail "UPDATE: no 200 to the BYE: $caller"
no_session "$(call_id_of update-caller)"
pass "UPDATE with SDP mid-call: answered through the AGW (its ports, unchanged); afterwards the callee hears the caller's new 2 kHz, the caller the callee's 1.5 kHz"

# ---- a late offer in a reliable 183, the answer in the PRACK (RFC 3262): early media ----
captured_call prack "$HERE/uas_prack_offer.xml" "$HERE/uac_prack_offer.xml"
caller=$(sipp_log prack-caller)
callee=$(sipp_log prack-callee)
in_agw_range "$(grep '^early:' <<<"$caller")" && in_agw_range "$(grep '^prack:' <<<"$callee")" ||
  fail "offer in a reliable 183: not the AGW's ports: $caller / $callee"
grep -q '^final: SIP/2.0 200' <<<"$caller" && grep -q '^bye: 200' <<<"$caller" ||
  fail "offer in a reliable 183: the call did not complete: $caller"
heard prack callee "$CALLEE_MEDIA" 2000
heard prack caller "$CALLER_MEDIA" 1500
no_session "$(call_id_of prack-caller)"
pass "an INVITE without SDP, the offer in a reliable 183 and the answer in the PRACK: the AGW's ports on both sides; each phone hears the other's tone from the PRACK on (early media, then the SDP-less 200)"

# ---- a late offer: SDP in the 200 and the ACK ----
call late "$HERE/uas_late.xml" "$HERE/uac_late.xml"
caller=$(sipp_log late-caller)
callee=$(sipp_log late-callee)
grep -q '^invite: Content-Length: 0' <<<"$callee" || fail "late offer: the INVITE at the callee: $callee"
grep -q '^final: SIP/2.0 200 OK | c=IN IP4 127.0.0.1 | m=audio [0-9]* RTP/AVP' <<<"$caller" &&
  in_agw_range "$(grep '^final:' <<<"$caller")" || fail "late offer: the offer in the 200 at the caller: $caller"
grep -q '^ack: c=IN IP4 127.0.0.1 | m=audio [0-9]* RTP/AVP' <<<"$callee" && in_agw_range "$(grep '^ack:' <<<"$callee")" ||
  fail "late offer: the answer in the ACK at the callee: $(what_happened late-caller late-callee)"
grep -q '^bye: 200' <<<"$caller" || fail "late offer: no 200 to the BYE: $caller"
no_session "$(call_id_of late-caller)"
pass "late offer: the 200's offer and the ACK's answer through the AGW, its ports on both sides"

# ---- an SDP that is no SDP ----
call garbage none "$HERE/uac_garbage.xml"
CALL=$(call_id_of garbage-caller)
grep -q '^final: SIP/2.0 488' "$SIPP/garbage-caller.log" || fail "garbage SDP: $(what_happened garbage-caller)"
grep -q "call_id=$CALL media: INVITE with a malformed SDP (line 3" "$DATA_DIR/log/pcscf.log" ||
  fail "garbage SDP: no log line: $(grep -F "$CALL" "$DATA_DIR/log/pcscf.log")"
grep -qF "$CALL" "$DATA_DIR/log/scscf.log" && fail "garbage SDP: the INVITE reached the S-CSCF"
[ "$AGW" = rtpengine ] && grep -qF "$CALL" "$DATA_DIR/rtpengine.log" && fail "garbage SDP: the AGW was asked"
pass "an INVITE with an SDP that does not parse: 488 from the P-CSCF; neither the S-CSCF nor the AGW saw it"

# ---- media timeout ----
t0=$(date +%s)
call timeout "$HERE/uas_wait.xml" "$HERE/uac_wait.xml"
t1=$(date +%s)
CALL=$(call_id_of timeout-caller)
for side in caller callee; do
  grep -q '^bye: *SIP;cause=408;text="media timeout"' "$SIPP/timeout-$side.log" ||
    fail "media timeout: the $side's BYE: $(what_happened timeout-caller timeout-callee)"
done
[ $((t1 - t0)) -ge $MEDIA_TIMEOUT ] || fail "media timeout: released after $((t1 - t0)) s, before $MEDIA_TIMEOUT s"
grep -q "call_id=$CALL media: releasing the call: Reason SIP;cause=408;text=\"media timeout\"" \
  "$DATA_DIR/log/pcscf.log" || fail "media timeout: no log line: $(grep -F "$CALL" "$DATA_DIR/log/pcscf.log" | tail -n 5)"
no_session "$CALL"
pass "media stopped after a second of PCMU each way: released after $((t1 - t0)) s with BYE to both phones, Reason: SIP;cause=408;text=\"media timeout\""
sleep 0.5  # the S-CSCF writes its records within 100 ms
RECORDS=$("$IMSBOX" calls --data-dir "$DATA_DIR") || fail "imsbox calls: $RECORDS"
record=$(grep -F "Call-ID $CALL" <<<"$RECORDS") || fail "no call record for $CALL: $RECORDS"
grep -q 'ended (released, by the network) with Reason 408 "media timeout"' <<<"$record" ||
  fail "the call record of the media timeout: $record"
grep -qE 'RTP of the (caller|callee) PS=[1-9][0-9]*,OS=[1-9][0-9]*,PR=[1-9][0-9]*,OR=[1-9][0-9]*' <<<"$record" ||
  fail "the call record has no media figures: $record"
pass "its call record: released by the network, Reason 408 \"media timeout\", $(sed 's/.*\(RTP of the .*\)/\1/' <<<"$record")"

# ---- the AGW dies mid-call ----
# rtpengine: killed and started again, as a supervisor would (the same ports,
# no calls); the box's AGW: killed, its supervisor starts it again
kill_agw() {
  if [ "$AGW" = rtpengine ]; then
    stop_rtpengine -KILL
    start_rtpengine
  else
    kill -KILL "$(pgrep -f -- "ims-[a]gw .*--data-dir $DATA_DIR")"
  fi
}
{
  sipp_run died-callee "$CALLEE_PORT" "$HERE/uas_wait.xml" -s bert -mp "$CALLEE_MEDIA" &
  died_callee=$!
  sleep 0.5
  sipp_run died-caller "$CALLER_PORT" "$HERE/uac_wait.xml" -s bert -key caller anna -mp "$CALLER_MEDIA" &
  died_caller=$!
  for _ in $(seq 1 50); do grep -q '^final:' "$SIPP/died-caller.log" 2>/dev/null && break; sleep 0.1; done
  grep -q '^final: SIP/2.0 200' "$SIPP/died-caller.log" || fail "AGW killed: the call was not answered: $(what_happened died-caller died-callee)"
  kill_agw
  wait "$died_caller" && wait "$died_callee" || fail "AGW killed: $(what_happened died-caller died-callee)"
  for side in caller callee; do
    grep -q '^bye: *SIP;cause=503;text="media session lost"' "$SIPP/died-$side.log" ||
      fail "AGW killed: the $side's BYE: $(what_happened died-caller died-callee)"
  done
  pass "the AGW ($AGW) killed mid-call and started again: the P-CSCF released the call whose session was gone (BYE both ways, Reason: SIP;cause=503)"
}

# ---- pcscf.media_anchor = webrtc: the P-CSCF restarted with it ----
sed -i "s/^media_anchor = all/media_anchor = webrtc/" "$DATA_DIR/imsbox.conf"
kill -KILL "$(pgrep -f -- "ims-[p]cscf .*--data-dir $DATA_DIR")"
for _ in $(seq 1 100); do
  [ "$(grep -c 'media of WebRTC calls anchored' "$DATA_DIR/log/pcscf.log")" -ge 1 ] && break
  sleep 0.1
done
grep -q "media of WebRTC calls anchored in the AGW at 127.0.0.1:$AGW_NG" "$DATA_DIR/log/pcscf.log" ||
  fail "the P-CSCF did not come back with media_anchor = webrtc: $(tail -n 5 "$DATA_DIR/log/supervisor.log")"
register anna "$CALLER_PORT" 1
register bert "$CALLEE_PORT" 1
call plain "$HERE/uas.xml" "$CALLS/uac.xml"
grep -q "^invite: c=IN IP4 127.0.0.1 | m=audio $CALLER_MEDIA RTP/AVP" "$SIPP/plain-callee.log" ||
  fail "media_anchor = webrtc: a phone's call to a phone went through the AGW: $(sipp_log plain-callee)"
pass "pcscf.media_anchor = webrtc (P-CSCF restarted): a call between two phones is not anchored"

# ---- the web client in headless Chromium and a phone ----
require_chromium
expect_exit 0 "$IMSBOX" subscriber add --data-dir "$DATA_DIR" --impi "webA@$DOMAIN" --impu "sip:webA@$DOMAIN" \
  --password 'webA-secret'
python3 "$HERE/pcmu_tone.py" "$SIPP/tone.wav" 1000 20  # long enough for the browser to hear it
# bert answers the browser (his PCMU from the ACK on), then calls it back and hangs up
sipp_run browser-callee "$CALLEE_PORT" "$HERE/uas_stream.xml" -s bert -mp "$CALLEE_MEDIA" -timeout 120s &
answers_pid=$!
CALLS_CMD="cd '$SIPP' && timeout 70 sipp -sf '$HERE/uac_stream.xml' 127.0.0.1:$PCSCF_PORT -i 127.0.0.1 -p $CALLER_PORT \
  -t u1 -m 1 -s webA -key caller anna -key domain '$DOMAIN' -mp $CALLER_MEDIA -timeout 60s -timeout_error -nostdin \
  -trace_msg -message_file browser-caller.msg -trace_logs -log_file browser-caller.log > browser-caller.out 2>&1"
set +e
timeout 240 node "$HERE/browser_media.cjs" --url "https://127.0.0.1:$WSS_PORT/" --domain "$DOMAIN" \
  --user "webA:webA-secret" --phone bert --rtp-min "$RTP_MIN" --rtp-max "$RTP_MAX" \
  --node-modules "$NODE_MODULES" --phone-calls "$CALLS_CMD" > "$DATA_DIR/browser_media.out" 2>&1
rc=$?
set -e
cat "$DATA_DIR/browser_media.out"
[ $rc = 0 ] || fail "browser <-> phone (exit $rc): $(what_happened browser-callee browser-caller)"
wait "$answers_pid" || fail "the phone that answers the browser: $(what_happened browser-callee)"
grep -q '^invite: c=IN IP4 127.0.0.1 | m=audio [0-9]* RTP/AVP' "$SIPP/browser-callee.log" &&
  in_agw_range "$(grep '^invite:' "$SIPP/browser-callee.log")" ||
  fail "the browser's INVITE at the phone: $(sipp_log browser-callee)"
grep -q '^final: SIP/2.0 200 OK | c=IN IP4 127.0.0.1 | m=audio [0-9]* RTP/AVP' "$SIPP/browser-caller.log" &&
  in_agw_range "$(grep '^final:' "$SIPP/browser-caller.log")" ||
  fail "the browser's 200 at the phone: $(sipp_log browser-caller)"
grep -q '^bye' "$SIPP/browser-caller.log" && grep -q '^bye' "$SIPP/browser-callee.log" ||
  fail "the browser's BYEs at the phone: $(sipp_log browser-caller) / $(sipp_log browser-callee)"
pass "the phone saw the AGW's address and ports in RTP/AVP both ways"
