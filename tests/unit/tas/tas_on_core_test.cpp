// The TAS's service on the real proxy core and transaction layer (a fake
// transport, a ManualClock): what the S-CSCF sees of CFU, CFB and CFNR on
// the wire, the ODI Route followed, the first branch CANCELled.
#include <gtest/gtest.h>

#include <filesystem>
#include <algorithm>
#include <map>
#include <optional>
#include <variant>

#include "runtime/clock.h"
#include "runtime/log.h"
#include "runtime/timer_queue.h"
#include "sip/response.h"
#include "sip/transaction/cancel.h"
#include "sip/transaction/transaction_layer.h"
#include "tas/tas_service.h"
#include "unit/proxy_fakes.h"
#include "unit/tas/simservs_doc.h"

namespace imsbox::tas {
namespace {

using namespace std::chrono_literals;
namespace tx = sip::transaction;
using test::parse;

sip::Peer udp(std::uint16_t port) {
  return sip::Peer{sip::Transport::udp, boost::asio::ip::make_address("127.0.0.1"), port, 0};
}
const sip::Peer kScscf = udp(6060);

class WireSender : public tx::Sender {
 public:
  bool send(const sip::Peer& to, const sip::Message& m) override {
    sent.push_back({to, m.serialize()});
    return true;
  }
  std::vector<std::pair<sip::Peer, std::string>> sent;
};

simservs::Document doc(const std::string& services) { return simservs_document(services); }

std::string cdiv_rule(const std::string& condition, const std::string& target, const std::string& timer = {}) {
  return "<communication-diversion>" + (timer.empty() ? "" : "<NoReplyTimer>" + timer + "</NoReplyTimer>") +
         "<cp:ruleset><cp:rule id=\"r\"><cp:conditions>" + condition +
         "</cp:conditions><cp:actions><forward-to><target>" + target +
         "</target></forward-to></cp:actions></cp:rule></cp:ruleset></communication-diversion>";
}

// The terminating INVITE as the S-CSCF sends it to the TAS (TS 24.229 §5.4.3.3).
constexpr std::string_view kInvite =
    "INVITE sip:bob@ims.test SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 127.0.0.1:6060;branch=z9hG4bKscscf1\r\n"
    "Max-Forwards: 68\r\n"
    "Route: <sip:127.0.0.1:5070;lr>, <sip:127.0.0.1:6060;odi=t0k3n;lr>\r\n"
    "From: <sip:alice@ims.test>;tag=a1\r\n"
    "To: <sip:bob@ims.test>\r\n"
    "Call-ID: cdiv-1@127.0.0.1\r\n"
    "CSeq: 1 INVITE\r\n"
    "P-Served-User: <sip:bob@ims.test>;sescase=term;regstate=reg\r\n"
    "Contact: <sip:alice@127.0.0.1:5080>\r\n"
    "Content-Length: 0\r\n\r\n";

class TasOnCoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    log_path_ = test::test_log_path("tas-core");
    log_ = std::make_unique<runtime::Logger>("tas", runtime::LogLevel::debug, log_path_, clock_);
    TasOptions options;
    options.services_of = [this](std::string_view impu) {
      const auto it = documents_.find(std::string(impu));
      return it == documents_.end() ? simservs::empty_document() : it->second;
    };
    std::vector<std::unique_ptr<sip::proxy::ProxyService>> services;
    auto tas = std::make_unique<TasService>(std::move(options), *log_);
    tas->attach(timers_);
    services.push_back(std::move(tas));
    sip::proxy::ProxyOptions o;
    o.interfaces = {sip::proxy::Interface{sip::Transport::udp, "127.0.0.1", 5070}};
    core_.emplace(timers_, std::move(o), std::move(services));
    layer_.emplace(sender_, *core_, timers_, tx::TransactionLayer::Options{});
    core_->attach(*layer_, sender_);
  }
  void TearDown() override {
    layer_.reset();
    core_.reset();
    std::filesystem::remove(log_path_);
  }

