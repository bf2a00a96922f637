#!/usr/bin/env bash
# The MRF's audio end to end (issue 19), heard by an independent phone:
# `imsbox up` (one box for every case), Debian's baresip registered with the
# box over UDP (SIP digest, a password subscriber), dialling the MRF through
# the P-CSCF and the S-CSCF (ctrl_tcp), its decoded audio recorded (sndfile).
# A 1.0 s 1 kHz prompt is added with `imsbox prompt add` (tone1k), so the
# tone is found exactly (media-tool detect: shared/media's tone detector).
#   * annc, for each codec in turn, the phone offering only that one
#     (AMR-WB and AMR: baresip's amr module; PCMU, PCMA: its g711; opus):
#       - ;play=tone1k;repeat=2: the phone hears 1 kHz for ~2.0 s (two plays),
#         all of it (20 windows of 100 ms: the MRF's silence after the
#         prompt pushes its end out of baresip's jitter buffer), then the
#         MRF hangs up (BYE, "announcement played: BYE"); the phone sends
#         2 kHz all along, which it does not hear back;
#       - ;play=welcome (a built-in spoken prompt): sound (RMS above
#         -50 dBFS) for about the prompt's length (`imsbox prompt list`), then BYE;
#   * echo (AMR-WB and PCMU): the phone sends 1 kHz and hears 1 kHz back;
#   * ivr;menu=audio (`imsbox ivr add`, AMR-WB and PCMU): after the
#     call is up the phone sends the digit 1 as RFC 4733 telephone-events
#     (baresip's /sndcode through ctrl_tcp): the MRF logs digit 1 and the
#     phone hears the 1 kHz choice after it (one play, ~1.0 s); 9 then hangs up
#     (goodbye, BYE from the MRF).
# IMSBOX_TEST_MRF_CODECS (default "AMR-WB AMR PCMU PCMA opus") narrows the annc runs.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../baresip_lib.sh"

HERE="$SOURCE_DIR/tests/integration/mrf"
CTRL="$SOURCE_DIR/tests/integration/media_calls/baresip_ctrl.py"
command -v baresip >/dev/null || fail "baresip is not installed (Debian package baresip-core)"
[ -x "$BIN/media-tool" ] || fail "no $BIN/media-tool"

DOMAIN=it.example.org
ADDR=127.0.0.1
BASE=$(free_port_base)
PCSCF_UDP="$ADDR:$((BASE + 10))"
PHONE_SIP=$((BASE + 16))   # baresip: SIP on UDP/TCP, TLS on the next port
PHONE_CTRL=$((BASE + 18))  # its ctrl_tcp
PHONE_RTP=$((BASE + 26))   # its RTP ports: BASE+26..30 (+22..25: the IPsec and TAS ports of write_config)
MRF_LOG="$DATA_DIR/log/mrf.log"
MEDIA_TOOL="$BIN/media-tool"

write_config "$BASE"
AUDIO="$DATA_DIR/audio"
mkdir -p "$AUDIO"
for tone in 1000:16000 1000:8000 2000:16000 2000:8000; do
  "$MEDIA_TOOL" tone "$AUDIO/${tone%:*}-${tone#*:}.wav" --freq "${tone%:*}" --rate "${tone#*:}" --seconds 60 >/dev/null
done
# baresip's opus takes 48 kHz stereo from aufile
python3 -c 'import math, struct, sys, wave
w = wave.open(sys.argv[1], "wb"); w.setnchannels(2); w.setsampwidth(2); w.setframerate(48000)
w.writeframes(b"".join(struct.pack("<hh", v, v) for v in
              (int(10000 * math.sin(2 * math.pi * 2000 * n / 48000)) for n in range(48000 * 60))))' "$AUDIO/2000-48000.wav"
"$MEDIA_TOOL" tone "$AUDIO/prompt.wav" --freq 1000 --rate 16000 --seconds 1.0 >/dev/null

