# sipp as the UEs and peers of the integration tests; sourced after lib.sh,
# once DOMAIN is set. Each run is one call: its log lines (the scenarios'
# <log> actions) go to $SIPP/NAME.log, its messages to $SIPP/NAME.msg.

SIPP="$DATA_DIR/sipp"
mkdir -p "$SIPP"
command -v sipp >/dev/null || fail "sipp is not installed (sip-tester)"

# sipp takes K, OP and AMF as raw bytes (../shared/testdata/sipp): printable
# ones, those the AKA scenarios (registration/register_aka.xml) carry.
hex() { printf '%s' "$1" | od -An -tx1 | tr -d ' \n'; }
K=$(hex imsbox-test-K-01) OP=$(hex imsbox-test-OP-1) AMF=$(hex AM)

# sipp_to NAME TARGET LOCAL_IP PORT SCENARIO ARGS...: one sipp call from
# LOCAL_IP:PORT to TARGET (host:port) over $SIPP_TRANSPORT (default u1),
# the scenario given $SIPP_TIMEOUT seconds (default 30). Returns sipp's status.
sipp_to() {
  local name=$1 target=$2 ip=$3 port=$4 scenario=$5 seconds=${SIPP_TIMEOUT:-30}
  shift 5
  timeout $((seconds + 10)) sipp -sf "$scenario" "$target" -i "$ip" -p "$port" -t "${SIPP_TRANSPORT:-u1}" -m 1 \
    -key domain "$DOMAIN" -auth_uri "$DOMAIN" -timeout "${seconds}s" -timeout_error -nostdin "$@" \
    -trace_msg -message_file "$SIPP/$name.msg" -trace_logs -log_file "$SIPP/$name.log" \
    -trace_err -error_file "$SIPP/$name.err" > "$SIPP/$name.out" 2>&1
}

# sipp_run NAME PORT SCENARIO ARGS...: sipp_to the P-CSCF ($PCSCF_PORT) from 127.0.0.1:PORT.
sipp_run() {
  local name=$1 port=$2
  shift 2
  sipp_to "$name" "127.0.0.1:$PCSCF_PORT" 127.0.0.1 "$port" "$@"
}

sipp_log() { cat "$SIPP/$1.log" 2>/dev/null || true; }

# sipp_story NAME...: each run's log lines and its last messages, for a failure message.
sipp_story() {
  local name
  for name in "$@"; do
    echo "--- sipp $name: $(sipp_log "$name")"
    grep -E '^(UDP|TCP) message|^[A-Z]+ sip:|^SIP/2.0 [0-9]' "$SIPP/$name.msg" 2>/dev/null | tr -d '\r' | tail -n 30
  done
}

# register USER PORT: an IMS-AKA registration of sip:USER@D from
# 127.0.0.1:PORT through the P-CSCF ($REGISTER, register_aka.xml unless
# set); on failure, the test's what_happened tells the story.
REGISTER="${REGISTER:-$SOURCE_DIR/tests/integration/registration/register_aka.xml}"
register() {
  sipp_run "register-$1" "$2" "$REGISTER" -s "$1" -au "$1@$DOMAIN" -key expires 600 ||
    fail "registration of $1: $(what_happened "register-$1")"
  grep -q '^final: SIP/2.0 200' "$SIPP/register-$1.log" || fail "registration of $1: $(sipp_log "register-$1")"
}
