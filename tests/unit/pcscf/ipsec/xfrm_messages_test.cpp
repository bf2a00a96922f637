// Our XFRM netlink messages against the ones iproute2 sends for the same SA or
// policy (testdata/*.txt, captured with strace by testdata/capture.sh; each file
// names its command). They must be equal byte for byte except:
//  * nlmsg_seq (octets 8-11): iproute2 numbers its requests from time(NULL),
//    we from whatever the caller passes;
//  * our tag, xfrm_selector.user (octets 0x44-0x47 of NEWSA, NEWPOLICY and
//    DELPOLICY): iproute2 has no option for it and always sends 0. The tests
//    check separately that our value is exactly there and iproute2's is 0.
// Length, type, flags (NLM_F_REQUEST|NLM_F_ACK, or |NLM_F_DUMP), the port id
// (0: the kernel fills it in), every field and every attribute, with its order
// and padding, are compared as they are.
#include <gtest/gtest.h>

#include <array>
#include <cstring>
#include <iomanip>
#include <sstream>

#include "pcscf/ipsec/xfrm_messages.h"
#include "unit/pcscf/ipsec/xfrm_test_data.h"

namespace imsbox::pcscf::ipsec {
namespace {

using testing::Capture;
using testing::read_capture;

constexpr std::size_t seq_offset = 8;
constexpr std::size_t tag_offset = 0x44;  // nlmsghdr (16) + xfrm_selector.user (52)
constexpr XfrmTag tag{0x11223344};

std::string hex(const std::vector<std::uint8_t>& b) {
  std::ostringstream out;
  for (std::size_t i = 0; i < b.size(); ++i) {
    if (i % 16 == 0) out << "\n" << std::hex << std::setw(4) << std::setfill('0') << i << ":";
    out << " " << std::hex << std::setw(2) << std::setfill('0') << static_cast<int>(b[i]);
  }
  return out.str();
}

std::uint32_t u32_at(const std::vector<std::uint8_t>& b, std::size_t offset) {
  std::uint32_t v = 0;
  std::memcpy(&v, b.data() + offset, sizeof v);
  return v;
}

void mask(std::vector<std::uint8_t>& b, std::size_t offset) {
  if (b.size() >= offset + 4) std::memset(b.data() + offset, 0, 4);
}

// Compares ours with iproute2's, seq masked, and the tag masked when the message has a selector.
void expect_as_iproute2(std::vector<std::uint8_t> ours, const std::string& capture, bool tagged) {
  Capture theirs = read_capture(capture);
  ASSERT_FALSE(theirs.bytes.empty()) << "no capture " << capture;
  SCOPED_TRACE("iproute2: " + theirs.command);
  if (tagged) {
    ASSERT_GE(ours.size(), tag_offset + 4);
    EXPECT_EQ(u32_at(ours, tag_offset), tag.value) << "our tag is not in selector.user";
    EXPECT_EQ(u32_at(theirs.bytes, tag_offset), 0u) << "iproute2 sent a selector.user";
    mask(ours, tag_offset);
    mask(theirs.bytes, tag_offset);
  }
  mask(ours, seq_offset);
  mask(theirs.bytes, seq_offset);
  EXPECT_EQ(hex(ours), hex(theirs.bytes));
}

template <typename Build>
std::vector<std::uint8_t> built(Build&& build) {
  std::array<std::uint8_t, xfrm_message_max> buf{};
  const std::size_t n = build(std::span<std::uint8_t>(buf));
  EXPECT_GT(n, 0u);
  return {buf.begin(), buf.begin() + n};
}

std::vector<std::uint8_t> new_sa(const XfrmSa& sa) {
  return built([&](std::span<std::uint8_t> b) { return build_new_sa(b, sa, tag, 42); });
}
std::vector<std::uint8_t> new_policy(const XfrmSa& sa) {
  return built([&](std::span<std::uint8_t> b) { return build_new_policy(b, sa, tag, 42); });
}

TEST(XfrmMessages, NewSaIpv4HmacSha1AesCbcAsIproute2) {
  expect_as_iproute2(new_sa(testing::v4_sha1_aes_inbound()), "newsa_v4_sha1_aes", true);
}

TEST(XfrmMessages, NewSaIpv4HmacMd5NullAsIproute2) {
  expect_as_iproute2(new_sa(testing::v4_md5_null_outbound()), "newsa_v4_md5_null", true);
}

TEST(XfrmMessages, NewSaIpv6HmacSha1AesCbcAsIproute2) {
  expect_as_iproute2(new_sa(testing::v6_sha1_aes_outbound()), "newsa_v6_sha1_aes", true);
}

TEST(XfrmMessages, NewSaIpv6HmacMd5NullAsIproute2) {
  expect_as_iproute2(new_sa(testing::v6_md5_null_inbound()), "newsa_v6_md5_null", true);
}

TEST(XfrmMessages, UpdateSaAsIproute2) {
  auto promoted = testing::v4_sha1_aes_inbound();
  promoted.soft_lifetime = std::chrono::seconds(3600);
  promoted.hard_lifetime = std::chrono::seconds(3630);
  expect_as_iproute2(built([&](std::span<std::uint8_t> b) { return build_update_sa(b, promoted, tag, 42); }),
                     "updsa_v4_sha1_aes", true);
}

TEST(XfrmMessages, DeleteSaAsIproute2) {
  expect_as_iproute2(built([](std::span<std::uint8_t> b) {
                       return build_delete_sa(b, testing::v4_sha1_aes_inbound(), 42);
                     }),
                     "delsa_v4", false);
  expect_as_iproute2(built([](std::span<std::uint8_t> b) {
                       return build_delete_sa(b, testing::v6_sha1_aes_outbound(), 42);
                     }),
                     "delsa_v6", false);
}

TEST(XfrmMessages, NewPolicyInAndOutAsIproute2) {
  expect_as_iproute2(new_policy(testing::v4_sha1_aes_inbound()), "newpolicy_v4_in", true);
  expect_as_iproute2(new_policy(testing::v4_md5_null_outbound()), "newpolicy_v4_out", true);
  expect_as_iproute2(new_policy(testing::v6_sha1_aes_outbound()), "newpolicy_v6_out", true);
  expect_as_iproute2(new_policy(testing::v6_md5_null_inbound()), "newpolicy_v6_in", true);
}

TEST(XfrmMessages, UpdatePolicyAsIproute2) {
  expect_as_iproute2(built([](std::span<std::uint8_t> b) {
                       return build_update_policy(b, testing::v4_md5_null_outbound(), tag, 42);
                     }),
                     "updpolicy_v4_out", true);
}

TEST(XfrmMessages, DeletePolicyAsIproute2) {
  expect_as_iproute2(built([](std::span<std::uint8_t> b) {
                       return build_delete_policy(b, testing::v4_sha1_aes_inbound(), tag, 42);
                     }),
                     "delpolicy_v4_in", true);
  expect_as_iproute2(built([](std::span<std::uint8_t> b) {
                       return build_delete_policy(b, testing::v6_sha1_aes_outbound(), tag, 42);
                     }),
                     "delpolicy_v6_out", true);
}

TEST(XfrmMessages, DumpRequestsAsIproute2) {
  expect_as_iproute2(built([](std::span<std::uint8_t> b) { return build_dump_sa_request(b, 42); }), "getsa_dump",
                     false);
  expect_as_iproute2(built([](std::span<std::uint8_t> b) { return build_dump_policy_request(b, 42); }),
                     "getpolicy_dump", false);
}

TEST(XfrmMessages, SequenceNumberIsTheCallers) {
  std::array<std::uint8_t, xfrm_message_max> buf{};
  ASSERT_GT(build_new_sa(buf, testing::v4_sha1_aes_inbound(), tag, 0xdeadbeef), 0u);
  std::uint32_t seq;
  std::memcpy(&seq, buf.data() + seq_offset, sizeof seq);
  EXPECT_EQ(seq, 0xdeadbeefu);
}

TEST(XfrmMessages, RefusesInvalidSasAndShortBuffers) {
  std::array<std::uint8_t, xfrm_message_max> buf{};
  auto sa = testing::v4_sha1_aes_inbound();
  std::array<std::uint8_t, xfrm_message_max - 1> short_buf{};
  EXPECT_EQ(build_new_sa(short_buf, sa, tag, 1), 0u);
  EXPECT_EQ(build_new_policy(short_buf, sa, tag, 1), 0u);

  auto md5_key_for_sha1 = sa;
  md5_key_for_sha1.auth_key = testing::md5_key();  // HMAC-SHA-1-96 wants IK || 32 zero bits
  EXPECT_EQ(build_new_sa(buf, md5_key_for_sha1, tag, 1), 0u);
  EXPECT_TRUE(invalid_reason(md5_key_for_sha1).has_value());

  auto key_for_null = testing::v4_md5_null_outbound();
  key_for_null.enc_key = testing::aes_key();
  EXPECT_EQ(build_new_sa(buf, key_for_null, tag, 1), 0u);

  auto reserved_spi = sa;
  reserved_spi.spi = 255;  // RFC 4303 2.1: 1..255 reserved
  EXPECT_EQ(build_new_sa(buf, reserved_spi, tag, 1), 0u);

  auto mixed = sa;
  mixed.dst = testing::ip("2001:db8::1");
  EXPECT_EQ(build_new_sa(buf, mixed, tag, 1), 0u);
  EXPECT_EQ(build_new_policy(buf, mixed, tag, 1), 0u);
  EXPECT_EQ(build_delete_sa(buf, mixed, 1), 0u);
}

// A GETSA dump answers with XFRM_MSG_NEWSA messages laid out as the NEWSA request
// (xfrm_usersa_info + attributes): iproute2's captured requests stand in for the
// kernel's replies, which a kernel without ESP cannot give. (Policy dumps are read
// from the real kernel in xfrm_kernel_test.)
std::vector<std::uint8_t> as_dump_reply(std::vector<std::uint8_t> msg, std::uint32_t seq, std::uint32_t user) {
  std::memcpy(msg.data() + seq_offset, &seq, sizeof seq);
  std::memcpy(msg.data() + tag_offset, &user, sizeof user);
  const std::uint16_t multi = 0x2;  // NLM_F_MULTI
  std::memcpy(msg.data() + 6, &multi, sizeof multi);
  return msg;
}

std::vector<std::uint8_t> done_message(std::uint32_t seq) {
  std::vector<std::uint8_t> done(20, 0);
  const std::uint32_t len = 20;
  const std::uint16_t type = 3;  // NLMSG_DONE
  std::memcpy(done.data(), &len, 4);
  std::memcpy(done.data() + 4, &type, 2);
  std::memcpy(done.data() + seq_offset, &seq, 4);
  return done;
}

TEST(XfrmMessages, ParsesSaDumpAndReadsTheTag) {
  std::vector<std::uint8_t> datagram = as_dump_reply(read_capture("newsa_v4_sha1_aes").bytes, 9, tag.value);
  const auto foreign = as_dump_reply(read_capture("newsa_v6_md5_null").bytes, 9, 0);
  datagram.insert(datagram.end(), foreign.begin(), foreign.end());

  XfrmDumpChunk chunk = parse_dump(datagram);
  ASSERT_EQ(chunk.entries.size(), 2u);
  EXPECT_FALSE(chunk.done);
  const XfrmEntry& ours = chunk.entries[0];
  EXPECT_EQ(ours.kind, XfrmEntry::Kind::sa);
  EXPECT_EQ(ours.tag, tag.value);
  EXPECT_EQ(ours.seq, 9u);
  EXPECT_EQ(ours.src, testing::ip("192.0.2.2"));
  EXPECT_EQ(ours.dst, testing::ip("192.0.2.1"));
  EXPECT_EQ(ours.spi, 0x10000001u);
  EXPECT_EQ(ours.protocol, 50);
  EXPECT_EQ(ours.sport, 49152);
  EXPECT_EQ(ours.dport, 5064);
  const XfrmEntry& theirs = chunk.entries[1];
  EXPECT_EQ(theirs.tag, 0u);
  EXPECT_EQ(theirs.src, testing::ip("2001:db8::2"));
  EXPECT_EQ(theirs.dst, testing::ip("2001:db8::1"));
  EXPECT_EQ(theirs.spi, 0x10000002u);

  chunk = parse_dump(done_message(9));
  EXPECT_TRUE(chunk.done);
  EXPECT_TRUE(chunk.entries.empty());
}

TEST(XfrmMessages, DumpParserSurvivesTruncatedAndForeignMessages) {
  auto msg = as_dump_reply(read_capture("newsa_v4_sha1_aes").bytes, 9, tag.value);
  // Cut anywhere: never an entry made of bytes that were not there, never a crash.
  for (std::size_t cut = 0; cut < msg.size(); ++cut) {
    const XfrmDumpChunk chunk = parse_dump(std::span<const std::uint8_t>(msg.data(), cut));
    EXPECT_TRUE(chunk.entries.empty()) << cut;
  }
  // A header that claims more than the datagram holds.
  auto lying = msg;
  const std::uint32_t too_long = 4096;
  std::memcpy(lying.data(), &too_long, 4);
  EXPECT_TRUE(parse_dump(lying).entries.empty());
  // A NEWSA too short for xfrm_usersa_info is skipped, the next one read.
  auto short_sa = msg;
  short_sa.resize(16 + 64);
  const std::uint32_t short_len = 16 + 64;
  std::memcpy(short_sa.data(), &short_len, 4);
  short_sa.insert(short_sa.end(), msg.begin(), msg.end());
  const XfrmDumpChunk chunk = parse_dump(short_sa);
  EXPECT_EQ(chunk.skipped, 1u);
  EXPECT_EQ(chunk.entries.size(), 1u);
}

TEST(XfrmMessages, AddressesRoundTrip) {
  EXPECT_EQ(testing::ip("192.0.2.7").to_string(), "192.0.2.7");
  EXPECT_EQ(testing::ip("2001:db8::7").to_string(), "2001:db8::7");
  EXPECT_FALSE(IpAddress::parse("192.0.2.300"));
  EXPECT_FALSE(IpAddress::parse("example.org"));
  EXPECT_EQ(IpAddress::v4({192, 0, 2, 7}), testing::ip("192.0.2.7"));
}

}  // namespace
}  // namespace imsbox::pcscf::ipsec
