// The I-CSCF service with a fake proxy helper and a fake Cx client.
#include "icscf/icscf_service.h"

#include <gtest/gtest.h>

#include <functional>

#include "runtime/clock.h"
#include "runtime/log.h"
#include "sip/parser.h"
#include "sip/response.h"
#include "sip/text.h"
#include "unit/file_text.h"
#include "unit/proxy_fakes.h"

namespace imsbox::icscf {
namespace {

using diameter::CxError;
using diameter::Result;
using sip::proxy::Verdict;

using test::parse;
using namespace std::chrono_literals;

sip::Peer udp(const char* address, std::uint16_t port) {
  return sip::Peer{sip::Transport::udp, boost::asio::ip::make_address(address), port, 0};
}
// the box's P-CSCF (or S-CSCF): inside the trust domain
const sip::Peer kPcscf = udp("127.0.0.1", 5060);
// a P-CSCF elsewhere, in icscf.trusted_peers
const sip::Peer kTrustedPeer = udp("192.0.2.10", 5060);
// anyone else, on this host (another loopback address) or not
const sip::Peer kStranger = udp("127.0.0.2", 5070);
const sip::Peer kFarStranger = udp("198.51.100.7", 5060);

// A fake helper whose request came from the box's P-CSCF unless told otherwise.
struct FakeHelper : test::FakeProxyHelper {
  explicit FakeHelper(const std::string& text, sip::Peer source = kPcscf) : FakeProxyHelper(text, source) {}
};

std::string request(std::string_view method, std::string_view uri, std::string_view to, std::string_view extra = "") {
  return std::string(method) + " " + std::string(uri) + " SIP/2.0\r\n"
         "Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKx1\r\n"
         "Max-Forwards: 70\r\n"
         "From: <sip:alice@ims.test>;tag=f1\r\n"
         "To: " + std::string(to) + "\r\n"
         "Call-ID: call-42@127.0.0.1\r\n"
         "CSeq: 1 " + std::string(method) + "\r\n" + std::string(extra) +
         "Content-Length: 0\r\n\r\n";
}

std::string register_text(std::string_view extra = "Contact: <sip:alice@127.0.0.1:5070>\r\n") {
  return request("REGISTER", "sip:ims.test", "<sip:alice@ims.test>", extra);
}


// Keeps the requests and their callbacks; answers at once when told to.
struct FakeCx {
  std::vector<diameter::UserAuthorizationRequest> uars;
  std::vector<diameter::LocationInfoRequest> lirs;
  std::vector<CxClient::UaaDone> uaa_done;
  std::vector<CxClient::LiaDone> lia_done;
  std::optional<diameter::AnswerOrError<diameter::UserAuthorizationAnswer>> uaa_now;
  std::optional<diameter::AnswerOrError<diameter::LocationInfoAnswer>> lia_now;

  CxClient client() {
    CxClient c;
    c.user_authorization = [this](diameter::UserAuthorizationRequest r, CxClient::UaaDone done) {
      uars.push_back(std::move(r));
      if (uaa_now) return done(*uaa_now);
      uaa_done.push_back(std::move(done));
    };
    c.location_info = [this](diameter::LocationInfoRequest r, CxClient::LiaDone done) {
      lirs.push_back(std::move(r));
      if (lia_now) return done(*lia_now);
      lia_done.push_back(std::move(done));
    };
    return c;
  }
};

diameter::UserAuthorizationAnswer uaa(Result r, std::string name = {}) {
  diameter::UserAuthorizationAnswer a;
  a.header.result = r;
  a.server_name = std::move(name);
  return a;
}

diameter::LocationInfoAnswer lia(Result r, std::string name = {}) {
  diameter::LocationInfoAnswer a;
  a.header.result = r;
  a.server_name = std::move(name);
  return a;
}

class IcscfServiceTest : public ::testing::Test {
 protected:
  IcscfServiceTest() : log_path_(test::test_log_path("icscf_service_test")) {
    std::remove(log_path_.c_str());
    log_ = std::make_unique<runtime::Logger>("icscf", runtime::LogLevel::debug, log_path_, clock_);
    make_service();
  }

  void make_service(std::function<void(IcscfOptions&)> tweak = nullptr) {
    IcscfOptions o;
    o.domain = "ims.test";
    o.scscf_uris = {"sip:scscf.ims.test:6060", "sip:scscf2.ims.test:6060"};
    o.trusted_peers = {kTrustedPeer.address};
    if (tweak) tweak(o);
    service_ = std::make_unique<IcscfService>(o, cx_.client(), *log_, clock_);
  }

  std::unique_ptr<sip::proxy::ProxyTsx> tsx_for(FakeHelper& h) { return service_->on_request(h.request(), h.source()); }

  std::string log_text() const { return imsbox::testing::file_text(log_path_); }

