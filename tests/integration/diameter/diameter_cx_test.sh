#!/usr/bin/env bash
# Cx over freeDiameter between real processes on loopback: cx-test-server (the
# Diameter layer serving every Cx command) and cx-client (the layer sending
# one request). Covers the six command pairs, the layer's own answers (5005
# and 5004 with Failed-AVP, 3001, 5012), the peer allow-list, client
# timeouts, a server peer going away, a client killed mid-request, SIGTERM.
source "$(dirname "$0")/../lib.sh"

BASE=$(free_port_base)
PORT=$BASE PORT2=$((BASE + 1)) PORT3=$((BASE + 2))
cd "$DATA_DIR"
RUN="$DATA_DIR/run"

# start_server NAME IDENTITY PORT [options] -> PID in ${NAME}_PID, log in NAME.log
start_server() {
  local name=$1 identity=$2 port=$3
  shift 3
  "$BIN/cx-test-server" --identity "$identity" --realm ims.test --port "$port" --run-dir "$RUN" \
    --allow cx-client.ims.test --allow c-silent.ims.test --allow c-killed.ims.test --allow c-after.ims.test \
    "$@" > "$name.log" 2>&1 &
  printf -v "${name}_PID" '%s' $!
  for _ in $(seq 1 50); do grep -q '^ready' "$name.log" && return 0; sleep 0.1; done
  fail "$name did not start: $(cat "$name.log")"
}

start_server server hss.ims.test $PORT --answer-timeout-ms 2000 --allow c-remote.ims.test@192.0.2.99

