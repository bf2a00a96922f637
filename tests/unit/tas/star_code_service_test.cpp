// Star codes on the TAS's ISC service (tas/tas_service.h, tas/star_code_uas.h)
// with a fake proxy helper, a fake originator and a manual clock: the code
// applied and stored, the INVITE answered 200, the 2xx retransmitted until
// the ACK, then BYE along the INVITE's Record-Route; 484 / 500; what is not
// a star code passes untouched.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>

#include "runtime/clock.h"
#include "runtime/log.h"
#include "runtime/timer_queue.h"
#include "tas/simservs/rules.h"
#include "tas/star_code_uas.h"
#include "tas/tas_service.h"
#include "unit/proxy_fakes.h"
#include "unit/tas/simservs_doc.h"

namespace imsbox::tas {
namespace {

using namespace std::chrono_literals;
using sip::HeaderId;
using sip::proxy::Verdict;
using FakeHelper = test::FakeProxyHelper;
namespace ss = simservs;

constexpr std::string_view kBert = "sip:bert@ims.test";
constexpr std::string_view kSdp =
    "v=0\r\no=- 1 1 IN IP4 10.0.0.2\r\ns=-\r\nc=IN IP4 10.0.0.2\r\nt=0 0\r\n"
    "m=audio 4000 RTP/AVP 0 8\r\na=rtpmap:0 PCMU/8000\r\nm=video 4002 RTP/AVP 96\r\n";

// A star code INVITE as the S-CSCF sends it to the TAS (our Route taken off).
std::string invite(std::string_view ruri, std::string_view served = "<sip:bert@ims.test>;sescase=orig;regstate=reg",
                   std::string_view body = kSdp) {
  return "INVITE " + std::string(ruri) + " SIP/2.0\r\n"
         "Via: SIP/2.0/UDP 127.0.0.1:6060;branch=z9hG4bKs1\r\n"
         "Via: SIP/2.0/UDP 10.0.0.2:5060;branch=z9hG4bKue\r\n"
         "Max-Forwards: 69\r\n"
         "Route: <sip:127.0.0.1:6060;odi=t0k3n;lr>\r\n"
         "Record-Route: <sip:orig@127.0.0.1:6060;lr>\r\n"
         "Record-Route: <sip:127.0.0.1:5060;lr>\r\n"
         "From: <sip:bert@ims.test>;tag=b1\r\n"
         "To: <" + std::string(ruri) + ">\r\n"
         "Call-ID: sc1@10.0.0.2\r\n"
         "CSeq: 7 INVITE\r\n"
         "Contact: <sip:bert@10.0.0.2:5060>\r\n"
         "P-Served-User: " + std::string(served) + "\r\n" +
         (body.empty() ? std::string() : "Content-Type: application/sdp\r\n") +
         "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + std::string(body);
}

// The caller's ACK of our 200 (or its BYE), with our To tag.
sip::Message in_dialog(std::string_view method, std::string_view to_tag, int cseq) {
  return test::parse(std::string(method) + " sip:star-code@127.0.0.1:5070 SIP/2.0\r\n"
                     "Via: SIP/2.0/UDP 127.0.0.1:6060;branch=z9hG4bKa" + std::to_string(cseq) + "\r\n"
                     "Max-Forwards: 69\r\n"
                     "From: <sip:bert@ims.test>;tag=b1\r\n"
                     "To: <sip:x@ims.test>;tag=" + std::string(to_tag) + "\r\n"
                     "Call-ID: sc1@10.0.0.2\r\n"
                     "CSeq: " + std::to_string(cseq) + " " + std::string(method) + "\r\n"
                     "Content-Length: 0\r\n\r\n");
}

class FakeOriginator : public sip::proxy::RequestOriginator {
 public:
  bool originate(sip::Message request, std::optional<sip::Peer>, Done done) override {
    sent.push_back(std::move(request));
    dones.push_back(std::move(done));
    return true;
  }
  std::vector<sip::Message> sent;
  std::vector<Done> dones;
};

class StarCodeServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    log_path_ = test::test_log_path("tas-star");
    log_ = std::make_unique<runtime::Logger>("tas", runtime::LogLevel::debug, log_path_, clock_);
    service_ = std::make_unique<TasService>(options(), *log_);
    serve();
  }
  void TearDown() override { std::filesystem::remove(log_path_); }

