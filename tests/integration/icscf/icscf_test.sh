#!/usr/bin/env bash
# The I-CSCF's edges (issue 15, points 6 and 8), with `imsbox up` on a test
# data dir and sipp as UEs, as an S-CSCF out of service and as a stranger:
#   * S-CSCF re-selection (TS 24.229 §5.3.1.3): icscf.scscf_uris lists an
#     S-CSCF where nothing listens, then one (sipp) that answers 503, then the
#     box's own; UEs register (IMS-AKA) through the P-CSCF all the same, each
#     dead S-CSCF costing icscf.scscf_timeout_ms (1.5 s here), not the 32 s of
#     timer F;
#   * the trust domain (TS 24.229 §4.4, §5.3.1.2): the trust domain is
#     127.0.0.1 (bind_address) here; a stranger on 127.0.0.2 that sends an
#     INVITE straight to the I-CSCF, asserting a registered user's identity,
#     reaches the callee without that P-Asserted-Identity (nor the other
#     fields only the trust domain sets), while a call through the P-CSCF
#     keeps the caller asserted; the stranger's REGISTER gets 403.
source "$(dirname "$0")/../lib.sh"

HERE="$SOURCE_DIR/tests/integration/icscf"
REGISTER="$SOURCE_DIR/tests/integration/registration/register_aka.xml"
UAC="$SOURCE_DIR/tests/integration/calls/uac.xml"
DOMAIN=it.example.org
BASE=$(free_port_base)
PCSCF_PORT=$((BASE + 10))
ICSCF_PORT=$((BASE + 14))
SCSCF_PORT=$((BASE + 15))
DEAD_PORT=$((BASE + 16))      # nothing listens there
OUT_OF_SERVICE_PORT=$((BASE + 17))  # sipp: 503 to a REGISTER
CALLER_PORT=$((BASE + 18))
CALLEE_PORT=$((BASE + 19))
STRANGER_PORT=$((BASE + 20))
STRANGER=127.0.0.2            # a loopback address outside the trust domain
source "$SOURCE_DIR/tests/integration/sipp_lib.sh"

what_happened() {
  sipp_story "$@"
  tail -n 12 "$DATA_DIR"/log/{pcscf,icscf,scscf}.log 2>/dev/null
}
# register USER PORT: an IMS-AKA registration of sip:USER@D through the P-CSCF; sets TOOK_MS
register() {
  local started
  started=$(date +%s%N)
  sipp_to "register-$1" "127.0.0.1:$PCSCF_PORT" 127.0.0.1 "$2" "$REGISTER" -s "$1" -au "$1@$DOMAIN" \
    -key expires 600 || fail "registration of $1: $(what_happened "register-$1")"
  TOOK_MS=$((($(date +%s%N) - started) / 1000000))
  grep -q '^final: SIP/2.0 200' "$SIPP/register-$1.log" || fail "registration of $1: $(what_happened "register-$1")"
}
# value NAME KEY: the value the callee's sipp logged as "KEY: value"
value() { sed -n "s/^$2: //p" "$SIPP/$1.log" | head -1; }

# ---- the box: three S-CSCFs to choose from, the first two out of service ----
write_config "$BASE"
sed -i "/^\[icscf\]/a scscf_uris = sip:127.0.0.1:$DEAD_PORT, sip:127.0.0.1:$OUT_OF_SERVICE_PORT, sip:scscf.$DOMAIN:$SCSCF_PORT\nscscf_timeout_ms = 1500" \
  "$DATA_DIR/imsbox.conf"
expect_exit 0 "$IMSBOX" up --data-dir "$DATA_DIR"
wait_for_cx "$DOMAIN" || fail "the I-CSCF and the S-CSCF did not connect to the HSS"
for user in anna bert; do
  expect_exit 0 "$IMSBOX" subscriber add --data-dir "$DATA_DIR" --impi "$user@$DOMAIN" \
    --impu "sip:$user@$DOMAIN" --k "$K" --op "$OP" --amf "$AMF"
done
grep -q "S-CSCFs: sip:127.0.0.1:$DEAD_PORT, sip:127.0.0.1:$OUT_OF_SERVICE_PORT, sip:scscf.$DOMAIN:$SCSCF_PORT (each 1500 ms" \
  "$DATA_DIR/log/icscf.log" || fail "the I-CSCF did not take the S-CSCF list: $(grep ready "$DATA_DIR/log/icscf.log")"
pass "up, with three S-CSCFs for the I-CSCF to choose from: none listening, one that answers 503, the box's"

# ---- S-CSCF re-selection ----
sipp_to out-of-service "127.0.0.1:$PCSCF_PORT" 127.0.0.1 "$OUT_OF_SERVICE_PORT" "$HERE/scscf_503.xml" &
oos_pid=$!
sleep 0.5  # its socket bound
register anna "$CALLER_PORT"
wait "$oos_pid" || fail "the out-of-service S-CSCF got no REGISTER: $(what_happened out-of-service register-anna)"
grep -q "^register: REGISTER sip:$DOMAIN " "$SIPP/out-of-service.log" || fail "out of service: $(sipp_log out-of-service)"
icscf_log="$DATA_DIR/log/icscf.log"
grep -q "REGISTER sip:anna@$DOMAIN (anna@$DOMAIN): sip:127.0.0.1:$DEAD_PORT answered 408 .*, selected sip:127.0.0.1:$OUT_OF_SERVICE_PORT" \
  "$icscf_log" || fail "no re-selection after the silent S-CSCF: $(grep anna "$icscf_log")"
