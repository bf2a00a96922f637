#!/usr/bin/env bash
# The HSS's HTTP/2 service-based interface (Nhss_ims style, hss/sbi_api.h) on
# a running box, driven with curl over h2c (prior knowledge) as an I-CSCF and
# S-CSCF would: authorize -> SIP auth data (the AKA vector checked against
# `imsbox aka vector`) -> S-CSCF registration -> location (also asked over
# Cx with cx-client: one store behind both) -> de-registration; SIP Digest
# HA1 for a password subscriber; the error answers; no secret in the log;
# then `imsbox down` closes the port.
source "$(dirname "$0")/lib.sh"

curl --version | grep -q HTTP2 || fail "this curl has no HTTP/2 support"

BASE=$(free_port_base)
write_config "$BASE"
disable_nodes icscf scscf
DOMAIN=it.example.org
HSS_PORT=$((BASE + 7))
SBI="http://127.0.0.1:$((BASE + 9))"
SIM=001010000000001@$DOMAIN
SIM_IMPU=sip:001010000000001@$DOMAIN
SIM_IMPU_PATH=sip%3A001010000000001%40$DOMAIN
SIM_TEL=tel:+15550003
K=fec86ba6eb707ed08905757b1bb44b8f   # TS 35.208 set 3, the demo SIM
OP=dbc59adcb6f9a0ef735477b7fadf8374
SCSCF=sip:scscf.$DOMAIN:6060
UEAU=/nhss-ims-ueau/v1
UECM=/nhss-ims-uecm/v1
SDM=/nhss-ims-sdm/v1

# h2 METHOD PATH [JSON]: one request over h2c; sets VERSION, STATUS, CTYPE, BODY.
h2() {
  local method=$1 path=$2 data=${3-} out
  local args=(--http2-prior-knowledge -sS --max-time 10 -X "$method" -o "$DATA_DIR/sbi.body"
              -w '%{http_version} %{http_code} %{content_type}')
  [ -n "$data" ] && args+=(-H 'content-type: application/json' --data-binary "$data")
  rm -f "$DATA_DIR/sbi.body"
  out=$(curl "${args[@]}" "$SBI$path" 2>/dev/null || true)
  read -r VERSION STATUS CTYPE <<<"$out"
  BODY=$(cat "$DATA_DIR/sbi.body" 2>/dev/null || true)
}
expect_status() {
  [ "$STATUS" = "$1" ] || fail "$2: HTTP $STATUS, expected $1: $BODY"
  [ "$VERSION" = 2 ] || fail "$2: HTTP version $VERSION, expected 2"
}
expect_body() { grep -qF -- "$1" <<<"$BODY" || fail "expected '$1' in the body: $BODY"; }
# problem STATUS CAUSE WHAT: a problem+json answer with that status and cause
expect_problem() {
  expect_status "$1" "$3"
  [ "$CTYPE" = application/problem+json ] || fail "$3: content-type '$CTYPE', expected application/problem+json"
  expect_body "\"status\":$1"
  expect_body "\"cause\":\"$2\""
}
# The first string value of a member in BODY (the JSON is compact).
json_field() { grep -o "\"$1\":\"[^\"]*\"" <<<"$BODY" | head -1 | cut -d'"' -f4; }

source "$(dirname "$0")/hss_lib.sh"

expect_exit 0 "$IMSBOX" up --data-dir "$DATA_DIR"
for _ in $(seq 1 50); do
  h2 GET "$UECM/x/nothing-here"
  [ "$STATUS" = 404 ] && break
  sleep 0.1
done
[ "$STATUS" = 404 ] || fail "the HSS does not serve its SBI on hss.sbi_port ($SBI): HTTP '$STATUS'"
expect_problem 404 RESOURCE_URI_STRUCTURE_NOT_FOUND "unknown path"
pass "up: the SBI answers over h2c on hss.sbi_port"

# ---- registration of the SIM subscriber ----
AUTHZ="{\"impi\":\"$SIM\",\"authorizationType\":\"REGISTRATION\",\"visitedNetworkIdentifier\":\"$DOMAIN\"}"
h2 POST "$UECM/$SIM_IMPU_PATH/authorize" "$AUTHZ"
expect_status 200 "authorize"
[ "$CTYPE" = application/json ] || fail "authorize: content-type '$CTYPE'"
expect_body '"authorizationResult":"FIRST_REGISTRATION"'
expect_body '"scscfSelectionAssistanceInfo":'
pass "authorize: first registration"

