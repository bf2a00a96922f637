#!/usr/bin/env bash
# `imsbox subscriber ...` against a store in a temporary data dir: valid
# subscribers are stored, bad input gets a clear error and a non-zero exit and
# leaves the store as it was.
source "$(dirname "$0")/lib.sh"

sub() { "$IMSBOX" subscriber "$@" --data-dir "$DATA_DIR"; }
K=fec86ba6eb707ed08905757b1bb44b8f
OP=dbc59adcb6f9a0ef735477b7fadf8374
OPC=1006020f0a478bf6b699f15c062e42b3   # TS 35.207 set 3

# nothing provisioned yet: list has no store to read
expect_exit 1 sub list
expect_out "no store"

expect_exit 0 sub add --impi alice@ims.example.org --impu sip:alice@ims.example.org --impu tel:+15550001 \
  --k $K --op $OP
expect_exit 0 sub show alice@ims.example.org
expect_out "impu: sip:alice@ims.example.org"
expect_out "impu: tel:+15550001"
expect_out "k: (hidden"
expect_out "amf: 8000"
expect_out "sqn: 000000000000"
grep -q "$K" <<<"$OUT" && fail "show printed K without --show-secrets"
expect_exit 0 sub show alice@ims.example.org --show-secrets
expect_out "opc: $OPC"
pass "SIM subscriber with OP: OPc derived and stored"

expect_exit 0 sub add --impi bob@ims.example.org --impu sip:bob@ims.example.org --password "bob pw"
expect_exit 0 sub show bob@ims.example.org
expect_out "password: yes (digest realm ims.mnc001.mcc001.3gppnetwork.org)"
expect_out "sim: no"
grep -q "bob pw" "$DATA_DIR/imsbox.db" && fail "the password is stored in clear"
pass "password subscriber"

expect_exit 0 sub list
[ "$(wc -l <<<"$OUT")" = 2 ] || fail "list: $OUT"
expect_out "alice@ims.example.org  sim  sip:alice@ims.example.org, tel:+15550001"
expect_out "bob@ims.example.org  password  sip:bob@ims.example.org"

before="$(sub list)"
bad() {  # expected fragment, then the arguments
  local fragment=$1; shift
  expect_exit 1 sub "$@"
  expect_out "$fragment"
  [ "$(sub list)" = "$before" ] || fail "the store changed after: $*"
}
bad "--k must be 32 hex digits" add --impi c@x.org --impu sip:c@x.org --k 1234 --op $OP
bad "not a hex digit" add --impi c@x.org --impu sip:c@x.org --k ${K:0:31}x --op $OP
bad "give --op or --opc, not both" add --impi c@x.org --impu sip:c@x.org --k $K --op $OP --opc $OPC
bad "--k needs --op or --opc" add --impi c@x.org --impu sip:c@x.org --k $K
bad "--amf must be 4 hex digits" add --impi c@x.org --impu sip:c@x.org --k $K --op $OP --amf 800
bad "--sqn must be 12 hex digits" add --impi c@x.org --impu sip:c@x.org --k $K --op $OP --sqn 1
bad "invalid --impi" add --impi nodomain --impu sip:c@x.org --password p
bad "invalid --impu 'sip:c@'" add --impi c@x.org --impu sip:c@ --password p
bad "invalid --impu 'mailto:c@x.org'" add --impi c@x.org --impu mailto:c@x.org --password p
bad "phone-context" add --impi c@x.org --impu tel:5550001 --password p
bad "a SIM (--k with --op or --opc), a --password, or both" add --impi c@x.org --impu sip:c@x.org
bad "subscriber alice@ims.example.org already exists" add --impi alice@ims.example.org --impu sip:new@x.org --password p
bad "already belongs to alice@ims.example.org" add --impi c@x.org --impu sip:c@x.org --impu tel:+15550001 --password p
bad "no subscriber nobody@x.org" del nobody@x.org
bad "no subscriber nobody@x.org" show nobody@x.org
bad "no subscriber nobody@x.org" set nobody@x.org --password p
bad "neither" set bob@ims.example.org --no-password
bad "already belongs to alice@ims.example.org" set bob@ims.example.org --add-impu tel:+15550001
pass "bad input refused with reasons, store unchanged"

expect_exit 2 sub add --impi c@x.org --bogus
expect_out "usage:"
expect_exit 2 sub frobnicate
expect_exit 2 sub add --impu sip:c@x.org --password p
expect_out "impi"
pass "usage errors exit 2"

expect_exit 0 sub set bob@ims.example.org --k $K --opc $OPC --add-impu tel:+15550002 --del-impu sip:bob@ims.example.org
expect_exit 0 sub show bob@ims.example.org
expect_out "sim: yes"
expect_out "impu: tel:+15550002"
grep -q "impu: sip:bob@ims.example.org" <<<"$OUT" && fail "IMPU not removed"
expect_exit 0 sub del alice@ims.example.org
expect_exit 0 sub list
[ "$(wc -l <<<"$OUT")" = 1 ] || fail "after del: $OUT"
# the deleted subscriber's identities are free again
expect_exit 0 sub add --impi carol@ims.example.org --impu tel:+15550001 --password p
pass "set and del"
