// SrtpSession (our SRTP on OpenSSL) against libsrtp2 used directly on the
// other side (a test-only dependency), for both profiles: what one protects
// the other unprotects, RTP and RTCP, across a sequence number wrap (ROC 0 ->
// 1), reordered within the replay window, several SSRCs; tampering, replay
// and short buffers give statuses, not crashes.
#include "agw/webrtc/srtp_session.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "unit/agw/webrtc/srtp_peer.h"

namespace imsbox::agw::webrtc {
namespace {

using test::rtcp_rr;
using test::rtp_packet;
using test::SrtpPeer;

std::vector<std::uint8_t> key_salt(SrtpProfile p, std::uint8_t seed) {
  std::vector<std::uint8_t> k(master_key_length(p) + master_salt_length(p));
  for (std::size_t i = 0; i < k.size(); ++i) k[i] = static_cast<std::uint8_t>(seed + i * 13);
  return k;
}

class SrtpSessionTest : public ::testing::TestWithParam<SrtpProfile> {
 protected:
  SrtpProfile profile() const { return GetParam(); }
  std::vector<std::uint8_t> ours_ = key_salt(GetParam(), 1);    // what we send with
  std::vector<std::uint8_t> theirs_ = key_salt(GetParam(), 99);  // what the peer sends with
  SrtpSession session_{GetParam(), ours_, theirs_};
  SrtpPeer peer_in_{GetParam(), ours_, true};
  SrtpPeer peer_out_{GetParam(), theirs_, false};
};

TEST_P(SrtpSessionTest, ProtectedRtpIsReadByLibsrtpInPlace) {
  for (std::uint16_t seq = 1000; seq < 1010; ++seq) {
    const auto plain = rtp_packet(seq, 0x11223344);
    std::vector<std::uint8_t> buffer(plain.size() + kSrtpMaxOverhead);
    std::copy(plain.begin(), plain.end(), buffer.begin());
    std::size_t length = plain.size();
    ASSERT_EQ(session_.protect_rtp(buffer, length), SrtpStatus::ok);
    // the header stays, the payload is encrypted and a tag follows (16 GCM, 10 HMAC-SHA1-80)
    EXPECT_EQ(length, plain.size() + (profile() == SrtpProfile::aead_aes_128_gcm ? 16u : 10u));
    EXPECT_TRUE(std::equal(plain.begin(), plain.begin() + 12, buffer.begin()));
    EXPECT_FALSE(std::equal(plain.begin() + 12, plain.end(), buffer.begin() + 12));
    buffer.resize(length);
    EXPECT_EQ(peer_in_.unprotect(buffer), plain);
  }
}

TEST_P(SrtpSessionTest, RtpFromLibsrtpIsUnprotectedInPlace) {
  for (std::uint16_t seq = 7; seq < 17; ++seq) {
    const auto plain = rtp_packet(seq, 0xcafe0001, 160);
    auto packet = peer_out_.protect(plain);
    std::size_t length = packet.size();
    ASSERT_EQ(session_.unprotect_rtp(packet, length), SrtpStatus::ok);
    packet.resize(length);
    EXPECT_EQ(packet, plain);
  }
}

TEST_P(SrtpSessionTest, RtcpBothWays) {
  const auto rr = rtcp_rr(0x01020304);
  std::vector<std::uint8_t> buffer(rr.size() + kSrtpMaxOverhead);
  std::copy(rr.begin(), rr.end(), buffer.begin());
  std::size_t length = rr.size();
  ASSERT_EQ(session_.protect_rtcp(buffer, length), SrtpStatus::ok);
  buffer.resize(length);
  EXPECT_EQ(peer_in_.unprotect(buffer, true), rr);

  auto packet = peer_out_.protect(rtcp_rr(0x05060708), true);
  length = packet.size();
  ASSERT_EQ(session_.unprotect_rtcp(packet, length), SrtpStatus::ok);
  packet.resize(length);
  EXPECT_EQ(packet, rtcp_rr(0x05060708));
}

TEST_P(SrtpSessionTest, TamperedReplayedAndForeignPacketsAreRefused) {
  const auto plain = rtp_packet(500, 0xabcdef01);
  auto packet = peer_out_.protect(plain);
  auto tampered = packet;
  tampered[20] ^= 1;
  std::size_t length = tampered.size();
  EXPECT_EQ(session_.unprotect_rtp(tampered, length), SrtpStatus::auth_failed);

  auto first = packet;
  length = first.size();
  ASSERT_EQ(session_.unprotect_rtp(first, length), SrtpStatus::ok);
  auto again = packet;
  length = again.size();
  EXPECT_EQ(session_.unprotect_rtp(again, length), SrtpStatus::replay);

  // protected with a key nobody agreed on
  SrtpPeer stranger(profile(), key_salt(profile(), 42), false);
  auto foreign = stranger.protect(rtp_packet(501, 0xabcdef01));
  length = foreign.size();
  EXPECT_EQ(session_.unprotect_rtp(foreign, length), SrtpStatus::auth_failed);
}

TEST_P(SrtpSessionTest, ShortInputAndNoRoomAreStatuses) {
  auto plain = rtp_packet(1, 1);
  std::size_t length = plain.size();
  // no room for the tag
  EXPECT_EQ(session_.protect_rtp(plain, length), SrtpStatus::no_room);
  EXPECT_EQ(length, plain.size());
  std::vector<std::uint8_t> tiny(11 + kSrtpMaxOverhead);
  length = 11;
  EXPECT_EQ(session_.protect_rtp(tiny, length), SrtpStatus::too_short);
  length = 5;
  EXPECT_EQ(session_.unprotect_rtp(tiny, length), SrtpStatus::too_short);
  length = tiny.size() + 1;
  EXPECT_EQ(session_.unprotect_rtp(tiny, length), SrtpStatus::no_room);
  // a header and a few bytes: shorter than header + tag
  std::vector<std::uint8_t> header_only = rtp_packet(2, 1, 3);
  length = header_only.size();
  EXPECT_NE(session_.unprotect_rtp(header_only, length), SrtpStatus::ok);
  std::vector<std::uint8_t> rtcp_short(7);
  length = rtcp_short.size();
  EXPECT_EQ(session_.unprotect_rtcp(rtcp_short, length), SrtpStatus::too_short);
}

// Ours protects, libsrtp unprotects; what passes returns the plaintext.
std::vector<std::uint8_t> protect_with(SrtpSession& s, const std::vector<std::uint8_t>& plain, bool rtcp = false) {
  std::vector<std::uint8_t> buffer(plain.size() + kSrtpMaxOverhead);
  std::copy(plain.begin(), plain.end(), buffer.begin());
  std::size_t length = plain.size();
  const auto status = rtcp ? s.protect_rtcp(buffer, length) : s.protect_rtp(buffer, length);
  if (status != SrtpStatus::ok) return {};
  buffer.resize(length);
  return buffer;
}

SrtpStatus unprotect_with(SrtpSession& s, std::vector<std::uint8_t>& packet, bool rtcp = false) {
  std::size_t length = packet.size();
  const auto status = rtcp ? s.unprotect_rtcp(packet, length) : s.unprotect_rtp(packet, length);
  if (status == SrtpStatus::ok) packet.resize(length);
  return status;
}

// 65400 .. 65535, 0 .. 263: the ROC goes from 0 to 1 in the middle.
std::vector<std::uint16_t> across_the_wrap() {
  std::vector<std::uint16_t> seqs;
  for (int i = 0; i < 400; ++i) seqs.push_back(static_cast<std::uint16_t>(65400 + i));
  return seqs;
}

// The same numbers, each block of 32 reversed: up to 31 packets late.
std::vector<std::size_t> reordered(std::size_t n) {
  std::vector<std::size_t> order(n);
  for (std::size_t i = 0; i < n; ++i) order[i] = i;
  for (std::size_t b = 0; b < n; b += 32) std::reverse(order.begin() + b, order.begin() + std::min(n, b + 32));
  return order;
}

TEST_P(SrtpSessionTest, OursToLibsrtpAcrossTheWrapInOrderAndReordered) {
  const auto seqs = across_the_wrap();
  std::vector<std::vector<std::uint8_t>> protected_packets;
  for (const auto seq : seqs) {
    protected_packets.push_back(protect_with(session_, rtp_packet(seq, 0x11223344)));
    ASSERT_FALSE(protected_packets.back().empty()) << seq;
  }
  for (const auto i : reordered(seqs.size()))
    ASSERT_EQ(peer_in_.unprotect(protected_packets[i]), rtp_packet(seqs[i], 0x11223344)) << seqs[i];
  // libsrtp refuses them all a second time
  for (const auto i : {0, 150, 399}) EXPECT_TRUE(peer_in_.unprotect(protected_packets[i]).empty()) << i;
  // a tampered tag, after the wrap
  auto next = protect_with(session_, rtp_packet(264, 0x11223344));
  next.back() ^= 0x40;
  EXPECT_TRUE(peer_in_.unprotect(next).empty());
}

TEST_P(SrtpSessionTest, LibsrtpToOursAcrossTheWrapReorderedReplaysRefused) {
  const auto seqs = across_the_wrap();
  std::vector<std::vector<std::uint8_t>> packets;
  for (const auto seq : seqs) packets.push_back(peer_out_.protect(rtp_packet(seq, 0xcafe0001, 160)));
  for (const auto i : reordered(seqs.size())) {
    auto p = packets[i];
    ASSERT_EQ(unprotect_with(session_, p), SrtpStatus::ok) << seqs[i];
    ASSERT_EQ(p, rtp_packet(seqs[i], 0xcafe0001, 160)) << seqs[i];
  }
  for (const auto i : {0, 135, 136, 399}) {  // before, at and after the wrap
    auto again = packets[i];
    EXPECT_EQ(unprotect_with(session_, again), SrtpStatus::replay) << seqs[i];
  }
  // a tampered tag is refused, and refusing it does not burn its index
  auto next = peer_out_.protect(rtp_packet(264, 0xcafe0001, 160));
  auto tampered = next;
  tampered.back() ^= 0x01;
  EXPECT_EQ(unprotect_with(session_, tampered), SrtpStatus::auth_failed);
  EXPECT_EQ(unprotect_with(session_, next), SrtpStatus::ok);
  // further ahead by more than the 1024 window: what is now 1024 behind is too old
  std::vector<std::uint8_t> late;
  for (std::uint16_t seq = 265; seq < 265 + 1100; ++seq) {
    auto p = peer_out_.protect(rtp_packet(seq, 0xcafe0001, 20));
    if (seq == 300) late = p;  // held back
    else ASSERT_EQ(unprotect_with(session_, p), SrtpStatus::ok) << seq;
  }
  EXPECT_EQ(unprotect_with(session_, late), SrtpStatus::replay);
}

TEST_P(SrtpSessionTest, RtcpManyBothWaysWithReplayAndTamperRefused) {
  for (int i = 0; i < 40; ++i) {
    const auto ours = rtcp_rr(0x01020304);
    EXPECT_EQ(peer_in_.unprotect(protect_with(session_, ours, true), true), ours) << i;
  }
  std::vector<std::vector<std::uint8_t>> theirs;
  for (int i = 0; i < 40; ++i) theirs.push_back(peer_out_.protect(rtcp_rr(0x05060708), true));
  for (const auto i : reordered(theirs.size())) {
    auto p = theirs[i];
    ASSERT_EQ(unprotect_with(session_, p, true), SrtpStatus::ok) << i;
    EXPECT_EQ(p, rtcp_rr(0x05060708));
  }
  auto again = theirs[7];
  EXPECT_EQ(unprotect_with(session_, again, true), SrtpStatus::replay);
  auto tampered = peer_out_.protect(rtcp_rr(0x05060708), true);
  tampered.back() ^= 0x02;  // GCM: the E+index word (authenticated); AES-CM: the tag
  EXPECT_EQ(unprotect_with(session_, tampered, true), SrtpStatus::auth_failed);
  tampered = peer_out_.protect(rtcp_rr(0x05060708), true);
  tampered[5] ^= 0x02;  // the SSRC
  EXPECT_EQ(unprotect_with(session_, tampered, true), SrtpStatus::auth_failed);
}

TEST_P(SrtpSessionTest, SeveralSsrcsEachWithItsOwnState) {
  // interleaved SSRCs with sequence numbers far apart: a shared state would guess wrong ROCs
  for (std::uint16_t i = 0; i < 50; ++i) {
    for (const std::uint32_t ssrc : {1u, 2u, 3u}) {
      const auto seq = static_cast<std::uint16_t>(ssrc * 20000 + i * 1000);
      const auto plain = rtp_packet(seq, ssrc);
      EXPECT_EQ(peer_in_.unprotect(protect_with(session_, plain)), plain);
      auto p = peer_out_.protect(plain);
      ASSERT_EQ(unprotect_with(session_, p), SrtpStatus::ok) << ssrc << " " << seq;
    }
  }
}

TEST_P(SrtpSessionTest, CsrcsAndHeaderExtensionStayInTheClearAndAuthenticated) {
  // CC = 1 and X = 1 with a one-byte-header extension (RFC 8285) of one word, as Chrome sends audio levels
  auto plain = rtp_packet(4242, 0x0badcafe, 40);
  plain[0] = 0x91;
  const std::vector<std::uint8_t> csrc_and_extension{0x01, 0x02, 0x03, 0x04, 0xbe, 0xde, 0x00, 0x01,
                                                     0x10, 0x7f, 0x00, 0x00};
  plain.insert(plain.begin() + 12, csrc_and_extension.begin(), csrc_and_extension.end());
  auto ours = protect_with(session_, plain);
  ASSERT_FALSE(ours.empty());
  EXPECT_TRUE(std::equal(plain.begin(), plain.begin() + 24, ours.begin()));  // header, CSRC, extension in the clear
  EXPECT_FALSE(std::equal(plain.begin() + 24, plain.end(), ours.begin() + 24));
  EXPECT_EQ(peer_in_.unprotect(ours), plain);
  auto theirs = peer_out_.protect(plain);
  auto tampered = theirs;
  tampered[21] ^= 0x01;  // the audio level in the extension
  EXPECT_EQ(unprotect_with(session_, tampered), SrtpStatus::auth_failed);
  ASSERT_EQ(unprotect_with(session_, theirs), SrtpStatus::ok);
  EXPECT_EQ(theirs, plain);
}

INSTANTIATE_TEST_SUITE_P(BothProfiles, SrtpSessionTest,
                         ::testing::Values(SrtpProfile::aead_aes_128_gcm, SrtpProfile::aes_cm_128_hmac_sha1_80),
                         [](const auto& info) {
                           return info.param == SrtpProfile::aead_aes_128_gcm ? std::string("Gcm")
                                                                              : std::string("CmHmacSha1_80");
                         });

TEST(SrtpSession, WrongKeyLengthsThrowAtSetup) {
  std::vector<std::uint8_t> k30(30), k28(28);
  EXPECT_THROW(SrtpSession(SrtpProfile::aead_aes_128_gcm, k30, k30), std::invalid_argument);
  EXPECT_THROW(SrtpSession(SrtpProfile::aes_cm_128_hmac_sha1_80, k28, k28), std::invalid_argument);
  EXPECT_NO_THROW(SrtpSession(SrtpProfile::aead_aes_128_gcm, k28, k28));
}

TEST(SrtpProfileNames, BothNamingsParse) {
  EXPECT_EQ(parse_srtp_profile("AEAD_AES_128_GCM"), SrtpProfile::aead_aes_128_gcm);
  EXPECT_EQ(parse_srtp_profile("SRTP_AEAD_AES_128_GCM"), SrtpProfile::aead_aes_128_gcm);
  EXPECT_EQ(parse_srtp_profile("AES_CM_128_HMAC_SHA1_80"), SrtpProfile::aes_cm_128_hmac_sha1_80);
  EXPECT_EQ(parse_srtp_profile("SRTP_AES128_CM_SHA1_80"), SrtpProfile::aes_cm_128_hmac_sha1_80);
  EXPECT_FALSE(parse_srtp_profile("AES_CM_128_HMAC_SHA1_32"));
  EXPECT_EQ(to_string(SrtpProfile::aes_cm_128_hmac_sha1_80), "AES_CM_128_HMAC_SHA1_80");
}

}  // namespace
}  // namespace imsbox::agw::webrtc
