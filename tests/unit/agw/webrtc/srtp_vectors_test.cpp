// Our SRTP (agw/webrtc/srtp_transform.h, srtp_key_derivation.h) on the test
// vectors of the RFCs: RFC 3711 Appendix B.3 (key derivation with the AES-CM
// PRF), B.2 (the AES-CM keystream), RFC 2202 (HMAC-SHA1), RFC 7714 §16 (AEAD_AES_128_GCM, SRTP and
// SRTCP, the session key and salt given directly).
#include <gtest/gtest.h>

#include <vector>

#include "agw/webrtc/srtp_hmac_sha1.h"
#include "agw/webrtc/srtp_key_derivation.h"
#include "agw/webrtc/srtp_transform.h"
#include "unit/agw/webrtc/srtp_peer.h"

namespace imsbox::agw::webrtc {
namespace {

using test::hex_bytes;

// RFC 3711 Appendix B.3
const auto kB3MasterKey = hex_bytes("E1F97A0D3E018BE0D64FA32C06DE4139");
const auto kB3MasterSalt = hex_bytes("0EC675AD498AFEEBB6960B3AABE6");

std::vector<std::uint8_t> prf(SrtpKeyLabel label, std::size_t n) {
  std::vector<std::uint8_t> out(n);
  srtp_prf(kB3MasterKey, kB3MasterSalt, label, out);
  return out;
}

TEST(SrtpKeyDerivation, Rfc3711AppendixB3) {
  EXPECT_EQ(prf(SrtpKeyLabel::rtp_encryption, 16), hex_bytes("C61E7A93744F39EE10734AFE3FF7A087"));
  EXPECT_EQ(prf(SrtpKeyLabel::rtp_salt, 14), hex_bytes("30CBBC08863D8C85D49DB34A9AE1"));
  // B.3 lists 94 bytes of the authentication keystream; HMAC-SHA1 keys are its first 20
  EXPECT_EQ(prf(SrtpKeyLabel::rtp_authentication, 94),
            hex_bytes("CEBE321F6FF7716B6FD4AB49AF256A156D38BAA48F0A0ACF3C34E2359E6CDBCE"
                      "E049646C43D9327AD175578EF72270986371C10C9A369AC2F94A8C5FBCDDDC25"
                      "6D6E919A48B610EF17C2041E47403576 6B68642C59BBFC2F34DB60DBDFB2"));

  const auto keys = derive_srtp_session_keys(SrtpProfile::aes_cm_128_hmac_sha1_80, kB3MasterKey, kB3MasterSalt, false);
  EXPECT_EQ(std::vector<std::uint8_t>(keys.encryption.begin(), keys.encryption.end()),
            hex_bytes("C61E7A93744F39EE10734AFE3FF7A087"));
  EXPECT_EQ(std::vector<std::uint8_t>(keys.authentication.begin(), keys.authentication.end()),
            hex_bytes("CEBE321F6FF7716B6FD4AB49AF256A156D38BAA4"));
  EXPECT_EQ(std::vector<std::uint8_t>(keys.salt.begin(), keys.salt.end()), hex_bytes("30CBBC08863D8C85D49DB34A9AE1"));
  // SRTCP's keys come from the labels 3..5: not SRTP's
  const auto rtcp = derive_srtp_session_keys(SrtpProfile::aes_cm_128_hmac_sha1_80, kB3MasterKey, kB3MasterSalt, true);
  EXPECT_NE(rtcp.encryption, keys.encryption);
  EXPECT_NE(rtcp.salt, keys.salt);
}

TEST(SrtpKeyDerivation, WrongLengthsThrow) {
  std::vector<std::uint8_t> out(16);
  EXPECT_THROW(srtp_prf(hex_bytes("00"), kB3MasterSalt, SrtpKeyLabel::rtp_encryption, out), std::invalid_argument);
  EXPECT_THROW(srtp_prf(kB3MasterKey, hex_bytes("0011"), SrtpKeyLabel::rtp_encryption, out), std::invalid_argument);
}

SrtpSessionKeys session_keys(std::string_view key, std::string_view salt) {
  SrtpSessionKeys k;
  const auto kb = hex_bytes(key), sb = hex_bytes(salt);
  std::copy(kb.begin(), kb.end(), k.encryption.begin());
  std::copy(sb.begin(), sb.end(), k.salt.begin());
  k.salt_length = sb.size();
  return k;
}

std::vector<std::uint8_t> hmac(std::span<const std::uint8_t> key, std::string_view data, std::string_view suffix = {}) {
  HmacSha1 h(key);
  std::uint8_t out[20];
  h.tag(std::span(reinterpret_cast<const std::uint8_t*>(data.data()), data.size()),
        std::span(reinterpret_cast<const std::uint8_t*>(suffix.data()), suffix.size()), out);
  return {out, out + 20};
}

// RFC 2202 §3, test cases 1 and 2; the suffix is hashed after the data (SRTP's ROC).
TEST(HmacSha1, Rfc2202) {
  const std::vector<std::uint8_t> key1(20, 0x0b);
  EXPECT_EQ(hmac(key1, "Hi There"), hex_bytes("b617318655057264e28bc0b6fb378c8ef146be00"));
  const std::vector<std::uint8_t> jefe{'J', 'e', 'f', 'e'};
  EXPECT_EQ(hmac(jefe, "what do ya want for nothing?"), hex_bytes("effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"));
  EXPECT_EQ(hmac(jefe, "what do ya ", "want for nothing?"), hex_bytes("effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"));
  HmacSha1 h(key1);  // the keyed states are reused: the same tag every time
  const auto* hi = reinterpret_cast<const std::uint8_t*>("Hi There");
  for (int i = 0; i < 3; ++i) {
    std::uint8_t out[20];
    h.tag(std::span(hi, 8), {}, out);
    EXPECT_EQ(std::vector<std::uint8_t>(out, out + 20), hex_bytes("b617318655057264e28bc0b6fb378c8ef146be00"));
  }
}

// RFC 3711 Appendix B.2: the AES-CM keystream for session key
// 2B7E...4F3C, salt F0F1...FCFD, SSRC 0 and index 0 (IV F0F1...FCFD0000).
TEST(SrtpTransform, Rfc3711AppendixB2Keystream) {
  const auto keys = session_keys("2B7E151628AED2A6ABF7158809CF4F3C", "F0F1F2F3F4F5F6F7F8F9FAFBFCFD");
  SrtpTransform t(SrtpProfile::aes_cm_128_hmac_sha1_80, SrtpTransform::Mode::protect, keys, keys);
  std::vector<std::uint8_t> packet(12 + 48 + 10, 0);
  packet[0] = 0x80;  // SSRC 0, sequence number 0, a zero payload: the ciphertext is the keystream
  std::size_t length = 60;
  ASSERT_EQ(t.protect_rtp(packet, length, 0), SrtpStatus::ok);
  EXPECT_EQ(length, 70u);
  EXPECT_EQ(std::vector<std::uint8_t>(packet.begin() + 12, packet.begin() + 60),
            hex_bytes("E03EAD0935C95E80E166B16DD92B4EB4D23513162B02D0F72A43A2FE4A5F97AB"
                      "41E95B3BB0A2E8DD477901E4FCA894C0"));
}

// RFC 7714 §16: AEAD_AES_128_GCM with session key 0001..0f and salt "Quid pro quo".
const auto kGcmKeys = session_keys("000102030405060708090a0b0c0d0e0f", "517569642070726f2071756f");
const auto kGcmRtp = hex_bytes(
    "8040f17b 8041f8d3 5501a0b2 47616c6c 69612065 7374206f 6d6e6973 20646976 69736120 696e2070 61727465 73207472 6573");
const auto kGcmSrtp = hex_bytes(
    "8040f17b8041f8d35501a0b2 f24de3a3fb34de6cacba861c9d7e4bcabe633bd50d294e6f42a5f47a51c7d19b36de3adf8833"
    " 899d7f27beb16a9152cf765ee4390cce");
const auto kGcmRtcp = hex_bytes(
    "81c8000d4d617273 4e5450314e545032525450200000042a0000e9304c756e61 deadbeefdeadbeefdeadbeefdeadbeefdeadbeef");
const auto kGcmSrtcp = hex_bytes(
    "81c8000d4d617273 63e94885dcdab67ca727d7662f6b7e997ff5c0f76c06f32dc676a5f1730d6fda4ce09b4686303ded0bb9275b"
    " c84aa45896cf4d2fc5abf87245d9eade 800005d4");

TEST(SrtpTransform, Rfc7714Section16Srtp) {
  ASSERT_EQ(kGcmRtp.size() + 16, kGcmSrtp.size());
  SrtpTransform out(SrtpProfile::aead_aes_128_gcm, SrtpTransform::Mode::protect, kGcmKeys, kGcmKeys);
  auto packet = kGcmRtp;
  packet.resize(packet.size() + kSrtpMaxOverhead);
  std::size_t length = kGcmRtp.size();
  ASSERT_EQ(out.protect_rtp(packet, length, 0xf17b), SrtpStatus::ok);  // ROC 0, SEQ 0xf17b
  packet.resize(length);
  EXPECT_EQ(packet, kGcmSrtp);

  SrtpTransform in(SrtpProfile::aead_aes_128_gcm, SrtpTransform::Mode::unprotect, kGcmKeys, kGcmKeys);
  length = packet.size();
  ASSERT_EQ(in.unprotect_rtp(packet, length, 0xf17b), SrtpStatus::ok);
  packet.resize(length);
  EXPECT_EQ(packet, kGcmRtp);

  for (const std::size_t at : {std::size_t{1}, std::size_t{20}, kGcmSrtp.size() - 1}) {  // header, payload, tag
    auto tampered = kGcmSrtp;
    tampered[at] ^= 0x01;
    length = tampered.size();
    EXPECT_EQ(in.unprotect_rtp(tampered, length, 0xf17b), SrtpStatus::auth_failed) << at;
  }
  auto wrong_roc = kGcmSrtp;
  length = wrong_roc.size();
  EXPECT_EQ(in.unprotect_rtp(wrong_roc, length, 0x1f17b), SrtpStatus::auth_failed);
}

TEST(SrtpTransform, Rfc7714Section16Srtcp) {
  SrtpTransform out(SrtpProfile::aead_aes_128_gcm, SrtpTransform::Mode::protect, kGcmKeys, kGcmKeys);
  auto packet = kGcmRtcp;
  packet.resize(packet.size() + kSrtpMaxOverhead);
  std::size_t length = kGcmRtcp.size();
  ASSERT_EQ(out.protect_rtcp(packet, length, 0x5d4), SrtpStatus::ok);
  packet.resize(length);
  EXPECT_EQ(packet, kGcmSrtcp);

  const auto trailer = read_srtcp_trailer(SrtpProfile::aead_aes_128_gcm, kGcmSrtcp);
  ASSERT_TRUE(trailer);
  EXPECT_TRUE(trailer->encrypted);
  EXPECT_EQ(trailer->index, 0x5d4u);

  SrtpTransform in(SrtpProfile::aead_aes_128_gcm, SrtpTransform::Mode::unprotect, kGcmKeys, kGcmKeys);
  length = packet.size();
  ASSERT_EQ(in.unprotect_rtcp(packet, length), SrtpStatus::ok);
  packet.resize(length);
  EXPECT_EQ(packet, kGcmRtcp);

  // the E+index word is authenticated (AAD): another index fails
  auto other_index = kGcmSrtcp;
  other_index.back() ^= 0x01;
  length = other_index.size();
  EXPECT_EQ(in.unprotect_rtcp(other_index, length), SrtpStatus::auth_failed);
  auto tampered_tag = kGcmSrtcp;
  tampered_tag[tampered_tag.size() - 5] ^= 0x80;
  length = tampered_tag.size();
  EXPECT_EQ(in.unprotect_rtcp(tampered_tag, length), SrtpStatus::auth_failed);
}

TEST(SrtpTransform, RtpHeaderLengthCountsCsrcsAndExtension) {
  std::vector<std::uint8_t> p(40, 0);
  p[0] = 0x80;
  EXPECT_EQ(rtp_header_length(p), 12u);
  p[0] = 0x82;  // two CSRCs
  EXPECT_EQ(rtp_header_length(p), 20u);
  p[0] = 0x92;  // and an extension of one word
  p[22] = 0;
  p[23] = 1;
  EXPECT_EQ(rtp_header_length(p), 28u);
  p[23] = 10;  // longer than the packet
  EXPECT_FALSE(rtp_header_length(p));
  EXPECT_FALSE(rtp_header_length(std::span(p).first(11)));
}

}  // namespace
}  // namespace imsbox::agw::webrtc
