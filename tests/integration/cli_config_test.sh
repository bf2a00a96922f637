#!/usr/bin/env bash
# Configuration errors stop `imsbox config check`, `imsbox up` and every node
# at start with a message naming the option; a store with a newer schema is
# refused by the nodes.
source "$(dirname "$0")/lib.sh"

expect_exit 0 "$IMSBOX" config check --data-dir "$DATA_DIR"
expect_out "built-in defaults"
expect_exit 0 "$IMSBOX" config show --data-dir "$DATA_DIR"
expect_out "domain = ims.mnc001.mcc001.3gppnetwork.org"
expect_out "data_dir = $DATA_DIR"
expect_out "health_port = 9061"
pass "defaults"

BASE=$(free_port_base)
write_config "$BASE"
expect_exit 0 "$IMSBOX" config show --data-dir "$DATA_DIR"
expect_out "domain = it.example.org"
expect_out "health_port = $BASE"
pass "the data dir's imsbox.conf is read"

printf '[pcscf]\nhealth_prot = 5\n' > "$DATA_DIR/typo.conf"
expect_exit 1 "$IMSBOX" config check --config "$DATA_DIR/typo.conf"
expect_out "unknown option 'pcscf.health_prot'"
printf '[global]\nlog_level = chatty\n' > "$DATA_DIR/bad.conf"
expect_exit 1 "$IMSBOX" config check --config "$DATA_DIR/bad.conf"
expect_out "option 'global.log_level': 'chatty' is not a log level"
pass "config check names the bad option"

# a node refuses to start on a bad config, naming the option (exit 2)
expect_exit 2 "$BIN/ims-hss" --config "$DATA_DIR/bad.conf" --data-dir "$DATA_DIR" --log-file -
expect_out "global.log_level"
pass "a node stops at start on a bad option"

# up refuses too, and starts nothing
expect_exit 1 "$IMSBOX" up --data-dir "$DATA_DIR" --config "$DATA_DIR/typo.conf"
expect_out "pcscf.health_prot"
[ -z "$(pgrep -f -- "--data-dir $DATA_DIR" || true)" ] || fail "something started despite the bad config"
pass "up stops on a bad config"

# a store written by a newer imsbox is refused, not touched
expect_exit 0 "$IMSBOX" subscriber add --data-dir "$DATA_DIR" --impi a@x.org --impu sip:a@x.org --password p
sqlite3 "$DATA_DIR/imsbox.db" "PRAGMA user_version = 99"
expect_exit 1 "$BIN/ims-hss" --data-dir "$DATA_DIR" --log-file -
expect_out "schema version 99 is newer than this imsbox knows"
expect_exit 1 "$IMSBOX" subscriber list --data-dir "$DATA_DIR"
expect_out "newer than this imsbox knows"
[ "$(sqlite3 "$DATA_DIR/imsbox.db" "PRAGMA user_version")" = 99 ] || fail "the newer store was changed"
pass "newer schema refused"

# a node whose health port is taken fails at start, and says which port
rm "$DATA_DIR/imsbox.db"*
expect_exit 0 "$IMSBOX" up --data-dir "$DATA_DIR"
expect_exit 1 "$BIN/ims-mrf" --data-dir "$DATA_DIR" --log-file -
expect_out "cannot listen on 127.0.0.1:$((BASE + 6))"
pass "port in use is a clear error"
