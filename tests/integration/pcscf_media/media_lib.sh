# Helpers of the P-CSCF media tests (pcscf_media_test.sh, pcscf_media_fork_test.sh):
# the AGW (ours or rtpengine, use_agw) asked over ng, sipp phones registered
# through the box, what phones receive captured and its tone checked. Sourced
# after lib.sh and sipp_lib.sh (it sets the exit trap); the test sets HERE
# (this directory), REGISTER (the AKA registration scenario), DOMAIN, BASE,
# NG_PORT (rtpengine's), and the phones' CALLER_PORT, CALLEE_PORT,
# CALLER_MEDIA, CALLEE_MEDIA; use_agw sets AGW_NG and RTP_MIN..RTP_MAX.

# ng COMMAND KEY=VALUE...: one ng request to the AGW (ng.py), its reply as JSON
ng() { python3 "$HERE/ng.py" "127.0.0.1:$AGW_NG" "$@"; }

# register USER PORT [N]: USER registers from 127.0.0.1:PORT (IMS-AKA); N tells runs apart
register() {
  sipp_run "register-$1-${3:-0}" "$2" "$REGISTER" -s "$1" -au "$1@$DOMAIN" -key expires 600 ||
    fail "registration of $1: $(sipp_story "register-$1-${3:-0}")"
  grep -q '^final: SIP/2.0 200' "$SIPP/register-$1-${3:-0}.log" || fail "registration of $1: $(sipp_log "register-$1-${3:-0}")"
}

# what_happened SIPP-RUN...: their stories and the P-CSCF's last media lines, for a failure
what_happened() {
  sipp_story "$@"
  grep -E 'media:|ng ' "$DATA_DIR/log/pcscf.log" | tail -n 15
}

# call_id_of SIPP-RUN: the Call-ID of its first message
call_id_of() { grep -m1 -i '^Call-ID:' "$SIPP/$1.msg" | tr -d '\r' | sed 's/^[^:]*: *//'; }

# in_agw_range LINE: its port (the first number after "m=audio ") is one of the AGW's
in_agw_range() {
  local port
  port=$(sed -n 's/.*m=audio \([0-9]*\).*/\1/p' <<<"$1")
  [ -n "$port" ] && [ "$port" -ge "$RTP_MIN" ] && [ "$port" -le "$RTP_MAX" ]
}

# no_session CALL-ID: the AGW knows neither leg of the call (after a short while for the delete)
no_session() {
  local leg out
  for leg in orig term; do
    for _ in $(seq 1 20); do
      out=$(ng query "call-id=$1;$leg") || fail "the AGW did not answer a query"
      grep -q '"result": "error"' <<<"$out" && break
      sleep 0.1
    done
    grep -q '"result": "error"' <<<"$out" || fail "the AGW still has the $leg leg of $1: $out"
  done
}

# capture FILE FILTER: a loopback capture (pcap) in the background until stop_capture
capture() {
  dumpcap -q -P -i lo -f "$2" -w "$1" 2> "$1.err" &
  DUMPCAP_PID=$!
  for _ in $(seq 1 50); do grep -q 'Capturing on' "$1.err" && return 0; sleep 0.1; done
  fail "dumpcap did not start: $(cat "$1.err")"
}

# stop_capture: ends the capture that capture started
stop_capture() { kill -INT "$DUMPCAP_PID"; wait "$DUMPCAP_PID" || true; }

# heard NAME WHO PORT HZ: the PCMU sent to PORT in NAME.pcap holds HZ for a second at least
heard() {
  local name=$1 who=$2 port=$3 hz=$4 out="$DATA_DIR/$1-$2"
  tshark -r "$DATA_DIR/$name.pcap" -Y "udp.dstport == $port" -F pcap -w "$out.pcap" 2>/dev/null
  python3 "$HERE/pcmu_capture.py" "$out.pcap" "$out.wav" > "$out.n"
  "$BIN/media-tool" detect "$out.wav" --freq "$hz" --min-windows 10 > "$out.detect" ||
    fail "$name: the $who did not hear $hz Hz: $(cat "$out.n" "$out.detect")"
}

