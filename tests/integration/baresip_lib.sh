# Debian's baresip (1.0) as a phone in the media tests; sourced after lib.sh.

# baresip_config DIR ADDRESS:SIP_PORT FIRST_RTP-LAST_RTP SOURCE_WAV CODEC_MODULE...: writes DIR/config for
# a phone on that address that sends SOURCE_WAV (aufile: its sample rate must be the codec's) and records
# what it receives, decoded, to DIR/dump/*-dec.wav (sndfile); menu gives it the /dial command. Accounts
# (DIR/accounts) are the test's; more config lines can be appended.
baresip_config() {
  local dir=$1 listen=$2 rtp=$3 wav=$4 module
  shift 4
  mkdir -p "$dir/dump"
  {
    echo "poll_method epoll"
    echo "sip_listen $listen"
    echo "net_interface ${listen%:*}"
    echo "rtp_ports $rtp"
    echo "module_path /usr/lib/baresip/modules"
    for module in "$@"; do echo "module $module.so"; done
    echo "module aufile.so"
    echo "module sndfile.so"
    echo "module_tmp account.so"
    echo "module_app menu.so"
    echo "audio_player aufile,/dev/null"
    echo "audio_source aufile,$wav"
    echo "audio_alert none"
    echo "snd_path $dir/dump"
  } > "$dir/config"
  : > "$dir/contacts"
}
