// The P-CSCF service with a fake proxy helper, a fake originator and timers
// on a manual clock.
#include "pcscf/pcscf_service.h"

#include <gtest/gtest.h>

#include <regex>
#include <set>

#include "ims/reginfo.h"
#include "pcscf/registration.h"
#include "runtime/clock.h"
#include "runtime/log.h"
#include "runtime/metrics.h"
#include "sip/parser.h"
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

std::string register_text(std::string_view impu, std::string_view contact, int expires, std::string_view extra = "",
                          std::string_view contact_params = "") {
  return request_text("REGISTER", "sip:ims.test", "<" + std::string(impu) + ">",
                      "Contact: <" + std::string(contact) + ">" + std::string(contact_params) +
                          "\r\nExpires: " + std::to_string(expires) + "\r\n" +
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
  // `params`: the Contact's header parameters (";+sip.instance=...;reg-id=1").
  void register_ue(std::string_view impu, std::string_view contact, const sip::Peer& source, int expires = 600,
                   std::string_view associated = "<sip:alice@ims.test>, <tel:+15550100>",
                   std::string_view params = "") {
    auto r = run(register_text(impu, contact, expires, "", params), source);
    ASSERT_EQ(r.verdict, Verdict::next);
    auto ok = response_to(*r.helper, "SIP/2.0 200 OK",
                          expires > 0 ? "Contact: <" + std::string(contact) + ">" + std::string(params) +
                                            ";expires=" + std::to_string(expires) +
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

  std::string log_text() const { return imsbox::testing::file_text(log_path_); }

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

// ---- 5. a UE on a new flow (RFC 5626; issue 15) --------------------------------------

sip::Peer tcp(sip::ConnectionId id, std::uint16_t port) {
  sip::Peer p = udp(port);
  p.transport = sip::Transport::tcp;
  p.connection = id;
  return p;
}

constexpr std::string_view kFlowParams = ";+sip.instance=\"<urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6>\";reg-id=1";

TEST_F(PcscfServiceTest, FlowReplacedBySameInstanceAndRegIdTakesTheUeAndItsDialogs) {
  const std::string first = "sip:bob@127.0.0.1:41001;transport=tcp";
  const std::string second = "sip:bob@127.0.0.1:41002;transport=tcp";
  register_ue("sip:bob@ims.test", first, tcp(3, 41001), 600, "<sip:bob@ims.test>", kFlowParams);
  // a call to bob, answered: a dialog of his on flow #3
  auto r = run(request_text("INVITE", first, "<sip:bob@ims.test>",
                            "Route: <sip:term@pcscf.ims.test:5060;lr>\r\n"
                            "Record-Route: <sip:scscf.ims.test:6060;lr>\r\nContact: <sip:alice@10.0.0.9:5070>\r\n"),
               kScscf);
  ASSERT_EQ(r.verdict, Verdict::next);
  EXPECT_EQ(*r.helper->targets[0].peer, tcp(3, 41001));
  auto ok = response_to(*r.helper, "SIP/2.0 200 OK", "Contact: <" + first + ">\r\n");
  r.tsx->on_response(*r.helper, ok);
  ASSERT_EQ(service_->dialogs().size(), 1u);

  // his TCP connection broke; he registers over a new one, from a new port (a new contact)
  register_ue("sip:bob@ims.test", second, tcp(4, 41002), 600, "<sip:bob@ims.test>", kFlowParams);
  const auto* reg = service_->registrations().find("sip:bob@ims.test", clock_.now());
  ASSERT_TRUE(reg);
  ASSERT_EQ(reg->bindings.size(), 1u);  // no second live binding on the dead flow
  EXPECT_EQ(reg->bindings[0].source, tcp(4, 41002));
  EXPECT_NE(log_text().find("flow of " + second + " moved from TCP 127.0.0.1:41001 #3 to TCP 127.0.0.1:41002 #4 "
                            "(replaces " + first + ": same +sip.instance and reg-id), with 1 dialog(s)"),
            std::string::npos)
      << log_text();
  EXPECT_NE(metrics_.render().find("pcscf_registered_contacts 1"), std::string::npos);

  // the old connection is no longer his
  auto stale = run(invite_from_ue("", "sip:alice@ims.test"), tcp(3, 41001));
  EXPECT_EQ(stale.helper->statuses, std::vector<int>{403});
  // a new call reaches the new flow; so does one within the old dialog (to the old contact)
  auto fresh = run(request_text("INVITE", second, "<sip:bob@ims.test>", "Route: <sip:term@pcscf.ims.test:5060;lr>\r\n",
                                "call-2@127.0.0.1"),
                   kScscf);
  ASSERT_EQ(fresh.helper->targets.size(), 1u);
  EXPECT_EQ(*fresh.helper->targets[0].peer, tcp(4, 41002));
  auto reinvite = run(request_text("INVITE", first, "<sip:bob@ims.test>;tag=s1", "Route: <sip:127.0.0.1:5060;lr>\r\n"),
                      kScscf);
  ASSERT_TRUE(reinvite.tsx);
  ASSERT_EQ(reinvite.helper->targets.size(), 1u);
  EXPECT_EQ(*reinvite.helper->targets[0].peer, tcp(4, 41002));
  EXPECT_EQ(service_->ack_peer(parse(request_text("ACK", first, "<sip:bob@ims.test>;tag=s1", ""))), tcp(4, 41002));

  // his registration ends: the dialog is released over the new flow
  const auto before = originator_.sent.size();
  register_ue("sip:bob@ims.test", second, tcp(4, 41002), 0, "", kFlowParams);
  const auto sent = byes(originator_, before);
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[0]->request.request_uri(), first);  // the dialog's remote target
  EXPECT_EQ(sent[0]->to, tcp(4, 41002));
  EXPECT_EQ(service_->dialogs().size(), 0u);
}

// JsSIP after a WebSocket reconnect: the same contact (and instance) from a
// new connection.
TEST_F(PcscfServiceTest, SameContactFromANewConnectionMovesTheUeAndItsDialogs) {
  const std::string contact = "sip:x7k2@a1b2c3.invalid;transport=ws";
  register_ue("sip:bob@ims.test", contact, ws(7), 600, "<sip:bob@ims.test>", kFlowParams);
  // the caller is a browser of this P-CSCF too: our Record-Route of its leg
  // (UDP toward the core, WS toward it) lies beyond the S-CSCF's
  auto r = run(request_text("INVITE", contact, "<sip:bob@ims.test>",
                            "Route: <sip:term@pcscf.ims.test:5060;lr>\r\n"
                            "Record-Route: <sip:scscf.ims.test:6060;lr>, <sip:127.0.0.1:5060;lr>, "
                            "<sip:127.0.0.1:8088;transport=ws;lr>\r\n"
                            "Contact: <sip:alice@q8w7e6.invalid;transport=ws>\r\n"),
               kScscf);
  auto ok = response_to(*r.helper, "SIP/2.0 200 OK", "Contact: <" + contact + ">\r\n");
  r.tsx->on_response(*r.helper, ok);
  ASSERT_EQ(service_->dialogs().size(), 1u);

  register_ue("sip:bob@ims.test", contact, ws(8), 600, "<sip:bob@ims.test>", kFlowParams);
  EXPECT_NE(log_text().find("flow of " + contact + " moved from WS 127.0.0.1:41000 #7 to WS 127.0.0.1:41000 #8, "
                            "with 1 dialog(s)"),
            std::string::npos)
      << log_text();
  EXPECT_EQ(run(invite_from_ue("", "sip:alice@ims.test"), ws(7)).helper->statuses, std::vector<int>{403});
  EXPECT_EQ(run(invite_from_ue("", "sip:alice@ims.test"), ws(8)).verdict, Verdict::next);
  auto fresh = run(request_text("INVITE", contact, "<sip:bob@ims.test>", "Route: <sip:term@pcscf.ims.test:5060;lr>\r\n",
                                "call-2@127.0.0.1"),
                   kScscf);
  EXPECT_EQ(*fresh.helper->targets[0].peer, ws(8));

  // the HSS deregisters him (a reg-event NOTIFY): the BYE to him takes the new connection
  const std::string sub(originator_.sent[0].request.call_id());
  ims::RegInfo gone;
  gone.version = 1;
  gone.registrations.push_back({"sip:bob@ims.test", "r1", "terminated", {}});
  const auto before = originator_.sent.size();
  run(notify_text(sub, "terminated;reason=noresource", ims::to_xml(gone)), kScscf);
  const auto sent = byes(originator_, before);
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[0]->to, ws(8));
  // toward the caller through the S-CSCF and back through us (its only way)
  EXPECT_EQ(sent[1]->request.request_uri(), "sip:alice@q8w7e6.invalid;transport=ws");
  EXPECT_EQ(header_values(sent[1]->request, HeaderId::route),
            (std::vector<std::string>{"<sip:scscf.ims.test:6060;lr>", "<sip:127.0.0.1:5060;lr>",
                                      "<sip:127.0.0.1:8088;transport=ws;lr>"}));
}

// ---- 6. the reg-event subscription lasts as long as the registration (issue 15) --------

// The SUBSCRIBEs sent since `from`.
std::vector<const FakeOriginator::Sent*> subscribes(const FakeOriginator& o, std::size_t from = 0) {
  std::vector<const FakeOriginator::Sent*> out;
  for (std::size_t i = from; i < o.sent.size(); ++i) {
    if (o.sent[i].request.method() == "SUBSCRIBE") out.push_back(&o.sent[i]);
  }
  return out;
}

TEST_F(PcscfServiceTest, DeactivatedSubscriptionIsStartedAgainAtOnce) {
  register_ue("sip:alice@ims.test", "sip:alice@127.0.0.1:5070", kUe);
  answer(0, "SIP/2.0 200 OK", "Contact: <sip:scscf.ims.test:6060>\r\nExpires: 600000\r\n");
  advance(120s);
  const std::string first(originator_.sent[0].request.call_id());
  auto r = run(notify_text(first, "terminated;reason=deactivated", ""), kScscf);
  EXPECT_EQ(r.helper->statuses, std::vector<int>{200});
  auto subs = subscribes(originator_);
  ASSERT_EQ(subs.size(), 2u);
  const auto& again = subs[1]->request;
  EXPECT_EQ(again.request_uri(), "sip:alice@ims.test");  // an initial SUBSCRIBE, a new dialog
  EXPECT_EQ(value(again, HeaderId::to), "<sip:alice@ims.test>");
  EXPECT_NE(again.call_id(), first);
  EXPECT_EQ(value(again, HeaderId::route), kServiceRoute);
  ASSERT_TRUE(service_->subscription("sip:alice@ims.test"));
  EXPECT_EQ(service_->subscription("sip:alice@ims.test")->call_id, std::string(again.call_id()));
  EXPECT_NE(log_text().find("subscription to sip:alice@ims.test ended by the S-CSCF: subscribing again"),
            std::string::npos);

  // ended at once again: not a loop, a doubling wait
  answer(1, "SIP/2.0 200 OK", "Contact: <sip:scscf.ims.test:6060>\r\nExpires: 600000\r\n");
  run(notify_text(std::string(again.call_id()), "terminated;reason=deactivated", ""), kScscf);
  EXPECT_EQ(subscribes(originator_).size(), 2u);
  advance(1s);
  EXPECT_EQ(subscribes(originator_).size(), 2u);
  advance(1s);
  ASSERT_EQ(subscribes(originator_).size(), 3u);
  // a timeout (not refreshed in time) also asks for a new one
  answer(2, "SIP/2.0 200 OK", "Contact: <sip:scscf.ims.test:6060>\r\nExpires: 600000\r\n");
  advance(61s);
  run(notify_text(std::string(originator_.sent[2].request.call_id()), "terminated;reason=timeout", ""), kScscf);
  EXPECT_EQ(subscribes(originator_).size(), 4u);
}

TEST_F(PcscfServiceTest, ProbationWaitsForItsRetryAfter) {
  register_ue("sip:alice@ims.test", "sip:alice@127.0.0.1:5070", kUe);
  answer(0, "SIP/2.0 200 OK", "Contact: <sip:scscf.ims.test:6060>\r\nExpires: 600000\r\n");
  advance(100s);
  run(notify_text(std::string(originator_.sent[0].request.call_id()), "terminated;reason=probation;retry-after=120", ""),
      kScscf);
  EXPECT_FALSE(service_->subscription("sip:alice@ims.test"));
  // a re-registration meanwhile does not cut the wait short
  register_ue("sip:alice@ims.test", "sip:alice@127.0.0.1:5070", kUe);
  advance(119s);
  EXPECT_EQ(subscribes(originator_).size(), 1u);
  advance(1s);
  ASSERT_EQ(subscribes(originator_).size(), 2u);
  EXPECT_TRUE(service_->subscription("sip:alice@ims.test"));

  // without retry-after: kProbationRetry
  answer(1, "SIP/2.0 200 OK", "Contact: <sip:scscf.ims.test:6060>\r\nExpires: 600000\r\n");
  advance(100s);
  run(notify_text(std::string(originator_.sent[1].request.call_id()), "terminated;reason=probation", ""), kScscf);
  advance(kProbationRetry - 1s);
  EXPECT_EQ(subscribes(originator_).size(), 2u);
  advance(1s);
  EXPECT_EQ(subscribes(originator_).size(), 3u);
}

TEST_F(PcscfServiceTest, RejectedOrNoResourceIsNotSubscribedAgain) {
  for (const char* reason : {"rejected", "noresource", "invariant"}) {
    SCOPED_TRACE(reason);
    const auto impu = std::string("sip:") + reason + "@ims.test";
    const auto before = subscribes(originator_).size();
    register_ue(impu, "sip:u@127.0.0.1:5070", kUe, 3600);
    ASSERT_EQ(subscribes(originator_).size(), before + 1);
    const std::string call_id(subscribes(originator_).back()->request.call_id());
    run(notify_text(call_id, std::string("terminated;reason=") + reason + ";retry-after=5", ""), kScscf);
    advance(600s);
    EXPECT_EQ(subscribes(originator_).size(), before + 1);
    EXPECT_FALSE(service_->subscription(impu));
    EXPECT_TRUE(service_->registrations().find(impu, clock_.now()));
  }
  EXPECT_NE(log_text().find("not subscribed again (RFC 6665 §4.1.3)"), std::string::npos);
}

TEST_F(PcscfServiceTest, FailedSubscribeIsTriedAgainLater) {
  register_ue("sip:alice@ims.test", "sip:alice@127.0.0.1:5070", kUe, 3600);
  answer(0, "SIP/2.0 503 Service Unavailable", "Retry-After: 20\r\n");
  advance(19s);
  EXPECT_EQ(subscribes(originator_).size(), 1u);
  advance(1s);
  ASSERT_EQ(subscribes(originator_).size(), 2u);
  answer(1, "SIP/2.0 408 Request Timeout", "");  // the second failure in a row: 4 s
  advance(3s);
  EXPECT_EQ(subscribes(originator_).size(), 2u);
  advance(1s);
  ASSERT_EQ(subscribes(originator_).size(), 3u);
  answer(2, "SIP/2.0 200 OK", "Contact: <sip:scscf.ims.test:6060>\r\nExpires: 1200\r\n");
  // a refresh answered 500: the subscription holds, refreshed again later in its dialog
  advance(601s);
  ASSERT_EQ(subscribes(originator_).size(), 4u);
  answer(3, "SIP/2.0 500 Server Internal Error", "");
  ASSERT_TRUE(service_->subscription("sip:alice@ims.test"));
  advance(60s);
  ASSERT_EQ(subscribes(originator_).size(), 5u);
  EXPECT_EQ(subscribes(originator_)[4]->request.call_id(), subscribes(originator_)[2]->request.call_id());
  EXPECT_EQ(subscribes(originator_)[4]->request.request_uri(), "sip:scscf.ims.test:6060");
  // nothing is retried once the UE is gone
  register_ue("sip:alice@ims.test", "sip:alice@127.0.0.1:5070", kUe, 0);
  answer(4, "SIP/2.0 503 Service Unavailable", "");
  advance(3600s);
  EXPECT_EQ(subscribes(originator_).size(), 5u);
}

TEST_F(PcscfServiceTest, UnsubscribesAtShutdownWithinTheLimit) {
  register_ue("sip:alice@ims.test", "sip:alice@127.0.0.1:5070", kUe);
  register_ue("sip:bob@ims.test", "sip:bob@127.0.0.1:5080", udp(5080), 600, "<sip:bob@ims.test>");
  register_ue("sip:carol@ims.test", "sip:carol@127.0.0.1:5090", udp(5090), 600, "<sip:carol@ims.test>");
  answer(0, "SIP/2.0 200 OK", "Contact: <sip:scscf.ims.test:6060>\r\nExpires: 600000\r\n");
  answer(1, "SIP/2.0 200 OK", "Contact: <sip:scscf.ims.test:6060>\r\nExpires: 600000\r\n");
  // alice is in a call
  auto call = run(invite_from_ue("Contact: <sip:alice@127.0.0.1:5070>\r\n"), kUe);
  auto call_ok = response_to(*call.helper, "SIP/2.0 200 OK", "Contact: <sip:bob@192.0.2.7:5080>\r\n");
  call.tsx->on_response(*call.helper, call_ok);
  ASSERT_EQ(service_->dialogs().size(), 1u);
  // carol's is not confirmed yet: nothing to end
  int done = 0;
  service_->unsubscribe_all(1000ms, [&] { ++done; });
  auto subs = subscribes(originator_, 3);
  ASSERT_EQ(subs.size(), 2u);
  std::set<std::string> ended;
  for (const auto* sub : subs) {
    const auto& m = sub->request;
    EXPECT_EQ(value(m, HeaderId::expires), "0");
    EXPECT_EQ(m.request_uri(), "sip:scscf.ims.test:6060");  // in its dialog
    EXPECT_EQ(value(m, HeaderId::cseq), "2 SUBSCRIBE");
    ended.insert(std::string(m.call_id()) + " " + value(m, HeaderId::to));
  }
  EXPECT_EQ(ended, (std::set<std::string>{
                       std::string(originator_.sent[0].request.call_id()) + " <sip:alice@ims.test>;tag=s1",
                       std::string(originator_.sent[1].request.call_id()) + " <sip:bob@ims.test>;tag=s1"}));
  answer(3, "SIP/2.0 200 OK", "Expires: 0\r\n");
  EXPECT_EQ(done, 0);
  // the S-CSCF's final NOTIFY is answered and starts nothing; its reginfo
  // (ours says every registration terminated) releases no dialog
  ims::RegInfo all_gone;
  all_gone.version = 1;
  all_gone.registrations.push_back({"sip:alice@ims.test", "r1", "terminated", {}});
  const auto before_notify = originator_.sent.size();
  auto final_notify = run(notify_text(std::string(originator_.sent[0].request.call_id()), "terminated;reason=timeout",
                                      ims::to_xml(all_gone)),
                          kScscf);
  EXPECT_EQ(final_notify.helper->statuses, std::vector<int>{200});
  EXPECT_EQ(originator_.sent.size(), before_notify);
  EXPECT_EQ(service_->dialogs().size(), 1u);
  answer(4, "SIP/2.0 200 OK", "Expires: 0\r\n");
  EXPECT_EQ(done, 1);
  advance(2s);
  EXPECT_EQ(done, 1);
  // nothing more: no refresh, no new subscription
  answer(2, "SIP/2.0 200 OK", "Contact: <sip:scscf.ims.test:6060>\r\nExpires: 1200\r\n");
  advance(700000s);
  EXPECT_EQ(subscribes(originator_).size(), 5u);
  EXPECT_NE(log_text().find("unsubscribed from sip:alice@ims.test at shutdown: 200"), std::string::npos);
}

TEST_F(PcscfServiceTest, UnansweredUnsubscribeDoesNotHoldShutdown) {
  register_ue("sip:alice@ims.test", "sip:alice@127.0.0.1:5070", kUe);
  answer(0, "SIP/2.0 200 OK", "Contact: <sip:scscf.ims.test:6060>\r\nExpires: 600000\r\n");
  int done = 0;
  service_->unsubscribe_all(1000ms, [&] { ++done; });
  EXPECT_EQ(subscribes(originator_).size(), 2u);
  advance(999ms);
  EXPECT_EQ(done, 0);
  advance(1ms);
  EXPECT_EQ(done, 1);
  answer(1, "SIP/2.0 200 OK", "");  // late
  EXPECT_EQ(done, 1);
  EXPECT_NE(log_text().find("1 unsubscribe(s) unanswered at shutdown"), std::string::npos);

  // none to end: done at once
  PcscfService idle(service_->options(), *log_, clock_);
  idle.attach(originator_, timers_);
  int idle_done = 0;
  idle.unsubscribe_all(1000ms, [&] { ++idle_done; });
  EXPECT_EQ(idle_done, 1);
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

// ---- sec-agree (issue 17) -------------------------------------------------------

namespace sec {

// Records what the service asks of its ESP backend.
struct FakeEsp : ipsec::EspBackend {
  std::vector<ipsec::SecurityAssociation> installed;
  std::vector<ipsec::SecurityAssociation> removed;
  bool refuse = false;
  std::string_view name() const override { return "fake"; }
  bool install(std::span<const ipsec::SecurityAssociation> sas) override {
    if (refuse) return false;
    installed.insert(installed.end(), sas.begin(), sas.end());
    return true;
  }
  void remove(std::span<const ipsec::SecurityAssociation> sas) override {
    removed.insert(removed.end(), sas.begin(), sas.end());
  }
};

constexpr std::string_view kOffer =
    "Security-Client: ipsec-3gpp;alg=hmac-md5-96;ealg=null;spi-c=1111;spi-s=2222;port-c=50001;port-s=50000, "
    "ipsec-3gpp;alg=hmac-sha-1-96;ealg=aes-cbc;spi-c=1111;spi-s=2222;port-c=50001;port-s=50000\r\n"
    "Require: sec-agree\r\nProxy-Require: sec-agree\r\nSupported: path, sec-agree\r\n";
constexpr std::string_view kAuthorization =
    "Authorization: Digest username=\"alice@ims.test\", realm=\"ims.test\", nonce=\"\", uri=\"sip:ims.test\", "
    "response=\"\"\r\n";
constexpr std::string_view kChallenge =
    "WWW-Authenticate: Digest realm=\"ims.test\", nonce=\"bm9uY2U=\", algorithm=AKAv1-MD5, qop=\"auth\", "
    "ck=\"0123456789abcdef0123456789abcdef\", ik=\"fedcba9876543210fedcba9876543210\"\r\n";

sip::Peer protected_udp(std::uint16_t ue_port, std::uint16_t local_port) {
  sip::Peer p = udp(ue_port);
  p.local_port = local_port;
  return p;
}

class SecAgreeTest : public PcscfServiceTest {
 protected:
  explicit SecAgreeTest(IpsecMode mode = IpsecMode::optional) {
    PcscfOptions o = service_->options();
    o.sec_agree.mode = mode;
    o.sec_agree.ports = {5100, 5101};
    o.sec_agree.address = boost::asio::ip::make_address("127.0.0.1");
    o.own_ports.push_back(5100);
    o.own_ports.push_back(5101);
    service_ = std::make_unique<PcscfService>(o, *log_, clock_, &metrics_, &esp_);
    service_->attach(originator_, timers_);
  }

  // The first REGISTER and its 401: the Security-Server the UE gets.
  std::string challenge() {
    auto r = run(register_text("sip:alice@ims.test", "sip:alice@127.0.0.1:50000", 600,
                               std::string(kOffer) + std::string(kAuthorization)),
                 kUe);
    EXPECT_EQ(r.verdict, Verdict::next);
    first_ = r.helper->request().clone();
    auto c = response_to(*r.helper, "SIP/2.0 401 Unauthorized", kChallenge);
    r.tsx->on_response(*r.helper, c);
    challenge_ = c.clone();
    return value(c, HeaderId::security_server);
  }

  // The protected REGISTER over the SAs with that Security-Verify.
  Run protected_register(std::string_view verify, int expires = 600) {
    return run(register_text("sip:alice@ims.test", "sip:alice@127.0.0.1:50000", expires,
                             std::string(kOffer) + "Security-Verify: " + std::string(verify) + "\r\n" +
                                 std::string(kAuthorization)),
               protected_udp(50001, 5101));
  }

  void ok(Run& r, int expires = 600) {
    auto response = response_to(*r.helper, "SIP/2.0 200 OK",
                                expires > 0 ? "Contact: <sip:alice@127.0.0.1:50000>;expires=" +
                                                  std::to_string(expires) +
                                                  "\r\nService-Route: " + std::string(kServiceRoute) +
                                                  "\r\nP-Associated-URI: <sip:alice@ims.test>\r\n"
                                            : std::string());
    r.tsx->on_response(*r.helper, response);
  }

  FakeEsp esp_;
  sip::Message first_ = sip::Message::request("REGISTER", "sip:ims.test");
  sip::Message challenge_ = sip::Message::response(401, "Unauthorized");
};

TEST_F(SecAgreeTest, FirstRegisterLosesSecAgreeAndItsChallengeGetsSecurityServerAndTheSas) {
  const auto server = challenge();
  // what went on to the I-CSCF
  EXPECT_EQ(first_.count(HeaderId::security_client), 0u);
  EXPECT_EQ(first_.count(HeaderId::proxy_require), 0u);
  EXPECT_EQ(value(first_, HeaderId::require), "path");
  EXPECT_NE(value(first_, HeaderId::authorization).find("integrity-protected=\"no\""), std::string::npos);
  // SHA-1 + AES-CBC chosen (though offered last), our ports, fresh SPIs
  EXPECT_TRUE(std::regex_match(server, std::regex("ipsec-3gpp;q=0\\.1;prot=esp;mod=trans;spi-c=[0-9]+;spi-s=[0-9]+;"
                                                  "port-c=5100;port-s=5101;alg=hmac-sha-1-96;ealg=aes-cbc")))
      << server;
  EXPECT_EQ(value(challenge_, HeaderId::www_authenticate).find("ck="), std::string::npos);
  ASSERT_EQ(esp_.installed.size(), 4u);
  EXPECT_EQ(esp_.installed[0].keys.encryption_key.size(), 16u);
  EXPECT_EQ(esp_.installed[0].keys.integrity_key.size(), 20u);
  EXPECT_EQ(esp_.installed[0].keys.encryption_key[0], 0x01);  // CK
  EXPECT_EQ(esp_.installed[0].keys.integrity_key[0], 0xFE);   // IK
  EXPECT_EQ(esp_.installed[1].spi, 2222u);                      // to the UE's port_us: its spi-s
}

TEST_F(SecAgreeTest, ProtectedRegisterIsForwardedIntegrityProtectedAndItsOkActivatesTheSas) {
  const auto server = challenge();
  auto r = protected_register(server);
  ASSERT_EQ(r.verdict, Verdict::next) << value(r.helper->responses.empty() ? first_ : r.helper->responses.back(),
                                               HeaderId::via);
  const auto& forwarded = r.helper->request();
  EXPECT_NE(value(forwarded, HeaderId::authorization).find("integrity-protected=\"yes\""), std::string::npos);
  EXPECT_EQ(forwarded.count(HeaderId::security_verify), 0u);
  EXPECT_EQ(forwarded.count(HeaderId::security_client), 0u);
  ok(r);
  const auto* reg = service_->registrations().find("sip:alice@ims.test", clock_.now());
  ASSERT_TRUE(reg);
  EXPECT_EQ(reg->bindings[0].source, protected_udp(50001, 5101));
  ASSERT_EQ(service_->sec_agree().table().sets().size(), 1u);
  EXPECT_EQ(service_->sec_agree().table().sets().begin()->second.state, SecuritySet::State::active);
  // a request to the UE leaves from port_pc to its port_us
  auto to = reg->bindings[0].source;
  service_->outbound_route(to, first_);
  EXPECT_EQ(to.port, 50000);
  EXPECT_EQ(to.local_port, 5100);
  // its requests over the SAs are taken; the same over the unprotected port are not
  auto invite = run(request_text("INVITE", "sip:bob@ims.test", "<sip:bob@ims.test>", ""), protected_udp(50001, 5101));
  EXPECT_EQ(invite.verdict, Verdict::next);
  auto plain = run(request_text("INVITE", "sip:bob@ims.test", "<sip:bob@ims.test>", ""), protected_udp(50001, 5060));
  EXPECT_EQ(plain.helper->statuses, std::vector<int>{403});
  // nor from another port of the UE to port_ps
  auto stranger = run(request_text("INVITE", "sip:bob@ims.test", "<sip:bob@ims.test>", ""), protected_udp(50009, 5101));
  EXPECT_EQ(stranger.helper->statuses, std::vector<int>{403});
}

TEST_F(SecAgreeTest, SecurityVerifyMismatchGets494AndTheSasGo) {
  auto server = challenge();
  server.replace(server.find("spi-s="), 6, "spi-s=9");  // another SPI
  auto r = protected_register(server);
  EXPECT_EQ(r.verdict, Verdict::done);
  EXPECT_EQ(r.helper->statuses, std::vector<int>{494});
  EXPECT_EQ(esp_.removed.size(), 4u);
  EXPECT_TRUE(service_->sec_agree().table().sets().empty());
  EXPECT_TRUE(r.helper->targets.empty());
}

TEST_F(SecAgreeTest, DeregistrationOkLeavesOverTheSasThenTheyGo) {
  const auto server = challenge();
  auto r = protected_register(server);
  ok(r);
  auto dereg = protected_register(server, 0);
  ASSERT_EQ(dereg.verdict, Verdict::next);
  ok(dereg, 0);
  EXPECT_TRUE(esp_.removed.empty());  // the 200 OK is still to go out over them
  advance(3s);
  EXPECT_EQ(esp_.removed.size(), 4u);
  EXPECT_TRUE(service_->sec_agree().table().sets().empty());
}

TEST_F(SecAgreeTest, ARefreshWithTheSameOfferOverTheSasMakesNoNewSet) {
  const auto server = challenge();
  auto r = protected_register(server);
  ok(r);
  auto refresh = protected_register(server);
  ASSERT_EQ(refresh.verdict, Verdict::next);
  auto c = response_to(*refresh.helper, "SIP/2.0 401 Unauthorized", kChallenge);
  refresh.tsx->on_response(*refresh.helper, c);
  EXPECT_EQ(value(c, HeaderId::security_server), "(none)");
  EXPECT_EQ(esp_.installed.size(), 4u);
  EXPECT_EQ(service_->sec_agree().table().sets().size(), 1u);
}

TEST_F(PcscfServiceTest, WithoutSecAgreeAUesOwnIntegrityProtectedIsTakenOff) {
  auto r = run(register_text("sip:alice@ims.test", "sip:alice@127.0.0.1:5070", 0,
                             "Authorization: Digest username=\"alice@ims.test\", realm=\"ims.test\", nonce=\"\", "
                             "uri=\"sip:ims.test\", response=\"\", integrity-protected=\"yes\"\r\n"),
               kUe);
  ASSERT_EQ(r.verdict, Verdict::next);
  EXPECT_EQ(value(r.helper->request(), HeaderId::authorization).find("integrity-protected"), std::string::npos);
}

TEST_F(SecAgreeTest, UnusedPendingSasExpire) {
  challenge();
  advance(59s);
  EXPECT_TRUE(esp_.removed.empty());
  advance(2s);
  EXPECT_EQ(esp_.removed.size(), 4u);
}

TEST_F(SecAgreeTest, BackendRefusalMeansNoSecurityServer) {
  esp_.refuse = true;
  EXPECT_EQ(challenge(), "(none)");
  EXPECT_TRUE(service_->sec_agree().table().sets().empty());
}

class SecAgreeRequiredTest : public SecAgreeTest {
 protected:
  SecAgreeRequiredTest() : SecAgreeTest(IpsecMode::required) {}
};

TEST_F(SecAgreeRequiredTest, RegisterWithoutSecAgreeGets421AndWithoutAnOfferWeTake494) {
  auto none = run(register_text("sip:alice@ims.test", "sip:alice@127.0.0.1:5070", 600), kUe);
  EXPECT_EQ(none.helper->statuses, std::vector<int>{421});
  EXPECT_EQ(none.helper->values(HeaderId::require), std::vector<std::string>{"sec-agree"});
  auto md5_des = run(register_text("sip:alice@ims.test", "sip:alice@127.0.0.1:5070", 600,
                                   "Security-Client: ipsec-3gpp;alg=hmac-md5-96;ealg=des-ede3-cbc;spi-c=1;spi-s=2;"
                                   "port-c=3;port-s=4\r\nRequire: sec-agree\r\n"),
                     kUe);
  EXPECT_EQ(md5_des.helper->statuses, std::vector<int>{494});
  ASSERT_FALSE(md5_des.helper->values(HeaderId::security_server).empty());
  EXPECT_NE(md5_des.helper->values(HeaderId::security_server)[0].find("alg=hmac-sha-1-96;ealg=aes-cbc"),
            std::string::npos);
  EXPECT_TRUE(esp_.installed.empty());
}

}  // namespace sec

}  // namespace
}  // namespace imsbox::pcscf
