#!/usr/bin/env bash
# The HSS on a running box, driven over Cx by a freeDiameter client
# (cx-client) acting as I-CSCF and S-CSCF: UAR -> MAR -> SAR -> LIR for a SIM
# subscriber (the AKA vector checked against `imsbox aka vector`), SIP Digest
# for a password subscriber, SQN resynchronisation from an AUTS made here,
# every error answer, a refused peer; then RTR (`imsbox subscriber
# deregister`) and PPR (a provisioning change) to a test S-CSCF that stays
# connected (cx-test-server).
source "$(dirname "$0")/lib.sh"

BASE=$(free_port_base)
write_config "$BASE"
disable_nodes icscf scscf
DOMAIN=it.example.org
HSS_PORT=$((BASE + 7))
API="http://127.0.0.1:$((BASE + 8))"
SIM=001010000000001@$DOMAIN
SIM_IMPU=sip:001010000000001@$DOMAIN
K=fec86ba6eb707ed08905757b1bb44b8f   # TS 35.208 set 3, the demo SIM
OP=dbc59adcb6f9a0ef735477b7fadf8374
SCSCF=sip:scscf.$DOMAIN:6060

expect_exit 0 "$IMSBOX" up --data-dir "$DATA_DIR"
pass "up"
# the Cx port is on global.bind_address only, not on 0.0.0.0 / [::] (issue 15.4)
listeners=$(ss -Hltn "sport = :$HSS_PORT" | awk '{print $4}' | sort | tr '\n' ' ')
[ "$listeners" = "127.0.0.1:$HSS_PORT " ] || fail "with bind_address 127.0.0.1 the HSS's Cx port listens on: '$listeners'"
pass "the Cx port listens on 127.0.0.1:$HSS_PORT only"

source "$(dirname "$0")/hss_lib.sh"

# ---- registration of the SIM subscriber ----
cx icscf uar --impi "$SIM" --impu "$SIM_IMPU" --visited-network "$DOMAIN" --auth-type 0
expect_line experimental_result_code=2001 experimental_result_vendor_id=10415
pass "UAR: first registration"

cx scscf mar --impi "$SIM" --impu "$SIM_IMPU" --scheme Digest-AKAv1-MD5 --auth-items 3 --server-name "$SCSCF"
expect_line result_code=2001 sip_number_auth_items=3 sip_auth_data_item.3.authentication_scheme=Digest-AKAv1-MD5
AUTHENTICATE=$(field sip_auth_data_item.1.sip_authenticate)
RAND=${AUTHENTICATE:0:32}
AUTN=${AUTHENTICATE:32:32}
# SQN = (SQN xor AK) xor AK, with AK from Milenage on the same RAND
REF=$(aka --rand "$RAND" --sqn 000000000000 --amf 8000)
SQN=$(xor_hex "${AUTN:0:12}" "$(get ak "$REF")")
REF=$(aka --rand "$RAND" --sqn "$SQN" --amf 8000)
[ "$(get autn "$REF")" = "$AUTN" ] || fail "AUTN $AUTN is not Milenage's $(get autn "$REF") for SQN $SQN"
[ "$(field sip_auth_data_item.1.sip_authorization)" = "$(get res "$REF")" ] || fail "XRES differs from f2"
[ "$(field sip_auth_data_item.1.confidentiality_key)" = "$(get ck "$REF")" ] || fail "CK differs from f3"
[ "$(field sip_auth_data_item.1.integrity_key)" = "$(get ik "$REF")" ] || fail "IK differs from f4"
expect_exit 0 "$IMSBOX" subscriber show "$SIM" --data-dir "$DATA_DIR"
STORED=$(sed -n 's/^sqn: //p' <<<"$OUT")
[ $((0x$STORED)) -gt $((0x$SQN)) ] || fail "stored SQN $STORED is not past the vectors' ($SQN)"
pass "MAR: 3 AKA vectors, the first checked against imsbox aka vector; SQN stored ($STORED)"

cx icscf uar --impi "$SIM" --impu "$SIM_IMPU" --visited-network "$DOMAIN" --auth-type 0
expect_line experimental_result_code=2002 "server_name=$SCSCF"
pass "UAR after MAR: the S-CSCF assigned for the authentication"

cx scscf sar --impi "$SIM" --impu "$SIM_IMPU" --server-name "$SCSCF" --sat 1 --user-data-available 0
expect_line result_code=2001 "user_name=$SIM" "associated_identity=$SIM"
grep -qF "<Identity>$SIM_IMPU</Identity>" <<<"$OUT" || fail "User-Data lacks the IMPU: $OUT"
cx icscf lir --impu "$SIM_IMPU"
expect_line result_code=2001 "server_name=$SCSCF"
pass "SAR registers; LIR finds the S-CSCF"

