#!/usr/bin/env bash
# Issue 15.4: the HSS's Cx port on the network. The box runs in a network
# namespace of its own (loopback, and 192.0.2.1 on a veth as
# global.bind_address); a "stranger" namespace at the other end of the veth
# (192.0.2.2) may talk Cx only as the identity configured for its address
# (hss.diameter_peers = ... as.<domain>@192.0.2.2):
#   * the HSS listens on 192.0.2.1 only (ss), not on 0.0.0.0 / [::];
#   * the stranger claiming scscf.<domain> is refused at CER with
#     DIAMETER_UNKNOWN_PEER, gets no answer to a request sent right behind
#     its CER (a raw Diameter peer written from RFC 6733, not freeDiameter),
#     cannot get a connection up with cx-client either, and the HSS logs the
#     identity and the address;
#   * as as.<domain>, from its configured address, it is admitted and answered;
#   * while the stranger keeps claiming scscf.<domain> from several
#     connections at once, the box's own S-CSCF and I-CSCF are killed and
#     come back: they are admitted, the stranger never is, and a UE on the
#     stranger's side then registers through the box (sipp, IMS-AKA).
source "$(dirname "$0")/netns_lib.sh"
in_own_netns "$0" "$@"
source "$(dirname "$0")/lib.sh"

command -v sipp >/dev/null || fail "sipp is not installed (sip-tester)"
command -v python3 >/dev/null || fail "python3 is not installed"
RAW="python3 $SOURCE_DIR/tests/integration/diameter/raw_cer_peer.py"
DOMAIN=it.example.org
BOX=192.0.2.1 STRANGER_IP=192.0.2.2
STRANGER=imsbox-stranger-$$
BASE=$(free_port_base)
HSS_PORT=$((BASE + 7))
HSS_LOG="$DATA_DIR/log/hss.log"

# ---- the two namespaces ----
peer_netns "$STRANGER" "$BOX" "$STRANGER_IP"
in_stranger() { ip netns exec "$STRANGER" "$@"; }

# ---- the box on 192.0.2.1 ----
write_config "$BASE"
sed -i -e "s/^bind_address = .*/bind_address = $BOX/" \
  -e "/^\[hss\]/a diameter_peers = icscf.$DOMAIN, scscf.$DOMAIN, as.$DOMAIN@$STRANGER_IP" "$DATA_DIR/imsbox.conf"
expect_exit 0 "$IMSBOX" up --data-dir "$DATA_DIR"
wait_for_cx "$DOMAIN" || fail "the I-CSCF and the S-CSCF did not connect to the HSS: $(tail -n 5 "$HSS_LOG")"
pass "the box is up on $BOX, its I-CSCF and S-CSCF connected over Cx"

listeners=$(ss -Hltn "sport = :$HSS_PORT" | awk '{print $4}' | sort | tr '\n' ' ')
[ "$listeners" = "$BOX:$HSS_PORT " ] || fail "the HSS's Cx port listens on: '$listeners'"
pass "the HSS listens on $BOX:$HSS_PORT only"

# ---- the stranger claiming to be the S-CSCF ----
OUT=$(in_stranger $RAW "$BOX" "$HSS_PORT" "scscf.$DOMAIN" "$DOMAIN")
[ "$(head -1 <<<"$OUT")" = "cea result=3010" ] || fail "the stranger as scscf.$DOMAIN was not refused with 3010: $OUT"
grep -q '^answer' <<<"$OUT" && fail "the refused stranger got an answer: $OUT"
grep -qE '^end=(closed|reset)$' <<<"$OUT" || fail "the connection of the refused stranger stayed open: $OUT"
OUT=$(in_stranger $RAW "$BOX" "$HSS_PORT" "scscf.$DOMAIN" "$DOMAIN" --pipeline)
grep -q '^answer' <<<"$OUT" && fail "a request sent right behind a refused CER was answered: $OUT"
grep -q 'cea result=2001' <<<"$OUT" && fail "the stranger was admitted: $OUT"
for _ in $(seq 1 50); do grep -q "refused peer scscf.$DOMAIN from $STRANGER_IP" "$HSS_LOG" && break; sleep 0.1; done
grep -q "warning .*diameter: refused peer scscf.$DOMAIN from $STRANGER_IP: not an address of that identity" "$HSS_LOG" ||
  fail "the HSS did not log the refusal with the identity and the address: $(grep refused "$HSS_LOG")"
pass "the stranger as scscf.$DOMAIN: CEA 3010, no answer to its request, logged with its address"

expect_exit 1 in_stranger "$BIN/cx-client" --peer "hss.$DOMAIN@$BOX:$HSS_PORT" --identity "scscf.$DOMAIN" \
  --realm "$DOMAIN" --connect-timeout-ms 3000 mar --impi "sim1@$DOMAIN" --impu "sip:sim1@$DOMAIN" \
  --scheme Digest-AKAv1-MD5 --server-name "sip:scscf.$DOMAIN:$((BASE + 15))"
