#!/usr/bin/env bash
# `imsbox build` recovers from a configure that failed: CMake leaves
# CMakeCache.txt behind but no build.ninja, and a build that only ran
# `cmake --build` would fail for ever ("ninja: error: loading 'build.ninja'").
# The failure is made by hiding every pkg-config module (as on a machine
# where the -dev packages are not installed yet); one small target is built.
source "$(dirname "$0")/lib.sh"

BUILD="$DATA_DIR/build"
TARGET=imsbox_aka

set +e
OUT="$(env PKG_CONFIG_LIBDIR=/nonexistent IMSBOX_BUILD_DIR="$BUILD" "$IMSBOX" build "$TARGET" 2>&1)"
rc=$?
set -e
[ $rc -ne 0 ] || fail "the configure without pkg-config modules succeeded: $OUT"
[ -f "$BUILD/CMakeCache.txt" ] || fail "the failed configure left no CMakeCache.txt (the case this test is about)"
[ ! -f "$BUILD/build.ninja" ] || fail "the failed configure left a build.ninja"
pass "a configure without the packages fails and leaves CMakeCache.txt without build.ninja"

expect_exit 0 env IMSBOX_BUILD_DIR="$BUILD" "$IMSBOX" build "$TARGET"
expect_out "configuring again"
[ -f "$BUILD/build.ninja" ] || fail "no build.ninja after the second build"
[ -f "$BUILD/shared/lib$TARGET.a" ] || fail "$TARGET was not built: $OUT"
pass "the next build configures again and builds"

expect_exit 0 env IMSBOX_BUILD_DIR="$BUILD" "$IMSBOX" build "$TARGET"
grep -q "configuring again" <<<"$OUT" && fail "a configured build dir was configured again"
pass "a configured build dir is only built"
