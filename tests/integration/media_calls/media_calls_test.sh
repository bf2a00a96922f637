#!/usr/bin/env bash
# Heard audio through the whole box (issue 16): `imsbox up` with
# pcscf.media_anchor = webrtc (the default), so the P-CSCF drives the box's
# own AGW over ng. The bundled web client in headless Chromium
# (pcscf_media/browser_media.cjs) sends a 1 kHz tone; a phone registered with
# the box over UDP (Debian's baresip, SIP digest) sends a 2 kHz one. For each
# of the phone's codecs, the browser calls the phone and the phone calls the
# browser (baresip dials through its ctrl_tcp module):
#   * AMR-WB octet-aligned (baresip's amr module): transcoded (Opus <-> AMR-WB);
#   * AMR-NB (the same module, the account limited to AMR): transcoded;
#   * PCMU (baresip's g711): relayed, no transcoding;
#   * AMR-WB bandwidth-efficient, which baresip does not do: sipp registered
#     with digest carries the SDP (be_uas.xml, be_uac.xml) and starts
#     rtp-phone (tests/integration/media), which sends the tone in AMR-WB BE
#     (the media library's RFC 4867 packing) and records what it receives;
#     its only telephone-event is /16000: in both calls the browser sends 16
#     digits (0-9 * # A-D, RTCDTMFSender) and so does rtp-phone (at /16000);
#     a capture of what the AGW sends (dumpcap) is checked by check_dtmf.py:
#     toward the phone tshark's rtpevent dissector decodes the 16 digits in
#     order, each ended, durations of a 100 ms tone at 16 kHz (~1600 units),
#     timestamps on a 16 kHz clock, and rtp-phone logged the same; toward the
#     browser 16 events on its telephone-event payload type at 48 kHz;
#   * once with the client in headless Firefox (its fake microphone's 1 kHz),
#     with the AMR-WB octet-aligned phone: the phone hears the 1 kHz; Firefox's
#     AudioContext stays suspended without an audio output device, so what it
#     receives is checked with getStats (packets, decoded audio level).
# Each call: the browser's remote SDP is the AGW's, the browser hears 2 kHz
# (WebAudio AnalyserNode: within 2 %, above -70 dB), baresip's recording has
# 1 kHz (media-tool detect; rtp-phone's recording for BE), and the AGW's log has the plan expected for the
# codec (relay or transcode). Then:
#   * browser <-> browser (two Chromium instances, 1 kHz and 2.5 kHz): each
#     hears the other, each one's remote SDP has only the AGW's ports;
#   * 20 calls in a row browser -> phone (AMR-WB), each checked both ways
#     after ~2 s of audio (no one-way audio); the time from the 200 OK to
#     the first analyser frame with the tone is printed
#     ("media_calls: 200 OK to audio: N ms", the median).
# The test runs in a network namespace of its own (root: unshare -n), the
# box on 10.77.0.1 there (a veth in the namespace): Firefox gathers no
# loopback candidate and pairs none of its own with the AGW's 127.0.0.1, so
# a box on loopback cannot carry its media (a real box advertises a routable
# address anyway).
# IMSBOX_TEST_MEDIA_ANCHOR=none runs the same with the P-CSCF not anchoring
# (the check that the test can fail: the browser hears nothing from a phone).
source "$(dirname "$0")/../netns_lib.sh"
in_own_netns "$0" "$@"
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../baresip_lib.sh"
ADDR=10.77.0.1
ip link add mc0 type veth peer name mc1
ip addr add "$ADDR/24" dev mc0
ip link set mc0 up
ip link set mc1 up
ip route add default via 10.77.0.2 dev mc0   # Firefox gathers nothing without a default route

HERE="$SOURCE_DIR/tests/integration/media_calls"
DRIVER="$SOURCE_DIR/tests/integration/pcscf_media/browser_media.cjs"
require_chromium
[ -x /usr/bin/firefox-esr ] || fail "/usr/bin/firefox-esr is not installed (Debian package firefox-esr)"
[ -d "$NODE_MODULES/puppeteer-core" ] || fail "no puppeteer-core in $NODE_MODULES (target web_client runs npm ci)"
command -v baresip >/dev/null || fail "baresip is not installed (Debian package baresip-core)"
[ -x "$BIN/media-tool" ] && [ -x "$BIN/rtp-phone" ] || fail "no $BIN/media-tool or $BIN/rtp-phone"

