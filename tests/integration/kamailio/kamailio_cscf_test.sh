#!/usr/bin/env bash
# Interop (issue 15.5): Kamailio 5.6's IMS modules in place of one of our
# CSCFs, our HSS throughout. In each chain two IMS-AKA sipp UEs register
# and one calls the other: INVITE, 180, 200, ACK and BYE end to end.
#   1. our P-CSCF -> Kamailio's I-CSCF and S-CSCF;
#   2. our P-CSCF and I-CSCF -> Kamailio's S-CSCF;
#   3. Kamailio's P-CSCF -> our I-CSCF and S-CSCF.
# Nothing resolves our nodes' names (no DNS entries, /etc/hosts untouched,
# Kamailio runs with dns=no): every URI we hand Kamailio (Path, Service-Route,
# Record-Route, the P-CSCF's reg-event Contact) must be an address it can
# route to. The Record-Routes name the legs (ours orig/term, Kamailio's
# mo/mt). Our P-CSCF's reg-event subscription at Kamailio's S-CSCF gets its
# NOTIFYs. Two boxes share the HSS of the first: box 1 (HSS, P-CSCF, I-CSCF,
# S-CSCF; its P-CSCF sends REGISTERs to Kamailio's I-CSCF) and box 2
# (P-CSCF and I-CSCF; its I-CSCF's S-CSCF is Kamailio's). Kamailio runs from
# tests/integration/kamailio/*.cfg and leaves nothing behind.
source "$(dirname "$0")/../lib.sh"

DOMAIN=it.example.org
source "$(dirname "$0")/kamailio_lib.sh"
REGISTER="$SOURCE_DIR/tests/integration/registration/register_aka.xml"
SIPP="$DATA_DIR/sipp"
mkdir -p "$SIPP"
command -v sipp >/dev/null || fail "sipp is not installed (sip-tester)"

# ---- ports: box 1 at BASE (lib.sh's layout), box 2 at BASE2 ----
BASE=$(free_port_base)
for _ in $(seq 1 20); do
  BASE2=$(free_port_base)
  [ $((BASE2 - BASE)) -ge 32 ] || [ $((BASE - BASE2)) -ge 32 ] && break
done
[ $((BASE2 - BASE)) -ge 32 ] || [ $((BASE - BASE2)) -ge 32 ] || fail "no second port range apart from the first"
HSS_PORT=$((BASE + 7))
P1_PORT=$((BASE + 10)) I1_PORT=$((BASE + 14)) S1_PORT=$((BASE + 15))
P2_PORT=$((BASE2 + 10)) I2_PORT=$((BASE2 + 14))
KP_PORT=$((BASE + 16)) KI_PORT=$((BASE + 17)) KS_PORT=$((BASE + 18))
KI_CDP_PORT=$((BASE + 19)) KS_CDP_PORT=$((BASE + 20))
KS_URI="sip:127.0.0.1:$KS_PORT"   # Kamailio's S-CSCF: its name at the HSS and its address
BOX2="$DATA_DIR/box2"

# sipp takes K, OP and AMF as raw bytes (../shared/testdata/sipp); register_aka.xml carries them.
hex() { printf '%s' "$1" | od -An -tx1 | tr -d ' \n'; }
K=$(hex imsbox-test-K-01) OP=$(hex imsbox-test-OP-1) AMF=$(hex AM)

