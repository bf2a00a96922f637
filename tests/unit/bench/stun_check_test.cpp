// The STUN checks of the load client (bench/stun_check.h) against the test
// vectors of RFC 5769, so that MESSAGE-INTEGRITY and FINGERPRINT are right
// by the standard's own bytes, not only because our peers took them.
#include "bench/stun_check.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "rtp/stun_header.h"

namespace imsbox::bench {
namespace {

// RFC 5769 §2.1, up to MESSAGE-INTEGRITY: the header (length 0x58 for the
// whole message), SOFTWARE "STUN test client", PRIORITY, ICE-CONTROLLED,
// USERNAME "evtj:h6vY" (padded with spaces, as the RFC does).
const std::vector<std::uint8_t> kSampleRequestHead = {
    0x00, 0x01, 0x00, 0x58, 0x21, 0x12, 0xa4, 0x42, 0xb7, 0xe7, 0xa7, 0x01, 0xbc, 0x34, 0xd6, 0x86,
    0xfa, 0x87, 0xdf, 0xae, 0x80, 0x22, 0x00, 0x10, 0x53, 0x54, 0x55, 0x4e, 0x20, 0x74, 0x65, 0x73,
    0x74, 0x20, 0x63, 0x6c, 0x69, 0x65, 0x6e, 0x74, 0x00, 0x24, 0x00, 0x04, 0x6e, 0x00, 0x01, 0xff,
    0x80, 0x29, 0x00, 0x08, 0x93, 0x2f, 0xf9, 0xb1, 0x51, 0x26, 0x3b, 0x36, 0x00, 0x06, 0x00, 0x09,
    0x65, 0x76, 0x74, 0x6a, 0x3a, 0x68, 0x36, 0x76, 0x59, 0x20, 0x20, 0x20};
// ... and its MESSAGE-INTEGRITY and FINGERPRINT attributes.
const std::vector<std::uint8_t> kSampleRequestTail = {
    0x00, 0x08, 0x00, 0x14, 0x9a, 0xea, 0xa7, 0x0c, 0xbf, 0xd8, 0xcb, 0x56, 0x78, 0x1e, 0xf2, 0xb5,
    0xb2, 0xd3, 0xf2, 0x49, 0xc1, 0xb5, 0x71, 0xa2, 0x80, 0x28, 0x00, 0x04, 0xe5, 0x7a, 0x3b, 0xcf};
constexpr const char* kSamplePassword = "VOkJxbRl1RmTxUk/WvJxBt";

TEST(StunCheck, IntegrityAndFingerprintOfTheRfc5769SampleRequest) {
  std::vector<std::uint8_t> m = kSampleRequestHead;
  append_integrity_and_fingerprint(m, kSamplePassword);
  std::vector<std::uint8_t> want = kSampleRequestHead;
  want.insert(want.end(), kSampleRequestTail.begin(), kSampleRequestTail.end());
  EXPECT_EQ(m, want);
}

TEST(StunCheck, AnotherPasswordGivesAnotherIntegrity) {
  std::vector<std::uint8_t> m = kSampleRequestHead;
  append_integrity_and_fingerprint(m, "not the password");
  ASSERT_EQ(m.size(), kSampleRequestHead.size() + kSampleRequestTail.size());
  EXPECT_FALSE(std::equal(kSampleRequestTail.begin() + 4, kSampleRequestTail.begin() + 24,
                          m.begin() + static_cast<long>(kSampleRequestHead.size()) + 4));
}

// The value of the first attribute of `type` in a whole STUN message.
std::string attribute(const std::vector<std::uint8_t>& m, std::uint16_t type) {
  for (std::size_t at = 20; at + 4 <= m.size();) {
    const std::uint16_t t = static_cast<std::uint16_t>(m[at] << 8 | m[at + 1]);
    const std::size_t len = static_cast<std::size_t>(m[at + 2] << 8 | m[at + 3]);
    if (t == type) return std::string(m.begin() + static_cast<long>(at) + 4, m.begin() + static_cast<long>(at + 4 + len));
    at += 4 + (len + 3) / 4 * 4;
  }
  return "<none>";
}

TEST(StunCheck, BindingRequestOfAControllingAgentThatNominates) {
  const StunTransactionId id{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
  const auto m = binding_request({"LOCL", "remoteufrag", "remote-password-22chars", 2130706431, 0x0102030405060708},
                                 id);
  const auto parsed = rtp::parse_stun_header(rtp::Bytes(m.data(), m.size()));
  ASSERT_TRUE(parsed) << to_string(parsed.error);
  EXPECT_EQ(parsed.header.method, rtp::stun_binding_method);
  EXPECT_EQ(parsed.header.stun_class, rtp::StunClass::request);
  EXPECT_TRUE(std::equal(id.begin(), id.end(), m.begin() + 8));
  EXPECT_EQ(attribute(m, 0x0006), "remoteufrag:LOCL");  // USERNAME: theirs, then ours (RFC 8445 §7.2.2)
  EXPECT_EQ(attribute(m, 0x0024), std::string("\x7e\xff\xff\xff", 4));  // PRIORITY
  EXPECT_EQ(attribute(m, 0x802A), std::string("\x01\x02\x03\x04\x05\x06\x07\x08", 8));  // ICE-CONTROLLING
  EXPECT_EQ(attribute(m, 0x0025), "");   // USE-CANDIDATE
  EXPECT_EQ(attribute(m, 0x8029), "<none>");  // not ICE-CONTROLLED
  // MESSAGE-INTEGRITY with the remote password, then FINGERPRINT, last
  std::vector<std::uint8_t> head(m.begin(), m.end() - 32);
  append_integrity_and_fingerprint(head, "remote-password-22chars");
  EXPECT_EQ(head, m);
}

TEST(StunCheck, SuccessResponseCarriesTheRfc5769XorMappedAddress) {
  // RFC 5769 §2.2: 192.0.2.1 port 32853, the sample request's transaction
  std::vector<std::uint8_t> request = kSampleRequestHead;
  append_integrity_and_fingerprint(request, kSamplePassword);
  sockaddr_in from{};
  from.sin_family = AF_INET;
  from.sin_port = htons(32853);
  inet_pton(AF_INET, "192.0.2.1", &from.sin_addr);
  const auto m = binding_success(request, from, "our-password");
  const auto parsed = rtp::parse_stun_header(rtp::Bytes(m.data(), m.size()));
  ASSERT_TRUE(parsed) << to_string(parsed.error);
  EXPECT_EQ(parsed.header.stun_class, rtp::StunClass::success_response);
  EXPECT_TRUE(std::equal(request.begin() + 8, request.begin() + 20, m.begin() + 8));
  EXPECT_EQ(attribute(m, 0x0020), std::string("\x00\x01\xa1\x47\xe1\x12\xa6\x43", 8));
  std::vector<std::uint8_t> head(m.begin(), m.end() - 32);
  append_integrity_and_fingerprint(head, "our-password");
  EXPECT_EQ(head, m);
}

}  // namespace
}  // namespace imsbox::bench