AKA_REQUEST="{\"cscfServerName\":\"$SCSCF\",\"sipAuthenticationScheme\":\"DIGEST-AKAV1-MD5\","
AKA_REQUEST+="\"sipNumberAuthItems\":2,\"impu\":\"$SIM_IMPU\"}"
h2 POST "$UEAU/$SIM/security-information/generate-sip-auth-data" "$AKA_REQUEST"
expect_status 200 "generate-sip-auth-data"
expect_body "\"impi\":\"$SIM\""
expect_body '"sipAuthenticationScheme":"DIGEST-AKAV1-MD5"'
[ "$(grep -o '"rand":' <<<"$BODY" | wc -l)" = 2 ] || fail "expected 2 vectors: $BODY"
RAND=$(json_field rand)
AUTN=$(json_field autn)
XRES=$(json_field xres)
CK=$(json_field ck)
IK=$(json_field ik)
# SQN = (SQN xor AK) xor AK, with AK from Milenage on the same RAND
REF=$(aka --rand "$RAND" --sqn 000000000000 --amf 8000)
SQN=$(xor_hex "${AUTN:0:12}" "$(get ak "$REF")")
REF=$(aka --rand "$RAND" --sqn "$SQN" --amf 8000)
[ "$(get autn "$REF")" = "$AUTN" ] || fail "AUTN $AUTN is not Milenage's $(get autn "$REF") for SQN $SQN"
[ "$(get res "$REF")" = "$XRES" ] || fail "XRES differs from f2"
[ "$(get ck "$REF")" = "$CK" ] || fail "CK differs from f3"
[ "$(get ik "$REF")" = "$IK" ] || fail "IK differs from f4"
pass "generate-sip-auth-data: 2 AKA vectors, the first checked against imsbox aka vector"

h2 POST "$UECM/$SIM_IMPU_PATH/authorize" "$AUTHZ"
expect_status 200 "authorize after the auth data"
expect_body '"authorizationResult":"SUBSEQUENT_REGISTRATION"'
expect_body "\"cscfServerName\":\"$SCSCF\""
pass "authorize: subsequent registration at the S-CSCF that authenticates"

h2 PUT "$UECM/$SIM_IMPU_PATH/scscf-registration" \
  "{\"impi\":\"$SIM\",\"imsRegistrationType\":\"INITIAL_REGISTRATION\",\"cscfServerName\":\"$SCSCF\"}"
expect_status 200 "S-CSCF registration"
expect_body "\"impi\":\"$SIM\""
expect_body "\"associatedImpis\":[\"$SIM\"]"
expect_body "<Identity>$SIM_IMPU</Identity>"
expect_body "<Identity>$SIM_TEL</Identity>"
pass "S-CSCF registration: the user profile (User-Data XML)"

h2 GET "$SDM/$SIM_IMPU_PATH/ims-data/location-data/server-name"
expect_status 200 "location"
expect_body "\"scscfName\":\"$SCSCF\""
h2 GET "$SDM/$SIM_TEL/ims-data/location-data/server-name"
expect_status 200 "location of the tel URI"
expect_body "\"scscfName\":\"$SCSCF\""
cx icscf lir --impu "$SIM_IMPU"
expect_line result_code=2001 "server_name=$SCSCF"
pass "location: the S-CSCF, over the SBI and over Cx (LIR) alike"

# ---- a password subscriber: SIP Digest ----
h2 POST "$UEAU/alice@$DOMAIN/security-information/generate-sip-auth-data?impu=sip%3Aalice%40$DOMAIN" \
  "{\"cscfServerName\":\"$SCSCF\",\"sipAuthenticationScheme\":\"DIGEST-HTTP\"}"
expect_status 200 "digest auth data"
HA1=$(printf '%s' "alice@$DOMAIN:$DOMAIN:alice-secret" | md5sum | cut -d' ' -f1)
expect_body "\"digestAuth\":{\"digestRealm\":\"$DOMAIN\",\"digestAlgorithm\":\"MD5\",\"digestQop\":\"AUTH\","
expect_body "\"ha1\":\"$HA1\"}"
pass "generate-sip-auth-data: SIP Digest HA1"