# ---- sipp UEs ----
# sipp_run NAME PORT TARGET_PORT SCENARIO ARGS...: one sipp call from
# 127.0.0.1:PORT to 127.0.0.1:TARGET_PORT; its log lines in $SIPP/NAME.log.
sipp_run() {
  local name=$1 port=$2 target=$3 scenario=$4
  shift 4
  timeout 60 sipp -sf "$scenario" "127.0.0.1:$target" -i 127.0.0.1 -p "$port" -t u1 -m 1 \
    -key domain "$DOMAIN" -auth_uri "$DOMAIN" -timeout 40s -timeout_error -nostdin "$@" \
    -trace_msg -message_file "$SIPP/$name.msg" -trace_logs -log_file "$SIPP/$name.log" \
    -trace_err -error_file "$SIPP/$name.err" > "$SIPP/$name.out" 2>&1
}
sipp_log() { cat "$SIPP/$1.log" 2>/dev/null || true; }
# what_happened NAME...: the sipp runs' log lines and SIP start lines, the CSCFs' last lines
what_happened() {
  local name f
  for name in "$@"; do
    echo "--- sipp $name: $(sipp_log "$name")"
    grep -E '^(UDP message|[A-Z]+ sip:|SIP/2.0 [0-9])' "$SIPP/$name.msg" 2>/dev/null | tr -d '\r' | tail -n 30
  done
  for f in "$KDIR"/{pcscf,icscf,scscf}.log; do
    [ -f "$f" ] && { echo "--- $f"; grep '<script>' "$f" | tail -n 8; }
  done
  for f in "$DATA_DIR"/log/{pcscf,icscf,scscf}.log "$BOX2"/log/{pcscf,icscf}.log; do
    [ -f "$f" ] && { echo "--- $f"; tail -n 6 "$f"; }
  done
}
# register USER PORT PCSCF_PORT: an IMS-AKA registration of sip:USER@D from
# 127.0.0.1:PORT through the P-CSCF at PCSCF_PORT; sets FINAL (the 200's
# status line, Contact, P-Associated-URI, Service-Route and Path)
register() {
  sipp_run "register-$1" "$2" "$3" "$REGISTER" -s "$1" -au "$1@$DOMAIN" -key expires 600 ||
    fail "registration of $1: $(what_happened "register-$1")"
  FINAL=$(sed -n 's/^final: //p' "$SIPP/register-$1.log" | tail -n 1)
  [[ "$FINAL" == "SIP/2.0 200"* ]] || fail "registration of $1: $FINAL $(what_happened "register-$1")"
}
# call CHAIN CALLER CALLER_PORT CALLEE CALLEE_PORT PCSCF_PORT: CALLER calls
# CALLEE (who answers with call_uas.xml) through the P-CSCF at PCSCF_PORT.
# Sets CALLER_LOG and CALLEE_LOG.
call() {
  local chain=$1 caller=$2 caller_port=$3 callee=$4 callee_port=$5 pcscf=$6 uas_pid
  sipp_run "$chain-callee" "$callee_port" "$pcscf" "$KAM/call_uas.xml" -s "$callee" &
  uas_pid=$!
  sleep 0.5  # its socket bound
  sipp_run "$chain-caller" "$caller_port" "$pcscf" "$KAM/call_uac.xml" -s "$callee" -key caller "$caller" ||
    { kill "$uas_pid" 2>/dev/null; fail "$chain: the caller's sipp failed: $(what_happened "$chain-caller" "$chain-callee")"; }
  wait "$uas_pid" || fail "$chain: the callee's sipp failed: $(what_happened "$chain-caller" "$chain-callee")"
  CALLER_LOG=$(sipp_log "$chain-caller")
  CALLEE_LOG=$(sipp_log "$chain-callee")
}
# expect_call CHAIN CALLER CALLEE CALLEE_PORT: the call went through end to end
expect_call() {
  local chain=$1 caller=$2 callee=$3 callee_port=$4
  grep -qx 'ringing' <<<"$CALLER_LOG" && grep -q '^final: SIP/2.0 200' <<<"$CALLER_LOG" &&
    grep -qx 'bye: 200' <<<"$CALLER_LOG" ||
    fail "$chain: the caller did not get 180, 200 and the BYE's 200: $(what_happened "$chain-caller" "$chain-callee")"
  grep -q "^invite: INVITE sip:$callee@127.0.0.1:$callee_port .*| P-Asserted-Identity: *<sip:$caller@$DOMAIN>" <<<"$CALLEE_LOG" &&
    grep -qx 'ack' <<<"$CALLEE_LOG" && grep -q "^bye: BYE sip:$callee@127.0.0.1:$callee_port .* | Route:$" <<<"$CALLEE_LOG" ||
    fail "$chain: the callee did not get INVITE (from $caller, asserted), ACK and BYE at its contact: $(what_happened "$chain-caller" "$chain-callee")"
}
# expect_routable WHAT TEXT: TEXT names none of our nodes by a name only the box resolves
expect_routable() {
  if grep -qiE "(pcscf|icscf|scscf)\.$DOMAIN" <<<"$2"; then fail "$1 names a node only our box resolves: $2"; fi
}
# wait_for_log FILE TEXT: until FILE has a line with TEXT (at most 20 s)
wait_for_log() {
  for _ in $(seq 1 200); do grep -qF -- "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
  return 1
}