  runtime::ManualClock clock_;
  std::string log_path_;
  std::unique_ptr<runtime::Logger> log_;
  FakeCx cx_;
  std::unique_ptr<IcscfService> service_;
};

TEST_F(IcscfServiceTest, RegisterAsksTheHssThenForwards) {
  FakeHelper h(register_text(
      "Contact: <sip:alice@127.0.0.1:5070>\r\n"
      "Path: <sip:term@127.0.0.1:5060;lr>\r\n"
      "P-Visited-Network-ID: \"visited.test\"\r\n"));
  auto tsx = tsx_for(h);
  ASSERT_TRUE(tsx);
  EXPECT_EQ(tsx->on_request(h), Verdict::wait);
  ASSERT_EQ(cx_.uars.size(), 1u);
  EXPECT_EQ(cx_.uars[0].user_name, "alice@ims.test");
  EXPECT_EQ(cx_.uars[0].public_identity, "sip:alice@ims.test");
  EXPECT_EQ(cx_.uars[0].visited_network_identifier, "visited.test");
  EXPECT_EQ(cx_.uars[0].authorization_type, diameter::UserAuthorizationType::registration);
  EXPECT_TRUE(h.resumed.empty());

  cx_.uaa_done[0](uaa(Result::experimental_code(2001), "sip:scscf.ims.test:6060"));
  ASSERT_EQ(h.resumed, std::vector<Verdict>{Verdict::next});
  ASSERT_EQ(h.targets.size(), 1u);
  EXPECT_EQ(h.targets[0].routes, std::vector<std::string>{"<sip:scscf.ims.test:6060;lr>"});
  EXPECT_TRUE(h.targets[0].request_uri.empty());
  EXPECT_TRUE(h.statuses.empty());
  EXPECT_FALSE(h.record_routed);  // no Record-Route for REGISTER
  // the request itself is left as it came (Path untouched)
  EXPECT_EQ(h.request().find(sip::HeaderId::path)->value, "<sip:term@127.0.0.1:5060;lr>");
  const auto log = log_text();
  EXPECT_NE(log.find("call-42@127.0.0.1"), std::string::npos) << log;
  EXPECT_NE(log.find("forwarded to sip:scscf.ims.test:6060"), std::string::npos) << log;
}

TEST_F(IcscfServiceTest, RegisterWithCapabilitiesSelects) {
  FakeHelper h(register_text());
  auto tsx = tsx_for(h);
  ASSERT_EQ(tsx->on_request(h), Verdict::wait);
  auto a = uaa(Result::experimental_code(2001));
  a.server_capabilities = diameter::ServerCapabilities{{}, {}, {"sip:scscf2.ims.test:6060"}};
  cx_.uaa_done[0](a);
  ASSERT_EQ(h.targets.size(), 1u);
  EXPECT_EQ(h.targets[0].routes, std::vector<std::string>{"<sip:scscf2.ims.test:6060;lr>"});
}

TEST_F(IcscfServiceTest, DeregistrationAsksWithItsType) {
  FakeHelper h(register_text("Contact: <sip:alice@127.0.0.1:5070>\r\nExpires: 0\r\n"));
  auto tsx = tsx_for(h);
  tsx->on_request(h);
  ASSERT_EQ(cx_.uars.size(), 1u);
  EXPECT_EQ(cx_.uars[0].authorization_type, diameter::UserAuthorizationType::de_registration);
  cx_.uaa_done[0](uaa(Result::experimental_code(5003)));
  EXPECT_EQ(h.statuses, std::vector<int>{403});
  EXPECT_EQ(h.resumed, std::vector<Verdict>{Verdict::done});
}

TEST_F(IcscfServiceTest, RegisterRefusals) {
  for (const auto r : {Result::experimental_code(5001), Result::experimental_code(5002),
                       Result::experimental_code(5004), Result::base(5003)}) {
    FakeHelper h(register_text());
    auto tsx = tsx_for(h);
    ASSERT_EQ(tsx->on_request(h), Verdict::wait);
    cx_.uaa_done.back()(uaa(r));
    EXPECT_EQ(h.statuses, std::vector<int>{403});
    EXPECT_EQ(h.resumed, std::vector<Verdict>{Verdict::done});
    EXPECT_TRUE(h.targets.empty());
  }
}

TEST_F(IcscfServiceTest, RegisterHssTimeoutIs480) {
  FakeHelper h(register_text());
  auto tsx = tsx_for(h);
  ASSERT_EQ(tsx->on_request(h), Verdict::wait);
  cx_.uaa_done[0](CxError{CxError::Kind::timeout, "no answer"});
  EXPECT_EQ(h.statuses, std::vector<int>{480});
  EXPECT_EQ(h.resumed, std::vector<Verdict>{Verdict::done});
  EXPECT_NE(log_text().find("480"), std::string::npos);
}

TEST_F(IcscfServiceTest, AnswerAtOnceIsReturnedNotResumed) {
  cx_.uaa_now = CxError{CxError::Kind::unable_to_deliver, "no peer"};
  FakeHelper h(register_text());
  auto tsx = tsx_for(h);
  EXPECT_EQ(tsx->on_request(h), Verdict::done);
  EXPECT_EQ(h.statuses, std::vector<int>{480});
  EXPECT_TRUE(h.resumed.empty());

  cx_.uaa_now = uaa(Result::experimental_code(2002), "sip:scscf.ims.test:6060");
  FakeHelper h2(register_text());
  auto tsx2 = tsx_for(h2);
  EXPECT_EQ(tsx2->on_request(h2), Verdict::next);
  EXPECT_EQ(h2.targets.size(), 1u);
  EXPECT_TRUE(h2.resumed.empty());
}

TEST_F(IcscfServiceTest, MalformedRegisterNeverReachesTheHss) {
  FakeHelper h(request("REGISTER", "sip:ims.test", "<sip:ims.test>"));
  auto tsx = tsx_for(h);
  EXPECT_EQ(tsx->on_request(h), Verdict::done);
  EXPECT_EQ(h.statuses, std::vector<int>{403});
  FakeHelper h2(request("REGISTER", "sip:ims.test", "<http://example.com/x>"));
  auto tsx2 = tsx_for(h2);
  EXPECT_EQ(tsx2->on_request(h2), Verdict::done);
  EXPECT_EQ(h2.statuses, std::vector<int>{400});
  EXPECT_TRUE(cx_.uars.empty());
}

TEST_F(IcscfServiceTest, LateAnswerAfterTheTransactionEndedIsIgnored) {
  FakeHelper h(register_text());
  auto tsx = tsx_for(h);
  ASSERT_EQ(tsx->on_request(h), Verdict::wait);
  tsx.reset();
  cx_.uaa_done[0](uaa(Result::experimental_code(2001), "sip:scscf.ims.test:6060"));
  EXPECT_TRUE(h.resumed.empty());
  EXPECT_TRUE(h.targets.empty());
  EXPECT_TRUE(h.statuses.empty());
}

TEST_F(IcscfServiceTest, TerminatingRequestLocatesTheUser) {
  FakeHelper h(request("INVITE", "sip:bob@ims.test", "<sip:bob@ims.test>"));
  auto tsx = tsx_for(h);
  ASSERT_TRUE(tsx);
  ASSERT_EQ(tsx->on_request(h), Verdict::wait);
  ASSERT_EQ(cx_.lirs.size(), 1u);
  EXPECT_EQ(cx_.lirs[0].public_identity, "sip:bob@ims.test");
  EXPECT_FALSE(cx_.lirs[0].originating_request);
  cx_.lia_done[0](lia(Result::experimental_code(2001), "sip:scscf.ims.test:6060"));
  EXPECT_EQ(h.resumed, std::vector<Verdict>{Verdict::next});
  ASSERT_EQ(h.targets.size(), 1u);
  EXPECT_EQ(h.targets[0].routes, std::vector<std::string>{"<sip:scscf.ims.test:6060;lr>"});
  EXPECT_FALSE(h.record_routed);
}

TEST_F(IcscfServiceTest, TerminatingTelUriLookedUpAsGiven) {
  FakeHelper h(request("MESSAGE", "tel:+15550100", "<tel:+15550100>"));
  auto tsx = tsx_for(h);
  ASSERT_EQ(tsx->on_request(h), Verdict::wait);
  ASSERT_EQ(cx_.lirs.size(), 1u);
  EXPECT_EQ(cx_.lirs[0].public_identity, "tel:+15550100");
  cx_.lia_done[0](lia(Result::experimental_code(5001)));
  EXPECT_EQ(h.statuses, std::vector<int>{404});
}

TEST_F(IcscfServiceTest, TerminatingErrors) {
  const std::vector<std::pair<diameter::AnswerOrError<diameter::LocationInfoAnswer>, int>> cases = {
      {lia(Result::experimental_code(5001)), 404},
      {lia(Result::experimental_code(5003)), 480},
      {lia(Result::base(5012)), 500},
      {CxError{CxError::Kind::timeout, ""}, 504},
      {CxError{CxError::Kind::unable_to_deliver, ""}, 503},
  };
  for (const auto& [answer, status] : cases) {
    FakeHelper h(request("INVITE", "sip:+15550100@ims.test;user=phone", "<sip:bob@ims.test>"));
    auto tsx = tsx_for(h);
    ASSERT_EQ(tsx->on_request(h), Verdict::wait);
    EXPECT_EQ(cx_.lirs.back().public_identity, "tel:+15550100");  // user=phone: the number
    cx_.lia_done.back()(answer);
    EXPECT_EQ(h.statuses, std::vector<int>{status});
    EXPECT_EQ(h.resumed, std::vector<Verdict>{Verdict::done});
  }
}

TEST_F(IcscfServiceTest, OtherDomainsAreNotFound) {
  FakeHelper h(request("INVITE", "sip:carol@other.test", "<sip:carol@other.test>"));
  auto tsx = tsx_for(h);
  EXPECT_EQ(tsx->on_request(h), Verdict::done);
  EXPECT_EQ(h.statuses, std::vector<int>{404});
  EXPECT_TRUE(cx_.lirs.empty());
}

TEST_F(IcscfServiceTest, InDialogPassesThrough) {
  FakeHelper h(request("BYE", "sip:bob@127.0.0.1:5070", "<sip:bob@ims.test>;tag=t9"));
  EXPECT_FALSE(tsx_for(h));
  EXPECT_TRUE(cx_.lirs.empty());
}

TEST_F(IcscfServiceTest, RemainingRouteIsFollowed) {
  FakeHelper h(request("INVITE", "sip:bob@ims.test", "<sip:bob@ims.test>", "Route: <sip:tas.ims.test;lr>\r\n"));
  auto tsx = tsx_for(h);
  EXPECT_EQ(tsx->on_request(h), Verdict::next);
  EXPECT_TRUE(h.targets.empty());
  EXPECT_TRUE(cx_.lirs.empty());
}


// ---- trust domain (TS 24.229 §4.4, §5.3.1.2) ---------------------------------

// An INVITE carrying every field the trust domain keeps to itself.
std::string invite_with_trust_domain_fields() {
  return request("INVITE", "sip:bob@ims.test", "<sip:bob@ims.test>",
                 "P-Asserted-Identity: <sip:alice@ims.test>\r\n"
                 "P-Asserted-Identity: <tel:+15550100>\r\n"
                 "P-Served-User: <sip:alice@ims.test>;sescase=orig;regstate=reg\r\n"
                 "P-Profile-Key: <sip:!.*!@ims.test>\r\n"
                 "P-Asserted-Service: urn:urn-7:3gpp-service.ims.icsi.mmtel\r\n"
                 "P-Access-Network-Info: 3GPP-E-UTRAN-FDD; utran-cell-id-3gpp=00101000000001\r\n"
                 "P-Charging-Function-Addresses: ccf=192.0.2.99\r\n"
                 "Resource-Priority: ets.0\r\n"
                 "P-Charging-Vector: icid-value=\"AyretyU0dm+6O2IrT5tAFrbHLso=023551024\";"
                 "icid-generated-at=192.0.2.1;orig-ioi=other.example;ggsn=192.0.2.50;gcid=7\r\n"
                 "Privacy: none\r\n");
}

std::vector<std::string> values_of(const sip::Message& m, std::string_view name) {
  std::vector<std::string> out;
  for (const auto& f : m.headers()) {
    if (sip::text::iequals(sip::text::trim(f.name), name)) out.emplace_back(f.value);
  }
  return out;
}

TEST_F(IcscfServiceTest, RegisterFromOutsideTheTrustDomainIs403) {
  for (const auto& stranger : {kStranger, kFarStranger}) {
    FakeHelper h(register_text(), stranger);
    auto tsx = tsx_for(h);
    ASSERT_TRUE(tsx);
    EXPECT_EQ(tsx->on_request(h), Verdict::done);
    EXPECT_EQ(h.statuses, std::vector<int>{403});
  }
  EXPECT_TRUE(cx_.uars.empty());  // the HSS is not asked
  const auto log = log_text();
  EXPECT_NE(log.find("REGISTER from UDP 127.0.0.2:5070, outside the trust domain (icscf.trusted_peers): 403"),
            std::string::npos)
      << log;
}

TEST_F(IcscfServiceTest, RegisterFromATrustedPeerIsServed) {
  FakeHelper h(register_text(), kTrustedPeer);
  auto tsx = tsx_for(h);
  EXPECT_EQ(tsx->on_request(h), Verdict::wait);
  EXPECT_EQ(cx_.uars.size(), 1u);
  // and the IPv4-mapped form of the same address
  FakeHelper h6(register_text(), udp("::ffff:192.0.2.10", 5060));
  auto tsx6 = tsx_for(h6);
  EXPECT_EQ(tsx6->on_request(h6), Verdict::wait);
  EXPECT_EQ(cx_.uars.size(), 2u);
}

TEST_F(IcscfServiceTest, TerminatingRequestFromOutsideLosesTheTrustDomainFields) {
  FakeHelper h(invite_with_trust_domain_fields(), kStranger);
  auto tsx = tsx_for(h);
  ASSERT_TRUE(tsx);
  ASSERT_EQ(tsx->on_request(h), Verdict::wait);  // still routed: LIR
  ASSERT_EQ(cx_.lirs.size(), 1u);
  const auto& r = h.request();
  for (const auto* name : {"P-Asserted-Identity", "P-Served-User", "P-Profile-Key", "P-Asserted-Service",
                           "P-Access-Network-Info", "P-Charging-Function-Addresses", "Resource-Priority"}) {
    EXPECT_TRUE(values_of(r, name).empty()) << name;
  }
  // the charging identifier and the IOIs stay, the access network's charging data goes
  EXPECT_EQ(values_of(r, "P-Charging-Vector"),
            std::vector<std::string>{"icid-value=\"AyretyU0dm+6O2IrT5tAFrbHLso=023551024\";"
                                     "icid-generated-at=192.0.2.1;orig-ioi=other.example"});
  EXPECT_EQ(values_of(r, "Privacy"), std::vector<std::string>{"none"});  // the user's wish stays
  cx_.lia_done[0](lia(Result::experimental_code(2001), "sip:scscf.ims.test:6060"));
  EXPECT_EQ(h.targets.size(), 1u);
  const auto log = log_text();
  EXPECT_NE(log.find("INVITE sip:bob@ims.test: from UDP 127.0.0.2:5070, outside the trust domain: removed "
                     "P-Asserted-Identity, P-Served-User, P-Profile-Key"),
            std::string::npos)
      << log;
}

TEST_F(IcscfServiceTest, TerminatingRequestFromTheTrustDomainKeepsThem) {
  for (const auto& source : {kPcscf, kTrustedPeer, udp("::1", 6060)}) {
    FakeHelper h(invite_with_trust_domain_fields(), source);
    auto tsx = tsx_for(h);
    ASSERT_EQ(tsx->on_request(h), Verdict::wait);
    EXPECT_EQ(values_of(h.request(), "P-Asserted-Identity").size(), 2u);
    EXPECT_EQ(values_of(h.request(), "P-Served-User").size(), 1u);
    EXPECT_NE(values_of(h.request(), "P-Charging-Vector").at(0).find("ggsn=192.0.2.50"), std::string::npos);
  }
}

// Responses on their way back out lose the same fields; the callee's
// P-Asserted-Identity goes out unless it asked for privacy (RFC 3325 §7).
TEST_F(IcscfServiceTest, ResponsesToOutsideLoseTheTrustDomainFields) {
  FakeHelper h(invite_with_trust_domain_fields(), kFarStranger);
  auto tsx = tsx_for(h);
  ASSERT_EQ(tsx->on_request(h), Verdict::wait);
  auto ringing = sip::make_response(h.request(), 180, {}, "t1");
  ringing.append(sip::HeaderId::p_asserted_identity, "<sip:bob@ims.test>");
  ringing.append(sip::HeaderId::p_access_network_info, "3GPP-E-UTRAN-FDD; utran-cell-id-3gpp=00101000000002");
  ringing.append(sip::HeaderId::p_charging_function_addresses, "ccf=192.0.2.99");
  tsx->on_response(h, ringing);
  EXPECT_EQ(values_of(ringing, "P-Asserted-Identity"), std::vector<std::string>{"<sip:bob@ims.test>"});
  EXPECT_TRUE(values_of(ringing, "P-Access-Network-Info").empty());
  EXPECT_TRUE(values_of(ringing, "P-Charging-Function-Addresses").empty());
  auto ok = sip::make_response(h.request(), 200, {}, "t1");
  ok.append(sip::HeaderId::p_asserted_identity, "<sip:bob@ims.test>");
  ok.append(sip::HeaderId::privacy, "id");
  tsx->on_response(h, ok);
  EXPECT_TRUE(values_of(ok, "P-Asserted-Identity").empty());
  // toward the trust domain nothing changes
  FakeHelper inside(invite_with_trust_domain_fields());
  auto tsx2 = tsx_for(inside);
  ASSERT_EQ(tsx2->on_request(inside), Verdict::wait);
  auto ok2 = sip::make_response(inside.request(), 200, {}, "t2");
  ok2.append(sip::HeaderId::p_asserted_identity, "<sip:bob@ims.test>");
  ok2.append(sip::HeaderId::privacy, "id");
  ok2.append(sip::HeaderId::p_access_network_info, "3GPP-E-UTRAN-FDD");
  tsx2->on_response(inside, ok2);
  EXPECT_EQ(values_of(ok2, "P-Asserted-Identity").size(), 1u);
  EXPECT_EQ(values_of(ok2, "P-Access-Network-Info").size(), 1u);
}

TEST_F(IcscfServiceTest, InDialogFromOutsideLosesThemToo) {
  FakeHelper h(request("BYE", "sip:bob@127.0.0.1:5070", "<sip:bob@ims.test>;tag=t9",
                       "Route: <sip:scscf.ims.test:6060;lr>\r\nP-Asserted-Identity: <sip:carol@ims.test>\r\n"),
               kStranger);
  auto tsx = tsx_for(h);
  ASSERT_TRUE(tsx);
  EXPECT_EQ(tsx->on_request(h), Verdict::next);
  EXPECT_TRUE(values_of(h.request(), "P-Asserted-Identity").empty());
  EXPECT_TRUE(h.targets.empty());  // the core follows its Route
  EXPECT_TRUE(cx_.lirs.empty());
  // from the trust domain: the core alone
  FakeHelper inside(request("BYE", "sip:bob@127.0.0.1:5070", "<sip:bob@ims.test>;tag=t9",
                            "P-Asserted-Identity: <sip:carol@ims.test>\r\n"));
  EXPECT_FALSE(tsx_for(inside));
}

// ---- S-CSCF re-selection (TS 24.229 §5.3.1.3) ----------------------------------

sip::Message failure(FakeHelper& h, int status) { return sip::make_response(h.request(), status, {}, "s1"); }

diameter::UserAuthorizationAnswer uaa_caps(std::vector<std::string> names = {}) {
  auto a = uaa(Result::experimental_code(2001));
  a.server_capabilities = diameter::ServerCapabilities{{}, {}, std::move(names)};
  return a;
}

TEST_F(IcscfServiceTest, RegisterGoesToTheNextScscfWhenOneFails) {
  std::size_t uars = 0;
  for (const int status : {408, 503, 500, 480, 302}) {
    ++uars;
    FakeHelper h(register_text());
    auto tsx = tsx_for(h);
    cx_.uaa_now = uaa_caps();
    ASSERT_EQ(tsx->on_request(h), Verdict::next);
    ASSERT_EQ(h.targets.size(), 1u);
    EXPECT_EQ(h.targets[0].routes, std::vector<std::string>{"<sip:scscf.ims.test:6060;lr>"});
    EXPECT_EQ(h.targets[0].timeout, 5000ms);  // not the 32 s of timer F
    EXPECT_EQ(tsx->on_branch_failure(h, failure(h, status)), Verdict::next) << status;
    ASSERT_EQ(h.targets.size(), 2u) << status;
    EXPECT_EQ(h.targets[1].routes, std::vector<std::string>{"<sip:scscf2.ims.test:6060;lr>"});
    EXPECT_EQ(h.targets[1].timeout, 5000ms);
    EXPECT_TRUE(h.statuses.empty());
    EXPECT_EQ(cx_.uars.size(), uars);  // the HSS only named capabilities: no second UAR
  }
  EXPECT_NE(log_text().find("sip:scscf.ims.test:6060 answered 408 Request Timeout, selected sip:scscf2.ims.test:6060: "
                            "forwarded to sip:scscf2.ims.test:6060"),
            std::string::npos)
      << log_text();
}

TEST_F(IcscfServiceTest, TheScscfsOwnAnswerStands) {
  for (const int status : {401, 403, 404, 423, 600}) {
    FakeHelper h(register_text());
    auto tsx = tsx_for(h);
    cx_.uaa_now = uaa_caps();
    ASSERT_EQ(tsx->on_request(h), Verdict::next);
    EXPECT_EQ(tsx->on_branch_failure(h, failure(h, status)), Verdict::next);
    EXPECT_EQ(h.targets.size(), 1u) << status;  // nothing more: the core passes the answer on
    EXPECT_TRUE(h.statuses.empty());
  }
}

TEST_F(IcscfServiceTest, NoScscfLeftIs504) {
  FakeHelper h(register_text());
  auto tsx = tsx_for(h);
  cx_.uaa_now = uaa_caps();
  ASSERT_EQ(tsx->on_request(h), Verdict::next);
  ASSERT_EQ(tsx->on_branch_failure(h, failure(h, 408)), Verdict::next);
  EXPECT_EQ(tsx->on_branch_failure(h, failure(h, 503)), Verdict::done);
  EXPECT_EQ(h.statuses, std::vector<int>{504});
  EXPECT_EQ(h.targets.size(), 2u);  // each tried once
}

// An S-CSCF refusing for load (503 with Retry-After) and none other to take
// the UE: its answer goes back as it is (the proxy core relays it), so that
// the UE waits Retry-After rather than retrying a 504 at once.
TEST_F(IcscfServiceTest, NoScscfLeftAfterAnOverloaded503LetsItsAnswerStand) {
  const auto overloaded = [](FakeHelper& h) {
    auto m = failure(h, 503);
    m.append(sip::HeaderId::retry_after, "2");
    return m;
  };
  {  // selected from the capabilities: the second one refuses for load
    FakeHelper h(register_text());
    auto tsx = tsx_for(h);
    cx_.uaa_now = uaa_caps();
    ASSERT_EQ(tsx->on_request(h), Verdict::next);
    ASSERT_EQ(tsx->on_branch_failure(h, overloaded(h)), Verdict::next);  // the first: another is tried
    ASSERT_EQ(h.targets.size(), 2u);
    EXPECT_EQ(tsx->on_branch_failure(h, overloaded(h)), Verdict::next);
    EXPECT_TRUE(h.statuses.empty());
    EXPECT_EQ(h.targets.size(), 2u);
    EXPECT_NE(log_text().find("no other S-CSCF to select: its 503 (Retry-After) goes back"), std::string::npos)
        << log_text();
  }
  {  // a 503 without Retry-After is a failure like any other: 504
    FakeHelper h(register_text());
    auto tsx = tsx_for(h);
    cx_.uaa_now = uaa_caps();
    ASSERT_EQ(tsx->on_request(h), Verdict::next);
    ASSERT_EQ(tsx->on_branch_failure(h, overloaded(h)), Verdict::next);
    EXPECT_EQ(tsx->on_branch_failure(h, failure(h, 503)), Verdict::done);
    EXPECT_EQ(h.statuses, std::vector<int>{504});
  }
}

// The box's case: one S-CSCF, named by the HSS; it refuses for load, the
// capabilities asked again name no other.
TEST_F(IcscfServiceTest, TheOnlyScscfOverloadedLetsItsAnswerStandAfterTheCapabilitiesQuery) {
  make_service([](IcscfOptions& o) { o.scscf_uris = {"sip:scscf.ims.test:6060"}; });
  FakeHelper h(register_text());
  auto tsx = tsx_for(h);
  cx_.uaa_now = uaa(Result::experimental_code(2002), "sip:scscf.ims.test:6060");
  ASSERT_EQ(tsx->on_request(h), Verdict::next);
  cx_.uaa_now = std::nullopt;
  auto busy = failure(h, 503);
  busy.append(sip::HeaderId::retry_after, "2");
  EXPECT_EQ(tsx->on_branch_failure(h, busy), Verdict::wait);
  ASSERT_EQ(cx_.uaa_done.size(), 1u);
  cx_.uaa_done.back()(uaa_caps({"sip:scscf.ims.test:6060"}));
  EXPECT_EQ(h.resumed, std::vector<Verdict>{Verdict::next});
  EXPECT_TRUE(h.statuses.empty());
  EXPECT_EQ(h.targets.size(), 1u);
}

// The capabilities come first: a capable S-CSCF the HSS lists, then the
// rest of icscf.scscf_uris.
TEST_F(IcscfServiceTest, ReselectionFollowsTheCapabilities) {
  make_service([](IcscfOptions& o) {
    o.scscf_uris = {"sip:scscf.ims.test:6060", "sip:scscf2.ims.test:6060", "sip:scscf3.ims.test:6060"};
  });
  FakeHelper h(register_text());
  auto tsx = tsx_for(h);
  cx_.uaa_now = uaa_caps({"sip:scscf3.ims.test:6060"});
  ASSERT_EQ(tsx->on_request(h), Verdict::next);
  EXPECT_EQ(h.targets.back().routes, std::vector<std::string>{"<sip:scscf3.ims.test:6060;lr>"});
  ASSERT_EQ(tsx->on_branch_failure(h, failure(h, 408)), Verdict::next);
  EXPECT_EQ(h.targets.back().routes, std::vector<std::string>{"<sip:scscf.ims.test:6060;lr>"});
  ASSERT_EQ(tsx->on_branch_failure(h, failure(h, 408)), Verdict::next);
  EXPECT_EQ(h.targets.back().routes, std::vector<std::string>{"<sip:scscf2.ims.test:6060;lr>"});
}

// TS 24.229 §5.3.1.3: when the HSS had named the S-CSCF, the I-CSCF asks it
// again with User-Authorization-Type REGISTRATION_AND_CAPABILITIES and
// selects another from the capabilities of that answer.
TEST_F(IcscfServiceTest, NamedScscfFailsThenTheHssIsAskedForCapabilities) {
  FakeHelper h(register_text());
  auto tsx = tsx_for(h);
  ASSERT_EQ(tsx->on_request(h), Verdict::wait);
  cx_.uaa_done[0](uaa(Result::experimental_code(2002), "sip:scscf.ims.test:6060"));
  ASSERT_EQ(h.targets.size(), 1u);
  EXPECT_EQ(tsx->on_branch_failure(h, failure(h, 408)), Verdict::wait);
  ASSERT_EQ(cx_.uars.size(), 2u);
  EXPECT_EQ(cx_.uars[1].authorization_type, diameter::UserAuthorizationType::registration_and_capabilities);
  EXPECT_EQ(cx_.uars[1].public_identity, "sip:alice@ims.test");
  EXPECT_EQ(cx_.uars[1].user_name, "alice@ims.test");
  // the HSS names the dead one again among its capabilities: not that one
  auto a = uaa_caps({"sip:scscf.ims.test:6060"});
  a.server_name = "sip:scscf.ims.test:6060";
  cx_.uaa_done[1](a);
  EXPECT_EQ(h.resumed, (std::vector<Verdict>{Verdict::next, Verdict::next}));
  ASSERT_EQ(h.targets.size(), 2u);
  EXPECT_EQ(h.targets[1].routes, std::vector<std::string>{"<sip:scscf2.ims.test:6060;lr>"});
  // the second one fails too: no third UAR, none left
  EXPECT_EQ(tsx->on_branch_failure(h, failure(h, 503)), Verdict::done);
  EXPECT_EQ(cx_.uars.size(), 2u);
  EXPECT_EQ(h.statuses, std::vector<int>{504});
}

TEST_F(IcscfServiceTest, CapabilitiesQueryThatFailsIsAnsweredAsUsual) {
  FakeHelper h(register_text());
  auto tsx = tsx_for(h);
  cx_.uaa_now = uaa(Result::experimental_code(2002), "sip:scscf.ims.test:6060");
  ASSERT_EQ(tsx->on_request(h), Verdict::next);
  cx_.uaa_now = CxError{CxError::Kind::timeout, "no answer"};
  EXPECT_EQ(tsx->on_branch_failure(h, failure(h, 408)), Verdict::done);
  EXPECT_EQ(h.statuses, std::vector<int>{480});  // as for any UAR the HSS does not answer
}

// No try starts that could not end before the deadline: the UE's own
// transaction (timer F, 32 s) must not give up before our answer.
TEST_F(IcscfServiceTest, NoTryStartsPastTheDeadline) {
  make_service([](IcscfOptions& o) {
    o.scscf_timeout = 5s;
    o.register_deadline = 12s;
  });
  FakeHelper h(register_text());
  auto tsx = tsx_for(h);
  cx_.uaa_now = uaa_caps();
  ASSERT_EQ(tsx->on_request(h), Verdict::next);
  clock_.advance(7001ms);  // 7 s + 5 s > 12 s
  EXPECT_EQ(tsx->on_branch_failure(h, failure(h, 408)), Verdict::done);
  EXPECT_EQ(h.statuses, std::vector<int>{504});
  EXPECT_EQ(h.targets.size(), 1u);
  EXPECT_NE(log_text().find("no time left for another S-CSCF"), std::string::npos);

  FakeHelper h2(register_text());
  auto tsx2 = tsx_for(h2);
  ASSERT_EQ(tsx2->on_request(h2), Verdict::next);
  clock_.advance(7000ms);  // just in time
  EXPECT_EQ(tsx2->on_branch_failure(h2, failure(h2, 408)), Verdict::next);
  EXPECT_EQ(h2.targets.size(), 2u);
}

// Asking the HSS again costs its timeout too.
TEST_F(IcscfServiceTest, CapabilitiesQueryOnlyWhenItsAnswerAndATryFitTheDeadline) {
  make_service([](IcscfOptions& o) {
    o.scscf_timeout = 5s;
    o.hss_timeout = 3s;
    o.register_deadline = 12s;
  });
  FakeHelper h(register_text());
  auto tsx = tsx_for(h);
  cx_.uaa_now = uaa(Result::experimental_code(2002), "sip:scscf.ims.test:6060");
  ASSERT_EQ(tsx->on_request(h), Verdict::next);
  clock_.advance(4500ms);  // 4.5 + 3 + 5 > 12
  EXPECT_EQ(tsx->on_branch_failure(h, failure(h, 408)), Verdict::done);
  EXPECT_EQ(h.statuses, std::vector<int>{504});
  EXPECT_EQ(cx_.uars.size(), 1u);
}

TEST_F(IcscfServiceTest, DeregistrationIsNotSentElsewhere) {
  FakeHelper h(register_text("Contact: <sip:alice@127.0.0.1:5070>\r\nExpires: 0\r\n"));
  auto tsx = tsx_for(h);
  cx_.uaa_now = uaa(Result::base(2001), "sip:scscf.ims.test:6060");
  ASSERT_EQ(tsx->on_request(h), Verdict::next);
  EXPECT_EQ(h.targets.at(0).timeout, 5000ms);
  EXPECT_EQ(tsx->on_branch_failure(h, failure(h, 408)), Verdict::next);
  EXPECT_EQ(h.targets.size(), 1u);
  EXPECT_EQ(cx_.uars.size(), 1u);
}

// Terminating requests keep their S-CSCF: no re-selection, no short timeout.
TEST_F(IcscfServiceTest, TerminatingRequestIsNotReselected) {
  FakeHelper h(request("INVITE", "sip:bob@ims.test", "<sip:bob@ims.test>"));
  auto tsx = tsx_for(h);
  cx_.lia_now = lia(Result::experimental_code(2001), "sip:scscf.ims.test:6060");
  ASSERT_EQ(tsx->on_request(h), Verdict::next);
  EXPECT_EQ(h.targets.at(0).timeout, 0ms);
  EXPECT_EQ(tsx->on_branch_failure(h, failure(h, 503)), Verdict::next);
  EXPECT_EQ(h.targets.size(), 1u);
}

}  // namespace
}  // namespace imsbox::icscf
