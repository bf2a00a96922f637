#!/usr/bin/env bash
# Answered calls through the whole chain over UDP loopback, against `imsbox
# up` on a scratch data dir: sipp callers -> P-CSCF -> S-CSCF (originating)
# -> I-CSCF (LIR at the HSS) -> S-CSCF (terminating) -> P-CSCF -> sipp
# callees, INVITE/100/180/200/ACK, then BYE/200 along the Record-Route
# after HOLD ms. PAIRS caller/callee pairs, each UE registered with IMS-AKA
# first from the port its sipp then uses.
#   1. CALLS calls offered at RATE/s: prints the calls/s completed;
#   2. CALLS/2 calls (at most 30 s of them) at half the rate completed in
#      1: prints the p50/p99 setup time (INVITE sent -> 180 received).
# Bounded: CALLS calls per phase; sipp gives up on a stuck call after 10 s.
set -euo pipefail
BIN="${BIN:?set BIN to the bin directory of a build}"
export IMSBOX_BUILD_DIR="$(cd "$BIN/.." && pwd)"
source "$(dirname "$0")/../tests/integration/lib.sh"
PAIRS="${PAIRS:-4}"   # caller/callee pairs (one sipp process each side)
CALLS="${CALLS:-4000}"
RATE="${RATE:-500}"
HOLD="${HOLD:-1000}"  # ms between ACK and BYE
DOMAIN=it.example.org
REGISTER="$SOURCE_DIR/tests/integration/registration/register_aka.xml"
hex() { printf '%s' "$1" | od -An -tx1 | tr -d ' \n'; }
[ "$PAIRS" -le 8 ] || fail "PAIRS must be at most 8 (the ports the test helpers reserve)"
command -v sipp >/dev/null || fail "sipp is not installed (sip-tester)"

BASE=$(free_port_base)
PCSCF="127.0.0.1:$((BASE + 10))"
caller_port() { echo $((BASE + 15 + $1)); }
callee_port() { echo $((BASE + 23 + $1)); }
write_config "$BASE"
sed -i -e "s/^\[global\]/[global]\nlog_level = ${LOG_LEVEL:-warning}/" "$DATA_DIR/imsbox.conf"
"$IMSBOX" up --data-dir "$DATA_DIR" >/dev/null
# at log level warning the HSS says nothing of its Cx connections: this waits the full 10 s
wait_for_cx "$DOMAIN" || true

echo "calls_load: provisioning and registering $PAIRS caller/callee pairs" >&2
# register USER PORT: one IMS-AKA registration of sip:USER@D from 127.0.0.1:PORT
register() {
  "$IMSBOX" subscriber add --data-dir "$DATA_DIR" --impi "$1@$DOMAIN" --impu "sip:$1@$DOMAIN" \
    --k "$(hex imsbox-test-K-01)" --op "$(hex imsbox-test-OP-1)" --amf "$(hex AM)" >/dev/null
  (cd "$DATA_DIR" && timeout 30 sipp -sf "$REGISTER" "$PCSCF" -i 127.0.0.1 -p "$2" -t u1 -m 1 -s "$1" \
    -au "$1@$DOMAIN" -key domain "$DOMAIN" -auth_uri "$DOMAIN" -key expires 3600 -timeout 20s -timeout_error \
    -nostdin -trace_logs -log_file "register-$1.log" > "register-$1.out" 2>&1) ||
    fail "registration of $1 failed: $(cat "$DATA_DIR/register-$1.log" 2>/dev/null)"
}
for p in $(seq 1 "$PAIRS"); do
  register "caller$p" "$(caller_port "$p")"
  register "callee$p" "$(callee_port "$p")"
done

