#!/usr/bin/env bash
# Interop (issue 16): Kamailio 5.6 as a plain SIP proxy whose rtpengine module
# drives our AGW over the ng protocol (ping at start, offer, answer, query,
# delete), for whole calls between two Debian baresip peers that send a
# tone (aufile) and record what they hear (sndfile):
#   1. PCMU on both sides: the AGW relays; alice's 1 kHz is heard by bob,
#      bob's 2 kHz by alice;
#   2. alice speaks only AMR-WB (octet-aligned), bob only G.711: the AGW
#      transcodes AMR-WB <-> PCMU and the tones still cross.
# Media goes through the AGW's ports (baresip says where it receives from),
# the ng query during the call counts packets both ways, the BYE deletes the
# session (its ports freed), and the tones are found with media-tool.
source "$(dirname "$0")/lib.sh"

DOMAIN=it.example.org
source "$(dirname "$0")/kamailio/kamailio_lib.sh"
source "$(dirname "$0")/baresip_lib.sh"
command -v baresip >/dev/null || fail "baresip is not installed (Debian package baresip-core)"
command -v python3 >/dev/null || fail "python3 is not installed"
[ -x "$BIN/media-tool" ] || fail "no $BIN/media-tool"

BASE=$(free_port_base)
agw_only_config "$BASE" 2   # the AGW alone, two workers
# baresip listens for TLS on its SIP port + 1
ALICE_SIP=$((BASE + 16)) BOB_SIP=$((BASE + 18)) KAM_PORT=$((BASE + 28))
AUDIO="$DATA_DIR/audio"
mkdir -p "$AUDIO"
"$BIN/media-tool" tone "$AUDIO/1k-8k.wav" --freq 1000 --rate 8000 --seconds 20 >/dev/null
"$BIN/media-tool" tone "$AUDIO/1k-16k.wav" --freq 1000 --rate 16000 --seconds 20 >/dev/null
"$BIN/media-tool" tone "$AUDIO/2k-8k.wav" --freq 2000 --rate 8000 --seconds 20 >/dev/null

start_agw_only
grep -q "media on 127.0.0.1 ports $AGW_RTP_MIN-$AGW_RTP_MAX" "$AGW_LOG" || fail "the AGW did not start: $(tail -5 "$AGW_LOG")"

start_kamailio agw_call "$KAM_PORT" - -A "NG_SOCK=\"udp:127.0.0.1:$NG_PORT\""
FOUND="rtpengine instance <udp:127.0.0.1:$NG_PORT> found, support for it enabled"
for _ in $(seq 1 100); do grep -qF "$FOUND" "$KDIR/agw_call.log" && break; sleep 0.1; done
grep -qF "$FOUND" "$KDIR/agw_call.log" || fail "Kamailio did not find the AGW: $(grep -i rtpengine "$KDIR/agw_call.log" | tail -5)"
pass "Kamailio's rtpengine module pinged the AGW: '$FOUND'"
remember_kamailio_pids

# phone_config DIR USER SIP_PORT RTP_FIRST SOURCE_WAV ANSWERMODE CODEC_MODULE...: writes its config dir
phone_config() {
  local dir="$DATA_DIR/$1" name=$2 sip=$3 rtp=$4 wav=$5 answermode=$6
  shift 6
  baresip_config "$dir" "127.0.0.1:$sip" "$rtp-$((rtp + 3))" "$wav" "$@"
  echo "<sip:$name@127.0.0.1>;regint=0;answermode=$answermode;outbound=\"sip:127.0.0.1:$KAM_PORT;lr\"" > "$dir/accounts"
}

ng_query() {  # CALL_ID: the AGW's bencode reply to an ng query
  python3 - "$NG_PORT" "$1" <<'PY'
import socket, sys
port, call_id = int(sys.argv[1]), sys.argv[2].encode()
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(3)
s.sendto(b"q1 d7:command5:query7:call-id%d:%se" % (len(call_id), call_id), ("127.0.0.1", port))
print(s.recv(65000).decode(errors="replace"))
PY
}

