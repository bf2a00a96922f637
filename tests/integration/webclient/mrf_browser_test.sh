#!/usr/bin/env bash
# The MRF heard from the browser (issue 19): `imsbox up` with
# pcscf.media_anchor = webrtc (the default: the P-CSCF drives the box's AGW),
# the bundled web client in headless Chromium (mrf_calls.cjs) registered over
# WSS as webA, its fake microphone a 1 kHz tone:
#   * early media: webA's outgoing calls barred (`imsbox services set
#     --outgoing-barring all`); its call to carl gets a 183 with SDP and
#     P-Early-Media: sendonly from the MRF (the TAS sent the INVITE to
#     annc;play=outgoing-barred;early=603) whose SDP the browser gets from the
#     AGW (UDP/TLS/RTP/SAVPF), the browser hears sound on the remote track
#     before the final status (getStats inbound-rtp audioLevel and
#     totalAudioEnergy), then 603, which the client shows (call-rejected);
#   * barring cleared: a call to dora (provisioned, not registered): the same
#     with not-reachable, then 480 (callee-unavailable);
#   * the check can say no: annc;play=silence;early=603 (a prompt of digital
#     silence added with `imsbox prompt add`): a 183 with packets, no sound;
#   * echo: webA dials `echo` and `*43`: the MRF answers and the browser hears
#     its own 1 kHz back (WebAudio AnalyserNode on the remote track,
#     tone_monitor.cjs);
#   * the check can say no: annc;play=silence;repeat=forever answered: 4 s of
#     packets, no 1 kHz in them.
# IMSBOX_TEST_MEDIA_ANCHOR=none runs the same with the P-CSCF not anchoring
# (the check that the test can fail: the browser cannot reach the MRF's
# plain RTP and hears nothing). IMSBOX_TEST_ANNOUNCEMENTS=false turns the
# TAS's announcements off (the other check: 603 at once, no 183).
source "$(dirname "$0")/../lib.sh"

HERE="$SOURCE_DIR/tests/integration/webclient"
DOMAIN=it.example.org
BASE=$(free_port_base)
WSS_PORT=$((BASE + 13))
MRF_LOG="$DATA_DIR/log/mrf.log"
require_chromium
[ -f "$IMSBOX_BUILD_DIR/web-client/app.js" ] || fail "no bundled web client in $IMSBOX_BUILD_DIR/web-client (target web_client)"
[ -x "$BIN/media-tool" ] || fail "no $BIN/media-tool"

write_config "$BASE"
sed -i "s/^media_anchor = none/media_anchor = ${IMSBOX_TEST_MEDIA_ANCHOR:-webrtc}/" "$DATA_DIR/imsbox.conf"
sed -i "/^\[tas\]/a announcements = ${IMSBOX_TEST_ANNOUNCEMENTS:-true}" "$DATA_DIR/imsbox.conf"
agw_rtp_range
AUDIO="$DATA_DIR/audio"
mkdir -p "$AUDIO"
"$BIN/media-tool" tone "$AUDIO/1k-48k.wav" --freq 1000 --rate 48000 --seconds 180 >/dev/null
python3 -c 'import sys, wave
w = wave.open(sys.argv[1], "wb"); w.setnchannels(1); w.setsampwidth(2); w.setframerate(16000)
w.writeframes(bytes(2 * 16000 * 2))' "$AUDIO/silence.wav"

