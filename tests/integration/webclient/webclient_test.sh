#!/usr/bin/env bash
# The browser client (issue 6): `imsbox up` on a test data dir; the P-CSCF
# serves the bundled web client over HTTP(S) on its WS and WSS ports (the
# WWSF role), safely; then two headless Chromium instances load it over
# HTTPS, register two password subscribers over WSS and call each other
# (browser_call.cjs); then one of them and a SIP UE (sipp over UDP,
# registered with IMS-AKA) call each other, each side once the caller, the
# sipp UE hanging up both times (WS <-> UDP within one dialog, signalling
# only); last, the P-CSCF is killed (the supervisor restarts it) and the
# clients reconnect and register by themselves and call once more. Then
# the same client in two headless Firefox instances (firefox_call.cjs):
# register, call with audio both ways, hang up. Screenshots of each state go to $IMSBOX_BUILD_DIR/screenshots/webclient/.
source "$(dirname "$0")/../lib.sh"

HERE="$SOURCE_DIR/tests/integration/webclient"
DOMAIN=it.example.org
BASE=$(free_port_base)
WS_PORT=$((BASE + 12))
WSS_PORT=$((BASE + 13))
PCSCF_UDP="127.0.0.1:$((BASE + 10))"
SIPP_PORT=$((BASE + 16))
SHOTS="$IMSBOX_BUILD_DIR/screenshots/webclient"
require_chromium
[ -f "$IMSBOX_BUILD_DIR/web-client/app.js" ] || fail "no bundled web client in $IMSBOX_BUILD_DIR/web-client (target web_client)"
[ -x /usr/bin/firefox-esr ] || fail "/usr/bin/firefox-esr is not installed (Debian package firefox-esr)"
[ -d "$NODE_MODULES/puppeteer-core" ] || fail "no puppeteer-core in $NODE_MODULES (target web_client runs npm ci)"

write_config "$BASE"
expect_exit 0 "$IMSBOX" up --data-dir "$DATA_DIR"
pass "up"
wait_for_cx "$DOMAIN" || fail "the I-CSCF and the S-CSCF did not connect to the HSS"
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

# ---- a SIP UE: sipp over UDP with IMS-AKA (K, OP, AMF as the raw bytes sipp takes) ----
command -v sipp >/dev/null || fail "sipp is not installed (sip-tester)"
hex() { printf '%s' "$1" | od -An -tx1 | tr -d ' \n'; }
expect_exit 0 "$IMSBOX" subscriber add --data-dir "$DATA_DIR" --impi "sipue@$DOMAIN" --impu "sip:sipue@$DOMAIN" \
  --k "$(hex imsbox-test-K-01)" --op "$(hex imsbox-test-OP-1)" --amf "$(hex AM)"
# sipp NAME SCENARIO ARGS...: one sipp call from 127.0.0.1:SIPP_PORT; its log lines in $DATA_DIR/sipp-NAME.log
sipp_run() {
  local name=$1 scenario=$2
  shift 2
  (cd "$DATA_DIR" && sipp -sf "$scenario" "$PCSCF_UDP" -i 127.0.0.1 -p "$SIPP_PORT" -t u1 -m 1 -key domain "$DOMAIN" \
    -timeout_error -nostdin "$@" -trace_msg -message_file "sipp-$name.msg" -trace_logs -log_file "sipp-$name.log" \
    > "sipp-$name.out" 2>&1)
}
sipp_run register "$SOURCE_DIR/tests/integration/registration/register_aka.xml" -s sipue -au "sipue@$DOMAIN" \
  -auth_uri "$DOMAIN" -key expires 600 -timeout 20s || fail "the sipp UE did not register: $(cat "$DATA_DIR/sipp-register.log")"
grep -q '^final: SIP/2.0 200' "$DATA_DIR/sipp-register.log" || fail "the sipp UE: $(cat "$DATA_DIR/sipp-register.log")"
# it takes A's call and hangs up; then (started by browser_call.cjs once A is
# ready) calls A and hangs up, from the same port (its registered contact)
sipp_run answers "$HERE/sipp_answers.xml" -s sipue -timeout 200s &
answers_pid=$!
CALLS_CMD="while kill -0 $answers_pid 2>/dev/null; do sleep 0.1; done
cd '$DATA_DIR' && timeout 60 sipp -sf '$HERE/sipp_calls.xml' '$PCSCF_UDP' -i 127.0.0.1 -p $SIPP_PORT -t u1 -m 1 \
  -s webA -key caller sipue -key domain '$DOMAIN' -timeout 50s -timeout_error -nostdin -trace_msg \
  -message_file sipp-calls.msg -trace_logs -log_file sipp-calls.log > sipp-calls.out 2>&1"
