#!/usr/bin/env bash
# IMS registration end to end (issue 5): `imsbox up` on a test data dir, then
# sipp as a UE through the P-CSCF -> I-CSCF -> S-CSCF, which consult the HSS
# over Cx:
#   * IMS-AKA (sipp's AKAv1-MD5): register, re-register, de-register;
#   * a wrong RES ends in 403 after the allowed attempts;
#   * an SQN out of range: AUTS -> MAR with RAND||AUTS -> fresh challenge -> 200;
#   * SIP digest over UDP, with the IMPI or the bare user name as username;
#   * an expired registration: SAR TIMEOUT_DEREGISTRATION at the HSS;
#   * the HSS frozen: a prompt 5xx; the HSS back: the next registration works;
#   * the P-CSCF, then the S-CSCF frozen for a second: 503 with Retry-After.
source "$(dirname "$0")/../lib.sh"

SCEN="$SOURCE_DIR/tests/integration/registration"
DOMAIN=it.example.org
BASE=$(free_port_base)
PCSCF_PORT=$((BASE + 10))
UE_PORT=$((BASE + 16))
HSS_LOG="$DATA_DIR/log/hss.log"
SIPP="$DATA_DIR/sipp"
mkdir -p "$SIPP"
command -v sipp >/dev/null || fail "sipp is not installed (sip-tester)"

# sipp takes K, OP and AMF as raw bytes (../shared/testdata/sipp): printable ones.
K_TEXT=imsbox-test-K-01 OP_TEXT=imsbox-test-OP-1 AMF_TEXT=AM
hex() { printf '%s' "$1" | od -An -tx1 | tr -d ' \n'; }
K=$(hex "$K_TEXT") OP=$(hex "$OP_TEXT") AMF=$(hex "$AMF_TEXT")

# ---- sipp as the UE ----
LAST_RUN=none
sip_flow() {
  grep -E '^(UDP message (sent|received)|REGISTER sip:|SIP/2.0 [0-9])' "$SIPP/$1.msg" 2>/dev/null | tr -d '\r' |
    sed -e 's/^UDP message sent.*/  >>/' -e 's/^UDP message received.*/  <</' | paste -d' ' - - || true
}
# ue NAME SCENARIO USER EXTRA_SIPP_ARGS...: one registration; sets LOG
ue() {
  local name=$1 scenario=$2 user=$3 rc
  shift 3
  LAST_RUN=$name
  set +e
  timeout 40 sipp -sf "$SCEN/$scenario" "127.0.0.1:$PCSCF_PORT" -i 127.0.0.1 -p "$UE_PORT" -t u1 -m 1 \
    -s "$user" -key domain "$DOMAIN" -auth_uri "$DOMAIN" -timeout 20s -timeout_error "$@" \
    -trace_msg -message_file "$SIPP/$name.msg" -trace_logs -log_file "$SIPP/$name.log" \
    -trace_err -error_file "$SIPP/$name.err" -nostdin > "$SIPP/$name.out" 2>&1
  rc=$?
  set -e
  LOG=$(cat "$SIPP/$name.log" 2>/dev/null || true)
  [ $rc = 0 ] || fail "$name: sipp exited $rc; log: $LOG; $(tail -5 "$SIPP/$name.out")
$(sip_flow "$name")"
}
# sipp substitutes no keys inside [authentication]: the IMPI comes from -au,
# and the scenarios carry K_TEXT, OP_TEXT and AMF_TEXT literally.
aka_ue() {  # aka_ue NAME USER EXPIRES
  ue "$1" register_aka.xml "$2" -au "$2@$DOMAIN" -key expires "$3"
}
expect_log() {
  grep -qE -- "$1" <<<"$LOG" || fail "$2: expected /$1/ in what sipp saw:
$LOG
$(sip_flow "$LAST_RUN")
$(tail -n 5 "$DATA_DIR"/log/{pcscf,icscf,scscf}.log 2>/dev/null)"
}
challenges() { grep -c '^challenge:' <<<"$LOG" || true; }
hss_count() { grep -c -F -- "$1" "$HSS_LOG" || true; }
# The P-CSCF's reg-event subscription (contract: the S-CSCF NOTIFYs it on
# every change). pcscf_notifies IMPU: how many NOTIFYs for IMPU the P-CSCF
# logged so far. pcscf_notified N IMPU REGEX: waits until one after the first
# N matches REGEX.
pcscf_notify_lines() { grep -F "reg event: NOTIFY $1: " "$DATA_DIR/log/pcscf.log" || true; }
pcscf_notifies() { pcscf_notify_lines "$1" | wc -l; }
pcscf_notified() {
  local n=$1 impu=$2 want=$3
  for _ in $(seq 1 50); do
    pcscf_notify_lines "$impu" | tail -n +$((n + 1)) | grep -qE -- "$want" && return 0
    sleep 0.1
  done
  fail "the P-CSCF got no NOTIFY for $impu matching /$want/ after its first $n; all of them:
$(pcscf_notify_lines "$impu")"
}p")
    [ -n "$line" ] && break
    sleep 0.1
  done
  [ -n "$line" ] || fail "the P-CSCF got no NOTIFY #$n for $impu: $(grep -F "reg event" "$DATA_DIR/log/pcscf.log" | tail -5)"
  grep -qE -- "$want" <<<"$line" || fail "the P-CSCF's NOTIFY #$n for $impu: expected /$want/ in: $line
