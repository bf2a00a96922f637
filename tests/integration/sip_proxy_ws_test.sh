#!/usr/bin/env bash
# SIP over WebSocket (RFC 7118) through a proxy built on the SIP stack: a WS
# and a WSS client (ws-sip-client, as a browser would) call a sipp UAS that
# listens on UDP: requests go from WS to UDP, the responses come back over
# the client's WebSocket connection; ACK and BYE follow the callee's Contact.
source "$(dirname "$0")/lib.sh"

SCEN="$SOURCE_DIR/tests/integration/sipp"
BASE=$(free_port_base)
PROXY_UDP=$BASE WS=$((BASE + 1)) WSS=$((BASE + 2)) UAS=$((BASE + 3))
cd "$DATA_DIR"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=127.0.0.1 \
  -addext subjectAltName=IP:127.0.0.1 -keyout key.pem -out cert.pem > /dev/null 2>&1 || fail "openssl req"

"$BIN/sip-test-proxy" --udp 127.0.0.1:$PROXY_UDP --ws 127.0.0.1:$WS --wss 127.0.0.1:$WSS \
  --cert cert.pem --key key.pem > proxy.log 2>&1 &
PROXY_PID=$!
for _ in $(seq 1 50); do grep -q '^ready' proxy.log && break; sleep 0.1; done
grep -q '^ready' proxy.log || fail "the proxy did not start: $(cat proxy.log)"

for scheme in ws wss; do
  port=$WS
  [ $scheme = wss ] && port=$WSS
  sipp -sf "$SCEN/uas_call.xml" -i 127.0.0.1 -p $UAS -t u1 -m 3 -timeout 30s -timeout_error -trace_err \
       -error_file "uas_$scheme.err" -nostdin > "uas_$scheme.out" 2>&1 &
  uas_pid=$!
  sleep 0.3
  expect_exit 0 timeout 60 "$BIN/ws-sip-client" --url "$scheme://127.0.0.1:$port" \
    --target "sip:service@127.0.0.1:$UAS;transport=udp" --calls 3
  expect_out "3 calls over ${scheme^^} done"
  set +e; wait $uas_pid; uas_rc=$?; set -e
  [ "$uas_rc" = 0 ] || { tail -20 "uas_$scheme.out"; fail "$scheme: the sipp UAS exited $uas_rc"; }
  pass "$scheme: 3 calls from a WebSocket client to a UDP callee and back"
done

kill -TERM $PROXY_PID
wait $PROXY_PID || true
