#!/usr/bin/env bash
# Real peers through a proxy built on the SIP stack: sipp UAC -> sip-test-proxy
# -> sipp UAS, over UDP and over TCP: answered calls (INVITE, ACK, BYE) and
# calls the caller cancels while it rings (CANCEL, 487, ACK).
source "$(dirname "$0")/lib.sh"

SCEN="$SOURCE_DIR/tests/integration/sipp"
BASE=$(free_port_base)
PROXY=$BASE UAS=$((BASE + 1)) UAC=$((BASE + 2))
cd "$DATA_DIR"

"$BIN/sip-test-proxy" --udp 127.0.0.1:$PROXY --tcp 127.0.0.1:$PROXY > proxy.log 2>&1 &
PROXY_PID=$!
for _ in $(seq 1 50); do grep -q '^ready' proxy.log && break; sleep 0.1; done
grep -q '^ready' proxy.log || fail "the proxy did not start: $(cat proxy.log)"

# run_calls NAME UAS_SCENARIO UAC_SCENARIO TRANSPORT(u1|t1) CALLS
run_calls() {
  local name=$1 uas=$2 uac=$3 transport=$4 calls=$5
  sipp -sf "$SCEN/$uas" -i 127.0.0.1 -p $UAS -t "$transport" -m "$calls" -timeout 30s -timeout_error \
       -trace_err -error_file "uas_$name.err" -nostdin > "uas_$name.out" 2>&1 &
  local uas_pid=$!
  sleep 0.3
  set +e
  timeout 60 sipp -sf "$SCEN/$uac" 127.0.0.1:$UAS -rsa 127.0.0.1:$PROXY -i 127.0.0.1 -p $UAC -t "$transport" \
       -m "$calls" -l 2 -r 10 -timeout 30s -timeout_error -trace_err -error_file "uac_$name.err" -nostdin \
       > "uac_$name.out" 2>&1
  local uac_rc=$?
  wait $uas_pid
  local uas_rc=$?
  set -e
  local ok
  ok=$(awk -F'|' '/Successful call/ {gsub(/ /, "", $3); print $3}' "uac_$name.out")
  if [ "$uac_rc" != 0 ] || [ "$uas_rc" != 0 ] || [ "$ok" != "$calls" ]; then
    echo "--- uac"; tail -30 "uac_$name.out"; cat "uac_$name.err" 2>/dev/null | tail -20
    echo "--- uas"; tail -30 "uas_$name.out"; cat "uas_$name.err" 2>/dev/null | tail -20
    echo "--- proxy"; tail -20 proxy.log
    fail "$name: uac exit $uac_rc, uas exit $uas_rc, $ok of $calls calls succeeded"
  fi
  pass "$name: $calls calls"
}

run_calls udp_call uas_call.xml uac_call.xml u1 5
run_calls tcp_call uas_call.xml uac_call.xml t1 5
run_calls udp_cancel uas_cancel.xml uac_cancel.xml u1 3
run_calls tcp_cancel uas_cancel.xml uac_cancel.xml t1 3

kill -TERM $PROXY_PID
wait $PROXY_PID || true
