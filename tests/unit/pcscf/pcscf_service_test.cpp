// The P-CSCF service with a fake proxy helper, a fake originator and timers
// on a manual clock.
#include "pcscf/pcscf_service.h"

#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <sstream>

#include "ims/reginfo.h"
#include "pcscf/registration.h"
#include "runtime/clock.h"
#include "runtime/log.h"
#include "runtime/metrics.h"
#include "sip/parser.h"
#include "sip/proxy/routing.h"
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

sip::Peer udp(std::uint16_t port) {
  sip::Peer p;
  p.address = boost::asio::ip::make_address("127.0.0.1");
  p.port = port;
  return p;
}

sip::Peer ws(sip::ConnectionId id) {
  sip::Peer p = udp(41000);
  p.transport = sip::Transport::ws;
  p.connection = id;
  return p;
}

const sip::Peer kUe = udp(5070);
const sip::Peer kScscf = udp(6060);
constexpr std::string_view kServiceRoute = "<sip:orig@scscf.ims.test:6060;lr>";


struct FakeOriginator : sip::proxy::RequestOriginator {
  struct Sent {
    sip::Message request;
    std::optional<sip::Peer> to;
    Done done;
  };
  std::vector<Sent> sent;
  bool refuse = false;
  bool originate(sip::Message request, std::optional<sip::Peer> to, Done done) override {
    if (refuse) return false;
    sent.push_back({std::move(request), to, std::move(done)});
    return true;
  }
};

std::string request_text(std::string_view method, std::string_view uri, std::string_view to, std::string_view extra,
                         std::string_view call_id = "call-1@127.0.0.1") {
  return std::string(method) + " " + std::string(uri) +
         " SIP/2.0\r\n"
         "Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKu1\r\n"
         "Max-Forwards: 70\r\n"
         "From: <sip:alice@ims.test>;tag=f1\r\n"
         "To: " +
         std::string(to) +
         "\r\n"
         "Call-ID: " +
         std::string(call_id) +
         "\r\n"
         "CSeq: 1 " +
         std::string(method) + "\r\n" + std::string(extra) + "Content-Length: 0\r\n\r\n";
}

std::string register_text(std::string_view impu, std::string_view contact, int expires, std::string_view extra = "") {
  return request_text("REGISTER", "sip:ims.test", "<" + std::string(impu) + ">",
                      "Contact: <" + std::string(contact) + ">\r\nExpires: " + std::to_string(expires) + "\r\n" +
                          std::string(extra),
                      "reg-" + std::string(impu.substr(4, impu.find('@') - 4)) + "@127.0.0.1");
}

// A response to the request the helper holds.
sip::Message response_to(FakeHelper& h, std::string_view status_line, std::string_view extra) {
  const auto& r = h.request();
  std::string text = std::string(status_line) + "\r\n";
  for (const auto& f : r.headers()) {
    if (f.id == HeaderId::via || f.id == HeaderId::from || f.id == HeaderId::call_id || f.id == HeaderId::cseq) {
      text += std::string(sip::header_name(f.id)) + ": " + std::string(f.value) + "\r\n";
    }
  }
  text += "To: " + std::string(value(r, HeaderId::to)) + ";tag=s1\r\n" + std::string(extra) + "Content-Length: 0\r\n\r\n";
  return parse(text);
}

class PcscfServiceTest : public ::testing::Test {
 protected:
  PcscfServiceTest() : log_path_(test::test_log_path("pcscf_service_test")), timers_(clock_) {
    std::remove(log_path_.c_str());
    log_ = std::make_unique<runtime::Logger>("pcscf", runtime::LogLevel::info, log_path_, clock_);
    PcscfOptions o;
    o.domain = "ims.test";
    o.pcscf_uri = "sip:pcscf.ims.test:5060";
    o.path = "<sip:term@pcscf.ims.test:5060;lr>";
    o.icscf_route = "<sip:icscf.ims.test:4060;lr>";
    o.icid_generated_at = "127.0.0.1";
    o.own_hosts = {"pcscf.ims.test", "127.0.0.1"};
    o.own_ports = {5060, 5061, 8088, 8443};
    service_ = std::make_unique<PcscfService>(o, *log_, clock_, &metrics_);
    service_->attach(originator_, timers_);
  }

  struct Run {
    std::unique_ptr<FakeHelper> helper;
    std::unique_ptr<sip::proxy::ProxyTsx> tsx;
    std::optional<Verdict> verdict;  // none: the service did not take part
  };

  // As the core does: the service sees the request as received, its
  // transaction the working copy without our Route.
  Run run(const std::string& text, const sip::Peer& source) {
    Run r;
    const auto original = parse(text);
    r.helper = std::make_unique<FakeHelper>(text, source);
    sip::proxy::preprocess_route(r.helper->request(), [this](std::string_view uri) { return service_->is_own_uri(uri); });
    r.tsx = service_->on_request(original, source);
    if (r.tsx) r.verdict = r.tsx->on_request(*r.helper);
    return r;
  }

