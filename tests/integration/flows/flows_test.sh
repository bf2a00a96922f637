#!/usr/bin/env bash
# A UE whose connection drops keeps working (issue 15, point 7): `imsbox up`;
# anna registers over UDP; two phones over TCP (sipp -t t1, IMS-AKA) register,
# go away (sipp exits: the connection closes), then register again from a new
# sipp process, i.e. over a new TCP connection, and take a call from anna:
#   * bert with the same contact (the same local port): the P-CSCF moves his
#     binding to the new connection;
#   * carl from a new port (a new contact URI) with the same +sip.instance and
#     reg-id (RFC 5626): the P-CSCF replaces his binding (so does the S-CSCF),
#     none stays on the old connection.
# Last, the P-CSCF alone gets SIGTERM: it ends its reg-event subscriptions at
# the S-CSCF (SUBSCRIBE Expires: 0) before it exits.
source "$(dirname "$0")/../lib.sh"

HERE="$SOURCE_DIR/tests/integration/flows"
REGISTER="$SOURCE_DIR/tests/integration/registration/register_aka.xml"
UAC="$SOURCE_DIR/tests/integration/calls/uac.xml"
DOMAIN=it.example.org
BASE=$(free_port_base)
PCSCF_PORT=$((BASE + 10))
ANNA_PORT=$((BASE + 16))
BERT_PORT=$((BASE + 17))
CARL_PORT_1=$((BASE + 18))
CARL_PORT_2=$((BASE + 19))
source "$SOURCE_DIR/tests/integration/sipp_lib.sh"
INSTANCE='urn:uuid:3e4e1b5a-6c0f-4d2b-9a57-2f0c5d1e7a11'
FLOW=";+sip.instance=\"<$INSTANCE>\";reg-id=1"

