// How ng offer keys become the engine's options: rtpengine's meanings, and
// what Kamailio's rtpengine module sends (agw_ng_test.sh's flags).
#include "agw/request_options.h"

#include <gtest/gtest.h>

namespace imsbox::agw {
namespace {

ng::NgRequest request() {
  ng::NgRequest r;
  r.command = ng::Command::offer;
  r.call_id = "c";
  r.from_tag = "f";
  return r;
}

TEST(RequestOptions, KamailiosPhoneSideFlags) {
  auto r = request();
  r.transport_protocol = "RTP/AVP";
  r.ice = {"remove"};
  r.replace = {"origin", "session-connection"};
  r.flags = {"trust-address"};
  const auto o = request_options(r);
  EXPECT_TRUE(o.error.empty());
  EXPECT_TRUE(o.warnings.empty());
  EXPECT_EQ(o.offer.answerer_kind, LegKind::phone);
  EXPECT_EQ(o.offer.ice, OfferOptions::Ice::remove);
  EXPECT_TRUE(o.offer.replace_origin);
}

TEST(RequestOptions, BrowserSide) {
  auto r = request();
  r.transport_protocol = "UDP/TLS/RTP/SAVPF";
  r.ice = {"force"};
  r.dtls = {"passive"};
  r.rtcp_mux = {"require"};
  r.codec.transcode = {"opus"};
  r.codec.mask = {"AMR"};
  r.codec.strip = {"G722"};
  r.codec.accept = {"PCMU"};
  const auto o = request_options(r);
  EXPECT_TRUE(o.error.empty());
  EXPECT_EQ(o.offer.answerer_kind, LegKind::browser);
  EXPECT_EQ(o.offer.ice, OfferOptions::Ice::force);
  EXPECT_EQ(o.offer.dtls, OfferOptions::Dtls::passive);
  EXPECT_TRUE(o.offer.rtcp_mux_require);
  EXPECT_EQ(o.offer.codec_transcode, std::vector<std::string>{"opus"});
  EXPECT_EQ(o.offer.codec_mask, std::vector<std::string>{"AMR"});
  EXPECT_EQ(o.offer.codec_strip, std::vector<std::string>{"G722"});
  EXPECT_EQ(o.offer.codec_accept, std::vector<std::string>{"PCMU"});
}

TEST(RequestOptions, NoTransportProtocolKeepsTheOfferersKind) {
  EXPECT_FALSE(request_options(request()).offer.answerer_kind);
}

TEST(RequestOptions, Refused) {
  auto r = request();
  r.transport_protocol = "RTP/SAVP";
  EXPECT_NE(request_options(r).error.find("SDES"), std::string::npos);
  r.transport_protocol = "TCP/MSRP";
  EXPECT_NE(request_options(r).error.find("not supported"), std::string::npos);
  r = request();
  r.dtls = {"active"};
  EXPECT_NE(request_options(r).error.find("DTLS=active"), std::string::npos);
}

TEST(RequestOptions, UnknownValuesAreWarnings) {
  auto r = request();
  r.ice = {"lite"};
  r.rtcp_mux = {"offer", "sometimes"};
  r.replace = {"sdp-version"};
  r.dtls = {"fingerprint"};
  const auto o = request_options(r);
  EXPECT_TRUE(o.error.empty());
  EXPECT_TRUE(o.offer.rtcp_mux_offer);
  EXPECT_EQ(o.warnings.size(), 4u);
}

}  // namespace
}  // namespace imsbox::agw