all of them: $(grep -F "reg event: NOTIFY $impu: " "$DATA_DIR/log/pcscf.log")"
}
registrations() {
  sqlite3 "$DATA_DIR/imsbox.db" "select impu, state, scscf_name from hss_registration where impi = '$1@$DOMAIN' order by impu"
}
SCSCF_NAME="sip:127.0.0.1:$((BASE + 15))"   # its name at the HSS: an address any I-CSCF can route to

# ---- the box ----
write_config "$BASE"
sed -i -e "/^\[scscf\]/a min_expires = 2" -e "/^\[scscf\]/a max_auth_failures = 3" \
       -e "/^\[scscf\]/a auth_block_s = 600" "$DATA_DIR/imsbox.conf"
expect_exit 0 "$IMSBOX" up --data-dir "$DATA_DIR"
pass "up"
for offset in 0 1 2; do  # the P-, I- and S-CSCF's health ports
  expect_exit 0 curl -sf "http://127.0.0.1:$((BASE + offset))/health"
done
# the CSCFs' Cx connections
for _ in $(seq 1 100); do
  grep -q "connection with icscf.$DOMAIN open" "$HSS_LOG" && grep -q "connection with scscf.$DOMAIN open" "$HSS_LOG" && break
  sleep 0.1
done
grep -q "connection with scscf.$DOMAIN open" "$HSS_LOG" || fail "the S-CSCF did not connect to the HSS"
grep -q "connection with icscf.$DOMAIN open" "$HSS_LOG" || fail "the I-CSCF did not connect to the HSS"
pass "the I-CSCF and the S-CSCF are connected to the HSS over Cx"

expect_exit 0 "$IMSBOX" subscriber add --data-dir "$DATA_DIR" --impi "sim1@$DOMAIN" --impu "sip:sim1@$DOMAIN" \
  --impu tel:+15551001 --k "$K" --op "$OP" --amf "$AMF"
expect_exit 0 "$IMSBOX" subscriber add --data-dir "$DATA_DIR" --impi "sim2@$DOMAIN" --impu "sip:sim2@$DOMAIN" \
  --k "$K" --op "$OP" --amf "$AMF"
expect_exit 0 "$IMSBOX" subscriber add --data-dir "$DATA_DIR" --impi "sim3@$DOMAIN" --impu "sip:sim3@$DOMAIN" \
  --k "$K" --op "$OP" --amf "$AMF" --sqn 000000f00000
# alice and bob (alice-secret, bob-secret) are up's demo subscribers
expect_exit 0 "$IMSBOX" subscriber add --data-dir "$DATA_DIR" --impi "carol@$DOMAIN" --impu "sip:carol@$DOMAIN" \
  --password carol-secret
expect_exit 0 "$IMSBOX" subscriber add --data-dir "$DATA_DIR" --impi "dave@$DOMAIN" --impu "sip:dave@$DOMAIN" \
  --password dave-secret