  // REGISTER through to its 200 OK.
  void register_ue(std::string_view impu, std::string_view contact, const sip::Peer& source, int expires = 600,
                   std::string_view associated = "<sip:alice@ims.test>, <tel:+15550100>") {
    auto r = run(register_text(impu, contact, expires), source);
    ASSERT_EQ(r.verdict, Verdict::next);
    auto ok = response_to(*r.helper, "SIP/2.0 200 OK",
                          expires > 0 ? "Contact: <" + std::string(contact) + ">;expires=" + std::to_string(expires) +
                                            "\r\n"
                                            "Path: <sip:term@pcscf.ims.test:5060;lr>\r\n"
                                            "Service-Route: " +
                                            std::string(kServiceRoute) +
                                            "\r\n"
                                            "P-Associated-URI: " +
                                            std::string(associated) + "\r\n"
                                      : std::string());
    r.tsx->on_response(*r.helper, ok);
  }

  // Answers the n-th originated request.
  void answer(std::size_t n, std::string_view status_line, std::string_view extra) {
    ASSERT_LT(n, originator_.sent.size());
    auto& s = originator_.sent[n];
    auto copy = s.request.clone();
    copy.prepend(HeaderId::via, "SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKo" + std::to_string(n));
    const auto wire = parse(copy.serialize());
    FakeHelper h(wire.serialize(), kScscf);
    s.done(response_to(h, status_line, extra));
  }

  std::string log_text() const {
    std::ifstream in(log_path_);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }

  void advance(std::chrono::microseconds d) {
    clock_.advance(d);
    timers_.fire_due();
  }

  runtime::ManualClock clock_;
  std::string log_path_;
  std::unique_ptr<runtime::Logger> log_;
  runtime::TimerQueue timers_;
  runtime::Metrics metrics_;
  FakeOriginator originator_;
  std::unique_ptr<PcscfService> service_;
};

// ---- 1. REGISTER ---------------------------------------------------------------

TEST_F(PcscfServiceTest, RegisterGetsPathAndChargingAndGoesToTheIcscf) {
  auto r = run(register_text("sip:alice@ims.test", "sip:alice@127.0.0.1:5070", 600,
                             "P-Asserted-Identity: <sip:boss@ims.test>\r\nRoute: <sip:pcscf.ims.test:5060;lr>\r\n"),
               kUe);
  ASSERT_TRUE(r.tsx);
  EXPECT_EQ(r.verdict, Verdict::next);
  ASSERT_EQ(r.helper->targets.size(), 1u);
  EXPECT_EQ(r.helper->targets[0].routes, std::vector<std::string>{"<sip:icscf.ims.test:4060;lr>"});
  EXPECT_FALSE(r.helper->targets[0].peer);
  const auto& m = r.helper->request();
  EXPECT_EQ(value(m, HeaderId::path), "<sip:term@pcscf.ims.test:5060;lr>");
  EXPECT_EQ(value(m, HeaderId::require), "path");
  EXPECT_EQ(value(m, HeaderId::supported), "path");
  EXPECT_EQ(value(m, HeaderId::p_visited_network_id), "\"ims.test\"");
  EXPECT_TRUE(std::regex_match(value(m, HeaderId::p_charging_vector),
                               std::regex("icid-value=[0-9a-f]{32};icid-generated-at=127\\.0\\.0\\.1")))
      << value(m, HeaderId::p_charging_vector);
  EXPECT_EQ(m.count(HeaderId::p_asserted_identity), 0u);
  EXPECT_EQ(m.count(HeaderId::route), 0u);

  // a fresh icid each time
  auto r2 = run(register_text("sip:alice@ims.test", "sip:alice@127.0.0.1:5070", 600), kUe);
  EXPECT_NE(value(r2.helper->request(), HeaderId::p_charging_vector), value(m, HeaderId::p_charging_vector));
}

TEST_F(PcscfServiceTest, MalformedRegisterIsRefusedWith400) {
  auto r = run(request_text("REGISTER", "sip:ims.test", "<urn:service:sos>", "Contact: <sip:a@127.0.0.1:5070>\r\n"),
               kUe);
  EXPECT_EQ(r.verdict, Verdict::done);
  EXPECT_EQ(r.helper->statuses, std::vector<int>{400});
  EXPECT_TRUE(r.helper->targets.empty());
  EXPECT_NE(r.helper->reasons[0].find("To"), std::string::npos);
  EXPECT_NE(log_text().find("400 Bad Request (no public identity in To)"), std::string::npos);
}

TEST_F(PcscfServiceTest, ChallengeLosesCkAndIkWhichAreKeptPerImpi) {
  auto r = run(register_text("sip:alice@ims.test", "sip:alice@127.0.0.1:5070", 600), kUe);
  auto challenge = response_to(*r.helper, "SIP/2.0 401 Unauthorized",
                               "WWW-Authenticate: Digest realm=\"ims.test\", nonce=\"bm9uY2U=\", algorithm=AKAv1-MD5, "
                               "qop=\"auth\", ck=\"0123456789abcdef0123456789abcdef\", "
                               "ik=\"fedcba9876543210fedcba9876543210\"\r\n");
  r.tsx->on_response(*r.helper, challenge);
  EXPECT_EQ(value(challenge, HeaderId::www_authenticate),
            "Digest realm=\"ims.test\", nonce=\"bm9uY2U=\", algorithm=AKAv1-MD5, qop=\"auth\"");
  const auto* keys = service_->auth_keys("alice@ims.test");
  ASSERT_TRUE(keys);
  EXPECT_EQ(keys->ck, "0123456789abcdef0123456789abcdef");
  EXPECT_EQ(keys->ik, "fedcba9876543210fedcba9876543210");
  const auto log = log_text();
  EXPECT_NE(log.find("REGISTER sip:alice@ims.test: 401"), std::string::npos);
  EXPECT_EQ(log.find("0123456789abcdef"), std::string::npos);
  EXPECT_EQ(log.find("fedcba98"), std::string::npos);
  EXPECT_EQ(service_->registrations().size(), 0u);
}

