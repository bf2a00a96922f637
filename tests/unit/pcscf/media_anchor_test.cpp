// The P-CSCF's media anchoring (pcscf/media_anchor.h) through its service,
// with a fake proxy helper, a fake originator, timers on a manual clock and
// a fake AGW: the test reads the ng datagrams the service sends with the
// AGW's own parser (agw/ng/request.h) and answers them with the AGW's own
// reply writer (agw/ng/reply.h).
#include "pcscf/media_anchor.h"

#include <gtest/gtest.h>


#include "agw/ng/reply.h"
#include "agw/ng/request.h"
#include "ims/rtp_stat.h"
#include "pcscf/pcscf_service.h"
#include "runtime/clock.h"
#include "runtime/log.h"
#include "runtime/metrics.h"
#include "sip/proxy/routing.h"
#include "unit/file_text.h"
#include "unit/proxy_fakes.h"

namespace imsbox::pcscf {
namespace {

using namespace std::chrono_literals;
using sip::HeaderId;
using sip::proxy::Verdict;
using test::parse;
using FakeHelper = test::FakeProxyHelper;

std::string value(const sip::Message& m, HeaderId id) {
  const auto* h = m.find(id);
  return h ? std::string(h->value) : std::string("(none)");
}
std::string value(const sip::Message& m, std::string_view name) {
  const auto* h = m.find(name);
  return h ? std::string(h->value) : std::string("(none)");
}

sip::Peer udp(std::uint16_t port) {
  sip::Peer p;
  p.address = boost::asio::ip::make_address("127.0.0.1");
  p.port = port;
  return p;
}
sip::Peer wss(sip::ConnectionId id) {
  sip::Peer p = udp(41000);
  p.transport = sip::Transport::wss;
  p.connection = id;
  return p;
}

const sip::Peer kBrowser = wss(7);   // alice: the web client
const sip::Peer kPhone = udp(5070);  // carl: a phone over UDP
const sip::Peer kScscf = udp(6060);
constexpr std::string_view kBrowserContact = "sip:k3ud@df7jal23ls0d.invalid;transport=ws";
constexpr std::string_view kServiceRoute = "<sip:orig@scscf.ims.test:6060;lr>";

const std::string kBrowserSdp =
    "v=0\r\no=- 4611 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
    "m=audio 9 UDP/TLS/RTP/SAVPF 111 0\r\nc=IN IP4 0.0.0.0\r\na=rtpmap:111 opus/48000/2\r\n"
    "a=rtpmap:0 PCMU/8000\r\na=setup:actpass\r\na=rtcp-mux\r\n";
const std::string kPhoneSdp =
    "v=0\r\no=- 1 1 IN IP4 192.0.2.7\r\ns=-\r\nc=IN IP4 192.0.2.7\r\nt=0 0\r\n"
    "m=audio 6000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n";
std::string agw_sdp(int port, std::string_view proto = "RTP/AVP") {
  return "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio " + std::to_string(port) +
         " " + std::string(proto) + " 0\r\na=rtpmap:0 PCMU/8000\r\n";
}

struct FakeOriginator : sip::proxy::RequestOriginator {
  struct Sent {
    sip::Message request;
    std::optional<sip::Peer> to;
    Done done;
  };
  std::vector<Sent> sent;
  bool originate(sip::Message request, std::optional<sip::Peer> to, Done done) override {
    sent.push_back({std::move(request), to, std::move(done)});
    return true;
  }
};

// A request as a UE or the network sends it. `extra`: header fields; `body`: an SDP.
std::string request_text(std::string_view method, std::string_view uri, std::string_view from, std::string_view to,
                         std::string_view extra, std::string_view body = {}, std::uint32_t cseq = 1,
                         std::string_view call_id = "call-1@ims.test", std::string_view branch = "z9hG4bKu1") {
  std::string t = std::string(method) + " " + std::string(uri) + " SIP/2.0\r\n";
  t += "Via: SIP/2.0/UDP 127.0.0.1:5070;branch=" + std::string(branch) + "\r\n";
  t += "Max-Forwards: 70\r\n";
  t += "From: " + std::string(from) + "\r\nTo: " + std::string(to) + "\r\n";
  t += "Call-ID: " + std::string(call_id) + "\r\n";
  t += "CSeq: " + std::to_string(cseq) + " " + std::string(method == "ACK" ? "ACK" : method) + "\r\n";
  t += std::string(extra);
  if (!body.empty()) t += "Content-Type: application/sdp\r\n";
  t += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + std::string(body);
  return t;
}

// A response to the request the helper holds, with the To tag `tag`.
sip::Message response_to(FakeHelper& h, int status, std::string_view tag, std::string_view extra,
                         std::string_view body = {}) {
  const auto& r = h.request();
  std::string text = "SIP/2.0 " + std::to_string(status) + " Whatever\r\n";
  for (const auto& f : r.headers()) {
    if (f.id == HeaderId::via || f.id == HeaderId::from || f.id == HeaderId::call_id || f.id == HeaderId::cseq) {
      text += std::string(sip::header_name(f.id)) + ": " + std::string(f.value) + "\r\n";
    }
  }
  std::string to = value(r, HeaderId::to);
  if (!tag.empty() && to.find(";tag=") == std::string::npos) to += ";tag=" + std::string(tag);
  text += "To: " + to + "\r\n" + std::string(extra);
  if (!body.empty()) text += "Content-Type: application/sdp\r\n";
  text += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + std::string(body);
  return parse(text);
}

class MediaAnchorTest : public ::testing::Test {
 protected:
  MediaAnchorTest() : log_path_(test::test_log_path("media_anchor_test")), timers_(clock_) {}

  void make(AnchorMode mode) {
    std::remove(log_path_.c_str());
    log_ = std::make_unique<runtime::Logger>("pcscf", runtime::LogLevel::debug, log_path_, clock_);
    PcscfOptions o;
    o.domain = "ims.test";
    o.pcscf_uri = "sip:pcscf.ims.test:5060";
    o.path = "<sip:term@pcscf.ims.test:5060;lr>";
    o.icscf_route = "<sip:icscf.ims.test:4060;lr>";
    o.icid_generated_at = "127.0.0.1";
    o.own_hosts = {"pcscf.ims.test", "127.0.0.1"};
    o.own_ports = {5060, 5061, 8088, 8443};
    o.media.mode = mode;
    o.media.media_timeout = 10s;
    o.media.check_interval = 2s;
    o.media.ng.peer = "127.0.0.1:2223";
    service_ = std::make_unique<PcscfService>(o, *log_, clock_, &metrics_);
    service_->attach(originator_, timers_);
    service_->attach_media([this](std::string_view d) {
      ng_.emplace_back(d);
      return true;
    });
    register_ue("sip:alice@ims.test", kBrowserContact, kBrowser);
    register_ue("sip:carl@ims.test", "sip:carl@127.0.0.1:5070", kPhone);
  }
  void SetUp() override { make(AnchorMode::webrtc); }

  struct Run {
    std::unique_ptr<FakeHelper> helper;
    std::unique_ptr<sip::proxy::ProxyTsx> tsx;
    std::optional<Verdict> verdict;
  };
  Run run(const std::string& text, const sip::Peer& source) {
    Run r;
    const auto original = parse(text);
    r.helper = std::make_unique<FakeHelper>(text, source);
    sip::proxy::preprocess_route(r.helper->request(),
                                 [this](std::string_view uri) { return service_->is_own_uri(uri); });
    r.tsx = service_->on_request(original, source);
    if (r.tsx) r.verdict = r.tsx->on_request(*r.helper);
    return r;
  }
  // A response through the transaction, as the core passes it up.
  Verdict respond(Run& r, sip::Message& response) { return r.tsx->filter_response(*r.helper, response); }

  void register_ue(std::string_view impu, std::string_view contact, const sip::Peer& source) {
    std::string text = "REGISTER sip:ims.test SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKr\r\n"
                       "Max-Forwards: 70\r\nFrom: <" + std::string(impu) + ">;tag=r1\r\nTo: <" + std::string(impu) +
                       ">\r\nCall-ID: reg-" + std::string(impu) + "\r\nCSeq: 1 REGISTER\r\nContact: <" +
                       std::string(contact) + ">\r\nExpires: 600\r\nContent-Length: 0\r\n\r\n";
    auto r = run(text, source);
    ASSERT_EQ(r.verdict, Verdict::next);
    auto ok = response_to(*r.helper, 200, "s0",
                          "Contact: <" + std::string(contact) + ">;expires=600\r\nPath: "
                          "<sip:term@pcscf.ims.test:5060;lr>\r\nService-Route: " + std::string(kServiceRoute) +
                              "\r\nP-Associated-URI: <" + std::string(impu) + ">\r\n");
    r.tsx->on_response(*r.helper, ok);
  }

