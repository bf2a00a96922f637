#!/usr/bin/env bash
# The TAS's XCAP server (Ut, TS 24.623 / RFC 4825) on a running box, driven
# with curl (an independent HTTP digest client): a password subscriber PUTs
# its whole simservs document and GETs it back (same bytes, same ETag), PUTs
# a CFB rule by node selector and GETs it, a stale If-Match gets 412, a wrong
# password 401, a malformed document 409 (and the document stays as it was),
# the rule is DELETEd, and another subscriber's IMPU gets 403.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/tas/tas_lib.sh"  # xcap, DOMAIN, BASE, XCAP

write_config "$BASE"
disable_nodes pcscf icscf scscf agw mrf
ALICE_DOC="$XCAP/simservs.ngn.etsi.org/users/sip:ann@$DOMAIN/simservs.xml"
BOB_DOC="$XCAP/simservs.ngn.etsi.org/users/sip:ben@$DOMAIN/simservs.xml"
RULE="$ALICE_DOC/~~/simservs/communication-diversion/cp:ruleset/cp:rule%5B@id=%22cfb%22%5D?xmlns(cp=urn:ietf:params:xml:ns:common-policy)"

expect_status() { [ "$STATUS" = "$1" ] || fail "$2: HTTP $STATUS, expected $1: $BODY"; }
expect_header() { grep -qiF -- "$1" <<<"$HEADERS" || fail "expected header '$1' in: $HEADERS"; }

cat > "$DATA_DIR/doc.xml" <<XML
<?xml version="1.0" encoding="UTF-8"?>
<simservs xmlns="http://uri.etsi.org/ngn/params/xml/simservs/xcap" xmlns:cp="urn:ietf:params:xml:ns:common-policy">
  <communication-diversion active="true">
    <NoReplyTimer>15</NoReplyTimer>
    <cp:ruleset>
      <cp:rule id="cfu">
        <cp:conditions><rule-deactivated/></cp:conditions>
        <cp:actions><forward-to><target>sip:voicemail@$DOMAIN</target></forward-to></cp:actions>
      </cp:rule>
    </cp:ruleset>
  </communication-diversion>
  <originating-identity-presentation-restriction active="true"/>
</simservs>
XML
cat > "$DATA_DIR/rule.xml" <<XML
<cp:rule xmlns:cp="urn:ietf:params:xml:ns:common-policy" xmlns="http://uri.etsi.org/ngn/params/xml/simservs/xcap" id="cfb"><cp:conditions><busy/></cp:conditions><cp:actions><forward-to><target>sip:carol@$DOMAIN</target></forward-to></cp:actions></cp:rule>
XML

expect_exit 0 "$IMSBOX" up --data-dir "$DATA_DIR"
expect_exit 0 "$IMSBOX" subscriber add --data-dir "$DATA_DIR" --impi "ann@$DOMAIN" --impu "sip:ann@$DOMAIN" \
  --password annpw
expect_exit 0 "$IMSBOX" subscriber add --data-dir "$DATA_DIR" --impi "ben@$DOMAIN" --impu "sip:ben@$DOMAIN" \
  --password benpw
up=""
for _ in $(seq 1 100); do
  [ "$(curl -s -o /dev/null -w '%{http_code}' "$ALICE_DOC" || true)" = 401 ] && { up=1; break; }
  sleep 0.1
done
[ -n "$up" ] || fail "the XCAP server does not answer on $XCAP"
expect_exit 0 "$IMSBOX" logs tas --data-dir "$DATA_DIR"
expect_out "XCAP (Ut, simservs) on http://127.0.0.1:$((BASE + 24))/"
pass "up: the XCAP server challenges"

# a wrong password: 401 with a digest challenge
xcap GET "$ALICE_DOC" "ann@$DOMAIN:wrong"
expect_status 401 "a wrong password"
expect_header 'WWW-Authenticate: Digest realm="it.example.org"'
expect_header 'qop="auth"'
# no document yet
xcap GET "$ALICE_DOC" "ann@$DOMAIN:annpw"
expect_status 404 "GET before any PUT"
pass "401 for a wrong password, 404 before the first PUT"

# the whole document: PUT, then GET gives the same bytes and the same ETag
xcap PUT "$ALICE_DOC" "ann@$DOMAIN:annpw" -H 'Content-Type: application/simservs+xml' \
  --data-binary @"$DATA_DIR/doc.xml"
expect_status 201 "PUT of the document"
PUT_ETAG=$ETAG
[ -n "$PUT_ETAG" ] || fail "no ETag on the 201: $HEADERS"
xcap GET "$ALICE_DOC" "ann@$DOMAIN:annpw"; cp "$DATA_DIR/x.body" "$DATA_DIR/got.xml"
expect_status 200 "GET of the document"
cmp -s "$DATA_DIR/doc.xml" "$DATA_DIR/got.xml" || fail "the document read back differs: $(diff "$DATA_DIR/doc.xml" "$DATA_DIR/got.xml")"
[ "$ETAG" = "$PUT_ETAG" ] || fail "GET's ETag $ETAG is not the PUT's $PUT_ETAG"
expect_header "Content-Type: application/simservs+xml"
# the bare user name works as for SIP digest
xcap GET "$ALICE_DOC" "ann:annpw"
expect_status 200 "GET with the bare user name"
pass "PUT and GET of the whole document (same content, ETag $PUT_ETAG)"