TEST_F(PcscfServiceTest, TwoHundredStoresTheRegistration) {
  register_ue("sip:alice@ims.test", "sip:alice@127.0.0.1:5070", kUe);
  const auto* reg = service_->registrations().find("sip:alice@ims.test", clock_.now());
  ASSERT_TRUE(reg);
  EXPECT_EQ(reg->associated, (std::vector<std::string>{"sip:alice@ims.test", "tel:+15550100"}));
  EXPECT_EQ(reg->service_route, std::vector<std::string>{std::string(kServiceRoute)});
  EXPECT_EQ(reg->path, "<sip:term@pcscf.ims.test:5060;lr>");
  ASSERT_EQ(reg->bindings.size(), 1u);
  EXPECT_EQ(reg->bindings[0].source, kUe);
  EXPECT_EQ(reg->bindings[0].expires_at, clock_.now() + 600s);
  EXPECT_NE(log_text().find("REGISTER sip:alice@ims.test: 200 OK, registered sip:alice@127.0.0.1:5070 via UDP "
                            "127.0.0.1:5070"),
            std::string::npos)
      << log_text();
}

TEST_F(PcscfServiceTest, DeregistrationTwoHundredRemovesTheRegistration) {
  register_ue("sip:alice@ims.test", "sip:alice@127.0.0.1:5070", kUe);
  register_ue("sip:alice@ims.test", "sip:alice@127.0.0.1:5070", kUe, 0);
  EXPECT_FALSE(service_->registrations().find("sip:alice@ims.test", clock_.now()));
  EXPECT_NE(log_text().find("deregistered sip:alice@127.0.0.1:5070"), std::string::npos);
}

// ---- 2. reg event ----------------------------------------------------------------

TEST_F(PcscfServiceTest, InitialRegistrationSubscribesToTheRegEvent) {
  register_ue("sip:alice@ims.test", "sip:alice@127.0.0.1:5070", kUe);
  ASSERT_EQ(originator_.sent.size(), 1u);
  const auto& s = originator_.sent[0];
  EXPECT_FALSE(s.to);  // by its Route
  EXPECT_EQ(s.request.method(), "SUBSCRIBE");
  EXPECT_EQ(s.request.request_uri(), "sip:alice@ims.test");
  EXPECT_EQ(value(s.request, HeaderId::route), kServiceRoute);
  EXPECT_EQ(value(s.request, HeaderId::event), "reg");
  EXPECT_EQ(value(s.request, HeaderId::expires), "600000");
  EXPECT_EQ(value(s.request, HeaderId::accept), "application/reginfo+xml");
  EXPECT_EQ(value(s.request, HeaderId::contact), "<sip:pcscf.ims.test:5060>");
  EXPECT_EQ(value(s.request, HeaderId::p_asserted_identity), "<sip:pcscf.ims.test:5060>");
  EXPECT_EQ(value(s.request, HeaderId::to), "<sip:alice@ims.test>");
  EXPECT_EQ(value(s.request, HeaderId::from).rfind("<sip:pcscf.ims.test:5060>;tag=", 0), 0u);
  ASSERT_TRUE(service_->subscription("sip:alice@ims.test"));

  // a re-registration does not subscribe again
  register_ue("sip:alice@ims.test", "sip:alice@127.0.0.1:5070", kUe);
  EXPECT_EQ(originator_.sent.size(), 1u);
}

TEST_F(PcscfServiceTest, SubscriptionIsRefreshedBeforeItExpires) {
  register_ue("sip:alice@ims.test", "sip:alice@127.0.0.1:5070", kUe, 600000);
  ASSERT_EQ(originator_.sent.size(), 1u);
  answer(0, "SIP/2.0 200 OK", "Contact: <sip:scscf.ims.test:6060>\r\nExpires: 1200\r\n");
  const auto* sub = service_->subscription("sip:alice@ims.test");
  ASSERT_TRUE(sub);
  EXPECT_EQ(sub->to_tag, "s1");
  advance(599s);
  EXPECT_EQ(originator_.sent.size(), 1u);
  advance(2s);
  ASSERT_EQ(originator_.sent.size(), 2u);
  const auto& refresh = originator_.sent[1].request;
  EXPECT_EQ(refresh.request_uri(), "sip:scscf.ims.test:6060");
  EXPECT_EQ(value(refresh, HeaderId::to), "<sip:alice@ims.test>;tag=s1");
  EXPECT_EQ(value(refresh, HeaderId::cseq), "2 SUBSCRIBE");
  EXPECT_EQ(refresh.call_id(), originator_.sent[0].request.call_id());
}

