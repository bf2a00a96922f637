#!/usr/bin/env bash
# The AGW's control protocol (rtpengine's ng protocol, agw/ng) on a running box:
#   * raw datagrams with nc: ping/pong in bencode and JSON, an offer whose
#     SDP is malformed refused with the parser's reason, a resent cookie
#     answered from the reply cache without running twice; garbage, no cookie, bad bencode, too deep, too
#     long: each gets `result: error` with its reason and a log line, and the
#     AGW keeps answering;
#   * Kamailio 5.6's rtpengine module (an independent ng client) pointed at
#     the AGW: its ping at start succeeds ("... found, support for it
#     enabled"; pointed at a port where nothing listens it says "proxy did not
#     respond to ping"), and sipp's INVITE through rtpengine_offer() sends a
#     real offer that the AGW parses (its log line) and answers with its SDP:
#     the caller gets the 200 the route gives for an offer that went through.
#     (A whole call with media through Kamailio: agw_kamailio_call_test.sh.)
source "$(dirname "$0")/lib.sh"

DOMAIN=it.example.org
source "$(dirname "$0")/kamailio/kamailio_lib.sh"
command -v sipp >/dev/null || fail "sipp is not installed (sip-tester)"
command -v nc >/dev/null || fail "nc is not installed (netcat-openbsd)"
command -v python3 >/dev/null || fail "python3 is not installed"

BASE=$(free_port_base)
agw_only_config "$BASE"   # the AGW alone
KAM_PORT=$((BASE + 16)) SIPP_PORT=$((BASE + 17)) KAM2_PORT=$((BASE + 18)) SILENT_PORT=$((BASE + 19))
SIPP="$DATA_DIR/sipp"
mkdir -p "$SIPP"

expect_exit 0 "$IMSBOX" up --data-dir "$DATA_DIR"
for _ in $(seq 1 50); do grep -q 'ng: control protocol on UDP' "$AGW_LOG" 2>/dev/null && break; sleep 0.1; done
grep -q "ng: control protocol on UDP 127.0.0.1:$NG_PORT" "$AGW_LOG" || fail "the AGW does not listen on $NG_PORT: $(tail -5 "$AGW_LOG")"
pass "the AGW listens for ng on UDP 127.0.0.1:$NG_PORT"

# its descriptor table holds its media range's legs from the start (5 per
# port pair and 256 of its own, agw/descriptor_table.h): no offer grows it
AGW_PID=$(pgrep -f -- "ims-agw .*--data-dir $DATA_DIR" | head -1)
[ -n "$AGW_PID" ] || fail "ims-agw is not running"
FD_SIZE=$(sed -n 's/^FDSize:[[:space:]]*//p' "/proc/$AGW_PID/status")
FD_WANTED=$(( (AGW_RTP_MAX - AGW_RTP_MIN + 1) / 2 * 5 + 256 ))
[ "$FD_SIZE" -ge "$FD_WANTED" ] || fail "the AGW's descriptor table holds $FD_SIZE, not the $FD_WANTED its media ports need"
pass "the AGW's descriptor table holds $FD_SIZE descriptors from the start (its media ports need $FD_WANTED)"

# ng DATAGRAM: the reply to one datagram (nc waits up to 2 s for it)
ng() { printf '%s' "$1" | timeout 5 nc -u -w2 127.0.0.1 "$NG_PORT" || true; }
# ng_py DATAGRAM-EXPRESSION: the same with the datagram made by python (large ones)
ng_py() {
  python3 - "$NG_PORT" "$1" <<'PY'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(3)
s.sendto(eval(sys.argv[2]), ("127.0.0.1", int(sys.argv[1])))
try: print(s.recv(70000).decode(errors="replace"))
except socket.timeout: print("(no reply)")
PY
}
expect_reply() {  # WHAT GOT WANT
  [ "$2" = "$3" ] || fail "$1: got '$2', expected '$3'"
  pass "$1: $3"
}
expect_in_reply() {  # WHAT GOT SUBSTRING
  grep -qF -- "$3" <<<"$2" || fail "$1: got '$2', expected it to contain '$3'"
  pass "$1: ...$3..."
}
agw_log_has() {  # TEXT: the AGW's log has it (it reaches the file through the loop: poll)
  for _ in $(seq 1 30); do grep -qF -- "$1" "$AGW_LOG" && return 0; sleep 0.1; done
  fail "the AGW's log lacks '$1': $(tail -5 "$AGW_LOG")"
}

