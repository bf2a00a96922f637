#!/usr/bin/env bash
# An IVR transfer that completes (issue 19), with two independent phones:
# `imsbox up`; a menu "xfer" stored through the HSS's provisioning API (curl,
# PUT /v1/ivr-menus/xfer) whose choice 2 transfers to sip:bert@D; two
# Debian baresips registered over UDP (SIP digest): anna sends 1 kHz, bert
# (answermode=auto) sends 2 kHz.
#   * anna dials sip:ivr@mrf.D;menu=xfer and sends the digit 2 (RFC 4733);
#   * the MRF sends REFER (Refer-To: <sip:bert@D>); anna's baresip accepts it
#     and calls bert through the box (P-CSCF, S-CSCF, anna's INVITE), bert
#     answers;
#   * anna's NOTIFY with a 200 sipfrag reaches the MRF, which leaves (BYE);
#   * anna and bert are in a call: each hears the other's tone (baresip's
#     recordings, media-tool detect), until anna hangs up.
source "$(dirname "$0")/../lib.sh"
source "$(dirname "$0")/../baresip_lib.sh"

CTRL="$SOURCE_DIR/tests/integration/media_calls/baresip_ctrl.py"
command -v baresip >/dev/null || fail "baresip is not installed (Debian package baresip-core)"
[ -x "$BIN/media-tool" ] || fail "no $BIN/media-tool"

DOMAIN=it.example.org
ADDR=127.0.0.1
BASE=$(free_port_base)
PCSCF_UDP="$ADDR:$((BASE + 10))"
API="http://127.0.0.1:$((BASE + 8))/v1"
MRF_LOG="$DATA_DIR/log/mrf.log"
MEDIA_TOOL="$BIN/media-tool"

write_config "$BASE"
AUDIO="$DATA_DIR/audio"
mkdir -p "$AUDIO"
"$MEDIA_TOOL" tone "$AUDIO/1000.wav" --freq 1000 --rate 8000 --seconds 60 >/dev/null
"$MEDIA_TOOL" tone "$AUDIO/2000.wav" --freq 2000 --rate 8000 --seconds 60 >/dev/null

expect_exit 0 "$IMSBOX" up --data-dir "$DATA_DIR"
wait_for_cx "$DOMAIN" || fail "the I-CSCF and the S-CSCF did not connect to the HSS"
for _ in $(seq 1 100); do grep -q "Mrf ready" "$MRF_LOG" 2>/dev/null && break; sleep 0.1; done
grep -q "Mrf ready" "$MRF_LOG" || fail "the MRF is not ready: $(tail -n 5 "$MRF_LOG")"
for who in anna bert; do
  expect_exit 0 "$IMSBOX" subscriber add --data-dir "$DATA_DIR" --impi "$who@$DOMAIN" --impu "sip:$who@$DOMAIN" \
    --password "$who-secret"
done

# the menu, through the REST API
api PUT /ivr-menus/xfer "{\"prompt\": \"menu-main\", \"choices\": {\"2\": \"transfer sip:bert@$DOMAIN\",
  \"9\": \"hangup\"}, \"timeout_ms\": 20000}"
grep -q '"uri":"sip:ivr@mrf.it.example.org;menu=xfer"' "$DATA_DIR/api.out" || fail "PUT xfer: $(cat "$DATA_DIR/api.out")"
expect_exit 0 "$IMSBOX" ivr show xfer --data-dir "$DATA_DIR"
expect_out "choice 2 = transfer sip:bert@$DOMAIN"
pass "up; anna and bert provisioned; menu xfer stored by PUT /v1/ivr-menus/xfer (imsbox ivr show has it)"

