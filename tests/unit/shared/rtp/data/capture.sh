#!/usr/bin/env bash
# Re-makes the captures in this folder (as root: it uses a network namespace
# of its own, so that nothing else on loopback gets in). Not run by the tests:
# they read the committed files, so that they test against fixed bytes.
#   chromium_dtls_srtp.pcap  two headless Chromium peer connections: ICE (STUN),
#                            DTLS, SRTP/SRTCP, rtcp-mux on one port
#   chromium_plain_rtp.pcap  the same with --disable-webrtc-encryption: plain RTP
#                            with one- and two-byte header extensions, padding-only
#                            probes, RTCP SR/RR/SDES/XR/transport-cc, RFC 4733 "159#"
#   baresip_pcmu.pcap        two baresip calling each other directly, PCMU, RTCP on
#                            port+1: SR with report blocks, SDES, APP, BYE
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ns=imsbox-rtp-capture
work="$(mktemp -d)"
cleanup() { ip netns del "$ns" 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
ip netns add "$ns"
ip netns exec "$ns" ip link set lo up

capture() {  # capture OUT COMMAND...: dumpcap on the namespace's loopback while COMMAND runs
  local out=$1; shift
  ip netns exec "$ns" dumpcap -q -i lo -P -f udp -w "$work/out.pcap" & local dumpcap=$!
  sleep 2
  ip netns exec "$ns" "$@" || true
  sleep 1
  kill "$dumpcap"; wait "$dumpcap" || true
  cp "$work/out.pcap" "$out"; chmod 644 "$out"
}

chromium_run() {  # chromium_run EXTRA_FLAG QUERY
  timeout 12 chromium --headless=new --no-sandbox --disable-gpu --disable-background-networking \
    --disable-component-update --disable-sync --no-first-run --disable-quic \
    --use-fake-ui-for-media-stream --use-fake-device-for-media-stream --allow-loopback-in-peer-connection \
    --mute-audio --user-data-dir="$work/chromium" $1 "file://$here/capture_page.html$2" >/dev/null 2>&1
}
capture "$here/chromium_dtls_srtp.pcap" bash -c "$(declare -f chromium_run); work='$work' here='$here' chromium_run '' ''"
capture "$here/chromium_plain_rtp.pcap" bash -c "$(declare -f chromium_run); work='$work' here='$here' chromium_run --disable-webrtc-encryption '?twobyte=1'"

# baresip: a 1 kHz tone from a WAV, PCMU, no registrar (a dials b directly)
python3 - "$work/tone.wav" <<'PY'
import math, struct, sys, wave
w = wave.open(sys.argv[1], 'wb'); w.setnchannels(1); w.setsampwidth(2); w.setframerate(8000)
w.writeframes(b''.join(struct.pack('<h', int(8000 * math.sin(2 * math.pi * 1000 * i / 8000))) for i in range(80000)))
PY
for ua in a:5070 b:5090; do
  name=${ua%%:*} port=${ua##*:}
  mkdir -p "$work/$name"
  cat > "$work/$name/config" <<CONF
net_interface 127.0.0.1
poll_method epoll
sip_listen 127.0.0.1:$port
audio_source aufile,$work/tone.wav
audio_player aufile,$work/$name.wav
audio_alert aufile,$work/$name.wav
rtp_ports 40000-40100
rtcp_mux no
module_path /usr/lib/baresip/modules
module stdio.so
module g711.so
module aufile.so
module account.so
module menu.so
CONF
  echo "<sip:$name@127.0.0.1>;regint=0;answermode=auto;audio_codecs=PCMU" > "$work/$name/accounts"
  touch "$work/$name/contacts"
done
baresip_call() {
  baresip -f "$work/b" -t 12 >/dev/null 2>&1 < /dev/null & local b=$!
  sleep 1
  baresip -f "$work/a" -t 7 -e "/dial sip:b@127.0.0.1:5090" >/dev/null 2>&1 < /dev/null
  sleep 1
  kill "$b"; wait "$b" || true
}
capture "$here/baresip_pcmu.pcap" bash -c "$(declare -f baresip_call); work='$work' baresip_call"
ls -l "$here"/*.pcap
