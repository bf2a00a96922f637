// Replies as rtpengine writes them: result, error-reason, warning, sdp, stats.
#include <gtest/gtest.h>

#include "agw/ng/reply.h"
#include "agw/ng/value.h"

namespace imsbox::agw::ng {
namespace {

TEST(Reply, PongAsInRtpenginesDocs) { EXPECT_EQ(encode_reply(NgReply::pong(), Format::bencode), "d6:result4:ponge"); }

TEST(Reply, ErrorCarriesOnlyTheReason) {
  NgReply r = NgReply::error("not implemented yet");
  r.warning = "dropped";
  r.sdp = "v=0";
  EXPECT_EQ(encode_reply(r, Format::bencode), "d6:result5:error12:error-reason19:not implemented yete");
  EXPECT_EQ(encode_reply(r, Format::json), R"({"result":"error","error-reason":"not implemented yet"})");
}

TEST(Reply, OkWithSdpAndWarning) {
  NgReply r = NgReply::with_sdp("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\n");
  r.warning = "codec G729 stripped";
  EXPECT_EQ(encode_reply(r, Format::bencode),
            "d6:result2:ok7:warning19:codec G729 stripped3:sdp31:v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ne");
  EXPECT_EQ(encode_reply(r, Format::json),
            R"({"result":"ok","warning":"codec G729 stripped","sdp":"v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\n"})");
}

TEST(Reply, PlayMediaDurationAndStopMediaLastFramePos) {
  NgReply play = NgReply::ok();
  play.duration_ms = 2340;
  EXPECT_EQ(encode_reply(play, Format::bencode), "d6:result2:ok8:durationi2340ee");
  EXPECT_EQ(encode_reply(play, Format::json), R"({"result":"ok","duration":2340})");
  NgReply stop = NgReply::ok();
  stop.last_frame_pos = 17;
  EXPECT_EQ(encode_reply(stop, Format::bencode), "d6:result2:ok14:last-frame-posi17ee");
}

TEST(Reply, StatsInRtpenginesShape) {
  CallStats s;
  s.created = 1402064111;
  s.last_signal = 1402064116;
  s.totals_rtp = {705, 100287, 0};
  s.totals_rtcp = {22, 2244, 1};
  TagStats caller;
  caller.tag = "cs6kn1rloc";
  caller.label = "caller";
  caller.in_dialogue_with = "0f0d2e18";
  caller.created = 1402064111;
  MediaStats m;
  m.protocol = "RTP/AVP";
  StreamStats rtp;
  rtp.local_port = 30018;
  rtp.stats = {343, 56950, 0};
  rtp.packets_lost = 4;
  rtp.jitter_ms = 12;
  StreamStats rtcp;
  rtcp.local_port = 30019;
  rtcp.stats = {2, 164, 0};
  m.streams = {rtp, rtcp};
  caller.medias = {m};
  s.tags = {caller};
  NgReply r;
  r.stats = s;
  const std::string text = encode_reply(r, Format::bencode);
  const auto d = decode_bencode(text);
  ASSERT_TRUE(d.document) << d.error;
  const Value root = d.document->root();
  EXPECT_EQ(root.get("result")->str(), "ok");
  EXPECT_EQ(root.get("created")->integer(), 1402064111);
  EXPECT_EQ(root.get("last signal")->integer(), 1402064116);
  EXPECT_EQ(root.get("totals")->get("RTP")->get("packets")->integer(), 705);
  EXPECT_EQ(root.get("totals")->get("RTP")->get("bytes")->integer(), 100287);
  EXPECT_EQ(root.get("totals")->get("RTCP")->get("errors")->integer(), 1);
  const auto tag = root.get("tags")->get("cs6kn1rloc");
  ASSERT_TRUE(tag);
  EXPECT_EQ(tag->get("tag")->str(), "cs6kn1rloc");
  EXPECT_EQ(tag->get("label")->str(), "caller");
  EXPECT_EQ(tag->get("in dialogue with")->str(), "0f0d2e18");
  const Value media = *tag->get("medias")->items().begin();
  EXPECT_EQ(media.get("index")->integer(), 1);
  EXPECT_EQ(media.get("type")->str(), "audio");
  EXPECT_EQ(media.get("protocol")->str(), "RTP/AVP");
  const auto streams = media.get("streams");
  ASSERT_EQ(streams->size(), 2u);
  const Value first = *streams->items().begin();
  EXPECT_EQ(first.get("local port")->integer(), 30018);
  EXPECT_EQ(first.get("stats")->get("packets")->integer(), 343);
  EXPECT_EQ(first.get("stats")->get("bytes")->integer(), 56950);
  EXPECT_EQ(first.get("stats")->get("packets lost")->integer(), 4);
  EXPECT_EQ(first.get("stats")->get("jitter")->integer(), 12);
  const Value second = *++streams->items().begin();
  EXPECT_FALSE(second.get("stats")->get("jitter"));  // not measured: not written
  // JSON says the same
  const auto j = decode_json(encode_reply(r, Format::json));
  ASSERT_TRUE(j.document) << j.error;
  EXPECT_EQ(j.document->root().get("tags")->get("cs6kn1rloc")->get("created")->integer(), 1402064111);
  EXPECT_FALSE(root.get("media timeout"));  // not timed out: not written
  EXPECT_FALSE(first.get("last packet"));
}

TEST(Reply, MediaTimeoutAndLastPacket) {
  CallStats s;
  s.media_timeout = true;
  TagStats t;
  t.tag = "a";
  MediaStats m;
  StreamStats rtp;
  rtp.local_port = 30000;
  rtp.last_packet = 1402064170;
  m.streams = {rtp};
  t.medias = {m};
  s.tags = {t};
  NgReply r;
  r.stats = s;
  const auto d = decode_bencode(encode_reply(r, Format::bencode));
  ASSERT_TRUE(d.document) << d.error;
  const Value root = d.document->root();
  EXPECT_EQ(root.get("media timeout")->str(), "yes");
  const Value media = *root.get("tags")->get("a")->get("medias")->items().begin();
  EXPECT_EQ((*media.get("streams")->items().begin()).get("last packet")->integer(), 1402064170);
}

}  // namespace
}  // namespace imsbox::agw::ng
