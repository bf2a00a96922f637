#!/usr/bin/env bash
# `imsbox sip-lint` on every RFC 4475 torture message agrees with the
# manifest (../shared/testdata/rfc4475/MANIFEST.csv): "valid ..." messages
# exit 0, "invalid ...", "framing error" and "valid syntax / <bad semantics>"
# exit 1 with a reason; the same bytes through stdin give the same verdict;
# no argument or an unreadable file is exit 2.
source "$(dirname "$0")/lib.sh"

TORTURE="$SOURCE_DIR/../shared/testdata/rfc4475"
[ -f "$TORTURE/MANIFEST.csv" ] || fail "no RFC 4475 manifest at $TORTURE"

checked=0 accepted=0
while IFS=, read -r file section _title syntax _rest; do
  [ "$file" = file ] && continue
  want=1
  [[ "$syntax" == valid* && "$syntax" != "valid syntax /"* ]] && want=0
  expect_exit "$want" "$IMSBOX" sip-lint "$TORTURE/$file"
  if [ "$want" = 1 ]; then
    [ -n "$OUT" ] || fail "$file ($section): rejected without a reason"
  fi
  set +e
  "$IMSBOX" sip-lint - < "$TORTURE/$file" >/dev/null 2>&1
  got=$?
  set -e
  [ "$got" = "$want" ] || fail "$file ($section) through stdin: exit $got, expected $want"
  checked=$((checked + 1))
  [ "$want" = 0 ] && accepted=$((accepted + 1))
done < "$TORTURE/MANIFEST.csv"
[ "$checked" -ge 49 ] || fail "only $checked messages in the manifest"
pass "sip-lint agrees with the RFC 4475 manifest on all $checked messages ($accepted well formed)"

expect_exit 2 "$IMSBOX" sip-lint
expect_exit 2 "$IMSBOX" sip-lint /nonexistent/message.txt
expect_out "cannot read"
pass "usage errors"
