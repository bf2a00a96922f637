#!/usr/bin/env bash
# `imsbox aka vector` reproduces every output of the six TS 35.207 test sets
# (with --op and with --opc), AUTN included; `imsbox aka resync` recovers
# SQN_MS from real AUTS values and refuses a tampered one; bad usage is
# exit 2 naming the option.
source "$(dirname "$0")/lib.sh"

TESTDATA="$SOURCE_DIR/../shared/testdata"

# Checks that the line "$1=$2" is in $OUT.
expect_field() {
  grep -qxF -- "$1=$2" <<<"$OUT" || fail "expected $1=$2 in the output:
$OUT"
}

# AUTN = (SQN xor AK) || AMF || MAC-A, derived here from the table with bash
# arithmetic (SQN and AK are 48 bits).
autn_of() {
  local sqn=$1 ak=$2 amf=$3 mac_a=$4
  printf '%012x%s%s' $((0x$sqn ^ 0x$ak)) "$amf" "$mac_a"
}

sets=0
while IFS=, read -r set k rand sqn amf op opc f1 f1star res ck ik ak akstar || [ -n "$set" ]; do
  [ "$set" = set ] && continue
  autn=$(autn_of "$sqn" "$ak" "$amf" "$f1")
  [ ${#autn} = 32 ] || fail "set $set: derived AUTN '$autn' is not 16 bytes"
  for variant in "--op $op" "--opc $opc"; do
    # shellcheck disable=SC2086
    expect_exit 0 "$IMSBOX" aka vector --k "$k" $variant --rand "$rand" --sqn "$sqn" --amf "$amf"
    expect_field opc "$opc"
    expect_field mac_a "$f1"
    expect_field mac_s "$f1star"
    expect_field res "$res"
    expect_field ck "$ck"
    expect_field ik "$ik"
    expect_field ak "$ak"
    expect_field ak_star "$akstar"
    expect_field autn "$autn"
    [ "$(cut -d= -f1 <<<"$OUT" | tr '\n' ' ')" = "opc mac_a mac_s res ck ik ak ak_star autn " ] ||
      fail "set $set: fields not exactly opc..autn in order:
$OUT"
  done
  sets=$((sets + 1))
done < "$TESTDATA/milenage_ts35207.csv"
[ "$sets" = 6 ] || fail "read $sets test sets from milenage_ts35207.csv, expected 6"
pass "aka vector reproduces the six TS 35.207 test sets, with --op and with --opc"

# upper-case input is accepted, output is lower-case
expect_exit 0 "$IMSBOX" aka vector --k 465B5CE8B199B49FAA5F0A2EE238A6BC --opc CD63CB71954A9F4E48A5994E37A02BAF \
  --rand 23553CBE9637A89D218AE64DAE47BF35 --sqn FF9BB4D0B607 --amf B9B9
expect_field autn 55f328b43577b9b94a9ffac354dfafb3
pass "hex in either case"

rows=0
# The CSV's notes are quoted and hold commas: sqlite3 (a dependency already)
# reads it properly.
while IFS=$'\t' read -r k opc rand auts sqn_ms valid; do
  [ "$valid" = yes ] || fail "unexpected expected_MAC_S_valid '$valid'"
  expect_exit 0 "$IMSBOX" aka resync --k "$k" --opc "$opc" --rand "$rand" --auts "$auts"
  [ "$OUT" = "sqn_ms=$sqn_ms" ] || fail "resync of $auts printed '$OUT', expected sqn_ms=$sqn_ms"
  rows=$((rows + 1))

  # one flipped bit in MAC-S, or in the concealed SQN_MS, fails with exit 1
  last=$(printf '%02x' $((0x${auts:26:2} ^ 1)))
  expect_exit 1 "$IMSBOX" aka resync --k "$k" --opc "$opc" --rand "$rand" --auts "${auts:0:26}$last"
  expect_out "MAC-S"
  [ "$(wc -l <<<"$OUT")" = 1 ] || fail "expected a one-line reason, got:
$OUT"
  first=$(printf '%02x' $((0x${auts:0:2} ^ 0x80)))
  expect_exit 1 "$IMSBOX" aka resync --k "$k" --opc "$opc" --rand "$rand" --auts "$first${auts:2}"
done < <(sqlite3 -batch -noheader -separator $'\t' :memory: \
  ".import --csv '$TESTDATA/auts_resync_vectors.csv' v" \
  "SELECT K, OPc, RAND, AUTS, expected_SQN_MS, expected_MAC_S_valid FROM v")
[ "$rows" = 3 ] || fail "read $rows rows from auts_resync_vectors.csv, expected 3"
pass "aka resync recovers SQN_MS from every AUTS and refuses tampered ones"

K=465b5ce8b199b49faa5f0a2ee238a6bc
OPC=cd63cb71954a9f4e48a5994e37a02baf
RAND=23553cbe9637a89d218ae64dae47bf35
expect_exit 2 "$IMSBOX" aka vector --k "${K:1}" --opc $OPC --rand $RAND --sqn ff9bb4d0b607 --amf b9b9
expect_out "--k must be 32 hex digits"
expect_exit 2 "$IMSBOX" aka vector --k $K --opc $OPC --rand "${RAND:1}z" --sqn ff9bb4d0b607 --amf b9b9
expect_out "--rand contains 'z'"
expect_exit 2 "$IMSBOX" aka vector --k $K --opc $OPC --rand $RAND --sqn ff9bb4d0b6 --amf b9b9
expect_out "--sqn must be 12 hex digits"
expect_exit 2 "$IMSBOX" aka vector --k $K --opc $OPC --rand $RAND --sqn ff9bb4d0b607 --amf b9b9b9
expect_out "--amf must be 4 hex digits"
expect_exit 2 "$IMSBOX" aka resync --k $K --opc $OPC --rand $RAND --auts 4f2039392ddd4bb4316ed4a146
expect_out "--auts must be 28 hex digits"
expect_exit 2 "$IMSBOX" aka vector --k $K --op $OPC --opc $OPC --rand $RAND --sqn ff9bb4d0b607 --amf b9b9
expect_out "--op or --opc, not both"
expect_exit 2 "$IMSBOX" aka vector --k $K --rand $RAND --sqn ff9bb4d0b607 --amf b9b9
expect_out "--op or --opc"
expect_exit 2 "$IMSBOX" aka vector --k $K --opc $OPC --rand $RAND --amf b9b9
expect_out "'--sqn' is required"
expect_exit 2 "$IMSBOX" aka resync --k $K --opc $OPC --rand $RAND
expect_out "'--auts' is required"
expect_exit 2 "$IMSBOX" aka vector --k $K --opc $OPC --rand $RAND --sqn ff9bb4d0b607 --amf b9b9 --colour red
expect_out "'--colour'"
expect_exit 2 "$IMSBOX" aka sign --k $K
expect_out "unknown aka command 'sign'"
expect_exit 2 "$IMSBOX" aka
pass "bad usage is exit 2 naming the option"
