#!/usr/bin/env bash
# Interop: Kamailio's IMS modules (Debian's kamailio-ims-modules) as I-CSCF and
# S-CSCF against our HSS over Cx (cdp, TCP), driven by sipp as the UE:
#   * REGISTER of an unknown user through the I-CSCF: UAR -> 5001 -> 403;
#   * a first registration through the I-CSCF (UAR -> 2001, no empty
#     Server-Capabilities AVP, which cdp cannot parse) -> MAR, SAR -> 200;
#   * registration at the S-CSCF with SIP digest: MAR -> 401 with a challenge
#     made of our HA1 -> digest -> SAR -> 200 with the profile's identities,
#     and the registration in our store;
#   * re-registration and de-registration through the I-CSCF (UAR -> 2002 /
#     2001 with the S-CSCF name, MAR, SAR);
#   * MESSAGE through the I-CSCF: LIR -> the S-CSCF -> the registered UE; LIR
#     answers for an unregistered user without services (5003 -> 480), one
#     with the box's mmtel profile (2003, unregistered services -> the
#     S-CSCF, whose script serves registered users only: 404) and an unknown
#     user (5001 -> 604);
#   * MAR with schemes the HSS refuses (5006 -> 403), Kamailio's HSS-selected
#     scheme "unknown" (the HSS chooses SIP Digest), a wrong password (403);
#   * `imsbox subscriber deregister`: RTR to Kamailio's S-CSCF, answered 2001.
# Kamailio runs from tests/integration/kamailio/*.cfg, in its own process
# group, and leaves nothing behind (cdp's FIFOs in /tmp included).
source "$(dirname "$0")/../lib.sh"

DOMAIN=it.example.org
source "$(dirname "$0")/kamailio_lib.sh"
BASE=$(free_port_base)
HSS_PORT=$((BASE + 7))
ICSCF_PORT=$((BASE + 16)) SCSCF_PORT=$((BASE + 17))
ICSCF_CDP_PORT=$((BASE + 18)) SCSCF_CDP_PORT=$((BASE + 19))
UE_PORT=$((BASE + 20)) TESTER_PORT=$((BASE + 21))
SCSCF_URI="sip:127.0.0.1:$SCSCF_PORT"   # the S-CSCF's name at the HSS and its SIP address
SIPP="$DATA_DIR/sipp"
LAST_RUN=none   # the last sipp run, for failure messages
mkdir -p "$SIPP"

command -v sipp >/dev/null || fail "sipp is not installed (sip-tester)"

