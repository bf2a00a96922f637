// The JSON path into the same model (rtpengine accepts JSON dictionaries too).
#include <gtest/gtest.h>

#include <string>

#include "agw/ng/encoder.h"
#include "agw/ng/value.h"

namespace imsbox::agw::ng {
namespace {

std::string as_bencode(const Value& v) { return Encoder(Format::bencode).value(v).take(); }

TEST(Json, SameModelAsBencode) {
  const auto j = decode_json(R"({"command": "offer", "flags": ["trust address"], "codec": {"strip": ["PCMA"]},
                                 "TOS": -12, "sdp": "v=0\r\n"})");
  ASSERT_TRUE(j.document) << j.error;
  EXPECT_EQ(as_bencode(j.document->root()),
            "d7:command5:offer5:flagsl13:trust addresse5:codecd5:stripl4:PCMAee3:TOSi-12e3:sdp5:v=0\r\ne");
}

TEST(Json, UnescapesStrings) {
  const auto j = decode_json(R"({"a": "x\"y\\z\u00e9\n"})");
  ASSERT_TRUE(j.document) << j.error;
  EXPECT_EQ(j.document->root().get("a")->str(), "x\"y\\z\xc3\xa9\n");
}

TEST(Json, BooleansAreIntegersNullIsNull) {
  const auto j = decode_json(R"({"t": true, "f": false, "n": null, "big": 9223372036854775807})");
  ASSERT_TRUE(j.document) << j.error;
  const Value root = j.document->root();
  EXPECT_EQ(root.get("t")->integer(), 1);
  EXPECT_EQ(root.get("f")->integer(), 0);
  EXPECT_TRUE(root.get("n")->is_null());
  EXPECT_EQ(root.get("big")->integer(), INT64_MAX);
}

TEST(Json, Refusals) {
  for (const std::string bad : {"", "{", "{\"a\":}", "{\"a\": 1.5}", "{\"a\": 1e3}", "{\"a\": 18446744073709551615}",
                                "{\"a\": \"\xff\"}", "{'a': 1}", "{\"a\": 1} x"}) {
    const auto r = decode_json(bad);
    EXPECT_FALSE(r.document) << "accepted: " << bad;
    EXPECT_FALSE(r.error.empty());
  }
}

TEST(Json, Limits) {
  DecodeLimits limits;
  limits.max_depth = 3;
  EXPECT_TRUE(decode_json("{\"a\": [[1]]}", limits).document);
  const auto deep = decode_json("{\"a\": [[[1]]]}", limits);
  ASSERT_FALSE(deep.document);
  EXPECT_NE(deep.error.find("nested deeper than 3"), std::string::npos) << deep.error;
  EXPECT_FALSE(decode_json(std::string(5000, '[') + std::string(5000, ']')).document);
  limits = {};
  limits.max_values = 4;
  EXPECT_TRUE(decode_json("[1, 2, 3]", limits).document);
  EXPECT_FALSE(decode_json("[1, 2, 3, 4]", limits).document);
  limits = {};
  limits.max_bytes = 8;
  EXPECT_FALSE(decode_json("{\"abc\": 1}", limits).document);
}

TEST(Json, StringsOutliveTheText) {
  std::optional<Document> doc;
  {
    std::string text = R"({"call-id": "abc"})";
    doc = std::move(decode_json(text).document);
    text.assign(text.size(), 'x');
  }
  ASSERT_TRUE(doc);
  EXPECT_EQ(doc->root().get("call-id")->str(), "abc");
}

}  // namespace
}  // namespace imsbox::agw::ng