# ---- raw datagrams ----
expect_reply "ping (bencode)" "$(ng 'c1 d7:command4:pinge')" "c1 d6:result4:ponge"
expect_reply "ping (JSON)" "$(ng 'j1 {"command": "ping"}')" 'j1 {"result":"pong"}'
OFFER='o1 d7:command5:offer7:call-id6:nc-c-18:from-tag2:f13:sdp3:v=05:flagsl13:trust addressee'
expect_reply "offer" "$(ng "$OFFER")" "o1 d6:result5:error12:error-reason38:malformed SDP: line 1: o= line missinge"
agw_log_has "ng offer: call-id nc-c-1, from-tag f1, 3 bytes of SDP, flags [trust-address]"
expect_reply "the same cookie again (OpenSIPS resends)" "$(ng "$OFFER")" "o1 d6:result5:error12:error-reason38:malformed SDP: line 1: o= line missinge"
agw_log_has "ng: cookie o1 from 127.0.0.1:"
[ "$(grep -c 'ng offer: call-id nc-c-1,' "$AGW_LOG")" = 1 ] || fail "the resent offer ran again: $(grep 'nc-c-1' "$AGW_LOG")"
pass "a resent cookie gets the cached reply; the offer ran once"
expect_reply "delete" "$(ng 'd1 {"command": "delete", "call-id": "nc-c-1", "from-tag": "f1"}')" \
  'd1 {"result":"error","error-reason":"Unknown call-id"}'

GOT=$(ng 'garbage')
expect_in_reply "garbage (no cookie)" "$GOT" "d6:result5:error12:error-reason"
expect_in_reply "garbage (no cookie)" "$GOT" "no cookie"
agw_log_has "ng: malformed message from 127.0.0.1:"
expect_in_reply "truncated bencode" "$(ng 'c2 d7:command4:ping')" "c2 d6:result5:error"
expect_in_reply "no command" "$(ng 'c3 d7:call-id1:xe')" 'Dictionary contains no key "command"'
expect_in_reply "a wrong type" "$(ng 'c4 d7:command5:offer3:sdpli1eee')" "Invalid value for key 'sdp'"
expect_in_reply "bad JSON" "$(ng 'c5 {"command": ping}')" 'c5 {"result":"error","error-reason":"Could not decode the dictionary: JSON'
expect_in_reply "unknown command" "$(ng 'c6 d7:command15:start recordinge')" "Unrecognized command 'start recording'"
expect_in_reply "too deep" "$(ng_py 'b"c7 d1:a" + b"l" * 100 + b"e" * 100 + b"e"')" "nested deeper than 16 levels"
expect_in_reply "too long" "$(ng_py 'b"c8 d7:command4:ping3:pad65100:" + b"x" * 65100 + b"e"')" "more than 65000"
expect_reply "ping after all that" "$(ng 'c9 d7:command4:pinge')" "c9 d6:result4:ponge"
expect_exit 0 "$IMSBOX" status --data-dir "$DATA_DIR"
pass "the AGW is healthy after the bad input"