# run NAME COUNT RATE: COUNT calls over the pairs; sets OK, FAILED, SECS
run() {
  local name=$1 count=$2 rate=$3 t0 t1 p per limit uas=() uac=()
  per=$(((count + PAIRS - 1) / PAIRS))
  limit=$((count / rate + HOLD / 1000 + 30))  # the callees' patience: a caller may fail some calls
  for p in $(seq 1 "$PAIRS"); do
    # no call count: a callee may also get late INVITEs of an earlier run's failed
    # calls; ended once its caller is done, `timeout` in case
    timeout "$limit" sipp -sf "$SOURCE_DIR/bench/sipp/call_uas.xml" -i 127.0.0.1 -p "$(callee_port "$p")" -t u1 \
      -s "callee$p" -nostdin -trace_err -error_file "$DATA_DIR/$name-uas-$p.err" > "$DATA_DIR/$name-uas-$p.out" 2>&1 &
    uas+=($!)
  done
  sleep 0.5  # their sockets bound
  t0=$(date +%s%N)
  for p in $(seq 1 "$PAIRS"); do
    (cd "$DATA_DIR" && sipp -sf "$SOURCE_DIR/bench/sipp/call_uac.xml" "$PCSCF" -i 127.0.0.1 -p "$(caller_port "$p")" \
      -t u1 -s "callee$p" -key caller "caller$p" -key domain "$DOMAIN" -m "$per" \
      -r "$(((rate + PAIRS - 1) / PAIRS))" -l 5000 -d "$HOLD" -recv_timeout 10000 -timeout 600s -nostdin \
      -trace_rtt -rtt_freq 1 -trace_err -error_file "$name-uac-$p.err" -max_recv_loops 10000 \
      > "$name-uac-$p.out" 2>&1) &
    uac+=($!)
  done
  wait "${uac[@]}" || true  # sipp exits 1 when some calls failed: counted below
  t1=$(date +%s%N)  # the callers are done: so are the callees
  kill "${uas[@]}" 2>/dev/null || true
  wait "${uas[@]}" 2>/dev/null || true
  OK=$(cat "$DATA_DIR/$name"-uac-*.out | awk -F'|' '/Successful call/ {gsub(/ /, "", $3); n += $3} END {print n + 0}')
  FAILED=$(cat "$DATA_DIR/$name"-uac-*.out | awk -F'|' '/Failed call/ {gsub(/ /, "", $3); n += $3} END {print n + 0}')
  SECS=$(awk -v ns=$((t1 - t0)) -v hold="$HOLD" 'BEGIN {printf "%.2f", ns / 1e9 - hold / 1000}')
}

echo "calls_load: $CALLS calls at $RATE/s" >&2
run rate "$CALLS" "$RATE"
[ "$OK" -gt 0 ] || fail "no call succeeded: $(head -c 2000 "$DATA_DIR/rate-uac-1.err" 2>/dev/null)"
rate_ok=$OK rate_failed=$FAILED rate_secs=$SECS
achieved=$(awk -v ok="$OK" -v secs="$SECS" 'BEGIN {printf "%d", ok / secs}')
half=$(( achieved / 2 > 1 ? achieved / 2 : 1 ))

rm -f "$DATA_DIR"/*_rtt.csv
count2=$(( CALLS / 2 < half * 30 ? CALLS / 2 : half * 30 ))  # at most ~30 s
echo "calls_load: $count2 calls at $half/s for the setup time" >&2
run half "$count2" "$half"
rtts=$(cat "$DATA_DIR"/call_uac_*_rtt.csv 2>/dev/null | awk -F';' '$2 ~ /^[0-9.]+$/ {print $2}' | sort -n || true)
percentile() { awk -v p="$1" '{v[NR] = $1} END {if (NR == 0) {print "n/a"; exit} i = int(NR * p / 100); if (i < 1) i = 1; printf "%.1f", v[i]}' <<<"$rtts"; }

awk -v ok="$rate_ok" -v failed="$rate_failed" -v secs="$rate_secs" -v rate="$RATE" -v half="$half" \
    -v half_ok="$OK" -v half_failed="$FAILED" -v p50="$(percentile 50)" -v p99="$(percentile 99)" \
    -v cpu="$(lscpu | sed -n 's/^Model name: *//p' | head -1)" 'BEGIN {
  printf "calls_load/cpu: %s\n", cpu
  printf "calls_load/offered: %d calls per second\n", rate
  printf "calls_load/completed: %d calls (%d failed)\n", ok, failed
  printf "calls_load/calls: %.0f per second\n", ok / secs
  printf "calls_load/setup_rate: %d calls per second (%d completed, %d failed)\n", half, half_ok, half_failed
  printf "calls_load/setup_time_p50: %s ms (INVITE to 180)\n", p50
  printf "calls_load/setup_time_p99: %s ms\n", p99
}'