  TasOptions options() {
    TasOptions o;
    o.domain = "ims.test";
    o.services_of = [this](std::string_view impu) {
      if (impu == "sip:unreadable@ims.test") throw std::runtime_error("database is locked");
      const auto it = documents_.find(std::string(impu));
      return it == documents_.end() ? ss::empty_document() : it->second;
    };
    o.store_services = [this](std::string_view impu, const ss::Document& d) {
      if (impu == "sip:full@ims.test") throw std::runtime_error("disk full");
      ++writes_;
      documents_.insert_or_assign(std::string(impu), d);
    };
    return o;
  }
  void serve() {
    service_->serve_star_codes(StarCodeUas::Io{timers_, originator_,
                                               [this](const sip::Peer& to, const sip::Message& m) {
                                                 retransmissions_.push_back(m.serialize());
                                                 retransmitted_to_.push_back(to);
                                                 return true;
                                               },
                                               500ms, 4000ms});
  }

  // Runs the request through the service: its verdict.
  Verdict run(FakeHelper& h) {
    auto t = service_->on_request(h.request(), h.source());
    EXPECT_NE(t, nullptr);
    return t ? t->on_request(h) : Verdict::next;
  }
  // In steps, as the loop would: a timer a callback schedules counts from then.
  void advance(std::chrono::milliseconds d) {
    for (; d > 0ms; d -= std::min(d, std::chrono::milliseconds(100))) {
      clock_.advance(std::min(d, std::chrono::milliseconds(100)));
      timers_.fire_due();
    }
  }
  std::optional<ss::Diversion> cfu_of(std::string_view impu) {
    const auto it = documents_.find(std::string(impu));
    if (it == documents_.end()) return std::nullopt;
    ss::CallContext call;
    call.session_case = ss::SessionCase::terminating;
    call.callee = std::string(impu);
    return ss::communication_diversion(it->second.services(), call);
  }
  std::string logged() {
    std::ifstream f(log_path_);
    std::stringstream s;
    s << f.rdbuf();
    return s.str();
  }

  runtime::ManualClock clock_;
  runtime::TimerQueue timers_{clock_};
  FakeOriginator originator_;
  std::vector<std::string> retransmissions_;
  std::vector<sip::Peer> retransmitted_to_;
  std::string log_path_;
  std::unique_ptr<runtime::Logger> log_;
  std::map<std::string, ss::Document> documents_;
  int writes_ = 0;
  std::unique_ptr<TasService> service_;
};