TEST_F(PcscfServiceTest, SubscriptionOfAGoneRegistrationIsNotRefreshed) {
  register_ue("sip:alice@ims.test", "sip:alice@127.0.0.1:5070", kUe);
  answer(0, "SIP/2.0 200 OK", "Contact: <sip:scscf.ims.test:6060>\r\nExpires: 1200\r\n");
  register_ue("sip:alice@ims.test", "sip:alice@127.0.0.1:5070", kUe, 0);
  advance(700s);
  EXPECT_EQ(originator_.sent.size(), 1u);
  EXPECT_EQ(service_->subscriptions(), 0u);
}

TEST_F(PcscfServiceTest, RefusedRefreshStartsAFreshSubscription) {
  register_ue("sip:alice@ims.test", "sip:alice@127.0.0.1:5070", kUe, 600000);
  answer(0, "SIP/2.0 200 OK", "Contact: <sip:scscf.ims.test:6060>\r\nExpires: 1200\r\n");
  advance(601s);
  ASSERT_EQ(originator_.sent.size(), 2u);
  answer(1, "SIP/2.0 481 Subscription Does Not Exist", "");
  ASSERT_EQ(originator_.sent.size(), 3u);
  EXPECT_EQ(originator_.sent[2].request.request_uri(), "sip:alice@ims.test");  // initial again
  EXPECT_NE(originator_.sent[2].request.call_id(), originator_.sent[0].request.call_id());
  // an initial one refused: no retry loop
  answer(2, "SIP/2.0 403 Forbidden", "");
  EXPECT_EQ(originator_.sent.size(), 3u);
  EXPECT_EQ(service_->subscriptions(), 0u);
}

std::string notify_text(const std::string& call_id, std::string_view state, const std::string& body) {
  return "NOTIFY sip:pcscf.ims.test:5060 SIP/2.0\r\n"
         "Via: SIP/2.0/UDP 127.0.0.1:6060;branch=z9hG4bKn1\r\n"
         "Max-Forwards: 70\r\n"
         "From: <sip:alice@ims.test>;tag=s1\r\n"
         "To: <sip:pcscf.ims.test:5060>;tag=x\r\n"
         "Call-ID: " +
         call_id +
         "\r\n"
         "CSeq: 2 NOTIFY\r\n"
         "Event: reg\r\n"
         "Subscription-State: " +
         std::string(state) +
         "\r\n"
         "Content-Type: application/reginfo+xml\r\n"
         "Content-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + body;
}

TEST_F(PcscfServiceTest, NotifyIsAnsweredHereAndDropsTerminatedRegistrations) {
  register_ue("sip:alice@ims.test", "sip:alice@127.0.0.1:5070", kUe);
  const std::string call_id(originator_.sent[0].request.call_id());

  ims::RegInfo active;
  active.version = 0;
  active.registrations.push_back({"sip:alice@ims.test", "r1", "active",
                                  {{"c1", "active", "registered", 600, "sip:alice@127.0.0.1:5070", {}, {}}}});
  auto r = run(notify_text(call_id, "active;expires=600000", ims::to_xml(active)), kScscf);
  ASSERT_TRUE(r.tsx);
  EXPECT_EQ(r.verdict, Verdict::done);
  EXPECT_EQ(r.helper->statuses, std::vector<int>{200});
  EXPECT_TRUE(service_->registrations().find("sip:alice@ims.test", clock_.now()));

  ims::RegInfo gone;
  gone.version = 1;
  gone.registrations.push_back({"sip:alice@ims.test", "r1", "terminated",
                                {{"c1", "terminated", "unregistered", {}, "sip:alice@127.0.0.1:5070", {}, {}}}});
  auto r2 = run(notify_text(call_id, "terminated;reason=noresource", ims::to_xml(gone)), kScscf);
  EXPECT_EQ(r2.verdict, Verdict::done);
  EXPECT_EQ(r2.helper->statuses, std::vector<int>{200});
  EXPECT_FALSE(service_->registrations().find("sip:alice@ims.test", clock_.now()));
  EXPECT_EQ(service_->subscriptions(), 0u);
  EXPECT_NE(log_text().find("reg event: NOTIFY sip:alice@ims.test"), std::string::npos);
}

TEST_F(PcscfServiceTest, NotifyOfNoSubscriptionOfOursIs481AndMalformedReginfo400) {
  auto r = run(notify_text("unknown@x", "active", ""), kScscf);
  ASSERT_TRUE(r.tsx);
  EXPECT_EQ(r.helper->statuses, std::vector<int>{481});

  register_ue("sip:alice@ims.test", "sip:alice@127.0.0.1:5070", kUe);
  auto bad = run(notify_text(std::string(originator_.sent[0].request.call_id()), "active", "<reginfo"), kScscf);
  EXPECT_EQ(bad.helper->statuses, std::vector<int>{400});
  EXPECT_TRUE(service_->registrations().find("sip:alice@ims.test", clock_.now()));
}