# ---- IMS-AKA: register, re-register, de-register ----
aka_ue aka_register sim1 600
expect_log '^challenge: +Digest .*algorithm=AKAv1-MD5' "AKA registration"
grep -q '^challenge:.*\b(ck|ik)=' <<<"$LOG" && fail "the P-CSCF let ck/ik through to the UE: $LOG"
expect_log "^final: SIP/2.0 200 OK \| Contact:.*<sip:sim1@127.0.0.1:$UE_PORT>;expires=[1-9]" "AKA registration"
expect_log "P-Associated-URI:.*<sip:sim1@$DOMAIN>.*<tel:\+15551001>" "AKA registration"
expect_log "Service-Route: *<sip:orig@127\.0\.0\.1:$((BASE + 15));lr>" "AKA registration"
expect_log "Path: *<sip:term@127\.0\.0\.1:$((BASE + 10));lr>" "AKA registration"
[ "$(registrations sim1)" = "sip:sim1@$DOMAIN|1|$SCSCF_NAME
tel:+15551001|1|$SCSCF_NAME" ] || fail "sim1 at the HSS: $(registrations sim1)"
[ "$(hss_count "SAR sip:sim1@$DOMAIN (sim1@$DOMAIN) type 1 ")" = 1 ] || fail "no SAR REGISTRATION at the HSS"
pass "IMS-AKA registration through P -> I -> S: 401 (no ck/ik at the UE) -> 200 with Service-Route, Path, P-Associated-URI"
pcscf_notified 0 "sip:sim1@$DOMAIN" "sip:sim1@$DOMAIN active \(1 active contact"
pass "reg event: the P-CSCF subscribed and got the active registration"

NOTIFIES=$(pcscf_notifies "sip:sim1@$DOMAIN")
aka_ue aka_reregister sim1 600
expect_log "^final: SIP/2.0 200 OK \| Contact:.*<sip:sim1@127.0.0.1:$UE_PORT>;expires=[1-9]" "AKA re-registration"
[ "$(hss_count "SAR sip:sim1@$DOMAIN (sim1@$DOMAIN) type 2 ")" = 1 ] || fail "no SAR RE_REGISTRATION at the HSS"
pass "IMS-AKA re-registration: SAR RE_REGISTRATION -> 200"
pcscf_notified "$NOTIFIES" "sip:sim1@$DOMAIN" "sip:sim1@$DOMAIN active \(1 active contact"

NOTIFIES=$(pcscf_notifies "sip:sim1@$DOMAIN")
aka_ue aka_deregister sim1 0
expect_log "^final: SIP/2.0 200 OK" "AKA de-registration"
grep -qE "^final: .*<sip:sim1@127.0.0.1:$UE_PORT>;expires=[1-9]" <<<"$LOG" && fail "the contact is still bound: $LOG"
[ "$(hss_count "SAR sip:sim1@$DOMAIN (sim1@$DOMAIN) type 5 ")" = 1 ] || fail "no SAR USER_DEREGISTRATION at the HSS"
[ -z "$(sqlite3 "$DATA_DIR/imsbox.db" "select impu from hss_registration where impi = 'sim1@$DOMAIN' and state = 1")" ] ||
  fail "sim1 is still registered at the HSS: $(registrations sim1)"
pass "IMS-AKA de-registration (Expires: 0): SAR USER_DEREGISTRATION -> 200, nothing bound"
pcscf_notified "$NOTIFIES" "sip:sim1@$DOMAIN" "sip:sim1@$DOMAIN terminated .*registration of sip:sim1@$DOMAIN removed"
pass "reg event: the P-CSCF was notified of the re-registration and of the de-registration, and dropped it"

# ---- a wrong RES: 403 after the allowed attempts ----
ue wrong_res register_wrong_res.xml sim2 -key expires 600 \
  -key auth_head "Digest username=\"sim2@$DOMAIN\", realm=\"$DOMAIN\", nonce=\"" \
  -key auth_tail "\", uri=\"sip:$DOMAIN\", response=\"00000000000000000000000000000000\", algorithm=AKAv1-MD5, qop=auth, nc=00000001, cnonce=\"0a4f113b\""
expect_log '^final: SIP/2.0 403 ' "wrong RES"
WRONG_CHALLENGES=$(challenges)
[ "$WRONG_CHALLENGES" -le 3 ] || fail "wrong RES: $WRONG_CHALLENGES challenges before the 403 (max_auth_failures = 3)"
[ -z "$(registrations sim2)" ] || [ -z "$(sqlite3 "$DATA_DIR/imsbox.db" "select impu from hss_registration where impi = 'sim2@$DOMAIN' and state = 1")" ] ||
  fail "sim2 is registered: $(registrations sim2)"
aka_ue blocked sim2 600
expect_log '^final: SIP/2.0 403 ' "after too many failures"
pass "a wrong RES: 403 after $WRONG_CHALLENGES challenge(s); the IMPI is then refused for a while"

# ---- resynchronisation: the UE's SQN is ahead of the HSS's: AUTS ----
# sipp never sends auts (../shared/PEERS.md): the test plays that UE itself.
ue resync_challenge register_challenge.xml sim3 -key expires 600
NONCE=$(sed -n 's/^nonce: //p' <<<"$LOG" | head -1)
[ -n "$NONCE" ] || fail "no nonce in the challenge: $LOG"
RAND=$(base64 -d <<<"$NONCE" 2>/dev/null | head -c 16 | od -An -tx1 | tr -d ' \n')
[ ${#RAND} = 32 ] || fail "the nonce does not start with a RAND: $NONCE"
SQN_MS=000000ff0000   # the UE has seen more than the HSS's 000000f00000 - IND
V=$("$IMSBOX" aka vector --k "$K" --op "$OP" --rand "$RAND" --sqn "$SQN_MS" --amf 0000)
AK_STAR=$(sed -n 's/^ak_star=//p' <<<"$V") MAC_S=$(sed -n 's/^mac_s=//p' <<<"$V")
AUTS=$(printf '%012x%s' $((0x$SQN_MS ^ 0x$AK_STAR)) "$MAC_S" | xxd -r -p | base64)
md5() { printf '%s' "$1" | md5sum | cut -d' ' -f1; }
HA1=$(md5 "sim3@$DOMAIN:$DOMAIN:")
RESPONSE=$(md5 "$HA1:$NONCE:00000001:0a4f113b:auth:$(md5 "REGISTER:sip:$DOMAIN")")
ue resync register_auts.xml sim3 -key expires 600 -au "sim3@$DOMAIN" -base_cseq 5 \
  -key auth "Digest username=\"sim3@$DOMAIN\", realm=\"$DOMAIN\", nonce=\"$NONCE\", uri=\"sip:$DOMAIN\", response=\"$RESPONSE\", algorithm=AKAv1-MD5, qop=auth, nc=00000001, cnonce=\"0a4f113b\", auts=\"$AUTS\""
expect_log '^challenge: +Digest .*algorithm=AKAv1-MD5' "resynchronisation"
expect_log '^final: SIP/2.0 200 OK' "resynchronisation"
[ "$(hss_count "MAR sip:sim3@$DOMAIN (sim3@$DOMAIN) scheme 'Digest-AKAv1-MD5' with resynchronisation")" = 1 ] ||
  fail "no MAR with resynchronisation at the HSS: $(grep 'MAR sip:sim3' "$HSS_LOG")"
SQN_NOW=$("$IMSBOX" subscriber show "sim3@$DOMAIN" --data-dir "$DATA_DIR" | sed -n 's/^ *sqn[: =]*//p' | head -1)
pass "resynchronisation: AUTS -> MAR with RAND||AUTS -> fresh challenge -> 200 (SQN now $SQN_NOW)"

# ---- SIP digest over UDP ----
ue digest_udp register_digest.xml alice -au "alice@$DOMAIN" -ap alice-secret -key expires 600
expect_log '^challenge: +Digest .*algorithm=MD5' "digest registration"
expect_log "^final: SIP/2.0 200 OK \| Contact:.*<sip:alice@127.0.0.1:$UE_PORT>;expires=[1-9]" "digest registration"
grep -q '^challenge:.*SHA-256' <<<"$LOG" && fail "SHA-256 offered although scscf.digest_algorithms is MD5: $LOG"
# the bare user name as the digest username (softphones): IMPI dave@<realm>
ue digest_bare register_digest.xml dave -au dave -ap dave-secret -key expires 600
expect_log "^final: SIP/2.0 200 OK \| Contact:.*<sip:dave@127.0.0.1:$UE_PORT>;expires=[1-9]" "digest with the bare user name"
[ "$(hss_count "SAR sip:dave@$DOMAIN (dave@$DOMAIN) type 1 ")" = 1 ] ||
  fail "no SAR REGISTRATION for the IMPI dave@$DOMAIN: $(grep -F dave "$HSS_LOG")"
ue digest_wrong register_digest.xml bob -au "bob@$DOMAIN" -ap not-bob-secret -key expires 600
expect_log '^final: SIP/2.0 403 ' "digest with a wrong password"
pass "SIP digest over UDP: 401 (MD5 alone) -> 200, with the IMPI or the bare user name as username; a wrong password -> 403"

# ---- SIP digest over WSS, as a browser does it; the reg event ----
# ws-sip-client sends its first REGISTER without Authorization (as JsSIP
# does), answers the MD5 challenge, subscribes to its own reg event
# through the Service-Route, re-registers and de-registers, and prints each
# NOTIFY it gets.
wss_ue() {  # name, then ws-sip-client options
  local name=$1
  shift
  local rc=0
  timeout 60 "$BIN/ws-sip-client" --url "wss://127.0.0.1:$((BASE + 13))" "$@" >"$SIPP/$name.log" 2>&1 || rc=$?
  LOG=$(cat "$SIPP/$name.log")
  [ $rc = 0 ] || fail "$name: ws-sip-client exited $rc:
$LOG
$(tail -n 5 "$DATA_DIR"/log/{pcscf,scscf}.log 2>/dev/null)"
}
wss_ue digest_wss --register "sip:carol@$DOMAIN" --password carol-secret \
  --steps subscribe,reregister,deregister
expect_log '^challenge: Digest .*algorithm=MD5' "digest over WSS"
grep -q '^challenge:.*SHA-256' <<<"$LOG" && fail "SHA-256 offered although scscf.digest_algorithms is MD5: $LOG"
grep -qE '^challenge:.*\b(ck|ik)=' <<<"$LOG" && fail "ck/ik in a digest challenge: $LOG"
expect_log "^final: SIP/2.0 200 OK \| Contact:.*df7jal23ls0d.invalid;transport=ws>;expires=[1-9]" "digest over WSS"
# the reg event: a NOTIFY with the active registration at once, one for the
# re-registration, and a terminated one for the de-registration
expect_log '^notify: active.*<registration [^>]*aor="sip:carol@'"$DOMAIN"'"[^>]*state="active"' "reg event after SUBSCRIBE"
expect_log '^notify: .*event="refreshed"' "reg event after re-registration"
expect_log '^notify: .*<registration [^>]*state="terminated"' "reg event after de-registration"
pass "SIP digest over WSS: MD5 challenge -> 200; reg event NOTIFYs on register, re-register, de-register"

# ---- expiry: SAR TIMEOUT_DEREGISTRATION ----
aka_ue short sim1 3
NOTIFIES=$(pcscf_notifies "sip:sim1@$DOMAIN")
expect_log "^final: SIP/2.0 200 OK \| Contact:.*;expires=[1-3]\b" "short registration"
for _ in $(seq 1 100); do
  [ "$(hss_count "SAR sip:sim1@$DOMAIN (sim1@$DOMAIN) type 4 ")" = 1 ] && break
  sleep 0.1
done
[ "$(hss_count "SAR sip:sim1@$DOMAIN (sim1@$DOMAIN) type 4 ")" = 1 ] || fail "no SAR TIMEOUT_DEREGISTRATION after expiry"
# the P-CSCF subscribed again for this registration, and is told of its end
# (its own copy of the registration may have expired a moment before)
pcscf_notified "$NOTIFIES" "sip:sim1@$DOMAIN" "sip:sim1@$DOMAIN terminated .*subscription terminated"
pass "an expired registration: SAR TIMEOUT_DEREGISTRATION at the HSS, NOTIFY to the P-CSCF"

# the UE's own subscription is told of the expiry too
wss_ue expiry_wss --register "sip:carol@$DOMAIN" --password carol-secret --expires 3 --steps subscribe,wait:6
expect_log '^notify: active.*state="active"' "reg event of a short registration"
expect_log '^notify: .*event="expired"' "reg event on expiry"
pass "an expired registration: NOTIFY (expired) to the UE's subscription"

# ---- the HSS frozen, then back ----
HSS_PID=$(pgrep -f -- "ims-hss .*--data-dir $DATA_DIR" | head -1)
[ -n "$HSS_PID" ] || fail "no HSS process"
kill -STOP "$HSS_PID"
START=$(date +%s%N)
aka_ue hss_down sim1 600
kill -CONT "$HSS_PID"
ELAPSED_MS=$((($(date +%s%N) - START) / 1000000))
expect_log '^final: SIP/2.0 (480|5[0-9][0-9]) ' "HSS down"
[ $ELAPSED_MS -lt 15000 ] || fail "the 5xx took $ELAPSED_MS ms"
aka_ue hss_back sim1 600
expect_log '^final: SIP/2.0 200 OK' "HSS back"
pass "the HSS frozen: $(sed -n 's/^final: SIP\/2.0 \([0-9]*\).*/\1/p' "$SIPP/hss_down.log") in $ELAPSED_MS ms; back: the next registration succeeds"

# ---- overload: requests that waited too long in the P-CSCF's queue get 503 ----
PCSCF_PID=$(pgrep -f -- "ims-pcscf .*--data-dir $DATA_DIR" | head -1)
[ -n "$PCSCF_PID" ] || fail "no P-CSCF process"
kill -STOP "$PCSCF_PID"
# the REGISTER (and sipp's retransmission of it) wait a second in the queue: > sip_overload_delay_ms
(sleep 1; kill -CONT "$PCSCF_PID") &
ue overloaded register_challenge.xml sim1 -key expires 600
wait
expect_log '^final: SIP/2.0 503 ' "a REGISTER that waited 1 s"
grep -q '^Retry-After: 2' "$SIPP/overloaded.msg" || fail "no Retry-After in the 503: $(sip_flow overloaded)"
grep -q 'overloaded: requests wait' "$DATA_DIR/log/pcscf.log" || fail "the P-CSCF did not log its overload"
ue after_overload register_challenge.xml sim1 -key expires 600
expect_log '^challenge: ' "a REGISTER once the backlog is gone"
grep -q 'overload over' "$DATA_DIR/log/pcscf.log" || fail "the P-CSCF did not log the end of its overload"
pass "overload: a REGISTER that waited 1 s in the P-CSCF's queue gets 503 with Retry-After; the next is challenged"

# ---- overload further in: the S-CSCF's 503 reaches the UE with its Retry-After ----
# (RFC 3261 §16.7 step 6: the I-CSCF and the P-CSCF have no other S-CSCF / I-CSCF
# to try, so they relay it; before, the I-CSCF made it a 504 and a proxy a 500)
SCSCF_PID=$(pgrep -f -- "ims-scscf .*--data-dir $DATA_DIR" | head -1)
[ -n "$SCSCF_PID" ] || fail "no S-CSCF process"
kill -STOP "$SCSCF_PID"
(sleep 1; kill -CONT "$SCSCF_PID") &
ue scscf_overloaded register_challenge.xml sim1 -key expires 600
wait
expect_log '^final: SIP/2.0 503 ' "a REGISTER that waited 1 s in the S-CSCF's queue"
grep -q '^Retry-After: 2' "$SIPP/scscf_overloaded.msg" || fail "no Retry-After in the 503: $(sip_flow scscf_overloaded)"
grep -q 'overloaded: requests wait' "$DATA_DIR/log/scscf.log" || fail "the S-CSCF did not log its overload"
grep -q "its 503 (Retry-After) goes back" "$DATA_DIR/log/icscf.log" ||
  fail "the I-CSCF did not let the S-CSCF's 503 stand: $(tail -n 5 "$DATA_DIR/log/icscf.log")"
ue after_scscf_overload register_challenge.xml sim1 -key expires 600
expect_log '^challenge: ' "a REGISTER once the S-CSCF's backlog is gone"
pass "overload at the S-CSCF: the UE gets its 503 with Retry-After through the I-CSCF and the P-CSCF; the next REGISTER is challenged"
