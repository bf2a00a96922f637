#!/bin/bash
# Re-makes the reference netlink messages of xfrm_messages_test: what iproute2
# (`ip xfrm`) sends for the same SAs and policies our builders make. Each
# command runs in a fresh network namespace (`unshare -n`), so it never touches
# the host's XFRM state; strace dumps the message even when the kernel refuses
# it (a kernel without ESP answers NEWSA with EPROTONOSUPPORT). Needs root,
# iproute2 and strace. Output: one NAME.txt per message: the command, then the
# bytes in hex. `capture.sh NAME...` re-makes only those.
set -euo pipefail
ONLY=" $* "
cd "$(dirname "$0")"

# The keys are test patterns, never real ones. IK is 16 bytes (TS 33.203 Annex I:
# HMAC-SHA-1-96 takes IK followed by 32 zero bits, HMAC-MD5-96 takes IK; AES-CBC takes CK).
SHA1_KEY=0x0102030405060708090a0b0c0d0e0f1000000000
MD5_KEY=0x0102030405060708090a0b0c0d0e0f10
AES_KEY=0xa0a1a2a3a4a5a6a7a8a9aaabacadaeaf

capture() {
  local name=$1; shift
  [[ "$ONLY" == "  " || "$ONLY" == *" $name "* ]] || return 0
  local out
  out=$(unshare -n strace -f -e trace=sendmsg,sendto -e write=all -s 65535 "$@" 2>&1 || true)
  {
    echo "# iproute2 $(ip -V | sed 's/.*iproute2-//'), captured by capture.sh (strace -e write=all) in a fresh netns"
    printf '# command:'; printf ' %q' "$@"; echo
    # strace's dump lines: " | 00000  a8 01 00 00 ...  ascii |"; keep the hex columns.
    grep -E '^ \| [0-9a-f]{5}  ' <<<"$out" | cut -c 11-58 | tr -s ' ' | sed 's/^ //; s/ $//'
  } >"$name.txt"
}

# The four SAs of one UE, IPv4, HMAC-SHA-1-96 + AES-CBC: UE 192.0.2.2 (port_uc 49152,
# port_us 49153), P-CSCF 192.0.2.1 (port_ps 5064, port_pc 5066).
capture newsa_v4_sha1_aes ip xfrm state add src 192.0.2.2 dst 192.0.2.1 proto esp spi 0x10000001 mode transport \
  reqid 7 replay-window 32 auth-trunc 'hmac(sha1)' $SHA1_KEY 96 enc 'cbc(aes)' $AES_KEY \
  sel src 192.0.2.2/32 dst 192.0.2.1/32 sport 49152 dport 5064 limit time-soft 90 limit time-hard 120
capture newsa_v4_md5_null ip xfrm state add src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x0000beef mode transport \
  reqid 8 replay-window 32 auth-trunc 'hmac(md5)' $MD5_KEY 96 enc 'ecb(cipher_null)' '' \
  sel src 192.0.2.1/32 dst 192.0.2.2/32 sport 5066 dport 49153 limit time-soft 3570 limit time-hard 3630
capture newsa_v6_sha1_aes ip xfrm state add src 2001:db8::1 dst 2001:db8::2 proto esp spi 0x0000beef mode transport \
  reqid 9 replay-window 32 auth-trunc 'hmac(sha1)' $SHA1_KEY 96 enc 'cbc(aes)' $AES_KEY \
  sel src 2001:db8::1/128 dst 2001:db8::2/128 sport 5066 dport 49153 limit time-soft 90 limit time-hard 120
capture newsa_v6_md5_null ip xfrm state add src 2001:db8::2 dst 2001:db8::1 proto esp spi 0x10000002 mode transport \
  reqid 10 replay-window 32 auth-trunc 'hmac(md5)' $MD5_KEY 96 enc 'ecb(cipher_null)' '' \
  sel src 2001:db8::2/128 dst 2001:db8::1/128 sport 49153 dport 5066 limit time-soft 90 limit time-hard 120
# At the 200 OK the P-CSCF extends a temporary SA to the registration's lifetime + 30 s.
capture updsa_v4_sha1_aes ip xfrm state update src 192.0.2.2 dst 192.0.2.1 proto esp spi 0x10000001 mode transport \
  reqid 7 replay-window 32 auth-trunc 'hmac(sha1)' $SHA1_KEY 96 enc 'cbc(aes)' $AES_KEY \
  sel src 192.0.2.2/32 dst 192.0.2.1/32 sport 49152 dport 5064 limit time-soft 3600 limit time-hard 3630

capture delsa_v4 ip xfrm state delete src 192.0.2.2 dst 192.0.2.1 proto esp spi 0x10000001
capture delsa_v6 ip xfrm state delete src 2001:db8::1 dst 2001:db8::2 proto esp spi 0x0000beef

capture newpolicy_v4_in ip xfrm policy add src 192.0.2.2/32 dst 192.0.2.1/32 sport 49152 dport 5064 dir in \
  tmpl src 192.0.2.2 dst 192.0.2.1 proto esp spi 0x10000001 reqid 7 mode transport
capture newpolicy_v4_out ip xfrm policy add src 192.0.2.1/32 dst 192.0.2.2/32 sport 5066 dport 49153 dir out \
  tmpl src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x0000beef reqid 8 mode transport
capture updpolicy_v4_out ip xfrm policy update src 192.0.2.1/32 dst 192.0.2.2/32 sport 5066 dport 49153 dir out \
  tmpl src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x0000beef reqid 8 mode transport
capture newpolicy_v6_out ip xfrm policy add src 2001:db8::1/128 dst 2001:db8::2/128 sport 5066 dport 49153 dir out \
  tmpl src 2001:db8::1 dst 2001:db8::2 proto esp spi 0x0000beef reqid 9 mode transport
capture newpolicy_v6_in ip xfrm policy add src 2001:db8::2/128 dst 2001:db8::1/128 sport 49153 dport 5066 dir in \
  tmpl src 2001:db8::2 dst 2001:db8::1 proto esp spi 0x10000002 reqid 10 mode transport

capture delpolicy_v4_in ip xfrm policy delete src 192.0.2.2/32 dst 192.0.2.1/32 sport 49152 dport 5064 dir in
capture delpolicy_v6_out ip xfrm policy delete src 2001:db8::1/128 dst 2001:db8::2/128 sport 5066 dport 49153 dir out

capture getsa_dump ip xfrm state list
capture getpolicy_dump ip xfrm policy list