# ---- de-registration ----
h2 PUT "$UECM/$SIM_IMPU_PATH/scscf-registration" \
  "{\"impi\":\"$SIM\",\"imsRegistrationType\":\"USER_DEREGISTRATION\",\"cscfServerName\":\"$SCSCF\"}"
expect_status 204 "de-registration"
[ -z "$BODY" ] || fail "de-registration answered a body: $BODY"
# not registered any more; its mmtel profile (the box's) has unregistered services
h2 GET "$SDM/$SIM_IMPU_PATH/ims-data/location-data/server-name"
expect_status 200 "location after de-registration"
expect_body '"unregisteredServices":true'
cx icscf lir --impu "$SIM_IMPU"
expect_line experimental_result_code=2003
# one with no service profile has none
expect_exit 0 "$IMSBOX" subscriber add --data-dir "$DATA_DIR" --impi "carol@$DOMAIN" --impu "sip:carol@$DOMAIN" \
  --password carol-secret --service-profile none
h2 GET "$SDM/sip%3Acarol%40$DOMAIN/ims-data/location-data/server-name"
expect_problem 404 IDENTITY_NOT_REGISTERED "location of an unregistered user without services"
cx icscf lir --impu "sip:carol@$DOMAIN"
expect_line experimental_result_code=5003
pass "de-registration: gone over the SBI and over Cx (unregistered services for an mmtel user, IDENTITY_NOT_REGISTERED without)"

# ---- errors ----
h2 POST "$UEAU/nobody@$DOMAIN/security-information/generate-sip-auth-data" \
  "{\"cscfServerName\":\"$SCSCF\",\"sipAuthenticationScheme\":\"UNKNOWN\",\"impu\":\"sip:nobody@$DOMAIN\"}"
expect_problem 404 USER_NOT_FOUND "unknown user"
h2 POST "$UECM/$SIM_IMPU_PATH/authorize" "{\"impi\":\"bob@$DOMAIN\",\"authorizationType\":\"REGISTRATION\"}"
expect_problem 403 IDENTITIES_DONT_MATCH "identities that do not match"
h2 POST "$UEAU/$SIM/security-information/generate-sip-auth-data" \
  "{\"cscfServerName\":\"$SCSCF\",\"sipAuthenticationScheme\":\"NBA\",\"impu\":\"$SIM_IMPU\"}"
expect_problem 501 AUTHENTICATION_SCHEME_NOT_SUPPORTED "a scheme the HSS does not implement"
h2 POST "$UEAU/$SIM/security-information/generate-sip-auth-data" \
  "{\"cscfServerName\":\"$SCSCF\",\"impu\":\"$SIM_IMPU\"}"
expect_problem 400 MANDATORY_IE_MISSING "no scheme"
expect_body sipAuthenticationScheme
h2 PUT "$UECM/$SIM_IMPU_PATH/scscf-registration" '{"imsRegistrationType": '
expect_problem 400 INVALID_MSG_FORMAT "a body that is not JSON"
h2 DELETE "$UECM/$SIM_IMPU_PATH/scscf-registration"
[ "$STATUS" = 405 ] || fail "DELETE of the registration: HTTP $STATUS, expected 405"
pass "errors: 404, 403, 501, 400 (missing member, bad JSON), 405"

# ---- no secret in the HSS's log ----
for s in "$XRES" "$CK" "$IK" "$HA1" "$K"; do
  grep -qiF -- "$s" "$DATA_DIR/log/hss.log" && fail "a secret in hss.log"
done
grep -qF "SBI generate-sip-auth-data nobody@$DOMAIN: 404 USER_NOT_FOUND" "$DATA_DIR/log/hss.log" ||
  fail "no log line for the refused request: $(tail -n 5 "$DATA_DIR/log/hss.log")"
pass "the log has one line per refused request and no secret"

expect_exit 0 "$IMSBOX" down --data-dir "$DATA_DIR"
h2 GET "$UECM/x/nothing-here"
[ "$STATUS" = 000 ] || fail "the SBI still answers after down: $STATUS"
pass "down closes the SBI"
