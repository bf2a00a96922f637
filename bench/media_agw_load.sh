#!/usr/bin/env bash
# The AGW itself (issue 16), run by `imsbox bench media`, against Debian's
# rtpengine (userspace, one media thread) on the same traffic when it is
# installed, with the ratio of the per-core figures:
#   * agw-load: CALLS concurrent phone<->phone calls relayed (RTP/AVP PCMU
#     both ways, 50 packets/s each way, RTP_SECONDS long): the ng
#     offer/answer round trip (p50/p99), the loss, the relay's CPU share and
#     the relayed calls per core it extrapolates to;
#   * agw-webrtc-load: WEBRTC_CALLS concurrent browser<->phone calls, the
#     browser side played by the load client (ICE, DTLS client, SRTP), the
#     phone side plain RTP, PCMU both sides (relayed, not transcoded): every
#     DTLS handshake done, loss both ways, the relay's CPU share, DTLS-SRTP
#     relayed calls per core, and the time from the ng answer (the 200 OK)
#     to the first audio the browser decrypts (p50/p99).
# The AGW runs one media worker (agw.workers = 1), rtpengine --num-threads 1.
set -euo pipefail
BIN="${BIN:?set BIN to the bin directory of a build}"
export IMSBOX_BUILD_DIR="$(cd "$BIN/.." && pwd)"
source "$(dirname "$0")/../tests/integration/lib.sh"
CALLS="${CALLS:-500}"
WEBRTC_CALLS="${WEBRTC_CALLS:-300}"
SECONDS_RTP="${RTP_SECONDS:-10}"  # (bash owns $SECONDS)

# run_loads LABEL NG_PORT PID: both loads against one relay; their figures on stdout.
run_loads() {
  "$BIN/agw-load" --ng-port "$2" --calls "$CALLS" --seconds "$SECONDS_RTP" --pid "$3" --label "$1" \
    --local-ports $((MEDIA_MAX + 1))
  "$BIN/agw-webrtc-load" --ng-port "$2" --calls "$WEBRTC_CALLS" --seconds "$SECONDS_RTP" --pid "$3" --label "$1" \
    --local-ports $((MEDIA_MAX + 1))
}

figure() { sed -n "s/^$1: \([0-9.]*\).*/\1/p" <<<"$2"; }

BASE=$(free_port_base)
write_config "$BASE"
disable_nodes pcscf icscf scscf hss tas mrf
NG_PORT=$((BASE + 31))
# four ports a call, for each load's calls (rtpengine keeps none after a delete: --delete-delay=0); the
# load clients' own sockets above them (not ephemeral ports, which would take some of the relays')
MEDIA_MIN=40000 MEDIA_MAX=$((40000 + 4 * (CALLS > WEBRTC_CALLS ? CALLS : WEBRTC_CALLS) + 99))
sed -i -e "s/^\[global\]/[global]\nlog_level = warning/" -e "s/^rtp_port_min = .*/rtp_port_min = $MEDIA_MIN/" \
  -e "s/^rtp_port_max = .*/rtp_port_max = $MEDIA_MAX/" -e "/^\[agw\]/a workers = 1" "$DATA_DIR/imsbox.conf"
"$IMSBOX" up --data-dir "$DATA_DIR" >/dev/null
for _ in $(seq 1 50); do ss -Huln "sport = :$NG_PORT" | grep -q . && break; sleep 0.1; done
AGW_PID=$(pgrep -f -- "ims-agw .*--data-dir $DATA_DIR" | head -1)
[ -n "$AGW_PID" ] || fail "ims-agw is not running"
echo "media_agw_load: $CALLS relayed calls, then $WEBRTC_CALLS DTLS-SRTP<->RTP calls, $SECONDS_RTP s each, through ims-agw (1 worker)" >&2
# its descriptor table (FDSize) before and after: grown by the calls' sockets, each doubling waits for an
# RCU grace period in the socket() of an offer (agw/descriptor_table.h)
fd_table() { sed -n 's/^FDSize:[[:space:]]*//p' "/proc/$AGW_PID/status"; }
FD_TABLE_START=$(fd_table)
OURS=$(run_loads agw "$NG_PORT" "$AGW_PID")
echo "$OURS"
echo "agw_descriptor_table_grown_by_calls: $(( $(fd_table) - FD_TABLE_START )) entries ($FD_TABLE_START at start)"
"$IMSBOX" down --data-dir "$DATA_DIR" >/dev/null