DOMAIN=it.example.org
BASE=$(free_port_base)
PCSCF_UDP="$ADDR:$((BASE + 10))"
WSS_PORT=$((BASE + 13))
PHONE_SIP=$((BASE + 16))   # baresip: SIP on UDP/TCP, TLS on the next port
PHONE_CTRL=$((BASE + 18))  # its ctrl_tcp
PHONE_RTP=$((BASE + 20))   # its RTP ports: BASE+20..27
ANCHOR=${IMSBOX_TEST_MEDIA_ANCHOR:-webrtc}

write_config "$BASE"
sed -i -e "s/^media_anchor = none/media_anchor = $ANCHOR/" -e "s/^bind_address = 127.0.0.1/bind_address = $ADDR/" \
  "$DATA_DIR/imsbox.conf"
agw_rtp_range
RTP_MIN=$AGW_RTP_MIN RTP_MAX=$AGW_RTP_MAX
AGW_LOG="$DATA_DIR/log/agw.log"
AUDIO="$DATA_DIR/audio"
mkdir -p "$AUDIO"
for tone in 1000:48000 2500:48000 2000:16000 2000:8000; do
  "$BIN/media-tool" tone "$AUDIO/${tone%:*}-${tone#*:}.wav" --freq "${tone%:*}" --rate "${tone#*:}" --seconds 90 >/dev/null
done

expect_exit 0 "$IMSBOX" up --data-dir "$DATA_DIR"
wait_for_cx "$DOMAIN" || fail "the I-CSCF and the S-CSCF did not connect to the HSS"
grep -q "media of WebRTC calls anchored in the AGW" "$DATA_DIR/log/pcscf.log" || [ "$ANCHOR" = none ] ||
  fail "the P-CSCF does not anchor WebRTC calls: $(grep -i 'media\|ready' "$DATA_DIR/log/pcscf.log" | head -5)"
for u in webA webB phone bephone; do
  expect_exit 0 "$IMSBOX" subscriber add --data-dir "$DATA_DIR" --impi "$u@$DOMAIN" --impu "sip:$u@$DOMAIN" \
    --password "$u-secret"
done
pass "up with pcscf.media_anchor = $ANCHOR; webA, webB and phone provisioned (passwords)"

# ---- the phone: baresip registered with the box over UDP ----
PHONE_PID=""
PHONE_DIR=""
CAP_PID=""
plain() { sed 's/\x1b\[[0-9;]*m//g' "$@"; }
stop_phone() {
  [ -n "$PHONE_PID" ] || return 0
  kill -TERM "$PHONE_PID" 2>/dev/null || true   # it de-registers
  for _ in $(seq 1 50); do kill -0 "$PHONE_PID" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$PHONE_PID" 2>/dev/null || true
  wait "$PHONE_PID" 2>/dev/null || true
  PHONE_PID=""
}
# rtp-phone (started by sipp, detached) records into this data dir: those of a failed run end here
trap 'rc=$?; set +e; stop_phone; [ -z "$CAP_PID" ] || kill "$CAP_PID"; pkill -f -- "--record $DATA_DIR/"; (exit $rc); cleanup' EXIT   # set +e: (exit $rc) must not end the trap