# ---- counting what each side logged ----
count() { grep -c -F -- "$2" "$1" || true; }
# mark: remember the counts of the Cx requests the HSS received
mark() {
  UAR0=$(count "$HSS_LOG" "diameter: UAR from icscf.$DOMAIN ")
  LIR0=$(count "$HSS_LOG" "diameter: LIR from icscf.$DOMAIN ")
  MAR0=$(count "$HSS_LOG" "diameter: MAR from scscf.$DOMAIN ")
  SAR0=$(count "$HSS_LOG" "diameter: SAR from scscf.$DOMAIN ")
}
# expect_cx WHAT UAR LIR MAR SAR: exactly these many requests reached the HSS since mark
# (MAR "N+": at least N)
expect_cx() {
  local what=$1 want="UAR $2 LIR $3 MAR $4 SAR $5" got
  for _ in $(seq 1 20); do
    got="UAR $(($(count "$HSS_LOG" "diameter: UAR from icscf.$DOMAIN ") - UAR0))"
    got="$got LIR $(($(count "$HSS_LOG" "diameter: LIR from icscf.$DOMAIN ") - LIR0))"
    got="$got MAR $(($(count "$HSS_LOG" "diameter: MAR from scscf.$DOMAIN ") - MAR0))"
    got="$got SAR $(($(count "$HSS_LOG" "diameter: SAR from scscf.$DOMAIN ") - SAR0))"
    [ "$got" = "$want" ] && return 0
    # MAR given as "1+": at least one. sipp resends a REGISTER that waited
    # 500 ms for its answer (a loaded CI machine), and Kamailio's S-CSCF
    # challenges each copy afresh (MAR, new nonce); the UE then answers the
    # newer challenge and registers all the same.
    if [[ "$4" == *+ ]]; then
      local mars=${got#*MAR } rest
      mars=${mars%% *}
      rest="UAR $2 LIR $3 SAR $5"
      [ "$mars" -ge "${4%+}" ] && [ "${got/ MAR $mars/}" = "$rest" ] && return 0
    fi
    sleep 0.1
  done
  fail "$what: the HSS received $got, expected $want; SIP of the last sipp run ($LAST_RUN):
$(sip_flow "$LAST_RUN")
Kamailio: $(grep -h '<script>' "$KDIR"/*.log | tail -n 8)"
}
registrations() {
  sqlite3 "$DATA_DIR/imsbox.db" "select impu, state, scscf_name, origin_host from hss_registration
                                 where impi = '$1@$DOMAIN' order by impu"
}

# sip_flow NAME: the start lines of the SIP messages of sipp run NAME, in order
sip_flow() {
  grep -E '^(UDP message (sent|received)|(REGISTER|MESSAGE) sip:|SIP/2.0 [0-9])' "$SIPP/$1.msg" 2>/dev/null | tr -d '\r' |
    sed -e 's/^UDP message sent.*/  >>/' -e 's/^UDP message received.*/  <</' | paste -d' ' - - || true
}

# ---- sipp as the UE and as a tester ----
# ue_register NAME PORT USER PASSWORD ALGORITHM EXPIRES: register.xml; sets LOG
ue_register() {
  local name=$1 port=$2 user=$3 password=$4 alg=$5 expires=$6 rc
  LAST_RUN=$name
  set +e
  timeout 40 sipp -sf "$KAM/register.xml" "127.0.0.1:$port" -i 127.0.0.1 -p "$UE_PORT" -t u1 -m 1 \
    -s "$user" -au "$user@$DOMAIN" -ap "$password" -auth_uri "$DOMAIN" \
    -key domain "$DOMAIN" -key alg "$alg" -key expires "$expires" -timeout 20s -timeout_error \
    -default_behaviors -bye -trace_msg -message_file "$SIPP/$name.msg" -trace_logs -log_file "$SIPP/$name.log" -trace_err -error_file "$SIPP/$name.err" \
    -nostdin > "$SIPP/$name.out" 2>&1
  rc=$?
  set -e
  LOG=$(cat "$SIPP/$name.log" 2>/dev/null || true)
  [ $rc = 0 ] || fail "$name: sipp exited $rc; log: $LOG; $(tail -5 "$SIPP/$name.out")
$(sip_flow "$name")"
}
# tester_message NAME USER: message.xml to the I-CSCF; sets LOG
tester_message() {
  local name=$1 user=$2 rc
  LAST_RUN=$name
  set +e
  timeout 40 sipp -sf "$KAM/message.xml" "127.0.0.1:$ICSCF_PORT" -i 127.0.0.1 -p "$TESTER_PORT" -t u1 -m 1 \
    -s "$user" -key domain "$DOMAIN" -timeout 20s -timeout_error -trace_msg -message_file "$SIPP/$name.msg" \
    -trace_logs -log_file "$SIPP/$name.log" \
    -trace_err -error_file "$SIPP/$name.err" -nostdin > "$SIPP/$name.out" 2>&1
  rc=$?
  set -e
  LOG=$(cat "$SIPP/$name.log" 2>/dev/null || true)
  [ $rc = 0 ] || fail "$name: sipp exited $rc; log: $LOG; $(tail -5 "$SIPP/$name.out")"
}
expect_log() {
  grep -qE -- "$1" <<<"$LOG" || fail "$2: expected /$1/ in what sipp saw:
$LOG
$(sip_flow "$LAST_RUN")"
}
no_challenge() { grep -q '^challenge:' <<<"$LOG" && fail "$1: unexpected 401: $LOG"; return 0; }
CHALLENGE="^challenge: +Digest realm=\"$DOMAIN\", nonce=\"[0-9a-f]{32}\", algorithm=MD5, qop=\"auth\"\$"
PAU_ALICE="P-Associated-URI: *<sip:alice@$DOMAIN>, <tel:\+15550001>"

# ---- the box, with Kamailio in place of our CSCFs ----
write_config "$BASE"
sed -i -e '/^\[global\]/a log_level = debug' \
       -e "/^\[hss\]/a diameter_peers = icscf.$DOMAIN, scscf.$DOMAIN" "$DATA_DIR/imsbox.conf"
disable_nodes icscf scscf
expect_exit 0 "$IMSBOX" up --data-dir "$DATA_DIR"
pass "up, our I-CSCF and S-CSCF disabled"

sqlite3 "$KDIR/icscf.db" < "$KAM/icscf.sql"
sqlite3 "$KDIR/icscf.db" "insert into s_cscf (id, name, s_cscf_uri) values (1, 'scscf.$DOMAIN', '$SCSCF_URI')"
start_kamailio icscf "$ICSCF_PORT" "$ICSCF_CDP_PORT" -A "DB_URL=\"sqlite:///$KDIR/icscf.db\""
start_kamailio scscf "$SCSCF_PORT" "$SCSCF_CDP_PORT" -A "SCSCF_URI=\"$SCSCF_URI\""
wait_for_peer icscf
wait_for_peer scscf
remember_kamailio_pids
pass "Kamailio I-CSCF and S-CSCF connected over Cx ($(count "$HSS_LOG" 'Error parsing CER from') CER refused for a missing Host-IP-Address first)"

# ---- UAR for an unknown user: 5001 ----
mark
ue_register unknown "$ICSCF_PORT" nobody nobody-secret 3GPP-Digest 600
no_challenge unknown
expect_log '^final: SIP/2.0 403 Forbidden - HSS User Unknown ' "unknown user"
expect_cx "unknown user" 1 0 0 0
pass "UAR for an unknown user: 5001 -> the I-CSCF answers 403 User Unknown"

# ---- first registration through the I-CSCF: UAR -> 2001 ----
mark
ue_register first "$ICSCF_PORT" bob bob-secret 3GPP-Digest 600
expect_log "$CHALLENGE" "first registration"
expect_log "^final: SIP/2.0 200 OK .*P-Associated-URI: *<sip:bob@$DOMAIN>" "first registration"
expect_cx "first registration" 2 0 1 1
[ "$(registrations bob)" = "sip:bob@$DOMAIN|1|$SCSCF_URI|scscf.$DOMAIN
tel:+15550002|1|$SCSCF_URI|scscf.$DOMAIN" ] || fail "bob's registration in the store: $(registrations bob)"
pass "first registration through the I-CSCF: UAR 2001 -> S-CSCF of the s_cscf table -> MAR, SAR -> 200"

# ---- registration at the S-CSCF with SIP digest: MAR -> 401, SAR -> 200 ----
mark
ue_register scscf_register "$SCSCF_PORT" alice alice-secret 3GPP-Digest 600
expect_log "$CHALLENGE" "registration at the S-CSCF"
expect_log "^final: SIP/2.0 200 OK \| Contact: *<sip:alice@127.0.0.1:$UE_PORT>;expires=[1-9][0-9]* \| $PAU_ALICE" \
  "registration at the S-CSCF"
expect_cx "registration at the S-CSCF" 0 0 1+ 1
[ "$(registrations alice)" = "sip:alice@$DOMAIN|1|$SCSCF_URI|scscf.$DOMAIN
tel:+15550001|1|$SCSCF_URI|scscf.$DOMAIN" ] || fail "alice's registration in the store: $(registrations alice)"
[ "$(count "$KDIR/scscf.log" "SAA for sip:alice@$DOMAIN: saa_return_code 1")" = 1 ] || fail "no successful SAA at the S-CSCF"
pass "registration at Kamailio's S-CSCF: MAR (SIP Digest) -> 401 with our HA1 -> digest -> SAR -> 200; registered in the store"

# ---- re-registration through the I-CSCF: UAR -> 2002 with the S-CSCF name ----
mark
FORWARDED0=$(count "$KDIR/icscf.log" "REGISTER for sip:alice@$DOMAIN to the S-CSCF: R-URI $SCSCF_URI,")
ue_register reregister "$ICSCF_PORT" alice alice-secret 3GPP-Digest 600
expect_log "$CHALLENGE" "re-registration"
expect_log "^final: SIP/2.0 200 OK \| Contact: *<sip:alice@127.0.0.1:$UE_PORT>;expires=[1-9][0-9]* \| $PAU_ALICE" \
  "re-registration"
expect_cx "re-registration" 2 0 1 1
[ $(($(count "$KDIR/icscf.log" "REGISTER for sip:alice@$DOMAIN to the S-CSCF: R-URI $SCSCF_URI,") - FORWARDED0)) = 2 ] ||
  fail "the I-CSCF did not send both REGISTERs to the S-CSCF the HSS named"
pass "re-registration through the I-CSCF: UAR -> S-CSCF name -> MAR, SAR -> 200"

# ---- MESSAGE through the I-CSCF: LIR ----
mark
set +e
timeout 40 sipp -sf "$KAM/message_uas.xml" -i 127.0.0.1 -p "$UE_PORT" -t u1 -m 1 -timeout 20s -timeout_error \
  -trace_logs -log_file "$SIPP/ue_message.log" -trace_err -error_file "$SIPP/ue_message.err" -nostdin \
  > "$SIPP/ue_message.out" 2>&1 &
UE_PID=$!
set -e
sleep 0.3
tester_message message_registered alice
expect_log '^final: SIP/2.0 200 OK$' "MESSAGE to a registered user"
wait $UE_PID || fail "the UE did not get the MESSAGE: $(cat "$SIPP/ue_message.log" 2>/dev/null)"
grep -qx "received: MESSAGE sip:alice@127.0.0.1:$UE_PORT | hello from kamailio_hss_test" "$SIPP/ue_message.log" ||
  fail "the UE got: $(cat "$SIPP/ue_message.log")"
expect_exit 0 "$IMSBOX" subscriber add --data-dir "$DATA_DIR" --impi "carol@$DOMAIN" --impu "sip:carol@$DOMAIN" \
  --password carol-secret --service-profile none
tester_message message_unregistered carol
expect_log '^final: SIP/2.0 480 Temporarily Unavailable - HSS Identity not registered$' "MESSAGE to an unregistered user"
tester_message message_unregistered_services 001010000000001
expect_log '^final: SIP/2.0 404 Not Found - not registered at this S-CSCF$' "MESSAGE to an unregistered user with services"
grep -q "MESSAGE for sip:001010000000001@$DOMAIN to the S-CSCF: R-URI sip:001010000000001@$DOMAIN, destination $SCSCF_URI" \
  "$KDIR/icscf.log" || fail "the I-CSCF did not send the MESSAGE for the unregistered SIM user (2003) to the S-CSCF"
tester_message message_unknown nobody
expect_log '^final: SIP/2.0 604 Does not exist anywhere - HSS User Unknown$' "MESSAGE to an unknown user"
expect_cx "MESSAGE" 0 4 0 0
pass "LIR: the registered user's S-CSCF gets the MESSAGE (delivered), 5003 -> 480, 2003 -> the S-CSCF, 5001 -> 604"

# ---- MAR refused: schemes the HSS does not serve, a wrong password ----
mark
ue_register scheme_md5 "$SCSCF_PORT" alice alice-secret MD5 600
no_challenge scheme_md5
expect_log '^final: SIP/2.0 403 Forbidden - HSS Authentication Scheme Unsupported ' "MAR for Digest-MD5"
expect_cx "MAR for Digest-MD5" 0 0 1 0
pass "MAR for Kamailio's \"Digest-MD5\" (not a Cx scheme): 5006 -> 403"

mark
ue_register scheme_unknown "$SCSCF_PORT" alice alice-secret HSS-Selected 600
expect_log "$CHALLENGE" "MAR for scheme unknown"
expect_log "^final: SIP/2.0 200 OK .*$PAU_ALICE" "MAR for scheme unknown"
expect_cx "MAR for scheme unknown" 0 0 1+ 1
pass "HSS-selected authentication (scheme \"unknown\"): SIP Digest -> 200"

mark
ue_register wrong_password "$SCSCF_PORT" alice not-alice-secret 3GPP-Digest 600
expect_log "$CHALLENGE" "wrong password"
expect_log '^final: SIP/2.0 403 Authentication Failed ' "wrong password"
expect_cx "wrong password" 0 0 1 0
[ "$(registrations alice)" = "sip:alice@$DOMAIN|1|$SCSCF_URI|scscf.$DOMAIN
tel:+15550001|1|$SCSCF_URI|scscf.$DOMAIN" ] || fail "alice's registration changed: $(registrations alice)"
pass "a wrong password: 401 then 403, the registration stays"

# ---- de-registration through the I-CSCF ----
mark
ue_register deregister "$ICSCF_PORT" alice alice-secret 3GPP-Digest 0
expect_log "$CHALLENGE" "de-registration"
expect_log "^final: SIP/2.0 200 OK \| Contact: *<sip:alice@127.0.0.1:$UE_PORT>;expires=0 \|" "de-registration"
expect_cx "de-registration" 2 0 1 1
[ -z "$(registrations alice)" ] || fail "alice is still registered: $(registrations alice)"
pass "de-registration through the I-CSCF: UAR -> MAR, SAR -> 200; the registration is gone"

# ---- RTR from the HSS to Kamailio's S-CSCF ----
# carol: no service profile, so that LIR then says 5003 (with the mmtel profile's
# unregistered services it would be 2003, and Kamailio's S-CSCF, which keeps the
# contact after an RTR, would send the MESSAGE to a UE that is gone)
ue_register register_again "$SCSCF_PORT" carol carol-secret 3GPP-Digest 600
expect_log '^final: SIP/2.0 200 OK ' "registration before RTR"
[ -n "$(registrations carol)" ] || fail "carol is not registered"
expect_exit 0 timeout 30 "$IMSBOX" subscriber deregister "carol@$DOMAIN" --reason "interop test" --data-dir "$DATA_DIR"
expect_out "RTR answered: result 2001 from scscf.$DOMAIN"
[ "$(count "$KDIR/scscf.log" 'Received an IMS_RTR')" = 1 ] || fail "Kamailio's S-CSCF did not log the RTR"
[ -z "$(registrations carol)" ] || fail "carol is still registered: $(registrations carol)"
mark
tester_message message_after_rtr carol
expect_log '^final: SIP/2.0 480 Temporarily Unavailable - HSS Identity not registered$' "MESSAGE after RTR"
expect_cx "MESSAGE after RTR" 0 1 0 0
pass "imsbox subscriber deregister: RTR answered 2001 by Kamailio's S-CSCF; LIR then says not registered"

# ---- nothing crashed, nothing is left behind ----
stop_kamailio_checked
expect_exit 0 "$IMSBOX" status --data-dir "$DATA_DIR"
grep -q 'hss .* healthy' <<<"$OUT" || fail "the HSS is not healthy after the interop run: $OUT"
pass "Kamailio stopped cleanly; the HSS is healthy"
