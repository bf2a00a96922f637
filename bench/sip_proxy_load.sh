#!/usr/bin/env bash
# Stateful, record-routing proxying over UDP loopback, driven by sipp: sipp
# UAC -> proxy -> sipp UAS, each call INVITE/ACK/BYE (3 requests and their
# responses through the proxy). Run once with our proxy core
# (sip-test-proxy --record-route) and once with Kamailio (tm, rr, children=2,
# the same 4 MiB receive buffer; bench/kamailio_proxy.cfg) on the same
# traffic, one after the other. Prints what each sustained, its CPU time per
# request (every process of the proxy counted) and the ratios: the sipp
# peers run on the same 2 cores, so requests per proxy CPU second is the
# figure that compares. Bounded: CALLS calls at RATE calls/s per proxy.
set -euo pipefail
BIN="${BIN:?set BIN to the bin directory of a build}"
HERE="$(cd "$(dirname "$0")" && pwd)"
SCEN="$(cd "$HERE/../tests/integration/sipp" && pwd)"
CALLS="${CALLS:-30000}"
RATE="${RATE:-3000}"
work="$(mktemp -d /tmp/imsbox-bench-XXXXXX)"
trap 'kill $(jobs -p) 2>/dev/null || true; pkill -f -- "-f $work/kamailio.cfg" 2>/dev/null || true; rm -rf "$work"' EXIT
cd "$work"
hz=$(getconf CLK_TCK)

# cpu_ticks PID...: user + system ticks of those processes
cpu_ticks() { local p t=0; for p in "$@"; do t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || echo 0))); done; echo $t; }
sys_ticks() { local p t=0; for p in "$@"; do t=$((t + $(awk '{print $15}' "/proc/$p/stat" 2>/dev/null || echo 0))); done; echo $t; }

# drive NAME PROXY_PORT PID...: the calls through the proxy at PROXY_PORT, whose processes are PID...;
# prints NAME/... figures and leaves "requests_per_cpu_second calls_completed" in $work/NAME.sum
drive() {
  local name=$1 proxy=$2
  shift 2
  local uas=$((proxy + 1)) uac=$((proxy + 2))
  sipp -sf "$SCEN/uas_call.xml" -i 127.0.0.1 -p $uas -t u1 -nostdin -timeout 120s > "$name-uas.out" 2>&1 &
  local uas_pid=$!
  sleep 0.3
  local cpu0 sys0 t0 cpu1 sys1 t1
  cpu0=$(cpu_ticks "$@") sys0=$(sys_ticks "$@") t0=$(date +%s%N)
  sipp -sf "$SCEN/uac_call.xml" 127.0.0.1:$uas -rsa 127.0.0.1:$proxy -i 127.0.0.1 -p $uac -t u1 -nostdin \
    -m "$CALLS" -r "$RATE" -l 2000 -timeout 120s -max_recv_loops 10000 > "$name-uac.out" 2>&1 || true
  t1=$(date +%s%N) cpu1=$(cpu_ticks "$@") sys1=$(sys_ticks "$@")
  kill $uas_pid 2>/dev/null || true
  wait $uas_pid 2>/dev/null || true
  local ok failed
  ok=$(awk -F'|' '/Successful call/ {gsub(/ /, "", $3); print $3}' "$name-uac.out")
  failed=$(awk -F'|' '/Failed call/ {gsub(/ /, "", $3); print $3}' "$name-uac.out")
  awk -v name="$name" -v ok="${ok:-0}" -v failed="${failed:-0}" -v ns=$((t1 - t0)) -v ticks=$((cpu1 - cpu0)) \
    -v sys=$((sys1 - sys0)) -v hz="$hz" -v sum="$work/$name.sum" 'BEGIN {
    secs = ns / 1e9; cpu = ticks / hz; req = ok * 3
    printf "%s/calls_completed: %d calls\n", name, ok
    printf "%s/calls_failed: %d calls\n", name, failed
    printf "%s/requests: %.0f per second\n", name, req / secs
    printf "%s/proxy_cpu: %.2f seconds\n", name, cpu
    printf "%s/proxy_cpu_in_kernel: %.2f seconds\n", name, sys / hz
    per = cpu > 0 ? req / cpu : 0
    if (cpu > 0) printf "%s/requests_per_proxy_cpu_second: %.0f per second\n", name, per
    printf "%.3f %d\n", per, ok > sum
  }'
}

base=$((10000 + RANDOM % 22000))  # below the ephemeral ports

# ---- ours ----
"$BIN/sip-test-proxy" --udp 127.0.0.1:$base --record-route > proxy.log 2>&1 &
ours=$!
for _ in $(seq 1 50); do grep -q '^ready' proxy.log && break; sleep 0.1; done
grep -q '^ready' proxy.log || { echo "sip-test-proxy did not start: $(tail -n 3 proxy.log)" >&2; exit 1; }
drive sip_proxy_udp $base $ours
kill $ours 2>/dev/null || true
wait $ours 2>/dev/null || true

# ---- Kamailio on the same traffic ----
if ! command -v kamailio > /dev/null; then
  echo "kamailio_proxy_udp: not run (no kamailio; Debian package kamailio)"
  exit 0
fi
kport=$((base + 10))
cp "$HERE/kamailio_proxy.cfg" "$work/kamailio.cfg"
kamailio -f "$work/kamailio.cfg" -l "udp:127.0.0.1:$kport" -DD -E -m 256 -M 32 -P "$work/kamailio.pid" \
  > kamailio.log 2>&1 &
kam=$!
for _ in $(seq 1 50); do ss -Hlun "sport = :$kport" | grep -q . && break; sleep 0.1; done
ss -Hlun "sport = :$kport" | grep -q . || { echo "kamailio did not start: $(tail -n 5 kamailio.log)" >&2; exit 1; }
sleep 0.5  # its workers forked
mapfile -t kpids < <(pgrep -f -- "-f $work/kamailio.cfg")
drive kamailio_proxy_udp $kport "${kpids[@]}"
kill $kam 2>/dev/null || true
wait $kam 2>/dev/null || true

read -r ours_per ours_ok < "$work/sip_proxy_udp.sum"
read -r kam_per kam_ok < "$work/kamailio_proxy_udp.sum"
awk -v a="$ours_per" -v b="$kam_per" -v ao="$ours_ok" -v bo="$kam_ok" 'BEGIN {
  if (b > 0) printf "sip_proxy_udp/vs_kamailio_requests_per_cpu_second: %.2f ratio\n", a / b
  if (bo > 0) printf "sip_proxy_udp/vs_kamailio_calls_completed: %.2f ratio\n", ao / bo
}'