# call NAME ALICE_MODULE ALICE_WAV BOB_MODULE EXPECT_PLAN: one call of ~6 s, checked
call() {
  local name=$1 alice_module=$2 alice_wav=$3 bob_module=$4 plan=$5 a b call_id q port
  # the peers' own RTP ports: the test's first range (BASE+20..27)
  phone_config "baresip-alice-$name" alice "$ALICE_SIP" $((BASE + 20)) "$alice_wav" manual "$alice_module"
  phone_config "baresip-bob-$name" bob "$BOB_SIP" $((BASE + 24)) "$AUDIO/2k-8k.wav" auto "$bob_module"
  b="$DATA_DIR/baresip-bob-$name"
  a="$DATA_DIR/baresip-alice-$name"
  baresip -f "$b" -t 30 > "$b/out" 2>&1 &
  local bob_pid=$!
  for _ in $(seq 1 50); do ss -Huln "sport = :$BOB_SIP" | grep -q . && break; sleep 0.1; done
  baresip -f "$a" -t 8 -e "/dial sip:bob@127.0.0.1:$BOB_SIP" > "$a/out" 2>&1 &
  local alice_pid=$!
  for _ in $(seq 1 100); do grep -q 'Call established' "$a/out" 2>/dev/null && break; sleep 0.1; done
  grep -q 'Call established' "$a/out" || fail "$name: the call was not established: $(sed 's/\x1b\[[0-9;]*m//g' "$a/out" | tail -5)"
  pass "$name: call established through Kamailio"
  call_id=$(grep 'ng offer: call-id ' "$AGW_LOG" | tail -1 | sed 's/.*ng offer: call-id \([^,]*\),.*/\1/')
  [ -n "$call_id" ] || fail "$name: the AGW logged no offer"
  grep -F "call_id=$call_id answer from tag" "$AGW_LOG" | grep -qF "$plan" ||
    fail "$name: the AGW's plan is not '$plan': $(grep -F "call_id=$call_id" "$AGW_LOG" | tail -3)"
  pass "$name: the AGW answered: $(grep -F "call_id=$call_id answer from tag" "$AGW_LOG" | tail -1 | sed 's/.*: \(relay\|transcode\)/\1/')"
  sleep 3
  q=$(ng_query "$call_id")
  python3 - "$q" <<'PY' || fail "$name: query: $q"
import re, sys
q = sys.argv[1]
assert "6:result2:ok" in q, q
# per tag, its RTP stream (the one with a "last packet"): what the AGW received from that party
counts = [int(n) for n in re.findall(r"11:last packeti\d+e5:statsd7:packetsi(\d+)e", q)]
assert len(counts) == 2 and all(c > 50 for c in counts), counts
print("ok: query: RTP packets received from each party so far:", counts)
PY
  # the media came from the AGW's ports
  for who in "$a" "$b"; do
    port=$(sed 's/\x1b\[[0-9;]*m//g' "$who/out" | grep -m1 -o "receiving from 127.0.0.1:[0-9]*" | sed 's/.*://')
    [ -n "$port" ] && [ "$port" -ge "$AGW_RTP_MIN" ] && [ "$port" -le "$AGW_RTP_MAX" ] ||
      fail "$name: $(basename "$who") did not receive from the AGW's ports ($AGW_RTP_MIN-$AGW_RTP_MAX): '$port'"
  done
  pass "$name: both peers receive from the AGW's ports"
  wait "$alice_pid" 2>/dev/null || true   # -t 8: alice hangs up (BYE)
  for _ in $(seq 1 50); do grep -qF "call_id=$call_id deleted (ports freed)" "$AGW_LOG" && break; sleep 0.1; done
  grep -qF "call_id=$call_id deleted (ports freed)" "$AGW_LOG" || fail "$name: the BYE did not delete the AGW's session"
  pass "$name: the BYE's rtpengine_delete freed the session"
  kill "$bob_pid" 2>/dev/null || true
  wait "$bob_pid" 2>/dev/null || true
  "$BIN/media-tool" detect "$b"/dump/*-dec.wav --freq 1000 --skip-seconds 1 --min-windows 20 > "$b/detect" ||
    fail "$name: bob did not hear alice's 1 kHz: $(cat "$b/detect")"
  pass "$name: bob heard 1 kHz: $(grep windows "$b/detect")"
  "$BIN/media-tool" detect "$a"/dump/*-dec.wav --freq 2000 --skip-seconds 1 --min-windows 20 > "$a/detect" ||
    fail "$name: alice did not hear bob's 2 kHz: $(cat "$a/detect")"
  pass "$name: alice heard 2 kHz: $(grep windows "$a/detect")"
}

call relay g711 "$AUDIO/1k-8k.wav" g711 "relay PCMU/8000"
call transcode amr "$AUDIO/1k-16k.wav" g711 "transcode AMR-WB/16000"

grep -qF 'proxy replied with error' "$KDIR/agw_call.log" && fail "Kamailio logged an error reply of the AGW: $(grep -F 'proxy replied with error' "$KDIR/agw_call.log")"
grep -q ' error agw ' "$AGW_LOG" && fail "the AGW logged an error: $(grep ' error agw ' "$AGW_LOG")"
stop_kamailio_checked
pass "Kamailio stopped cleanly"
