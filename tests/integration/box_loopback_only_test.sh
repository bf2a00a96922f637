#!/usr/bin/env bash
# Issue 15.3: the box starts on a host with nothing but loopback (a network
# namespace with only lo, as some containers are and as media tests want):
# `imsbox up` in a fresh `unshare -n`, all seven nodes healthy and never
# restarted (freeDiameter used to fail in fd_servers_start() with EINVAL, for
# want of a non-loopback address, and the HSS, I-CSCF and S-CSCF were
# restarted forever), the HSS listening on 127.0.0.1 only, and an IMS-AKA
# registration through the whole chain.
source "$(dirname "$0")/netns_lib.sh"
in_own_netns "$0" "$@"
source "$(dirname "$0")/lib.sh"

[ -z "$(ip -o addr show | awk '$2 != "lo"')" ] || fail "the namespace has more than loopback: $(ip -o addr show)"
command -v sipp >/dev/null || fail "sipp is not installed (sip-tester)"

DOMAIN=it.example.org
BASE=$(free_port_base)
HSS_PORT=$((BASE + 7))
write_config "$BASE"

expect_exit 0 "$IMSBOX" up --data-dir "$DATA_DIR"
pass "up in a namespace with nothing but loopback"

healthy=""
for _ in $(seq 1 100); do
  set +e
  OUT=$("$IMSBOX" status --data-dir "$DATA_DIR" 2>&1)
  set -e
  [ "$(grep -c ' healthy$' <<<"$OUT")" = 7 ] && { healthy=1; break; }
  sleep 0.1
done
[ -n "$healthy" ] || fail "not all seven nodes are healthy:
$OUT"
wait_for_cx "$DOMAIN" || fail "the I-CSCF and the S-CSCF did not connect to the HSS: $(tail -n 5 "$DATA_DIR/log/hss.log")"
for node in hss icscf scscf; do
  restarts=$(awk -v n="$node" '$1 == n {print $4}' "$DATA_DIR/run/supervisor.state")
  [ "$restarts" = 0 ] || fail "$node was restarted $restarts time(s): $(grep -m1 fd_core_start "$DATA_DIR/log/$node.log")"
done
grep -q "fd_core_start" "$DATA_DIR"/log/*.log && fail "a node failed in fd_core_start: $(grep -h fd_core_start "$DATA_DIR"/log/*.log | head -3)"
pass "seven nodes healthy, the Diameter nodes never restarted, Cx connections open"

# The HSS listens on global.bind_address only, not on 0.0.0.0 / [::]
listeners=$(ss -Hltn "sport = :$HSS_PORT" | awk '{print $4}' | sort | tr '\n' ' ')
[ "$listeners" = "127.0.0.1:$HSS_PORT " ] || fail "the HSS's Cx port listens on: '$listeners'"
grep -q "listening on TCP 127.0.0.1:$HSS_PORT" "$DATA_DIR/log/hss.log" || fail "the HSS does not say where it listens"
pass "the HSS's Cx port is on 127.0.0.1:$HSS_PORT only"
# the CSCFs' Diameter stacks connect to the HSS and listen nowhere: their
# only TCP listeners are their health and SIP ports
for node_ports in "icscf $((BASE + 1)) $((BASE + 14))" "scscf $((BASE + 2)) $((BASE + 15))"; do
  read -r node health sip <<<"$node_ports"
  ports=$(ss -Hltnp | grep "\"ims-$node\"" | awk '{print $4}' | sed 's/.*://' | sort -un | tr '\n' ' ')
  [ "$ports" = "$(printf '%s\n' "$health" "$sip" | sort -n | tr '\n' ' ')" ] ||
    fail "$node listens on TCP ports '$ports', expected its health ($health) and SIP ($sip) ports only"
  echo "$node listens on TCP ports $ports"
done
pass "the I-CSCF and the S-CSCF listen on no Diameter port"

expect_exit 0 "$IMSBOX" subscriber add --data-dir "$DATA_DIR" --impi "sim1@$DOMAIN" --impu "sip:sim1@$DOMAIN" \
  --k "$AKA_K" --op "$AKA_OP" --amf "$AKA_AMF"
aka_register aka 127.0.0.1 $((BASE + 10)) 127.0.0.1 $((BASE + 16)) sim1 "$DOMAIN"
pass "IMS-AKA registration through the P-, I- and S-CSCF with nothing but loopback"
