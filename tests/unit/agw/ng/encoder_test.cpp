// The encoder: bencode and JSON from the same calls.
#include <gtest/gtest.h>

#include "agw/ng/encoder.h"
#include "agw/ng/value.h"

namespace imsbox::agw::ng {
namespace {

std::string sample(Format f) {
  Encoder e(f);
  e.begin_dictionary().entry("result", "ok").key("list").begin_list().string("a").integer(-3).begin_dictionary().end();
  e.end().entry("n", std::int64_t{42}).key("nothing").null().end();
  return e.take();
}

TEST(Encoder, Bencode) { EXPECT_EQ(sample(Format::bencode), "d6:result2:ok4:listl1:ai-3edee1:ni42e7:nothing0:e"); }

TEST(Encoder, Json) {
  EXPECT_EQ(sample(Format::json), R"({"result":"ok","list":["a",-3,{}],"n":42,"nothing":null})");
}

TEST(Encoder, JsonEscapes) {
  Encoder e(Format::json);
  e.begin_list().string("q\"b\\\r\n\t\x01\x7f\xc3\xa9").end();
  const std::string text = e.take();
  EXPECT_EQ(text, "[\"q\\\"b\\\\\\r\\n\\t\\u0001\\u007f\xc3\xa9\"]");
  const auto back = decode_json(text);
  ASSERT_TRUE(back.document) << back.error;
  EXPECT_EQ((*back.document->root().items().begin()).str(), "q\"b\\\r\n\t\x01\x7f\xc3\xa9");
}

TEST(Encoder, JsonReplacesBytesThatAreNotUtf8) {
  // bencode strings may be any bytes; JSON text must be Unicode
  Encoder e(Format::json);
  e.begin_list().string("a\x98" "b\xc3\xa9\xe2\x82\xac\xf0\x9f\x8e\xb5\xc0\xaf\xed\xa0\x80\xf4\x90\x80\x80\xe2\x82").end();
  const std::string text = e.take();
  EXPECT_EQ(text, "[\"a\\ufffdb\xc3\xa9\xe2\x82\xac\xf0\x9f\x8e\xb5\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd"
                  "\\ufffd\\ufffd\\ufffd\\ufffd\"]");
  EXPECT_TRUE(decode_json(text).document);
}

}  // namespace
}  // namespace imsbox::agw::ng