# ---- the phones ----
# Their ports: anna's SIP (+TLS) and ctrl at BASE+16..18, bert's at BASE+19..21 (+22..25 are write_config's);
# RTP from a second block of free ports, clear of the first.
BASE2=$(free_port_base)
while [ $((BASE2 > BASE ? BASE2 - BASE : BASE - BASE2)) -lt 40 ]; do BASE2=$(free_port_base); done
declare -A PID SIP CTRLPORT RTP WAV
SIP[anna]=$((BASE + 16)) CTRLPORT[anna]=$((BASE + 18)) RTP[anna]="$BASE2-$((BASE2 + 9))" WAV[anna]="$AUDIO/1000.wav"
SIP[bert]=$((BASE + 19)) CTRLPORT[bert]=$((BASE + 21)) RTP[bert]="$((BASE2 + 10))-$((BASE2 + 19))" WAV[bert]="$AUDIO/2000.wav"
plain() { sed 's/\x1b\[[0-9;]*m//g' "$@"; }
stop_phones() {
  local who
  for who in "${!PID[@]}"; do kill -TERM "${PID[$who]}" 2>/dev/null || true; done
  for who in "${!PID[@]}"; do
    for _ in $(seq 1 50); do kill -0 "${PID[$who]}" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "${PID[$who]}" 2>/dev/null || true
    wait "${PID[$who]}" 2>/dev/null || true
  done
  PID=()
}
trap 'rc=$?; set +e; stop_phones; (exit $rc); cleanup' EXIT   # set +e: (exit $rc) must not end the trap

start_phone() {
  local who=$1 extra=$2 dir="$DATA_DIR/phone-$1"
  baresip_config "$dir" "$ADDR:${SIP[$who]}" "${RTP[$who]}" "${WAV[$who]}" g711
  printf 'module_app ctrl_tcp.so\nctrl_tcp_listen 127.0.0.1:%s\n' "${CTRLPORT[$who]}" >> "$dir/config"
  echo "jitter_buffer_delay 5-50" >> "$dir/config"
  echo "<sip:$who@$DOMAIN>;auth_user=$who@$DOMAIN;auth_pass=$who-secret;outbound=\"sip:$PCSCF_UDP;transport=udp\";regint=600;audio_codecs=PCMU$extra" \
    > "$dir/accounts"
  baresip -f "$dir" -t 300 > "$dir/out" 2>&1 &
  PID[$who]=$!
  for _ in $(seq 1 200); do
    grep -qE "$who@$DOMAIN: \{0/UDP/v4\} [0-9]{3}" "$dir/out" && break
    kill -0 "${PID[$who]}" 2>/dev/null || break
    sleep 0.1
  done
  grep -qE "$who@$DOMAIN: \{0/UDP/v4\} 200 OK" "$dir/out" ||
    fail "$who: baresip did not register: $(plain "$dir/out" | tail -20)"
}
out() { plain "$DATA_DIR/phone-$1/out"; }
# seen WHO REGEX: how many lines of WHO's output match
seen() { out "$1" | grep -cE "$2" || true; }
story() {
  local who
  for who in anna bert; do echo "--- baresip $who"; out "$who" | grep -v '^\[' | tail -20; done
  echo "--- the MRF"; tail -n 12 "$MRF_LOG"
  echo "--- the S-CSCF"; tail -n 12 "$DATA_DIR/log/scscf.log"
}
ctrl() {
  python3 "$CTRL" "${CTRLPORT[$1]}" "${@:2}" >> "$DATA_DIR/phone-$1/ctrl.out" 2>&1 ||
    fail "baresip $1 /$2 $3 failed: $(tail -2 "$DATA_DIR/phone-$1/ctrl.out")"
}
# wait_seen WHO REGEX COUNT SECONDS: until WHO's output has COUNT lines matching REGEX
wait_seen() {
  for _ in $(seq 1 $(($4 * 10))); do [ "$(seen "$1" "$2")" -ge "$3" ] && return 0; sleep 0.1; done
  return 1
}

start_phone anna ""
start_phone bert ";answermode=auto"
pass "anna (1 kHz) and bert (2 kHz, answers by itself) registered"

