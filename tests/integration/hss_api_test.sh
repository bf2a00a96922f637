#!/usr/bin/env bash
# The HSS's provisioning REST API on a running box, driven with curl: a SIM
# subscriber created and read back, an application server and a service
# profile with an iFC attached to one of its IMPUs, the error cases, 401
# without the token; then `imsbox down` closes the port.
source "$(dirname "$0")/lib.sh"

BASE=$(free_port_base)
write_config "$BASE"
disable_nodes icscf scscf
API="http://127.0.0.1:$((BASE + 8))"
AUTH="Authorization: Bearer $API_TOKEN"
K=fec86ba6eb707ed08905757b1bb44b8f
OP=dbc59adcb6f9a0ef735477b7fadf8374
OPC=1006020f0a478bf6b699f15c062e42b3   # TS 35.207 set 3
IMPI=001010000000077@it.example.org
IMPU=sip:001010000000077@it.example.org
IMPU_PATH=sip%3A001010000000077%40it.example.org

# api METHOD PATH [JSON] [curl options...]: sets STATUS, BODY and HEADERS.
api() {
  local method=$1 path=$2 data=${3-}
  shift $(( $# < 3 ? $# : 3 ))
  local args=(-sS -X "$method" -o "$DATA_DIR/api.body" -D "$DATA_DIR/api.headers" -w '%{http_code}')
  [ -n "$data" ] && args+=(-H 'Content-Type: application/json' --data-binary "$data")
  STATUS=$(curl "${args[@]}" "$@" "$API$path" || true)
  BODY=$(cat "$DATA_DIR/api.body" 2>/dev/null || true)
  HEADERS=$(cat "$DATA_DIR/api.headers" 2>/dev/null || true)
}
authed() { api "$1" "$2" "${3-}" -H "$AUTH" "${@:4}"; }
expect_status() {
  [ "$STATUS" = "$1" ] || fail "$2: HTTP $STATUS, expected $1: $BODY"
}
expect_body() { grep -qF -- "$1" <<<"$BODY" || fail "expected '$1' in the body: $BODY"; }
expect_header() { grep -qiF -- "$1" <<<"$HEADERS" || fail "expected header '$1' in: $HEADERS"; }
no_secrets() {
  for s in $K $OP $OPC; do grep -qiF "$s" <<<"$BODY" && fail "a secret in the response: $BODY"; done
  return 0
}

expect_exit 0 "$IMSBOX" up --data-dir "$DATA_DIR"
expect_exit 0 "$IMSBOX" logs hss --data-dir "$DATA_DIR"
expect_out "provisioning API on http://127.0.0.1:$((BASE + 8))/v1/"
# the token is the one of the configuration, which `imsbox config show` prints
expect_exit 0 "$IMSBOX" config show --data-dir "$DATA_DIR"
expect_out "$API_TOKEN"
pass "up: the API listens"

# no token, a wrong one: 401 with a Bearer challenge
api GET /v1/subscribers
expect_status 401 "no token"
expect_header "WWW-Authenticate: Bearer"
expect_body '"error":'
api GET /v1/subscribers "" -H "Authorization: Bearer not-the-token"
expect_status 401 "wrong token"
expect_header "WWW-Authenticate: Bearer"
pass "401 without the token"

authed GET /v1/subscribers
expect_status 200 "list"
expect_body '"impi":"alice@it.example.org"'
expect_body '"impi":"001010000000001@it.example.org"'
pass "the demo subscribers are listed"

# a SIM subscriber, created and read back
authed POST /v1/subscribers "{\"impi\": \"$IMPI\", \"impus\": [\"$IMPU\", \"tel:+15550077\"], \"k\": \"$K\", \"op\": \"$OP\"}"
expect_status 201 "create"
expect_header "Location: /v1/subscribers/$IMPI"
expect_body '"sim":true,"amf":"8000","sqn":"000000000000","password":false'
no_secrets
authed GET "/v1/subscribers/$IMPI"
expect_status 200 "read back"
expect_body "\"impu\":\"$IMPU\""
expect_body '"impu":"tel:+15550077"'
expect_body '"registration_state":"NOT_REGISTERED"'
no_secrets
# the command line sees the same store, with the OPc derived from OP
expect_exit 0 "$IMSBOX" subscriber show "$IMPI" --show-secrets --data-dir "$DATA_DIR"
expect_out "opc: $OPC"
pass "SIM subscriber created and read back"

# an application server, a service profile with an iFC, attached to the IMPU (not
# the box's own tas and mmtel, which `imsbox up` made)
authed PUT /v1/application-servers/vm '{"server_name": "sip:vm.it.example.org:5070", "default_handling": "SESSION_CONTINUED"}'
expect_status 201 "application server"
authed PUT /v1/service-profiles/voicemail '{"ifcs": [{"priority": 1, "application_server": "vm",
  "trigger_point": {"cnf": true, "spt": [{"group": 0, "method": "INVITE"}, {"group": 1, "session_case": 0}]},
  "profile_part_indicator": "REGISTERED"}]}'
