#!/usr/bin/env bash
# Stock clients register with a password (issue 15), against `imsbox up` on a
# test data dir:
#   * a JsSIP page with nothing but {sockets, uri, password} (no
#     authorization_user, no socket wrapper) in headless Chromium: two of them
#     register over WSS and call each other (webclient/stock_jssip.cjs);
#   * Debian's baresip over UDP, with auth_user the IMPI, then the bare user
#     name; a wrong password is refused;
#   * with scscf.digest_algorithms = SHA-256,MD5: the 401 carries SHA-256
#     first, MD5 second (RFC 7616 §3.7); a SHA-256 client and the stock JsSIP
#     page (which answers the last challenge) still register.
source "$(dirname "$0")/lib.sh"

DOMAIN=it.example.org
BASE=$(free_port_base)
PCSCF_UDP="127.0.0.1:$((BASE + 10))"
WSS="wss://127.0.0.1:$((BASE + 13))"
require_chromium
[ -d "$NODE_MODULES/playwright-core" ] && [ -d "$NODE_MODULES/esbuild" ] && [ -d "$NODE_MODULES/jssip" ] ||
  fail "no playwright-core, esbuild or jssip in $NODE_MODULES (target web_client runs npm ci)"
command -v baresip >/dev/null || fail "baresip is not installed (Debian package baresip-core)"

write_config "$BASE"
expect_exit 0 "$IMSBOX" up --data-dir "$DATA_DIR"
wait_for_cx "$DOMAIN" || fail "the I-CSCF and the S-CSCF did not connect to the HSS"
pass "up"
for u in jsA jsB bare; do
  expect_exit 0 "$IMSBOX" subscriber add --data-dir "$DATA_DIR" --impi "$u@$DOMAIN" --impu "sip:$u@$DOMAIN" \
    --password "$u-secret"
done

# ---- a stock JsSIP page in headless Chromium ----
jssip() {  # jssip NAME ARGS...: stock_jssip.cjs with ARGS; its output in $DATA_DIR/NAME.out
  local name=$1 rc=0
  shift
  timeout 120 node "$SOURCE_DIR/tests/integration/webclient/stock_jssip.cjs" --wss "$WSS" --domain "$DOMAIN" \
    --node-modules "$NODE_MODULES" --work "$DATA_DIR/stock-jssip" "$@" > "$DATA_DIR/$name.out" 2>&1 || rc=$?
  cat "$DATA_DIR/$name.out"
  [ $rc = 0 ] || fail "stock JsSIP ($name, exit $rc): $(grep -E 'REGISTER|INVITE|40[13]' "$DATA_DIR/log/scscf.log" | tail -n 8)"
}
jssip jssip_call --a jsA:jsA-secret --b jsB:jsB-secret
pass "stock JsSIP (uri and password only): two pages register over WSS and call each other"

# ---- baresip over UDP ----
BARESIP_SIP=$((BASE + 20))  # libre listens on UDP and TCP there, TLS on the next port
# baresip_register NAME AUTH_USER PASSWORD: one baresip that registers sip:bare@DOMAIN
# through the P-CSCF, until its log says how that went; then it quits (SIGTERM:
# it de-registers). Sets LOG to its output.
baresip_register() {
  local name=$1 auth_user=$2 password=$3 dir="$DATA_DIR/baresip-$1" pid _
  mkdir -p "$dir"
  cat > "$dir/config" <<CONF
poll_method epoll
sip_listen 127.0.0.1:$BARESIP_SIP
net_interface 127.0.0.1
module_path /usr/lib/baresip/modules
module g711.so
module_tmp account.so
audio_player none
audio_source none
audio_alert none
CONF
  echo "<sip:bare@$DOMAIN>;auth_user=$auth_user;auth_pass=$password;outbound=\"sip:$PCSCF_UDP;transport=udp\";regint=600" \
    > "$dir/accounts"
  : > "$dir/contacts"
  # -t: a backstop; it is stopped as soon as the outcome is known
  baresip -f "$dir" -t 60 > "$dir/out" 2>&1 &
  pid=$!
  for _ in $(seq 1 200); do
    grep -qE '200 OK|reg: .*(Register|[0-9]{3} )' "$dir/out" && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$pid" 2>/dev/null && { kill -KILL "$pid"; fail "baresip ($name) did not quit on SIGTERM"; }
  wait "$pid" 2>/dev/null || true
  LOG=$(sed 's/\x1b\[[0-9;]*m//g' "$dir/out")
}
baresip_register impi "bare@$DOMAIN" bare-secret
grep -qE "bare@$DOMAIN: \{0/UDP/v4\} 200 OK" <<<"$LOG" || fail "baresip with auth_user bare@$DOMAIN did not register:
$LOG"
pass "baresip (UDP, auth_user = the IMPI bare@$DOMAIN) registered"
baresip_register bare bare bare-secret
grep -qE "bare@$DOMAIN: \{0/UDP/v4\} 200 OK" <<<"$LOG" || fail "baresip with auth_user bare did not register:
$LOG"
pass "baresip (UDP, auth_user = the bare user name) registered"
baresip_register wrong bare not-the-secret
grep -q '200 OK' <<<"$LOG" && fail "baresip registered with a wrong password: $LOG"
grep -qE '403 Forbidden' <<<"$LOG" || fail "baresip with a wrong password: no 403:
$LOG"
pass "baresip with a wrong password: 403"
pgrep -x baresip -a | grep -F -- "$DATA_DIR" && fail "a baresip is left running"

# ---- scscf.digest_algorithms = SHA-256,MD5 ----
sed -i "/^\[scscf\]/a digest_algorithms = SHA-256,MD5" "$DATA_DIR/imsbox.conf"
expect_exit 0 "$IMSBOX" config check --data-dir "$DATA_DIR"
pkill -KILL -f -- "ims-[s]cscf .*--data-dir $DATA_DIR" || fail "no S-CSCF to restart"
for _ in $(seq 1 150); do
  grep -q 'Scscf ready .*digest SHA-256,MD5' "$DATA_DIR/log/scscf.log" && break
  sleep 0.1
done
grep -q 'Scscf ready .*digest SHA-256,MD5' "$DATA_DIR/log/scscf.log" ||
  fail "the S-CSCF did not come back with SHA-256,MD5: $(tail -n 5 "$DATA_DIR/log/scscf.log")"
for _ in $(seq 1 100); do
  [ "$(grep -c "connection with scscf.$DOMAIN open" "$DATA_DIR/log/hss.log")" -ge 2 ] && break
  sleep 0.1
done
rc=0
timeout 60 "$BIN/ws-sip-client" --url "$WSS" --register "sip:jsA@$DOMAIN" --password jsA-secret \
  --algorithm SHA-256 > "$DATA_DIR/ws-sha256.out" 2>&1 || rc=$?
LOG=$(cat "$DATA_DIR/ws-sha256.out")
[ $rc = 0 ] || fail "a SHA-256 client did not register (exit $rc): $LOG"
[ "$(grep '^challenge:' <<<"$LOG" | sed -n 's/.*algorithm=\([A-Z0-9-]*\).*/\1/p' | tr '\n' ' ')" = "SHA-256 MD5 " ] ||
  fail "the 401's challenges are not SHA-256 then MD5: $LOG"
pass "SHA-256,MD5: the 401 has SHA-256 first, then MD5; a SHA-256 client registers"
jssip jssip_sha256 --a jsA:jsA-secret --register-only
pass "SHA-256,MD5: stock JsSIP (which keeps the last challenge, MD5) still registers"