TEST_F(PcscfServiceTest, ReRegistrationAfterDeregistrationSubscribesAfresh) {
  register_ue("sip:alice@ims.test", "sip:alice@127.0.0.1:5070", kUe);
  const std::string old_call_id(originator_.sent[0].request.call_id());
  register_ue("sip:alice@ims.test", "sip:alice@127.0.0.1:5070", kUe, 0);
  // registered again before the old subscription's final NOTIFY came
  register_ue("sip:alice@ims.test", "sip:alice@127.0.0.1:5070", kUe);
  ASSERT_EQ(originator_.sent.size(), 2u);
  EXPECT_NE(originator_.sent[1].request.call_id(), old_call_id);
  // the old subscription's final NOTIFY leaves the new registration alone
  ims::RegInfo gone;
  gone.version = 1;
  gone.registrations.push_back({"sip:alice@ims.test", "r1", "terminated", {}});
  auto r = run(notify_text(old_call_id, "terminated;reason=noresource", ims::to_xml(gone)), kScscf);
  EXPECT_EQ(r.helper->statuses, std::vector<int>{200});
  EXPECT_TRUE(service_->registrations().find("sip:alice@ims.test", clock_.now()));
  EXPECT_EQ(service_->subscriptions(), 1u);
}

TEST_F(PcscfServiceTest, ExpiredRegistrationIsRemovedByTheTimer) {
  register_ue("sip:alice@ims.test", "sip:alice@127.0.0.1:5070", kUe, 60);
  advance(59s);
  EXPECT_EQ(service_->registrations().size(), 1u);
  advance(1s);
  EXPECT_EQ(service_->registrations().size(), 0u);
  EXPECT_NE(log_text().find("registration sip:alice@ims.test: sip:alice@127.0.0.1:5070 expired"), std::string::npos);
}

// ---- 3. other requests ---------------------------------------------------------------

std::string invite_from_ue(std::string_view extra, std::string_view uri = "sip:bob@ims.test") {
  return request_text("INVITE", uri, "<sip:bob@ims.test>", extra);
}

TEST_F(PcscfServiceTest, OriginatingRequestGetsAssertedIdentityAndTheServiceRoute) {
  register_ue("sip:alice@ims.test", "sip:alice@127.0.0.1:5070", kUe);
  auto r = run(invite_from_ue("Route: <sip:127.0.0.1:5060;lr>, <sip:orig@scscf.ims.test:6060;lr>\r\n"
                              "P-Asserted-Identity: <sip:boss@ims.test>\r\n"
                              "P-Preferred-Identity: <tel:+15550100>\r\n"
                              "P-Charging-Vector: icid-value=forged\r\n"),
               kUe);
  EXPECT_EQ(r.verdict, Verdict::next);
  ASSERT_EQ(r.helper->targets.size(), 1u);
  EXPECT_EQ(r.helper->targets[0].routes, std::vector<std::string>{std::string(kServiceRoute)});
  EXPECT_TRUE(r.helper->record_routed);
  EXPECT_EQ(r.helper->record_route_user, "orig");  // the originating leg
  const auto& m = r.helper->request();
  EXPECT_EQ(m.count(HeaderId::route), 0u);  // the UE's preloaded route gave way
  EXPECT_EQ(m.count(HeaderId::p_asserted_identity), 1u);
  EXPECT_EQ(value(m, HeaderId::p_asserted_identity), "<tel:+15550100>");
  EXPECT_EQ(m.count(HeaderId::p_preferred_identity), 0u);
  ASSERT_EQ(m.count(HeaderId::p_charging_vector), 1u);  // ours, fresh
  EXPECT_EQ(value(m, HeaderId::p_charging_vector).find("icid-value=forged"), std::string::npos);
  EXPECT_EQ(value(m, HeaderId::p_charging_vector).rfind("icid-value=", 0), 0u);
}

TEST_F(PcscfServiceTest, PreferredIdentityOutsideTheSetGivesTheFirstAssociatedUri) {
  register_ue("sip:alice@ims.test", "sip:alice@127.0.0.1:5070", kUe);
  auto r = run(invite_from_ue("P-Preferred-Identity: <sip:boss@ims.test>\r\n"), kUe);
  EXPECT_EQ(value(r.helper->request(), HeaderId::p_asserted_identity), "<sip:alice@ims.test>");
  auto none = run(invite_from_ue(""), kUe);
  EXPECT_EQ(value(none.helper->request(), HeaderId::p_asserted_identity), "<sip:alice@ims.test>");
}

TEST_F(PcscfServiceTest, RequestFromAnUnregisteredSourceIs403) {
  auto r = run(invite_from_ue(""), kUe);
  EXPECT_EQ(r.verdict, Verdict::done);
  EXPECT_EQ(r.helper->statuses, std::vector<int>{403});

  register_ue("sip:alice@ims.test", "sip:alice@127.0.0.1:5070", kUe);
  auto other_port = run(invite_from_ue(""), udp(5071));
  EXPECT_EQ(other_port.helper->statuses, std::vector<int>{403});
  EXPECT_TRUE(other_port.helper->targets.empty());

  // expired: refused again
  advance(601s);
  auto later = run(invite_from_ue(""), kUe);
  EXPECT_EQ(later.helper->statuses, std::vector<int>{403});
}