expect_exit 0 "$IMSBOX" up --data-dir "$DATA_DIR"
wait_for_cx "$DOMAIN" || fail "the I-CSCF and the S-CSCF did not connect to the HSS"
for _ in $(seq 1 100); do grep -q "Mrf ready" "$MRF_LOG" 2>/dev/null && break; sleep 0.1; done
grep -q "Mrf ready" "$MRF_LOG" || fail "the MRF is not ready: $(tail -n 5 "$MRF_LOG")"
expect_exit 0 "$IMSBOX" subscriber add --data-dir "$DATA_DIR" --impi "phone@$DOMAIN" --impu "sip:phone@$DOMAIN" \
  --password phone-secret
expect_exit 0 "$IMSBOX" prompt add tone1k "$AUDIO/prompt.wav" --data-dir "$DATA_DIR"
expect_out "added prompt tone1k (1.0 s)"
expect_exit 0 "$IMSBOX" prompt list --data-dir "$DATA_DIR"
WELCOME_S=$(awk '$1 == "welcome" { print $2 }' <<<"$OUT")
[ -n "$WELCOME_S" ] || fail "prompt list shows no welcome: $OUT"
cat > "$DATA_DIR/audio.menu" <<MENU
prompt = menu-main
choice 1 = play tone1k
choice 9 = hangup
timeout_ms = 20000
MENU
expect_exit 0 "$IMSBOX" ivr add audio "$DATA_DIR/audio.menu" --data-dir "$DATA_DIR"
pass "up; phone provisioned (password); prompt tone1k (1.0 s of 1 kHz) added; welcome is $WELCOME_S s; menu audio added"

# ---- the phone ----
PHONE_PID=""
PHONE_DIR=""
plain() { sed 's/\x1b\[[0-9;]*m//g' "$@"; }
stop_phone() {
  [ -n "$PHONE_PID" ] || return 0
  kill -TERM "$PHONE_PID" 2>/dev/null || true   # it de-registers
  for _ in $(seq 1 50); do kill -0 "$PHONE_PID" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$PHONE_PID" 2>/dev/null || true
  wait "$PHONE_PID" 2>/dev/null || true
  PHONE_PID=""
}
trap 'rc=$?; set +e; stop_phone; (exit $rc); cleanup' EXIT   # set +e: (exit $rc) must not end the trap

# start_phone NAME MODULE CODEC SOURCE_WAV: baresip offering only CODEC (its account's audio_codecs)
start_phone() {
  local name=$1 module=$2 codec=$3 wav=$4
  PHONE_DIR="$DATA_DIR/phone-$name"
  baresip_config "$PHONE_DIR" "$ADDR:$PHONE_SIP" "$PHONE_RTP-$((PHONE_RTP + 4))" "$wav" "$module"
  printf 'module_app ctrl_tcp.so\nctrl_tcp_listen 127.0.0.1:%s\n' "$PHONE_CTRL" >> "$PHONE_DIR/config"
  # baresip decodes when packets come, 5 frames behind; room for 50 so that a burst after a stall drops nothing
  echo "jitter_buffer_delay 5-50" >> "$PHONE_DIR/config"
  echo "<sip:phone@$DOMAIN>;auth_user=phone@$DOMAIN;auth_pass=phone-secret;outbound=\"sip:$PCSCF_UDP;transport=udp\";regint=600;audio_codecs=$codec" \
    > "$PHONE_DIR/accounts"
  baresip -f "$PHONE_DIR" -t 300 > "$PHONE_DIR/out" 2>&1 &
  PHONE_PID=$!
  for _ in $(seq 1 200); do
    grep -qE "phone@$DOMAIN: \{0/UDP/v4\} [0-9]{3}" "$PHONE_DIR/out" && break
    kill -0 "$PHONE_PID" 2>/dev/null || break
    sleep 0.1
  done
  grep -qE "phone@$DOMAIN: \{0/UDP/v4\} 200 OK" "$PHONE_DIR/out" ||
    fail "$name: baresip did not register: $(plain "$PHONE_DIR/out" | tail -20)"
}