# start_phone NAME MODULE CODEC TONE_WAV: baresip with only CODEC (its account's audio_codecs)
start_phone() {
  local name=$1 module=$2 codec=$3 wav=$4
  PHONE_DIR="$DATA_DIR/phone-$name"
  baresip_config "$PHONE_DIR" "$ADDR:$PHONE_SIP" "$PHONE_RTP-$((PHONE_RTP + 7))" "$wav" "$module"
  printf 'module_app ctrl_tcp.so\nctrl_tcp_listen 127.0.0.1:%s\n' "$PHONE_CTRL" >> "$PHONE_DIR/config"
  echo "<sip:phone@$DOMAIN>;auth_user=phone@$DOMAIN;auth_pass=phone-secret;outbound=\"sip:$PCSCF_UDP;transport=udp\";regint=600;answermode=auto;audio_codecs=$codec" \
    > "$PHONE_DIR/accounts"
  baresip -f "$PHONE_DIR" -t 200 > "$PHONE_DIR/out" 2>&1 &
  PHONE_PID=$!
  for _ in $(seq 1 200); do
    grep -qE "phone@$DOMAIN: \{0/UDP/v4\} [0-9]{3}" "$PHONE_DIR/out" && break
    kill -0 "$PHONE_PID" 2>/dev/null || break
    sleep 0.1
  done
  grep -qE "phone@$DOMAIN: \{0/UDP/v4\} 200 OK" "$PHONE_DIR/out" ||
    fail "$name: baresip did not register: $(plain "$PHONE_DIR/out" | tail -20)"
}
export PHONE_DIR PHONE_CTRL

