// The bencode decoder: the value model, canonical forms, limits, refusals.
#include <gtest/gtest.h>

#include <string>

#include "agw/ng/encoder.h"
#include "agw/ng/value.h"

namespace imsbox::agw::ng {
namespace {

std::string reencoded(const Value& v) { return Encoder(Format::bencode).value(v).take(); }

TEST(Bencode, DecodesRtpenginesPingExample) {
  const std::string bytes = "d7:command4:pinge";
  const auto r = decode_bencode(bytes);
  ASSERT_TRUE(r.document) << r.error;
  const Value root = r.document->root();
  ASSERT_TRUE(root.is_dictionary());
  EXPECT_EQ(root.size(), 1u);
  ASSERT_TRUE(root.get("command"));
  EXPECT_EQ(root.get("command")->str(), "ping");
  EXPECT_FALSE(root.get("result"));
}

TEST(Bencode, StringsAreViewsIntoTheDatagram) {
  const std::string bytes = "d3:sdp5:v=0\r\ne";
  const auto r = decode_bencode(bytes);
  ASSERT_TRUE(r.document);
  const auto sdp = r.document->root().get("sdp")->str();
  EXPECT_EQ(sdp, "v=0\r\n");
  EXPECT_GE(sdp.data(), bytes.data());
  EXPECT_LT(sdp.data(), bytes.data() + bytes.size());
}

TEST(Bencode, NestedListsDictionariesIntegers) {
  const std::string bytes = "d5:flagsl13:trust address6:SIPRECe5:codecd5:stripl4:PCMAee3:TOSi-12e3:numi0ee";
  const auto r = decode_bencode(bytes);
  ASSERT_TRUE(r.document) << r.error;
  const Value root = r.document->root();
  EXPECT_EQ(root.size(), 4u);
  const auto flags = root.get("flags");
  ASSERT_TRUE(flags && flags->is_list());
  std::vector<std::string> items;
  for (const Value v : flags->items()) items.emplace_back(v.str());
  EXPECT_EQ(items, (std::vector<std::string>{"trust address", "SIPREC"}));
  const auto strip = root.get("codec")->get("strip");
  ASSERT_TRUE(strip);
  EXPECT_EQ(strip->size(), 1u);
  EXPECT_EQ((*strip->items().begin()).str(), "PCMA");
  EXPECT_EQ(root.get("TOS")->integer(), -12);
  EXPECT_TRUE(root.get("num")->is_integer());
  EXPECT_EQ(root.get("num")->integer(), 0);
  std::vector<std::string> keys;
  for (const auto& [k, v] : root.entries()) keys.emplace_back(k);
  EXPECT_EQ(keys, (std::vector<std::string>{"flags", "codec", "TOS", "num"}));
  EXPECT_EQ(reencoded(root), bytes);  // canonical: the same bytes again
}

TEST(Bencode, EmptyContainersAndStrings) {
  const auto r = decode_bencode("d0:le1:xdee");
  ASSERT_TRUE(r.document) << r.error;
  const Value root = r.document->root();
  EXPECT_EQ(root.get("")->size(), 0u);
  EXPECT_TRUE(root.get("")->is_list());
  EXPECT_TRUE(root.get("x")->is_dictionary());
  EXPECT_EQ(root.get("x")->items().begin(), root.get("x")->items().end());
}

TEST(Bencode, LastOfARepeatedKeyCounts) {
  const auto r = decode_bencode("d1:a1:x1:a1:ye");
  ASSERT_TRUE(r.document);
  EXPECT_EQ(r.document->root().get("a")->str(), "y");
}

TEST(Bencode, IntegerLimits) {
  EXPECT_EQ(decode_bencode("i9223372036854775807e").document->root().integer(), INT64_MAX);
  EXPECT_EQ(decode_bencode("i-9223372036854775808e").document->root().integer(), INT64_MIN);
  EXPECT_FALSE(decode_bencode("i9223372036854775808e").document);
  EXPECT_FALSE(decode_bencode("i-9223372036854775809e").document);
}

TEST(Bencode, RefusesMalformedInput) {
  for (const std::string bad : {"", "d", "d7:command", "d7:command4:ping", "d7:command4:pin", "di1ei2ee",
                                "d1:ae", "x", "i12", "ie", "i-e", "i-0e", "i012e", "i1.5e", "05:abcde",
                                "3abc", "l", "le1", "d7:command4:pingee", "d99999999999999999999999:a",
                                "4294967297:a", "d3:abc"}) {
    const auto r = decode_bencode(bad);
    EXPECT_FALSE(r.document) << "accepted: " << bad;
    EXPECT_FALSE(r.error.empty()) << bad;
  }
}

TEST(Bencode, ErrorNamesTheOffset) {
  const auto r = decode_bencode("d7:command4:pingi1ee");
  ASSERT_FALSE(r.document);
  EXPECT_NE(r.error.find("not a string"), std::string::npos) << r.error;
  EXPECT_NE(r.error.find("offset 16"), std::string::npos) << r.error;
}

TEST(Bencode, DepthLimit) {
  DecodeLimits limits;
  limits.max_depth = 4;
  EXPECT_TRUE(decode_bencode("llllee" "ee", limits).document);
  const auto r = decode_bencode("lllllee" "eee", limits);
  ASSERT_FALSE(r.document);
  EXPECT_NE(r.error.find("nested deeper than 4"), std::string::npos) << r.error;
  // the default stops a deep one long before the stack would care
  const std::string deep = std::string(10000, 'l') + std::string(10000, 'e');
  EXPECT_FALSE(decode_bencode(deep).document);
}

TEST(Bencode, CountAndSizeLimits) {
  DecodeLimits limits;
  limits.max_values = 5;
  EXPECT_TRUE(decode_bencode("li1ei2ei3ei4ee", limits).document);
  const auto many = decode_bencode("li1ei2ei3ei4ei5ee", limits);
  ASSERT_FALSE(many.document);
  EXPECT_NE(many.error.find("more than 5 values"), std::string::npos) << many.error;
  limits = {};
  limits.max_bytes = 10;
  const auto big = decode_bencode("d3:sdp5:v=0\r\ne", limits);
  ASSERT_FALSE(big.document);
  EXPECT_NE(big.error.find("more than 10"), std::string::npos) << big.error;
}

TEST(Bencode, BinaryStrings) {
  const std::string bytes("l3:\0\xff" "e" "e", 7);
  const auto r = decode_bencode(bytes);
  ASSERT_TRUE(r.document) << r.error;
  EXPECT_EQ((*r.document->root().items().begin()).str(), std::string_view("\0\xff" "e", 3));
}

TEST(Bencode, DocumentMovesKeepValuesValid) {
  const std::string bytes = "d1:ai7ee";
  auto r = decode_bencode(bytes);
  Document moved = std::move(*r.document);
  EXPECT_EQ(moved.root().get("a")->integer(), 7);
  EXPECT_EQ(moved.value_count(), 3u);
}

}  // namespace
}  // namespace imsbox::agw::ng
