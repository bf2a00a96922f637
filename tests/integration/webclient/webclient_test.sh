#!/usr/bin/env bash
# The browser client (issue 6): `imsbox up` on a test data dir; the P-CSCF
# serves the bundled web client over HTTP(S) on its WS and WSS ports (the
# WWSF role), safely; then two headless Chromium instances load it over
# HTTPS, register two password subscribers over WSS and call each other
# (browser_call.cjs). Screenshots of each state go to
# $IMSBOX_BUILD_DIR/screenshots/webclient/.
source "$(dirname "$0")/../lib.sh"

HERE="$SOURCE_DIR/tests/integration/webclient"
DOMAIN=it.example.org
BASE=$(free_port_base)
WS_PORT=$((BASE + 12))
WSS_PORT=$((BASE + 13))
NODE_MODULES="$IMSBOX_BUILD_DIR/web-client-npm/node_modules"
SHOTS="$IMSBOX_BUILD_DIR/screenshots/webclient"
command -v node >/dev/null || fail "node is not installed (installer/imsbox install)"
[ -x /usr/bin/chromium ] || fail "/usr/bin/chromium is not installed (Debian package chromium)"
[ -f "$IMSBOX_BUILD_DIR/web-client/app.js" ] || fail "no bundled web client in $IMSBOX_BUILD_DIR/web-client (target web_client)"
[ -d "$NODE_MODULES/playwright-core" ] || fail "no playwright-core in $NODE_MODULES (target web_client runs npm ci)"

write_config "$BASE"
expect_exit 0 "$IMSBOX" up --data-dir "$DATA_DIR"
pass "up"
for _ in $(seq 1 100); do
  grep -q "connection with scscf.$DOMAIN open" "$DATA_DIR/log/hss.log" 2>/dev/null &&
    grep -q "connection with icscf.$DOMAIN open" "$DATA_DIR/log/hss.log" && break
  sleep 0.1
done
grep -q "Pcscf serves the web client from $IMSBOX_BUILD_DIR/web-client" "$DATA_DIR/log/pcscf.log" ||
  fail "the P-CSCF does not serve $IMSBOX_BUILD_DIR/web-client: $(grep -i 'web' "$DATA_DIR/log/pcscf.log")"

# two password subscribers of our own (up's alice and bob stay untouched)
expect_exit 0 "$IMSBOX" subscriber add --data-dir "$DATA_DIR" --impi "webA@$DOMAIN" --impu "sip:webA@$DOMAIN" \
  --password 'webA-secret'
expect_exit 0 "$IMSBOX" subscriber add --data-dir "$DATA_DIR" --impi "webB@$DOMAIN" --impu "sip:webB@$DOMAIN" \
  --password 'webB-secret'

# ---- the WWSF: static files over HTTPS (WSS port) and HTTP (WS port) ----
HTTPS="https://127.0.0.1:$WSS_PORT"
status() { curl -sk -o /dev/null -w '%{http_code} %{content_type}' --path-as-is "$@"; }
[ "$(status "$HTTPS/")" = "200 text/html; charset=utf-8" ] || fail "GET / over HTTPS: $(status "$HTTPS/")"
[ "$(status "$HTTPS/app.js")" = "200 text/javascript; charset=utf-8" ] || fail "GET /app.js: $(status "$HTTPS/app.js")"
[ "$(status "$HTTPS/style.css")" = "200 text/css; charset=utf-8" ] || fail "GET /style.css: $(status "$HTTPS/style.css")"
[ "$(status "http://127.0.0.1:$WS_PORT/index.html")" = "200 text/html; charset=utf-8" ] || fail "GET over plain HTTP on the WS port"
cmp -s <(curl -sk "$HTTPS/app.js") "$IMSBOX_BUILD_DIR/web-client/app.js" || fail "GET /app.js is not the bundle"
HEAD_OUT=$(curl -sk -I "$HTTPS/app.js" | tr -d '\r')
grep -qi "^content-length: $(stat -c %s "$IMSBOX_BUILD_DIR/web-client/app.js")\$" <<<"$HEAD_OUT" || fail "HEAD /app.js: $HEAD_OUT"
for t in /../imsbox.conf /%2e%2e/%2e%2e/etc/passwd /..%2fimsbox.conf /nothing.html; do
  [ "$(status "$HTTPS$t" | cut -d' ' -f1)" = 404 ] || fail "GET $t: $(status "$HTTPS$t")"
done
[ "$(status -X POST -d x "$HTTPS/" | cut -d' ' -f1)" = 405 ] || fail "POST /: $(status -X POST -d x "$HTTPS/")"
grep -q 'web: .* GET /%2e%2e/%2e%2e/etc/passwd -> 404: a '"'"'..'"'"' segment' "$DATA_DIR/log/pcscf.log" ||
  fail "no log line for the refused traversal: $(grep 'web:' "$DATA_DIR/log/pcscf.log")"
pass "the P-CSCF serves the web client over HTTPS and HTTP, refuses traversal (404) and POST (405)"

# ---- two browsers: register, reject (busy), call, media, DTMF, hang up ----
rm -rf "$SHOTS"
set +e
timeout 240 node "$HERE/browser_call.cjs" --url "$HTTPS/" --domain "$DOMAIN" --a "webA:webA-secret" \
  --b "webB:webB-secret" --shots "$SHOTS" --node-modules "$NODE_MODULES" > "$DATA_DIR/browser_call.out" 2>&1
rc=$?
set -e
cat "$DATA_DIR/browser_call.out"
if [ $rc != 0 ]; then
  grep -E 'web:|refused|INVITE|ACK|BYE' "$DATA_DIR/log/pcscf.log" | tail -n 30
  fail "browser <-> browser (exit $rc); screenshots in $SHOTS"
fi
pass "browser <-> browser: register, busy, call, audio both ways, DTMF, hang up; screenshots in $SHOTS"