# ---- anna in the menu, the digit 2 ----
ctrl anna dial "sip:ivr@mrf.$DOMAIN;menu=xfer"
wait_seen anna 'Call established' 1 10 || fail "anna's call to the menu was not established: $(story)"
CALL_ID=$(grep -F "INVITE sip:ivr@mrf.$DOMAIN;menu=xfer: answered" "$MRF_LOG" | tail -1 | sed -n 's/.* call_id=\([^ ]*\) .*/\1/p')
[ -n "$CALL_ID" ] || fail "the MRF did not answer the menu: $(story)"
sleep 1   # into the menu's prompt: the digit barges in
ctrl anna sndcode 2
for _ in $(seq 1 50); do grep -q "call_id=$CALL_ID digit 2" "$MRF_LOG" && break; sleep 0.1; done
grep -q "call_id=$CALL_ID digit 2" "$MRF_LOG" || fail "the MRF did not get the digit 2: $(story)"
grep -q "call_id=$CALL_ID transfer to sip:bert@$DOMAIN (REFER)" "$MRF_LOG" || fail "the MRF did not REFER: $(story)"
pass "anna in ivr;menu=xfer: digit 2 (RFC 4733) -> the MRF's REFER to sip:bert@$DOMAIN"

# ---- anna follows the REFER, bert answers, the MRF leaves ----
wait_seen anna 'transferring call' 1 10 || fail "anna's baresip did not take the REFER: $(story)"
wait_seen bert 'Call established' 1 15 || fail "bert did not get (or answer) anna's transferred call: $(story)"
wait_seen anna 'Call established' 2 10 || fail "anna's call to bert was not established: $(story)"
for _ in $(seq 1 100); do grep -q "call_id=$CALL_ID transfer done (200): leaving" "$MRF_LOG" && break; sleep 0.1; done
grep -q "call_id=$CALL_ID transfer done (200): leaving" "$MRF_LOG" ||
  fail "the MRF did not see the NOTIFY's 200 sipfrag: $(story)"
# the MRF's BYE ends anna's first call; her call with bert stays
wait_seen anna 'terminated \(duration' 1 10 || fail "anna's call with the MRF did not end: $(story)"
ACTIVE=$(python3 "$CTRL" "${CTRLPORT[anna]}" listcalls 2>&1 || true)
grep -q "sip:bert@$DOMAIN" <<<"$ACTIVE" || fail "anna's baresip lists no call with bert: $ACTIVE $(story)"
[ "$(seen anna 'terminated \(duration')" -eq 1 ] || fail "anna's call with bert ended too: $(story)"
pass "anna's baresip called bert (REFER's Refer-To) through the box, bert answered, the MRF got NOTIFY 200 (sipfrag) and left with BYE"

# ---- anna and bert hear each other ----
sleep 3
ctrl anna hangup
wait_seen anna 'terminated \(duration' 2 10 || fail "anna's hangup did not end the call with bert: $(story)"
wait_seen bert 'terminated \(duration' 1 10 || fail "bert's call did not end with anna's BYE: $(story)"
stop_phones   # the recordings are complete once baresip closed them
# heard WHO HZ: media-tool's windows (100 ms) with HZ in WHO's newest recording
heard() {
  local rec detect
  rec=$(ls -t "$DATA_DIR/phone-$1"/dump/*-dec.wav 2>/dev/null | head -1)
  [ -n "$rec" ] || fail "$1 recorded nothing: $(ls -la "$DATA_DIR/phone-$1/dump")"
  detect=$("$MEDIA_TOOL" detect "$rec" --freq "$2" --min-windows 1 2>&1) || true
  sed -n "s/^windows with $2 Hz: \([0-9]*\) of.*/\1/p" <<<"$detect"
}
TO_BERT=$(heard bert 1000)
TO_ANNA=$(heard anna 2000)
[ -n "$TO_BERT" ] && [ "$TO_BERT" -ge 15 ] || fail "bert heard anna's 1 kHz in '$TO_BERT' windows of 100 ms (3 s call)"
[ -n "$TO_ANNA" ] && [ "$TO_ANNA" -ge 15 ] || fail "anna heard bert's 2 kHz in '$TO_ANNA' windows of 100 ms (3 s call)"
pass "anna and bert in a call after the transfer: bert heard 1 kHz ($TO_BERT windows), anna 2 kHz ($TO_ANNA windows); anna's BYE ended it"

expect_exit 0 "$IMSBOX" down --data-dir "$DATA_DIR"
