#!/usr/bin/env bash
# Multimedia-Auth-Request round trips over loopback Diameter: cx-load (a
# freeDiameter client keeping WINDOW requests in flight) -> ims-hss with
# SUBSCRIBERS SIM subscribers; each answer carries a fresh AKA vector whose
# SQN was committed to the store first. Prints the round trips per second
# and the HSS's own CPU time (the client runs on the same 2 cores).
# Bounded: COUNT requests or 60 s, then it stops.
set -euo pipefail
BIN="${BIN:?set BIN to the bin directory of a build}"
COUNT="${COUNT:-20000}"
WINDOW="${WINDOW:-64}"
SUBSCRIBERS="${SUBSCRIBERS:-100}"
work="$(mktemp -d /tmp/imsbox-bench-XXXXXX)"
trap 'kill $(jobs -p) 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT

base=$((10000 + RANDOM % 22000))  # below the ephemeral ports
cat > "$work/imsbox.conf" <<CONF
[global]
domain = bench.test
[hss]
health_port = $base
diameter_port = $((base + 1))
api_port = $((base + 2))
sbi_port = $((base + 3))
diameter_peers = scscf.bench.test
CONF
for i in $(seq 0 $((SUBSCRIBERS - 1))); do
  "$BIN/imsbox-ctl" subscriber add --data-dir "$work" --impi "load-$i@bench.test" --impu "sip:load-$i@bench.test" \
    --k fec86ba6eb707ed08905757b1bb44b8f --opc 1006020f0a478bf6b699f15c062e42b3 > /dev/null
done
"$BIN/ims-hss" --data-dir "$work" --log-file "$work/hss.log" &
hss_pid=$!
for _ in $(seq 1 100); do grep -q 'Cx (Diameter)' "$work/hss.log" 2>/dev/null && break; sleep 0.1; done

ticks() { awk '{print $14 + $15}' "/proc/$hss_pid/stat"; }
hz=$(getconf CLK_TCK)
cpu0=$(ticks)
${PERF:-} "$BIN/cx-load" --port $((base + 1)) --realm bench.test --count "$COUNT" --window "$WINDOW" \
  --subscribers "$SUBSCRIBERS" | tee "$work/load.out"
cpu1=$(ticks)
awk -v ticks=$((cpu1 - cpu0)) -v hz="$hz" '/round_trips/ {rt = $2} /answered/ {n = $2} END {
  cpu = ticks / hz
  printf "hss_mar_diameter/hss_cpu: %.2f seconds\n", cpu
  if (cpu > 0) printf "hss_mar_diameter/round_trips_per_hss_cpu_second: %.0f per second\n", n / cpu
}' "$work/load.out"