# ---- box 1: the HSS, our P-CSCF (REGISTERs to Kamailio's I-CSCF), I-CSCF and S-CSCF ----
write_config "$BASE"
sed -i -e "/^\[pcscf\]/a icscf_uri = sip:127.0.0.1:$KI_PORT" \
       -e "/^\[hss\]/a diameter_peers = icscf.$DOMAIN, scscf.$DOMAIN, icscf2.$DOMAIN, kamailio-icscf.$DOMAIN, kamailio-scscf.$DOMAIN" \
       "$DATA_DIR/imsbox.conf"
disable_nodes agw tas mrf
expect_exit 0 "$IMSBOX" up --data-dir "$DATA_DIR"
wait_for_cx "$DOMAIN" || fail "box 1: the I-CSCF and the S-CSCF did not connect to the HSS"
for user in ann1 bob1 ann2 bob2 ann3 bob3; do
  expect_exit 0 "$IMSBOX" subscriber add --data-dir "$DATA_DIR" --impi "$user@$DOMAIN" \
    --impu "sip:$user@$DOMAIN" --k "$K" --op "$OP" --amf "$AMF"
done

# ---- box 2: a P-CSCF and an I-CSCF, Cx to box 1's HSS, S-CSCF: Kamailio's ----
mkdir -p "$BOX2"
cat > "$BOX2/imsbox.conf" <<CONF
[global]
domain = $DOMAIN
health_address = 127.0.0.1
bind_address = 127.0.0.1
[supervisor]
stop_timeout_ms = 3000
[pcscf]
health_port = $((BASE2 + 0))
sip_port = $P2_PORT
tls_port = $((BASE2 + 11))
ws_port = $((BASE2 + 12))
wss_port = $((BASE2 + 13))
[icscf]
health_port = $((BASE2 + 1))
sip_port = $I2_PORT
diameter_identity = icscf2.$DOMAIN
hss_peer = hss.$DOMAIN@127.0.0.1:$HSS_PORT
scscf_uris = $KS_URI
[scscf]
enabled = false
health_port = $((BASE2 + 2))
sip_port = $((BASE2 + 15))
[hss]
enabled = false
health_port = $((BASE2 + 3))
diameter_port = $((BASE2 + 7))
api_port = $((BASE2 + 8))
sbi_port = $((BASE2 + 9))
[agw]
enabled = false
health_port = $((BASE2 + 4))
[tas]
enabled = false
health_port = $((BASE2 + 5))
[mrf]
enabled = false
health_port = $((BASE2 + 6))
CONF
box2_cleanup() { "$IMSBOX" down --data-dir "$BOX2" >/dev/null 2>&1 || true; }
trap 'rc=$?; set +e; box2_cleanup; (exit $rc); kamailio_cleanup' EXIT
expect_exit 0 "$IMSBOX" up --data-dir "$BOX2"
pass "two boxes up: box 1 (HSS, P-CSCF -> Kamailio's I-CSCF, I-CSCF, S-CSCF), box 2 (P-CSCF, I-CSCF -> Kamailio's S-CSCF)"

# ---- Kamailio: I-CSCF and S-CSCF over Cx to our HSS, and a P-CSCF ----
sqlite3 "$KDIR/icscf.db" < "$KAM/icscf.sql"
sqlite3 "$KDIR/icscf.db" "insert into s_cscf (id, name, s_cscf_uri) values (1, 'kamailio-scscf.$DOMAIN', '$KS_URI')"
KAM_IDENTITY=kamailio-icscf.$DOMAIN start_kamailio icscf "$KI_PORT" "$KI_CDP_PORT" -A "DB_URL=\"sqlite:///$KDIR/icscf.db\""
KAM_IDENTITY=kamailio-scscf.$DOMAIN start_kamailio scscf "$KS_PORT" "$KS_CDP_PORT" -A "SCSCF_URI=\"$KS_URI\"" \
  -A 'DEFAULT_ALGORITHM="AKAv1-MD5"' -A "ICSCF_URI=\"sip:127.0.0.1:$KI_PORT\"" \
  -A "ICSCF2_URI=\"sip:127.0.0.1:$I2_PORT\"" -A "PCSCF2_PORT=$P2_PORT"