# The check after each call with the phone (run by the driver with CALL_N, CALL_KIND, CALL_ID):
# the AGW's plan for the call, and baresip's recording of it has the browser's 1 kHz.
# PLAN is a regular expression (ERE) the AGW's "answer from tag" line must match.
cat > "$DATA_DIR/after_call.sh" <<'SH'
set -u
leg=orig; [ "$CALL_KIND" = in ] && leg=term
line=$(grep -F "call_id=$CALL_ID;$leg answer from tag" "$AGW_LOG" | tail -1)
grep -qE -- "$PLAN" <<<"$line" || { echo "FAIL: call $CALL_N: the AGW's plan is not '$PLAN': '$line'"; exit 1; }
[ "$CALL_N" -le 2 ] && echo "ok: call $CALL_N ($CALL_KIND): the AGW's plan: ${line##*: }"
# the recording the phone made of this call: the newest one, complete once baresip closes it
for _ in $(seq 1 100); do
  rec=$(ls -t "$PHONE_DIR"/dump/*-dec.wav 2>/dev/null | head -1)
  if [ -n "$rec" ] && [ "$rec" != "$(cat "$PHONE_DIR/last-rec" 2>/dev/null)" ] &&
     "$MEDIA_TOOL" detect "$rec" --freq 1000 --skip-seconds 0.5 --min-windows 8 > "$PHONE_DIR/detect" 2>&1; then
    echo "$rec" > "$PHONE_DIR/last-rec"
    echo "ok: call $CALL_N ($CALL_KIND): the phone heard the browser's 1 kHz: $(grep windows "$PHONE_DIR/detect")"
    exit 0
  fi
  sleep 0.1
done
echo "FAIL: call $CALL_N ($CALL_KIND): the phone did not hear 1 kHz in ${rec:-no recording}: $(cat "$PHONE_DIR/detect" 2>/dev/null)"
exit 1
SH
export AGW_LOG MEDIA_TOOL="$BIN/media-tool"

# browser_calls NAME PLAN CALLS PHONE_CALLS: the browser's calls (CALLS, for browser_media.cjs) with
# the phone of $PHONE_DIR; PHONE_CALLS is the bash command that makes the phone call the browser.
# The browser: Chromium, or $BROWSER (firefox).
browser_calls() {
  local name=$1 calls=$3 rc
  export PLAN=$2
  set +e
  timeout 200 node "$DRIVER" --url "https://$ADDR:$WSS_PORT/" --domain "$DOMAIN" --user webA:webA-secret \
    --phone "${PHONE_USER:-phone}" --rtp-min "$RTP_MIN" --rtp-max "$RTP_MAX" --node-modules "$NODE_MODULES" \
    --wav "$AUDIO/1000-48000.wav" --expect-hz 2000 --seconds "${HOLD_SECONDS:-2}" --calls "$calls" --phone-calls "$4" \
    ${DTMF:+--dtmf "$DTMF"} \
    --after-call "bash '$DATA_DIR/after_call.sh'" --out "$DATA_DIR/$name.json" --browser "${BROWSER:-chromium}" \
    > "$DATA_DIR/$name.out" 2>&1
  rc=$?
  set -e
  sed "s/^/  [$name] /" "$DATA_DIR/$name.out"
  [ $rc = 0 ] || return 1
}

# with_phone NAME MODULE CODEC TONE_WAV PLAN CALLS: baresip with that codec, the browser's calls
with_phone() {
  local name=$1 module=$2 codec=$3 wav=$4 plan=$5 calls=$6
  start_phone "$name" "$module" "$codec" "$wav"
  if ! browser_calls "$name" "$plan" "$calls" \
       "python3 '$HERE/baresip_ctrl.py' $PHONE_CTRL dial sip:webA@$DOMAIN > '$PHONE_DIR/dial.out'"; then
    echo "--- baresip"; plain "$PHONE_DIR/out" | grep -v '^\[' | tail -25
    echo "--- the AGW"; tail -n 15 "$AGW_LOG"
    fail "$name: the browser's calls with baresip ($codec) failed"
  fi
  stop_phone
  pass "$name: browser <-> phone ($codec), $calls: each side heard the other; the AGW's plan: $PLAN"
}

# AMR-WB octet-aligned: both call directions, then 20 calls in a row browser -> phone (each ~2 s, both ways checked)
with_phone amr-wb-oa amr AMR-WB "$AUDIO/2000-16000.wav" "transcode .*AMR-WB/16000" "out,in,out*20"
with_phone amr-nb amr AMR "$AUDIO/2000-8000.wav" "transcode .*AMR/8000" out,in
with_phone pcmu g711 PCMU "$AUDIO/2000-8000.wav" "relay PCMU/8000 " out,in
# the same web client in headless Firefox (its own fake tone is 1 kHz too), with the AMR-WB phone
BROWSER=firefox with_phone firefox-amr-wb amr AMR-WB "$AUDIO/2000-16000.wav" "transcode .*AMR-WB/16000" out,in

# ---- AMR-WB bandwidth-efficient: sipp signals (registered with digest), rtp-phone sends and records ----
source "$SOURCE_DIR/tests/integration/sipp_lib.sh"
export -f sipp_to
export SIPP DOMAIN
PHONE_DIR="$DATA_DIR/phone-amr-wb-be"
mkdir -p "$PHONE_DIR/dump"
BE_KEYS="-key tool $BIN/rtp-phone -key phone_rtp $PHONE_RTP -key dump $PHONE_DIR/dump"
sipp_to be-register "$PCSCF_UDP" "$ADDR" "$PHONE_SIP" "$SOURCE_DIR/tests/integration/registration/register_digest.xml" -s bephone \
  -au "bephone@$DOMAIN" -ap bephone-secret -key expires 600 || fail "the BE phone did not register: $(sipp_story be-register)"
grep -q '^final: SIP/2.0 200' "$SIPP/be-register.log" || fail "the BE phone did not register: $(sipp_story be-register)"
# what the AGW sends (from its RTP ports) during the BE calls: their DTMF is checked on the wire
BE_PCAP="$DATA_DIR/amr-wb-be.pcap"
dumpcap -q -P -i lo -f "udp and src portrange $RTP_MIN-$RTP_MAX" -w "$BE_PCAP" 2> "$DATA_DIR/dumpcap.err" &
CAP_PID=$!
for _ in $(seq 1 100); do grep -q "Capturing on" "$DATA_DIR/dumpcap.err" && break; sleep 0.1; done
grep -q "Capturing on" "$DATA_DIR/dumpcap.err" || fail "dumpcap did not start: $(cat "$DATA_DIR/dumpcap.err")"
# it answers the browser's call, then (once that is over) calls the browser
SIPP_TIMEOUT=60 sipp_to be-answers "$PCSCF_UDP" "$ADDR" "$PHONE_SIP" "$HERE/be_uas.xml" -s bephone $BE_KEYS &
be_answers=$!
# each call ~7 s: 16 digits each way (the phone's begin 1.5 s after the ACK, ~4.5 s of them)
DTMF='0123456789*#ABCD'
HOLD_SECONDS=7 DTMF=$DTMF PHONE_USER=bephone browser_calls amr-wb-be "transcode .*AMR-WB/16000 \(pt [0-9]+(, mode-change-capability=2;max-red=0)?\)" out,in \
  "while kill -0 $be_answers 2>/dev/null; do sleep 0.1; done
   sipp_to be-calls $PCSCF_UDP $ADDR $PHONE_SIP '$HERE/be_uac.xml' -s webA -key caller bephone $BE_KEYS" ||
  fail "amr-wb-be: the browser's calls with the AMR-WB BE phone failed: $(sipp_story be-answers be-calls; cat "$PHONE_DIR"/dump/rtp-phone.*)"
wait "$be_answers" || fail "amr-wb-be: the phone that answers: $(sipp_story be-answers)"
sed 's/^/  [amr-wb-be] /' "$PHONE_DIR/dump/rtp-phone.out" | grep -v "rtp-phone: event "
pass "amr-wb-be: browser <-> phone (AMR-WB bandwidth-efficient, rtp-phone), out,in: each side heard the other; the AGW's plan: $PLAN"
kill -INT "$CAP_PID"
wait "$CAP_PID" || true
CAP_PID=""
python3 "$HERE/check_dtmf.py" "$BE_PCAP" "$DATA_DIR/amr-wb-be.json" "$PHONE_DIR/dump/rtp-phone.out" "$PHONE_RTP" "$DTMF" \
  "${IMSBOX_TEST_DTMF_PHONE_RATE:-16000}" > "$DATA_DIR/dtmf.out" 2>&1 || dtmf_rc=$?
sed 's/^/  [dtmf] /' "$DATA_DIR/dtmf.out"
[ "${dtmf_rc:-0}" = 0 ] || fail "amr-wb-be: DTMF with the telephone-event/16000 phone"
pass "amr-wb-be: DTMF both ways in both calls: 16 digits browser -> phone at telephone-event/16000 (tshark rtpevent and rtp-phone), 16 phone -> browser at 48000"

# ---- browser <-> browser: two Chromium instances, 1 kHz and 2.5 kHz ----
set +e
timeout 120 node "$DRIVER" --url "https://$ADDR:$WSS_PORT/" --domain "$DOMAIN" --user webA:webA-secret \
  --rtp-min "$RTP_MIN" --rtp-max "$RTP_MAX" --node-modules "$NODE_MODULES" --calls b2b --seconds 2 \
  --wav "$AUDIO/1000-48000.wav" --expect-hz 2500 --peer webB:webB-secret --peer-wav "$AUDIO/2500-48000.wav" \
  --peer-expect-hz 1000 --out "$DATA_DIR/b2b.json" > "$DATA_DIR/b2b.out" 2>&1
rc=$?
set -e
sed "s/^/  [b2b] /" "$DATA_DIR/b2b.out"
[ $rc = 0 ] || fail "browser <-> browser: exit $rc: $(tail -n 15 "$AGW_LOG")"
CALL_ID=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[0]["callId"])' "$DATA_DIR/b2b.json")
for leg in orig term; do
  line=$(grep -F "call_id=$CALL_ID;$leg answer from tag" "$AGW_LOG" | tail -1)
  grep -qE "relay opus/48000 " <<<"$line" || fail "browser <-> browser: the AGW's plan for the $leg leg: '$line'"
  echo "  the AGW's plan for the $leg leg: ${line##*: }"
done
pass "browser <-> browser through the AGW (both legs anchored, Opus relayed): each hears the other's tone; each one's remote SDP has only the AGW's ports"

# ---- 200 OK to audio ----
python3 - "$DATA_DIR"/amr-wb-oa.json "$DATA_DIR"/amr-nb.json "$DATA_DIR"/pcmu.json "$DATA_DIR"/amr-wb-be.json "$DATA_DIR"/b2b.json > "$DATA_DIR/delay" <<'PY'
import json, statistics, sys
ms = [c["answerToToneMs"] for f in sys.argv[1:] for c in json.load(open(f))]
print(len(ms), round(statistics.median(ms)), max(ms))
PY
read -r n median worst < "$DATA_DIR/delay"
echo "media_calls: 200 OK to audio: $median ms (median of $n calls; the slowest $worst ms)"
[ "$median" -lt 1000 ] || fail "200 OK to audio: the median is $median ms, not below 1 s"
pass "200 OK to audio: median $median ms, below 1 s"