TEST_F(PcscfServiceTest, StreamSourceMustBeTheRegisteringConnection) {
  register_ue("sip:bob@ims.test", "sip:bob@df7jal23ls0d.invalid;transport=ws", ws(7), 600, "<sip:bob@ims.test>");
  auto same = run(invite_from_ue("", "sip:alice@ims.test"), ws(7));
  EXPECT_EQ(same.verdict, Verdict::next);
  EXPECT_EQ(value(same.helper->request(), HeaderId::p_asserted_identity), "<sip:bob@ims.test>");
  auto other = run(invite_from_ue("", "sip:alice@ims.test"), ws(8));
  EXPECT_EQ(other.helper->statuses, std::vector<int>{403});
}

TEST_F(PcscfServiceTest, TerminatingRequestGoesToTheRegisteringConnection) {
  register_ue("sip:bob@ims.test", "sip:bob@df7jal23ls0d.invalid;transport=ws", ws(7), 600, "<sip:bob@ims.test>");
  auto r = run(invite_from_ue("Route: <sip:term@pcscf.ims.test:5060;lr>\r\n",
                              "sip:bob@df7jal23ls0d.invalid;transport=ws"),
               kScscf);
  ASSERT_TRUE(r.tsx);
  EXPECT_EQ(r.verdict, Verdict::next);
  ASSERT_EQ(r.helper->targets.size(), 1u);
  ASSERT_TRUE(r.helper->targets[0].peer);
  EXPECT_EQ(*r.helper->targets[0].peer, ws(7));
  EXPECT_TRUE(r.helper->targets[0].routes.empty());
  EXPECT_TRUE(r.helper->record_routed);
  EXPECT_EQ(r.helper->record_route_user, "term");  // the terminating leg
  EXPECT_EQ(r.helper->request().count(HeaderId::route), 0u);
}

TEST_F(PcscfServiceTest, AUeCannotSkipItsScscfWithOurPathUri) {
  register_ue("sip:alice@ims.test", "sip:alice@127.0.0.1:5070", kUe);
  register_ue("sip:bob@ims.test", "sip:bob@127.0.0.1:5080", udp(5080), 600, "<sip:bob@ims.test>");
  auto r = run(invite_from_ue("Route: <sip:term@pcscf.ims.test:5060;lr>\r\n", "sip:bob@127.0.0.1:5080"), kUe);
  ASSERT_EQ(r.helper->targets.size(), 1u);
  EXPECT_FALSE(r.helper->targets[0].peer);
  EXPECT_EQ(r.helper->targets[0].routes, std::vector<std::string>{std::string(kServiceRoute)});
}

TEST_F(PcscfServiceTest, InDialogRequestTowardAUeGoesOverItsConnection) {
  register_ue("sip:bob@ims.test", "sip:bob@df7jal23ls0d.invalid;transport=ws", ws(7), 600, "<sip:bob@ims.test>");
  // our two Record-Route entries (UDP toward the core, WS toward the UE)
  auto r = run(request_text("BYE", "sip:bob@df7jal23ls0d.invalid;transport=ws", "<sip:bob@ims.test>;tag=b1",
                            "Route: <sip:127.0.0.1:5060;lr>, <sip:127.0.0.1:8088;transport=ws;lr>\r\n"),
               kScscf);
  ASSERT_TRUE(r.tsx);
  ASSERT_EQ(r.helper->targets.size(), 1u);
  EXPECT_EQ(*r.helper->targets[0].peer, ws(7));
  EXPECT_EQ(r.helper->request().count(HeaderId::route), 0u);
  EXPECT_FALSE(r.helper->record_routed);
}

TEST_F(PcscfServiceTest, AckOfATwoHundredGoesOverTheUesConnection) {
  register_ue("sip:bob@ims.test", "sip:bob@df7jal23ls0d.invalid;transport=ws", ws(7), 600, "<sip:bob@ims.test>");
  const auto ack = parse(request_text("ACK", "sip:bob@df7jal23ls0d.invalid;transport=ws", "<sip:bob@ims.test>;tag=b1", ""));
  EXPECT_EQ(service_->ack_peer(ack), ws(7));
  const auto other = parse(request_text("ACK", "sip:carol@192.0.2.9", "<sip:carol@ims.test>;tag=c1", ""));
  EXPECT_FALSE(service_->ack_peer(other));  // not a contact of ours: the core routes it
}

TEST_F(PcscfServiceTest, FinalNotifyReachesAUeThatJustDeregistered) {
  register_ue("sip:bob@ims.test", "sip:bob@df7jal23ls0d.invalid;transport=ws", ws(7), 600, "<sip:bob@ims.test>");
  register_ue("sip:bob@ims.test", "sip:bob@df7jal23ls0d.invalid;transport=ws", ws(7), 0);
  ASSERT_FALSE(service_->registrations().find("sip:bob@ims.test", clock_.now()));
  // the S-CSCF's NOTIFY (terminated) of the UE's own reg-event subscription
  auto r = run(request_text("NOTIFY", "sip:bob@df7jal23ls0d.invalid;transport=ws", "<sip:bob@ims.test>;tag=b1",
                            "Route: <sip:127.0.0.1:5060;lr>\r\nEvent: reg\r\nSubscription-State: terminated\r\n"),
               kScscf);
  ASSERT_TRUE(r.tsx);
  ASSERT_EQ(r.helper->targets.size(), 1u);
  EXPECT_EQ(*r.helper->targets[0].peer, ws(7));
}