TEST_F(StarCodeServiceTest, AppliedStoredAnsweredRetransmittedUntilTheAckThenBye) {
  sip::Peer caller;
  caller.address = boost::asio::ip::make_address("127.0.0.1");
  caller.port = 6060;
  FakeHelper h(invite("sip:*21*carl%23@ims.test"), caller);
  EXPECT_EQ(run(h), Verdict::done);
  // stored: one write, CFU to carl
  EXPECT_EQ(writes_, 1);
  const auto cfu = cfu_of(kBert);
  ASSERT_TRUE(cfu);
  EXPECT_EQ(cfu->forward_to.target, "sip:carl@ims.test");
  EXPECT_NE(logged().find("star code *21*carl# from sip:bert@ims.test: CFU to sip:carl@ims.test"), std::string::npos)
      << logged();
  // 200 OK, our Contact, an answer that accepts nothing (RFC 3264 §6)
  ASSERT_EQ(h.statuses, std::vector<int>{200});
  const auto& ok = h.responses.back();
  const std::string to_tag(ok.to().tag());
  EXPECT_FALSE(to_tag.empty());
  ASSERT_EQ(h.values(HeaderId::contact).size(), 1u);
  EXPECT_NE(h.values(HeaderId::contact)[0].find("sip:star-code@"), std::string::npos);
  EXPECT_NE(ok.body().find("m=audio 0 RTP/AVP 0 8"), std::string::npos) << ok.body();
  EXPECT_NE(ok.body().find("m=video 0 RTP/AVP 96"), std::string::npos) << ok.body();
  EXPECT_EQ(service_->star_code_uas()->calls(), 1u);

  // §13.3.1.4: retransmitted after T1, then 2*T1, to where the INVITE came from
  advance(499ms);
  EXPECT_TRUE(retransmissions_.empty());
  advance(1ms);
  ASSERT_EQ(retransmissions_.size(), 1u);
  EXPECT_EQ(retransmitted_to_[0].port, 6060);
  EXPECT_NE(retransmissions_[0].find("SIP/2.0 200"), std::string::npos);
  advance(999ms);
  EXPECT_EQ(retransmissions_.size(), 1u);
  advance(1ms);
  EXPECT_EQ(retransmissions_.size(), 2u);

  // an ACK of another dialog is not ours; ours is taken, and the BYE follows
  auto other = in_dialog("ACK", "zz", 7);
  EXPECT_FALSE(service_->on_ack(other, caller, {}));
  auto ack = in_dialog("ACK", to_tag, 7);
  EXPECT_TRUE(service_->on_ack(ack, caller, {}));
  advance(10s);
  EXPECT_EQ(retransmissions_.size(), 2u);
  ASSERT_EQ(originator_.sent.size(), 1u);
  const auto& bye = originator_.sent[0];
  EXPECT_EQ(bye.method(), "BYE");
  EXPECT_EQ(bye.request_uri(), "sip:bert@10.0.0.2:5060");  // the INVITE's Contact
  std::vector<std::string> routes;
  for (const auto& f : bye.headers()) {
    if (f.id == HeaderId::route) routes.emplace_back(f.value);
  }
  // §12.1.1: the Record-Route of the INVITE, in order
  const std::string route_text = [&] {
    std::string s;
    for (const auto& r : routes) s += r + "|";
    return s;
  }();
  EXPECT_NE(route_text.find("<sip:orig@127.0.0.1:6060;lr>"), std::string::npos) << route_text;
  EXPECT_LT(route_text.find("orig@127.0.0.1:6060"), route_text.find("<sip:127.0.0.1:5060;lr>")) << route_text;
  EXPECT_EQ(bye.from().tag(), to_tag);
  EXPECT_EQ(bye.to().tag(), "b1");
  EXPECT_EQ(bye.call_id(), "sc1@10.0.0.2");
  // a retransmitted ACK is still ours, and sends no second BYE
  auto again = in_dialog("ACK", to_tag, 7);
  EXPECT_TRUE(service_->on_ack(again, caller, {}));
  EXPECT_EQ(originator_.sent.size(), 1u);
  // the BYE's answer ends the call
  originator_.dones[0](sip::make_response(bye, 200));
  EXPECT_EQ(service_->star_code_uas()->calls(), 0u);
}

TEST_F(StarCodeServiceTest, WithoutAnAckTheCallIsEndedAfter64T1) {
  FakeHelper h(invite("tel:#21#;phone-context=ims.test"));
  EXPECT_EQ(run(h), Verdict::done);
  EXPECT_EQ(h.status(), 200);
  advance(31900ms);
  EXPECT_TRUE(originator_.sent.empty());
  // T1, 2, 4, then every T2 (4 s): 0.5 1.5 3.5 7.5 11.5 15.5 19.5 23.5 27.5 31.5
  EXPECT_EQ(retransmissions_.size(), 10u);
  advance(100ms);
  ASSERT_EQ(originator_.sent.size(), 1u);
  EXPECT_EQ(originator_.sent[0].method(), "BYE");
}

TEST_F(StarCodeServiceTest, TimersAndTheByesAnswerOutlivingTheServiceDoNothing) {
  // the proxy stack destroys its timer queue and core before its services:
  // here the other way round, the callbacks must find the service gone
  FakeHelper h(invite("sip:*31%23@ims.test"));
  EXPECT_EQ(run(h), Verdict::done);
  auto ack = in_dialog("ACK", h.responses.back().to().tag(), 7);
  FakeHelper h2(invite("sip:*77%23@ims.test"));
  EXPECT_EQ(run(h2), Verdict::done);
  EXPECT_TRUE(service_->on_ack(ack, {}, {}));
  ASSERT_EQ(originator_.dones.size(), 1u);
  service_.reset();
  advance(40s);
  EXPECT_TRUE(retransmissions_.empty());
  EXPECT_EQ(originator_.sent.size(), 1u);
  originator_.dones[0](sip::make_response(originator_.sent[0], 200));
}

