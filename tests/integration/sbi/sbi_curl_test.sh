#!/usr/bin/env bash
# HTTP/2 interop: curl (libcurl + nghttp2, a client we did not write) talks
# h2c with prior knowledge to sbi-test-server (Http2Server): a GET with a
# JSON answer, a PUT and a POST with JSON bodies, a 404 problem+json, a 405
# with Allow, a 400 for a bad body, asynchronous answers to concurrent
# requests, and a client that speaks HTTP/1.1 instead.
source "$(dirname "$0")/../lib.sh"

curl --version | grep -q HTTP2 || fail "this curl has no HTTP/2 support"
cd "$DATA_DIR"

"$BIN/sbi-test-server" --listen 127.0.0.1:0 > server.log 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 50); do grep -q '^ready' server.log && break; sleep 0.1; done
grep -q '^ready' server.log || fail "the server did not start: $(cat server.log)"
PORT=$(awk '/^ready/ {print $2}' server.log)
URL="http://127.0.0.1:$PORT"
API="$URL/nhss-ims-uecm/v1"

# h2 CODE TYPE: the status line fields curl saw, the body in body.out
h2() {
  curl --http2-prior-knowledge -sS --max-time 10 -o body.out -D headers.out \
       -w '%{http_version} %{http_code} %{content_type}' "$@"
}
expect_body() { grep -qF -- "$1" body.out || fail "expected '$1' in the body: $(cat body.out)"; }
expect() {
  local got=$1 want=$2 what=$3
  [ "$got" = "$want" ] || fail "$what: got '$got', expected '$want'; body: $(cat body.out 2>/dev/null)"
}

OUT=$(h2 "$API/sip%3Aalice%40it.example.org/registrations?supported-features=3f")
expect "$OUT" "2 200 application/json" "GET registrations"
expect_body '"imsUeId":"sip:alice@it.example.org"'
expect_body '"supported-features":"3f"'
expect_body '"scscfName":"sip:scscf.ims.mnc001.mcc001.3gppnetwork.org"'
grep -qi '^content-length: ' headers.out || fail "no content-length: $(cat headers.out)"
pass "GET with a JSON answer over h2c"

REG='{"scscfName":"sip:scscf.it.example.org","imsRegistrationType":"INITIAL_REGISTRATION"}'
OUT=$(h2 -X PUT -H 'content-type: application/json' --data "$REG" "$API/bob/registrations")
expect "$OUT" "2 201 application/json" "PUT registrations"
expect_body '"imsRegistrationType":"INITIAL_REGISTRATION"'
expect_body '"imsUeId":"bob"'
pass "PUT with a JSON body"

OUT=$(h2 -X POST -H 'content-type: application/json' --data '{"servingNetworkName":"ims"}' "$API/bob/authenticate")
expect "$OUT" "2 201 application/json" "POST authenticate"
expect_body '"servingNetworkName":"ims"'
pass "POST with a JSON body"

OUT=$(h2 -X POST -H 'content-type: application/json' --data 'not json' "$API/bob/authenticate")
expect "$OUT" "2 400 application/problem+json" "POST with a bad body"
expect_body '"cause":"INVALID_MSG_FORMAT"'
pass "400 problem+json for a body that is not JSON"

head -c 70000 /dev/zero | tr '\0' 'a' > big.json
OUT=$(h2 -X PUT -H 'content-type: application/json' --data-binary @big.json "$API/bob/registrations")
expect "$OUT" "2 413 application/problem+json" "a body over the 64 KiB cap"
expect_body '"status":413'
pass "413 problem+json for a body over the cap"

OUT=$(h2 "$API/bob/nothing-here")
expect "$OUT" "2 404 application/problem+json" "unknown path"
expect_body '"status":404'
expect_body '"title":"Not Found"'
expect_body '"cause":"RESOURCE_URI_STRUCTURE_NOT_FOUND"'
pass "404 problem+json for an unknown path"

OUT=$(h2 -X DELETE "$API/bob/registrations")
expect "$OUT" "2 405 application/problem+json" "wrong method"
grep -qi '^allow: GET, PUT' headers.out || fail "no 'allow: GET, PUT' in: $(cat headers.out)"
expect_body '"status":405'
pass "405 with Allow for a known path and a wrong method"

# Three asynchronous answers at once. Each on its own connection: curl
# 7.88 (Debian 12) cannot reuse a prior-knowledge connection ("Error in the
# HTTP2 framing layer", curl issue #10634, fixed in 8.0), so multiplexing on
# one connection is covered by the unit tests with our own client.
start=$(date +%s%N)
curl --http2-prior-knowledge -sS --no-progress-meter --max-time 10 --parallel --parallel-immediate \
     -o s1.out -o s2.out -o s3.out "$URL/slow?ms=1000" "$URL/slow?ms=1000" "$URL/slow?ms=1000" \
     -w '%{http_version} %{http_code}\n' > par.out || fail "parallel requests failed: $(cat par.out)"
elapsed_ms=$(( ($(date +%s%N) - start) / 1000000 ))
[ "$(grep -c '^2 200' par.out)" = 3 ] || fail "parallel answers: $(cat par.out)"
[ "$elapsed_ms" -lt 2900 ] || fail "three 1 s answers took ${elapsed_ms} ms: not concurrent"
pass "three asynchronous answers at once (${elapsed_ms} ms)"

# HTTP/1.1 is not spoken here: the connection closes, the server carries on
set +e
curl --http1.1 -sS --max-time 5 -o /dev/null "$API/bob/registrations" 2> h1.err
h1_rc=$?
set -e
[ "$h1_rc" != 0 ] || fail "an HTTP/1.1 request got an answer"
OUT=$(h2 "$API/carol/registrations")
expect "$OUT" "2 200 application/json" "GET after an HTTP/1.1 client"
grep -q 'not an HTTP/2 connection preface' server.log || fail "no log line for the HTTP/1.1 client: $(cat server.log)"
pass "an HTTP/1.1 client is closed on and the server keeps serving (curl: $(head -c 120 h1.err))"

kill -TERM $SERVER_PID
wait $SERVER_PID || fail "the server exited $?"
pass "clean stop"