# ---- resynchronisation: AUTS as a USIM at SQN_MS would send it ----
SQN_MS=000000100000
REF=$(aka --rand "$RAND" --sqn "$SQN_MS" --amf 0000)
AUTS=$(xor_hex "$SQN_MS" "$(get ak_star "$REF")")$(get mac_s "$REF")
cx scscf mar --impi "$SIM" --impu "$SIM_IMPU" --scheme Digest-AKAv1-MD5 --server-name "$SCSCF" \
   --authorization "$RAND$AUTS"
expect_line result_code=2001
AUTHENTICATE=$(field sip_auth_data_item.1.sip_authenticate)
REF=$(aka --rand "${AUTHENTICATE:0:32}" --sqn 000000000000 --amf 8000)
SQN=$(xor_hex "${AUTHENTICATE:32:12}" "$(get ak "$REF")")
[ $((0x$SQN >> 5)) = $(((0x$SQN_MS >> 5) + 1)) ] || fail "after resync the SQN is $SQN, not SEQ_MS + 1"
BAD_AUTS=${AUTS:0:27}$(printf '%x' $(((0x${AUTS:27:1} + 1) % 16)))
cx scscf mar --impi "$SIM" --impu "$SIM_IMPU" --scheme Digest-AKAv1-MD5 --server-name "$SCSCF" \
   --authorization "$RAND$BAD_AUTS"
expect_line result_code=5012
pass "resync from AUTS continues after SQN_MS; a wrong MAC-S is refused"

# ---- a password subscriber: SIP Digest ----
cx scscf mar --impi "alice@$DOMAIN" --impu "sip:alice@$DOMAIN" --scheme "SIP Digest" --auth-items 2 \
   --server-name "$SCSCF"
HA1=$(printf '%s' "alice@$DOMAIN:$DOMAIN:alice-secret" | md5sum | cut -d' ' -f1)
HA1_256=$(printf '%s' "alice@$DOMAIN:$DOMAIN:alice-secret" | sha256sum | cut -d' ' -f1)
expect_line result_code=2001 "sip_auth_data_item.1.digest_realm=$DOMAIN" sip_auth_data_item.1.digest_algorithm=MD5 \
  sip_auth_data_item.1.digest_qop=auth "sip_auth_data_item.1.digest_ha1=$HA1" \
  sip_auth_data_item.2.digest_algorithm=SHA-256 "sip_auth_data_item.2.digest_ha1=$HA1_256"
pass "MAR: SIP Digest HA1 in MD5 and SHA-256"
cx scscf mar --impi "alice@$DOMAIN" --impu "sip:alice@$DOMAIN" --scheme "SIP Digest" --auth-items 4 \
   --server-name "$SCSCF"
HA1_BARE=$(printf '%s' "alice:$DOMAIN:alice-secret" | md5sum | cut -d' ' -f1)
HA1_BARE_256=$(printf '%s' "alice:$DOMAIN:alice-secret" | sha256sum | cut -d' ' -f1)
expect_line result_code=2001 "sip_auth_data_item.1.digest_ha1=$HA1" sip_auth_data_item.3.digest_algorithm=MD5 \
  sip_auth_data_item.3.digest_username=alice "sip_auth_data_item.3.digest_ha1=$HA1_BARE" \
  sip_auth_data_item.4.digest_algorithm=SHA-256 sip_auth_data_item.4.digest_username=alice \
  "sip_auth_data_item.4.digest_ha1=$HA1_BARE_256"
grep -q '^sip_auth_data_item\.[12]\.digest_username=' <<<"$OUT" && fail "a Digest-Username in an IMPI item: $OUT"
pass "MAR: items 3 and 4 carry the HA1 of the bare user name (Digest-Username alice)"

# ---- error answers ----
cx icscf uar --impi "$SIM" --impu "sip:nobody@$DOMAIN" --visited-network "$DOMAIN"
expect_line experimental_result_code=5001
cx icscf uar --impi "bob@$DOMAIN" --impu "$SIM_IMPU" --visited-network "$DOMAIN"
expect_line experimental_result_code=5002
cx icscf uar --impi "bob@$DOMAIN" --impu "sip:bob@$DOMAIN" --visited-network "$DOMAIN" --auth-type 1
expect_line experimental_result_code=5003
# bob, not registered, has the box's mmtel profile, whose iFC covers TERMINATING_UNREGISTERED:
# unregistered services (2003); carol, with no profile, has none (5003)
cx icscf lir --impu "sip:bob@$DOMAIN"
expect_line experimental_result_code=2003
expect_exit 0 "$IMSBOX" subscriber add --data-dir "$DATA_DIR" --impi "carol@$DOMAIN" --impu "sip:carol@$DOMAIN" \
  --password carol-secret --service-profile none
