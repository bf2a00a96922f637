# Helpers for the tests that run a box in a network namespace of their own
# (sourced BEFORE lib.sh): the box then sees no interface of the machine,
# and the test may give it addresses on veth pairs to other namespaces.

# in_own_netns "$0" "$@": re-runs the calling test in a new network namespace
# (unshare -n) with only loopback up; it ends with the test, whose lib.sh
# cleanup stops every process of the box. Needs root (CI runs as root).
in_own_netns() {
  if [ -z "${IMSBOX_TEST_NETNS:-}" ]; then
    [ "$(id -u)" = 0 ] || { echo "FAIL: $(basename "$1") needs root (unshare -n)" >&2; exit 1; }
    IMSBOX_TEST_NETNS=1 exec unshare -n bash "$@"
  fi
  ip link set lo up
}

# peer_netns NAME BOX_ADDRESS PEER_ADDRESS: a named network namespace NAME
# (so that processes can be started in it: ip netns exec NAME ...) joined to
# the test's own by a veth, BOX_ADDRESS/24 on veth-box here and
# PEER_ADDRESS/24 on veth-peer there. It goes when the test ends, whatever
# happens, with the test's background jobs and lib.sh's cleanup (call it
# after sourcing lib.sh).
peer_netns() {
  local ns=$1 box=$2 peer=$3
  ip netns add "$ns"
  trap 'rc=$?; set +e; kill $(jobs -p) 2>/dev/null; wait 2>/dev/null; ip netns del "'"$ns"'" 2>/dev/null; (exit $rc); cleanup' EXIT
  ip link add veth-box type veth peer name veth-peer netns "$ns"
  ip addr add "$box/24" dev veth-box
  ip link set veth-box up
  ip -n "$ns" link set lo up
  ip -n "$ns" addr add "$peer/24" dev veth-peer
  ip -n "$ns" link set veth-peer up
}

# aka_register NAME PCSCF_ADDRESS PCSCF_PORT UE_ADDRESS UE_PORT USER DOMAIN [COMMAND_PREFIX...]:
# one IMS-AKA registration of USER@DOMAIN with sipp (the SIM must have been
# provisioned with $AKA_K $AKA_OP $AKA_AMF); fails unless it ends in 200.
# sipp takes K, OP and AMF as raw bytes: printable ones (../shared/testdata/sipp).
AKA_K_TEXT=imsbox-test-K-01 AKA_OP_TEXT=imsbox-test-OP-1 AKA_AMF_TEXT=AM
_hex() { printf '%s' "$1" | od -An -tx1 | tr -d ' \n'; }
AKA_K=$(_hex "$AKA_K_TEXT") AKA_OP=$(_hex "$AKA_OP_TEXT") AKA_AMF=$(_hex "$AKA_AMF_TEXT")
aka_register() {
  local name=$1 pcscf=$2 pcscf_port=$3 ue=$4 ue_port=$5 user=$6 domain=$7 rc
  shift 7
  local dir="$DATA_DIR/sipp"
  mkdir -p "$dir"
  set +e
  "$@" timeout 40 sipp -sf "$SOURCE_DIR/tests/integration/registration/register_aka.xml" "$pcscf:$pcscf_port" \
    -i "$ue" -p "$ue_port" -t u1 -m 1 -s "$user" -au "$user@$domain" -key domain "$domain" -key expires 600 \
    -auth_uri "$domain" -timeout 20s -timeout_error -trace_logs -log_file "$dir/$name.log" \
    -trace_msg -message_file "$dir/$name.msg" -nostdin > "$dir/$name.out" 2>&1
  rc=$?
  set -e
  grep -q '^final: SIP/2.0 200 OK' "$dir/$name.log" 2>/dev/null ||
    fail "$name: no 200 OK to the registration (sipp exited $rc): $(cat "$dir/$name.log" 2>/dev/null)
$(tail -n 5 "$dir/$name.out")
$(tail -n 5 "$DATA_DIR"/log/{pcscf,icscf,scscf,hss}.log 2>/dev/null)"
}