pass "a sipp UE registered over UDP with IMS-AKA"

# ---- two browsers: register, reject (busy), call, media, DTMF, hang up; then the sipp UE ----
rm -rf "$SHOTS"
set +e
timeout 300 node "$HERE/browser_call.cjs" --url "$HTTPS/" --domain "$DOMAIN" --a "webA:webA-secret" \
  --b "webB:webB-secret" --shots "$SHOTS" --node-modules "$NODE_MODULES" \
  --sipp-user sipue --sipp-calls "$CALLS_CMD" \
  --restart-pcscf "pkill -KILL -f -- 'ims-[p]cscf .*--data-dir $DATA_DIR'" > "$DATA_DIR/browser_call.out" 2>&1
rc=$?
set -e
cat "$DATA_DIR/browser_call.out"
sipp_lines() {
  local n
  for n in answers calls; do
    echo "--- sipp $n: $(cat "$DATA_DIR/sipp-$n.log" 2>/dev/null)"
    grep -E '^(UDP message|[A-Z]+ sip:|SIP/2.0 [0-9])' "$DATA_DIR/sipp-$n.msg" 2>/dev/null | tr -d '\r' | tail -n 20
  done
}
if [ $rc != 0 ]; then
  grep -E 'web:|refused|INVITE|ACK|BYE' "$DATA_DIR/log/pcscf.log" | tail -n 30
  sipp_lines
  fail "browser calls (exit $rc); screenshots in $SHOTS"
fi
pass "browser <-> browser: register, busy, call, audio both ways, DTMF, hang up; screenshots in $SHOTS"
wait "$answers_pid" || fail "the sipp UE that answers: $(sipp_lines)"
grep -q "^invite: INVITE sip:sipue@127.0.0.1:$SIPP_PORT .*m=audio [0-9]* UDP/TLS/RTP/SAVPF" "$DATA_DIR/sipp-answers.log" ||
  fail "the browser's INVITE at the sipp UE: $(sipp_lines)"
grep -q '^ack' "$DATA_DIR/sipp-answers.log" && grep -q '^bye: 200' "$DATA_DIR/sipp-answers.log" ||
  fail "ACK and BYE of the browser's call at the sipp UE: $(sipp_lines)"
grep -q '^final: SIP/2.0 200 OK .*m=audio [0-9]* UDP/TLS/RTP/SAVPF' "$DATA_DIR/sipp-calls.log" &&
  grep -q '^bye: 200' "$DATA_DIR/sipp-calls.log" || fail "the sipp UE's call to the browser: $(sipp_lines)"
pass "browser <-> sipp UE over UDP: each calls the other, the sipp UE answers or is answered and hangs up (BYE 200 both ways)"
[ "$(grep -c 'started pcscf' "$DATA_DIR/log/supervisor.log")" -ge 2 ] ||
  fail "the P-CSCF was not restarted: $(tail -n 5 "$DATA_DIR/log/supervisor.log")"
pass "P-CSCF killed and restarted by the supervisor: the clients showed the network down, reconnected, registered and called again"

# ---- the client in Firefox: two headless firefox-esr over WebDriver BiDi ----
for u in ffA ffB; do
  expect_exit 0 "$IMSBOX" subscriber add --data-dir "$DATA_DIR" --impi "$u@$DOMAIN" --impu "sip:$u@$DOMAIN" --password "$u-secret"
done
set +e
timeout 180 node "$HERE/firefox_call.cjs" --url "$HTTPS/" --domain "$DOMAIN" --a "ffA:ffA-secret" --b "ffB:ffB-secret" \
  --shots "$SHOTS" --node-modules "$NODE_MODULES" > "$DATA_DIR/firefox_call.out" 2>&1
rc=$?
set -e
cat "$DATA_DIR/firefox_call.out"
[ $rc = 0 ] || fail "Firefox <-> Firefox (exit $rc); screenshots in $SHOTS"
pass "Firefox <-> Firefox: register, call, audio both ways, hang up; screenshots in $SHOTS"