# call NAME UAS_SCENARIO UAC_SCENARIO [UAC ARGS...]: anna (CALLER_PORT, CALLER_MEDIA) calls bert
# (CALLEE_PORT, CALLEE_MEDIA), who answers with the UAS scenario (UAS none: nobody), given the
# arguments in the array CALLEE_ARGS if the test sets it
call() {
  local name=$1 uas=$2 uac=$3 uas_pid=""
  shift 3
  if [ "$uas" != none ]; then
    sipp_run "$name-callee" "$CALLEE_PORT" "$uas" -s bert -mp "$CALLEE_MEDIA" ${CALLEE_ARGS[@]+"${CALLEE_ARGS[@]}"} &
    uas_pid=$!
    sleep 0.5
  fi
  sipp_run "$name-caller" "$CALLER_PORT" "$uac" -s bert -key caller anna -key ruri "sip:bert@$DOMAIN" \
    -mp "$CALLER_MEDIA" "$@" || fail "$name: the caller's sipp failed: $(what_happened "$name-caller" ${uas_pid:+"$name-callee"})"
  if [ -n "$uas_pid" ]; then
    wait "$uas_pid" || fail "$name: the callee's sipp failed: $(what_happened "$name-caller" "$name-callee")"
  fi
}

# captured_call NAME UAS UAC: `call`, with what both phones receive captured
# in NAME.pcap (for heard)
captured_call() {
  capture "$DATA_DIR/$1.pcap" "udp dst port $CALLER_MEDIA or udp dst port $CALLEE_MEDIA"
  call "$1" "$2" "$3"
  stop_capture
}

# The AGW of a media test: IMSBOX_TEST_AGW=imsbox (the box's, the default) or
# rtpengine (Debian's standing in for it: ng on NG_PORT, which the test sets,
# and 32 media ports of its own)
AGW=${IMSBOX_TEST_AGW:-imsbox}
RTPENGINE_PID=""
stop_rtpengine() {
  [ -n "$RTPENGINE_PID" ] || return 0
  kill "${1:--TERM}" "$RTPENGINE_PID" 2>/dev/null || true
  wait "$RTPENGINE_PID" 2>/dev/null || true
  RTPENGINE_PID=""
}
# media_test_cleanup: what a test adds to the exit trap (it may define the function again)
media_test_cleanup() { :; }
trap 'rc=$?; set +e; stop_rtpengine; media_test_cleanup; (exit $rc); cleanup' EXIT   # set +e: (exit $rc) must not end the trap

# rtpengine on loopback, userspace only (no kernel table), its own ports;
# deleted calls gone at once; its own media timeout three times the box's, so
# that the P-CSCF's media check (agw.media_timeout_s) releases a silent call
# with 408 before rtpengine drops it (with both at 5 s the two raced: a call
# rtpengine dropped first is released as "media session lost", 503).
start_rtpengine() {
  command -v rtpengine >/dev/null || fail "rtpengine is not installed (rtpengine-daemon)"
  rtpengine --foreground --log-stderr --config-file=none --table=-1 --interface=127.0.0.1 \
    --listen-ng="127.0.0.1:$NG_PORT" --port-min="$RTP_MIN" --port-max="$RTP_MAX" --timeout="$((3 * ${MEDIA_TIMEOUT:-60}))" \
    --delete-delay=0 --log-level=7 >> "$DATA_DIR/rtpengine.log" 2>&1 &
  RTPENGINE_PID=$!
  for _ in $(seq 1 50); do
    ng ping >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  fail "rtpengine did not answer an ng ping: $(tail -n 20 "$DATA_DIR/rtpengine.log")"
}

# use_agw: after write_config BASE (with media_anchor = all): the P-CSCF
# pointed at the AGW (rtpengine started), AGW_NG and RTP_MIN..RTP_MAX set
use_agw() {
  if [ "$AGW" = rtpengine ]; then
    # its media ports: 32 more free ones, apart from the box's
    for _ in $(seq 1 20); do
      RTP_MIN=$(free_port_base)
      [ $((RTP_MIN - BASE)) -ge 32 ] || [ $((BASE - RTP_MIN)) -ge 32 ] && break
    done
    RTP_MAX=$((RTP_MIN + 31))
    AGW_NG=$NG_PORT
    sed -i "/^media_anchor = all/a agw_ng = 127.0.0.1:$NG_PORT" "$DATA_DIR/imsbox.conf"
    start_rtpengine
    pass "rtpengine $(rtpengine --version 2>&1 | head -1 | awk '{print $2}') on 127.0.0.1:$NG_PORT (ng), RTP $RTP_MIN-$RTP_MAX"
  else
    AGW_NG=$((BASE + 31))
    # the AGW's media ports: write_config's range
    agw_rtp_range
    RTP_MIN=$AGW_RTP_MIN RTP_MAX=$AGW_RTP_MAX
  fi
}