cx icscf lir --impu "sip:carol@$DOMAIN"
expect_line experimental_result_code=5003
cx scscf mar --impi "alice@$DOMAIN" --impu "sip:alice@$DOMAIN" --scheme Digest-AKAv1-MD5 --server-name "$SCSCF"
expect_line experimental_result_code=5006
cx scscf mar --impi "$SIM" --impu "$SIM_IMPU" --scheme Digest-AKAv1-MD5 --server-name "$SCSCF" --authorization 0102
expect_line result_code=5004
cx scscf sar --impi "$SIM" --impu "$SIM_IMPU" --server-name "$SCSCF" --sat 99
expect_line result_code=5004
cx scscf mar --impi "$SIM" --impu "$SIM_IMPU" --scheme Digest-AKAv1-MD5
expect_line result_code=5005
cx icscf --command-code 309 uar --impi "$SIM" --impu "$SIM_IMPU" --visited-network "$DOMAIN"
expect_line result_code=3001
cx icscf --destination-host "hss.$DOMAIN" rtr --impi "$SIM" --impu "$SIM_IMPU" --reason-code 0
expect_line result_code=3001 error_bit=1
pass "5001, 5002, 5003, 2003 (LIR, unregistered services), 5006, 5004, 5005 and 3001 answers"

cx intruder mar --impi "$SIM" --impu "$SIM_IMPU" --scheme Digest-AKAv1-MD5 --server-name "$SCSCF"
[ "$RC" != 0 ] || fail "a peer not on the allow-list got an answer: $OUT"
cx icscf lir --impu "$SIM_IMPU"
expect_line result_code=2001
pass "a peer not on the allow-list is refused, the HSS serves on"

# peers dying mid-request: a client killed right after sending its MARs
for i in 1 2 3; do
  "$BIN/cx-client" --peer "hss.$DOMAIN@127.0.0.1:$HSS_PORT" --identity "scscf.$DOMAIN" --realm "$DOMAIN" \
    --run-dir "$DATA_DIR/run" mar --impi "$SIM" --impu "$SIM_IMPU" --scheme Digest-AKAv1-MD5 --auth-items 5 \
    --server-name "$SCSCF" > /dev/null 2>&1 &
  victim=$!
  sleep 0.$((2 * i))
  kill -9 $victim 2>/dev/null || true
  wait $victim 2>/dev/null || true
done
cx scscf mar --impi "$SIM" --impu "$SIM_IMPU" --scheme Digest-AKAv1-MD5 --server-name "$SCSCF"
expect_line result_code=2001
expect_exit 0 "$IMSBOX" status --data-dir "$DATA_DIR"
pass "peers killed mid-request: the HSS serves on"

# ---- PPR and RTR to an S-CSCF that stays connected ----
# cx-client has left; the S-CSCF identity now belongs to a long-lived peer.
"$BIN/cx-test-server" --identity "scscf.$DOMAIN" --realm "$DOMAIN" --port $((BASE + 16)) \
  --peer "hss.$DOMAIN@127.0.0.1:$HSS_PORT" --run-dir "$DATA_DIR/run" --log-level debug > "$DATA_DIR/scscf.log" 2>&1 &
for _ in $(seq 1 50); do grep -q 'connection with hss' "$DATA_DIR/scscf.log" && break; sleep 0.1; done
grep -q 'connection with hss' "$DATA_DIR/scscf.log" || fail "test S-CSCF did not connect: $(cat "$DATA_DIR/scscf.log")"

curl -fsS -X PUT -H "Authorization: Bearer $API_TOKEN" -H 'Content-Type: application/json' \
  --data '{"display_name": "The SIM"}' "$API/v1/public-identities/sip%3A001010000000001%40$DOMAIN" >/dev/null
for _ in $(seq 1 50); do grep -q "PPR for $SIM" "$DATA_DIR/log/hss.log" && break; sleep 0.1; done
grep -q "PPR for $SIM ($SIM_IMPU) to scscf.$DOMAIN" "$DATA_DIR/log/hss.log" || fail "no PPR sent: $(tail "$DATA_DIR/log/hss.log")"
sleep 0.3
grep -q "PPR for $SIM to scscf.$DOMAIN failed\|PPR for $SIM: " "$DATA_DIR/log/hss.log" && fail "PPR was not answered 2001"
pass "a provisioning change is pushed to the S-CSCF (PPR)"

expect_exit 0 "$IMSBOX" subscriber deregister "$SIM" --reason "lost SIM" --data-dir "$DATA_DIR"
expect_out "RTR answered: result 2001 from scscf.$DOMAIN"
cx icscf lir --impu "$SIM_IMPU"
expect_line experimental_result_code=2003  # not registered; its mmtel profile has unregistered services
expect_exit 0 "$IMSBOX" subscriber deregister "$SIM" --data-dir "$DATA_DIR"
expect_out "not registered"
pass "imsbox subscriber deregister: RTR answered, registration gone"

expect_exit 0 "$IMSBOX" down --data-dir "$DATA_DIR"
expect_exit 1 "$IMSBOX" subscriber deregister "$SIM" --wait-ms 600 --data-dir "$DATA_DIR"
expect_out "is the box up?"
pass "deregister without a running HSS says so"
