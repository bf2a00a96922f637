#!/usr/bin/env bash
# The AGW itself (issue 16), run by `imsbox bench media`: CALLS concurrent
# phone<->phone calls relayed (RTP/AVP PCMU both ways, 50 packets/s each way,
# RTP_SECONDS long) through ims-agw with one media worker, set up and torn down
# over ng by agw-load: the ng offer/answer round trip (p50/p99), the loss, the
# AGW's CPU share and the relayed calls per core it extrapolates to. Then the
# same traffic through Debian's rtpengine (userspace, one media thread) when
# it is installed, and the ratio of the two per-core figures.
# Not measured here: DTLS-SRTP <-> RTP relaying (the browser legs need an
# ICE + DTLS client per call in the load generator).
set -euo pipefail
BIN="${BIN:?set BIN to the bin directory of a build}"
export IMSBOX_BUILD_DIR="$(cd "$BIN/.." && pwd)"
source "$(dirname "$0")/../tests/integration/lib.sh"
CALLS="${CALLS:-500}"
SECONDS_RTP="${RTP_SECONDS:-10}"  # (bash owns $SECONDS)

BASE=$(free_port_base)
write_config "$BASE"
disable_nodes pcscf icscf scscf hss tas mrf
NG_PORT=$((BASE + 31))
MEDIA_MIN=40000 MEDIA_MAX=$((40000 + 4 * CALLS + 99))
sed -i -e "s/^\[global\]/[global]\nlog_level = warning/" -e "s/^rtp_port_min = .*/rtp_port_min = $MEDIA_MIN/" \
  -e "s/^rtp_port_max = .*/rtp_port_max = $MEDIA_MAX/" -e "/^\[agw\]/a workers = 1" "$DATA_DIR/imsbox.conf"
"$IMSBOX" up --data-dir "$DATA_DIR" >/dev/null
for _ in $(seq 1 50); do ss -Huln "sport = :$NG_PORT" | grep -q . && break; sleep 0.1; done
AGW_PID=$(pgrep -f -- "ims-agw .*--data-dir $DATA_DIR" | head -1)
[ -n "$AGW_PID" ] || fail "ims-agw is not running"
echo "media_agw_load: $CALLS relayed calls for $SECONDS_RTP s through ims-agw (1 worker)" >&2
OURS=$("$BIN/agw-load" --ng-port "$NG_PORT" --calls "$CALLS" --seconds "$SECONDS_RTP" --pid "$AGW_PID" --label agw)
echo "$OURS"
"$IMSBOX" down --data-dir "$DATA_DIR" >/dev/null

if command -v rtpengine >/dev/null; then
  RE_NG=$((BASE + 30))
  rtpengine --config-file=none --table=-1 --interface=127.0.0.1 --listen-ng="127.0.0.1:$RE_NG" \
    --port-min="$MEDIA_MIN" --port-max="$MEDIA_MAX" --num-threads=1 --foreground --log-stderr --log-level=3 \
    > "$DATA_DIR/rtpengine.log" 2>&1 &
  RE_PID=$!
  for _ in $(seq 1 50); do ss -Huln "sport = :$RE_NG" | grep -q . && break; sleep 0.1; done
  echo "media_agw_load: the same through Debian's rtpengine $(rtpengine --version 2>&1 | head -1 | awk '{print $NF}') (userspace, 1 thread)" >&2
  THEIRS=$("$BIN/agw-load" --ng-port "$RE_NG" --calls "$CALLS" --seconds "$SECONDS_RTP" --pid "$RE_PID" --label rtpengine) ||
    { cat "$DATA_DIR/rtpengine.log" >&2; fail "agw-load against rtpengine failed"; }
  echo "$THEIRS"
  kill "$RE_PID" 2>/dev/null || true
  wait "$RE_PID" 2>/dev/null || true
  ours=$(sed -n 's/^agw_relayed_calls_per_core: \([0-9]*\).*/\1/p' <<<"$OURS")
  theirs=$(sed -n 's/^rtpengine_relayed_calls_per_core: \([0-9]*\).*/\1/p' <<<"$THEIRS")
  if [ -n "$ours" ] && [ -n "$theirs" ] && [ "$theirs" -gt 0 ]; then
    awk -v a="$ours" -v b="$theirs" 'BEGIN { printf "agw_vs_rtpengine_relayed_calls_per_core: %.2f ratio\n", a / b }'
  fi
fi
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
