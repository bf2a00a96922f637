// Formats with their rtpmap/fmtp/rtcp-fb lines as one unit.
#include <gtest/gtest.h>

#include "corpus.h"
#include "sdp/formats.h"
#include "sdp/parser.h"

namespace imsbox::sdp {
namespace {

MediaDescription chromium_audio() {
  auto r = parse(test::load("chromium_offer_audio.sdp"));
  EXPECT_TRUE(r.ok());
  return r.description->media.at(0);
}

TEST(Formats, StaticPayloadTypes) {
  EXPECT_EQ(static_rtpmap(0), (Rtpmap{0, "PCMU", 8000, std::nullopt}));
  EXPECT_EQ(static_rtpmap(8), (Rtpmap{8, "PCMA", 8000, std::nullopt}));
  EXPECT_EQ(static_rtpmap(9), (Rtpmap{9, "G722", 8000, std::nullopt}));
  EXPECT_EQ(static_rtpmap(18), (Rtpmap{18, "G729", 8000, std::nullopt}));
  EXPECT_EQ(static_rtpmap(10), (Rtpmap{10, "L16", 44100, 2}));
  EXPECT_FALSE(static_rtpmap(2));
  EXPECT_FALSE(static_rtpmap(96));
  MediaDescription m;
  m.formats = {"0", "8", "96"};
  EXPECT_EQ(rtpmap_for(m, "8")->encoding, "PCMA");
  EXPECT_FALSE(rtpmap_for(m, "96"));  // dynamic without rtpmap: unknown
  m.attributes.add("rtpmap", "0 PCMU/8000/1");
  EXPECT_EQ(rtpmap_for(m, "0"), (Rtpmap{0, "PCMU", 8000, 1}));  // the line wins
}

TEST(Formats, FormatOf) {
  EXPECT_EQ(format_of({"rtpmap", "96 AMR/8000"}), "96");
  EXPECT_EQ(format_of({"fmtp", "101 0-15"}), "101");
  EXPECT_EQ(format_of({"rtcp-fb", "* ccm fir"}), "*");
  EXPECT_EQ(format_of({"ssrc", "1 cname:x"}), "");
  EXPECT_EQ(format_of({"rtpmap", std::nullopt}), "");
}

TEST(Formats, RemoveFormatTakesItsLines) {
  auto m = chromium_audio();
  m.attributes.add("rtcp-fb", "* ccm fir");
  const auto before = m.attributes.size();
  EXPECT_TRUE(remove_format(m, "111"));
  EXPECT_EQ(m.formats, (std::vector<std::string>{"63", "9", "0", "8", "13", "110", "126"}));
  EXPECT_FALSE(rtpmap_for(m, "111"));
  EXPECT_FALSE(fmtp_for(m, "111"));
  EXPECT_EQ(m.attributes.size(), before - 3);  // rtpmap, rtcp-fb, fmtp of 111
  EXPECT_EQ(rtcp_fb_for(m, "0"), (std::vector<RtcpFb>{{"*", "ccm", "fir"}}));
  EXPECT_FALSE(remove_format(m, "111"));
  EXPECT_FALSE(remove_format(m, ""));
  EXPECT_EQ(m.attributes.size(), before - 3);
}

TEST(Formats, RetainAndPrefer) {
  auto m = chromium_audio();
  EXPECT_EQ(retain_formats(m, [](std::string_view f) { return f == "0" || f == "8" || f == "110"; }), 5u);
  EXPECT_EQ(m.formats, (std::vector<std::string>{"0", "8", "110"}));
  for (const auto& a : m.attributes) {
    if (is_format_attribute(a)) {
      EXPECT_TRUE(format_of(a) == "0" || format_of(a) == "8" || format_of(a) == "110") << *a.value;
    }
  }
  EXPECT_TRUE(prefer_format(m, "110"));
  EXPECT_EQ(m.formats, (std::vector<std::string>{"110", "0", "8"}));
  EXPECT_FALSE(prefer_format(m, "111"));
}

TEST(Formats, AddFormatAfterTheFormatLines) {
  auto m = chromium_audio();
  add_format(m, Rtpmap{96, "AMR-WB", 16000, std::nullopt}, Fmtp{"ignored", {{"octet-align", "1"}, {"mode-set", "0,1,2"}}});
  EXPECT_EQ(m.formats.back(), "96");
  EXPECT_EQ(rtpmap_for(m, "96"), (Rtpmap{96, "AMR-WB", 16000, std::nullopt}));
  EXPECT_EQ(fmtp_for(m, "96")->get("mode-set"), "0,1,2");
  // right after the last format line (126's rtpmap), before the ssrc lines
  const auto at = m.attributes.index_of("rtpmap", 0);
  (void)at;
  const auto rtpmap96 = [&] {
    for (std::size_t i = 0; i < m.attributes.size(); ++i)
      if (m.attributes[i].value == "96 AMR-WB/16000") return i;
    return Attributes::npos;
  }();
  ASSERT_NE(rtpmap96, Attributes::npos);
  EXPECT_EQ(m.attributes[rtpmap96 - 1].value, "126 telephone-event/8000");
  EXPECT_EQ(m.attributes[rtpmap96 + 1].value, "96 octet-align=1;mode-set=0,1,2");
  EXPECT_EQ(m.attributes[rtpmap96 + 2].name, "ssrc");

  // the same payload type again replaces it
  add_format(m, Rtpmap{96, "AMR", 8000, std::nullopt});
  EXPECT_EQ(std::count(m.formats.begin(), m.formats.end(), "96"), 1);
  EXPECT_EQ(rtpmap_for(m, "96")->encoding, "AMR");
  EXPECT_FALSE(fmtp_for(m, "96"));

  MediaDescription empty;
  empty.formats = {};
  add_format(empty, Rtpmap{0, "PCMU", 8000, std::nullopt});
  EXPECT_EQ(empty.attributes, (Attributes{{"rtpmap", "0 PCMU/8000"}}));
}

TEST(Formats, FindAndFreePayloadType) {
  auto m = chromium_audio();
  EXPECT_EQ(find_format(m, "OPUS", 48000), "111");
  EXPECT_EQ(find_format(m, "pcmu", 8000), "0");
  EXPECT_FALSE(find_format(m, "opus", 16000));
  EXPECT_EQ(free_dynamic_payload_type(m), 96);
  MediaDescription full;
  for (int pt = 96; pt <= 127; ++pt) full.formats.push_back(std::to_string(pt));
  EXPECT_FALSE(free_dynamic_payload_type(full));
  full.formats.pop_back();
  EXPECT_EQ(free_dynamic_payload_type(full), 127);
  full.attributes.add("fmtp", "127 x=1");  // a stray line still holds the number
  EXPECT_FALSE(free_dynamic_payload_type(full));
}

}  // namespace
}  // namespace imsbox::sdp