# a rule by node selector
xcap PUT "$RULE" "ann@$DOMAIN:annpw" -H 'Content-Type: application/xcap-el+xml' \
  --data-binary @"$DATA_DIR/rule.xml"
expect_status 201 "PUT of the cfb rule"
RULE_ETAG=$ETAG
[ -n "$RULE_ETAG" ] && [ "$RULE_ETAG" != "$PUT_ETAG" ] || fail "the rule's PUT did not give a new ETag: $HEADERS"
xcap GET "$RULE" "ann@$DOMAIN:annpw"
expect_status 200 "GET of the cfb rule"
expect_header "Content-Type: application/xcap-el+xml"
grep -qF 'id="cfb"' <<<"$BODY" && grep -qF "sip:carol@$DOMAIN" <<<"$BODY" || fail "the rule read back: $BODY"
[ "$ETAG" = "$RULE_ETAG" ] || fail "the rule's GET ETag $ETAG is not $RULE_ETAG"
pass "PUT and GET of a rule by node selector"

# a stale If-Match: 412, nothing changed
xcap DELETE "$RULE" "ann@$DOMAIN:annpw" -H "If-Match: $PUT_ETAG"
expect_status 412 "DELETE with a stale If-Match"
xcap GET "$RULE" "ann@$DOMAIN:annpw"
expect_status 200 "the rule after the refused DELETE"
pass "412 for a stale If-Match"

# a malformed document: 409 with an XCAP error body, the document unchanged
xcap GET "$ALICE_DOC" "ann@$DOMAIN:annpw"; cp "$DATA_DIR/x.body" "$DATA_DIR/before.xml"
BEFORE_ETAG=$ETAG
xcap PUT "$ALICE_DOC" "ann@$DOMAIN:annpw" -H 'Content-Type: application/simservs+xml' \
  --data-binary '<simservs xmlns="http://uri.etsi.org/ngn/params/xml/simservs/xcap"><communication-diversion>'
expect_status 409 "PUT of a malformed document"
expect_header "Content-Type: application/xcap-error+xml"
grep -qF "<not-well-formed" <<<"$BODY" || fail "the 409's body: $BODY"
xcap GET "$ALICE_DOC" "ann@$DOMAIN:annpw"; cp "$DATA_DIR/x.body" "$DATA_DIR/after.xml"
cmp -s "$DATA_DIR/before.xml" "$DATA_DIR/after.xml" && [ "$ETAG" = "$BEFORE_ETAG" ] ||
  fail "the refused PUT changed the document"
# a rule that is not valid there (its id does not match the selector): 409 too
xcap PUT "${RULE/cfb/other}" "ann@$DOMAIN:annpw" -H 'Content-Type: application/xcap-el+xml' \
  --data-binary @"$DATA_DIR/rule.xml"
expect_status 409 "PUT of a rule under another id"
xcap GET "$ALICE_DOC" "ann@$DOMAIN:annpw"; cp "$DATA_DIR/x.body" "$DATA_DIR/after.xml"
[ "$ETAG" = "$BEFORE_ETAG" ] || fail "the refused rule PUT changed the document"
pass "409 for bad input, the document unchanged"

# DELETE of the rule with the current ETag
xcap DELETE "$RULE" "ann@$DOMAIN:annpw" -H "If-Match: $BEFORE_ETAG"
expect_status 200 "DELETE of the rule"
xcap GET "$RULE" "ann@$DOMAIN:annpw"
expect_status 404 "GET of the deleted rule"
xcap GET "$ALICE_DOC" "ann@$DOMAIN:annpw"
grep -qF 'id="cfu"' <<<"$BODY" || fail "the rest of the document went with the rule: $BODY"
pass "DELETE of the rule"

# another subscriber's IMPU: 403, whatever the method
xcap GET "$BOB_DOC" "ann@$DOMAIN:annpw"
expect_status 403 "ann reading ben's document"
xcap PUT "$BOB_DOC" "ann@$DOMAIN:annpw" -H 'Content-Type: application/simservs+xml' \
  --data-binary @"$DATA_DIR/doc.xml"
expect_status 403 "ann writing ben's document"
xcap GET "$BOB_DOC" "ben@$DOMAIN:benpw"
expect_status 404 "ben's own document (none)"
pass "403 for another subscriber's IMPU"

# requests counted by method and status
METRICS=$(curl -sS "http://127.0.0.1:$((BASE + 5))/metrics")
grep -q 'tas_xcap_requests_total{method="PUT",status="201"} 2' <<<"$METRICS" || fail "metrics: $(grep xcap <<<"$METRICS")"
pass "metrics"

expect_exit 0 "$IMSBOX" down --data-dir "$DATA_DIR"
pass "down"
