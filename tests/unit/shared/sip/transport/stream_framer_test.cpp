#include "sip/transport/stream_framer.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace imsbox::sip {
namespace {

std::string message(std::string_view call_id, std::string_view body = {}) {
  std::string m = "MESSAGE sip:bob@example.com SIP/2.0\r\n"
                  "Via: SIP/2.0/TCP 192.0.2.1:5060;branch=z9hG4bK-";
  m += call_id;
  m += "\r\nFrom: <sip:alice@example.com>;tag=1\r\nTo: <sip:bob@example.com>\r\nCall-ID: ";
  m += call_id;
  m += "\r\nCSeq: 1 MESSAGE\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n";
  m += body;
  return m;
}

std::vector<std::string> messages_of(const std::vector<FramedItem>& items) {
  std::vector<std::string> out;
  for (const auto& i : items) {
    if (i.kind == FramedItem::Kind::message) out.push_back(i.bytes);
  }
  return out;
}

int pings_of(const std::vector<FramedItem>& items) {
  int n = 0;
  for (const auto& i : items) n += i.kind == FramedItem::Kind::ping;
  return n;
}

TEST(StreamFramer, OneMessageInOnePiece) {
  StreamFramer f;
  std::vector<FramedItem> out;
  const auto m = message("a", "hello");
  EXPECT_EQ(f.feed(m, out), FramingError::none);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].kind, FramedItem::Kind::message);
  EXPECT_EQ(out[0].bytes, m);
  EXPECT_EQ(f.buffered_bytes(), 0u);
}

TEST(StreamFramer, MessageSplitByteByByte) {
  StreamFramer f;
  std::vector<FramedItem> out;
  const auto m = message("split", "a body of some length");
  for (std::size_t i = 0; i < m.size(); ++i) {
    ASSERT_EQ(f.feed(m.substr(i, 1), out), FramingError::none);
    if (i + 1 < m.size()) {
      ASSERT_TRUE(out.empty()) << "framed early at byte " << i;
      EXPECT_EQ(f.buffered_bytes(), i + 1);
    }
  }
  ASSERT_EQ(messages_of(out), std::vector<std::string>{m});
}

TEST(StreamFramer, SplitInsideTheEmptyLineAndTheBody) {
  const auto m = message("x", "0123456789");
  const auto head_end = m.find("\r\n\r\n");
  // every split point around the header end and inside the body
  for (std::size_t cut = head_end - 1; cut < m.size(); ++cut) {
    StreamFramer f;
    std::vector<FramedItem> out;
    ASSERT_EQ(f.feed(m.substr(0, cut), out), FramingError::none);
    EXPECT_TRUE(out.empty()) << cut;
    ASSERT_EQ(f.feed(m.substr(cut), out), FramingError::none);
    ASSERT_EQ(messages_of(out), std::vector<std::string>{m}) << cut;
  }
}

TEST(StreamFramer, CoalescedMessagesAndPings) {
  StreamFramer f;
  std::vector<FramedItem> out;
  const auto a = message("a", "first");
  const auto b = message("b");
  const auto c = message("c", "third body");
  const std::string stream = a + b + "\r\n\r\n" + c + "\r\n\r\n" + message("d").substr(0, 20);
  EXPECT_EQ(f.feed(stream, out), FramingError::none);
  ASSERT_EQ(out.size(), 5u);
  EXPECT_EQ(out[0].bytes, a);
  EXPECT_EQ(out[1].bytes, b);
  EXPECT_EQ(out[2].kind, FramedItem::Kind::ping);
  EXPECT_EQ(out[3].bytes, c);
  EXPECT_EQ(out[4].kind, FramedItem::Kind::ping);
  EXPECT_EQ(f.buffered_bytes(), 20u);  // the start of "d" waits for more
}

TEST(StreamFramer, KeepAlivePingSplitAcrossReads) {
  StreamFramer f;
  std::vector<FramedItem> out;
  EXPECT_EQ(f.feed("\r\n", out), FramingError::none);
  EXPECT_TRUE(out.empty());  // a lone CRLF is not a ping (yet)
  EXPECT_EQ(f.feed("\r", out), FramingError::none);
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(f.feed("\n", out), FramingError::none);
  EXPECT_EQ(pings_of(out), 1);
  EXPECT_EQ(f.feed("\r\n\r\n\r\n\r\n", out), FramingError::none);
  EXPECT_EQ(pings_of(out), 3);
}