# ---- Kamailio's rtpengine module as the ng client ----
# pointed at a port where nothing answers, its start ping fails (what it logs then)
start_kamailio rtpengine "$KAM2_PORT" - -A "NG_SOCK=\"udp:127.0.0.1:$SILENT_PORT\""
for _ in $(seq 1 100); do grep -q 'proxy did not respond to ping' "$KDIR/rtpengine.log" && break; sleep 0.1; done
grep -q 'proxy did not respond to ping' "$KDIR/rtpengine.log" ||
  fail "Kamailio did not report the silent port: $(grep -i rtpengine "$KDIR/rtpengine.log" | tail -5)"
grep -q 'found, support for it enabled' "$KDIR/rtpengine.log" && fail "Kamailio found an ng server on a silent port"
pass "Kamailio pointed at a silent port: 'proxy did not respond to ping'"
stop_kamailio_checked
mv "$KDIR/rtpengine.log" "$KDIR/rtpengine-silent.log"

PINGS0=$(grep -c 'ng: ping from' "$AGW_LOG" || true)
start_kamailio rtpengine "$KAM_PORT" - -A "NG_SOCK=\"udp:127.0.0.1:$NG_PORT\""
FOUND="rtpengine instance <udp:127.0.0.1:$NG_PORT> found, support for it enabled"
for _ in $(seq 1 100); do grep -qF "$FOUND" "$KDIR/rtpengine.log" && break; sleep 0.1; done
grep -qF "$FOUND" "$KDIR/rtpengine.log" || fail "Kamailio did not find the AGW: $(grep -i rtpengine "$KDIR/rtpengine.log" | tail -5)"
grep -q 'proxy did not respond to ping' "$KDIR/rtpengine.log" && fail "a Kamailio process found no AGW: $(grep -i ping "$KDIR/rtpengine.log")"
[ "$(grep -c 'ng: ping from' "$AGW_LOG")" -gt "$PINGS0" ] || fail "the AGW logged no ping from Kamailio"
pass "Kamailio's start ping: '$FOUND'"
remember_kamailio_pids

set +e
timeout 40 sipp -sf "$KAM/rtpengine_invite.xml" "127.0.0.1:$KAM_PORT" -i 127.0.0.1 -p "$SIPP_PORT" -t u1 -m 1 \
  -timeout 20s -timeout_error -trace_msg -message_file "$SIPP/invite.msg" -trace_logs -log_file "$SIPP/invite.log" \
  -nostdin > "$SIPP/invite.out" 2>&1
rc=$?
set -e
LOG=$(cat "$SIPP/invite.log" 2>/dev/null || true)
[ $rc = 0 ] || fail "sipp exited $rc: $LOG $(tail -5 "$SIPP/invite.out")"
CALL_ID=$(grep -m1 -i '^Call-ID:' "$SIPP/invite.msg" | tr -d '\r' | sed 's/^[^:]*: *//')
[ -n "$CALL_ID" ] || fail "no Call-ID in sipp's trace"
agw_log_has "call_id=$CALL_ID"
OFFER_LINE=$(grep -F "ng offer: call-id $CALL_ID," "$AGW_LOG") || fail "the AGW logged no parsed offer for $CALL_ID: $(tail -5 "$AGW_LOG")"
for part in "from-tag " "via-branch z9hG4bK" "bytes of SDP" "flags [trust-address]" "replace [origin,session-connection]" \
            "ICE [remove]" "transport-protocol RTP/AVP" "-> worker "; do
  grep -qF -- "$part" <<<"$OFFER_LINE" || fail "the AGW's offer line lacks '$part': $OFFER_LINE"
done
pass "the AGW parsed Kamailio's offer: ${OFFER_LINE#* ng offer: }"
grep -F 'proxy replied with error' "$KDIR/rtpengine.log" && fail "Kamailio logged an error reply of the AGW"
agw_log_has "offer from tag "
[ "$LOG" = "final: SIP/2.0 200 offer ok" ] || fail "the caller got '$LOG', expected the 200 of an offer that went through"
pass "the caller got $LOG"

stop_kamailio_checked
pass "Kamailio stopped cleanly"