  // The n-th ng request the service sent, as the AGW reads it.
  agw::ng::NgRequest ng(std::size_t n) {
    EXPECT_LT(n, ng_.size());
    if (n >= ng_.size()) return {};
    const auto m = agw::ng::parse_message(ng_[n]);
    EXPECT_TRUE(m.parsed.request) << m.parsed.error << ": " << ng_[n];
    return m.parsed.request ? *m.parsed.request : agw::ng::NgRequest{};
  }
  // The AGW answers the n-th request.
  void answer(std::size_t n, const agw::ng::NgReply& reply) {
    const auto cookie = agw::ng::message_cookie(ng_.at(n));
    service_->on_ng_datagram(std::string(cookie) + " " + agw::ng::encode_reply(reply, agw::ng::Format::bencode));
  }
  void advance(std::chrono::microseconds d) {
    for (auto left = d; left > 0us; left -= 100ms) {
      clock_.advance(std::min<std::chrono::microseconds>(100ms, left));
      timers_.fire_due();
    }
  }
  std::string log_text() const { return imsbox::testing::file_text(log_path_); }
  std::vector<const FakeOriginator::Sent*> byes() const {
    std::vector<const FakeOriginator::Sent*> out;
    for (const auto& s : originator_.sent) {
      if (s.request.method() == "BYE") out.push_back(&s);
    }
    return out;
  }

  // alice (browser) calls carl's number through the network: her INVITE
  // through the AGW, then a 200 with `answer_sdp` (tag "c1"). Returns the run.
  Run browser_call(std::string_view answer_sdp = kPhoneSdp) {
    auto r = run(request_text("INVITE", "sip:carl@ims.test", "<sip:alice@ims.test>;tag=a1", "<sip:carl@ims.test>",
                              "Contact: <" + std::string(kBrowserContact) + ">\r\n", kBrowserSdp),
                 kBrowser);
    EXPECT_EQ(r.verdict, Verdict::wait);
    const auto offer = ng_.size() - 1;
    answer(offer, agw::ng::NgReply::with_sdp(agw_sdp(30000)));
    auto ok = response_to(*r.helper, 200, "c1",
                          "Contact: <sip:carl@192.0.2.7:5080>\r\nRecord-Route: <sip:scscf.ims.test:6060;lr>, "
                          "<sip:orig@pcscf.ims.test:5060;lr>\r\n",
                          answer_sdp);
    ok_ = std::make_unique<sip::Message>(std::move(ok));
    EXPECT_EQ(respond(r, *ok_), Verdict::wait);
    answer(ng_.size() - 1, agw::ng::NgReply::with_sdp(agw_sdp(30002, "UDP/TLS/RTP/SAVPF")));
    return r;
  }

