#!/usr/bin/env bash
# Forked early dialogs with media through the whole box (issue 16),
# pcscf.media_anchor = all, the box's AGW (IMSBOX_TEST_AGW=rtpengine: Debian's
# rtpengine standing in for it). anna (sipp) calls bert, whose
# contact forks the call (uas_fork.xml: a PBX or forking proxy behind it with
# two phones): two early dialogs, each a 183 with SDP and early media, phone 1
# sipp itself (2 kHz), phone 2 an rtp-phone (1.5 kHz, recording what it
# gets); then phone 1's 200, its 183's SDP again, and from the ACK on 2.5 kHz.
#   * anna gets both 183s, each with the AGW's port, and hears the early
#     media of the last one (1.5 kHz) through both AGW sessions;
#   * the 200 selects phone 1's dialog in both sessions (the P-CSCF sends its
#     answer again although the body repeats its 183's): anna hears phone 1's
#     2.5 kHz, phone 1 hears anna's 1 kHz, phone 2 (still sending, with our
#     AGW) gets none of anna's audio;
#   * after the BYE the AGW has neither session.
# Our S-CSCF forks serially (one contact after the other), so two contacts of
# one IMPU never have early dialogs at the same time through it: the fork is
# behind bert's contact here, and the other phone's CANCEL is that forker's.
# The branches of an INVITE an S-CSCF forks in parallel through this P-CSCF:
# tests/unit/pcscf/media_anchor_test.cpp.
source "$(dirname "$0")/../lib.sh"

HERE="$SOURCE_DIR/tests/integration/pcscf_media"
REGISTER="$SOURCE_DIR/tests/integration/registration/register_aka.xml"
DOMAIN=it.example.org
BASE=$(free_port_base)
PCSCF_PORT=$((BASE + 10))
CALLER_PORT=$((BASE + 16))
CALLEE_PORT=$((BASE + 17))
CALLER_MEDIA=$((BASE + 20))  # sipp's RTP ports (and +2 for its video)
CALLEE_MEDIA=$((BASE + 24))
FORK2_MEDIA=$((BASE + 28))   # phone 2's (rtp-phone)
NG_PORT=$((BASE + 30))       # rtpengine's ng port (IMSBOX_TEST_AGW=rtpengine); the box's AGW has BASE + 31
source "$SOURCE_DIR/tests/integration/sipp_lib.sh"
source "$HERE/media_lib.sh"
command -v dumpcap >/dev/null && command -v tshark >/dev/null || fail "dumpcap and tshark are needed (tshark)"
# phone 2's rtp-phone is started by sipp: it ends by itself (--seconds), or here
media_test_cleanup() { [ -f "$DATA_DIR/fork2.pid" ] && kill "$(cat "$DATA_DIR/fork2.pid")" 2>/dev/null; }

write_config "$BASE"
sed -i "s/^media_anchor = none/media_anchor = all/" "$DATA_DIR/imsbox.conf"
use_agw
expect_exit 0 "$IMSBOX" up --data-dir "$DATA_DIR"
wait_for_cx "$DOMAIN" || fail "the I-CSCF and the S-CSCF did not connect to the HSS"
for user in anna bert; do
  expect_exit 0 "$IMSBOX" subscriber add --data-dir "$DATA_DIR" --impi "$user@$DOMAIN" \
    --impu "sip:$user@$DOMAIN" --k "$K" --op "$OP" --amf "$AMF"
done
python3 "$HERE/pcmu_tone.py" "$SIPP/tone.wav" 1000 1    # anna's
python3 "$HERE/pcmu_tone.py" "$SIPP/tone2.wav" 2000 1   # phone 1's early media
python3 "$HERE/pcmu_tone.py" "$SIPP/tone4.wav" 2500 1   # phone 1's after its 200
cd "$SIPP"  # sipp's rtp_stream reads the tones from here
register anna "$CALLER_PORT"
register bert "$CALLEE_PORT"
pass "up with pcscf.media_anchor = all; anna and bert registered"

# Phone 2 keeps sending after the 200 with our AGW (whose phone leg takes the latch back for the
# address of the answer's SDP); rtpengine may latch to it then (one run in three here), so for rtpengine
# phone 2 stops just before the 200, as the CANCEL would make it
STOP_FORK2=true
[ "$AGW" = rtpengine ] && STOP_FORK2="kill \$(cat $DATA_DIR/fork2.pid)"
CALLEE_ARGS=(-key fork2_port "$FORK2_MEDIA" -key rtp_phone "$BIN/rtp-phone" -key out "$DATA_DIR/fork2"
  -key stop_fork2 "$STOP_FORK2")
captured_call fork "$HERE/uas_fork.xml" "$HERE/uac_fork.xml"
caller=$(sipp_log fork-caller)
callee=$(sipp_log fork-callee)
CALL=$(call_id_of fork-caller)
tags=$(sed -n 's/^early: tag=\([^ ]*\) .*/\1/p' <<<"$caller" | sort -u | wc -l)
[ "$tags" = 2 ] || fail "forked call: anna did not get two early dialogs: $caller"
while read -r line; do
  in_agw_range "$line" || fail "forked call: an early dialog's SDP at anna is not the AGW's: $line"
done < <(grep '^early:' <<<"$caller")
in_agw_range "$(grep '^invite:' <<<"$callee")" || fail "forked call: the INVITE at bert is not the AGW's: $callee"
grep -q '^final: SIP/2.0 200' <<<"$caller" && grep -q '^bye: 200' <<<"$caller" ||
  fail "forked call: it did not complete: $(what_happened fork-caller fork-callee)"
pass "forked call: anna got two early dialogs (two 183s with SDP, their own To tags), each with the AGW's port, then phone 1's 200"

heard fork caller "$CALLER_MEDIA" 1500
pass "early media: anna heard the last early dialog's phone (1.5 kHz) through both AGW sessions"

heard fork caller "$CALLER_MEDIA" 2500
heard fork callee "$CALLEE_MEDIA" 1000
# its counts when it ends (8 s after it started)
for _ in $(seq 1 150); do grep -q '^rtp-phone: PCMU' "$DATA_DIR/fork2.out" 2>/dev/null && break; sleep 0.1; done
grep -q '^rtp-phone: PCMU/8000 pt 0: sent [1-9]' "$DATA_DIR/fork2.out" ||
  fail "phone 2 (rtp-phone) did not run: $(cat "$DATA_DIR/fork2.out" 2>/dev/null)"
if "$BIN/media-tool" detect "$DATA_DIR/fork2.wav" --freq 1000 --min-windows 10 > "$DATA_DIR/fork2.detect" 2>&1; then
  fail "phone 2, whose early dialog the 200 ended, heard anna: $(cat "$DATA_DIR/fork2.out" "$DATA_DIR/fork2.detect")"
fi
reselected=$(grep -c "call_id=$CALL media: the 200 of early dialog .*: its answer again" "$DATA_DIR/log/pcscf.log" || true)
[ "$reselected" = 2 ] ||
  fail "forked call: the P-CSCF did not send the 200's answer again on both legs ($reselected): $(what_happened fork-caller)"
pass "the 200 selected phone 1's dialog in both AGW sessions: anna hears its 2.5 kHz, it hears her 1 kHz; phone 2 got none of her audio ($(sed 's/^rtp-phone: //' "$DATA_DIR/fork2.out"))"

no_session "$CALL"
pass "BYE: both legs' sessions deleted"
