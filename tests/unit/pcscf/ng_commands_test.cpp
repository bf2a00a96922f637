// The ng requests the P-CSCF sends, read back by the AGW's own request
// parser (what our AGW accepts), and the counts it reads from query
// answers in rtpengine's shape and in ours (agw/ng/reply.h).
#include "pcscf/ng_commands.h"

#include <gtest/gtest.h>

#include "agw/ng/reply.h"
#include "agw/ng/request.h"

namespace imsbox::pcscf {
namespace {

agw::ng::NgRequest parsed(const std::string& dictionary) {
  const auto m = agw::ng::parse_message("cookie1 " + dictionary);
  EXPECT_TRUE(m.parsed.request) << m.parsed.error << ": " << dictionary;
  return m.parsed.request ? *m.parsed.request : agw::ng::NgRequest{};
}

TEST(NgCommandsTest, OfferTowardAWebRtcUe) {
  OfferAnswerParams p;
  p.call_id = "abc@h;term";
  p.from_tag = "net1";
  p.via_branch = "z9hG4bK1";
  p.sdp = "v=0\r\n";
  p.label = "network";
  p.toward = MediaForm::webrtc;
  const auto r = parsed(ng_offer(p));
  EXPECT_EQ(r.command, agw::ng::Command::offer);
  EXPECT_EQ(r.call_id, "abc@h;term");
  EXPECT_EQ(r.from_tag, "net1");
  EXPECT_TRUE(r.to_tag.empty());
  EXPECT_EQ(r.via_branch, "z9hG4bK1");
  EXPECT_EQ(r.label, "network");
  EXPECT_EQ(r.sdp, "v=0\r\n");
  EXPECT_EQ(r.transport_protocol, "UDP/TLS/RTP/SAVPF");
  EXPECT_EQ(r.ice, std::vector<std::string>{"force"});
  EXPECT_EQ(r.dtls, std::vector<std::string>{"passive"});
  EXPECT_EQ(r.rtcp_mux, std::vector<std::string>{"require"});
  EXPECT_EQ(r.replace, (std::vector<std::string>{"origin", "session-connection"}));
  EXPECT_TRUE(r.has_flag("inject DTMF"));
}

// rtpengine starts DTLS as the client on a browser's offer (before the
// answer says who is) unless told to wait; our AGW ignores the key.
TEST(NgCommandsTest, AnOfferFromABrowserAsksTheAgwToWaitForItsDtlsClientHello) {
  OfferAnswerParams p;
  p.call_id = "c;orig";
  p.from_tag = "a1";
  p.sdp = "v=0\r\n";
  p.from_webrtc = true;
  const auto text = ng_offer(p);
  const auto doc = agw::ng::decode_bencode(text);
  ASSERT_TRUE(doc.document);
  const auto reverse = doc.document->root().get("DTLS-reverse");
  ASSERT_TRUE(reverse);
  EXPECT_EQ(reverse->str(), "passive");
  p.from_webrtc = false;
  EXPECT_FALSE(agw::ng::decode_bencode(ng_offer(p)).document->root().get("DTLS-reverse"));
  parsed(text);  // and our AGW still takes it
}

TEST(NgCommandsTest, AnswerTowardTheNetwork) {
  OfferAnswerParams p;
  p.call_id = "abc@h;term";
  p.from_tag = "net1";
  p.to_tag = "ue1";
  p.sdp = "v=0\r\n";
  p.toward = MediaForm::plain_rtp;
  const auto r = parsed(ng_answer(p));
  EXPECT_EQ(r.command, agw::ng::Command::answer);
  EXPECT_EQ(r.to_tag, "ue1");
  EXPECT_EQ(r.transport_protocol, "RTP/AVP");
  EXPECT_EQ(r.ice, std::vector<std::string>{"remove"});
  EXPECT_EQ(r.dtls, std::vector<std::string>{"off"});
  EXPECT_EQ(r.rtcp_mux, std::vector<std::string>{"demux"});
}

TEST(NgCommandsTest, DeleteQueryPlayDtmfAndPing) {
  auto r = parsed(ng_delete("c;orig", "f1"));
  EXPECT_EQ(r.command, agw::ng::Command::delete_);
  EXPECT_EQ(r.from_tag, "f1");
  r = parsed(ng_query("c;orig"));
  EXPECT_EQ(r.command, agw::ng::Command::query);
  EXPECT_EQ(r.call_id, "c;orig");
  r = parsed(ng_play_dtmf("c;orig", "f1", '#', 160));
  EXPECT_EQ(r.command, agw::ng::Command::play_dtmf);
  EXPECT_EQ(r.code, 11);
  EXPECT_EQ(r.duration_ms, 160);
  EXPECT_EQ(parsed(ng_ping()).command, agw::ng::Command::ping);
  EXPECT_EQ(ng_call_id("x@y", true), "x@y;orig");
  EXPECT_EQ(ng_call_id("x@y", false), "x@y;term");
}

// rtpengine 10.5's query answer (its docs/ng_control_protocol.md example,
// cut to one RTP stream per party), with the SSRC entry its RTCP makes.
TEST(NgCommandsTest, ReadsRtpenginesQueryAnswer) {
  const std::string answer =
      "d6:result2:ok7:createdi1402064111e11:last signali1402064116e"
      "6:totalsd3:RTPd5:bytesi100287e6:errorsi0e7:packetsi705ee4:RTCPd5:bytesi2244e6:errorsi0e7:packetsi22eee"
      "4:SSRCd4:1234d15:cumulative lossi7e11:average MOSd3:MOSi43e6:jitteri12eeee"
      "4:tagsd"
      "10:cs6kn1rlocd3:tag10:cs6kn1rloc6:mediasld8:protocol7:RTP/AVP7:streamsld10:local porti30018e"
      "4:SSRCi1234e5:statsd7:packetsi343e5:bytesi56950e6:errorsi0eeeeeee"
      "8:0f0d2e18d3:tag8:0f0d2e186:mediasld8:protocol9:RTP/SAVPF7:streamsld10:local porti30016e"
      "5:statsd7:packetsi362e5:bytesi43337e6:errorsi0eeeeeee"
      "ee";
  const auto doc = agw::ng::decode_bencode(answer);
  ASSERT_TRUE(doc.document) << doc.error;
  const auto m = read_call_media(doc.document->root(), "0f0d2e18");
  EXPECT_TRUE(m.has_tags);
  EXPECT_EQ(m.rtp_packets, 705u);
  EXPECT_EQ(m.rtp_bytes, 100287u);
  EXPECT_EQ(m.from_ue.packets, 362u);
  EXPECT_EQ(m.from_ue.bytes, 43337u);
  EXPECT_FALSE(m.from_ue.lost);
  EXPECT_EQ(m.from_network.packets, 343u);
  EXPECT_EQ(m.from_network.lost, 7u);
  EXPECT_EQ(m.from_network.jitter_ms, 12u);
}

// Our AGW's query answer (agw/ng/reply.h): `packets lost` and `jitter` in a stream's stats.
TEST(NgCommandsTest, ReadsOurAgwsQueryAnswer) {
  agw::ng::CallStats stats;
  stats.totals_rtp = {900, 144000, 0};
  agw::ng::TagStats ue;
  ue.tag = "ue1";
  agw::ng::MediaStats m1;
  agw::ng::StreamStats s1;
  s1.stats = {500, 80000, 0};
  s1.packets_lost = 3;
  s1.jitter_ms = 4;
  m1.streams.push_back(s1);
  ue.medias.push_back(m1);
  agw::ng::TagStats net;
  net.tag = "net1";
  agw::ng::MediaStats m2;
  agw::ng::StreamStats s2;
  s2.stats = {400, 64000, 0};
  s2.packets_lost = 1;
  s2.jitter_ms = 9;
  m2.streams.push_back(s2);
  net.medias.push_back(m2);
  stats.tags = {ue, net};
  agw::ng::NgReply reply;
  reply.stats = stats;
  const auto text = agw::ng::encode_reply(reply, agw::ng::Format::bencode);
  const auto doc = agw::ng::decode_bencode(text);
  ASSERT_TRUE(doc.document) << doc.error;
  const auto m = read_call_media(doc.document->root(), "ue1");
  EXPECT_EQ(m.rtp_packets, 900u);
  EXPECT_EQ(m.from_ue.packets, 500u);
  EXPECT_EQ(m.from_ue.lost, 3u);
  EXPECT_EQ(m.from_ue.jitter_ms, 4u);
  EXPECT_EQ(m.from_network.packets, 400u);
  EXPECT_EQ(m.from_network.bytes, 64000u);
  EXPECT_EQ(m.from_network.lost, 1u);
  EXPECT_EQ(m.from_network.jitter_ms, 9u);
}

TEST(NgCommandsTest, AnAnswerWithoutCountsReadsAsNothing) {
  const auto doc = agw::ng::decode_bencode("d6:result2:oke");
  const auto m = read_call_media(doc.document->root(), "ue1");
  EXPECT_EQ(m.rtp_packets, 0u);
  EXPECT_FALSE(m.has_tags);
}

}  // namespace
}  // namespace imsbox::pcscf