story() { echo "--- baresip"; plain "$PHONE_DIR/out" | grep -v '^\[' | tail -15; echo "--- the MRF"; tail -n 8 "$MRF_LOG"; }
ctrl() { python3 "$CTRL" "$PHONE_CTRL" "$@" >> "$PHONE_DIR/ctrl.out" 2>&1 || fail "baresip /$1 $2 failed: $(tail -2 "$PHONE_DIR/ctrl.out")"; }
# seen REGEX: how many lines of the phone's output match
seen() { plain "$PHONE_DIR/out" | grep -cE "$1" || true; }

# call NAME URI: the phone dials URI and waits until the call is up; CALLS counts the calls of this phone
CALLS=0
call() {
  local name=$1 uri=$2
  CALLS=$((CALLS + 1))
  ctrl dial "$uri"
  for _ in $(seq 1 100); do
    [ "$(seen 'Call established')" -ge "$CALLS" ] && break
    [ "$(seen 'terminated \(duration')" -ge "$CALLS" ] && break
    sleep 0.1
  done
  [ "$(seen 'Call established')" -ge "$CALLS" ] || fail "$name: the call to $uri was not established: $(story)"
  ESTABLISHED=$(date +%s.%N)
}
# ended_by_mrf NAME SECONDS: the call ends (the MRF's BYE) within SECONDS; SECONDS_UP: how long it lasted
ended_by_mrf() {
  local name=$1 limit=$2
  for _ in $(seq 1 $((limit * 10))); do
    [ "$(seen 'terminated \(duration')" -ge "$CALLS" ] && break
    sleep 0.1
  done
  [ "$(seen 'terminated \(duration')" -ge "$CALLS" ] || fail "$name: the MRF did not end the call within $limit s: $(story)"
  SECONDS_UP=$(awk -v a="$(date +%s.%N)" -v b="$ESTABLISHED" 'BEGIN { printf "%.2f", a - b }')
}
# hang_up: the phone ends the call
hang_up() {
  ctrl hangup
  for _ in $(seq 1 50); do [ "$(seen 'terminated \(duration')" -ge "$CALLS" ] && break; sleep 0.1; done
}
# recording: the phone's newest recording (complete once baresip closed it), in REC
LAST_REC=""
recording() {
  local name=$1
  for _ in $(seq 1 50); do
    REC=$(ls -t "$PHONE_DIR"/dump/*-dec.wav 2>/dev/null | head -1)
    [ -n "$REC" ] && [ "$REC" != "$LAST_REC" ] && break
    sleep 0.1
  done
  [ -n "$REC" ] && [ "$REC" != "$LAST_REC" ] || fail "$name: baresip recorded nothing: $(ls -la "$PHONE_DIR/dump")"
  LAST_REC=$REC
}
# tone_windows REC HZ: media-tool's windows (100 ms) with HZ in REC, in WINDOWS (and FIRST_AT); DETECT is its report
tone_windows() {
  DETECT=$("$MEDIA_TOOL" detect "$1" --freq "$2" --min-windows 1 2>&1) || true
  WINDOWS=$(sed -n "s/^windows with $2 Hz: \([0-9]*\) of.*/\1/p" <<<"$DETECT")
  FIRST_AT=$(sed -n 's/.*first at \(-\?[0-9.]*\) s$/\1/p' <<<"$DETECT")
  [ -n "$WINDOWS" ] || fail "media-tool detect $1: $DETECT"
}
between() { awk -v v="$1" -v lo="$2" -v hi="$3" 'BEGIN { exit !(v >= lo && v <= hi) }'; }
byes() { grep -c "announcement played: BYE" "$MRF_LOG" || true; }

# ---- announcements, one codec at a time ----
annc_with() {
  local codec=$1 module=$2 rate=$3 before
  start_phone "annc-$codec" "$module" "$codec" "$AUDIO/2000-$rate.wav"

  before=$(byes)
  call "annc-$codec" "sip:annc@mrf.$DOMAIN;play=tone1k;repeat=2"
  grep -q "INVITE sip:annc@mrf.$DOMAIN;play=tone1k;repeat=2: answered ($codec/" "$MRF_LOG" ||
    fail "annc $codec: the MRF did not answer with $codec: $(story)"
  ended_by_mrf "annc $codec" 15
  [ "$(byes)" -gt "$before" ] || fail "annc $codec: the call ended without the MRF's BYE: $(story)"
  recording "annc $codec"
  tone_windows "$REC" 1000
  # two plays of 1.0 s, all of it: 20 windows of 100 ms (one play would be 10; 19: the end was not played
  # out, baresip holds the last 5 frames until more packets come, which the MRF's silence after a prompt
  # that ends the call pushes out)
  between "$WINDOWS" 20 22 || fail "annc $codec: 1 kHz in $WINDOWS windows of 100 ms, not 20 (2 x 1.0 s): $DETECT"
  local heard=$WINDOWS first=$FIRST_AT
  tone_windows "$REC" 2000
  [ "$WINDOWS" -le 2 ] || fail "annc $codec: the phone hears its own 2 kHz back ($WINDOWS windows): $DETECT"
  # the BYE right after the second play: the recording (the phone's whole call) is not much longer than the tone
  local length
  length=$(python3 "$HERE/wav_energy.py" "$REC" | sed -n 's/^length \([0-9.]*\) s.*/\1/p')
  between "$length" 1.7 2.8 || fail "annc $codec: the phone's recording lasts $length s, not ~2 s (the BYE after the second play)"
  between "$SECONDS_UP" 1.5 5 || fail "annc $codec: the MRF's BYE came $SECONDS_UP s after the answer, not after ~2 s"
  pass "annc;play=tone1k;repeat=2 with $codec: 1 kHz heard in $heard windows of 100 ms (first at $first s) of a $length s call, then BYE from the MRF"

  before=$(byes)
  call "welcome-$codec" "sip:annc@mrf.$DOMAIN;play=welcome"
  ended_by_mrf "welcome $codec" 20
  [ "$(byes)" -gt "$before" ] || fail "welcome $codec: the call ended without the MRF's BYE: $(story)"
  recording "welcome $codec"
  local energy
  energy=$(python3 "$HERE/wav_energy.py" "$REC")
  local active
  active=$(sed -n 's/.*active \([0-9.]*\) s.*/\1/p' <<<"$energy")
  # speech has pauses: at least half of the prompt's length is sound, and no more than all of it (+ a margin)
  between "$active" "$(awk -v s="$WELCOME_S" 'BEGIN { print s * 0.5 }')" "$(awk -v s="$WELCOME_S" 'BEGIN { print s + 0.5 }')" ||
    fail "welcome $codec: sound for $active s of a $WELCOME_S s prompt: $energy"
  pass "annc;play=welcome with $codec: sound for $active s of the $WELCOME_S s prompt ($energy), then BYE"
  stop_phone
  CALLS=0
}

for codec in ${IMSBOX_TEST_MRF_CODECS-AMR-WB AMR PCMU PCMA opus}; do
  case $codec in
    AMR-WB) annc_with AMR-WB amr 16000 ;;
    AMR) annc_with AMR amr 8000 ;;
    PCMU|PCMA) annc_with "$codec" g711 8000 ;;
    opus) annc_with opus opus 48000 ;;
    *) fail "no codec $codec" ;;
  esac
