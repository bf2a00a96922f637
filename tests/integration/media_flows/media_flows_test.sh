#!/usr/bin/env bash
# Call flows through the AGW (issue 16), each ending with audio heard both ways:
# headless Chromium (1 kHz) <-> the AGW <-> Debian's baresip (2 kHz), the
# signalling by a driver over ng (media_flows/flows.cjs, on agw/rig.cjs), no
# P-CSCF. baresip is remote-controlled (ctrl_tcp: hold, resume, early answer,
# DTMF) and what it decoded after each change is checked with media-tool; the
# browser's AnalyserNode finds 2 kHz and getStats counts new packets.
#   reinvites:    browser offers actpass (the AGW passive, the browser DTLS client);
#                 PCMU relayed; 16 DTMF digits each way; hold/resume from the browser
#                 and from the phone (no packets to the browser while held); UPDATE
#                 with SDP; a re-INVITE without SDP (same fingerprint, ICE credentials,
#                 one DTLS handshake); a re-INVITE changing the codec to AMR
#                 (transcoded: AMR-NB, as baresip's source is 8 kHz); 16 digits each way again
#                 (telephone-event 48k <-> 8k)
#   early:        183 with SDP (audio both ways before the 200), then the 200 with it
#   earlySdpless: 183 with SDP, then a 200 with no SDP: the same DTLS association
#   lateOffer:    INVITE without SDP to the phone: the AGW offers actpass, the
#                 browser answers active
#   agwClient:    that answer munged to setup:passive: the AGW connects as the DTLS client;
#                 the browser's re-offer then gets setup:active (the roles kept)
#   noCandidates: the browser's a=candidate lines withheld: peer-reflexive ICE; Opus <-> AMR
#                 transcoded: 16 digits each way, telephone-event/48000 <-> /8000
#   restart:      kill -9 of the AGW under `imsbox up`: ng ping answers within 2 s,
#                 then a new call has audio both ways
# MEDIA_FLOWS_CASES picks the cases (ctest runs two halves).
source "$(dirname "$0")/../lib.sh"

HERE="$SOURCE_DIR/tests/integration/media_flows"
CASES=${MEDIA_FLOWS_CASES:-reinvites,early,earlySdpless,lateOffer,agwClient,noCandidates,restart}
require_chromium
command -v baresip >/dev/null || fail "baresip is not installed (Debian package baresip-core)"
command -v dumpcap >/dev/null || fail "dumpcap is not installed (Debian package tshark)"
[ -x "$BIN/media-tool" ] || fail "no $BIN/media-tool"

BASE=$(free_port_base)
agw_only_config "$BASE"   # the AGW alone
BOB_SIP=$((BASE + 16))      # baresip: SIP on UDP/TCP, TLS on the next port
DRIVER_SIP=$((BASE + 18))
CTRL_PORT=$((BASE + 19))
AUDIO="$DATA_DIR/audio"
mkdir -p "$AUDIO"
"$BIN/media-tool" tone "$AUDIO/1k-48k.wav" --freq 1000 --rate 48000 --seconds 200 >/dev/null
"$BIN/media-tool" tone "$AUDIO/2k-8k.wav" --freq 2000 --rate 8000 --seconds 200 >/dev/null

start_agw_only

# baresip: G.711 and AMR (AMR-NB and AMR-WB, octet-aligned), a 2 kHz source at 8 kHz (its aufile
# takes only WAVs at the codec's rate: PCMU and AMR-NB here), its decoded audio dumped
PHONE="$DATA_DIR/baresip"
mkdir -p "$PHONE/dump"
cat > "$PHONE/config" <<CONF
poll_method epoll
sip_listen 127.0.0.1:$BOB_SIP
net_interface 127.0.0.1
rtp_ports $((BASE + 20))-$((BASE + 29))
module_path /usr/lib/baresip/modules
module g711.so
module amr.so
module aufile.so
module sndfile.so
module_tmp account.so
module_app menu.so
module_app ctrl_tcp.so
ctrl_tcp_listen 127.0.0.1:$CTRL_PORT
audio_player aufile,/dev/null
audio_source aufile,$AUDIO/2k-8k.wav
audio_alert none
snd_path $PHONE/dump
CONF
echo "<sip:bob@127.0.0.1>;regint=0;answermode=auto" > "$PHONE/accounts"
: > "$PHONE/contacts"
baresip -f "$PHONE" > "$PHONE/out" 2>&1 &
BARESIP_PID=$!
for _ in $(seq 1 50); do ss -Htln "sport = :$CTRL_PORT" | grep -q . && break; sleep 0.1; done
ss -Htln "sport = :$CTRL_PORT" | grep -q . || fail "baresip did not start: $(tail -5 "$PHONE/out")"

AGW_PID=$(pgrep -f -- "ims-[a]gw .*--data-dir $DATA_DIR")
[ -n "$AGW_PID" ] || fail "no AGW process"
if ! node "$HERE/flows.cjs" --node-modules "$NODE_MODULES" --ng-port "$NG_PORT" --phone-port "$BOB_SIP" \
     --sip-port "$DRIVER_SIP" --wav "$AUDIO/1k-48k.wav" --ctrl-port "$CTRL_PORT" --dump-dir "$PHONE/dump" \
     --baresip-log "$PHONE/out" --media-tool "$BIN/media-tool" --agw-log "$AGW_LOG" --work "$DATA_DIR/flows" \
     --agw-pid "$AGW_PID" --cases "$CASES" > "$DATA_DIR/flows.out" 2>&1; then
  cat "$DATA_DIR/flows.out"
  echo "--- baresip"; sed 's/\x1b\[[0-9;]*m//g' "$PHONE/out" | tail -25
  echo "--- agw"; tail -15 "$AGW_LOG"
  fail "media_flows: $(grep '^FAIL' "$DATA_DIR/flows.out")"
fi
cat "$DATA_DIR/flows.out"
grep -q ' error agw ' "$AGW_LOG" && fail "the AGW logged an error: $(grep ' error agw ' "$AGW_LOG")"
pass "media_flows ($CASES)"