TEST_F(PcscfServiceTest, InDialogRequestsOfTheNetworkAndFromUesFollowTheirRoute) {
  // from the network, not to one of our UEs: the core routes it
  auto net = run(request_text("BYE", "sip:carol@10.0.0.9:5060", "<sip:carol@ims.test>;tag=c1",
                              "Route: <sip:127.0.0.1:5060;lr>\r\n"),
                 kScscf);
  EXPECT_FALSE(net.tsx);

  register_ue("sip:alice@ims.test", "sip:alice@127.0.0.1:5070", kUe);
  auto ue = run(request_text("BYE", "sip:bob@10.0.0.9:5060", "<sip:bob@ims.test>;tag=b1",
                             "Route: <sip:127.0.0.1:8088;transport=ws;lr>, <sip:127.0.0.1:5060;lr>, "
                             "<sip:scscf.ims.test:6060;lr>\r\n"
                             "P-Asserted-Identity: <sip:boss@ims.test>\r\n"),
                kUe);
  ASSERT_TRUE(ue.tsx);
  EXPECT_EQ(ue.verdict, Verdict::next);
  EXPECT_TRUE(ue.helper->targets.empty());
  EXPECT_EQ(value(ue.helper->request(), HeaderId::route), "<sip:scscf.ims.test:6060;lr>");
  EXPECT_EQ(ue.helper->request().count(HeaderId::p_asserted_identity), 0u);

  // in a dialog from nobody registered, toward nobody registered: passed on
  auto stranger = run(request_text("BYE", "sip:bob@10.0.0.9:5060", "<sip:bob@ims.test>;tag=b1", ""), udp(5099));
  EXPECT_FALSE(stranger.tsx);
}

// ---- 4. dialogs released with the registration (TS 24.229 §5.2.8.1.2) ------------------

// The BYEs the service originated since `from`.
std::vector<const FakeOriginator::Sent*> byes(const FakeOriginator& o, std::size_t from) {
  std::vector<const FakeOriginator::Sent*> out;
  for (std::size_t i = from; i < o.sent.size(); ++i) {
    if (o.sent[i].request.method() == "BYE") out.push_back(&o.sent[i]);
  }
  return out;
}

TEST_F(PcscfServiceTest, DeregistrationReleasesTheUesDialogsWithAByeEachWay) {
  register_ue("sip:alice@ims.test", "sip:alice@127.0.0.1:5070", kUe);
  // alice calls; the 200 brings the route set (the callee's P-CSCF, the S-CSCF, us)
  auto r = run(invite_from_ue("Contact: <sip:alice@127.0.0.1:5070>\r\n"), kUe);
  ASSERT_EQ(r.verdict, Verdict::next);
  auto ok = response_to(*r.helper, "SIP/2.0 200 OK",
                        "Contact: <sip:bob@192.0.2.7:5080>\r\nRecord-Route: <sip:10.0.0.5:5060;lr>, "
                        "<sip:scscf.ims.test:6060;lr>, <sip:127.0.0.1:5060;lr>\r\n");
  r.tsx->on_response(*r.helper, ok);
  EXPECT_EQ(service_->dialogs().size(), 1u);
  // a re-INVITE of hers (CSeq 5) passes through
  auto reinvite = request_text("INVITE", "sip:bob@192.0.2.7:5080", "<sip:bob@ims.test>;tag=s1",
                               "Route: <sip:127.0.0.1:5060;lr>, <sip:scscf.ims.test:6060;lr>\r\n");
  reinvite.replace(reinvite.find("CSeq: 1 INVITE"), 14, "CSeq: 5 INVITE");
  EXPECT_EQ(run(reinvite, kUe).verdict, Verdict::next);

  const auto before = originator_.sent.size();
  register_ue("sip:alice@ims.test", "sip:alice@127.0.0.1:5070", kUe, 0);  // she deregisters
  const auto sent = byes(originator_, before);
  ASSERT_EQ(sent.size(), 2u);
  const auto& to_ue = *sent[0];
  EXPECT_EQ(to_ue.request.request_uri(), "sip:alice@127.0.0.1:5070");
  EXPECT_EQ(to_ue.to, kUe);
  EXPECT_EQ(to_ue.request.count(HeaderId::route), 0u);
  EXPECT_EQ(value(to_ue.request, HeaderId::from), "<sip:bob@ims.test>;tag=s1");
  EXPECT_EQ(value(to_ue.request, HeaderId::to), "<sip:alice@ims.test>;tag=f1");
  EXPECT_EQ(value(to_ue.request, HeaderId::cseq), "1 BYE");
  const auto& to_network = *sent[1];
  EXPECT_EQ(to_network.request.request_uri(), "sip:bob@192.0.2.7:5080");
  EXPECT_FALSE(to_network.to);  // along its Route
  EXPECT_EQ(header_values(to_network.request, HeaderId::route),
            (std::vector<std::string>{"<sip:scscf.ims.test:6060;lr>", "<sip:10.0.0.5:5060;lr>"}));
  EXPECT_EQ(value(to_network.request, HeaderId::from), "<sip:alice@ims.test>;tag=f1");
  EXPECT_EQ(value(to_network.request, HeaderId::to), "<sip:bob@ims.test>;tag=s1");
  EXPECT_EQ(value(to_network.request, HeaderId::cseq), "6 BYE");
  EXPECT_EQ(value(to_network.request, HeaderId::call_id), "call-1@127.0.0.1");
  EXPECT_NE(value(to_network.request, HeaderId::reason).find("cause=480"), std::string::npos);
  EXPECT_EQ(service_->dialogs().size(), 0u);
  EXPECT_NE(log_text().find("dialog of sip:alice@127.0.0.1:5070 released (Deregistered): BYE to the UE sent, "
                            "toward the network sent"),
            std::string::npos);
}

