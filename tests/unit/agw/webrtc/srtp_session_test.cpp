// SrtpSession against libsrtp2 used directly on the other side, for both
// profiles; tampering, replay and short buffers give statuses, not crashes.
#include "agw/webrtc/srtp_session.h"

#include <gtest/gtest.h>

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
