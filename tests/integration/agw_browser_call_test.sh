#!/usr/bin/env bash
# A browser calls a phone through the AGW (issue 16), driven over ng with no
# P-CSCF: headless Chromium offers (UDP/TLS/RTP/SAVPF, Opus first), a small
# driver (agw/browser_call.cjs) sends the offer to the AGW for a phone,
# INVITEs Debian's baresip with the AGW's RTP/AVP offer, and gives the AGW's
# answer to the browser. Chromium sends a 1 kHz tone, baresip a 2 kHz one:
#   1. baresip with G.711 only: PCMU passes through (SRTP <-> RTP, no transcoding);
#   2. baresip with its amr module (AMR-WB, octet-aligned): Opus <-> AMR-WB transcoded.
# Each time the browser hears 2 kHz (WebAudio AnalyserNode on the remote stream,
# unmuted <audio>) and baresip's recording has 1 kHz (media-tool), and a
# re-offer from the browser (re-INVITE to baresip) keeps the ports, the ICE
# credentials and the DTLS association (no new handshake) while audio goes on;
# the browser's DTMF (RTCDTMFSender: RFC 4733 at 48 kHz when transcoding, 8 kHz
# with PCMU) and a digit injected with ng `play DTMF` reach baresip as 159#7.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/baresip_lib.sh"

HERE="$SOURCE_DIR/tests/integration/agw"
require_chromium
command -v baresip >/dev/null || fail "baresip is not installed (Debian package baresip-core)"
[ -x "$BIN/media-tool" ] || fail "no $BIN/media-tool"

BASE=$(free_port_base)
agw_only_config "$BASE" 2   # the AGW alone, two workers
BOB_SIP=$((BASE + 16))      # baresip: SIP on UDP/TCP, TLS on the next port
DRIVER_SIP=$((BASE + 18))
AUDIO="$DATA_DIR/audio"
mkdir -p "$AUDIO"
"$BIN/media-tool" tone "$AUDIO/1k-48k.wav" --freq 1000 --rate 48000 --seconds 30 >/dev/null
"$BIN/media-tool" tone "$AUDIO/2k-8k.wav" --freq 2000 --rate 8000 --seconds 30 >/dev/null
"$BIN/media-tool" tone "$AUDIO/2k-16k.wav" --freq 2000 --rate 16000 --seconds 30 >/dev/null

start_agw_only

# browser_call NAME CODEC_MODULE TONE_WAV EXPECTED_PLAN
browser_call() {
  local name=$1 module=$2 wav=$3 plan=$4 dir="$DATA_DIR/baresip-$1" pid call_id
  baresip_config "$dir" "127.0.0.1:$BOB_SIP" "$((BASE + 20))-$((BASE + 27))" "$wav" "$module"
  echo "<sip:bob@127.0.0.1>;regint=0;answermode=auto" > "$dir/accounts"
  baresip -f "$dir" -t 60 > "$dir/out" 2>&1 &
  pid=$!
  for _ in $(seq 1 50); do ss -Huln "sport = :$BOB_SIP" | grep -q . && break; sleep 0.1; done
  if ! node "$HERE/browser_call.cjs" --node-modules "$NODE_MODULES" --ng-port "$NG_PORT" --phone-port "$BOB_SIP" \
       --sip-port "$DRIVER_SIP" --wav "$AUDIO/1k-48k.wav" --expect-hz 2000 --seconds 4 --label "$name" \
       --out "$DATA_DIR/$name.json" > "$DATA_DIR/$name.out" 2>&1; then
    cat "$DATA_DIR/$name.out"
    echo "--- baresip"; sed 's/\x1b\[[0-9;]*m//g' "$dir/out" | grep -v '^\[' | tail -20
    fail "$name: the browser call failed"
  fi
  cat "$DATA_DIR/$name.out"
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  call_id=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["call_id"])' "$DATA_DIR/$name.json")
  grep -F "call_id=$call_id answer from tag" "$AGW_LOG" | grep -qF "$plan" ||
    fail "$name: the AGW's plan is not '$plan': $(grep -F "call_id=$call_id" "$AGW_LOG" | tail -3)"
  pass "$name: the AGW's plan: $(grep -F "call_id=$call_id answer from tag" "$AGW_LOG" | sed 's/.*: \(relay\|transcode\)/\1/')"
  grep -qF "call_id=$call_id deleted (ports freed)" "$AGW_LOG" || fail "$name: not deleted"
  # the digits as baresip decoded them from RFC 4733 at its own clock rate
  digits=$(sed 's/\x1b\[[0-9;]*m//g' "$dir/out" | grep -o "received event: '.'" | sed "s/.*'\(.\)'/\1/" | uniq | tr -d '\n')
  [ "$digits" = "159#7" ] || fail "$name: baresip received the digits '$digits', not 159#7: $(sed 's/\x1b\[[0-9;]*m//g' "$dir/out" | grep -i -E 'event|dtmf' | head)"
  pass "$name: baresip received DTMF $digits (the browser's 159#, then 7 from play DTMF)"
  "$BIN/media-tool" detect "$dir"/dump/*-dec.wav --freq 1000 --skip-seconds 1 --min-windows 20 > "$dir/detect" ||
    fail "$name: baresip did not hear the browser's 1 kHz: $(cat "$dir/detect")"
  pass "$name: baresip heard the browser's 1 kHz: $(grep windows "$dir/detect")"
}

browser_call relay g711 "$AUDIO/2k-8k.wav" "relay PCMU/8000"
browser_call transcode amr "$AUDIO/2k-16k.wav" "transcode opus/48000"
grep -q ' error agw ' "$AGW_LOG" && fail "the AGW logged an error: $(grep ' error agw ' "$AGW_LOG")"
pass "agw_browser_call"
