#!/usr/bin/env bash
# Stateful proxying over UDP loopback, driven by sipp: sipp UAC ->
# sip-test-proxy -> sipp UAS, each call INVITE/ACK/BYE (3 requests and their
# responses through the proxy). Prints what the proxy sustained and its own
# CPU time per request, the "per core" figure (the sipp peers run on the
# same 2 cores). Bounded: CALLS calls at RATE calls/s, then it stops.
set -euo pipefail
BIN="${BIN:?set BIN to the bin directory of a build}"
SCEN="$(cd "$(dirname "$0")/../tests/integration/sipp" && pwd)"
CALLS="${CALLS:-30000}"
RATE="${RATE:-3000}"
work="$(mktemp -d /tmp/imsbox-bench-XXXXXX)"
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
cd "$work"

base=$((10000 + RANDOM % 22000))  # below the ephemeral ports
proxy=$base uas=$((base + 1)) uac=$((base + 2))
"$BIN/sip-test-proxy" --udp 127.0.0.1:$proxy > proxy.log 2>&1 &
proxy_pid=$!
for _ in $(seq 1 50); do grep -q '^ready' proxy.log && break; sleep 0.1; done

sipp -sf "$SCEN/uas_call.xml" -i 127.0.0.1 -p $uas -t u1 -nostdin -timeout 120s > uas.out 2>&1 &
sleep 0.3
ticks() { awk '{print $14 + $15}' "/proc/$proxy_pid/stat"; }
sys_ticks() { awk '{print $15}' "/proc/$proxy_pid/stat"; }
hz=$(getconf CLK_TCK)
cpu0=$(ticks)
sys0=$(sys_ticks)
t0=$(date +%s%N)
sipp -sf "$SCEN/uac_call.xml" 127.0.0.1:$uas -rsa 127.0.0.1:$proxy -i 127.0.0.1 -p $uac -t u1 -nostdin \
  -m "$CALLS" -r "$RATE" -l 2000 -timeout 120s -max_recv_loops 10000 > uac.out 2>&1 || true
t1=$(date +%s%N)
cpu1=$(ticks)
sys1=$(sys_ticks)

ok=$(awk -F'|' '/Successful call/ {gsub(/ /, "", $3); print $3}' uac.out)
failed=$(awk -F'|' '/Failed call/ {gsub(/ /, "", $3); print $3}' uac.out)
awk -v ok="${ok:-0}" -v failed="${failed:-0}" -v ns=$((t1 - t0)) -v ticks=$((cpu1 - cpu0)) -v sys=$((sys1 - sys0)) -v hz="$hz" 'BEGIN {
  secs = ns / 1e9; cpu = ticks / hz; req = ok * 3
  printf "sip_proxy_udp/calls_completed: %d calls\n", ok
  printf "sip_proxy_udp/calls_failed: %d calls\n", failed
  printf "sip_proxy_udp/requests: %.0f per second\n", req / secs
  printf "sip_proxy_udp/proxy_cpu: %.2f seconds\n", cpu
  printf "sip_proxy_udp/proxy_cpu_in_kernel: %.2f seconds\n", sys / hz
  if (cpu > 0) printf "sip_proxy_udp/requests_per_proxy_cpu_second: %.0f per second\n", req / cpu
}'