  void advance(std::chrono::milliseconds d) {
    for (auto left = d; left > 0ms; left -= 10ms) {
      clock_.advance(10ms);
      timers_.fire_due();
    }
  }
  // The requests of `method` the TAS sent to the S-CSCF, in order.
  std::vector<sip::Message> requests(std::string_view method) {
    std::vector<sip::Message> out;
    for (const auto& [to, bytes] : sender_.sent) {
      auto m = parse(bytes);
      if (to == kScscf && m.is_request() && m.method() == method) out.push_back(std::move(m));
    }
    return out;
  }
  // The statuses of the responses the TAS sent upstream (to the S-CSCF's Via).
  std::vector<int> upstream() {
    std::vector<int> out;
    for (const auto& [to, bytes] : sender_.sent) {
      auto m = parse(bytes);
      if (!m.is_request()) out.push_back(m.status());
    }
    return out;
  }
  void answer(const sip::Message& request, int status) {
    layer_->receive(parse(sip::make_response(request, status, {}, status > 100 ? "callee" : "").serialize()), kScscf);
  }
  static std::vector<std::string> history(const sip::Message& m) {
    std::vector<std::string> out;
    for (const auto& h : m.headers()) {
      if (h.name == "History-Info") out.emplace_back(h.value);
    }
    return out;
  }

  runtime::ManualClock clock_;
  runtime::TimerQueue timers_{clock_};
  WireSender sender_;
  std::string log_path_;
  std::unique_ptr<runtime::Logger> log_;
  std::map<std::string, simservs::Document> documents_;
  std::optional<sip::proxy::ProxyCore> core_;
  std::optional<tx::TransactionLayer> layer_;
};

TEST_F(TasOnCoreTest, WithoutServicesTheInviteGoesBackAlongTheOdi) {
  layer_->receive(parse(std::string(kInvite)), kScscf);
  const auto out = requests("INVITE");
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].request_uri(), "sip:bob@ims.test");
  EXPECT_EQ(std::string(out[0].find(sip::HeaderId::route)->value), "<sip:127.0.0.1:6060;odi=t0k3n;lr>");
  EXPECT_EQ(out[0].count(sip::HeaderId::record_route), 0u);
  answer(out[0], 200);
  EXPECT_EQ(upstream(), (std::vector<int>{200}));
}

TEST_F(TasOnCoreTest, CfbRetargetsAfterThe486) {
  documents_.emplace("sip:bob@ims.test", doc(cdiv_rule("<busy/>", "sip:carol@ims.test")));
  layer_->receive(parse(std::string(kInvite)), kScscf);
  answer(requests("INVITE").at(0), 180);
  answer(requests("INVITE").at(0), 486);
  EXPECT_EQ(requests("ACK").size(), 1u);  // the 486 ACKed hop by hop
  const auto out = requests("INVITE");
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[1].request_uri(), "sip:carol@ims.test");
  EXPECT_EQ(std::string(out[1].find(sip::HeaderId::route)->value), "<sip:127.0.0.1:6060;odi=t0k3n;lr>");
  EXPECT_EQ(history(out[1]), (std::vector<std::string>{"<sip:bob@ims.test>;index=1",
                                                       "<sip:carol@ims.test;cause=486>;index=1.1;mp=1"}));
  answer(out[1], 200);
  // the caller saw bob ring, the diversion, then carol's answer: never the 486
  EXPECT_EQ(upstream(), (std::vector<int>{180, 181, 200}));
}

