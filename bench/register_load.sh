#!/usr/bin/env bash
# Full-chain IMS-AKA registrations over UDP loopback: sipp UEs -> P-CSCF ->
# I-CSCF -> S-CSCF, with the HSS over Cx (UAR, MAR, UAR, SAR per
# registration), against `imsbox up` on a scratch data dir. Prints the
# registrations/s sustained at RATE, the p50/p99 time of a full registration
# (first REGISTER to the 200 OK), and the memory per registered contact once
# CONTACTS contacts are bound (RSS growth of the P-CSCF and S-CSCF, which
# keep them). UES sipp processes, one IMPI each with IMPUS public identities
# (sipp takes one username per process), each IMPU binding CONTACTS/(UES*IMPUS)
# contacts. Bounded: REGS registrations at RATE/s, then the rest up to
# CONTACTS at the same rate; sipp gives up on a stuck one after 10 s.
set -euo pipefail
BIN="${BIN:?set BIN to the bin directory of a build}"
export IMSBOX_BUILD_DIR="$(cd "$BIN/.." && pwd)"
source "$(dirname "$0")/../tests/integration/lib.sh"
UES="${UES:-10}"             # sipp processes, one IMPI each (sipp takes one username per process)
# 100,000 contacts, one per IMPU, each IMPU its own implicit registration set
# (10,000 per IMPI). Provisioning them takes ~5 minutes, binding them ~6.
CONTACTS="${CONTACTS:-100000}"
IMPUS="${IMPUS:-10000}"      # public identities per IMPI, each its own implicit registration set
REGS="${REGS:-3000}"
RATE="${RATE:-300}"
SCEN="$SOURCE_DIR/bench/sipp/register_aka_load.xml"
DOMAIN=it.example.org
K_TEXT=imsbox-test-K-01 OP_TEXT=imsbox-test-OP-1 AMF_TEXT=AM
hex() { printf '%s' "$1" | od -An -tx1 | tr -d ' \n'; }
[ "$UES" -le 16 ] || fail "UES must be at most 16 (the ports the test helpers reserve)"

BASE=$(free_port_base)
write_config "$BASE"
sed -i -e "s/^\[global\]/[global]\nlog_level = ${LOG_LEVEL:-warning}/" "$DATA_DIR/imsbox.conf"
"$IMSBOX" up --data-dir "$DATA_DIR" >/dev/null
# at log level warning the HSS says nothing of its Cx connections: this waits the full 10 s
wait_for_cx "$DOMAIN" || true

echo "register_load: provisioning $UES AKA subscribers with $IMPUS public identities each" >&2
API="http://127.0.0.1:$((BASE + 8))/v1"
{
  first=1
  for u in $(seq 1 "$UES"); do
    impus=""
    for i in $(seq 1 "$IMPUS"); do impus+="${impus:+, }\"sip:ue$u-$i@$DOMAIN\""; done
    [ $first = 1 ] || echo next
    first=0
    printf 'url = "%s/subscribers"\nheader = "Authorization: Bearer %s"\noutput = "/dev/null"\n' "$API" "$API_TOKEN"
    # the body from a file: thousands of IMPUs make a line longer than curl takes in a config
    printf '{"impi": "ue%d@%s", "impus": [%s], "k": "%s", "op": "%s", "amf": "%s"}' \
      "$u" "$DOMAIN" "$impus" "$(hex "$K_TEXT")" "$(hex "$OP_TEXT")" "$(hex "$AMF_TEXT")" > "$DATA_DIR/ue$u.json"
    printf 'data = "@%s"\n' "$DATA_DIR/ue$u.json"
    echo SEQUENTIAL > "$DATA_DIR/ue$u.csv"
    for i in $(seq 1 "$IMPUS"); do
      printf 'next\nurl = "%s/public-identities/sip%%3Aue%d-%d%%40%s"\nrequest = "PUT"\n' "$API" "$u" "$i" "$DOMAIN"
      printf 'header = "Authorization: Bearer %s"\noutput = "/dev/null"\ndata = "{\\"implicit_set\\": %d}"\n' "$API_TOKEN" "$i"
      echo "ue$u-$i" >> "$DATA_DIR/ue$u.csv"
    done
  done
} > "$DATA_DIR/curl.conf"
curl -sf -K "$DATA_DIR/curl.conf" || fail "provisioning failed"

rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$(pgrep -f -- "ims-$1 .*--data-dir $DATA_DIR" | head -1)/status"; }
mem0=$(($(rss_kb pcscf) + $(rss_kb scscf)))

# run NAME COUNT RATE: COUNT registrations over the UEs; sets OK, FAILED, SECS
run() {
  local name=$1 count=$2 rate=$3 t0 t1 u per
  per=$(((count + UES - 1) / UES))
  t0=$(date +%s%N)
  for u in $(seq 1 "$UES"); do
    (cd "$DATA_DIR" && sipp -sf "$SCEN" "127.0.0.1:$((BASE + 10))" -i 127.0.0.1 -p $((BASE + 15 + u)) -t u1 \
      -inf "$DATA_DIR/ue$u.csv" -au "ue$u@$DOMAIN" -key impi "ue$u@$DOMAIN" -key domain "$DOMAIN" -auth_uri "$DOMAIN" \
      -m "$per" -r "$(((rate + UES - 1) / UES))" -l 2000 -recv_timeout 10000 -timeout 600s -nostdin \
      -trace_rtt -rtt_freq 1 -trace_err -error_file "$name-$u.err" -max_recv_loops 10000 \
      > "$name-$u.out" 2>&1) &
  done
  wait
  t1=$(date +%s%N)
  OK=$(cat "$DATA_DIR/$name"-*.out | awk -F'|' '/Successful call/ {gsub(/ /, "", $3); n += $3} END {print n + 0}')
  FAILED=$(cat "$DATA_DIR/$name"-*.out | awk -F'|' '/Failed call/ {gsub(/ /, "", $3); n += $3} END {print n + 0}')
  SECS=$(awk -v ns=$((t1 - t0)) 'BEGIN {printf "%.2f", ns / 1e9}')
}

echo "register_load: $REGS registrations at $RATE/s" >&2
run rate "$REGS" "$RATE"
[ "$OK" -gt 0 ] || fail "no registration succeeded: $(head -c 2000 "$DATA_DIR/rate-1.err" 2>/dev/null)"
rate_ok=$OK rate_failed=$FAILED rate_secs=$SECS
rtts=$(cat "$DATA_DIR"/register_aka_load_*_rtt.csv 2>/dev/null | awk -F';' '$2 ~ /^[0-9.]+$/ {print $2}' | sort -n || true)
percentile() { awk -v p="$1" '{v[NR] = $1} END {if (NR == 0) {print "n/a"; exit} i = int(NR * p / 100); if (i < 1) i = 1; printf "%.1f", v[i]}' <<<"$rtts"; }
p50=$(percentile 50) p99=$(percentile 99)

left=$((CONTACTS - rate_ok))
fill_ok=0
if [ "$left" -gt 0 ]; then
  echo "register_load: $left more registrations, up to $CONTACTS contacts" >&2
  run fill "$left" "$RATE"
  fill_ok=$OK
fi
contacts=$((rate_ok + fill_ok))
mem1=$(($(rss_kb pcscf) + $(rss_kb scscf)))

awk -v ok="$rate_ok" -v failed="$rate_failed" -v secs="$rate_secs" -v rate="$RATE" -v p50="$p50" -v p99="$p99" \
    -v contacts="$contacts" -v kb=$((mem1 - mem0)) -v cpu="$(lscpu | sed -n 's/^Model name: *//p' | head -1)" 'BEGIN {
  printf "register_load/cpu: %s\n", cpu
  printf "register_load/offered: %d registrations per second\n", rate
  printf "register_load/completed: %d registrations (%d failed)\n", ok, failed
  printf "register_load/registrations: %.0f per second\n", ok / secs
  printf "register_load/registration_time_p50: %s ms\n", p50
  printf "register_load/registration_time_p99: %s ms\n", p99
  printf "register_load/contacts_bound: %d\n", contacts
  if (contacts > 0) printf "register_load/memory_per_contact: %.0f bytes (P-CSCF + S-CSCF RSS growth)\n", kb * 1024 / contacts
}'
