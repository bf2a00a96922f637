#!/usr/bin/env bash
# The AGW's browser leg (agw/webrtc) against a real browser: webrtc-echo (a
# small program on imsbox_webrtc, one loop, one GMainContext driver) answers
# headless Chromium's offers on loopback and echoes its SRTP audio back
# (webrtc_echo.cjs): ICE connected, DTLS connected, the browser's inbound
# audio growing with a non-zero audioLevel, for AEAD_AES_128_GCM and for
# AES_CM_128_HMAC_SHA1_80 (the tool's DTLS server offering only that one),
# for an offer whose a=candidate lines were stripped (peer-reflexive), a
# wrong a=fingerprint refused, a page without media permission whose
# candidates are all mDNS .local names (peer-reflexive again), the other
# direction (the tool offers actpass, Chrome answers active, DTLS client
# again), and consent lost once the browsers are killed.
source "$(dirname "$0")/../lib.sh"

HERE="$SOURCE_DIR/tests/integration/webrtc"
require_chromium
[ -x "$BIN/webrtc-echo" ] || fail "no $BIN/webrtc-echo"

BASE=$(free_port_base)
HTTP_PORT=$BASE
MEDIA_MIN=$((BASE + 1))
MEDIA_MAX=$((BASE + 16))
LOG="$DATA_DIR/webrtc-echo.log"

"$BIN/webrtc-echo" --http-port "$HTTP_PORT" --address 127.0.0.1 --media-port-min "$MEDIA_MIN" \
  --media-port-max "$MEDIA_MAX" --page "$HERE/echo.html" --log "$LOG" --log-level debug > "$DATA_DIR/webrtc-echo.out" 2>&1 &
ECHO_PID=$!
for _ in $(seq 1 100); do
  grep -q '^ready ' "$DATA_DIR/webrtc-echo.out" 2>/dev/null && break
  kill -0 "$ECHO_PID" 2>/dev/null || fail "webrtc-echo exited: $(cat "$DATA_DIR/webrtc-echo.out")"
  sleep 0.1
done
grep -q "^ready $HTTP_PORT\$" "$DATA_DIR/webrtc-echo.out" || fail "webrtc-echo is not ready: $(cat "$DATA_DIR/webrtc-echo.out")"
pass "webrtc-echo listens on 127.0.0.1:$HTTP_PORT"

if ! node "$HERE/webrtc_echo.cjs" --url "http://127.0.0.1:$HTTP_PORT/" --node-modules "$NODE_MODULES" \
     --wav "$DATA_DIR/tone.wav" > "$DATA_DIR/browser.out" 2>&1; then
  cat "$DATA_DIR/browser.out"
  echo "--- webrtc-echo log (last 40 lines)"
  tail -n 40 "$LOG"
  fail "the browser run failed"
fi
cat "$DATA_DIR/browser.out"

# What the tool logged, each thing once per session that did it.
for s in 1 2 3 4 6; do
  grep -q "session $s: DTLS connected (DTLSv1.2" "$LOG" || fail "no 'DTLS connected' for session $s"
  grep -q "session $s: browser leg ended: consent lost" "$LOG" || fail "no 'consent lost' for session $s"
done
grep -q "session 4: offer with 0 candidates" "$LOG" || fail "session 4 had candidates"
for s in 1 4; do
  grep -q "session $s: ICE learnt a peer-reflexive candidate" "$LOG" || fail "no peer-reflexive candidate in session $s"
done
grep -q "session 1: ICE candidate skipped (mDNS.*\.local " "$LOG" || fail "session 1: no mDNS candidate skipped"
grep -q "session 5: DTLS failed: fingerprint mismatch: the peer's certificate is sha-256 " "$LOG" ||
  fail "the wrong fingerprint was not refused and logged: $(grep 'session 5' "$LOG")"
grep -q "session 5: DTLS connected" "$LOG" && fail "session 5 connected despite the wrong fingerprint"
grep -q "session 6: offer sent from 127.0.0.1:" "$LOG" || fail "session 6 was not our offer"
pass "the tool's log: DTLS connected x5, mDNS candidates skipped, peer-reflexive learnt, fingerprint mismatch refused, consent lost x5"

# Loopback only: every socket of the tool (HTTP and media) is bound to 127.0.0.1.
SOCKETS=$(ss -Hanup 2>/dev/null | grep "pid=$ECHO_PID," || true)
SOCKETS+=$'\n'$(ss -Hantp 2>/dev/null | grep "pid=$ECHO_PID," || true)
[ -n "$(grep -v '^$' <<<"$SOCKETS")" ] || fail "no sockets of webrtc-echo seen by ss"
if grep -v '^$' <<<"$SOCKETS" | awk '{print $4}' | grep -v '^127\.0\.0\.1:' | grep -q .; then
  fail "webrtc-echo has a socket not on 127.0.0.1: $SOCKETS"
fi
pass "webrtc-echo's sockets are all on 127.0.0.1"

kill "$ECHO_PID"
wait "$ECHO_PID" 2>/dev/null || true
pass "webrtc"