if command -v rtpengine >/dev/null; then
  RE_NG=$((BASE + 30))
  rtpengine --config-file=none --table=-1 --interface=127.0.0.1 --listen-ng="127.0.0.1:$RE_NG" \
    --port-min="$MEDIA_MIN" --port-max="$MEDIA_MAX" --num-threads=1 --delete-delay=0 --foreground --log-stderr \
    --log-level=3 > "$DATA_DIR/rtpengine.log" 2>&1 &
  RE_PID=$!
  for _ in $(seq 1 50); do ss -Huln "sport = :$RE_NG" | grep -q . && break; sleep 0.1; done
  echo "media_agw_load: the same through Debian's rtpengine $(rtpengine --version 2>&1 | head -1 | awk '{print $NF}') (userspace, 1 thread)" >&2
  THEIRS=$(run_loads rtpengine "$RE_NG" "$RE_PID") ||
    { cat "$DATA_DIR/rtpengine.log" >&2; fail "the loads against rtpengine failed"; }
  echo "$THEIRS"
  kill "$RE_PID" 2>/dev/null || true
  wait "$RE_PID" 2>/dev/null || true
  ours=$(figure agw_relayed_calls_per_core "$OURS")
  theirs=$(figure rtpengine_relayed_calls_per_core "$THEIRS")
  if [ -n "$ours" ] && [ -n "$theirs" ] && [ "$theirs" -gt 0 ]; then
    awk -v a="$ours" -v b="$theirs" 'BEGIN { printf "agw_vs_rtpengine_relayed_calls_per_core: %.2f ratio\n", a / b }'
  fi
  # DTLS-SRTP: comparable only when both relays did every handshake with the same SRTP profile, under 0.1 % loss
  comparable=1
  for out in "$OURS" "$THEIRS"; do
    label=$(sed -n 's/^\([a-z]*\)_webrtc_dtls_handshakes: .*/\1/p' <<<"$out")
    grep -q "_webrtc_calls_set_up: $WEBRTC_CALLS of $WEBRTC_CALLS calls" <<<"$out" ||
      { echo "media_agw_load: $label did not set up every call" >&2; comparable=0; }
    grep -q "_webrtc_dtls_handshakes: $WEBRTC_CALLS of $WEBRTC_CALLS calls" <<<"$out" ||
      { echo "media_agw_load: $label did not complete every DTLS handshake" >&2; comparable=0; }
    grep -q "_webrtc_relayed_calls_per_core: [0-9]* calls (extrapolated from the CPU share)$" <<<"$out" ||
      { echo "media_agw_load: $label lost 0.1 % or more, or has no CPU figure" >&2; comparable=0; }
  done
  [ "$(sed -n 's/^agw_webrtc_srtp_profile: //p' <<<"$OURS")" = "$(sed -n 's/^rtpengine_webrtc_srtp_profile: //p' <<<"$THEIRS")" ] ||
    { echo "media_agw_load: the relays chose different SRTP profiles" >&2; comparable=0; }
  ours=$(figure agw_webrtc_relayed_calls_per_core "$OURS")
  theirs=$(figure rtpengine_webrtc_relayed_calls_per_core "$THEIRS")
  if [ "$comparable" = 1 ] && [ -n "$ours" ] && [ -n "$theirs" ] && [ "$theirs" -gt 0 ]; then
    awk -v a="$ours" -v b="$theirs" 'BEGIN { printf "agw_vs_rtpengine_webrtc_relayed_calls_per_core: %.2f ratio\n", a / b }'
  fi
fi
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
