# Kamailio 5.6 as a peer of the box, for the tests in this folder (sourced
# after ../lib.sh, with DOMAIN set): each Kamailio runs one of the *.cfg
# here in its own process group, without CAP_NET_ADMIN, and is stopped with
# everything it left (cdp's FIFOs in /tmp included) when the test ends.

KAM="$SOURCE_DIR/tests/integration/kamailio"
KDIR="$DATA_DIR/kamailio"
HSS_LOG="$DATA_DIR/log/hss.log"
mkdir -p "$KDIR"
command -v kamailio >/dev/null || fail "kamailio is not installed (installer/packages.txt; installer/imsbox install)"

KAM_GROUPS=()   # process group ids (= main pids)
KAM_PIDS=""     # every process of theirs seen: cdp names its FIFOs /tmp/cdp_send_<pid>_*

stop_kamailio() {
  local g p alive
  for g in "${KAM_GROUPS[@]}"; do
    KAM_PIDS="$KAM_PIDS $(pgrep -g "$g" || true)"
    kill -TERM "$g" 2>/dev/null || true
  done
  for _ in $(seq 1 50); do
    alive=0
    for g in "${KAM_GROUPS[@]}"; do pgrep -g "$g" >/dev/null && alive=1; done
    [ $alive = 0 ] && break
    sleep 0.1
  done
  for g in "${KAM_GROUPS[@]}"; do
    for p in $(pgrep -g "$g" || true); do
      # only what runs our configuration: a group id is not ours forever
      grep -qF "$KDIR" "/proc/$p/cmdline" 2>/dev/null && kill -KILL "$p" 2>/dev/null
    done
  done
  for p in $KAM_PIDS; do rm -f /tmp/cdp_send_"$p"_*; done
  KAM_GROUPS=()
  return 0
}

# remember_kamailio_pids: every process of the running Kamailios (call once they are up)
remember_kamailio_pids() {
  local g
  for g in "${KAM_GROUPS[@]}"; do KAM_PIDS="$KAM_PIDS $(pgrep -g "$g" | tr '\n' ' ')"; done
}

# stop_kamailio_checked: stops them and fails the test when one crashed or left anything
stop_kamailio_checked() {
  local f g stopped
  for f in "$KDIR"/*.log; do
    if grep -q 'exited by a signal' "$f"; then fail "Kamailio crashed: $f: $(grep 'exited by a signal' "$f")"; fi
  done
  stopped=("${KAM_GROUPS[@]}")
  stop_kamailio
  for g in "${stopped[@]}"; do
    if pgrep -g "$g" >/dev/null; then fail "Kamailio processes left in group $g: $(pgrep -a -g "$g")"; fi
  done
  for p in $KAM_PIDS; do
    if compgen -G "/tmp/cdp_send_${p}_*" >/dev/null; then fail "cdp FIFOs left: $(ls /tmp/cdp_send_"$p"_*)"; fi
  done
}

kamailio_cleanup() {
  local rc=$?
  set +e
  stop_kamailio
  if [ $rc -ne 0 ]; then
    for f in "$KDIR"/*.log; do
      [ -f "$f" ] && { echo "--- $f"; grep -E '<script>|ERROR|ALERT' "$f" | grep -v ims_ipsec_pcscf | tail -n 30; }
    done
    for f in "${SIPP:-/nonexistent}"/*.err; do [ -s "$f" ] && { echo "--- $f"; tail -n 20 "$f"; }; done
  fi
  (exit $rc)
  cleanup
}
trap kamailio_cleanup EXIT

# start_kamailio NAME SIP_PORT CDP_PORT ARGS...: runs $KAM/NAME.cfg on
# 127.0.0.1:SIP_PORT; with a CDP_PORT (not "-") its cdp talks Cx to our HSS
# as Diameter identity $KAM_IDENTITY (NAME.$DOMAIN unless set). ARGS are
# Kamailio's (-A DEFINE...). Logs in $KDIR/NAME.log.
# It runs without CAP_NET_ADMIN: ims_ipsec_pcscf (which ims_registrar_pcscf
# needs) deletes every IPsec SA and policy of the network namespace when it
# starts and stops; the host's are none of a test's business.
start_kamailio() {
  local name=$1 sip_port=$2 cdp_port=$3
  shift 3
  local args=(-f "$KAM/$name.cfg" -l "udp:127.0.0.1:$sip_port" -A "DOMAIN=\"$DOMAIN\"")
  if [ "$cdp_port" != - ]; then
    sed -e "s/@IDENTITY@/${KAM_IDENTITY:-$name.$DOMAIN}/" -e "s/@REALM@/$DOMAIN/" -e "s/@HSS_ADDRESS@/127.0.0.1/" \
        -e "s/@HSS_PORT@/$HSS_PORT/" -e "s/@ACCEPT_PORT@/$cdp_port/" "$KAM/cdp.xml.in" > "$KDIR/$name.xml"
    args+=(-A "CDP_CONFIG=\"$KDIR/$name.xml\"")
  fi
  mkdir -p "$KDIR/$name-run"
  args+=("$@" -Y "$KDIR/$name-run" -w "$KDIR")
  expect_exit 0 setpriv --bounding-set -net_admin kamailio -c "${args[@]}"
  setsid setpriv --bounding-set -net_admin kamailio "${args[@]}" -P "$KDIR/$name.pid" -DD -E > "$KDIR/$name.log" 2>&1 < /dev/null &
  for _ in $(seq 1 50); do [ -s "$KDIR/$name.pid" ] && break; sleep 0.1; done
  [ -s "$KDIR/$name.pid" ] || fail "$name: no pid file: $(tail -20 "$KDIR/$name.log")"
  KAM_GROUPS+=("$(ps -o pgid= -p "$(cat "$KDIR/$name.pid")" | tr -d ' ')")
}

# wait_for_peer NAME [IDENTITY]: the HSS has an open Cx connection with
# IDENTITY (NAME.$DOMAIN), Kamailio NAME's cdp. cdp (5.6) may send a CER
# without Host-IP-Address, which the HSS refuses: it asks getsockname()
# about the socket number its timer process got, in its receiver process. It
# tries again every Tc (2 s) and gets through sooner or later.
wait_for_peer() {
  local name=$1 identity=${2:-$1.$DOMAIN}
  for _ in $(seq 1 200); do
    grep -q "connection with $identity open" "$HSS_LOG" && break
    grep -q 'exited by a signal' "$KDIR/$name.log" && break
    sleep 0.2
  done
  grep -q "connection with $identity open" "$HSS_LOG" ||
    fail "no Cx connection from Kamailio's $name ($identity) within 40 s: $(grep -v 'INFO: cdp \[' "$KDIR/$name.log" | tail -15)"
}
