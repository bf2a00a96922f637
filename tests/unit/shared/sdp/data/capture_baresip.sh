#!/usr/bin/env bash
# Captures the SDP offers of Debian's baresip (baresip-core 1.0, modules amr,
# opus, g722, g711, srtp, dtls_srtp, ice) into OUT_DIR: baresip dials a sipp
# UAS on loopback, sipp's message trace keeps the INVITE, the body is saved
# byte for byte. Not run by the tests; rerun by hand to refresh the captures:
#
#   bash capture_baresip.sh OUT_DIR
set -euo pipefail
OUT=$(realpath "$1")
WORK=$(mktemp -d)
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$WORK"; }
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# capture NAME ACCOUNT_PARAMS EXTRA_CONFIG
capture() {
  local name=$1 params=$2 extra=$3 dir="$WORK/$1" uas bare sp bp
  mkdir -p "$dir"
  uas=$(free_port); bare=$(free_port)
  (cd "$dir" && exec sipp -sn uas -i 127.0.0.1 -p "$uas" -m 1 -trace_msg -message_file "$dir/sipp.msg" </dev/null >/dev/null 2>&1) &
  sp=$!
  PIDS+=("$sp")
  cat > "$dir/config" <<CONF
poll_method epoll
sip_listen 127.0.0.1:$bare
net_interface 127.0.0.1
module_path /usr/lib/baresip/modules
module amr.so
module opus.so
module g722.so
module g711.so
module srtp.so
module dtls_srtp.so
module ice.so
module_tmp account.so
module_app menu.so
audio_player none
audio_source none
audio_alert none
$extra
CONF
  echo "<sip:alice@127.0.0.1>;regint=0$params" > "$dir/accounts"
  : > "$dir/contacts"
  baresip -f "$dir" -t 10 -e "/dial sip:bob@127.0.0.1:$uas" > "$dir/out" 2>&1 &
  bp=$!
  PIDS+=("$bp")
  for _ in $(seq 1 100); do grep -q '^INVITE ' "$dir/sipp.msg" 2>/dev/null && break; sleep 0.1; done
  sleep 0.5
  kill "$bp" "$sp" 2>/dev/null || true
  for _ in $(seq 1 30); do kill -0 "$bp" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$bp" "$sp" 2>/dev/null || true
  # the INVITE's body: from the blank line after its header to the next trace separator
  python3 - "$dir/sipp.msg" "$OUT/$name.sdp" <<'PY'
import re, sys
text = open(sys.argv[1], 'rb').read()
start = text.index(b'INVITE ')
msg = text[start:]
head, _, rest = msg.partition(b'\r\n\r\n')
length = int(re.search(rb'\r\nContent-Length: *(\d+)', head, re.I).group(1))
open(sys.argv[2], 'wb').write(rest[:length])
print(f"saved {sys.argv[2]} ({length} bytes)")
PY
}

capture baresip_offer_amr "" ""
capture baresip_offer_srtp_sdes ";mediaenc=srtp-mand" ""
capture baresip_offer_dtls_ice ";mediaenc=dtls_srtp;medianat=ice" ""
baresip -h 2>&1 | head -1 > "$OUT/baresip.version" || true
