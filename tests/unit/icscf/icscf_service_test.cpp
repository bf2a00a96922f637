// The I-CSCF service with a fake proxy helper and a fake Cx client.
#include "icscf/icscf_service.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "runtime/clock.h"
#include "runtime/log.h"
#include "sip/parser.h"
#include "sip/response.h"
#include "unit/proxy_fakes.h"

namespace imsbox::icscf {
namespace {

using diameter::CxError;
using diameter::Result;
using sip::proxy::Verdict;

using test::parse;
using FakeHelper = test::FakeProxyHelper;

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
    service_ = std::make_unique<IcscfService>(
        IcscfOptions{"ims.test", {"sip:scscf.ims.test:6060", "sip:scscf2.ims.test:6060"}}, cx_.client(), *log_);
  }

  std::unique_ptr<sip::proxy::ProxyTsx> tsx_for(FakeHelper& h) { return service_->on_request(h.request(), h.source()); }

  std::string log_text() const {
    std::ifstream in(log_path_);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
  }

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

}  // namespace
}  // namespace imsbox::icscf