# the P-CSCF's reg-event subscriptions (pua) live in a table of Kamailio's own schema
sqlite3 "$KDIR/pua.db" < /usr/share/kamailio/db_sqlite/standard-create.sql
sqlite3 "$KDIR/pua.db" < /usr/share/kamailio/db_sqlite/presence-create.sql
start_kamailio pcscf "$KP_PORT" - -A "ICSCF_URI=\"sip:127.0.0.1:$I1_PORT\"" -A "PCSCF_URI=\"sip:127.0.0.1:$KP_PORT\"" \
  -A "PUA_DB_URL=\"sqlite:///$KDIR/pua.db\""
wait_for_peer icscf "kamailio-icscf.$DOMAIN"
wait_for_peer scscf "kamailio-scscf.$DOMAIN"
wait_for_log "$HSS_LOG" "connection with icscf2.$DOMAIN open" || fail "box 2's I-CSCF did not connect to the HSS"
remember_kamailio_pids
pass "Kamailio's P-CSCF, I-CSCF and S-CSCF up; their I-CSCF and S-CSCF and box 2's I-CSCF connected to the HSS"

UE=$((BASE + 21))   # the UEs' ports: UE .. UE+5

# ---- chain 1: our P-CSCF -> Kamailio's I-CSCF and S-CSCF ----
register ann1 $((UE + 0)) "$P1_PORT"
[[ "$FINAL" == *"Service-Route: <sip:orig@127.0.0.1:$KS_PORT;lr>"* ]] || fail "chain 1: ann1's 200: $FINAL"
[[ "$FINAL" == *"Path: <sip:term@127.0.0.1:$P1_PORT;lr>"* ]] || fail "chain 1: our P-CSCF's Path, as Kamailio keeps it: $FINAL"
register bob1 $((UE + 1)) "$P1_PORT"
wait_for_log "$DATA_DIR/log/pcscf.log" "reg event: NOTIFY sip:bob1@$DOMAIN: version" ||
  fail "chain 1: no NOTIFY from Kamailio's S-CSCF reached our P-CSCF's reg-event Contact: $(grep 'reg event' "$DATA_DIR/log/pcscf.log" | tail -n 5)"
pass "chain 1: ann1 and bob1 registered through our P-CSCF and Kamailio's I-CSCF at Kamailio's S-CSCF (Path <sip:term@127.0.0.1:$P1_PORT;lr>); its NOTIFYs reach our P-CSCF"
call chain1 ann1 $((UE + 0)) bob1 $((UE + 1)) "$P1_PORT"
expect_call chain1 ann1 bob1 $((UE + 1))
RR=$(grep -oE 'Record-Route: *<[^>]*>' <<<"$CALLEE_LOG" | tr '\n' ' ')
expect_routable "chain 1: the Record-Route bob1 got" "$RR"
for leg in "<sip:term@127.0.0.1:$P1_PORT;lr>" "<sip:orig@127.0.0.1:$P1_PORT;lr>" "<sip:mt@127.0.0.1:$KS_PORT;lr" "<sip:mo@127.0.0.1:$KS_PORT;lr"; do
  [[ "$RR" == *"$leg"* ]] || fail "chain 1: $leg not in the Record-Route bob1 got: $RR"
done
pass "chain 1: ann1 calls bob1: INVITE, 180, 200, ACK, BYE end to end; Record-Route: our P-CSCF's orig and term legs, Kamailio's mo and mt"

# ---- chain 2: our P-CSCF and I-CSCF -> Kamailio's S-CSCF ----
register ann2 $((UE + 2)) "$P2_PORT"
[[ "$FINAL" == *"Service-Route: <sip:orig@127.0.0.1:$KS_PORT;lr>"* ]] || fail "chain 2: ann2's 200: $FINAL"
[[ "$FINAL" == *"Path: <sip:term@127.0.0.1:$P2_PORT;lr>"* ]] || fail "chain 2: box 2's P-CSCF's Path: $FINAL"
register bob2 $((UE + 3)) "$P2_PORT"
wait_for_log "$BOX2/log/pcscf.log" "reg event: NOTIFY sip:bob2@$DOMAIN: version" ||
  fail "chain 2: no NOTIFY from Kamailio's S-CSCF reached box 2's P-CSCF: $(grep 'reg event' "$BOX2/log/pcscf.log" | tail -n 5)"
