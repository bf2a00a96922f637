# The common set-up of the TAS's end-to-end tests (tas_sip_test.sh,
# tas_cdiv_test.sh, tas_barring_test.sh): a box whose S-CSCF sends INVITEs
# to the TAS, subscribers on it, sipp UEs registered with IMS-AKA, calls
# between them and simservs documents PUT over Ut (XCAP, curl's digest).
# Sourced after ../lib.sh; sets the ports from a free base and sources
# sipp_lib.sh. Users get the password USER-secret (for XCAP).

HERE="$SOURCE_DIR/tests/integration/tas"
CALLS="$SOURCE_DIR/tests/integration/calls"
DOMAIN=it.example.org
BASE=$(free_port_base)
PCSCF_PORT=$((BASE + 10))
TAS_PORT=$((BASE + 25))
API="http://127.0.0.1:$((BASE + 8))/v1"
XCAP="http://127.0.0.1:$((BASE + 24))"
source "$SOURCE_DIR/tests/integration/sipp_lib.sh"
command -v curl >/dev/null || fail "curl is not installed"

# what_happened SIPP_RUN...: those sipp runs and the S-CSCF's and the TAS's last log lines
what_happened() {
  sipp_story "$@"
  local f
  for f in scscf tas; do
    echo "--- $f.log:"
    tail -n "${TAIL_LINES:-12}" "$DATA_DIR/log/$f.log" 2>/dev/null
  done
}

# tas_box_start: `imsbox up` on the free ports (the S-CSCF gives an AS 1 s
# to answer; overload control only past 2 s of queueing: on a loaded CI
# machine a node descheduled for 300 ms is no overload these tests are
# about), until the HSS has its Cx peers and the TAS is ready.
tas_box_start() {
  write_config "$BASE"
  sed -i "/^\[scscf\]/a as_timeout_ms = 1000" "$DATA_DIR/imsbox.conf"
  sed -i "/^\[global\]/a sip_overload_delay_ms = 2000" "$DATA_DIR/imsbox.conf"
  expect_exit 0 "$IMSBOX" up --data-dir "$DATA_DIR"
  wait_for_cx "$DOMAIN" || fail "the I-CSCF and the S-CSCF did not connect to the HSS"
  local _
  for _ in $(seq 1 100); do grep -q "Tas ready" "$DATA_DIR/log/tas.log" 2>/dev/null && break; sleep 0.1; done
  grep -q "Tas ready .*SIP (ISC) on 127.0.0.1:$TAS_PORT (UDP, TCP)" "$DATA_DIR/log/tas.log" ||
    fail "the TAS is not ready on $TAS_PORT: $(tail -n 5 "$DATA_DIR/log/tas.log")"
}

# tas_udp_count WHAT: the TAS's SIP messages WHAT (received, sent) over UDP, from its /metrics
tas_udp_count() {
  curl -sS --max-time 5 "http://127.0.0.1:$((BASE + 5))/metrics" |
    sed -n "s/^sip_messages_$1_total{transport=\"udp\"} \([0-9]*\).*/\1/p"
}

# tas_subscriber USER...: sip:USER@D with IMPI USER@D, the sipp AKA keys and
# the password USER-secret.
tas_subscriber() {
  local user
  for user in "$@"; do
    expect_exit 0 "$IMSBOX" subscriber add --data-dir "$DATA_DIR" --impi "$user@$DOMAIN" \
      --impu "sip:$user@$DOMAIN" --k "$K" --op "$OP" --amf "$AMF"
    expect_exit 0 "$IMSBOX" subscriber set --data-dir "$DATA_DIR" "$user@$DOMAIN" --password "$user-secret"
  done
}

# xcap METHOD URL USER:PASSWORD [curl options...]: sets STATUS, BODY, HEADERS and ETAG.
xcap() {
  local method=$1 url=$2 user=$3
  shift 3
  STATUS=$(curl -sS -g --digest -u "$user" -X "$method" -o "$DATA_DIR/x.body" -D "$DATA_DIR/x.headers" \
    -w '%{http_code}' "$@" "$url" || true)
  BODY=$(cat "$DATA_DIR/x.body" 2>/dev/null || true)
  # the headers of the last response (digest: the 401 comes first)
  HEADERS=$(awk '/^HTTP\//{h=""} {h=h $0 "\n"} END{printf "%s", h}' "$DATA_DIR/x.headers" 2>/dev/null | tr -d '\r')
  ETAG=$(sed -n 's/^[Ee][Tt][Aa][Gg]: *//p' <<<"$HEADERS")
}

# simservs_url USER: the XCAP URL of sip:USER@D's simservs document.
simservs_url() { echo "$XCAP/simservs.ngn.etsi.org/users/sip:$1@$DOMAIN/simservs.xml"; }

# simservs_xml SERVICES: a whole simservs document with SERVICES (XML, the
# cp prefix bound to common-policy) inside.
simservs_xml() {
  printf '%s\n%s%s%s\n' '<?xml version="1.0" encoding="UTF-8"?>' \
    '<simservs xmlns="http://uri.etsi.org/ngn/params/xml/simservs/xcap" xmlns:cp="urn:ietf:params:xml:ns:common-policy">' \
    "$1" '</simservs>'
}