TEST_F(TasOnCoreTest, CfnrCancelsTheUnansweredCalleeAndRetargets) {
  documents_.emplace("sip:bob@ims.test", doc(cdiv_rule("<no-answer/>", "sip:vm@ims.test", "5")));
  layer_->receive(parse(std::string(kInvite)), kScscf);
  const auto first = requests("INVITE").at(0).clone();
  answer(first, 100);
  // the callee alerts 3 s after the INVITE: the 5 s count from there
  // (TS 24.604 §4.5.2.6.4)
  advance(3000ms);
  answer(first, 180);
  advance(2000ms);
  EXPECT_TRUE(requests("CANCEL").empty());  // 5 s after the INVITE
  advance(2900ms);
  EXPECT_TRUE(requests("CANCEL").empty());
  advance(200ms);  // 5 s after the 180
  ASSERT_EQ(requests("CANCEL").size(), 1u);
  EXPECT_EQ(requests("CANCEL").at(0).vias()[0].branch(), first.vias()[0].branch());
  answer(requests("CANCEL").at(0), 200);
  answer(first, 487);
  const auto out = requests("INVITE");
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[1].request_uri(), "sip:vm@ims.test");
  EXPECT_EQ(history(out[1]).back(), "<sip:vm@ims.test;cause=408>;index=1.1;mp=1");
  answer(out[1], 200);
  // (the layer's own 100 Trying while nothing came for 200 ms)
  EXPECT_EQ(upstream(), (std::vector<int>{100, 180, 181, 200}));
}

// A callee that never alerts is not CFNR's: no CANCEL from our timer; its
// 408 (here the S-CSCF's, as the P-CSCF gave up on the UE) is CFNRc.
TEST_F(TasOnCoreTest, ACalleeThatNeverRingsIsNotReachableNotNoReply) {
  documents_.emplace("sip:bob@ims.test",
                     doc("<communication-diversion><NoReplyTimer>5</NoReplyTimer><cp:ruleset>"
                         "<cp:rule id=\"cfnr\"><cp:conditions><no-answer/></cp:conditions><cp:actions><forward-to>"
                         "<target>sip:vm@ims.test</target></forward-to></cp:actions></cp:rule>"
                         "<cp:rule id=\"cfnrc\"><cp:conditions><not-reachable/></cp:conditions><cp:actions><forward-to>"
                         "<target>sip:nr@ims.test</target></forward-to></cp:actions></cp:rule>"
                         "</cp:ruleset></communication-diversion>"));
  layer_->receive(parse(std::string(kInvite)), kScscf);
  const auto first = requests("INVITE").at(0).clone();
  answer(first, 100);
  advance(30000ms);
  EXPECT_TRUE(requests("CANCEL").empty());
  answer(first, 408);
  const auto out = requests("INVITE");
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[1].request_uri(), "sip:nr@ims.test");
  EXPECT_EQ(history(out[1]).back(), "<sip:nr@ims.test;cause=503>;index=1.1;mp=1");
}

TEST_F(TasOnCoreTest, ACallerCancelIsNoDiversion) {
  documents_.emplace("sip:bob@ims.test", doc(cdiv_rule("<no-answer/>", "sip:vm@ims.test", "5")));
  const auto invite = parse(std::string(kInvite));
  layer_->receive(parse(std::string(kInvite)), kScscf);
  const auto first = requests("INVITE").at(0).clone();
  answer(first, 180);
  layer_->receive(sip::transaction::make_cancel(invite), kScscf);
  ASSERT_EQ(requests("CANCEL").size(), 1u);
  answer(first, 487);
  EXPECT_EQ(requests("INVITE").size(), 1u);
  const auto up = upstream();
  EXPECT_EQ(up.back(), 487);
  EXPECT_EQ(std::count(up.begin(), up.end(), 181), 0);
}

TEST_F(TasOnCoreTest, CfuSendsTheRetargetedInviteAt181) {
  documents_.emplace("sip:bob@ims.test", doc(cdiv_rule("", "tel:+33600")));
  layer_->receive(parse(std::string(kInvite)), kScscf);
  const auto out = requests("INVITE");
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].request_uri(), "tel:+33600");
  EXPECT_EQ(std::string(out[0].find(sip::HeaderId::route)->value), "<sip:127.0.0.1:6060;odi=t0k3n;lr>");
  EXPECT_EQ(upstream(), (std::vector<int>{181}));
}

}  // namespace
}  // namespace imsbox::tas