expect_out "error=unable_to_deliver"
pass "cx-client as scscf.$DOMAIN from the stranger: no connection, no vectors"

# ---- the identity configured for the stranger's address is admitted ----
OUT=$(in_stranger $RAW "$BOX" "$HSS_PORT" "as.$DOMAIN" "$DOMAIN")
grep -qx 'cea result=2001' <<<"$OUT" || fail "as.$DOMAIN from $STRANGER_IP was not admitted: $OUT"
grep -qx 'answer command=300 result=5001' <<<"$OUT" ||
  fail "as.$DOMAIN got no UAA (DIAMETER_ERROR_USER_UNKNOWN) for its UAR: $OUT"
expect_exit 0 in_stranger "$BIN/cx-client" --peer "hss.$DOMAIN@$BOX:$HSS_PORT" --identity "as.$DOMAIN" \
  --realm "$DOMAIN" lir --impu "sip:nobody@$DOMAIN"
expect_out "result_code="
pass "as.$DOMAIN from $STRANGER_IP, as configured: admitted and answered (raw peer and cx-client)"
# ... and only from there: the same identity from the box's own address is refused
expect_exit 1 "$BIN/cx-client" --peer "hss.$DOMAIN@$BOX:$HSS_PORT" --identity "as.$DOMAIN" --realm "$DOMAIN" \
  --connect-timeout-ms 3000 lir --impu "sip:nobody@$DOMAIN"
pass "as.$DOMAIN from another address: refused"

# ---- the stranger and the real S-CSCF and I-CSCF at the same time ----
opened() { grep -c "connection with $1.$DOMAIN open" "$HSS_LOG" || true; }
scscf_before=$(opened scscf) icscf_before=$(opened icscf)
in_stranger $RAW "$BOX" "$HSS_PORT" "scscf.$DOMAIN" "$DOMAIN" --hammer 6 --threads 4 > "$DATA_DIR/hammer-scscf.out" 2>&1 &
hammer_scscf=$!
in_stranger $RAW "$BOX" "$HSS_PORT" "icscf.$DOMAIN" "$DOMAIN" --hammer 6 --threads 2 > "$DATA_DIR/hammer-icscf.out" 2>&1 &
hammer_icscf=$!
sleep 1  # the stranger is at it before the real nodes go
state_pid() { awk -v n="$1" '$1 == n {print $2}' "$DATA_DIR/run/supervisor.state"; }
kill -KILL "$(state_pid scscf)" "$(state_pid icscf)"
wait $hammer_scscf || fail "the stranger's attempts failed: $(cat "$DATA_DIR/hammer-scscf.out")"
wait $hammer_icscf || fail "the stranger's attempts failed: $(cat "$DATA_DIR/hammer-icscf.out")"
for f in scscf icscf; do
  summary=$(tail -1 "$DATA_DIR/hammer-$f.out")
  echo "stranger as $f.$DOMAIN: $summary"
  grep -qE '^attempts=[1-9][0-9]* ' <<<"$summary" || fail "no attempts as $f: $(cat "$DATA_DIR/hammer-$f.out")"
  grep -qE ' admitted=0 answered=0 other=0$' <<<"$summary" ||
    fail "the stranger as $f.$DOMAIN was not always refused: $(cat "$DATA_DIR/hammer-$f.out")"
done
for _ in $(seq 1 100); do
  [ "$(opened scscf)" -gt "$scscf_before" ] && [ "$(opened icscf)" -gt "$icscf_before" ] && break
  sleep 0.1
done
[ "$(opened scscf)" -gt "$scscf_before" ] || fail "the restarted S-CSCF was not admitted: $(tail -n 20 "$HSS_LOG")"
[ "$(opened icscf)" -gt "$icscf_before" ] || fail "the restarted I-CSCF was not admitted: $(tail -n 20 "$HSS_LOG")"
pass "the box's own S-CSCF and I-CSCF were admitted again while the stranger kept claiming their names"

for _ in $(seq 1 100); do
  set +e
  OUT=$("$IMSBOX" status --data-dir "$DATA_DIR" 2>&1)
  set -e
  [ "$(grep -c ' healthy$' <<<"$OUT")" = 7 ] && break
  sleep 0.1
done
expect_exit 0 "$IMSBOX" subscriber add --data-dir "$DATA_DIR" --impi "sim1@$DOMAIN" --impu "sip:sim1@$DOMAIN" \
  --k "$AKA_K" --op "$AKA_OP" --amf "$AKA_AMF"
aka_register aka "$BOX" $((BASE + 10)) "$STRANGER_IP" $((BASE + 16)) sim1 "$DOMAIN" ip netns exec "$STRANGER"
pass "a UE on the stranger's side registers through the box (IMS-AKA): the box's Cx works"