TEST(StreamFramer, LoneCrlfBetweenMessagesIsIgnored) {
  StreamFramer f;
  std::vector<FramedItem> out;
  const auto a = message("a");
  const auto b = message("b");
  EXPECT_EQ(f.feed(a + "\r\n" + b + "\r\n", out), FramingError::none);
  EXPECT_EQ(pings_of(out), 0);
  EXPECT_EQ(messages_of(out), (std::vector<std::string>{a, b}));
}

TEST(StreamFramer, CompactContentLengthAndFolding) {
  StreamFramer f;
  std::vector<FramedItem> out;
  const std::string m =
      "OPTIONS sip:b@example.com SIP/2.0\r\nv: SIP/2.0/TCP h;branch=z9hG4bK1\r\nl:\r\n  3\r\n\r\nabcNEXT";
  EXPECT_EQ(f.feed(m, out), FramingError::none);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].bytes, m.substr(0, m.size() - 4));
  EXPECT_EQ(f.buffered_bytes(), 4u);
}

TEST(StreamFramer, MissingContentLengthIsAnError) {
  StreamFramer f;
  std::vector<FramedItem> out;
  const auto good = message("good");
  const std::string bad = "OPTIONS sip:b@example.com SIP/2.0\r\nCall-ID: x\r\n\r\n";
  EXPECT_EQ(f.feed(good + bad, out), FramingError::missing_content_length);
  EXPECT_EQ(messages_of(out), std::vector<std::string>{good});  // what came before still counts
  EXPECT_EQ(f.feed(message("later"), out), FramingError::missing_content_length);  // the stream is over
  EXPECT_EQ(out.size(), 1u);
}

TEST(StreamFramer, BadContentLengths) {
  for (const std::string value : {"-1", "abc", "1 2", "", "+5", "0x10", "99999999999999999999999"}) {
    StreamFramer f;
    std::vector<FramedItem> out;
    const std::string m = "OPTIONS sip:b@example.com SIP/2.0\r\nContent-Length: " + value + "\r\n\r\n";
    EXPECT_EQ(f.feed(m, out), FramingError::bad_content_length) << "'" << value << "'";
    EXPECT_TRUE(out.empty());
  }
  StreamFramer f;
  std::vector<FramedItem> out;
  EXPECT_EQ(f.feed("OPTIONS sip:b SIP/2.0\r\nContent-Length: 1\r\nl: 2\r\n\r\nab", out),
            FramingError::bad_content_length);
}

TEST(StreamFramer, HeaderSectionBeyondTheLimit) {
  StreamFramer f(200);
  std::vector<FramedItem> out;
  std::string m = "OPTIONS sip:b@example.com SIP/2.0\r\n";
  FramingError e = FramingError::none;
  // an endless header section, fed in pieces: the buffer stops at the limit
  for (int i = 0; i < 100 && e == FramingError::none; ++i) {
    e = f.feed(i == 0 ? m : "X-Filler: 0123456789\r\n", out);
    EXPECT_LE(f.buffered_bytes(), 200u);
  }
  EXPECT_EQ(e, FramingError::header_too_large);
  EXPECT_EQ(f.buffered_bytes(), 0u);
  EXPECT_TRUE(out.empty());
}

TEST(StreamFramer, MessageBeyondTheLimitIsRefusedBeforeItsBody) {
  const auto m = message("big", std::string(150, 'x'));
  StreamFramer f(m.size() - 1);
  std::vector<FramedItem> out;
  const auto head = m.substr(0, m.find("\r\n\r\n") + 4);
  EXPECT_EQ(f.feed(head, out), FramingError::message_too_large);  // no body byte needed to decide
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(f.buffered_bytes(), 0u);
}

TEST(StreamFramer, MessageExactlyAtTheLimitPasses) {
  const auto m = message("fit", std::string(100, 'y'));
  StreamFramer f(m.size());
  std::vector<FramedItem> out;
  EXPECT_EQ(f.feed(m + m, out), FramingError::none);
  EXPECT_EQ(messages_of(out), (std::vector<std::string>{m, m}));
}

TEST(StreamFramer, HugeContentLengthDoesNotOverflow) {
  StreamFramer f(1000);
  std::vector<FramedItem> out;
  EXPECT_EQ(f.feed("OPTIONS sip:b SIP/2.0\r\nContent-Length: 18446744073709551\r\n\r\n", out),
            FramingError::message_too_large);
}

TEST(StreamFramer, BareLineFeedsFrameToo) {
  StreamFramer f;
  std::vector<FramedItem> out;
  const std::string m = "OPTIONS sip:b SIP/2.0\nContent-Length: 2\n\nok";
  EXPECT_EQ(f.feed(m, out), FramingError::none);
  EXPECT_EQ(messages_of(out), std::vector<std::string>{m});
}

}  // namespace
}  // namespace imsbox::sip
