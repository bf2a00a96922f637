#!/usr/bin/env bash
# The DTLS-SRTP load client of `imsbox bench media` (bench/agw_webrtc_load.cpp)
# kept working: 5 browser<->phone calls for 2 s, the browser side played by
# agw-webrtc-load (ICE controlling, DTLS client, SRTP), through the box's
# AGW and through Debian's rtpengine (an independent ICE/DTLS-SRTP peer).
# For each: every call set up over ng, every DTLS handshake done, audio
# decrypted on every browser side, every packet relayed both ways to the
# right call, no SRTP error.
source "$(dirname "$0")/lib.sh"

CALLS=5
BASE=$(free_port_base)
agw_only_config "$BASE"
RE_NG=$((BASE + 30))
LOCAL_PORTS=$((BASE + 16))  # the load client's 10 sockets: free ports, not ephemeral ones near the relays' range
RTP_MIN=$AGW_RTP_MIN RTP_MAX=$AGW_RTP_MAX

RE_PID=""
stop_rtpengine() {
  [ -n "$RE_PID" ] || return 0
  kill "$RE_PID" 2>/dev/null || true
  wait "$RE_PID" 2>/dev/null || true
  RE_PID=""
}
trap 'rc=$?; stop_rtpengine; (exit $rc); cleanup' EXIT

# check LABEL OUTPUT: the figures of one run
check() {
  local label=$1 out=$2 sent
  grep -qx "${label}_webrtc_calls_set_up: $CALLS of $CALLS calls" <<<"$out" || fail "$label: calls not set up: $out"
  grep -qx "${label}_webrtc_dtls_handshakes: $CALLS of $CALLS calls" <<<"$out" || fail "$label: DTLS handshakes missing: $out"
  grep -qx "${label}_webrtc_calls_with_audio: $CALLS of $CALLS calls" <<<"$out" || fail "$label: calls without audio: $out"
  # 2 s at 50 packets/s for each call, each way, all of them through
  sent=$((CALLS * 2 * 50))
  grep -qx "${label}_webrtc_packets_browser_to_phone: $sent of $sent packets" <<<"$out" ||
    fail "$label: browser -> phone: $(grep browser_to_phone <<<"$out")"
  grep -qx "${label}_webrtc_packets_phone_to_browser: $sent of $sent packets" <<<"$out" ||
    fail "$label: phone -> browser: $(grep phone_to_browser <<<"$out")"
  grep -qx "${label}_webrtc_misdelivered: 0 packets" <<<"$out" || fail "$label: $(grep misdelivered <<<"$out")"
  grep -qx "${label}_webrtc_srtp_errors: 0 packets" <<<"$out" || fail "$label: $(grep srtp_errors <<<"$out")"
  grep -q "^${label}_answer_to_first_audio_p99: [0-9.]* ms$" <<<"$out" || fail "$label: no first-audio figure: $out"
  # (no per-core figure asked for: 5 calls for 2 s may cost the relay less than one clock tick of CPU time)
  grep -q "^${label}_webrtc_relay_cpu: [0-9.]* % of a core$" <<<"$out" || fail "$label: no CPU figure: $out"
  pass "$label: $CALLS DTLS-SRTP<->RTP calls, $(sed -n "s/^${label}_webrtc_srtp_profile: //p" <<<"$out"), $sent packets each way, first audio p99 $(sed -n "s/^${label}_answer_to_first_audio_p99: //p" <<<"$out")"
}

# ---- the box's AGW ----
expect_exit 0 "$IMSBOX" up --data-dir "$DATA_DIR"
for _ in $(seq 1 100); do ss -Huln "sport = :$NG_PORT" | grep -q . && break; sleep 0.1; done
AGW_PID=$(pgrep -f -- "ims-agw .*--data-dir $DATA_DIR" | head -1)
[ -n "$AGW_PID" ] || fail "ims-agw is not running"
OUT=$(timeout 60 "$BIN/agw-webrtc-load" --ng-port "$NG_PORT" --calls "$CALLS" --seconds 2 --pid "$AGW_PID" --label agw \
  --local-ports "$LOCAL_PORTS") ||
  fail "agw-webrtc-load against the AGW failed: $OUT"
check agw "$OUT"
# calls_with LOG PATTERN: how many of our calls a log has a line matching PATTERN of
calls_with() { grep -e "$2" "$1" | grep -o 'webrtc-load-[0-9]*-[0-9]*' | sort -u | wc -l; }
[ "$(calls_with "$DATA_DIR/log/agw.log" "DTLS connected")" = "$CALLS" ] ||
  fail "the AGW did not log a DTLS connection for every call: $(grep -c "DTLS connected" "$DATA_DIR/log/agw.log")"
expect_exit 0 "$IMSBOX" down --data-dir "$DATA_DIR"

# ---- Debian's rtpengine: full ICE (it checks us too), DTLS passive ----
command -v rtpengine >/dev/null || fail "rtpengine is not installed (rtpengine-daemon)"
rtpengine --foreground --log-stderr --config-file=none --table=-1 --interface=127.0.0.1 \
  --listen-ng="127.0.0.1:$RE_NG" --port-min="$RTP_MIN" --port-max="$RTP_MAX" --num-threads=1 --delete-delay=0 \
  --log-level=6 > "$DATA_DIR/rtpengine.log" 2>&1 &
RE_PID=$!
for _ in $(seq 1 100); do ss -Huln "sport = :$RE_NG" | grep -q . && break; sleep 0.1; done
OUT=$(timeout 60 "$BIN/agw-webrtc-load" --ng-port "$RE_NG" --calls "$CALLS" --seconds 2 --pid "$RE_PID" --label rtpengine \
  --local-ports "$LOCAL_PORTS") ||
  fail "agw-webrtc-load against rtpengine failed: $OUT; $(tail -n 20 "$DATA_DIR/rtpengine.log")"
check rtpengine "$OUT"
# rtpengine's word on it: ICE done with our checks, our certificate taken, DTLS-SRTP up, for every call
for what in "ICE negotiated: peer for component 1" "DTLS: Peer certificate accepted" "DTLS-SRTP successfully negotiated"; do
  [ "$(calls_with "$DATA_DIR/rtpengine.log" "$what")" = "$CALLS" ] ||
    fail "rtpengine did not log '$what' for every call: $(grep -i -e ice -e dtls "$DATA_DIR/rtpengine.log" | tail -n 20)"
done
stop_rtpengine