  runtime::ManualClock clock_;
  std::string log_path_;
  std::unique_ptr<runtime::Logger> log_;
  runtime::TimerQueue timers_;
  runtime::Metrics metrics_;
  FakeOriginator originator_;
  std::vector<std::string> ng_;
  std::unique_ptr<PcscfService> service_;
  std::unique_ptr<sip::Message> ok_;  // browser_call()'s 200
};

// ---- which calls ----------------------------------------------------------------------

TEST_F(MediaAnchorTest, ABrowsersCallGoesThroughTheAgwTowardTheNetworkInPlainRtp) {
  auto r = run(request_text("INVITE", "sip:carl@ims.test", "<sip:alice@ims.test>;tag=a1", "<sip:carl@ims.test>",
                            "Contact: <" + std::string(kBrowserContact) + ">\r\n", kBrowserSdp, 1, "call-1@ims.test",
                            "z9hG4bKalice1"),
               kBrowser);
  EXPECT_EQ(r.verdict, Verdict::wait);  // until the AGW answers
  ASSERT_EQ(ng_.size(), 1u);
  const auto offer = ng(0);
  EXPECT_EQ(offer.command, agw::ng::Command::offer);
  EXPECT_EQ(offer.call_id, "call-1@ims.test;orig");
  EXPECT_EQ(offer.from_tag, "a1");
  EXPECT_TRUE(offer.to_tag.empty());
  EXPECT_EQ(offer.via_branch, "z9hG4bKalice1");
  EXPECT_EQ(offer.sdp, kBrowserSdp);
  EXPECT_EQ(offer.label, "ue");
  EXPECT_EQ(offer.transport_protocol, "RTP/AVP");  // toward the network
  EXPECT_EQ(offer.ice, std::vector<std::string>{"remove"});
  EXPECT_EQ(offer.dtls, std::vector<std::string>{"off"});
  EXPECT_EQ(offer.rtcp_mux, std::vector<std::string>{"demux"});
  EXPECT_NE(ng_[0].find("12:DTLS-reverse7:passive"), std::string::npos);  // from a browser
  EXPECT_TRUE(r.helper->resumed.empty());
  answer(0, agw::ng::NgReply::with_sdp(agw_sdp(30000)));
  EXPECT_EQ(r.helper->resumed, std::vector<Verdict>{Verdict::next});
  EXPECT_EQ(r.helper->request().body(), agw_sdp(30000));
  EXPECT_EQ(value(r.helper->request(), HeaderId::content_type), "application/sdp");

  // carl's 180 without SDP passes; his 200's answer goes to the AGW, toward the browser
  auto ringing = response_to(*r.helper, 180, "c1", "");
  EXPECT_EQ(respond(r, ringing), Verdict::next);
  auto ok = response_to(*r.helper, 200, "c1", "Contact: <sip:carl@192.0.2.7:5080>\r\n", kPhoneSdp);
  EXPECT_EQ(respond(r, ok), Verdict::wait);
  ASSERT_EQ(ng_.size(), 2u);
  const auto ans = ng(1);
  EXPECT_EQ(ans.command, agw::ng::Command::answer);
  EXPECT_EQ(ans.call_id, "call-1@ims.test;orig");
  EXPECT_EQ(ans.from_tag, "a1");  // the offerer's
  EXPECT_EQ(ans.to_tag, "c1");
  EXPECT_EQ(ans.via_branch, "z9hG4bKalice1");
  EXPECT_EQ(ans.label, "network");
  EXPECT_EQ(ans.transport_protocol, "UDP/TLS/RTP/SAVPF");  // toward the browser
  EXPECT_EQ(ans.ice, std::vector<std::string>{"force"});
  EXPECT_EQ(ans.dtls, std::vector<std::string>{"passive"});
  EXPECT_EQ(ans.rtcp_mux, std::vector<std::string>{"require"});
  EXPECT_EQ(r.helper->responses_resumed, 0);
  answer(1, agw::ng::NgReply::with_sdp(agw_sdp(30002, "UDP/TLS/RTP/SAVPF")));
  EXPECT_EQ(r.helper->responses_resumed, 1);
  EXPECT_EQ(ok.body(), agw_sdp(30002, "UDP/TLS/RTP/SAVPF"));
  const auto* leg = service_->media().leg("call-1@ims.test;orig");
  ASSERT_TRUE(leg);
  EXPECT_TRUE(leg->confirmed);
  EXPECT_EQ(leg->ue_tag, "a1");
  EXPECT_EQ(leg->network_tag, "c1");
}

TEST_F(MediaAnchorTest, APhonesCallIsLeftAloneUnlessEveryCallIsAnchored) {
  const auto invite = request_text("INVITE", "sip:bob@ims.test", "<sip:carl@ims.test>;tag=c9", "<sip:bob@ims.test>",
                                   "Contact: <sip:carl@127.0.0.1:5070>\r\n", kPhoneSdp);
  {
    auto r = run(invite, kPhone);
    EXPECT_EQ(r.verdict, Verdict::next);
    EXPECT_TRUE(ng_.empty());
    EXPECT_EQ(r.helper->request().body(), kPhoneSdp);
  }
  make(AnchorMode::all);
  ng_.clear();
  {
    auto all = run(invite, kPhone);
    EXPECT_EQ(all.verdict, Verdict::wait);
    ASSERT_EQ(ng_.size(), 1u);
    EXPECT_EQ(ng(0).transport_protocol, "RTP/AVP");
  }
  make(AnchorMode::none);
  ng_.clear();
  EXPECT_EQ(run(invite, kPhone).verdict, Verdict::next);
  auto browser = run(request_text("INVITE", "sip:carl@ims.test", "<sip:alice@ims.test>;tag=a1", "<sip:carl@ims.test>",
                                  "", kBrowserSdp),
                     kBrowser);
  EXPECT_EQ(browser.verdict, Verdict::next);
  EXPECT_TRUE(ng_.empty());
}

// A call toward the browser (the terminating leg): the network's offer in
// the browser's form, her answer in plain RTP toward the network.
TEST_F(MediaAnchorTest, ACallTowardTheBrowserIsAnchoredOnTheTerminatingLeg) {
  auto r = run(request_text("INVITE", std::string(kBrowserContact), "<sip:carl@ims.test>;tag=c1",
                            "<sip:alice@ims.test>", "Route: <sip:term@pcscf.ims.test:5060;lr>\r\n", kPhoneSdp),
               kScscf);
  EXPECT_EQ(r.verdict, Verdict::wait);
  auto offer = ng(0);
  EXPECT_EQ(offer.call_id, "call-1@ims.test;term");
  EXPECT_EQ(offer.from_tag, "c1");
  EXPECT_EQ(offer.label, "network");
  EXPECT_EQ(offer.transport_protocol, "UDP/TLS/RTP/SAVPF");
  answer(0, agw::ng::NgReply::with_sdp(agw_sdp(30004, "UDP/TLS/RTP/SAVPF")));
  EXPECT_EQ(r.helper->resumed, std::vector<Verdict>{Verdict::next});
  ASSERT_EQ(r.helper->targets.size(), 1u);
  EXPECT_EQ(*r.helper->targets[0].peer, kBrowser);
  auto ok = response_to(*r.helper, 200, "a7", "Contact: <" + std::string(kBrowserContact) + ">\r\n", kBrowserSdp);
  EXPECT_EQ(respond(r, ok), Verdict::wait);
  auto ans = ng(1);
  EXPECT_EQ(ans.command, agw::ng::Command::answer);
  EXPECT_EQ(ans.from_tag, "c1");
  EXPECT_EQ(ans.to_tag, "a7");
  EXPECT_EQ(ans.label, "ue");
  EXPECT_EQ(ans.transport_protocol, "RTP/AVP");
  answer(1, agw::ng::NgReply::with_sdp(agw_sdp(30006)));
  EXPECT_EQ(ok.body(), agw_sdp(30006));
  EXPECT_EQ(service_->media().leg("call-1@ims.test;term")->ue_tag, "a7");
}

// ---- bad input, a silent or refusing AGW -----------------------------------------------

TEST_F(MediaAnchorTest, AMalformedSdpGets488AndNothingElseChanges) {
  auto r = run(request_text("INVITE", "sip:carl@ims.test", "<sip:alice@ims.test>;tag=a1", "<sip:carl@ims.test>", "",
                            "v=0\r\nthis is no SDP\r\n"),
               kBrowser);
  EXPECT_EQ(r.verdict, Verdict::done);
  EXPECT_EQ(r.helper->statuses, std::vector<int>{488});
  EXPECT_TRUE(ng_.empty());
  EXPECT_EQ(service_->media().legs(), 0u);
  EXPECT_NE(log_text().find("with a malformed SDP"), std::string::npos);
  // in a dialog too: a re-INVITE with garbage
  browser_call();
  const auto sent = ng_.size();
  auto re = run(request_text("INVITE", "sip:carl@192.0.2.7:5080", "<sip:alice@ims.test>;tag=a1",
                             "<sip:carl@ims.test>;tag=c1", "Route: <sip:orig@pcscf.ims.test:5060;lr>\r\n", "m=x\r\n",
                             2),
                kBrowser);
  EXPECT_EQ(re.helper->statuses, std::vector<int>{488});
  EXPECT_EQ(ng_.size(), sent);
  EXPECT_TRUE(service_->media().leg("call-1@ims.test;orig")->confirmed);
}

TEST_F(MediaAnchorTest, ASilentAgwGets503AfterThreeTries) {
  auto r = run(request_text("INVITE", "sip:carl@ims.test", "<sip:alice@ims.test>;tag=a1", "<sip:carl@ims.test>", "",
                            kBrowserSdp),
               kBrowser);
  advance(1400ms);
  EXPECT_EQ(ng_.size(), 3u);
  EXPECT_TRUE(r.helper->statuses.empty());
  advance(200ms);
  EXPECT_EQ(r.helper->statuses, std::vector<int>{503});
  EXPECT_EQ(r.helper->resumed, std::vector<Verdict>{Verdict::done});
  EXPECT_EQ(service_->media().legs(), 0u);
  EXPECT_NE(log_text().find("no answer after 3 tries"), std::string::npos);
}

TEST_F(MediaAnchorTest, AnAgwErrorGets488WithItsReason) {
  auto r = run(request_text("INVITE", "sip:carl@ims.test", "<sip:alice@ims.test>;tag=a1", "<sip:carl@ims.test>", "",
                            kBrowserSdp),
               kBrowser);
  answer(0, agw::ng::NgReply::error("Incomplete SDP specification"));
  EXPECT_EQ(r.helper->statuses, std::vector<int>{488});
  EXPECT_NE(r.helper->reasons[0].find("Incomplete SDP specification"), std::string::npos);
}

TEST_F(MediaAnchorTest, AnAnswerTheAgwCannotRewriteReleasesTheCall) {
  auto r = run(request_text("INVITE", "sip:carl@ims.test", "<sip:alice@ims.test>;tag=a1", "<sip:carl@ims.test>",
                            "Contact: <" + std::string(kBrowserContact) + ">\r\n", kBrowserSdp),
               kBrowser);
  answer(0, agw::ng::NgReply::with_sdp(agw_sdp(30000)));
  auto ok = response_to(*r.helper, 200, "c1",
                        "Contact: <sip:carl@192.0.2.7:5080>\r\nRecord-Route: <sip:orig@pcscf.ims.test:5060;lr>\r\n",
                        kPhoneSdp);
  EXPECT_EQ(respond(r, ok), Verdict::wait);
  answer(1, agw::ng::NgReply::error("Unknown call-id"));
  EXPECT_EQ(r.helper->responses_resumed, 1);  // the 200 goes on (its dialog exists downstream) ...
  const auto sent = byes();
  ASSERT_EQ(sent.size(), 2u);  // ... and the call is released at once
  EXPECT_EQ(value(sent[0]->request, HeaderId::reason), "SIP;cause=500;text=\"media gateway failure\"");
  EXPECT_EQ(*sent[0]->to, kBrowser);
}

// ---- ends: BYE, failure, CANCEL, the P-CSCF's own release ------------------------------

agw::ng::NgReply counts(std::string_view ue_tag, std::uint64_t from_ue, std::string_view other_tag,
                        std::uint64_t from_other) {
  agw::ng::NgReply reply;
  agw::ng::CallStats stats;
  stats.totals_rtp = {from_ue + from_other, (from_ue + from_other) * 172, 0};
  for (const auto& [tag, packets] : {std::pair{ue_tag, from_ue}, std::pair{other_tag, from_other}}) {
    agw::ng::TagStats t;
    t.tag = std::string(tag);
    agw::ng::MediaStats m;
    agw::ng::StreamStats s;
    s.stats = {packets, packets * 172, 0};
    s.packets_lost = 2;
    s.jitter_ms = 5;
    m.streams.push_back(s);
    t.medias.push_back(m);
    stats.tags.push_back(t);
  }
  reply.stats = stats;
  return reply;
}

TEST_F(MediaAnchorTest, ByeFromTheUeDeletesTheSessionAndCarriesItsCounts) {
  browser_call();
  auto bye = run(request_text("BYE", "sip:carl@192.0.2.7:5080", "<sip:alice@ims.test>;tag=a1",
                              "<sip:carl@ims.test>;tag=c1", "Route: <sip:orig@pcscf.ims.test:5060;lr>\r\n", {}, 2),
                 kBrowser);
  EXPECT_EQ(bye.verdict, Verdict::wait);  // the counts first
  const auto del = ng(ng_.size() - 1);
  EXPECT_EQ(del.command, agw::ng::Command::delete_);
  EXPECT_EQ(del.call_id, "call-1@ims.test;orig");
  EXPECT_EQ(del.from_tag, "a1");
  answer(ng_.size() - 1, counts("a1", 500, "c1", 490));
  EXPECT_EQ(bye.helper->resumed, std::vector<Verdict>{Verdict::next});
  EXPECT_EQ(value(bye.helper->request(), "P-RTP-Stat"), "PS=500,OS=86000,PR=490,OR=84280,PL=2,JI=5");
  EXPECT_EQ(service_->media().legs(), 0u);
}

TEST_F(MediaAnchorTest, ByeTowardTheUePutsTheCountsOnIts200) {
  browser_call();
  auto bye = run(request_text("BYE", std::string(kBrowserContact), "<sip:carl@ims.test>;tag=c1",
                              "<sip:alice@ims.test>;tag=a1", "Route: <sip:orig@pcscf.ims.test:5060;lr>\r\n", {}, 7),
                 kScscf);
  EXPECT_EQ(bye.verdict, Verdict::wait);
  EXPECT_EQ(ng(ng_.size() - 1).from_tag, "c1");
  answer(ng_.size() - 1, counts("a1", 100, "c1", 90));
  EXPECT_EQ(bye.helper->resumed, std::vector<Verdict>{Verdict::next});
  EXPECT_EQ(value(bye.helper->request(), "P-RTP-Stat"), "(none)");
  auto ok = response_to(*bye.helper, 200, "", "");
  EXPECT_EQ(respond(bye, ok), Verdict::next);
  EXPECT_EQ(value(ok, "P-RTP-Stat"), "PS=100,OS=17200,PR=90,OR=15480,PL=2,JI=5");
}

// The AGW lost the call already (rtpengine answers the delete ok, with a
// warning and no counts): the BYE carries the last query's counts.
TEST_F(MediaAnchorTest, AByeForACallTheAgwLostCarriesTheLastCounts) {
  browser_call();
  advance(2s);
  answer(ng_.size() - 1, counts("a1", 300, "c1", 280));
  auto bye = run(request_text("BYE", "sip:carl@192.0.2.7:5080", "<sip:alice@ims.test>;tag=a1",
                              "<sip:carl@ims.test>;tag=c1", "Route: <sip:orig@pcscf.ims.test:5060;lr>\r\n", {}, 2),
                 kBrowser);
  auto warning = agw::ng::NgReply::ok();
  warning.warning = "Call-ID not found or tags didn't match";
  answer(ng_.size() - 1, warning);
  EXPECT_EQ(value(bye.helper->request(), "P-RTP-Stat"), "PS=300,OS=51600,PR=280,OR=48160,PL=2,JI=5");
}

TEST_F(MediaAnchorTest, AByeGoesOnWhenTheAgwIsSilent) {
  browser_call();
  auto bye = run(request_text("BYE", "sip:carl@192.0.2.7:5080", "<sip:alice@ims.test>;tag=a1",
                              "<sip:carl@ims.test>;tag=c1", "Route: <sip:orig@pcscf.ims.test:5060;lr>\r\n", {}, 2),
                 kBrowser);
  advance(2s);
  EXPECT_EQ(bye.helper->resumed, std::vector<Verdict>{Verdict::next});
  EXPECT_EQ(service_->media().legs(), 0u);
}

TEST_F(MediaAnchorTest, AFailedOrCancelledInviteDeletesItsSession) {
  auto r = run(request_text("INVITE", "sip:carl@ims.test", "<sip:alice@ims.test>;tag=a1", "<sip:carl@ims.test>", "",
                            kBrowserSdp),
               kBrowser);
  answer(0, agw::ng::NgReply::with_sdp(agw_sdp(30000)));
  r.tsx->on_cancel(*r.helper);
  auto cancelled = response_to(*r.helper, 487, "c1", "");
  EXPECT_EQ(respond(r, cancelled), Verdict::next);
  ASSERT_EQ(ng_.size(), 2u);
  EXPECT_EQ(ng(1).command, agw::ng::Command::delete_);
  EXPECT_EQ(ng(1).call_id, "call-1@ims.test;orig");
  EXPECT_EQ(service_->media().legs(), 0u);

  auto busy = run(request_text("INVITE", "sip:carl@ims.test", "<sip:alice@ims.test>;tag=a2", "<sip:carl@ims.test>", "",
                               kBrowserSdp, 1, "call-2@ims.test"),
                  kBrowser);
  answer(2, agw::ng::NgReply::with_sdp(agw_sdp(30000)));
  auto refused = response_to(*busy.helper, 486, "c2", "");
  respond(busy, refused);
  ASSERT_EQ(ng_.size(), 4u);
  EXPECT_EQ(ng(3).command, agw::ng::Command::delete_);
  EXPECT_EQ(ng(3).call_id, "call-2@ims.test;orig");
}

TEST_F(MediaAnchorTest, AnOfferAnsweredAfterTheCallWasCancelledIsDeleted) {
  auto r = run(request_text("INVITE", "sip:carl@ims.test", "<sip:alice@ims.test>;tag=a1", "<sip:carl@ims.test>", "",
                            kBrowserSdp),
               kBrowser);
  auto cancelled = response_to(*r.helper, 487, "", "");  // the core's own 487: the CANCEL came first
  respond(r, cancelled);
  answer(0, agw::ng::NgReply::with_sdp(agw_sdp(30000)));
  ASSERT_EQ(ng_.size(), 2u);
  EXPECT_EQ(ng(1).command, agw::ng::Command::delete_);
}

// The core ends the transaction without the service's filter seeing a
// final response (its own 500 after the wait limit; the transaction retired
// with the AGW's answer to the offer still out): the session goes too.
TEST_F(MediaAnchorTest, AnInviteTransactionThatEndsUnansweredTakesItsSessionWithIt) {
  {
    auto r = run(request_text("INVITE", "sip:carl@ims.test", "<sip:alice@ims.test>;tag=a1", "<sip:carl@ims.test>", "",
                              kBrowserSdp),
                 kBrowser);
    answer(0, agw::ng::NgReply::with_sdp(agw_sdp(30000)));
    auto ringing = response_to(*r.helper, 180, "c1", "");
    respond(r, ringing);
  }  // gone without a final response through the service
  ASSERT_EQ(ng_.size(), 2u);
  EXPECT_EQ(ng(1).command, agw::ng::Command::delete_);
  EXPECT_EQ(ng(1).from_tag, "a1");
  EXPECT_EQ(service_->media().legs(), 0u);
  {
    auto r = run(request_text("INVITE", "sip:carl@ims.test", "<sip:alice@ims.test>;tag=a2", "<sip:carl@ims.test>", "",
                              kBrowserSdp, 1, "call-2@ims.test"),
                 kBrowser);
    auto cancelled = response_to(*r.helper, 487, "", "");
    respond(r, cancelled);
  }  // gone with the offer still at the AGW: its answer would find nobody
  ASSERT_EQ(ng_.size(), 4u);
  EXPECT_EQ(ng(3).command, agw::ng::Command::delete_);
  EXPECT_EQ(ng(3).call_id, "call-2@ims.test;orig");
  answer(2, agw::ng::NgReply::with_sdp(agw_sdp(30000)));  // late: nobody waits for it
  EXPECT_EQ(ng_.size(), 4u);
  // an answered call stays when its INVITE transaction ends
  {
    auto r = browser_call();
  }
  EXPECT_EQ(service_->media().legs(), 1u);
  EXPECT_EQ(ng(ng_.size() - 1).command, agw::ng::Command::answer);
}

// A second INVITE with the Call-ID (the S-CSCF tries the UE's next contact)
// opens the leg again; the end of the first does not take it away.
TEST_F(MediaAnchorTest, TheEndOfAnEarlierInviteLeavesTheNextOnesLegAlone) {
  const auto invite = request_text("INVITE", std::string(kBrowserContact), "<sip:carl@ims.test>;tag=c1",
                                   "<sip:alice@ims.test>", "Route: <sip:term@pcscf.ims.test:5060;lr>\r\n", kPhoneSdp);
  auto first = run(invite, kScscf);
  answer(0, agw::ng::NgReply::with_sdp(agw_sdp(30004, "UDP/TLS/RTP/SAVPF")));
  auto second = run(invite, kScscf);
  answer(1, agw::ng::NgReply::with_sdp(agw_sdp(30004, "UDP/TLS/RTP/SAVPF")));
  first.tsx.reset();
  EXPECT_EQ(service_->media().legs(), 1u);
  EXPECT_EQ(ng_.size(), 2u);
}

TEST_F(MediaAnchorTest, DeregistrationReleasesTheDialogAndItsSession) {
  browser_call();
  const auto sent = ng_.size();
  register_ue("sip:alice@ims.test", kBrowserContact, kBrowser);  // still registered: nothing
  EXPECT_EQ(ng_.size(), sent);
  std::string text = "REGISTER sip:ims.test SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKr\r\n"
                     "Max-Forwards: 70\r\nFrom: <sip:alice@ims.test>;tag=r1\r\nTo: <sip:alice@ims.test>\r\n"
                     "Call-ID: reg-x\r\nCSeq: 2 REGISTER\r\nContact: <" + std::string(kBrowserContact) +
                     ">\r\nExpires: 0\r\nContent-Length: 0\r\n\r\n";
  auto r = run(text, kBrowser);
  auto ok = response_to(*r.helper, 200, "s0", "");
  r.tsx->on_response(*r.helper, ok);
  EXPECT_EQ(byes().size(), 2u);
  ASSERT_EQ(ng_.size(), sent + 1);
  EXPECT_EQ(ng(sent).command, agw::ng::Command::delete_);
  EXPECT_EQ(service_->media().legs(), 0u);
}

// ---- offer/answer everywhere SIP carries SDP ---------------------------------------------

TEST_F(MediaAnchorTest, LateOfferInThe200AndItsAnswerInTheAck) {
  auto r = run(request_text("INVITE", "sip:carl@ims.test", "<sip:alice@ims.test>;tag=a1", "<sip:carl@ims.test>",
                            "Contact: <" + std::string(kBrowserContact) + ">\r\n"),
               kBrowser);
  EXPECT_EQ(r.verdict, Verdict::next);  // nothing to rewrite yet
  EXPECT_TRUE(ng_.empty());
  auto ok = response_to(*r.helper, 200, "c1", "Contact: <sip:carl@192.0.2.7:5080>\r\n", kPhoneSdp);
  EXPECT_EQ(respond(r, ok), Verdict::wait);
  auto offer = ng(0);
  EXPECT_EQ(offer.command, agw::ng::Command::offer);
  EXPECT_EQ(offer.from_tag, "c1");  // carl offers
  EXPECT_EQ(offer.to_tag, "a1");
  EXPECT_EQ(offer.transport_protocol, "UDP/TLS/RTP/SAVPF");  // toward the browser
  answer(0, agw::ng::NgReply::with_sdp(agw_sdp(30010, "UDP/TLS/RTP/SAVPF")));
  EXPECT_EQ(ok.body(), agw_sdp(30010, "UDP/TLS/RTP/SAVPF"));
  // her ACK answers
  auto ack = parse(request_text("ACK", "sip:carl@192.0.2.7:5080", "<sip:alice@ims.test>;tag=a1",
                                "<sip:carl@ims.test>;tag=c1", "Route: <sip:orig@pcscf.ims.test:5060;lr>\r\n",
                                kBrowserSdp));
  std::vector<sip::Message> forwarded;
  EXPECT_TRUE(service_->on_ack(ack, kBrowser, [&](sip::Message m) { forwarded.push_back(std::move(m)); }));
  EXPECT_TRUE(forwarded.empty());
  auto ans = ng(1);
  EXPECT_EQ(ans.command, agw::ng::Command::answer);
  EXPECT_EQ(ans.from_tag, "c1");  // the offerer's
  EXPECT_EQ(ans.to_tag, "a1");
  EXPECT_EQ(ans.transport_protocol, "RTP/AVP");
  answer(1, agw::ng::NgReply::with_sdp(agw_sdp(30012)));
  ASSERT_EQ(forwarded.size(), 1u);
  EXPECT_EQ(forwarded[0].body(), agw_sdp(30012));
  EXPECT_TRUE(forwarded[0].find(HeaderId::route));  // as received: the core goes on with it
  // an ACK without SDP is none of the AGW's business
  auto plain = parse(request_text("ACK", "sip:carl@192.0.2.7:5080", "<sip:alice@ims.test>;tag=a1",
                                  "<sip:carl@ims.test>;tag=c1", "Route: <sip:orig@pcscf.ims.test:5060;lr>\r\n"));
  EXPECT_FALSE(service_->on_ack(plain, kBrowser, [](sip::Message) {}));
}

TEST_F(MediaAnchorTest, ReInviteHoldFromTheNetworkAndUpdateFromTheUe) {
  browser_call();
  const auto base = ng_.size();
  auto hold = run(request_text("INVITE", std::string(kBrowserContact), "<sip:carl@ims.test>;tag=c1",
                               "<sip:alice@ims.test>;tag=a1", "Route: <sip:orig@pcscf.ims.test:5060;lr>\r\n",
                               kPhoneSdp + "a=sendonly\r\n", 2),
                  kScscf);
  EXPECT_EQ(hold.verdict, Verdict::wait);
  auto offer = ng(base);
  EXPECT_EQ(offer.command, agw::ng::Command::offer);
  EXPECT_EQ(offer.call_id, "call-1@ims.test;orig");
  EXPECT_EQ(offer.from_tag, "c1");
  EXPECT_EQ(offer.to_tag, "a1");
  EXPECT_TRUE(offer.via_branch.empty());  // only the initial INVITE's early dialogs
  EXPECT_EQ(offer.transport_protocol, "UDP/TLS/RTP/SAVPF");
  answer(base, agw::ng::NgReply::with_sdp(agw_sdp(30002, "UDP/TLS/RTP/SAVPF") + "a=sendonly\r\n"));
  EXPECT_EQ(hold.helper->resumed, std::vector<Verdict>{Verdict::next});
  auto held = response_to(*hold.helper, 200, "", "", kBrowserSdp + "a=recvonly\r\n");
  EXPECT_EQ(respond(hold, held), Verdict::wait);
  auto ans = ng(base + 1);
  EXPECT_EQ(ans.command, agw::ng::Command::answer);
  EXPECT_EQ(ans.from_tag, "c1");
  EXPECT_EQ(ans.to_tag, "a1");
  EXPECT_EQ(ans.transport_protocol, "RTP/AVP");
  answer(base + 1, agw::ng::NgReply::with_sdp(agw_sdp(30000) + "a=recvonly\r\n"));
  EXPECT_EQ(held.body(), agw_sdp(30000) + "a=recvonly\r\n");

  auto update = run(request_text("UPDATE", "sip:carl@192.0.2.7:5080", "<sip:alice@ims.test>;tag=a1",
                                 "<sip:carl@ims.test>;tag=c1", "Route: <sip:orig@pcscf.ims.test:5060;lr>\r\n",
                                 kBrowserSdp, 3),
                    kBrowser);
  EXPECT_EQ(update.verdict, Verdict::wait);
  EXPECT_EQ(ng(base + 2).command, agw::ng::Command::offer);
  EXPECT_EQ(ng(base + 2).from_tag, "a1");
  EXPECT_EQ(ng(base + 2).transport_protocol, "RTP/AVP");
  answer(base + 2, agw::ng::NgReply::with_sdp(agw_sdp(30000)));
  auto updated = response_to(*update.helper, 200, "", "", kPhoneSdp);
  EXPECT_EQ(respond(update, updated), Verdict::wait);
  EXPECT_EQ(ng(base + 3).command, agw::ng::Command::answer);
  EXPECT_EQ(ng(base + 3).transport_protocol, "UDP/TLS/RTP/SAVPF");
}

TEST_F(MediaAnchorTest, ReliableEarlyMediaAndPrackWithAnOffer) {
  auto r = run(request_text("INVITE", "sip:carl@ims.test", "<sip:alice@ims.test>;tag=a1", "<sip:carl@ims.test>",
                            "Contact: <" + std::string(kBrowserContact) + ">\r\n"),
               kBrowser);
  // late offer: carl's reliable 183 offers, alice's PRACK answers
  auto early = response_to(*r.helper, 183, "c1", "Require: 100rel\r\nRSeq: 1\r\n", kPhoneSdp);
  EXPECT_EQ(respond(r, early), Verdict::wait);
  EXPECT_EQ(ng(0).command, agw::ng::Command::offer);
  EXPECT_EQ(ng(0).from_tag, "c1");
  answer(0, agw::ng::NgReply::with_sdp(agw_sdp(30010, "UDP/TLS/RTP/SAVPF")));
  auto prack = run(request_text("PRACK", "sip:carl@192.0.2.7:5080", "<sip:alice@ims.test>;tag=a1",
                                "<sip:carl@ims.test>;tag=c1", "Route: <sip:orig@pcscf.ims.test:5060;lr>\r\nRAck: 1 1 "
                                "INVITE\r\n",
                                kBrowserSdp, 2),
                   kBrowser);
  EXPECT_EQ(prack.verdict, Verdict::wait);
  EXPECT_EQ(ng(1).command, agw::ng::Command::answer);
  EXPECT_EQ(ng(1).from_tag, "c1");
  EXPECT_EQ(ng(1).to_tag, "a1");
  answer(1, agw::ng::NgReply::with_sdp(agw_sdp(30012)));
  EXPECT_EQ(prack.helper->request().body(), agw_sdp(30012));
  // a second PRACK with SDP (a new offer of hers) is an offer
  auto prack2 = run(request_text("PRACK", "sip:carl@192.0.2.7:5080", "<sip:alice@ims.test>;tag=a1",
                                 "<sip:carl@ims.test>;tag=c1", "Route: <sip:orig@pcscf.ims.test:5060;lr>\r\n",
                                 kBrowserSdp, 3),
                    kBrowser);
  EXPECT_EQ(ng(2).command, agw::ng::Command::offer);
  EXPECT_EQ(ng(2).from_tag, "a1");
}

// Forked early dialogs (the S-CSCF sent the INVITE to two contacts): each
// 183's answer goes to the AGW with its To tag; the AGW's media follows the
// last one. The 200 of the other early dialog selects it: its answer goes to
// the AGW again although its SDP repeats its 183's (a body rewritten before).
TEST_F(MediaAnchorTest, ForkedEarlyDialogsAreKeptApartByToTagAndThe200SelectsItsDialog) {
  auto r = run(request_text("INVITE", "sip:carl@ims.test", "<sip:alice@ims.test>;tag=a1", "<sip:carl@ims.test>",
                            "Contact: <" + std::string(kBrowserContact) + ">\r\n", kBrowserSdp, 1, "call-1@ims.test",
                            "z9hG4bKfork"),
               kBrowser);
  answer(0, agw::ng::NgReply::with_sdp(agw_sdp(30000)));
  auto early1 = response_to(*r.helper, 183, "x1", "", kPhoneSdp);
  respond(r, early1);
  answer(1, agw::ng::NgReply::with_sdp(agw_sdp(30002, "UDP/TLS/RTP/SAVPF")));
  const std::string other = "v=0\r\no=- 9 9 IN IP4 192.0.2.8\r\ns=-\r\nc=IN IP4 192.0.2.8\r\nt=0 0\r\n"
                            "m=audio 7000 RTP/AVP 0\r\n";
  auto early2 = response_to(*r.helper, 183, "x2", "", other);
  respond(r, early2);
  ASSERT_EQ(ng_.size(), 3u);
  for (const std::size_t n : {1u, 2u}) {
    EXPECT_EQ(ng(n).command, agw::ng::Command::answer);
    EXPECT_EQ(ng(n).from_tag, "a1");
    EXPECT_EQ(ng(n).via_branch, "z9hG4bKfork");
  }
  EXPECT_EQ(ng(1).to_tag, "x1");
  EXPECT_EQ(ng(2).to_tag, "x2");
  answer(2, agw::ng::NgReply::with_sdp(agw_sdp(30004, "UDP/TLS/RTP/SAVPF")));
  EXPECT_EQ(early2.body(), agw_sdp(30004, "UDP/TLS/RTP/SAVPF"));
  // a 183 of x2 again: the same rewrite, the AGW is not asked
  auto early2_again = response_to(*r.helper, 183, "x2", "", other);
  EXPECT_EQ(respond(r, early2_again), Verdict::next);
  EXPECT_EQ(ng_.size(), 3u);
  // x1 answers: its 200 repeats its 183's SDP; the AGW has x2's media: x1's answer again
  const int resumed = r.helper->responses_resumed;
  auto ok = response_to(*r.helper, 200, "x1", "Contact: <sip:carl@192.0.2.7:5080>\r\n", kPhoneSdp);
  EXPECT_EQ(respond(r, ok), Verdict::wait);
  ASSERT_EQ(ng_.size(), 4u);
  EXPECT_EQ(ng(3).command, agw::ng::Command::answer);
  EXPECT_EQ(ng(3).to_tag, "x1");
  EXPECT_EQ(ng(3).sdp, kPhoneSdp);
  answer(3, agw::ng::NgReply::with_sdp(agw_sdp(30002, "UDP/TLS/RTP/SAVPF")));
  EXPECT_EQ(r.helper->responses_resumed, resumed + 1);
  EXPECT_EQ(ok.body(), agw_sdp(30002, "UDP/TLS/RTP/SAVPF"));
  // its retransmission: the same SDP, not asked again
  auto again = response_to(*r.helper, 200, "x1", "Contact: <sip:carl@192.0.2.7:5080>\r\n", kPhoneSdp);
  EXPECT_TRUE(service_->on_stray_2xx(again));
  EXPECT_EQ(again.body(), agw_sdp(30002, "UDP/TLS/RTP/SAVPF"));
  EXPECT_EQ(ng_.size(), 4u);
}

// The same with reliable 183s (RFC 3262): the 200 carries no SDP; the AGW
// gets the answer its early dialog gave, and the 200 passes on without one.
TEST_F(MediaAnchorTest, AnSdpLess200OfAnotherEarlyDialogSelectsItWithItsEarlyAnswer) {
  auto r = run(request_text("INVITE", "sip:carl@ims.test", "<sip:alice@ims.test>;tag=a1", "<sip:carl@ims.test>",
                            "Contact: <" + std::string(kBrowserContact) + ">\r\n", kBrowserSdp),
               kBrowser);
  answer(0, agw::ng::NgReply::with_sdp(agw_sdp(30000)));
  const std::string other = "v=0\r\no=- 9 9 IN IP4 192.0.2.8\r\ns=-\r\nc=IN IP4 192.0.2.8\r\nt=0 0\r\n"
                            "m=audio 7000 RTP/AVP 0\r\n";
  auto early1 = response_to(*r.helper, 183, "x1", "Require: 100rel\r\nRSeq: 1\r\n", kPhoneSdp);
  respond(r, early1);
  answer(1, agw::ng::NgReply::with_sdp(agw_sdp(30002, "UDP/TLS/RTP/SAVPF")));
  auto early2 = response_to(*r.helper, 183, "x2", "Require: 100rel\r\nRSeq: 1\r\n", other);
  respond(r, early2);
  answer(2, agw::ng::NgReply::with_sdp(agw_sdp(30002, "UDP/TLS/RTP/SAVPF")));
  // the 200 of x2, the AGW's last: nothing to ask
  {
    auto r2 = run(request_text("INVITE", "sip:carl@ims.test", "<sip:alice@ims.test>;tag=a2", "<sip:carl@ims.test>",
                               "Contact: <" + std::string(kBrowserContact) + ">\r\n", kBrowserSdp, 1,
                               "call-2@ims.test"),
                  kBrowser);
    answer(3, agw::ng::NgReply::with_sdp(agw_sdp(30010)));
    auto e = response_to(*r2.helper, 183, "y1", "Require: 100rel\r\nRSeq: 1\r\n", kPhoneSdp);
    respond(r2, e);
    answer(4, agw::ng::NgReply::with_sdp(agw_sdp(30012, "UDP/TLS/RTP/SAVPF")));
    auto ok = response_to(*r2.helper, 200, "y1", "Contact: <sip:carl@192.0.2.7:5080>\r\n");
    EXPECT_EQ(respond(r2, ok), Verdict::next);
    EXPECT_EQ(ng_.size(), 5u);
  }
  // the 200 of x1 without SDP: x1's early answer goes to the AGW again
  const int resumed = r.helper->responses_resumed;
  auto ok = response_to(*r.helper, 200, "x1", "Contact: <sip:carl@192.0.2.7:5080>\r\n");
  EXPECT_EQ(respond(r, ok), Verdict::wait);
  ASSERT_EQ(ng_.size(), 6u);
  EXPECT_EQ(ng(5).command, agw::ng::Command::answer);
  EXPECT_EQ(ng(5).call_id, "call-1@ims.test;orig");
  EXPECT_EQ(ng(5).to_tag, "x1");
  EXPECT_EQ(ng(5).sdp, kPhoneSdp);
  answer(5, agw::ng::NgReply::with_sdp(agw_sdp(30002, "UDP/TLS/RTP/SAVPF")));
  EXPECT_EQ(r.helper->responses_resumed, resumed + 1);
  EXPECT_TRUE(ok.body().empty());
  EXPECT_NE(
      log_text().find("media: the 200 of early dialog x1 (the AGW's media was early dialog x2's): its answer again"),
      std::string::npos);
}

// The S-CSCF forks an INVITE to two contacts of a UE behind this P-CSCF:
// both branches share one leg and AGW session (the second's offer is the
// same offer again); when one answers, the other's 487 (the CANCEL its 200
// brought) deletes nothing. A branch that fails while another still rings
// leaves the session too; the last one's failure deletes it.
TEST_F(MediaAnchorTest, BranchesOfAForkedInviteShareTheirSessionAndOnesFailureLeavesItToTheOthers) {
  make(AnchorMode::all);
  const auto invite = [](std::string_view branch, std::string_view call_id) {
    return request_text("INVITE", "sip:carl@127.0.0.1:5070", "<sip:alice@ims.test>;tag=a1", "<sip:carl@ims.test>",
                        "Route: <sip:term@pcscf.ims.test:5060;lr>\r\n", kPhoneSdp, 1, call_id, branch);
  };
  auto b1 = run(invite("z9hG4bKb1", "call-1@ims.test"), kScscf);
  answer(0, agw::ng::NgReply::with_sdp(agw_sdp(30000)));
  auto b2 = run(invite("z9hG4bKb2", "call-1@ims.test"), kScscf);
  ASSERT_EQ(ng_.size(), 2u);
  EXPECT_EQ(ng(1).command, agw::ng::Command::offer);
  EXPECT_EQ(ng(1).call_id, "call-1@ims.test;term");
  EXPECT_EQ(ng(1).via_branch, ng(0).via_branch);  // the same offer again
  answer(1, agw::ng::NgReply::with_sdp(agw_sdp(30000)));
  EXPECT_EQ(service_->media().legs(), 1u);
  const std::string other = "v=0\r\no=- 9 9 IN IP4 127.0.0.9\r\ns=-\r\nc=IN IP4 127.0.0.9\r\nt=0 0\r\n"
                            "m=audio 7000 RTP/AVP 0\r\n";
  auto e1 = response_to(*b1.helper, 183, "x1", "", kPhoneSdp);
  respond(b1, e1);
  answer(2, agw::ng::NgReply::with_sdp(agw_sdp(30002)));
  auto e2 = response_to(*b2.helper, 183, "x2", "", other);
  respond(b2, e2);
  answer(3, agw::ng::NgReply::with_sdp(agw_sdp(30002)));
  auto ok = response_to(*b1.helper, 200, "x1", "Contact: <sip:carl@127.0.0.1:5070>\r\n", kPhoneSdp);
  EXPECT_EQ(respond(b1, ok), Verdict::wait);  // x2 had the media: x1's answer again
  ASSERT_EQ(ng_.size(), 5u);
  EXPECT_EQ(ng(4).to_tag, "x1");
  answer(4, agw::ng::NgReply::with_sdp(agw_sdp(30002)));
  auto cancelled = response_to(*b2.helper, 487, "x2", "");
  EXPECT_EQ(respond(b2, cancelled), Verdict::next);
  b2.tsx.reset();
  EXPECT_EQ(ng_.size(), 5u);  // no delete
  EXPECT_EQ(service_->media().legs(), 1u);
  b1.tsx.reset();
  EXPECT_EQ(service_->media().legs(), 1u);

  // both fail: the first failure leaves the session to the branch still ringing, the second deletes it
  auto c1 = run(invite("z9hG4bKc1", "call-2@ims.test"), kScscf);
  answer(5, agw::ng::NgReply::with_sdp(agw_sdp(30010)));
  auto c2 = run(invite("z9hG4bKc2", "call-2@ims.test"), kScscf);
  answer(6, agw::ng::NgReply::with_sdp(agw_sdp(30010)));
  auto busy = response_to(*c1.helper, 486, "y1", "");
  respond(c1, busy);
  c1.tsx.reset();
  EXPECT_EQ(ng_.size(), 7u);
  EXPECT_EQ(service_->media().legs(), 2u);
  auto busy2 = response_to(*c2.helper, 486, "y2", "");
  respond(c2, busy2);
  ASSERT_EQ(ng_.size(), 8u);
  EXPECT_EQ(ng(7).command, agw::ng::Command::delete_);
  EXPECT_EQ(ng(7).call_id, "call-2@ims.test;term");
  EXPECT_EQ(service_->media().legs(), 1u);
}

// A branch toward a browser and one toward a phone cannot share the AGW's
// leg (its side facing the UE is of one kind): the second opens it anew.
TEST_F(MediaAnchorTest, BranchesTowardABrowserAndAPhoneDoNotShareTheirLeg) {
  make(AnchorMode::all);
  const auto invite = [](std::string_view uri, std::string_view branch) {
    return request_text("INVITE", uri, "<sip:dora@ims.test>;tag=d1", "<sip:alice@ims.test>",
                        "Route: <sip:term@pcscf.ims.test:5060;lr>\r\n", kPhoneSdp, 1, "call-1@ims.test", branch);
  };
  auto phone = run(invite("sip:carl@127.0.0.1:5070", "z9hG4bKp1"), kScscf);
  answer(0, agw::ng::NgReply::with_sdp(agw_sdp(30000)));
  ASSERT_NE(service_->media().leg("call-1@ims.test;term"), nullptr);
  EXPECT_FALSE(service_->media().leg("call-1@ims.test;term")->ue_webrtc);
  auto browser = run(invite(kBrowserContact, "z9hG4bKb1"), kScscf);
  ASSERT_EQ(ng_.size(), 2u);
  EXPECT_EQ(ng(1).command, agw::ng::Command::offer);
  EXPECT_TRUE(service_->media().leg("call-1@ims.test;term")->ue_webrtc);
  EXPECT_EQ(service_->media().leg("call-1@ims.test;term")->forks, 1);
}

TEST_F(MediaAnchorTest, A200RetransmissionGetsTheSameSdpAndIsHeldBackWhileTheFirstIsAtTheAgw) {
  auto r = run(request_text("INVITE", "sip:carl@ims.test", "<sip:alice@ims.test>;tag=a1", "<sip:carl@ims.test>",
                            "Contact: <" + std::string(kBrowserContact) + ">\r\n", kBrowserSdp),
               kBrowser);
  answer(0, agw::ng::NgReply::with_sdp(agw_sdp(30000)));
  auto ok = response_to(*r.helper, 200, "c1", "Contact: <sip:carl@192.0.2.7:5080>\r\n", kPhoneSdp);
  respond(r, ok);
  auto again = response_to(*r.helper, 200, "c1", "Contact: <sip:carl@192.0.2.7:5080>\r\n", kPhoneSdp);
  EXPECT_FALSE(service_->on_stray_2xx(again));  // its first copy is still at the AGW
  answer(1, agw::ng::NgReply::with_sdp(agw_sdp(30002, "UDP/TLS/RTP/SAVPF")));
  EXPECT_TRUE(service_->on_stray_2xx(again));
  EXPECT_EQ(again.body(), agw_sdp(30002, "UDP/TLS/RTP/SAVPF"));
  auto unrelated = response_to(*r.helper, 200, "zz", "", kPhoneSdp);
  EXPECT_TRUE(service_->on_stray_2xx(unrelated));
  EXPECT_EQ(unrelated.body(), kPhoneSdp);
}

// ---- DTMF in INFO -----------------------------------------------------------------------

TEST_F(MediaAnchorTest, InfoDtmfFromTheUeIsPlayedByTheAgwAndAnswered) {
  browser_call();
  const auto base = ng_.size();
  auto info = run(request_text("INFO", "sip:carl@192.0.2.7:5080", "<sip:alice@ims.test>;tag=a1",
                               "<sip:carl@ims.test>;tag=c1",
                               "Route: <sip:orig@pcscf.ims.test:5060;lr>\r\nContent-Type: application/dtmf-relay\r\n",
                               {}, 5),
                  kBrowser);
  // with a body (request_text writes SDP bodies only)
  auto text = request_text("INFO", "sip:carl@192.0.2.7:5080", "<sip:alice@ims.test>;tag=a1",
                           "<sip:carl@ims.test>;tag=c1",
                           "Route: <sip:orig@pcscf.ims.test:5060;lr>\r\nContent-Type: application/dtmf-relay\r\n", {},
                           6);
  const std::string body = "Signal=7\r\nDuration=160\r\n";
  text.replace(text.find("Content-Length: 0"), 17, "Content-Length: " + std::to_string(body.size()));
  text += body;
  auto dtmf = run(text, kBrowser);
  EXPECT_EQ(dtmf.verdict, Verdict::wait);
  const auto play = ng(ng_.size() - 1);
  EXPECT_EQ(play.command, agw::ng::Command::play_dtmf);
  EXPECT_EQ(play.call_id, "call-1@ims.test;orig");
  EXPECT_EQ(play.from_tag, "a1");  // the party the digit comes from
  EXPECT_EQ(play.code, 7);
  EXPECT_EQ(play.duration_ms, 160);
  answer(ng_.size() - 1, agw::ng::NgReply::ok());
  EXPECT_EQ(dtmf.helper->statuses, std::vector<int>{200});
  EXPECT_EQ(dtmf.helper->resumed, std::vector<Verdict>{Verdict::done});
  // an INFO without DTMF (the first one) passed on untouched
  EXPECT_EQ(info.verdict, Verdict::next);
  EXPECT_EQ(ng_.size(), base + 1);
  // the AGW cannot play it: the INFO goes on
  auto text2 = text;
  text2.replace(text2.find("CSeq: 6"), 7, "CSeq: 8");
  auto fallback = run(text2, kBrowser);
  answer(ng_.size() - 1, agw::ng::NgReply::error("Media not found"));
  EXPECT_TRUE(fallback.helper->statuses.empty());
  EXPECT_EQ(fallback.helper->resumed, std::vector<Verdict>{Verdict::next});
}

// ---- media checks -------------------------------------------------------------------------

TEST_F(MediaAnchorTest, ACallWhoseMediaStopsIsReleasedWithReason408AndItsCounts) {
  browser_call();
  std::size_t queries = 0;
  std::uint64_t packets = 100;
  // media flows for 6 s, then stops
  for (int second = 2; second <= 30 && byes().empty(); second += 2) {
    advance(2s);
    const auto n = ng_.size() - 1;
    const auto q = ng(n);
    if (q.command != agw::ng::Command::query) continue;
    ++queries;
    EXPECT_EQ(q.call_id, "call-1@ims.test;orig");
    if (second <= 6) packets += 100;
    answer(n, counts("a1", packets / 2, "c1", packets / 2));
  }
  EXPECT_GE(queries, 5u);
  const auto sent = byes();
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_GE(clock_.now().time_since_epoch(), 16s);  // 10 s after the last packets (at 6 s), not sooner
  EXPECT_LE(clock_.now().time_since_epoch(), 20s);
  const auto& to_ue = sent[0]->request;
  EXPECT_EQ(*sent[0]->to, kBrowser);
  EXPECT_EQ(value(to_ue, HeaderId::reason), "SIP;cause=408;text=\"media timeout\"");
  const auto& to_network = sent[1]->request;
  EXPECT_EQ(to_network.request_uri(), "sip:carl@192.0.2.7:5080");
  EXPECT_EQ(value(to_network, HeaderId::reason), "SIP;cause=408;text=\"media timeout\"");
  EXPECT_EQ(value(to_network, "P-RTP-Stat"), "PS=200,OS=34400,PR=200,OR=34400,PL=2,JI=5");
  EXPECT_EQ(ng(ng_.size() - 1).command, agw::ng::Command::delete_);
  EXPECT_EQ(service_->media().legs(), 0u);
  EXPECT_EQ(service_->dialogs().size(), 0u);
  EXPECT_NE(log_text().find("media: no RTP either way for 1"), std::string::npos);
}

// On hold (rtpengine's silent timeout is an hour): no media timeout; after
// the resume the silence counts from the resume.
TEST_F(MediaAnchorTest, ACallOnHoldIsNotReleasedForItsSilence) {
  browser_call();
  const auto hold = [&](std::string_view direction, std::uint32_t cseq) {
    auto re = run(request_text("INVITE", "sip:carl@192.0.2.7:5080", "<sip:alice@ims.test>;tag=a1",
                               "<sip:carl@ims.test>;tag=c1", "Route: <sip:orig@pcscf.ims.test:5060;lr>\r\n",
                               kBrowserSdp + "a=" + std::string(direction) + "\r\n", cseq),
                   kBrowser);
    answer(ng_.size() - 1, agw::ng::NgReply::with_sdp(agw_sdp(30000)));
  };
  hold("sendonly", 2);
  for (int i = 0; i < 15; ++i) {
    advance(2s);
    const auto n = ng_.size() - 1;
    if (ng(n).command == agw::ng::Command::query) answer(n, counts("a1", 10, "c1", 10));
  }
  EXPECT_TRUE(byes().empty());  // 30 s of silence on hold
  hold("sendrecv", 3);
  for (int i = 0; i < 8 && byes().empty(); ++i) {
    advance(2s);
    const auto n = ng_.size() - 1;
    if (ng(n).command == agw::ng::Command::query) answer(n, counts("a1", 10, "c1", 10));
  }
  ASSERT_EQ(byes().size(), 2u);  // resumed and silent: released
  EXPECT_EQ(value(byes()[0]->request, HeaderId::reason), "SIP;cause=408;text=\"media timeout\"");
}

TEST_F(MediaAnchorTest, ASessionTheAgwLostReleasesTheCall) {
  browser_call();
  advance(2s);
  answer(ng_.size() - 1, counts("a1", 50, "c1", 50));
  advance(2s);
  answer(ng_.size() - 1, agw::ng::NgReply::error("Unknown call-id"));  // the AGW restarted
  const auto sent = byes();
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(value(sent[0]->request, HeaderId::reason), "SIP;cause=503;text=\"media session lost\"");
}

TEST_F(MediaAnchorTest, ASessionGoneAfterItsMediaStoppedIsAMediaTimeout) {
  browser_call();
  for (int i = 0; i < 4; ++i) {
    advance(2s);
    answer(ng_.size() - 1, counts("a1", 0, "c1", 0));
  }
  advance(2s);  // 10 s without media: the AGW timed it out itself first
  answer(ng_.size() - 1, agw::ng::NgReply::error("Unknown call-id"));
  const auto sent = byes();
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(value(sent[0]->request, HeaderId::reason), "SIP;cause=408;text=\"media timeout\"");
}

TEST_F(MediaAnchorTest, AnAgwSilentForTheMediaTimeoutReleasesTheCall) {
  browser_call();
  advance(11s);
  EXPECT_TRUE(byes().empty());
  advance(4s);
  const auto sent = byes();
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(value(sent[0]->request, HeaderId::reason), "SIP;cause=503;text=\"media gateway not answering\"");
}

TEST_F(MediaAnchorTest, CallsAreNotCheckedBeforeTheyAreAnswered) {
  auto r = run(request_text("INVITE", "sip:carl@ims.test", "<sip:alice@ims.test>;tag=a1", "<sip:carl@ims.test>", "",
                            kBrowserSdp),
               kBrowser);
  answer(0, agw::ng::NgReply::with_sdp(agw_sdp(30000)));
  advance(30s);
  EXPECT_EQ(ng_.size(), 1u);
  EXPECT_TRUE(byes().empty());
}

}  // namespace
}  // namespace imsbox::pcscf