expect_exit 0 "$IMSBOX" up --data-dir "$DATA_DIR"
wait_for_cx "$DOMAIN" || fail "the I-CSCF and the S-CSCF did not connect to the HSS"
for node in Mrf:mrf Tas:tas; do
  for _ in $(seq 1 100); do grep -q "${node%:*} ready" "$DATA_DIR/log/${node#*:}.log" 2>/dev/null && break; sleep 0.1; done
  grep -q "${node%:*} ready" "$DATA_DIR/log/${node#*:}.log" ||
    fail "${node#*:} is not ready: $(tail -n 5 "$DATA_DIR/log/${node#*:}.log")"
done
grep -q "media of WebRTC calls anchored in the AGW" "$DATA_DIR/log/pcscf.log" || [ "${IMSBOX_TEST_MEDIA_ANCHOR:-}" = none ] ||
  fail "the P-CSCF does not anchor WebRTC calls: $(grep -i 'media\|ready' "$DATA_DIR/log/pcscf.log" | head -5)"
for u in webA carl dora; do
  expect_exit 0 "$IMSBOX" subscriber add --data-dir "$DATA_DIR" --impi "$u@$DOMAIN" --impu "sip:$u@$DOMAIN" \
    --password "$u-secret"
done
expect_exit 0 "$IMSBOX" prompt add silence "$AUDIO/silence.wav" --data-dir "$DATA_DIR"
expect_out "added prompt silence (2.0 s)"
pass "up with pcscf.media_anchor = ${IMSBOX_TEST_MEDIA_ANCHOR:-webrtc}, the MRF and the TAS; webA, carl, dora provisioned; prompt silence added"

what_happened() {
  local f
  for f in pcscf tas mrf agw; do
    echo "--- $f.log:"
    grep -v ' debug ' "$DATA_DIR/log/$f.log" | tail -n 12
  done
}
# browser NAME PLAN: the browser (webA) makes PLAN's calls (mrf_calls.cjs); its notes in $DATA_DIR/NAME.json
browser() {
  local rc
  set +e
  timeout 240 node "$HERE/mrf_calls.cjs" --url "https://127.0.0.1:$WSS_PORT/" --domain "$DOMAIN" \
    --user webA:webA-secret --rtp-min "$AGW_RTP_MIN" --rtp-max "$AGW_RTP_MAX" --node-modules "$NODE_MODULES" \
    --wav "$AUDIO/1k-48k.wav" --plan "$2" --out "$DATA_DIR/$1.json" > "$DATA_DIR/$1.out" 2>&1
  rc=$?
  set -e
  cat "$DATA_DIR/$1.out"
  [ $rc = 0 ] || fail "$1: the browser's calls (exit $rc): $(what_happened)"
}
MRF="mrf.$DOMAIN"

# ---- early media: outgoing barring ----
expect_exit 0 "$IMSBOX" services set --data-dir "$DATA_DIR" "sip:webA@$DOMAIN" --outgoing-barring all
browser barred '[{"kind":"early","name":"OCB","target":"carl","status":603,"error":"call-rejected","text":"603","expect":"audio"}]'
grep -q "INVITE sip:annc@$MRF;play=outgoing-barred;early=603: early media" "$MRF_LOG" ||
  fail "OCB: the MRF did not play outgoing-barred in early media: $(what_happened)"
grep -q "originating for sip:webA@$DOMAIN: barred by rule .* (OCB): 603" "$DATA_DIR/log/tas.log" ||
  fail "OCB: no barring line in the TAS's log: $(what_happened)"
pass "OCB: the browser got the MRF's 183 through the AGW, heard outgoing-barred in early media, then 603 (shown)"
expect_exit 0 "$IMSBOX" services clear --data-dir "$DATA_DIR" "sip:webA@$DOMAIN"

# ---- early media: a callee not reachable; silence as the control; echo; its control ----
browser calls "$(cat <<PLAN
[{"kind":"early","name":"not reachable","target":"dora","status":480,"error":"callee-unavailable","expect":"audio"},
 {"kind":"early","name":"early silence","target":"sip:annc@$MRF;play=silence;early=603","status":603,
  "error":"call-rejected","text":"603","expect":"silence"},
 {"kind":"answered","name":"echo","target":"echo","hz":1000,"expect":"tone","seconds":3},
 {"kind":"answered","name":"*43","target":"*43","hz":1000,"expect":"tone","seconds":2},
 {"kind":"answered","name":"answered silence","target":"sip:annc@$MRF;play=silence;repeat=forever","hz":1000,
  "expect":"none","seconds":4}]
PLAN
)"
grep -q "INVITE sip:annc@$MRF;play=not-reachable;early=480: early media" "$MRF_LOG" ||
  fail "not reachable: the MRF did not play not-reachable in early media: $(what_happened)"
grep -q "terminating for sip:dora@$DOMAIN: 480 from the callee, announced first" "$DATA_DIR/log/tas.log" ||
  fail "not reachable: no line in the TAS's log: $(what_happened)"
pass "dora not registered: the browser heard not-reachable in early media, then 480 (shown)"
pass "annc;play=silence;early=603: a 183 with packets but no sound: the early-media check says no"
[ "$(grep -c "INVITE sip:echo@$MRF: answered" "$MRF_LOG")" = 2 ] ||
  fail "echo: the MRF's echo test did not answer twice: $(what_happened)"
pass "echo and *43: the MRF's echo test answered the browser, which heard its own 1 kHz back"
pass "annc;play=silence answered: packets but no 1 kHz: the echo check says no"
grep -q ' error ' "$DATA_DIR/log/agw.log" && fail "the AGW logged an error: $(grep ' error ' "$DATA_DIR/log/agw.log")"
pass "mrf_browser"