grep -q "REGISTER sip:anna@$DOMAIN (anna@$DOMAIN): sip:127.0.0.1:$OUT_OF_SERVICE_PORT answered 503 .*, selected sip:scscf.$DOMAIN:$SCSCF_PORT" \
  "$icscf_log" || fail "no re-selection after the 503: $(grep anna "$icscf_log")"
# one silent S-CSCF: 1.5 s, far below the UE's 32 s
[ "$TOOK_MS" -ge 1500 ] && [ "$TOOK_MS" -lt 15000 ] || fail "anna's registration took $TOOK_MS ms"
pass "anna registered through the third S-CSCF after the silent one (1.5 s) and the 503 (${TOOK_MS} ms in all)"

register bert "$CALLEE_PORT"  # now both others are silent
grep -q "REGISTER sip:bert@$DOMAIN (bert@$DOMAIN): .*selected sip:scscf.$DOMAIN:$SCSCF_PORT: forwarded" "$icscf_log" ||
  fail "bert: $(grep bert "$icscf_log")"
[ "$TOOK_MS" -lt 15000 ] || fail "bert's registration took $TOOK_MS ms"
pass "bert registered through the box's S-CSCF after two silent ones (${TOOK_MS} ms)"

# ---- the trust domain ----
# a stranger's INVITE straight to the I-CSCF, asserting anna
sipp_to stranger-callee "127.0.0.1:$PCSCF_PORT" 127.0.0.1 "$CALLEE_PORT" "$HERE/uas_headers.xml" -s bert &
callee_pid=$!
sleep 0.5
sipp_to stranger "127.0.0.1:$ICSCF_PORT" "$STRANGER" "$STRANGER_PORT" "$HERE/stranger_uac.xml" -s bert \
  -key asserted "sip:anna@$DOMAIN" || fail "the stranger's call: $(what_happened stranger stranger-callee)"
wait "$callee_pid" || fail "bert did not take the stranger's call: $(what_happened stranger stranger-callee)"
grep -q '^final: SIP/2.0 200' "$SIPP/stranger.log" || fail "the stranger's call: $(what_happened stranger stranger-callee)"
grep -q 'stranger@elsewhere.example' <<<"$(value stranger-callee invite-from)" ||
  fail "bert got someone else's INVITE: $(sipp_log stranger-callee)"
for key in pai psu profile-key asserted-service pani; do
  [ -z "$(value stranger-callee "$key")" ] || fail "the stranger's $key reached bert: $(sipp_log stranger-callee)"
done
pcv=$(value stranger-callee pcv)
[[ "$pcv" != *ggsn* ]] || fail "the stranger's access network charging data reached bert: $pcv"
grep -q "INVITE sip:bert@$DOMAIN: from UDP $STRANGER:$STRANGER_PORT, outside the trust domain: removed P-Asserted-Identity" \
  "$icscf_log" || fail "the I-CSCF did not say what it removed: $(grep bert "$icscf_log" | tail -n 5)"
pass "a stranger on $STRANGER asserting sip:anna@$DOMAIN: bert answered, and saw no P-Asserted-Identity, P-Served-User, P-Profile-Key, P-Asserted-Service, P-Access-Network-Info nor ggsn (P-Charging-Vector: '${pcv}')"

# the same call through the trust domain: anna through her P-CSCF
sipp_to trusted-callee "127.0.0.1:$PCSCF_PORT" 127.0.0.1 "$CALLEE_PORT" "$HERE/uas_headers.xml" -s bert &
callee_pid=$!
sleep 0.5
sipp_to trusted "127.0.0.1:$PCSCF_PORT" 127.0.0.1 "$CALLER_PORT" "$UAC" -s bert -key caller anna \
  -key ruri "sip:bert@$DOMAIN" || fail "anna's call: $(what_happened trusted trusted-callee)"
wait "$callee_pid" || fail "bert did not take anna's call: $(what_happened trusted trusted-callee)"
grep -q "^pai: *<sip:anna@$DOMAIN>" "$SIPP/trusted-callee.log" || fail "anna's call: $(sipp_log trusted-callee)"
pass "anna's call through the P-CSCF: bert sees P-Asserted-Identity <sip:anna@$DOMAIN>"

# a REGISTER from outside the trust domain (TS 24.229 §5.3.1.2)
sipp_to stranger-register "127.0.0.1:$ICSCF_PORT" "$STRANGER" "$STRANGER_PORT" "$REGISTER" -s anna -au "anna@$DOMAIN" \
  -key expires 600 || true
grep -q '^final: SIP/2.0 403' "$SIPP/stranger-register.log" || fail "the stranger's REGISTER: $(what_happened stranger-register)"
grep -q "REGISTER from UDP $STRANGER:$STRANGER_PORT, outside the trust domain (icscf.trusted_peers): 403" "$icscf_log" ||
  fail "no log line for the stranger's REGISTER"
pass "a REGISTER from $STRANGER straight to the I-CSCF: 403"