done

# ---- echo: the phone sends 1 kHz and hears it back ----
echo_with() {
  local codec=$1 module=$2 rate=$3
  start_phone "echo-$codec" "$module" "$codec" "$AUDIO/1000-$rate.wav"
  call "echo $codec" "sip:echo@mrf.$DOMAIN"
  sleep 3   # the length of the call (what is checked is the recording)
  hang_up
  recording "echo $codec"
  tone_windows "$REC" 1000
  [ "$WINDOWS" -ge 15 ] || fail "echo $codec: 1 kHz back in $WINDOWS windows of 100 ms of a 3 s call: $DETECT"
  pass "echo with $codec: the phone's 1 kHz came back in $WINDOWS windows of 100 ms (first at $FIRST_AT s)"
  stop_phone
  CALLS=0
}
echo_with AMR-WB amr 16000
echo_with PCMU g711 8000

# ---- IVR: the digit 1 as RFC 4733 events from the phone plays tone1k ----
# at_ms CALL_ID TEXT: the MRF's log time (ms of the day) of its first line about CALL_ID with TEXT
at_ms() {
  grep -F "call_id=$1 " "$MRF_LOG" | grep -F -- "$2" | head -1 |
    awk '{ split(substr($1, 12, 12), t, ":"); printf "%d", (t[1] * 3600 + t[2] * 60 + t[3]) * 1000 }'
}
ivr_with() {
  local codec=$1 module=$2 rate=$3 call_id digit_s
  start_phone "ivr-$codec" "$module" "$codec" "$AUDIO/2000-$rate.wav"
  call "ivr $codec" "sip:ivr@mrf.$DOMAIN;menu=audio"
  call_id=$(grep -F "INVITE sip:ivr@mrf.$DOMAIN;menu=audio: answered ($codec/" "$MRF_LOG" | tail -1 |
            sed -n 's/.* call_id=\([^ ]*\) .*/\1/p')
  [ -n "$call_id" ] || fail "ivr $codec: the MRF did not answer with $codec: $(story)"
  sleep 1   # into the menu's prompt (menu-main, speech): the digit barges in
  ctrl sndcode 1
  for _ in $(seq 1 50); do grep -q "call_id=$call_id digit 1" "$MRF_LOG" && break; sleep 0.1; done
  grep -q "call_id=$call_id digit 1" "$MRF_LOG" || fail "ivr $codec: the MRF did not get the digit 1: $(story)"
  # baresip 1.0 sends digits only as RFC 4733 telephone-events in its RTP (no SIP INFO)
  grep -q "audio: send DTMF digit: '1'" "$PHONE_DIR/out" || fail "ivr $codec: baresip did not send the digit in its RTP"
  sleep 2   # the choice's 1.0 s tone
  ctrl sndcode 9
  ended_by_mrf "ivr $codec" 15
  grep -q "call_id=$call_id digit 9" "$MRF_LOG" || fail "ivr $codec: the MRF did not get the digit 9: $(story)"
  recording "ivr $codec"
  tone_windows "$REC" 1000
  between "$WINDOWS" 8 12 || fail "ivr $codec: 1 kHz in $WINDOWS windows of 100 ms, not ~10 (tone1k once): $DETECT"
  # when the MRF took the digit (after the answer, by its log) against when the phone's recording has the tone
  digit_s=$(awk -v a="$(at_ms "$call_id" answered)" -v d="$(at_ms "$call_id" "digit 1")" 'BEGIN { printf "%.2f", (d - a) / 1000 }')
  awk -v f="$FIRST_AT" -v d="$digit_s" 'BEGIN { exit !(f >= d - 0.3 && f <= d + 1.0) }' ||
    fail "ivr $codec: 1 kHz from $FIRST_AT s of the call, the digit at $digit_s s: $DETECT"
  pass "ivr;menu=audio with $codec: the phone's RFC 4733 digit 1 taken by the MRF $digit_s s into the call, 1 kHz heard from $FIRST_AT s ($WINDOWS windows of 100 ms); 9: BYE from the MRF"
  stop_phone
  CALLS=0
}
ivr_with AMR-WB amr 16000
ivr_with PCMU g711 8000

expect_exit 0 "$IMSBOX" down --data-dir "$DATA_DIR"