# set_services USER SERVICES: sip:USER@D PUTs its whole document over XCAP
# (as itself); an empty SERVICES DELETEs it.
set_services() {
  local user=$1
  if [ -z "$2" ]; then
    xcap DELETE "$(simservs_url "$user")" "$user@$DOMAIN:$user-secret"
    [[ "$STATUS" == 200 || "$STATUS" == 404 ]] || fail "XCAP DELETE of $user's document: $STATUS $BODY"
    return
  fi
  simservs_xml "$2" > "$DATA_DIR/$user.xml"
  xcap PUT "$(simservs_url "$user")" "$user@$DOMAIN:$user-secret" -H 'Content-Type: application/simservs+xml' \
    --data-binary @"$DATA_DIR/$user.xml"
  [[ "$STATUS" == 20[01] ]] || fail "XCAP PUT of $user's document: $STATUS $BODY"
}

# cdiv_rule ID CONDITIONS TARGET: a communication-diversion rule (cp:rule).
cdiv_rule() {
  echo "<cp:rule id=\"$1\"><cp:conditions>$2</cp:conditions><cp:actions><forward-to><target>$3</target></forward-to></cp:actions></cp:rule>"
}
# cdiv RULES [NO_REPLY_TIMER]: the communication-diversion service with those rules.
cdiv() {
  echo "<communication-diversion active=\"true\">${2:+<NoReplyTimer>$2</NoReplyTimer>}<cp:ruleset>$1</cp:ruleset></communication-diversion>"
}

# wait_bound PORT: until something listens on UDP PORT (at most 5 s); 1 when nothing does.
wait_bound() {
  local _
  for _ in $(seq 1 100); do ss -Hlun "sport = :$1" | grep -q . && return 0; sleep 0.05; done
  return 1
}

# peer NAME USER PORT SCENARIO ARGS...: a UE of USER on PORT running SCENARIO
# in the background, for the next dial; `peers_done` waits for them.
PEERS=()
PEER_NAMES=()
peer() {
  local name=$1 user=$2 port=$3
  shift 3
  sipp_run "$name" "$port" "$@" -s "$user" &
  PEERS+=($!)
  PEER_NAMES+=("$name")
  wait_bound "$port" || fail "$name: its sipp does not listen on UDP $port: $(cat "$SIPP/$name.out" 2>/dev/null)"
}

# dial NAME USER PORT RURI SCENARIO ARGS...: USER's UE on PORT calls RURI;
# FINAL is the final status line it got. NAME's story is what it and the
# peers (see `peer`) saw.
dial() {
  local name=$1 user=$2 port=$3 ruri=$4 scenario=$5
  shift 5
  local callee=${ruri#*:}
  sipp_run "$name" "$port" "$scenario" -s "${callee%%@*}" -key caller "$user" -key ruri "$ruri" "$@" ||
    fail "$name: the caller's sipp failed: $(what_happened "$name" "${PEER_NAMES[@]}")"
  FINAL=$(sed -n 's/^final: //p' "$SIPP/$name.log" | head -1)
}

# peers_done NAME: the peers of NAME's call ended well (else a failure with the story).
peers_done() {
  local i
  for i in "${!PEERS[@]}"; do
    wait "${PEERS[$i]}" || fail "$1: the peer ${PEER_NAMES[$i]} failed: $(what_happened "$1" "${PEER_NAMES[@]}")"
  done
  PEERS=()
  PEER_NAMES=()
}

# refusing STATUS REASON: the path of a UE scenario that answers its INVITE
# STATUS REASON at once (uas_refuse.xml with that status line).
refusing() {
  sed "s/^\( *\)SIP\/2.0 STATUS REASON\$/\1SIP\/2.0 $1 $2/" "$HERE/uas_refuse.xml" > "$SIPP/uas_refuse_$1.xml"
  echo "$SIPP/uas_refuse_$1.xml"
}

# invite_at NAME USER: the INVITE sip:USER@... that sipp run NAME received (headers, no CRs).
invite_at() { awk "/^INVITE sip:$2@/,/^\r?\$/" "$SIPP/$1.msg" | tr -d '\r'; }

# anonymous_to NAME USER: the INVITE USER's UE got in sipp run NAME has From
# "Anonymous" <sip:anonymous@anonymous.invalid> and no P-Asserted-Identity
# (TS 24.607, RFC 3323); else a failure naming NAME.
anonymous_to() {
  local invite
  invite=$(invite_at "$1" "$2")
  grep -q '^From: "Anonymous" <sip:anonymous@anonymous.invalid>;tag=' <<<"$invite" ||
    fail "$1: $2's From is not anonymous: $invite"
  ! grep -qi '^P-Asserted-Identity:' <<<"$invite" || fail "$1: $2's INVITE asserts an identity: $invite"
}
