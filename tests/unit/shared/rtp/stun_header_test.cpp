// The STUN header check (RFC 5389 §6) on the test vectors of RFC 5769 and
// on the ICE connectivity checks of headless Chromium, against tshark.
#include <gtest/gtest.h>

#include <vector>

#include "capture.h"
#include "rtp/demux.h"
#include "rtp/stun_header.h"

namespace imsbox::rtp {
namespace {

std::vector<std::uint8_t> from_hex(const char* text) {
  std::vector<std::uint8_t> out;
  int high = -1;
  for (const char* p = text; *p != '\0'; ++p) {
    const char c = *p;
    int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    if (v < 0) continue;
    if (high < 0) {
      high = v;
    } else {
      out.push_back(static_cast<std::uint8_t>(high << 4 | v));
      high = -1;
    }
  }
  return out;
}

// RFC 5769 §2.1 "Sample Request" and §2.2 "Sample IPv4 Response".
const auto rfc5769_request = from_hex(
    "00 01 00 58 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86 fa 87 df ae"
    "80 22 00 10 53 54 55 4e 20 74 65 73 74 20 63 6c 69 65 6e 74"
    "00 24 00 04 6e 00 01 ff 80 29 00 08 93 2f f9 b1 51 26 3b 36"
    "00 06 00 09 65 76 74 6a 3a 68 36 76 59 20 20 20"
    "00 08 00 14 9a ea a7 0c bf d8 cb 56 78 1e f2 b5 b2 d3 f2 49 c1 b5 71 a2"
    "80 28 00 04 e5 7a 3b cf");
const auto rfc5769_response = from_hex(
    "01 01 00 3c 21 12 a4 42 b7 e7 a7 01 bc 34 d6 86 fa 87 df ae"
    "80 22 00 0b 74 65 73 74 20 76 65 63 74 6f 72 20"
    "00 20 00 08 00 01 a1 47 e1 12 a6 43"
    "00 08 00 14 2b 91 f5 99 fd 9e 90 c3 8c 74 89 f9 2a f9 ba 53 f0 6b e7 d7"
    "80 28 00 04 c0 7d 4c 96");

// The FINGERPRINT attribute (RFC 5389 §15.5): CRC-32 of what precedes it, XOR 0x5354554e.
// Matching it shows the vectors above are the RFC's, octet for octet.
std::uint32_t stun_fingerprint(Bytes message) {
  std::uint32_t crc = 0xffffffff;
  for (std::size_t i = 0; i + 8 < message.size(); ++i) {
    crc ^= message[i];
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1)));
  }
  return ~crc ^ 0x5354554e;
}

TEST(StunHeader, Rfc5769SampleRequestAndResponse) {
  ASSERT_EQ(stun_fingerprint(rfc5769_request), load32(rfc5769_request.data() + rfc5769_request.size() - 4));
  ASSERT_EQ(stun_fingerprint(rfc5769_response), load32(rfc5769_response.data() + rfc5769_response.size() - 4));

  EXPECT_EQ(classify_packet(rfc5769_request), PacketClass::stun);
  const auto req = parse_stun_header(rfc5769_request);
  ASSERT_TRUE(req) << to_string(req.error);
  EXPECT_EQ(req.header.method, stun_binding_method);
  EXPECT_EQ(req.header.stun_class, StunClass::request);
  EXPECT_EQ(req.header.length, 88);
  EXPECT_EQ(test::hex(req.header.transaction_id), "b7e7a701bc34d686fa87dfae");

  const auto resp = parse_stun_header(rfc5769_response);
  ASSERT_TRUE(resp) << to_string(resp.error);
  EXPECT_EQ(resp.header.method, stun_binding_method);
  EXPECT_EQ(resp.header.stun_class, StunClass::success_response);
  EXPECT_EQ(resp.header.length, 60);
  EXPECT_EQ(test::hex(resp.header.transaction_id), "b7e7a701bc34d686fa87dfae");
}