# cx ARGS...: one request to the server; sets OUT and RC.
cx() {
  set +e
  OUT="$("$BIN/cx-client" --peer "hss.ims.test@127.0.0.1:$PORT" --run-dir "$RUN" "$@" 2>&1)"
  RC=$?
  set -e
}
expect_rc() { [ "$RC" = "$1" ] || fail "cx-client exited $RC, expected $1; output:
$OUT"; }
# expect_line LINE...: each exact line is in the answer.
expect_line() {
  local l
  for l in "$@"; do grep -qxF -- "$l" <<<"$OUT" || fail "expected line '$l' in:
$OUT"; done
}

# ---- the six command pairs round-trip, with values derived from the request ----

cx --supported-features 10415:1:5 uar --impi alice@ims.test --impu sip:alice@ims.test --visited-network ims.test \
   --auth-type 2 --uar-flags 1
expect_rc 0
expect_line command=UAA origin_host=hss.ims.test origin_realm=ims.test experimental_result_code=2001 \
  experimental_result_vendor_id=10415 error_bit=0 server_capabilities.mandatory_capability=2 \
  server_capabilities.optional_capability=2 server_capabilities.server_name=sip:scscf2.ims.test \
  supported_features=10415:1:5
grep -q '^session_id=cx-client.ims.test;' <<<"$OUT" || fail "Session-Id not ours: $OUT"
cx uar --impi alice@ims.test --impu sip:alice@example.net --visited-network ims.test --auth-type 0
expect_rc 0
expect_line experimental_result_code=2002 server_name=sip:scscf.example.net
pass "UAR/UAA"

cx --destination-host hss.ims.test --session-id "cx-client.ims.test;42;sar" sar --impi alice@ims.test \
   --impu sip:alice@ims.test --impu tel:+15551234 --wildcarded-impu 'sip:!.*!@ims.test' \
   --server-name sip:scscf.ims.test:6060 --sat 1 --user-data-available 0 --multiple-registration 1 \
   --session-priority 2 --sar-flags 1
expect_rc 0
expect_line command=SAA "session_id=cx-client.ims.test;42;sar" result_code=2001 user_name=alice@ims.test \
  associated_identity=alice@ims.test server_name=sip:scscf.ims.test:6060 'wildcarded_public_identity=sip:!.*!@ims.test' \
  charging_information.primary_event_charging_function_name=aaa://ecf.ims.test \
  charging_information.primary_charging_collection_function_name=aaa://ccf.ims.test \
  loose_route_indication=0 priviledged_sender_indication=1
grep -qF '<Identity>sip:alice@ims.test</Identity>' <<<"$OUT" || fail "User-Data: $OUT"
pass "SAR/SAA"

cx lir --impu sip:bob@example.net --originating --auth-type 2 --session-priority 3
expect_rc 0
expect_line command=LIA result_code=2001 server_name=sip:orig-scscf.example.net lia_flags=3 \
  server_capabilities.mandatory_capability=1
cx lir --impu sip:unknown@ims.test
expect_rc 0
expect_line experimental_result_code=5001
pass "LIR/LIA (and an Experimental-Result 5001)"

cx mar --impi alice@ims.test --impu sip:alice@ims.test --server-name sip:scscf.ims.test --auth-items 2 \
   --scheme Digest-AKAv1-MD5 --authorization 00112233aabb
expect_rc 0
expect_line command=MAA result_code=2001 user_name=alice@ims.test public_identity=sip:alice@ims.test \
  sip_number_auth_items=2 sip_auth_data_item.1.item_number=1 sip_auth_data_item.2.item_number=2 \
  sip_auth_data_item.1.authentication_scheme=Digest-AKAv1-MD5 \
  sip_auth_data_item.1.authentication_context=00112233aabb
grep -qE '^sip_auth_data_item\.2\.confidentiality_key=[0-9a-f]{32}$' <<<"$OUT" || fail "CK: $OUT"
grep -qE '^sip_auth_data_item\.1\.sip_authenticate=[0-9a-f]{64}$' <<<"$OUT" || fail "RAND||AUTN: $OUT"
cx mar --impi alice@ims.test --impu sip:alice@ims.test --server-name sip:scscf.ims.test --scheme "SIP Digest"
expect_rc 0
expect_line "sip_auth_data_item.1.authentication_scheme=SIP Digest" sip_auth_data_item.1.digest_realm=ims.test \
  sip_auth_data_item.1.digest_algorithm=MD5 sip_auth_data_item.1.digest_qop=auth
pass "MAR/MAA (AKA and SIP Digest)"

cx --destination-host hss.ims.test rtr --impi alice@ims.test --impu sip:alice@ims.test \
   --associated-identity alice2@ims.test --reason-code 2 --reason-info "server change"
expect_rc 0
expect_line command=RTA result_code=2001 associated_identity=alice2@ims.test
pass "RTR/RTA"

cx --destination-host hss.ims.test ppr --impi alice@ims.test --user-data '<IMSSubscription/>' \
   --ecf aaa://ecf.ims.test --ccf aaa://ccf.ims.test --scheme "SIP Digest" --digest-realm ims.test \
   --digest-qop auth --digest-ha1 0123456789abcdef0123456789abcdef --waf waf.ims.test --wwsf wwsf.ims.test
expect_rc 0
expect_line command=PPA result_code=2001
pass "PPR/PPA"

# ---- what the layer answers by itself ----

cx uar --impi alice@ims.test --visited-network ims.test
expect_rc 0
expect_line command=UAA result_code=5005 error_bit=0 failed_avp=601:10415 failed_avp_name=Public-Identity \
  "error_message=missing Public-Identity"
cx rtr --impi alice@ims.test --reason-code 0
expect_rc 0
expect_line result_code=5005 failed_avp_name=Destination-Host
pass "a request missing a mandatory AVP gets 5005 with Failed-AVP"

cx sar --impi alice@ims.test --impu sip:alice@ims.test --server-name sip:scscf.ims.test --sat 42
expect_rc 0
expect_line result_code=5004 failed_avp_name=Server-Assignment-Type
pass "a bad value gets 5004 with Failed-AVP"

cx --command-code 309 uar --impi alice@ims.test --impu sip:alice@ims.test --visited-network ims.test
expect_rc 0
expect_line result_code=3001 error_bit=1
start_server server2 hss2.ims.test $PORT2 --unsupported rtr
set +e
OUT="$("$BIN/cx-client" --peer "hss2.ims.test@127.0.0.1:$PORT2" --run-dir "$RUN" --destination-host hss2.ims.test \
      rtr --impi alice@ims.test --reason-code 0 2>&1)"
RC=$?
set -e
expect_rc 0
expect_line command=RTA result_code=3001 error_bit=1 "error_message=RTR is not served here"
kill -TERM "$server2_PID"; wait "$server2_PID" || true
pass "an unknown command code and an unserved command get 3001"

# ---- who may connect ----

cx --identity intruder.ims.test --connect-timeout-ms 2000 uar --impi a@ims.test --impu sip:a@ims.test \
   --visited-network ims.test
expect_rc 1
expect_line error=unable_to_deliver
for _ in $(seq 1 200); do grep -q 'refused peer intruder.ims.test from 127.0.0.1' server.log && break; sleep 0.1; done
grep -q 'refused peer intruder.ims.test from 127.0.0.1' server.log ||
  fail "no refusal in the server log: $(grep -i -e refused -e intruder server.log | tail -5)"
pass "a peer not on the allow-list is refused"
# (a peer written from RFC 6733 alone, raw_cer_peer.py, which sends a UAR right after the CEA)
RAW="python3 $SOURCE_DIR/tests/integration/diameter/raw_cer_peer.py"
OUT=$($RAW 127.0.0.1 "$PORT" c-remote.ims.test ims.test)
[ "$(head -1 <<<"$OUT")" = "cea result=3010" ] || fail "c-remote was not refused with 3010: $OUT"
grep -q '^answer' <<<"$OUT" && fail "the refused c-remote got an answer: $OUT"
for _ in $(seq 1 50); do grep -q 'refused peer c-remote.ims.test from 127.0.0.1' server.log && break; sleep 0.1; done
grep -q 'refused peer c-remote.ims.test from 127.0.0.1: not an address of that identity' server.log ||
  fail "no refusal of c-remote in the server log: $(grep -i refused server.log | tail -5)"
pass "a peer on the allow-list but from another address than its own is refused"
# A peer the server connects to itself (ConnectPeer; freeDiameter validates
# none of those) is admitted inbound only from the address it is configured
# at: here 127.0.0.2, where nobody listens, while the impostor comes from 127.0.0.1.
start_server server4 hss4.ims.test $((BASE + 3)) --peer "c-peer.ims.test@127.0.0.2:$((BASE + 4))"
OUT=$($RAW 127.0.0.1 $((BASE + 3)) c-peer.ims.test ims.test)
[ "$(head -1 <<<"$OUT")" = "cea result=3010" ] || fail "the c-peer impostor was not refused with 3010: $OUT"
grep -q '^answer' <<<"$OUT" && fail "the refused c-peer impostor got an answer: $OUT"
for _ in $(seq 1 50); do grep -q 'refused peer c-peer.ims.test from 127.0.0.1' server4.log && break; sleep 0.1; done
grep -q 'refused peer c-peer.ims.test from 127.0.0.1: not an address of that identity' server4.log ||
  fail "no refusal of c-peer in the server log: $(grep -i -e refused -e c-peer server4.log | tail -5)"
kill -TERM "$server4_PID"; wait "$server4_PID" || true
pass "a configured peer (ConnectPeer) connecting from another address than its own is refused"

# ---- nothing hangs ----

start=$(date +%s%N)
cx --identity c-silent.ims.test --timeout-ms 1000 uar --impi silent@ims.test --impu sip:silent@ims.test \
   --visited-network ims.test
elapsed_ms=$(( ($(date +%s%N) - start) / 1000000 ))
expect_rc 1
expect_line error=timeout
[ "$elapsed_ms" -lt 3000 ] || fail "the client took ${elapsed_ms} ms for a 1000 ms timeout"
pass "an unanswered request fails the client within its timeout (${elapsed_ms} ms)"

cx --identity c-silent.ims.test --timeout-ms 8000 uar --impi silent@ims.test --impu sip:silent@ims.test \
   --visited-network ims.test
expect_rc 0
expect_line result_code=5012
cx uar --impi drop@ims.test --impu sip:drop@ims.test --visited-network ims.test
expect_rc 0
expect_line result_code=5012
pass "a handler that never answers (or drops its responder) gets 5012 from the layer"

start_server server3 hss3.ims.test $PORT3
set +e
"$BIN/cx-client" --peer "hss3.ims.test@127.0.0.1:$PORT3" --run-dir "$RUN" --timeout-ms 30000 \
  uar --impi silent@ims.test --impu sip:silent@ims.test --visited-network ims.test > gone.out 2>&1 &
client_pid=$!
set -e
# The kill must come while the server holds the request: on a busy machine the client's
# connection (CER/CEA) can take seconds, and a kill before it measures something else.
for _ in $(seq 1 200); do grep -q 'keeping the request' server3.log && break; sleep 0.1; done
grep -q 'keeping the request' server3.log || fail "the request never reached the server: $(tail server3.log)"
start=$(date +%s%N)
kill -KILL "$server3_PID"; wait "$server3_PID" 2>/dev/null || true
set +e; wait "$client_pid"; RC=$?; set -e
elapsed_ms=$(( ($(date +%s%N) - start) / 1000000 ))
OUT=$(cat gone.out)
expect_rc 1
expect_line error=unable_to_deliver
[ "$elapsed_ms" -lt 5000 ] || fail "the client took ${elapsed_ms} ms to notice its peer went away"
pass "a server going away mid-request fails the client at once (${elapsed_ms} ms)"

before=$(grep -c 'keeping the request' server.log || true)
"$BIN/cx-client" --identity c-killed.ims.test --peer "hss.ims.test@127.0.0.1:$PORT" --run-dir "$RUN" \
  --timeout-ms 20000 uar --impi silent@ims.test --impu sip:silent@ims.test --visited-network ims.test \
  > killed.out 2>&1 &
client_pid=$!
for _ in $(seq 1 50); do
  [ "$(grep -c 'keeping the request' server.log || true)" -gt "$before" ] && break
  sleep 0.1
done
kill -KILL "$client_pid"; wait "$client_pid" 2>/dev/null || true
sleep 2.5  # past the server's answer timeout: it answers 5012 towards a peer that is gone
kill -0 "$server_PID" 2>/dev/null || fail "the server died: $(tail -20 server.log)"
cx --identity c-after.ims.test uar --impi alice@ims.test --impu sip:alice@ims.test --visited-network ims.test
expect_rc 0
expect_line command=UAA
pass "the server survives a client killed mid-request"

# ---- SIGTERM ----

start=$(date +%s%N)
kill -TERM "$server_PID"
set +e; wait "$server_PID"; RC=$?; set -e
elapsed_ms=$(( ($(date +%s%N) - start) / 1000000 ))
[ "$RC" = 0 ] || fail "the server exited $RC on SIGTERM: $(tail -20 server.log)"
grep -q 'diameter: stopped' server.log || fail "no clean stop in the log: $(tail server.log)"
pass "SIGTERM stops the server cleanly (${elapsed_ms} ms)"