pass "chain 2: ann2 and bob2 registered through our P-CSCF and I-CSCF at Kamailio's S-CSCF"
call chain2 ann2 $((UE + 2)) bob2 $((UE + 3)) "$P2_PORT"
expect_call chain2 ann2 bob2 $((UE + 3))
RR=$(grep -oE 'Record-Route: *<[^>]*>' <<<"$CALLEE_LOG" | tr '\n' ' ')
expect_routable "chain 2: the Record-Route bob2 got" "$RR"
grep -q "LIR sip:bob2@$DOMAIN" "$HSS_LOG" || fail "chain 2: no LIR for bob2 at the HSS"
grep -q "INVITE sip:bob2@$DOMAIN" "$BOX2/log/icscf.log" || fail "chain 2: the INVITE did not pass our I-CSCF: $(tail -n 5 "$BOX2/log/icscf.log")"
for leg in "<sip:term@127.0.0.1:$P2_PORT;lr>" "<sip:orig@127.0.0.1:$P2_PORT;lr>"; do
  [[ "$RR" == *"$leg"* ]] || fail "chain 2: $leg not in the Record-Route bob2 got: $RR"
done
pass "chain 2: ann2 calls bob2 (our I-CSCF finds Kamailio's S-CSCF by LIR): INVITE, 180, 200, ACK, BYE end to end"

# ---- chain 3: Kamailio's P-CSCF -> our I-CSCF and S-CSCF ----
register ann3 $((UE + 4)) "$KP_PORT"
[[ "$FINAL" == *"Service-Route: <sip:orig@127.0.0.1:$S1_PORT;lr>"* ]] || fail "chain 3: our S-CSCF's Service-Route: $FINAL"
expect_routable "chain 3: the 200 to ann3's REGISTER" "$FINAL"
register bob3 $((UE + 5)) "$KP_PORT"
# Kamailio's P-CSCF subscribes to the reg event of each; our S-CSCF NOTIFYs it
# with its Contact, where Kamailio sends the subscription's refreshes
wait_for_log "$KDIR/pcscf.log" "NOTIFY reg from sip:bob3@$DOMAIN" ||
  fail "chain 3: our S-CSCF's NOTIFY did not reach Kamailio's P-CSCF: $(grep -E 'SUBSCRIBE|NOTIFY' "$DATA_DIR/log/scscf.log" | tail -n 5)"
NOTIFY=$(grep "NOTIFY reg from sip:bob3@$DOMAIN" "$KDIR/pcscf.log" | head -n 1)
[[ "$NOTIFY" == *"Contact <sip:127.0.0.1:$S1_PORT>"* ]] || fail "chain 3: our S-CSCF's NOTIFY Contact: $NOTIFY"
pass "chain 3: ann3 and bob3 registered through Kamailio's P-CSCF at our I-CSCF and S-CSCF (Service-Route <sip:orig@127.0.0.1:$S1_PORT;lr>); Kamailio's reg-event subscription gets our NOTIFYs (Contact <sip:127.0.0.1:$S1_PORT>)"
call chain3 ann3 $((UE + 4)) bob3 $((UE + 5)) "$KP_PORT"
expect_call chain3 ann3 bob3 $((UE + 5))
RR=$(grep -oE 'Record-Route: *<[^>]*>' <<<"$CALLEE_LOG" | tr '\n' ' ')
expect_routable "chain 3: the Record-Route bob3 got" "$RR"
for leg in "<sip:term@127.0.0.1:$S1_PORT;lr>" "<sip:orig@127.0.0.1:$S1_PORT;lr>" "<sip:mt@127.0.0.1:$KP_PORT;lr" "<sip:mo@127.0.0.1:$KP_PORT;lr"; do
  [[ "$RR" == *"$leg"* ]] || fail "chain 3: $leg not in the Record-Route bob3 got: $RR"
done
pass "chain 3: ann3 calls bob3 through Kamailio's P-CSCF and our S-CSCF: INVITE, 180, 200, ACK, BYE end to end; Record-Route: our S-CSCF's orig and term legs, Kamailio's mo and mt"

# ---- nothing crashed, nothing is left behind ----
stop_kamailio_checked
expect_exit 0 "$IMSBOX" down --data-dir "$BOX2"
expect_exit 0 "$IMSBOX" status --data-dir "$DATA_DIR"
pass "Kamailio stopped cleanly, box 2 down; box 1 healthy"