TEST(StunHeader, ClassAndMethodBitsAreInterleaved) {
  // RFC 5389 §6: 0x0111 is a Binding error response, 0x0011 a Binding indication;
  // a method with high bits (0x0fff) keeps them apart from C0 and C1
  auto m = rfc5769_request;
  const auto with_type = [&](std::uint16_t type) {
    store16(m.data(), type);
    return parse_stun_header(m);
  };
  EXPECT_EQ(with_type(0x0111).header.stun_class, StunClass::error_response);
  EXPECT_EQ(with_type(0x0011).header.stun_class, StunClass::indication);
  const auto all = with_type(0x3eef);  // every method bit set, C1 = C0 = 0
  EXPECT_EQ(all.header.method, 0x0fff);
  EXPECT_EQ(all.header.stun_class, StunClass::request);
  EXPECT_EQ(to_string(StunClass::success_response), "success response");
}

TEST(StunHeader, RefusesWhatIsNotAWholeRfc5389Message) {
  EXPECT_EQ(parse_stun_header(Bytes(rfc5769_request).first(19)).error, StunError::too_short);
  auto m = rfc5769_request;
  m[0] = 0x40;  // leading bits
  EXPECT_EQ(parse_stun_header(m).error, StunError::not_stun);
  m = rfc5769_request;
  m[4] = 0x21;
  m[7] = 0x43;  // cookie
  EXPECT_EQ(parse_stun_header(m).error, StunError::bad_cookie);
  m = rfc5769_request;
  m.push_back(0);  // a datagram longer than the message
  EXPECT_EQ(parse_stun_header(m).error, StunError::bad_length);
  m = rfc5769_request;
  m[3] = 0x57;  // not a multiple of 4
  EXPECT_EQ(parse_stun_header(m).error, StunError::bad_length);
  // an RFC 3489 message (no magic cookie) is refused
  auto classic = rfc5769_request;
  store32(classic.data() + 4, 0x01020304);
  EXPECT_EQ(parse_stun_header(classic).error, StunError::bad_cookie);
}

TEST(StunHeaderAgainstTshark, ChromiumConnectivityChecks) {
  for (const char* name : {"chromium_dtls_srtp.pcap", "chromium_plain_rtp.pcap"}) {
    const std::string file = test::data_file(name);
    const auto dissected =
        test::tshark_fields(file, "-Y stun", {"stun.type", "stun.type.class", "stun.type.method", "stun.length", "stun.id"});
    std::size_t compared = 0;
    for (const auto& f : test::read_pcap(file)) {
      const auto it = dissected.find(f.number);
      if (it == dissected.end()) continue;
      const auto& t = it->second;
      SCOPED_TRACE(std::string(name) + " frame " + std::to_string(f.number));
      const auto r = parse_stun_header(f.bytes());
      ASSERT_TRUE(r) << to_string(r.error);
      const int tshark_class = std::stoi(t[1], nullptr, 16);  // tshark shows C1 and C0 as 0x0010 and 0x0001
      EXPECT_EQ(static_cast<int>(r.header.stun_class), ((tshark_class >> 4) & 1) << 1 | (tshark_class & 1));
      EXPECT_EQ(r.header.method, std::stoi(t[2], nullptr, 16));
      EXPECT_EQ(r.header.length, std::stoi(t[3]));
      EXPECT_EQ(test::hex(r.header.transaction_id), t[4]);
      // the type is the method and class put back together
      const std::uint16_t c = static_cast<std::uint16_t>(r.header.stun_class);
      const std::uint16_t m = r.header.method;
      const std::uint16_t type = static_cast<std::uint16_t>((m & 0x000f) | ((m & 0x0070) << 1) | ((m & 0x0f80) << 2) |
                                                            ((c & 1) << 4) | ((c & 2) << 7));
      EXPECT_EQ(type, std::stoi(t[0], nullptr, 16));
      ++compared;
    }
    EXPECT_EQ(compared, 24u) << name;  // requests and success responses both ways
  }
}

}  // namespace
}  // namespace imsbox::rtp