TEST_F(PcscfServiceTest, AnEndedDialogIsNotReleasedAgainAndExpiryReleasesTheCallees) {
  register_ue("sip:bob@ims.test", "sip:bob@df7jal23ls0d.invalid;transport=ws", ws(7), 60, "<sip:bob@ims.test>");
  // two calls to bob from the network; he answers both
  for (const char* call_id : {"call-1@127.0.0.1", "call-2@127.0.0.1"}) {
    auto r = run(request_text("INVITE", "sip:bob@df7jal23ls0d.invalid;transport=ws", "<sip:bob@ims.test>",
                              "Route: <sip:term@pcscf.ims.test:5060;lr>\r\n"
                              "Record-Route: <sip:scscf.ims.test:6060;lr>, <sip:10.0.0.5:5060;lr>\r\n"
                              "Contact: <sip:alice@10.0.0.9:5070>\r\n",
                              call_id),
                 kScscf);
    ASSERT_EQ(r.verdict, Verdict::next);
    auto ok = response_to(*r.helper, "SIP/2.0 200 OK", "Contact: <sip:bob@df7jal23ls0d.invalid;transport=ws>\r\n");
    r.tsx->on_response(*r.helper, ok);
  }
  EXPECT_EQ(service_->dialogs().size(), 2u);
  // the caller of the first hangs up
  auto bye = run(request_text("BYE", "sip:bob@df7jal23ls0d.invalid;transport=ws", "<sip:bob@ims.test>;tag=s1",
                              "Route: <sip:127.0.0.1:5060;lr>\r\n"),
                 kScscf);
  EXPECT_EQ(bye.verdict, Verdict::next);
  EXPECT_EQ(service_->dialogs().size(), 1u);
  // the registration expires: the second call is released
  const auto before = originator_.sent.size();
  advance(60s);
  const auto sent = byes(originator_, before);
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[0]->request.call_id(), "call-2@127.0.0.1");
  EXPECT_EQ(sent[0]->to, ws(7));
  EXPECT_EQ(value(sent[0]->request, HeaderId::cseq), "2 BYE");  // after the caller's INVITE (CSeq 1)
  EXPECT_EQ(sent[1]->request.request_uri(), "sip:alice@10.0.0.9:5070");
  EXPECT_EQ(header_values(sent[1]->request, HeaderId::route),
            (std::vector<std::string>{"<sip:scscf.ims.test:6060;lr>", "<sip:10.0.0.5:5060;lr>"}));
  EXPECT_EQ(value(sent[1]->request, HeaderId::cseq), "1 BYE");
  EXPECT_EQ(service_->dialogs().size(), 0u);
}

TEST_F(PcscfServiceTest, OptionsToThePcscfItselfIsAnswered) {
  auto r = run(request_text("OPTIONS", "sip:pcscf.ims.test:5060", "<sip:pcscf.ims.test:5060>", ""), udp(5099));
  EXPECT_EQ(r.verdict, Verdict::done);
  EXPECT_EQ(r.helper->statuses, std::vector<int>{200});
  // to a user: an ordinary request (refused from an unregistered source)
  auto user = run(request_text("OPTIONS", "sip:bob@ims.test", "<sip:bob@ims.test>", ""), udp(5099));
  EXPECT_EQ(user.helper->statuses, std::vector<int>{403});
}

TEST_F(PcscfServiceTest, MetricsCountRegistrationsAndRefusals) {
  register_ue("sip:alice@ims.test", "sip:alice@127.0.0.1:5070", kUe);
  run(invite_from_ue(""), udp(5099));
  run(request_text("REGISTER", "sip:ims.test", "<urn:service:sos>", ""), kUe);
  const auto text = metrics_.render();
  EXPECT_NE(text.find("pcscf_registered_contacts 1"), std::string::npos) << text;
  EXPECT_NE(text.find("pcscf_registered_impus 1"), std::string::npos) << text;
  EXPECT_NE(text.find("pcscf_reg_subscriptions 1"), std::string::npos) << text;
  EXPECT_NE(text.find("pcscf_register_ok_total 1"), std::string::npos) << text;
  EXPECT_NE(text.find("pcscf_forbidden_total 1"), std::string::npos) << text;
  EXPECT_NE(text.find("pcscf_bad_requests_total 1"), std::string::npos) << text;
}

}  // namespace
}  // namespace imsbox::pcscf