TEST_F(StarCodeServiceTest, TheCallersByeFirstEndsTheCall) {
  FakeHelper h(invite("sip:*33%23@ims.test"));
  EXPECT_EQ(run(h), Verdict::done);
  const std::string to_tag(h.responses.back().to().tag());
  FakeHelper bye(in_dialog("BYE", to_tag, 8).serialize());
  EXPECT_EQ(run(bye), Verdict::done);
  EXPECT_EQ(bye.status(), 200);
  EXPECT_EQ(service_->star_code_uas()->calls(), 0u);
  advance(40s);
  EXPECT_TRUE(originator_.sent.empty());
  // an in-dialog request of another dialog is not ours
  auto stranger = in_dialog("BYE", "zz", 8);
  EXPECT_EQ(service_->on_request(stranger, {}), nullptr);
}

TEST_F(StarCodeServiceTest, NoOfferGetsAnInactiveOffer) {
  FakeHelper h(invite("sip:*31%23@ims.test", "<sip:bert@ims.test>;sescase=orig", ""));
  EXPECT_EQ(run(h), Verdict::done);
  ASSERT_EQ(h.status(), 200);
  EXPECT_NE(h.responses.back().body().find("a=inactive"), std::string::npos);
  ss::CallContext outgoing;
  outgoing.session_case = ss::SessionCase::originating;
  EXPECT_TRUE(ss::add_privacy_id(documents_.at(std::string(kBert)).services(), outgoing));
}

TEST_F(StarCodeServiceTest, AMalformedCodeGets484AndChangesNothing) {
  for (const auto* ruri : {"sip:*21%23@ims.test", "sip:*99%23@ims.test", "sip:*21*1003@ims.test",
                           "sip:*61*carl*500%23@ims.test", "tel:*21#;phone-context=ims.test"}) {
    FakeHelper h(invite(ruri));
    EXPECT_EQ(run(h), Verdict::done) << ruri;
    EXPECT_EQ(h.status(), 484) << ruri;
  }
  EXPECT_EQ(writes_, 0);
  EXPECT_TRUE(originator_.sent.empty());
}

TEST_F(StarCodeServiceTest, ACodeThatCannotBeStoredGets500) {
  FakeHelper full(invite("sip:*21*carl%23@ims.test", "<sip:full@ims.test>;sescase=orig"));
  EXPECT_EQ(run(full), Verdict::done);
  EXPECT_EQ(full.status(), 500);
  // a document that cannot be read is not written over
  FakeHelper unreadable(invite("sip:*21*carl%23@ims.test", "<sip:unreadable@ims.test>;sescase=orig"));
  EXPECT_EQ(run(unreadable), Verdict::done);
  EXPECT_EQ(unreadable.status(), 500);
  EXPECT_EQ(writes_, 0);
  EXPECT_EQ(service_->star_code_uas()->calls(), 0u);
}

TEST_F(StarCodeServiceTest, OnlyTheOriginatingCaseOfAnInviteIsAStarCode) {
  for (const auto* served : {"<sip:bert@ims.test>;sescase=term;regstate=reg", "<sip:bert@ims.test>;orig-cdiv"}) {
    FakeHelper h(invite("sip:*21*carl%23@ims.test", served));
    EXPECT_EQ(run(h), Verdict::next) << served;
    EXPECT_TRUE(h.statuses.empty()) << served;
  }
  // an INVITE without P-Served-User does not even reach the services
  FakeHelper none(invite("sip:*21*carl%23@ims.test", ""));
  none.request().remove_all(HeaderId::p_served_user);
  EXPECT_EQ(service_->on_request(none.request(), none.source()), nullptr);
  // ordinary calls pass untouched
  FakeHelper call(invite("sip:carl@ims.test"));
  const auto before = call.request().serialize();
  EXPECT_EQ(run(call), Verdict::next);
  EXPECT_TRUE(call.statuses.empty());
  EXPECT_EQ(call.request().serialize(), before);
  EXPECT_EQ(writes_, 0);
}