expect_status 201 "service profile"
authed GET /v1/service-profiles/voicemail
expect_status 200 "service profile read back"
expect_body '"application_server":"vm"'
expect_body '"method":"INVITE"'
authed PUT "/v1/public-identities/$IMPU_PATH" '{"service_profile": "voicemail", "display_name": "Seventy Seven"}'
expect_status 200 "attach the profile"
expect_body '"service_profile":"voicemail"'
authed GET "/v1/subscribers/$IMPI"
expect_status 200 "subscriber with its profile"
expect_body "\"impu\":\"$IMPU\",\"impi\":\"$IMPI\",\"barred\":false,\"implicit_set\":1,\"service_profile\":\"voicemail\",\"display_name\":\"Seventy Seven\""
pass "application server, service profile and iFC attached to the IMPU"

# the error cases
authed POST /v1/subscribers "{\"impi\": \"$IMPI\", \"impus\": [\"sip:other@it.example.org\"], \"password\": \"pw\"}"
expect_status 409 "duplicate IMPI"
expect_body "already exists"
authed POST /v1/subscribers "{\"impi\": \"x@it.example.org\", \"impus\": [\"$IMPU\"], \"password\": \"pw\"}"
expect_status 409 "duplicate IMPU"
authed POST /v1/subscribers '{"impi": "x@it.example.org", "impus": ["sip:x@it.example.org"], "k": "1234", "op": "00"}'
expect_status 400 "short K"
expect_body "k must be 32 hex digits"
authed POST /v1/subscribers '{"impi": "x@it.example.org", '
expect_status 400 "bad JSON"
expect_body "the body is not valid JSON"
authed PUT /v1/service-profiles/broken '{"ifcs": [{"priority": 1, "application_server": "vm", "trigger_point": {"spt": []}}]}'
expect_status 400 "invalid trigger point"
expect_body "ifcs[0].trigger_point"
authed PUT "/v1/public-identities/$IMPU_PATH" '{"service_profile": "nope"}'
expect_status 400 "unknown profile"
authed DELETE /v1/application-servers/vm
expect_status 409 "AS in use"
expect_body "used by the iFCs of service profile voicemail"
authed GET /v1/subscribers/nobody@it.example.org
expect_status 404 "unknown subscriber"
authed GET /v1/nothing
expect_status 404 "unknown resource"
authed PATCH /v1/subscribers '{}'
expect_status 405 "wrong method"
expect_header "Allow: GET, POST"
head -c 1100000 /dev/zero | tr '\0' ' ' > "$DATA_DIR/big.json"
authed POST /v1/subscribers "" --data-binary "@$DATA_DIR/big.json"
expect_status 413 "body over 1 MiB"
pass "errors: 400, 404, 405, 409, 413"

# keep-alive: two requests, one connection
conns=$(curl -sS -o /dev/null -o /dev/null -H "$AUTH" -w '%{num_connects} ' "$API/v1/subscribers" "$API/v1/application-servers")
[ "$conns" = "1 0 " ] || fail "the second request did not reuse the connection: $conns"
pass "keep-alive"

# a change, then delete: gone
authed PATCH "/v1/subscribers/$IMPI" '{"password": "seventy-seven", "remove_impus": ["tel:+15550077"]}'
expect_status 200 "patch"
expect_body '"password":true'
grep -qF "tel:+15550077" <<<"$BODY" && fail "the IMPU was not removed: $BODY"
authed DELETE "/v1/subscribers/$IMPI"
expect_status 204 "delete"
authed GET "/v1/subscribers/$IMPI"
expect_status 404 "deleted subscriber"
pass "patch and delete"

expect_exit 0 "$IMSBOX" down --data-dir "$DATA_DIR"
api GET /v1/subscribers "" -H "$AUTH" --max-time 2
[ "$STATUS" = 000 ] || fail "the API still answers after down: $STATUS"
pass "down closes the API"