# sipp_over NAME PORT TRANSPORT SCENARIO ARGS...: sipp_run over TRANSPORT (u1, t1), 50 s for the scenario.
sipp_over() {
  local name=$1 port=$2 transport=$3
  shift 3
  SIPP_TRANSPORT=$transport SIPP_TIMEOUT=50 sipp_run "$name" "$port" "$@"
}
what_happened() {
  sipp_story "$@"
  grep -E 'flow|REGISTER|INVITE|403' "$DATA_DIR/log/pcscf.log" | tail -n 20
}
metric() { curl -s "http://127.0.0.1:$BASE/metrics" | sed -n "s/^$1 \([0-9.]*\)\$/\1/p"; }
# wait_for FILE PATTERN: until grep finds it (at most 30 s)
wait_for() {
  local _
  for _ in $(seq 1 300); do
    grep -q -- "$2" "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}

write_config "$BASE"
expect_exit 0 "$IMSBOX" up --data-dir "$DATA_DIR"
wait_for_cx "$DOMAIN" || fail "the I-CSCF and the S-CSCF did not connect to the HSS"
for user in anna bert carl; do
  expect_exit 0 "$IMSBOX" subscriber add --data-dir "$DATA_DIR" --impi "$user@$DOMAIN" \
    --impu "sip:$user@$DOMAIN" --k "$K" --op "$OP" --amf "$AMF"
done
sipp_over register-anna "$ANNA_PORT" u1 "$REGISTER" -s anna -au "anna@$DOMAIN" -key expires 600 ||
  fail "anna's registration: $(what_happened register-anna)"
grep -q '^final: SIP/2.0 200' "$SIPP/register-anna.log" || fail "anna's registration: $(sipp_log register-anna)"
pass "up; anna registered over UDP"

# reconnect NAME USER PORT1 PORT2 FLOW: USER registers over TCP from PORT1 and
# goes away (sipp exits), then registers from PORT2 over a new connection and
# takes a call from anna on it (sipp's out-of-call scenario). Fails the test
# unless the call is answered and hung up.
reconnect() {
  local name=$1 user=$2 port1=$3 port2=$4 flow=$5 pid final _
  sipp_over "$name-1" "$port1" t1 "$HERE/register_tcp.xml" -s "$user" -au "$user@$DOMAIN" -key flow "$flow" -d 0 ||
    fail "$name: first registration: $(what_happened "$name-1")"
  grep -q "^registered: .*$user@127.0.0.1:$port1" "$SIPP/$name-1.log" || fail "$name: $(what_happened "$name-1")"
  # the connection went with its sipp; a new sipp, a new connection
  sipp_over "$name-2" "$port2" t1 "$HERE/register_tcp.xml" -s "$user" -au "$user@$DOMAIN" -key flow "$flow" \
    -d 50000 -oocsf "$HERE/uas_tcp.xml" &
  pid=$!
  wait_for "$SIPP/$name-2.log" "^registered:" || fail "$name: second registration: $(what_happened "$name-2")"
  sipp_over "$name-call" "$ANNA_PORT" u1 "$UAC" -s "$user" -key caller anna -key ruri "sip:$user@$DOMAIN" ||
    fail "$name: anna's call: $(what_happened "$name-call" "$name-2")"
  final=$(sed -n 's/^final: //p' "$SIPP/$name-call.log" | head -1)
  [[ "$final" == "SIP/2.0 200 OK"* ]] || fail "$name: anna's call got '$final': $(what_happened "$name-call" "$name-2")"
  wait_for "$SIPP/$name-2.log" "^bye" || fail "$name: the call at $user: $(what_happened "$name-call" "$name-2")"
  grep -q "^invite: INVITE sip:$user@127.0.0.1:$port2" "$SIPP/$name-2.log" ||
    fail "$name: the INVITE at $user: $(what_happened "$name-call" "$name-2")"
  grep -q '^bye: 200' "$SIPP/$name-call.log" || fail "$name: no 200 to anna's BYE: $(what_happened "$name-call" "$name-2")"
  # the UE stays registered; only its sipp goes (its connection with it)
  kill "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null || true
}

# ---- bert: the same contact over a new connection ----
reconnect bert bert "$BERT_PORT" "$BERT_PORT" ";ob"
grep -qE "flow of sip:bert@127.0.0.1:$BERT_PORT;transport=tcp moved from TCP 127.0.0.1:$BERT_PORT #[0-9]+ to TCP 127.0.0.1:$BERT_PORT #[0-9]+" \
  "$DATA_DIR/log/pcscf.log" || fail "bert: no flow change at the P-CSCF: $(what_happened)"
[ "$(metric pcscf_registered_contacts)" = 2 ] || fail "bert: $(metric pcscf_registered_contacts) contacts at the P-CSCF, not 2 (anna, bert)"
pass "bert registered over TCP, went away, registered again over a new connection (same contact): anna's call reached him"

# ---- carl: a new contact, the same +sip.instance and reg-id ----
reconnect carl carl "$CARL_PORT_1" "$CARL_PORT_2" "$FLOW"
grep -q "flow of sip:carl@127.0.0.1:$CARL_PORT_2;transport=tcp moved from TCP 127.0.0.1:$CARL_PORT_1 #[0-9]* to TCP 127.0.0.1:$CARL_PORT_2 #[0-9]* (replaces sip:carl@127.0.0.1:$CARL_PORT_1;transport=tcp: same +sip.instance and reg-id)" \
  "$DATA_DIR/log/pcscf.log" || fail "carl: no flow replacement at the P-CSCF: $(what_happened)"
grep -q "^registered: *<sip:carl@127.0.0.1:$CARL_PORT_2;transport=tcp>" "$SIPP/carl-2.log" &&
  ! grep -q "^registered: .*:$CARL_PORT_1;" "$SIPP/carl-2.log" || fail "carl: the S-CSCF kept the old binding: $(sipp_log carl-2)"
[ "$(metric pcscf_registered_contacts)" = 3 ] ||
  fail "carl: $(metric pcscf_registered_contacts) contacts at the P-CSCF, not 3 (anna, bert, carl): the old flow's binding lingers"
pass "carl re-registered from a new port with the same +sip.instance and reg-id: one binding (S-CSCF and P-CSCF), anna's call reached him"

# ---- the P-CSCF stops: it unsubscribes first ----
pcscf_pid=$(pgrep -f -- "ims-[p]cscf .*--data-dir $DATA_DIR" | head -1)
[ -n "$pcscf_pid" ] || fail "no P-CSCF process"
kill -TERM "$pcscf_pid"
wait_for "$DATA_DIR/log/pcscf.log" "pcscf stopped$" || fail "the P-CSCF did not stop"
for user in anna bert carl; do
  grep -q "unsubscribed from sip:$user@$DOMAIN at shutdown: 200" "$DATA_DIR/log/pcscf.log" ||
    fail "no unsubscription of $user at shutdown: $(grep -E 'reg event|stop' "$DATA_DIR/log/pcscf.log" | tail -n 12)"
done
[ "$(grep -c 'SUBSCRIBE sip:.*200 OK, unsubscribed' "$DATA_DIR/log/scscf.log")" = 3 ] ||
  fail "the S-CSCF saw $(grep -c 'SUBSCRIBE sip:.*200 OK, unsubscribed' "$DATA_DIR/log/scscf.log") unsubscriptions, not 3"
pass "the P-CSCF ended its three reg-event subscriptions (Expires: 0, 200 from the S-CSCF) before it stopped"