TEST_F(StarCodeServiceTest, WithoutTheUasStarCodesGet500AndChangeNothing) {
  service_ = std::make_unique<TasService>(options(), *log_);
  FakeHelper h(invite("sip:*21*carl%23@ims.test"));
  EXPECT_EQ(run(h), Verdict::done);
  EXPECT_EQ(h.status(), 500);
  EXPECT_EQ(writes_, 0);
}

TEST_F(StarCodeServiceTest, TheAnnouncementHookSendsTheInviteToTheMrf) {
  auto o = options();
  o.star_code_announcement = [](const StarCode& code) -> std::optional<std::string> {
    return "sip:annc@mrf.ims.test;play=" + std::string(code.dialled.size() > 3 ? "confirm" : "x");
  };
  service_ = std::make_unique<TasService>(std::move(o), *log_);
  FakeHelper h(invite("sip:*21*carl%23@ims.test"));
  EXPECT_EQ(run(h), Verdict::next);
  EXPECT_TRUE(h.statuses.empty());
  ASSERT_EQ(h.targets.size(), 1u);
  EXPECT_EQ(h.targets[0].request_uri, "sip:annc@mrf.ims.test;play=confirm");
  EXPECT_EQ(writes_, 1);
}

TEST_F(StarCodeServiceTest, AnMrfThatCannotConfirmLeavesTheAnswerToTheTas) {
  auto o = options();
  o.star_code_announcement = [](const StarCode&) -> std::optional<std::string> {
    return "sip:annc@mrf.ims.test;play=service-set";
  };
  service_ = std::make_unique<TasService>(std::move(o), *log_);
  serve();
  FakeHelper h(invite("sip:*21*carl%23@ims.test"));
  auto t = service_->on_request(h.request(), h.source());
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->on_request(h), Verdict::next);
  ASSERT_EQ(h.targets.size(), 1u);
  EXPECT_EQ(writes_, 1);
  // the MRF's branch fails (down: 503; its prompt missing: 404): the code is
  // stored, so the TAS answers as it does without an MRF
  EXPECT_EQ(t->on_branch_failure(h, test::parse("SIP/2.0 503 Service Unavailable\r\n"
                                                "Via: SIP/2.0/UDP 127.0.0.1:6060;branch=z9hG4bKs1\r\n"
                                                "From: <sip:bert@ims.test>;tag=b1\r\n"
                                                "To: <sip:*21*carl%23@ims.test>;tag=m1\r\n"
                                                "Call-ID: sc1@10.0.0.2\r\n"
                                                "CSeq: 7 INVITE\r\nContent-Length: 0\r\n\r\n")),
            Verdict::done);
  EXPECT_EQ(h.status(), 200);
  EXPECT_NE(h.responses.back().body().find("m=audio 0 RTP/AVP 0 8"), std::string::npos);
  EXPECT_EQ(writes_, 1);
}

TEST(StarCodeSdp, AnswerRejectsEveryStreamAndNoOfferGetsAnInactiveOne) {
  const auto answer = star_code_sdp("v=0\r\nm=audio 4000 RTP/AVP 0\r\nm=image 5000 udptl t38\nm=text 1 X\r\n",
                                    "127.0.0.1");
  EXPECT_NE(answer.find("c=IN IP4 127.0.0.1"), std::string::npos);
  EXPECT_NE(answer.find("m=audio 0 RTP/AVP 0\r\n"), std::string::npos) << answer;
  EXPECT_NE(answer.find("m=image 0 udptl t38\r\n"), std::string::npos) << answer;
  EXPECT_NE(answer.find("m=text 0 X 0\r\n"), std::string::npos) << answer;
  EXPECT_EQ(answer.find("inactive"), std::string::npos);
  const auto offer = star_code_sdp("", "[::1]");
  EXPECT_NE(offer.find("c=IN IP6 ::1"), std::string::npos) << offer;
  EXPECT_NE(offer.find("m=audio 9 RTP/AVP 0"), std::string::npos);
  EXPECT_NE(offer.find("a=inactive"), std::string::npos);
}

}  // namespace
}  // namespace imsbox::tas
