# Helpers for the integration tests: each test gets its own data dir and
# free loopback ports, and leaves no process behind whatever happens.
# Sourced by the *_test.sh scripts; ctest sets IMSBOX_BUILD_DIR.

set -euo pipefail

SOURCE_DIR="${IMSBOX_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
export IMSBOX_BUILD_DIR="${IMSBOX_BUILD_DIR:-$SOURCE_DIR/build}"
export IMSBOX_NO_SETUP=1   # the suite runs after `imsbox build`
BIN="$IMSBOX_BUILD_DIR/bin"
IMSBOX="$SOURCE_DIR/installer/imsbox"
NODE_MODULES="$IMSBOX_BUILD_DIR/web-client-npm/node_modules"  # the web_client target's npm packages

DATA_DIR="$(mktemp -d /tmp/imsbox-it-XXXXXX)"
export HOME="$DATA_DIR/home"   # nothing may touch the real ~/.imsbox
mkdir -p "$HOME"

cleanup() {
  local rc=$?
  set +e  # every step below runs whatever the one before did (errexit would end the trap early)
  # background peers (sipp, test proxies) started by the test
  local jobs_left
  jobs_left=$(jobs -p)
  [ -n "$jobs_left" ] && kill $jobs_left 2>/dev/null  # jobs already done make kill fail
  "$IMSBOX" down --data-dir "$DATA_DIR" >/dev/null 2>&1 || true
  pkill -KILL -f -- "--data-dir $DATA_DIR" 2>/dev/null || true
  if [ $rc -ne 0 ] && [ -d "$DATA_DIR/log" ]; then
    for f in "$DATA_DIR"/log/*.log; do echo "--- $f"; tail -n 20 "$f"; done
  fi
  if [ -n "${IMSBOX_KEEP_DATA:-}" ]; then
    echo "data dir kept: $DATA_DIR"  # IMSBOX_KEEP_DATA=1: to look at the logs after a run
  else
    rm -rf "$DATA_DIR"
  fi
  exit $rc
}
trap cleanup EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }
pass() { echo "ok: $*"; }

# api METHOD PATH JSON: the HSS's provisioning API at $API with $API_TOKEN; fails the test unless 2xx
api() {
  local status
  status=$(curl -sS -o "$DATA_DIR/api.out" -w '%{http_code}' -X "$1" -H "Authorization: Bearer $API_TOKEN" \
    -H 'Content-Type: application/json' -d "$3" "$API$2") || fail "$1 $2: curl failed"
  [[ "$status" == 2* ]] || fail "$1 $2: $status $(cat "$DATA_DIR/api.out")"
}

port_free() { [ -z "$(ss -Htuln "sport = :$1" 2>/dev/null)" ]; }

# Thirty-two consecutive free ports above a random base, printed as the base.
free_port_base() {
  local base i ok
  for _ in $(seq 1 50); do
    # below the kernel's ephemeral range (32768-60999), where an outgoing
    # connection could take a port between our check and our bind
    base=$((10000 + RANDOM % 22000))
    ok=1
    for i in $(seq 0 32); do port_free $((base + i)) || { ok=0; break; }; done
    [ $ok = 1 ] && { echo "$base"; return 0; }
  done
  fail "no free ports found"
}

# Writes $DATA_DIR/imsbox.conf with the health ports at $1..$1+6, the HSS's
# Diameter, provisioning API and SBI ports at $1+7..$1+9, the P-CSCF's SIP
# (UDP/TCP), TLS, WS and WSS ports at $1+10..$1+13, the I-CSCF's and the
# S-CSCF's SIP ports at $1+14 and $1+15, the AGW's ng port (UDP) at $1+31, the MRF's SIP port at $1+32;
# $1+16..$1+30 are free for the test's
# own peers. The AGW's media ports are 200 of 40000..60199 (from $1), the MRF's the 40 after them, outside
# the range free ports come from.
# The provisioning API token is $API_TOKEN.
API_TOKEN=0123456789abcdef0123456789abcdef
write_config() {
  local base=$1
  cat > "$DATA_DIR/imsbox.conf" <<CONF
[global]
domain = it.example.org
health_address = 127.0.0.1
bind_address = 127.0.0.1
[supervisor]
stop_timeout_ms = 3000
[pcscf]
# signalling tests: no media anchoring (the media tests, tests/integration/pcscf_media, turn it on)
media_anchor = none
# and no IPsec sec-agree (no TUN device per test; tests/integration/ipsec turns it on)
ipsec = off
ipsec_port_c = $((base + 22))
ipsec_port_s = $((base + 23))
ipsec_device = imsesp$base
health_port = $((base + 0))
sip_port = $((base + 10))
tls_port = $((base + 11))
ws_port = $((base + 12))
wss_port = $((base + 13))
[icscf]
health_port = $((base + 1))
sip_port = $((base + 14))
[scscf]
health_port = $((base + 2))
sip_port = $((base + 15))
[hss]
health_port = $((base + 3))
diameter_port = $((base + 7))
api_port = $((base + 8))
sbi_port = $((base + 9))
api_token = $API_TOKEN
[agw]
health_port = $((base + 4))
ng_port = $((base + 31))   # the AGW's ng control port (UDP): the last of the 32
rtp_port_min = $((40000 + base % 1000 * 20))   # its media ports: 200 in the kernel's ephemeral range,
rtp_port_max = $((40199 + base % 1000 * 20))   # away from every test's free ports (a taken pair is skipped)
[tas]
health_port = $((base + 5))
xcap_port = $((base + 24))
sip_port = $((base + 25))
[mrf]
health_port = $((base + 6))
sip_port = $((base + 32))   # past the 32 the tests share out (mrf_sip_test.sh)
rtp_port_min = $((40200 + base % 1000 * 20))   # its media ports: 40 after the AGW's (a taken pair is skipped)
rtp_port_max = $((40239 + base % 1000 * 20))
CONF
}

# disable_nodes NODE...: those nodes do not run (tests that drive the HSS
# with their own Cx clients keep our I-CSCF and S-CSCF off its peer list).
disable_nodes() {
  local n
  for n in "$@"; do sed -i "/^\[$n\]/a enabled = false" "$DATA_DIR/imsbox.conf"; done
}

# wait_for_cx [DOMAIN]: until the box's HSS has its Diameter connections with
# the I-CSCF and the S-CSCF (at most 10 s); 1 when it has not by then.
wait_for_cx() {
  local domain=${1:-it.example.org} log="$DATA_DIR/log/hss.log" _
  for _ in $(seq 1 100); do
    grep -q "connection with icscf.$domain open" "$log" 2>/dev/null &&
      grep -q "connection with scscf.$domain open" "$log" && return 0
    sleep 0.1
  done
  return 1
}

# Runs a command expecting exit code $1; its stdout+stderr end up in $OUT.
expect_exit() {
  local want=$1; shift
  set +e
  OUT="$("$@" 2>&1)"
  local got=$?
  set -e
  [ "$got" = "$want" ] || fail "'$*' exited $got, expected $want; output:
$OUT"
}

expect_out() {
  grep -qF -- "$1" <<<"$OUT" || fail "expected '$1' in the output:
$OUT"
}

# require_chromium: node, Debian's Chromium and playwright-core, for the
# tests that drive a headless browser
require_chromium() {
  command -v node >/dev/null || fail "node is not installed (installer/imsbox install)"
  [ -x /usr/bin/chromium ] || fail "/usr/bin/chromium is not installed (Debian package chromium)"
  [ -d "$NODE_MODULES/playwright-core" ] || fail "no playwright-core in $NODE_MODULES (target web_client runs npm ci)"
}

# agw_rtp_range: AGW_RTP_MIN and AGW_RTP_MAX, the AGW's media ports in the
# test config (write_config's range)
agw_rtp_range() {
  AGW_RTP_MIN=$(sed -n '/^\[agw\]/,/^\[/s/^rtp_port_min = \([0-9]*\).*/\1/p' "$DATA_DIR/imsbox.conf")
  AGW_RTP_MAX=$(sed -n '/^\[agw\]/,/^\[/s/^rtp_port_max = \([0-9]*\).*/\1/p' "$DATA_DIR/imsbox.conf")
}

# agw_only_config BASE [WORKERS]: write_config with every node but the AGW
# disabled (the AGW alone), WORKERS media workers when given; sets NG_PORT
# (its ng port, BASE + 31), AGW_LOG and AGW_RTP_MIN..AGW_RTP_MAX
agw_only_config() {
  write_config "$1"
  disable_nodes pcscf icscf scscf hss tas mrf
  if [ -n "${2:-}" ]; then sed -i "/^\[agw\]/a workers = $2" "$DATA_DIR/imsbox.conf"; fi
  NG_PORT=$(($1 + 31))
  AGW_LOG="$DATA_DIR/log/agw.log"
  agw_rtp_range
}

# start_agw_only: `imsbox up` of agw_only_config's box; the AGW ready within 5 s
start_agw_only() {
  expect_exit 0 "$IMSBOX" up --data-dir "$DATA_DIR"
  for _ in $(seq 1 50); do grep -q 'Agw ready' "$AGW_LOG" 2>/dev/null && break; sleep 0.1; done
  grep -q 'Agw ready' "$AGW_LOG" || fail "the AGW did not start: $(tail -5 "$AGW_LOG")"
}
