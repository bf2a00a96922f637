#!/usr/bin/env bash
# A browser that reconnects keeps working (issue 15, point 7): `imsbox up`;
# two headless Chromium load the web client and register over WSS; A's
# connection is dropped under it (reconnect.cjs: a TCP relay resets it, once
# silently for the P-CSCF, once both ways); JsSIP reconnects and registers
# again by itself, and a call from B to A then succeeds. Last, the drop comes
# in the middle of a call, and the network then deregisters A: the P-CSCF's
# BYE must reach A on its new connection. The P-CSCF must move A's binding
# and dialogs to the new flow.
source "$(dirname "$0")/../lib.sh"

HERE="$SOURCE_DIR/tests/integration/webclient"
DOMAIN=it.example.org
BASE=$(free_port_base)
WSS_PORT=$((BASE + 13))
SHOTS="$IMSBOX_BUILD_DIR/screenshots/webclient"
require_chromium
[ -f "$IMSBOX_BUILD_DIR/web-client/app.js" ] || fail "no bundled web client in $IMSBOX_BUILD_DIR/web-client (target web_client)"

write_config "$BASE"
expect_exit 0 "$IMSBOX" up --data-dir "$DATA_DIR"
wait_for_cx "$DOMAIN" || fail "the I-CSCF and the S-CSCF did not connect to the HSS"
for u in flowA flowB; do
  expect_exit 0 "$IMSBOX" subscriber add --data-dir "$DATA_DIR" --impi "$u@$DOMAIN" --impu "sip:$u@$DOMAIN" --password "$u-secret"
done
pass "up, with password subscribers flowA and flowB"

mkdir -p "$SHOTS"
rm -f "$SHOTS"/*-reconnect-*.png
set +e
timeout 240 node "$HERE/reconnect.cjs" --url "https://127.0.0.1:$WSS_PORT/" --domain "$DOMAIN" \
  --a "flowA:flowA-secret" --b "flowB:flowB-secret" --shots "$SHOTS" --node-modules "$NODE_MODULES" \
  --deregister-a "'$IMSBOX' subscriber deregister --data-dir '$DATA_DIR' 'flowA@$DOMAIN' --reason 'reconnect test' >/dev/null" \
  > "$DATA_DIR/reconnect.out" 2>&1
rc=$?
set -e
cat "$DATA_DIR/reconnect.out"
if [ $rc != 0 ]; then
  grep -E 'flowA|flow|INVITE|refused|403' "$DATA_DIR/log/pcscf.log" | tail -n 40
  fail "reconnecting browser (exit $rc); screenshots in $SHOTS"
fi
pass "A's WebSocket dropped (silently, with a reset, mid-call): JsSIP reconnected and registered each time, B's calls reached A, and the release of A's call at its deregistration reached A on its new connection"
grep -qE "flow of sip:[^ ]*;transport=ws moved from WSS 127.0.0.1:[0-9]+ #[0-9]+ to WSS 127.0.0.1:[0-9]+ #[0-9]+, with 1 dialog" \
  "$DATA_DIR/log/pcscf.log" || fail "no flow change with A's dialog at the P-CSCF: $(grep -E 'flowA|flow of' "$DATA_DIR/log/pcscf.log" | tail -n 10)"
pass "the P-CSCF moved A's binding and its dialog to each new connection"
