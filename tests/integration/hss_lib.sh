# Helpers for the tests that drive a running HSS (sourced after lib.sh, with
# DOMAIN, HSS_PORT, K and OP set): a Cx client and Milenage by hand.

# cx AS COMMAND ARGS...: one request from AS (icscf or scscf); sets OUT and RC.
cx() {
  local as=$1
  shift
  set +e
  OUT="$("$BIN/cx-client" --peer "hss.$DOMAIN@127.0.0.1:$HSS_PORT" --identity "$as.$DOMAIN" --realm "$DOMAIN" \
    --run-dir "$DATA_DIR/run" --timeout-ms 5000 "$@" 2>&1)"
  RC=$?
  set -e
}
expect_line() {
  [ "$RC" = 0 ] || fail "cx-client exited $RC: $OUT"
  local l
  for l in "$@"; do grep -qxF -- "$l" <<<"$OUT" || fail "expected '$l' in:
$OUT"; done
}
field() { sed -n "s/^$1=//p" <<<"$OUT" | head -1; }
aka() { "$IMSBOX" aka vector --k "$K" --op "$OP" "$@"; }
get() { sed -n "s/^$1=//p" <<<"$2"; }
xor_hex() { printf '%012x' $((0x$1 ^ 0x$2)); }
