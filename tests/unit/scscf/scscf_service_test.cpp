// The S-CSCF service with a fake proxy helper, a fake Cx client, a fake
// originator and a manual clock.
#include "scscf/scscf_service.h"

#include <gtest/gtest.h>


#include "aka/digest.h"
#include "ims/reginfo.h"
#include "ims/subscription.h"
#include "runtime/clock.h"
#include "runtime/log.h"
#include "sip/parser.h"
#include "sip/response.h"
#include "store/database.h"
#include "unit/file_text.h"
#include "unit/proxy_fakes.h"
#include "unit/test_dir.h"

namespace imsbox::scscf {
namespace {

using namespace std::chrono_literals;
using diameter::CxError;
using diameter::Result;
using diameter::ServerAssignmentType;
using sip::proxy::Verdict;

using test::parse;
using FakeHelper = test::FakeProxyHelper;

std::vector<std::uint8_t> bytes(std::uint8_t start, std::size_t n) {
  std::vector<std::uint8_t> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<std::uint8_t>(start + i);
  return v;
}

const std::vector<std::uint8_t> kXres = bytes(0x60, 8);

struct Reg {
  std::string user = "alice";
  std::string expires = "600";
  std::string contact = "<sip:alice@127.0.0.1:5070>";
  std::string authorization;
  std::string call_id = "call-1@ue";
  int cseq = 1;
  std::string extra;
};

std::string register_text(const Reg& r) {
  return "REGISTER sip:ims.test SIP/2.0\r\n"
         "Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK" + std::to_string(r.cseq) + "\r\n"
         "Max-Forwards: 70\r\n"
         "From: <sip:" + r.user + "@ims.test>;tag=f1\r\n"
         "To: <sip:" + r.user + "@ims.test>\r\n"
         "Call-ID: " + r.call_id + "\r\n"
         "CSeq: " + std::to_string(r.cseq) + " REGISTER\r\n" +
         (r.contact.empty() ? "" : "Contact: " + r.contact + "\r\n") +
         (r.expires.empty() ? "" : "Expires: " + r.expires + "\r\n") +
         "Path: <sip:term@pcscf.ims.test:5060;lr>\r\n"
         "Require: path\r\n" +
         (r.authorization.empty() ? "" : "Authorization: " + r.authorization + "\r\n") + r.extra +
         "Content-Length: 0\r\n\r\n";
}


struct FakeCx {
  std::vector<diameter::MultimediaAuthRequest> mars;
  std::vector<diameter::ServerAssignmentRequest> sars;
  std::vector<CxClient::MaaDone> maa_done;
  std::vector<CxClient::SaaDone> saa_done;

  CxClient client() {
    CxClient c;
    c.multimedia_auth = [this](diameter::MultimediaAuthRequest r, CxClient::MaaDone done) {
      mars.push_back(std::move(r));
      maa_done.push_back(std::move(done));
    };
    c.server_assignment = [this](diameter::ServerAssignmentRequest r, CxClient::SaaDone done) {
      sars.push_back(std::move(r));
      saa_done.push_back(std::move(done));
    };
    return c;
  }
};

struct FakeOriginator : sip::proxy::RequestOriginator {
  std::vector<sip::Message> sent;
  std::vector<Done> done;
  bool originate(sip::Message request, std::optional<sip::Peer>, Done d) override {
    request.prepend(sip::HeaderId::via, "SIP/2.0/UDP 127.0.0.1:6060;branch=z9hG4bKn" + std::to_string(sent.size()));
    sent.push_back(parse(request.serialize()));
    done.push_back(std::move(d));
    return true;
  }
};

diameter::MultimediaAuthAnswer maa_aka(std::string scheme = "Digest-AKAv1-MD5", int vectors = 1) {
  diameter::MultimediaAuthAnswer a;
  a.header.result = Result::base(2001);
  for (int v = 0; v < vectors; ++v) {
  diameter::SipAuthDataItem item;
  item.authentication_scheme = std::move(scheme);
  item.sip_authenticate = bytes(0x10, 32);
  item.sip_authorization = runtime::SecretBytes(kXres);
  item.confidentiality_key = runtime::SecretBytes(bytes(0xa0, 16));
  item.integrity_key = runtime::SecretBytes(bytes(0xc0, 16));
  item.sip_authenticate[0] = static_cast<std::uint8_t>(0x10 + v);
  a.auth_data_items.push_back(item);
  }
  return a;
}

diameter::MultimediaAuthAnswer maa_digest(const std::string& user, const std::string& password) {
  diameter::MultimediaAuthAnswer a;
  a.header.result = Result::base(2001);
  diameter::SipAuthDataItem item;
  item.authentication_scheme = "SIP Digest";
  item.digest = diameter::SipDigestAuthenticate{
      "ims.test", "MD5", "auth",
      runtime::SecretString(aka::digest_ha1(aka::DigestAlgorithm::md5, user + "@ims.test", "ims.test", password))};
  a.auth_data_items.push_back(item);
  return a;
}

std::string user_data(const std::string& user) {
  ims::ImsSubscription s;
  s.private_id = user + "@ims.test";
  ims::ServiceProfile p;
  p.public_identities.push_back({"tel:+15550001", false, std::nullopt});
  p.public_identities.push_back({"sip:" + user + "@ims.test", false, std::nullopt});
  p.public_identities.push_back({"sip:" + user + "-barred@ims.test", true, std::nullopt});
  s.service_profiles.push_back(p);
  return ims::to_xml(s);
}

std::string g_user_data;  // when set: the User-Data of every SAA

// A successful SAA carrying this profile.
diameter::ServerAssignmentAnswer saa_with(const ims::ImsSubscription& s) {
  diameter::ServerAssignmentAnswer a;
  a.header.result = Result::base(2001);
  a.user_data = ims::to_xml(s);
  return a;
}

// <user>@ims.test with the one public identity sip:<user>@ims.test and these iFCs.
ims::ImsSubscription subscription_of(const std::string& user, std::vector<ims::InitialFilterCriteria> ifcs) {
  ims::ImsSubscription s;
  s.private_id = user + "@ims.test";
  ims::ServiceProfile p;
  p.public_identities.push_back({"sip:" + user + "@ims.test", false, std::nullopt});
  p.ifcs = std::move(ifcs);
  s.service_profiles.push_back(std::move(p));
  return s;
}

diameter::ServerAssignmentAnswer saa(const std::string& user, Result r = Result::base(2001)) {
  diameter::ServerAssignmentAnswer a;
  a.header.result = r;
  a.user_data = g_user_data.empty() ? user_data(user) : g_user_data;
  return a;
}

std::string auth_param(const std::string& header, std::string_view name) {
  const auto auth = sip::parse_auth(header);
  const auto* p = sip::find_param(auth.value.params, name);
  return p ? std::string(sip::unquote(p->value)) : std::string();
}

// The Authorization a UE sends for a challenge, with `password` (RES for AKA).
std::string authorization(const std::string& challenge, const std::string& user, const std::string& password,
                          const std::string& extra = "") {
  const std::string impi = user + "@ims.test";
  const auto nonce = auth_param(challenge, "nonce");
  const auto algorithm = auth_param(challenge, "algorithm");
  const auto ha1 = aka::digest_ha1(aka::DigestAlgorithm::md5, impi, "ims.test", password);
  const auto response =
      aka::digest_response(aka::DigestAlgorithm::md5, ha1, nonce, "00000001", "0a4f113b", "auth", "REGISTER", "sip:ims.test");
  std::string opaque = auth_param(challenge, "opaque");
  return "Digest username=\"" + impi + "\", realm=\"ims.test\", nonce=\"" + nonce +
         "\", uri=\"sip:ims.test\", response=\"" + response + "\", algorithm=" + algorithm +
         ", qop=auth, nc=00000001, cnonce=\"0a4f113b\"" + (opaque.empty() ? "" : ", opaque=\"" + opaque + "\"") + extra;
}

class ScscfServiceTest : public ::testing::Test {
 protected:
  ~ScscfServiceTest() override { g_user_data.clear(); }
  ScscfServiceTest() : log_path_(test::test_log_path("scscf_service_test")) {
    std::remove(log_path_.c_str());
    log_ = std::make_unique<runtime::Logger>("scscf", runtime::LogLevel::debug, log_path_, clock_);
    make_service();
  }

  // A new service (a restart) gets new timers: the old one's are gone with it.
  void make_service(unsigned max_failures = 3, std::vector<Scheme> digest_algorithms = {Scheme::digest_md5}) {
    tsx_.reset();
    service_.reset();
    timers_ = std::make_unique<runtime::TimerQueue>(clock_);
    ScscfOptions o;
    o.domain = "ims.test";
    o.server_name = "sip:scscf.ims.test:6060";
    // as scscf_options() makes them: the address, and the name of earlier
    // versions (the requests below use both)
    o.own_uri = "sip:127.0.0.1:6060";
    o.own_uris = {"sip:127.0.0.1:6060", "sip:scscf.ims.test:6060"};
    o.icscf_route = "<sip:icscf.ims.test:4060;lr>";
    o.box_nodes = {{"mrf.ims.test", "<sip:127.0.0.1:5080;lr>"}};
    o.min_expires = 60;
    o.max_expires = 3600;
    o.max_auth_failures = max_failures;
    o.auth_block = 60s;
    o.trusted_sources = {boost::asio::ip::make_address("192.0.2.10")};  // a P-CSCF elsewhere
    o.digest_algorithms = std::move(digest_algorithms);
    service_ = std::make_unique<ScscfService>(o, cx_.client(), *log_, clock_, [this](std::uint8_t* out, std::size_t n) {
      for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<std::uint8_t>(counter_++);
    });
    service_->attach(*timers_, originator_);
  }

  // Runs one request through a fresh transaction; returns the helper.
  // Requests come from the box's own nodes (loopback) unless told otherwise.
  std::unique_ptr<FakeHelper> run(const std::string& text, Verdict expected,
                                  sip::Peer source = {sip::Transport::udp, boost::asio::ip::make_address("127.0.0.1"), 5060}) {
    auto h = std::make_unique<FakeHelper>(text, source);
    tsx_ = service_->on_request(h->request(), h->source());
    EXPECT_TRUE(tsx_);
    if (!tsx_) return h;
    EXPECT_EQ(tsx_->on_request(*h), expected);
    return h;
  }

  // The SAA to the last SAR; then the group commit of what it registered
  // (the 200 OK of a REGISTER waits for it: ScscfService::after_commit).
  template <typename Answer>
  void answer_sar(Answer&& a) {
    cx_.saa_done.back()(std::forward<Answer>(a));
    timers_->fire_due();
  }

  // REGISTER without credentials -> MAR -> 401; returns the challenge.
  std::string challenge(Reg r, const diameter::MultimediaAuthAnswer& maa) {
    auto h = run(register_text(r), Verdict::wait);
    EXPECT_FALSE(cx_.maa_done.empty());
    cx_.maa_done.back()(maa);
    EXPECT_EQ(h->resumed, std::vector<Verdict>{Verdict::done});
    EXPECT_EQ(h->status(), 401);
    const auto w = h->values(sip::HeaderId::www_authenticate);
    return w.empty() ? std::string() : w.front();
  }

  // A full AKA registration; returns the helper of the 200 OK.
  std::unique_ptr<FakeHelper> register_aka(Reg r, ServerAssignmentType type = ServerAssignmentType::registration) {
    const auto c = challenge(r, maa_aka());
    r.authorization = authorization(c, r.user, std::string(kXres.begin(), kXres.end()));
    r.cseq += 1;
    auto h = run(register_text(r), Verdict::wait);
    EXPECT_FALSE(cx_.sars.empty());
    if (cx_.sars.empty()) return h;
    EXPECT_EQ(cx_.sars.back().server_assignment_type, type);
    answer_sar(saa(r.user));
    return h;
  }

  std::string log_text() const { return imsbox::testing::file_text(log_path_); }

  runtime::ManualClock clock_;
  std::string log_path_;
  std::unique_ptr<runtime::Logger> log_;
  std::unique_ptr<runtime::TimerQueue> timers_;
  FakeCx cx_;
  FakeOriginator originator_;
  unsigned counter_ = 1;
  std::unique_ptr<ScscfService> service_;
  std::unique_ptr<sip::proxy::ProxyTsx> tsx_;
};

TEST_F(ScscfServiceTest, FirstRegisterIsChallengedWithAka) {
  const auto c = challenge(Reg{}, maa_aka());
  ASSERT_EQ(cx_.mars.size(), 1u);
  EXPECT_EQ(cx_.mars[0].user_name, "alice@ims.test");
  EXPECT_EQ(cx_.mars[0].public_identity, "sip:alice@ims.test");
  EXPECT_EQ(cx_.mars[0].server_name, "sip:scscf.ims.test:6060");
  // for a password subscriber: MD5 and SHA-256, then MD5 for the bare user name
  EXPECT_EQ(cx_.mars[0].number_auth_items, 3u);
  EXPECT_EQ(cx_.mars[0].auth_data_item.authentication_scheme, "Unknown");
  EXPECT_TRUE(cx_.mars[0].auth_data_item.sip_authorization.empty());
  EXPECT_EQ(auth_param(c, "realm"), "ims.test");
  EXPECT_EQ(auth_param(c, "algorithm"), "AKAv1-MD5");
  EXPECT_EQ(auth_param(c, "ck"), "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf");
  EXPECT_EQ(auth_param(c, "ik"), "c0c1c2c3c4c5c6c7c8c9cacbcccdcecf");
  EXPECT_TRUE(cx_.sars.empty());
  const auto log = log_text();
  EXPECT_NE(log.find("REGISTER sip:alice@ims.test (alice@ims.test): 401 AKAv1-MD5"), std::string::npos) << log;
  EXPECT_EQ(log.find("a0a1a2a3"), std::string::npos) << "CK in the log: " << log;
}

TEST_F(ScscfServiceTest, AkaRegistrationSucceeds) {
  auto h = register_aka(Reg{});
  // the SAA, then the 200 OK once the binding is committed
  EXPECT_EQ(h->resumed, (std::vector<Verdict>{Verdict::wait, Verdict::done}));
  ASSERT_EQ(h->status(), 200);
  const auto& sar = cx_.sars.back();
  EXPECT_EQ(sar.user_name, "alice@ims.test");
  EXPECT_EQ(sar.public_identities, std::vector<std::string>{"sip:alice@ims.test"});
  EXPECT_EQ(sar.server_name, "sip:scscf.ims.test:6060");
  EXPECT_EQ(sar.user_data_already_available, diameter::UserDataAlreadyAvailable::user_data_not_available);
  EXPECT_EQ(h->values(sip::HeaderId::contact), std::vector<std::string>{"<sip:alice@127.0.0.1:5070>;expires=600"});
  EXPECT_EQ(h->values(sip::HeaderId::path), std::vector<std::string>{"<sip:term@pcscf.ims.test:5060;lr>"});
  EXPECT_EQ(h->values(sip::HeaderId::service_route), std::vector<std::string>{"<sip:orig@127.0.0.1:6060;lr>"});
  // registered IMPU first, barred left out
  EXPECT_EQ(h->values(sip::HeaderId::p_associated_uri),
            std::vector<std::string>{"<sip:alice@ims.test>, <tel:+15550001>"});
  EXPECT_FALSE(h->responses.back().to().tag().empty());
  ASSERT_NE(service_->registrar().find("tel:+15550001"), nullptr);
  EXPECT_EQ(service_->registrar().find("tel:+15550001")->impu, "sip:alice@ims.test");
  EXPECT_EQ(service_->registrar().find("sip:alice-barred@ims.test"), nullptr);
  const auto log = log_text();
  EXPECT_NE(log.find("REGISTER sip:alice@ims.test (alice@ims.test): 200 OK, 1 contact(s)"), std::string::npos) << log;
}

TEST_F(ScscfServiceTest, ReRegistrationAndDeregistration) {
  ASSERT_EQ(register_aka(Reg{})->status(), 200);
  Reg again;
  again.call_id = "call-2@ue";
  again.expires = "1200";
  auto h = register_aka(again, ServerAssignmentType::re_registration);
  ASSERT_EQ(h->status(), 200);
  EXPECT_EQ(h->values(sip::HeaderId::contact), std::vector<std::string>{"<sip:alice@127.0.0.1:5070>;expires=1200"});

  Reg bye;
  bye.call_id = "call-3@ue";
  bye.expires = "0";
  h = register_aka(bye, ServerAssignmentType::user_deregistration);
  ASSERT_EQ(h->status(), 200);
  EXPECT_EQ(cx_.sars.back().user_data_already_available, diameter::UserDataAlreadyAvailable::user_data_already_available);
  EXPECT_TRUE(h->values(sip::HeaderId::contact).empty());
  EXPECT_EQ(service_->registrar().size(), 0u);
}

// An Authorization without an answer, as its P-CSCF passes it on (TS 24.229
// §5.2.2.1): integrity-protected="yes" over IPsec SAs, "no" else.
std::string protected_as(std::string_view value) {
  return "Digest username=\"alice@ims.test\", realm=\"ims.test\", nonce=\"\", uri=\"sip:ims.test\", response=\"\", "
         "integrity-protected=\"" + std::string(value) + "\"";
}

// TS 24.229 §5.4.1.4: a de-registration the P-CSCF says came over the UE's
// IPsec SAs is not challenged; without that word it is, and the UE's own
// claim never reaches us (the P-CSCF replaces it).
TEST_F(ScscfServiceTest, IntegrityProtectedDeregistrationIsNotChallenged) {
  ASSERT_EQ(register_aka(Reg{})->status(), 200);
  const auto mars = cx_.mars.size();
  Reg bye;
  bye.call_id = "call-3@ue";
  bye.cseq = 5;
  bye.expires = "0";
  bye.authorization = protected_as("no");
  auto h = run(register_text(bye), Verdict::wait);
  EXPECT_EQ(cx_.mars.size(), mars + 1);  // "no": challenged as before
  cx_.maa_done.back()(maa_aka());
  EXPECT_EQ(h->status(), 401);
  bye.cseq = 6;
  bye.authorization = protected_as("yes");
  h = run(register_text(bye), Verdict::wait);
  EXPECT_EQ(cx_.mars.size(), mars + 1);  // no MAR, no challenge: straight to the SAR
  ASSERT_FALSE(cx_.sars.empty());
  EXPECT_EQ(cx_.sars.back().server_assignment_type, ServerAssignmentType::user_deregistration);
  answer_sar(saa("alice"));
  EXPECT_EQ(h->status(), 200);
  EXPECT_EQ(service_->registrar().size(), 0u);
}

TEST_F(ScscfServiceTest, IntegrityProtectedRemovalOfOneOfTwoContactsIsNotChallenged) {
  Reg two;
  two.contact = "<sip:alice@127.0.0.1:5070>, <sip:alice@127.0.0.1:5080>";
  ASSERT_EQ(register_aka(two)->status(), 200);
  const auto mars = cx_.mars.size();
  Reg one;
  one.call_id = "call-2@ue";
  one.cseq = 5;
  one.contact = "<sip:alice@127.0.0.1:5080>;expires=0";
  one.authorization = protected_as("yes");
  auto h = run(register_text(one), Verdict::wait);
  EXPECT_EQ(cx_.mars.size(), mars);
  ASSERT_FALSE(cx_.saa_done.empty());
  answer_sar(saa("alice"));
  EXPECT_EQ(h->status(), 200);
  EXPECT_EQ(h->values(sip::HeaderId::contact), std::vector<std::string>{"<sip:alice@127.0.0.1:5070>;expires=600"});
}

TEST_F(ScscfServiceTest, IntegrityProtectedRegistrationOfAnUnregisteredUserIsStillChallenged) {
  Reg r;
  r.authorization = protected_as("yes");
  r.expires = "0";
  run(register_text(r), Verdict::wait);
  EXPECT_EQ(cx_.mars.size(), 1u);
  r.expires = "600";
  r.cseq = 2;
  run(register_text(r), Verdict::wait);
  EXPECT_EQ(cx_.mars.size(), 2u);
}

TEST_F(ScscfServiceTest, OneOfTwoContactsRemovedIsARefresh) {
  Reg two;
  two.contact = "<sip:alice@127.0.0.1:5070>, <sip:alice@127.0.0.1:5080>;expires=300";
  auto h = register_aka(two);
  ASSERT_EQ(h->status(), 200);
  EXPECT_EQ(h->values(sip::HeaderId::contact).size(), 2u);
  Reg one;
  one.call_id = "call-2@ue";
  one.contact = "<sip:alice@127.0.0.1:5080>;expires=0";
  h = register_aka(one, ServerAssignmentType::re_registration);
  ASSERT_EQ(h->status(), 200);
  EXPECT_EQ(h->values(sip::HeaderId::contact), std::vector<std::string>{"<sip:alice@127.0.0.1:5070>;expires=600"});
}

TEST_F(ScscfServiceTest, ExpiresClampedAnd423BelowMinimum) {
  Reg brief;
  brief.expires = "10";
  auto h = run(register_text(brief), Verdict::done);
  EXPECT_EQ(h->status(), 423);
  EXPECT_EQ(h->values(sip::HeaderId::min_expires), std::vector<std::string>{"60"});
  EXPECT_TRUE(cx_.mars.empty());

  Reg lng;
  lng.expires = "100000";
  h = register_aka(lng);
  ASSERT_EQ(h->status(), 200);
  EXPECT_EQ(h->values(sip::HeaderId::contact), std::vector<std::string>{"<sip:alice@127.0.0.1:5070>;expires=3600"});
}

TEST_F(ScscfServiceTest, WrongResIsChallengedAgainThenBlocked) {
  Reg r;
  auto c = challenge(r, maa_aka());
  for (int i = 1; i <= 3; ++i) {
    r.cseq++;
    r.authorization = authorization(c, r.user, "wrong-res");
    auto h = run(register_text(r), i < 3 ? Verdict::wait : Verdict::done);
    if (i < 3) {
      cx_.maa_done.back()(maa_aka());
      EXPECT_EQ(h->status(), 401) << i;
      c = h->values(sip::HeaderId::www_authenticate).front();
    } else {
      EXPECT_EQ(h->status(), 403);
    }
  }
  EXPECT_TRUE(cx_.sars.empty());
  EXPECT_EQ(cx_.mars.back().auth_data_item.authentication_scheme, "Digest-AKAv1-MD5");
  EXPECT_EQ(cx_.mars.back().number_auth_items, 1u);
  // blocked: a fresh REGISTER gets 403 at once, the HSS is not asked
  const auto mars = cx_.mars.size();
  auto h = run(register_text(Reg{}), Verdict::done);
  EXPECT_EQ(h->status(), 403);
  EXPECT_EQ(cx_.mars.size(), mars);
  // and after the block
  clock_.advance(61s);
  h = run(register_text(Reg{}), Verdict::wait);
  EXPECT_EQ(cx_.mars.size(), mars + 1);
}

TEST_F(ScscfServiceTest, ReplayedCredentialsAreChallengedAgain) {
  Reg r;
  const auto c = challenge(r, maa_aka());
  r.authorization = authorization(c, r.user, std::string(kXres.begin(), kXres.end()));
  r.cseq = 2;
  auto h = run(register_text(r), Verdict::wait);
  answer_sar(saa("alice"));
  ASSERT_EQ(h->status(), 200);
  // the same Authorization again (the nonce is used up): a fresh challenge, no SAR
  r.cseq = 3;
  const auto sars = cx_.sars.size();
  h = run(register_text(r), Verdict::wait);
  ASSERT_EQ(cx_.mars.size(), 2u);
  cx_.maa_done.back()(maa_aka());
  EXPECT_EQ(h->status(), 401);
  EXPECT_EQ(cx_.sars.size(), sars);
}

TEST_F(ScscfServiceTest, AutsTriggersResynchronisation) {
  Reg r;
  const auto c = challenge(r, maa_aka());
  const auto auts = bytes(0x80, 14);
  r.authorization = authorization(c, r.user, "", ", auts=\"" + base64_encode(auts) + "\"");
  r.cseq = 2;
  auto h = run(register_text(r), Verdict::wait);
  ASSERT_EQ(cx_.mars.size(), 2u);
  auto expected = bytes(0x10, 16);
  expected.insert(expected.end(), auts.begin(), auts.end());
  EXPECT_EQ(cx_.mars[1].auth_data_item.sip_authorization.reveal(), expected);
  EXPECT_EQ(cx_.mars[1].auth_data_item.authentication_scheme, "Digest-AKAv1-MD5");
  cx_.maa_done.back()(maa_aka());
  EXPECT_EQ(h->status(), 401);
  EXPECT_EQ(service_->authenticator().failures("alice@ims.test"), 0u);
}

TEST_F(ScscfServiceTest, DigestRegistrationAndWrongPassword) {
  Reg r;
  r.user = "bob";
  r.contact = "<sip:bob@127.0.0.1:5070>";
  const auto c = challenge(r, maa_digest("bob", "bob-secret"));
  EXPECT_EQ(auth_param(c, "algorithm"), "MD5");
  EXPECT_EQ(auth_param(c, "qop"), "auth");
  EXPECT_FALSE(auth_param(c, "opaque").empty());
  EXPECT_EQ(c.find("ck="), std::string::npos);
  r.authorization = authorization(c, "bob", "bob-secret");
  r.cseq = 2;
  auto h = run(register_text(r), Verdict::wait);
  answer_sar(saa("bob"));
  EXPECT_EQ(h->status(), 200);

  Reg w;
  w.user = "bob";
  w.call_id = "call-9@ue";
  const auto c2 = challenge(w, maa_digest("bob", "bob-secret"));
  w.authorization = authorization(c2, "bob", "not-bob-secret");
  w.cseq = 2;
  h = run(register_text(w), Verdict::done);
  EXPECT_EQ(h->status(), 403);
}

TEST_F(ScscfServiceTest, TwoVectorsGiveOneAkaChallenge) {
  const auto c = challenge(Reg{}, maa_aka("Digest-AKAv1-MD5", 2));
  EXPECT_EQ(auth_param(c, "algorithm"), "AKAv1-MD5");
  EXPECT_EQ(service_->authenticator().pending("alice@ims.test"), 1u);
}

// The MAA our HSS gives a password subscriber: MD5 and SHA-256 for the IMPI,
// then for the bare user name.
diameter::MultimediaAuthAnswer maa_digest_all(const std::string& user, const std::string& password) {
  auto a = maa_digest(user, password);
  const auto add = [&](const std::string& algorithm, const std::string& name, const std::string& tag) {
    auto item = a.auth_data_items[0];
    const auto alg = algorithm == "SHA-256" ? aka::DigestAlgorithm::sha256 : aka::DigestAlgorithm::md5;
    item.digest->digest_algorithm = algorithm;
    item.digest->digest_ha1 = runtime::SecretString(aka::digest_ha1(alg, name, "ims.test", password));
    item.digest->digest_username = tag;
    a.auth_data_items.push_back(item);
  };
  add("SHA-256", user + "@ims.test", "");
  add("MD5", user, user);
  add("SHA-256", user, user);
  return a;
}

TEST_F(ScscfServiceTest, PasswordSubscriberGetsOneMd5ChallengeByDefault) {
  auto h = run(register_text(Reg{}), Verdict::wait);
  cx_.maa_done.back()(maa_digest_all("alice", "secret"));
  const auto w = h->values(sip::HeaderId::www_authenticate);
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(auth_param(w[0], "algorithm"), "MD5");
}

TEST_F(ScscfServiceTest, ConfiguredDigestAlgorithmsAreChallengedMostPreferredFirst) {
  make_service(3, {Scheme::digest_sha256, Scheme::digest_md5});
  auto h = run(register_text(Reg{}), Verdict::wait);
  ASSERT_EQ(cx_.mars.size(), 1u);
  EXPECT_EQ(cx_.mars[0].number_auth_items, 4u);  // and SHA-256 of the bare user name
  cx_.maa_done.back()(maa_digest_all("alice", "secret"));
  const auto w = h->values(sip::HeaderId::www_authenticate);
  ASSERT_EQ(w.size(), 2u);
  EXPECT_EQ(auth_param(w[0], "algorithm"), "SHA-256");
  EXPECT_EQ(auth_param(w[1], "algorithm"), "MD5");
}

TEST_F(ScscfServiceTest, DigestAskedForGetsTheItemsOfBothUserNameForms) {
  Reg r;
  r.authorization =
      "Digest username=\"alice@ims.test\", realm=\"ims.test\", nonce=\"\", uri=\"sip:ims.test\", response=\"\", "
      "algorithm=SHA-256";
  run(register_text(r), Verdict::wait);
  ASSERT_EQ(cx_.mars.size(), 1u);
  EXPECT_EQ(cx_.mars[0].auth_data_item.authentication_scheme, "SIP Digest");
  EXPECT_EQ(cx_.mars[0].number_auth_items, 3u);
}

TEST_F(ScscfServiceTest, ABareDigestUsernameRegistersTheImpiOfItsRealm) {
  // JsSIP without authorization_user, baresip with auth_user = "alice": the
  // first REGISTER has no Authorization (IMPI from the IMPU), the answer
  // says username="alice"; the IMPI is alice@ims.test throughout
  const auto c = challenge(Reg{}, maa_digest_all("alice", "secret"));
  const auto ha1 = aka::digest_ha1(aka::DigestAlgorithm::md5, "alice", "ims.test", "secret");
  const auto nonce = auth_param(c, "nonce");
  const auto response = aka::digest_response(aka::DigestAlgorithm::md5, ha1, nonce, "00000001", "0a4f113b", "auth",
                                             "REGISTER", "sip:ims.test");
  Reg r;
  r.cseq = 2;
  r.authorization = "Digest username=\"alice\", realm=\"ims.test\", nonce=\"" + nonce +
                    "\", uri=\"sip:ims.test\", response=\"" + response + "\", algorithm=MD5, qop=auth, nc=00000001, "
                    "cnonce=\"0a4f113b\", opaque=\"" + auth_param(c, "opaque") + "\"";
  auto h = run(register_text(r), Verdict::wait);
  ASSERT_EQ(cx_.sars.size(), 1u);
  EXPECT_EQ(cx_.sars[0].user_name, "alice@ims.test");
  answer_sar(saa("alice"));
  EXPECT_EQ(h->status(), 200);
  ASSERT_TRUE(service_->registrar().find("sip:alice@ims.test"));
  EXPECT_EQ(service_->registrar().find("sip:alice@ims.test")->impi, "alice@ims.test");
}

TEST_F(ScscfServiceTest, UnknownUserIs403) {
  auto h = run(register_text(Reg{}), Verdict::wait);
  diameter::MultimediaAuthAnswer a;
  a.header.result = Result::experimental_code(5001);
  cx_.maa_done.back()(a);
  EXPECT_EQ(h->status(), 403);
  EXPECT_NE(log_text().find(": 403 Forbidden"), std::string::npos);
}

TEST_F(ScscfServiceTest, HssTroubleIsATimely5xxAndPasses) {
  auto h = run(register_text(Reg{}), Verdict::wait);
  cx_.maa_done.back()(CxError{CxError::Kind::timeout, "no answer"});
  EXPECT_EQ(h->status(), 504);
  h = run(register_text(Reg{}), Verdict::wait);
  cx_.maa_done.back()(CxError{CxError::Kind::unable_to_deliver, "no peer"});
  EXPECT_EQ(h->status(), 500);
  // SAR trouble after a good response
  Reg r;
  const auto c = challenge(r, maa_aka());
  r.authorization = authorization(c, r.user, std::string(kXres.begin(), kXres.end()));
  r.cseq = 2;
  h = run(register_text(r), Verdict::wait);
  answer_sar(CxError{CxError::Kind::timeout, "no answer"});
  EXPECT_EQ(h->status(), 504);
  EXPECT_EQ(service_->registrar().size(), 0u);
  // the HSS is back
  EXPECT_EQ(register_aka(Reg{})->status(), 200);
}

TEST_F(ScscfServiceTest, LateAnswerAfterTheTransactionEndedIsIgnored) {
  auto h = run(register_text(Reg{}), Verdict::wait);
  tsx_.reset();
  cx_.maa_done.back()(maa_aka());
  EXPECT_TRUE(h->responses.empty());
  EXPECT_TRUE(h->resumed.empty());
}

TEST_F(ScscfServiceTest, CSeqOutOfOrderIsRefused) {
  Reg r;
  r.cseq = 10;
  ASSERT_EQ(register_aka(r)->status(), 200);  // bound with CSeq 11
  Reg old;
  old.cseq = 5;  // same Call-ID, lower CSeq
  auto c = challenge(old, maa_aka());
  old.authorization = authorization(c, old.user, std::string(kXres.begin(), kXres.end()));
  old.cseq = 6;
  const auto sars = cx_.sars.size();
  auto h = run(register_text(old), Verdict::done);
  EXPECT_EQ(h->status(), 500);
  EXPECT_EQ(cx_.sars.size(), sars);
}

TEST_F(ScscfServiceTest, MalformedRegisters) {
  Reg r;
  r.contact = "<sip:alice@127.0.0.1:5070>;expires=abc";
  EXPECT_EQ(run(register_text(r), Verdict::done)->status(), 400);
  Reg star;
  star.contact = "*";
  star.expires = "600";
  EXPECT_EQ(run(register_text(star), Verdict::done)->status(), 400);
  EXPECT_TRUE(cx_.mars.empty());
}

TEST_F(ScscfServiceTest, ExpiryDeregistersWithSarTimeout) {
  Reg r;
  r.expires = "60";
  ASSERT_EQ(register_aka(r)->status(), 200);
  const auto sars = cx_.sars.size();
  clock_.advance(59s);
  timers_->fire_due();
  EXPECT_EQ(cx_.sars.size(), sars);
  clock_.advance(2s);
  timers_->fire_due();
  ASSERT_EQ(cx_.sars.size(), sars + 1);
  EXPECT_EQ(cx_.sars.back().server_assignment_type, ServerAssignmentType::timeout_deregistration);
  EXPECT_EQ(cx_.sars.back().public_identities, std::vector<std::string>{"sip:alice@ims.test"});
  EXPECT_EQ(service_->registrar().size(), 0u);
  answer_sar(saa("alice"));
  EXPECT_NE(log_text().find("expired"), std::string::npos);
}

std::string subscribe_text(const std::string& uri, const std::string& expires, const std::string& to_tag = "",
                           const std::string& call_id = "sub-1@pcscf") {
  return "SUBSCRIBE " + uri + " SIP/2.0\r\n"
         "Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKs" + expires + to_tag + "\r\n"
         "Max-Forwards: 70\r\n"
         "From: <sip:pcscf.ims.test:5060>;tag=p1\r\n"
         "To: <" + uri + ">" + (to_tag.empty() ? "" : ";tag=" + to_tag) + "\r\n"
         "Call-ID: " + call_id + "\r\n"
         "CSeq: 1 SUBSCRIBE\r\n"
         "Event: reg\r\n"
         "Expires: " + expires + "\r\n"
         "Accept: application/reginfo+xml\r\n"
         "Contact: <sip:pcscf.ims.test:5060>\r\n"
         "P-Asserted-Identity: <sip:pcscf.ims.test:5060>\r\n"
         "Content-Length: 0\r\n\r\n";
}

std::optional<ims::RegInfo> notify_body(const sip::Message& m) {
  return ims::parse_reginfo(m.body());
}

std::string header(const sip::Message& m, sip::HeaderId id) {
  const auto* f = m.find(id);
  return f ? std::string(f->value) : std::string();
}

TEST_F(ScscfServiceTest, RegEventSubscriptionGetsNotifies) {
  ASSERT_EQ(register_aka(Reg{})->status(), 200);
  auto h = run(subscribe_text("sip:alice@ims.test", "600000"), Verdict::done);
  ASSERT_EQ(h->status(), 200);
  const auto tag = std::string(h->responses.back().to().tag());
  EXPECT_FALSE(tag.empty());
  EXPECT_EQ(h->values(sip::HeaderId::expires), std::vector<std::string>{"600000"});
  EXPECT_EQ(h->values(sip::HeaderId::contact), std::vector<std::string>{"<sip:127.0.0.1:6060>"});
  EXPECT_EQ(service_->subscriptions(), 1u);
  ASSERT_EQ(originator_.sent.size(), 1u);
  const auto& n = originator_.sent[0];
  EXPECT_EQ(n.method(), "NOTIFY");
  EXPECT_EQ(n.request_uri(), "sip:pcscf.ims.test:5060");
  EXPECT_EQ(header(n, sip::HeaderId::contact), "<sip:127.0.0.1:6060>");  // where the subscriber's refreshes come
  EXPECT_EQ(header(n, sip::HeaderId::event), "reg");
  EXPECT_EQ(header(n, sip::HeaderId::subscription_state), "active;expires=600000");
  EXPECT_EQ(n.from().tag(), tag);
  EXPECT_EQ(n.to().tag(), "p1");
  EXPECT_EQ(n.call_id(), "sub-1@pcscf");
  EXPECT_EQ(header(n, sip::HeaderId::content_type), "application/reginfo+xml");
  auto info = notify_body(n);
  ASSERT_TRUE(info);
  EXPECT_EQ(info->version, 0u);
  ASSERT_EQ(info->registrations.size(), 2u);
  EXPECT_EQ(info->registrations[0].aor, "sip:alice@ims.test");
  EXPECT_EQ(info->registrations[0].state, "active");
  ASSERT_EQ(info->registrations[0].contacts.size(), 1u);
  EXPECT_EQ(info->registrations[0].contacts[0].uri, "sip:alice@127.0.0.1:5070");
  EXPECT_EQ(info->registrations[1].aor, "tel:+15550001");

  // a re-registration: NOTIFY, version 1
  Reg again;
  again.call_id = "call-2@ue";
  ASSERT_EQ(register_aka(again, ServerAssignmentType::re_registration)->status(), 200);
  ASSERT_EQ(originator_.sent.size(), 2u);
  info = notify_body(originator_.sent[1]);
  ASSERT_TRUE(info);
  EXPECT_EQ(info->version, 1u);
  ASSERT_EQ(info->registrations[0].contacts.size(), 1u);
  EXPECT_EQ(info->registrations[0].contacts[0].event, "refreshed");
  EXPECT_EQ(originator_.sent[1].cseq().number, originator_.sent[0].cseq().number + 1);

  // de-registration: terminated
  Reg bye;
  bye.call_id = "call-3@ue";
  bye.expires = "0";
  ASSERT_EQ(register_aka(bye, ServerAssignmentType::user_deregistration)->status(), 200);
  ASSERT_EQ(originator_.sent.size(), 3u);
  EXPECT_EQ(header(originator_.sent[2], sip::HeaderId::subscription_state), "terminated;reason=noresource");
  info = notify_body(originator_.sent[2]);
  ASSERT_TRUE(info);
  EXPECT_EQ(info->registrations[0].state, "terminated");
  ASSERT_EQ(info->registrations[0].contacts.size(), 1u);
  EXPECT_EQ(info->registrations[0].contacts[0].state, "terminated");
  EXPECT_EQ(service_->subscriptions(), 0u);
}

TEST_F(ScscfServiceTest, TheUeHearsOfTheEndBeforeThePcscf) {
  ASSERT_EQ(register_aka(Reg{})->status(), 200);
  run(subscribe_text("sip:alice@ims.test", "600000"), Verdict::done);  // the P-CSCF
  std::string ue = subscribe_text("sip:alice@ims.test", "600000", "", "sub-ue@ue");
  ue.replace(ue.find("From: <sip:pcscf.ims.test:5060>"), 31, "From: <sip:alice@ims.test>");
  ue.replace(ue.find("Contact: <sip:pcscf.ims.test:5060>"), 34, "Contact: <sip:alice@127.0.0.1:5070>");
  run(ue, Verdict::done);
  ASSERT_EQ(originator_.sent.size(), 2u);
  Reg bye;
  bye.call_id = "call-2@ue";
  bye.expires = "0";
  ASSERT_EQ(register_aka(bye, ServerAssignmentType::user_deregistration)->status(), 200);
  // only the UE's final NOTIFY so far
  ASSERT_EQ(originator_.sent.size(), 3u);
  EXPECT_EQ(originator_.sent[2].call_id(), "sub-ue@ue");
  EXPECT_TRUE(header(originator_.sent[2], sip::HeaderId::subscription_state).starts_with("terminated"));
  originator_.done[2](sip::make_response(originator_.sent[2], 200, "OK", "x"));
  ASSERT_EQ(originator_.sent.size(), 4u);
  EXPECT_EQ(originator_.sent[3].call_id(), "sub-1@pcscf");
  EXPECT_TRUE(header(originator_.sent[3], sip::HeaderId::subscription_state).starts_with("terminated"));
}

TEST_F(ScscfServiceTest, UnsubscribeEndsTheSubscription) {
  ASSERT_EQ(register_aka(Reg{})->status(), 200);
  auto h = run(subscribe_text("sip:alice@ims.test", "600"), Verdict::done);
  const auto tag = std::string(h->responses.back().to().tag());
  h = run(subscribe_text("sip:alice@ims.test", "0", tag), Verdict::done);
  EXPECT_EQ(h->status(), 200);
  ASSERT_EQ(originator_.sent.size(), 2u);
  EXPECT_EQ(header(originator_.sent[1], sip::HeaderId::subscription_state), "terminated;reason=timeout");
  // the subscription ends, the registration does not (RFC 3680 §3.2): a
  // P-CSCF that read it as ended would drop the UE and release its calls
  auto info = notify_body(originator_.sent[1]);
  ASSERT_TRUE(info);
  ASSERT_FALSE(info->registrations.empty());
  EXPECT_EQ(info->registrations[0].state, "active");
  ASSERT_EQ(info->registrations[0].contacts.size(), 1u);
  EXPECT_EQ(info->registrations[0].contacts[0].state, "active");
  EXPECT_EQ(service_->subscriptions(), 0u);
  EXPECT_NE(service_->registrar().find("sip:alice@ims.test"), nullptr);
  // unknown dialog
  h = run(subscribe_text("sip:alice@ims.test", "600", "nope"), Verdict::done);
  EXPECT_EQ(h->status(), 481);
}

TEST_F(ScscfServiceTest, SubscribeToUnregisteredOrOtherEventRefused) {
  auto h = run(subscribe_text("sip:nobody@ims.test", "600"), Verdict::done);
  EXPECT_EQ(h->status(), 403);
  std::string presence = subscribe_text("sip:alice@ims.test", "600");
  presence.replace(presence.find("Event: reg"), 10, "Event: presence");
  h = run(presence, Verdict::wait);  // not the reg event: a request to its (unregistered) user
  ASSERT_FALSE(cx_.saa_done.empty());
  EXPECT_EQ(cx_.sars.back().server_assignment_type, ServerAssignmentType::unregistered_user);
  answer_sar(saa("alice"));  // no services while unregistered
  EXPECT_EQ(h->resumed, std::vector<Verdict>{Verdict::done});
  EXPECT_EQ(h->status(), 480);
  EXPECT_TRUE(originator_.sent.empty());
}

TEST_F(ScscfServiceTest, StrangersMayNotWatchARegistration) {
  ASSERT_EQ(register_aka(Reg{})->status(), 200);
  std::string other = subscribe_text("sip:alice@ims.test", "600");
  other.replace(other.find("From: <sip:pcscf.ims.test:5060>"), 31, "From: <sip:eve@ims.test>");
  other.replace(other.find("P-Asserted-Identity: <sip:pcscf.ims.test:5060>"), 46, "P-Asserted-Identity: <sip:eve@ims.test>");
  EXPECT_EQ(run(other, Verdict::done)->status(), 403);
  std::string other_proxy = subscribe_text("sip:alice@ims.test", "600");
  other_proxy.replace(other_proxy.find("P-Asserted-Identity: <sip:pcscf.ims.test:5060>"), 46,
                      "P-Asserted-Identity: <sip:pcscf.evil.test:5060>");
  EXPECT_EQ(run(other_proxy, Verdict::done)->status(), 403);
  EXPECT_EQ(service_->subscriptions(), 0u);
  EXPECT_TRUE(originator_.sent.empty());
}

TEST_F(ScscfServiceTest, SubscriptionExpiresWithTimeout) {
  ASSERT_EQ(register_aka(Reg{})->status(), 200);
  run(subscribe_text("sip:alice@ims.test", "120"), Verdict::done);
  clock_.advance(121s);
  timers_->fire_due();
  ASSERT_EQ(originator_.sent.size(), 2u);
  EXPECT_EQ(header(originator_.sent[1], sip::HeaderId::subscription_state), "terminated;reason=timeout");
  const auto info = notify_body(originator_.sent[1]);
  ASSERT_TRUE(info);
  ASSERT_FALSE(info->registrations.empty());
  EXPECT_EQ(info->registrations[0].state, "active");  // the registration goes on
  EXPECT_EQ(service_->subscriptions(), 0u);
}

TEST_F(ScscfServiceTest, ExpiryNotifiesSubscribers) {
  Reg r;
  r.expires = "60";
  ASSERT_EQ(register_aka(r)->status(), 200);
  run(subscribe_text("sip:alice@ims.test", "600000"), Verdict::done);
  clock_.advance(61s);
  timers_->fire_due();
  ASSERT_EQ(originator_.sent.size(), 2u);
  const auto info = notify_body(originator_.sent[1]);
  ASSERT_TRUE(info);
  ASSERT_FALSE(info->registrations.empty());
  ASSERT_EQ(info->registrations[0].contacts.size(), 1u);
  EXPECT_EQ(info->registrations[0].contacts[0].event, "expired");
  EXPECT_TRUE(header(originator_.sent[1], sip::HeaderId::subscription_state).starts_with("terminated"));
}

TEST_F(ScscfServiceTest, OneContactExpiringIsNotified) {
  Reg two;
  two.contact = "<sip:alice@127.0.0.1:5070>;expires=60, <sip:alice@127.0.0.1:5080>;expires=600";
  ASSERT_EQ(register_aka(two)->status(), 200);
  run(subscribe_text("sip:alice@ims.test", "600000"), Verdict::done);
  const auto sars = cx_.sars.size();
  clock_.advance(61s);
  timers_->fire_due();
  EXPECT_EQ(cx_.sars.size(), sars);  // still registered: no SAR
  ASSERT_EQ(originator_.sent.size(), 2u);
  EXPECT_TRUE(header(originator_.sent[1], sip::HeaderId::subscription_state).starts_with("active"));
  const auto info = notify_body(originator_.sent[1]);
  ASSERT_TRUE(info);
  ASSERT_EQ(info->registrations[0].contacts.size(), 1u);
  EXPECT_EQ(info->registrations[0].contacts[0].uri, "sip:alice@127.0.0.1:5080");
  ASSERT_EQ(service_->registrar().find("sip:alice@ims.test")->bindings.size(), 1u);
}

TEST_F(ScscfServiceTest, RtrRemovesAndNotifies) {
  ASSERT_EQ(register_aka(Reg{})->status(), 200);
  run(subscribe_text("sip:alice@ims.test", "600000"), Verdict::done);
  diameter::RegistrationTerminationRequest rtr;
  rtr.user_name = "alice@ims.test";
  const auto rta = service_->registration_termination(rtr);
  EXPECT_EQ(rta.header.result, Result::base(2001));
  EXPECT_EQ(service_->registrar().size(), 0u);
  ASSERT_EQ(originator_.sent.size(), 2u);
  EXPECT_TRUE(header(originator_.sent[1], sip::HeaderId::subscription_state).starts_with("terminated"));
  const auto info = notify_body(originator_.sent[1]);
  ASSERT_TRUE(info);
  ASSERT_FALSE(info->registrations.empty());
  ASSERT_EQ(info->registrations[0].contacts.size(), 1u);
  EXPECT_EQ(info->registrations[0].contacts[0].event, "deactivated");
}

TEST_F(ScscfServiceTest, RtrByPublicIdentity) {
  ASSERT_EQ(register_aka(Reg{})->status(), 200);
  diameter::RegistrationTerminationRequest rtr;
  rtr.user_name = "alice@ims.test";
  rtr.public_identities = {"tel:+15550001"};
  EXPECT_EQ(service_->registration_termination(rtr).header.result, Result::base(2001));
  EXPECT_EQ(service_->registrar().size(), 0u);
}

TEST_F(ScscfServiceTest, PprReplacesTheProfile) {
  ASSERT_EQ(register_aka(Reg{})->status(), 200);
  diameter::PushProfileRequest ppr;
  ppr.user_name = "alice@ims.test";
  ims::ImsSubscription s;
  s.private_id = "alice@ims.test";
  ims::ServiceProfile p;
  p.public_identities.push_back({"sip:alice@ims.test", false, std::nullopt});
  p.public_identities.push_back({"sip:alice-new@ims.test", false, std::nullopt});
  s.service_profiles.push_back(p);
  ppr.user_data = ims::to_xml(s);
  EXPECT_EQ(service_->push_profile(ppr).header.result, Result::base(2001));
  const auto* reg = service_->registrar().find("sip:alice@ims.test");
  ASSERT_NE(reg, nullptr);
  EXPECT_EQ(reg->identities, (std::vector<std::string>{"sip:alice@ims.test", "sip:alice-new@ims.test"}));
  EXPECT_EQ(service_->registrar().find("tel:+15550001"), nullptr);
  EXPECT_NE(service_->registrar().find("sip:alice-new@ims.test"), nullptr);
  ppr.user_name = "nobody@ims.test";
  EXPECT_EQ(service_->push_profile(ppr).header.result, Result::experimental_code(5001));
}

TEST_F(ScscfServiceTest, RegistrationsSurviveARestartInTheStore) {
  testing::TempDir dir;
  auto db = store::Database::open(dir / "box.db", "scscf");
  SqlRegistrationStore store(db);
  service_->set_store(&store);
  Reg r;
  r.contact = "<sip:alice@127.0.0.1:5070>;+sip.instance=\"<urn:uuid:1>\";reg-id=1";
  ASSERT_EQ(register_aka(r)->status(), 200);
  clock_.advance(100s);
  timers_->fire_due();  // the store is written within ScscfService::kStoreDelay
  // a new S-CSCF process: a new service on the same store (a new monotonic epoch does not matter)
  make_service();
  service_->set_store(&store);
  EXPECT_EQ(service_->restore(), 1u);
  const auto* reg = service_->registrar().find("tel:+15550001");
  ASSERT_NE(reg, nullptr);
  EXPECT_EQ(reg->impu, "sip:alice@ims.test");
  EXPECT_EQ(reg->impi, "alice@ims.test");
  ASSERT_EQ(reg->bindings.size(), 1u);
  EXPECT_EQ(reg->bindings[0].uri, "sip:alice@127.0.0.1:5070");
  EXPECT_EQ(reg->bindings[0].instance, "urn:uuid:1");
  EXPECT_EQ(reg->bindings[0].reg_id, 1u);
  EXPECT_EQ(reg->bindings[0].path, std::vector<std::string>{"<sip:term@pcscf.ims.test:5060;lr>"});
  EXPECT_EQ(reg->bindings[0].expires_at, clock_.now() + 500s);
  // and it still expires on time
  clock_.advance(501s);
  timers_->fire_due();
  EXPECT_EQ(cx_.sars.back().server_assignment_type, ServerAssignmentType::timeout_deregistration);
  make_service();
  service_->set_store(&store);
  EXPECT_EQ(service_->restore(), 0u);
}

// The P-CSCF's subscription outlives an S-CSCF restart: the deregistration
// after it still reaches the P-CSCF, in the same dialog, the versions going on.
TEST_F(ScscfServiceTest, SubscriptionsSurviveARestartInTheStore) {
  testing::TempDir dir;
  auto db = store::Database::open(dir / "box.db", "scscf");
  SqlRegistrationStore store(db);
  SqlSubscriptionStore subscriptions(db);
  service_->set_store(&store);
  service_->set_subscription_store(&subscriptions);
  ASSERT_EQ(register_aka(Reg{})->status(), 200);
  auto h = run(subscribe_text("sip:alice@ims.test", "600000"), Verdict::done);
  ASSERT_EQ(h->status(), 200);
  const auto tag = std::string(h->responses.back().to().tag());
  ASSERT_EQ(originator_.sent.size(), 1u);
  const auto first_cseq = originator_.sent[0].cseq().number;
  clock_.advance(1s);
  timers_->fire_due();  // written within kStoreDelay

  make_service();
  service_->set_store(&store);
  service_->set_subscription_store(&subscriptions);
  EXPECT_EQ(service_->restore(), 1u);
  EXPECT_EQ(service_->subscriptions(), 1u);
  // alice deregisters: the restored subscription gets the final NOTIFY
  Reg bye;
  bye.call_id = "call-2@ue";
  bye.expires = "0";
  ASSERT_EQ(register_aka(bye, ServerAssignmentType::user_deregistration)->status(), 200);
  ASSERT_FALSE(originator_.sent.empty());
  const auto& n = originator_.sent.back();
  EXPECT_EQ(n.method(), "NOTIFY");
  EXPECT_EQ(n.request_uri(), "sip:pcscf.ims.test:5060");
  EXPECT_EQ(n.call_id(), "sub-1@pcscf");
  EXPECT_EQ(n.from().tag(), tag);
  EXPECT_EQ(n.cseq().number, first_cseq + 1);
  EXPECT_EQ(header(n, sip::HeaderId::subscription_state), "terminated;reason=noresource");
  const auto info = notify_body(n);
  ASSERT_TRUE(info);
  EXPECT_EQ(info->version, 1u);
  EXPECT_EQ(service_->subscriptions(), 0u);
  // and the ended one is gone from the store too
  clock_.advance(1s);
  timers_->fire_due();
  make_service();
  service_->set_store(&store);
  service_->set_subscription_store(&subscriptions);
  service_->restore();
  EXPECT_EQ(service_->subscriptions(), 0u);
}

// Counts what reaches the store, and how.
struct CountingStore : RegistrationStore {
  void save(const Registration&, Time, runtime::Clock::WallTime) override { ADD_FAILURE() << "save one by one"; }
  void erase(const std::string&) override { ADD_FAILURE() << "erase one by one"; }
  std::vector<Registration> load(Time, runtime::Clock::WallTime) override { return {}; }
  void write(const std::vector<Registration>& saved, const std::vector<std::string>& erased, Time,
             runtime::Clock::WallTime) override {
    if (fail) throw std::runtime_error("disk I/O error");
    writes.push_back({saved.size(), erased.size()});
  }
  bool fail = false;
  std::vector<std::pair<std::size_t, std::size_t>> writes;  // (saved, erased) per transaction
};

// A 200 OK confirms a binding only once it is in the store; the REGISTERs
// whose SAAs came in one loop turn share one transaction (a group commit).
TEST_F(ScscfServiceTest, TheOkWaitsForTheCommitWhichRegistrationsShare) {
  CountingStore store;
  service_->set_store(&store);
  // up to the SAR: alice's, then bob's
  const auto until_sar = [&](Reg r) {
    const auto c = challenge(r, maa_aka());
    r.authorization = authorization(c, r.user, std::string(kXres.begin(), kXres.end()));
    r.cseq += 1;
    auto h = run(register_text(r), Verdict::wait);
    EXPECT_EQ(cx_.saa_done.size(), cx_.sars.size());
    return h;
  };
  auto alice = until_sar(Reg{});
  auto alice_tsx = std::move(tsx_);  // the fixture keeps the last transaction only
  Reg bob;
  bob.user = "bob";
  bob.call_id = "call-b@ue";
  bob.contact = "<sip:bob@127.0.0.1:5071>";
  auto bob_h = until_sar(bob);
  ASSERT_EQ(cx_.saa_done.size(), 2u);
  cx_.saa_done[0](saa("alice"));
  cx_.saa_done[1](saa("bob"));
  EXPECT_EQ(alice->status(), 0);  // nothing yet: not stored
  EXPECT_EQ(bob_h->status(), 0);
  EXPECT_TRUE(store.writes.empty());
  timers_->fire_due();  // the next loop turn
  EXPECT_EQ(store.writes, (std::vector<std::pair<std::size_t, std::size_t>>{{2, 0}}));
  EXPECT_EQ(alice->status(), 200);
  EXPECT_EQ(bob_h->status(), 200);
  // a store that fails: no 200 for a binding that is not kept
  store.fail = true;
  Reg again;
  again.call_id = "call-3@ue";
  auto h = until_sar(again);
  answer_sar(saa("alice"));
  EXPECT_EQ(h->status(), 500);
  store.fail = false;
  // a deregistration is written with the other changes, kStoreDelay later
  store.writes.clear();
  Reg bye;
  bye.call_id = "call-2@ue";
  bye.expires = "0";
  ASSERT_EQ(register_aka(bye, ServerAssignmentType::user_deregistration)->status(), 200);
  clock_.advance(ScscfService::kStoreDelay);
  timers_->fire_due();
  ASSERT_EQ(store.writes.size(), 1u);
  EXPECT_EQ(store.writes[0], (std::pair<std::size_t, std::size_t>{0, 1}));
}

TEST_F(ScscfServiceTest, DeregistrationLeavesNothingInTheStore) {
  testing::TempDir dir;
  auto db = store::Database::open(dir / "box.db", "scscf");
  SqlRegistrationStore store(db);
  service_->set_store(&store);
  ASSERT_EQ(register_aka(Reg{})->status(), 200);
  clock_.advance(ScscfService::kStoreDelay);
  timers_->fire_due();
  EXPECT_EQ(store.load(clock_.now(), clock_.wall_now()).size(), 1u);
  Reg bye;
  bye.call_id = "call-2@ue";
  bye.expires = "0";
  ASSERT_EQ(register_aka(bye, ServerAssignmentType::user_deregistration)->status(), 200);
  clock_.advance(ScscfService::kStoreDelay);
  timers_->fire_due();
  EXPECT_TRUE(store.load(clock_.now(), clock_.wall_now()).empty());
}

TEST_F(ScscfServiceTest, ThirdPartyRegisterToMatchingApplicationServers) {
  ims::InitialFilterCriteria ifc;
  ifc.trigger_point = ims::TriggerPoint{
      true, {{0, false, ims::MethodCondition{"REGISTER"}, {ims::RegistrationType::initial, ims::RegistrationType::de_registration}}}};
  ifc.application_server.server_name = "sip:as.ims.test:7070";
  ifc.application_server.service_info = "x<y";
  const auto s = subscription_of("alice", {ifc});
  g_user_data = ims::to_xml(s);

  ASSERT_EQ(register_aka(Reg{})->status(), 200);
  ASSERT_EQ(originator_.sent.size(), 1u);
  const auto& m = originator_.sent[0];
  EXPECT_EQ(m.method(), "REGISTER");
  EXPECT_EQ(m.request_uri(), "sip:as.ims.test:7070");
  EXPECT_EQ(m.to().uri, "sip:alice@ims.test");
  EXPECT_EQ(m.from().uri, "sip:127.0.0.1:6060");
  EXPECT_EQ(header(m, sip::HeaderId::expires), "600");
  EXPECT_EQ(header(m, sip::HeaderId::contact), "<sip:127.0.0.1:6060>");
  EXPECT_NE(m.body().find("<service-info>x&lt;y</service-info>"), std::string::npos);
  originator_.done[0](sip::make_response(m, 200, "OK", "as"));
  EXPECT_NE(log_text().find("third-party REGISTER sip:alice@ims.test to sip:as.ims.test:7070 (expires 600): 200"),
            std::string::npos);

  // a re-registration is not in the trigger
  Reg again;
  again.call_id = "call-2@ue";
  ASSERT_EQ(register_aka(again, ServerAssignmentType::re_registration)->status(), 200);
  EXPECT_EQ(originator_.sent.size(), 1u);
  // expiry: a de-registration with Expires 0
  clock_.advance(601s);
  timers_->fire_due();
  ASSERT_EQ(originator_.sent.size(), 2u);
  EXPECT_EQ(header(originator_.sent[1], sip::HeaderId::expires), "0");
}

// IncludeRegisterRequest / IncludeRegisterResponse with service info: all
// three in one multipart/mixed body (TS 24.229 §5.4.1.7).
TEST_F(ScscfServiceTest, ThirdPartyRegisterCarriesTheRegisterAndItsResponse) {
  ims::InitialFilterCriteria ifc;
  ifc.trigger_point = ims::TriggerPoint{true, {{0, false, ims::MethodCondition{"REGISTER"}, {}}}};
  ifc.application_server.server_name = "sip:as.ims.test:7070";
  ifc.application_server.service_info = "mmtel";
  ifc.application_server.include_register_request = true;
  ifc.application_server.include_register_response = true;
  const auto s = subscription_of("alice", {ifc});
  g_user_data = ims::to_xml(s);

  ASSERT_EQ(register_aka(Reg{})->status(), 200);
  ASSERT_EQ(originator_.sent.size(), 1u);
  const auto& m = originator_.sent[0];
  EXPECT_EQ(header(m, sip::HeaderId::content_type), "multipart/mixed;boundary=imsbox-third-party-register");
  const std::string body(m.body());
  const auto request_at = body.find("Content-Type: message/sip\r\n\r\nREGISTER sip:ims.test SIP/2.0\r\n");
  const auto response_at = body.find("Content-Type: message/sip\r\n\r\nSIP/2.0 200 OK\r\n");
  EXPECT_NE(body.find("Content-Type: application/3gpp-ims+xml\r\n\r\n<ims-3gpp version=\"1\"><service-info>mmtel"),
            std::string::npos);
  EXPECT_NE(request_at, std::string::npos) << body;
  EXPECT_NE(response_at, std::string::npos) << body;
  EXPECT_LT(request_at, response_at);
  EXPECT_NE(body.find("Service-Route: "), std::string::npos);  // the 200 OK as the UE got it
  EXPECT_TRUE(body.ends_with("--imsbox-third-party-register--\r\n"));
}

// SESSION_TERMINATED: an AS that refuses the third-party REGISTER ends the
// registration (TS 24.229 §5.4.1.7, network-initiated deregistration).
TEST_F(ScscfServiceTest, FailedThirdPartyRegisterWithSessionTerminatedDeregisters) {
  ims::InitialFilterCriteria ifc;
  ifc.trigger_point = ims::TriggerPoint{true, {{0, false, ims::MethodCondition{"REGISTER"}, {}}}};
  ifc.application_server.server_name = "sip:as.ims.test:7070";
  ifc.application_server.default_handling = ims::DefaultHandling::session_terminated;
  const auto s = subscription_of("alice", {ifc});
  g_user_data = ims::to_xml(s);

  ASSERT_EQ(register_aka(Reg{})->status(), 200);
  ASSERT_EQ(originator_.sent.size(), 1u);
  const auto sars = cx_.sars.size();
  originator_.done[0](sip::make_response(originator_.sent[0], 500, "Server Internal Error", "as"));
  EXPECT_EQ(service_->registrar().size(), 0u);
  ASSERT_EQ(cx_.sars.size(), sars + 1);
  EXPECT_EQ(cx_.sars.back().server_assignment_type, ServerAssignmentType::administrative_deregistration);
  // the AS hears of the deregistration too (Expires 0); its failure changes nothing more
  ASSERT_EQ(originator_.sent.size(), 2u);
  EXPECT_EQ(header(originator_.sent[1], sip::HeaderId::expires), "0");
  originator_.done[1](sip::make_response(originator_.sent[1], 500, "Server Internal Error", "as"));
  EXPECT_EQ(cx_.sars.size(), sars + 1);
  EXPECT_NE(log_text().find("registration sip:alice@ims.test ended by the network"), std::string::npos);
}

std::string invite_text(const std::string& to, const std::string& extra, const std::string& to_tag = "") {
  return "INVITE " + to + " SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bKi\r\nMax-Forwards: 70\r\n" + extra +
         "From: <sip:alice@ims.test>;tag=a\r\nTo: <" + to + ">" + (to_tag.empty() ? "" : ";tag=" + to_tag) +
         "\r\nCall-ID: i1\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n";
}

const std::string kOrig = "Route: <sip:orig@scscf.ims.test:6060;lr>\r\n";

TEST_F(ScscfServiceTest, OriginatingRequestOfAServedUserGoesToTheIcscf) {
  ASSERT_EQ(register_aka(Reg{})->status(), 200);
  auto h = run(invite_text("sip:bob@ims.test", kOrig + "P-Asserted-Identity: <sip:alice@ims.test>\r\n"), Verdict::next);
  ASSERT_EQ(h->targets.size(), 1u);
  EXPECT_EQ(h->targets[0].routes, std::vector<std::string>{"<sip:icscf.ims.test:4060;lr>"});
  EXPECT_TRUE(h->targets[0].request_uri.empty());
  EXPECT_TRUE(h->record_routed);
  EXPECT_EQ(h->record_route_user, "orig");  // the caller's leg
  // a tel: target is of the home network too (the HSS maps its number)
  h = run(invite_text("tel:+15550100", kOrig + "P-Asserted-Identity: <sip:alice@ims.test>\r\n"), Verdict::next);
  ASSERT_EQ(h->targets.size(), 1u);
  // another domain: as its Request-URI leads
  h = run(invite_text("sip:carol@other.test", kOrig + "P-Asserted-Identity: <sip:alice@ims.test>\r\n"), Verdict::next);
  EXPECT_TRUE(h->targets.empty());
  EXPECT_TRUE(h->record_routed);
}

// Our Service-Route in every form we gave it (the address now, the name
// before) makes a request originating; the same user part at another node
// of the same address (its port) does not.
TEST_F(ScscfServiceTest, OurServiceRouteInEveryFormButOnlyWithOurPort) {
  ASSERT_EQ(register_aka(Reg{})->status(), 200);
  const std::string alice = "P-Asserted-Identity: <sip:alice@ims.test>\r\n";
  for (const char* route : {"<sip:orig@127.0.0.1:6060;lr>", "<sip:orig@scscf.ims.test:6060;lr>",
                            "<sip:orig@127.0.0.1:6060;transport=tcp;lr>"}) {
    auto h = run(invite_text("sip:bob@ims.test", std::string("Route: ") + route + "\r\n" + alice), Verdict::next);
    ASSERT_EQ(h->targets.size(), 1u) << route;
    EXPECT_EQ(h->targets[0].routes, std::vector<std::string>{"<sip:icscf.ims.test:4060;lr>"}) << route;
    EXPECT_EQ(h->record_route_user, "orig") << route;
  }
  // the P-CSCF's port: not ours, so not the originating case; to bob as a callee
  auto other = run(invite_text("sip:alice@ims.test", "Route: <sip:orig@127.0.0.1:5060;lr>\r\n" + alice), Verdict::next);
  EXPECT_EQ(other->record_route_user, "term");
  // an application server originating on behalf of alice, with the address
  auto as = run(invite_text("sip:bob@ims.test", "Route: <sip:127.0.0.1:6060;lr;orig>\r\n" + alice), Verdict::next);
  EXPECT_EQ(as->record_route_user, "orig");
}

// TS 24.229 §4.4: only the trust domain may have us act for the user its
// P-Asserted-Identity names.
TEST_F(ScscfServiceTest, OriginatingRequestToTheBoxsMrfGoesToItsPort) {
  ASSERT_EQ(register_aka(Reg{})->status(), 200);
  // the MRF's host name alone would resolve to the box's address on port 5060
  auto h = run(invite_text("sip:annc@MRF.ims.test;play=busy", kOrig + "P-Asserted-Identity: <sip:alice@ims.test>\r\n"),
               Verdict::next);
  ASSERT_EQ(h->targets.size(), 1u);
  EXPECT_EQ(h->targets[0].routes, std::vector<std::string>{"<sip:127.0.0.1:5080;lr>"});
  EXPECT_TRUE(h->targets[0].request_uri.empty());  // the service's parameters stay
  EXPECT_TRUE(h->record_routed);
  // another host of the domain's family is not the MRF
  h = run(invite_text("sip:annc@mrf2.ims.test", kOrig + "P-Asserted-Identity: <sip:alice@ims.test>\r\n"),
          Verdict::next);
  EXPECT_TRUE(h->targets.empty());
}

TEST(BoxNodeTarget, ByHostOnly) {
  const std::vector<BoxNodeRoute> nodes{{"mrf.ims.test", "<sip:192.0.2.1:5080;lr>"}};
  ASSERT_TRUE(box_node_target("sip:echo@mrf.ims.test", nodes));
  EXPECT_EQ(box_node_target("sip:echo@mrf.ims.test:5060;x=y", nodes)->routes.front(), "<sip:192.0.2.1:5080;lr>");
  EXPECT_FALSE(box_node_target("sip:echo@ims.test", nodes));
  EXPECT_FALSE(box_node_target("tel:+15550100", nodes));
  EXPECT_FALSE(box_node_target("garbage", nodes));
  EXPECT_FALSE(box_node_target("sip:echo@mrf.ims.test", {}));
}

TEST_F(ScscfServiceTest, OriginatingRequestsComeOnlyFromTrustedNodes) {
  ASSERT_EQ(register_aka(Reg{})->status(), 200);
  const auto from = [](const char* address) {
    return sip::Peer{sip::Transport::udp, boost::asio::ip::make_address(address), 5060};
  };
  const std::string alice = "P-Asserted-Identity: <sip:alice@ims.test>\r\n";
  auto forged = run(invite_text("sip:bob@ims.test", kOrig + alice), Verdict::done, from("198.51.100.7"));
  EXPECT_EQ(forged->status(), 403);
  EXPECT_NE(log_text().find("originating request from UDP 198.51.100.7:5060, not a trusted node"), std::string::npos)
      << log_text();
  auto on_behalf = run(invite_text("sip:bob@ims.test", "Route: <sip:scscf.ims.test:6060;lr;orig>\r\n" + alice),
                       Verdict::done, from("198.51.100.7"));
  EXPECT_EQ(on_behalf->status(), 403);
  // another loopback address: any process on the host may send from it
  EXPECT_EQ(run(invite_text("sip:bob@ims.test", kOrig + alice), Verdict::done, from("127.0.0.2"))->status(), 403);
  EXPECT_TRUE(cx_.sars.size() == 1u);  // the registration's SAR only: nothing asked for the forged one
  // a configured peer, loopback (v4-mapped too) and terminating requests from anywhere pass
  EXPECT_EQ(run(invite_text("sip:bob@ims.test", kOrig + alice), Verdict::next, from("192.0.2.10"))->targets.size(), 1u);
  EXPECT_EQ(run(invite_text("sip:bob@ims.test", kOrig + alice), Verdict::next, from("::ffff:127.0.0.1"))->targets.size(),
            1u);
  EXPECT_EQ(run(invite_text("sip:alice@ims.test", "Route: <sip:scscf.ims.test:6060;lr>\r\n"), Verdict::next,
                from("198.51.100.7"))
                ->targets.size(),
            1u);
}

TEST_F(ScscfServiceTest, OriginatingRequestOfAnUnservedUserIsRefused) {
  ASSERT_EQ(register_aka(Reg{})->status(), 200);
  EXPECT_EQ(run(invite_text("sip:bob@ims.test", kOrig + "P-Asserted-Identity: <sip:mallory@ims.test>\r\n"),
                Verdict::done)->status(), 403);
  EXPECT_EQ(run(invite_text("sip:bob@ims.test", kOrig), Verdict::done)->status(), 403);  // nobody asserted
}

// TS 24.229 §5.4.3.2: an AS originating for an unregistered user (the `orig`
// parameter in our Route) gets that user's ORIGINATING_UNREGISTERED services;
// a request along the Service-Route still needs a registration.
TEST_F(ScscfServiceTest, AnApplicationServerOriginatesForAnUnregisteredUser) {
  ims::InitialFilterCriteria orig_unreg;
  orig_unreg.trigger_point = ims::TriggerPoint{
      true, {{0, false, ims::MethodCondition{"INVITE"}, {}}, {1, false, ims::SessionCase::originating_unregistered, {}}}};
  orig_unreg.application_server.server_name = "sip:barring.ims.test:7090";
  orig_unreg.application_server.default_handling = ims::DefaultHandling::session_terminated;
  const auto s = subscription_of("carol", {orig_unreg});
  const std::string carol = "P-Asserted-Identity: <sip:carol@ims.test>\r\n";
  EXPECT_EQ(run(invite_text("sip:bob@ims.test", kOrig + carol), Verdict::done)->status(), 403);
  EXPECT_TRUE(cx_.sars.empty());
  auto h = run(invite_text("sip:bob@ims.test", "Route: <sip:scscf.ims.test:6060;lr;orig>\r\n" + carol), Verdict::wait);
  ASSERT_EQ(cx_.sars.size(), 1u);
  EXPECT_EQ(cx_.sars.back().public_identities, std::vector<std::string>{"sip:carol@ims.test"});
  EXPECT_EQ(cx_.sars.back().server_assignment_type, ServerAssignmentType::unregistered_user);
  answer_sar(saa_with(s));
  EXPECT_EQ(h->resumed, std::vector<Verdict>{Verdict::next});
  ASSERT_EQ(h->targets.size(), 1u);
  EXPECT_EQ(h->targets[0].routes.at(0), "<sip:barring.ims.test:7090;lr>");
  EXPECT_EQ(header(h->request(), sip::HeaderId::p_served_user), "<sip:carol@ims.test>;sescase=orig;regstate=unreg");
  EXPECT_NE(log_text().find("originating (unregistered) for sip:carol@ims.test: iFC 0 to sip:barring.ims.test:7090"),
            std::string::npos)
      << log_text();
  // back from the AS: on to the I-CSCF for bob, no registration needed
  auto back = run(invite_text("sip:bob@ims.test", "Route: " + h->targets[0].routes.at(1) + "\r\n" + carol), Verdict::next);
  ASSERT_EQ(back->targets.size(), 1u);
  EXPECT_EQ(back->targets[0].routes, std::vector<std::string>{"<sip:icscf.ims.test:4060;lr>"});
  EXPECT_EQ(back->request().find(sip::HeaderId::p_served_user), nullptr);
  // a user the HSS does not know: refused
  auto mallory = run(invite_text("sip:bob@ims.test", "Route: <sip:127.0.0.1:6060;orig;lr>\r\n"
                                 "P-Asserted-Identity: <sip:mallory@ims.test>\r\n"), Verdict::wait);
  answer_sar(saa("mallory", Result::experimental_code(5001)));
  EXPECT_EQ(mallory->status(), 403);
}

// TS 24.229 §5.4.3.2 / §5.4.3.3 step 1: a barred identity neither
// originates (403) nor is reached (404), registered set or not.
TEST_F(ScscfServiceTest, ABarredIdentityNeitherCallsNorIsCalled) {
  ASSERT_EQ(register_aka(Reg{})->status(), 200);  // alice's set lists sip:alice-barred@ims.test, barred
  auto to_barred = run(invite_text("sip:alice-barred@ims.test", "Route: <sip:scscf.ims.test:6060;lr>\r\n"), Verdict::done);
  EXPECT_EQ(to_barred->status(), 404);
  auto from_barred =
      run(invite_text("sip:bob@ims.test", kOrig + "P-Asserted-Identity: <sip:alice-barred@ims.test>\r\n"), Verdict::done);
  EXPECT_EQ(from_barred->status(), 403);
  EXPECT_NE(log_text().find("terminating for sip:alice-barred@ims.test: a barred identity: 404"), std::string::npos)
      << log_text();
  EXPECT_NE(log_text().find("originating for sip:alice-barred@ims.test: a barred identity: 403"), std::string::npos);
  // carol is not registered: her profile (SAR UNREGISTERED_USER) says the identity is barred
  const auto sars = cx_.sars.size();
  auto unregistered = run(invite_text("sip:carol-barred@ims.test", ""), Verdict::wait);
  ASSERT_EQ(cx_.sars.size(), sars + 1);
  answer_sar(saa("carol"));
  EXPECT_EQ(unregistered->status(), 404);
  // alice herself is reached as before
  EXPECT_EQ(run(invite_text("sip:alice@ims.test", "Route: <sip:scscf.ims.test:6060;lr>\r\n"), Verdict::next)->targets.size(),
            1u);
}

TEST_F(ScscfServiceTest, TerminatingRequestGoesToEachContactThroughItsPath) {
  ASSERT_EQ(register_aka(Reg{})->status(), 200);
  auto h = run(invite_text("sip:alice@ims.test", "Route: <sip:scscf.ims.test:6060;lr>\r\n"), Verdict::next);
  ASSERT_EQ(h->targets.size(), 1u);
  EXPECT_EQ(h->targets[0].request_uri, "sip:alice@127.0.0.1:5070");
  EXPECT_EQ(h->targets[0].routes, std::vector<std::string>{"<sip:term@pcscf.ims.test:5060;lr>"});
  EXPECT_TRUE(h->record_routed);
  EXPECT_EQ(h->record_route_user, "term");  // the callee's leg
  // not registered (any more): the HSS is asked for services of the
  // unregistered user (SAR UNREGISTERED_USER); none: 480
  auto bob = run(invite_text("sip:bob@ims.test", ""), Verdict::wait);
  ASSERT_EQ(cx_.sars.back().public_identities, std::vector<std::string>{"sip:bob@ims.test"});
  EXPECT_EQ(cx_.sars.back().server_assignment_type, ServerAssignmentType::unregistered_user);
  answer_sar(saa("bob", Result::experimental_code(5001)));
  EXPECT_EQ(bob->status(), 480);
  clock_.advance(601s);
  auto alice = run(invite_text("sip:alice@ims.test", ""), Verdict::wait);
  answer_sar(CxError{CxError::Kind::timeout, ""});
  EXPECT_EQ(alice->status(), 504);  // the HSS did not answer
}

// TS 24.229 §5.4.3.3: an unregistered callee's iFCs of the unregistered part
// (e.g. voicemail) take the call.
TEST_F(ScscfServiceTest, UnregisteredCalleeWithServicesGoesToItsApplicationServer) {
  ims::InitialFilterCriteria registered_only;
  registered_only.trigger_point = ims::TriggerPoint{true, {{0, false, ims::MethodCondition{"INVITE"}, {}}}};
  registered_only.application_server.server_name = "sip:tas.ims.test:7070";
  registered_only.profile_part_indicator = ims::ProfilePartIndicator::registered;
  ims::InitialFilterCriteria voicemail = registered_only;
  voicemail.priority = 1;
  voicemail.trigger_point->spts.push_back({1, false, ims::SessionCase::terminating_unregistered, {}});
  voicemail.application_server.server_name = "sip:voicemail.ims.test:7080";
  voicemail.profile_part_indicator = ims::ProfilePartIndicator::unregistered;
  const auto s = subscription_of("carol", {registered_only, voicemail});
  auto h = run(invite_text("sip:carol@ims.test", "Route: <sip:scscf.ims.test:6060;lr>\r\n"), Verdict::wait);
  answer_sar(saa_with(s));
  EXPECT_EQ(h->resumed, std::vector<Verdict>{Verdict::next});
  ASSERT_EQ(h->targets.size(), 2u);
  EXPECT_EQ(h->targets[0].routes.at(0), "<sip:voicemail.ims.test:7080;lr>");
  EXPECT_EQ(header(h->request(), sip::HeaderId::p_served_user), "<sip:carol@ims.test>;sescase=term;regstate=unreg");
  // the AS sends it back (it did not answer itself): no iFC left, not registered: 480
  auto back = run(invite_text("sip:carol@ims.test", "Route: " + h->targets[0].routes.at(1) + "\r\n"), Verdict::done);
  EXPECT_EQ(back->status(), 480);
  EXPECT_NE(log_text().find("terminating (unregistered) for sip:carol@ims.test: iFC 1 to sip:voicemail.ims.test:7080"),
            std::string::npos);
}

// alice's profile with one iFC: `spts` to `as` with that default handling
void profile_with_ifc(std::vector<ims::ServicePointTrigger> spts, ims::DefaultHandling handling) {
  ims::InitialFilterCriteria ifc;
  ifc.trigger_point = ims::TriggerPoint{true, std::move(spts)};
  ifc.application_server.server_name = "sip:as.ims.test:7070";
  ifc.application_server.default_handling = handling;
  const auto s = subscription_of("alice", {ifc});
  g_user_data = ims::to_xml(s);
}

const ims::ServicePointTrigger kInvite{0, false, ims::MethodCondition{"INVITE"}, {}};
const std::string kAlice = "P-Asserted-Identity: <sip:alice@ims.test>\r\n";

// The Route an AS sends a request back with: the second of the ones it got.
std::string route_back(const sip::proxy::Target& to_as) {
  return "Route: " + to_as.routes.at(1) + "\r\n";
}

TEST_F(ScscfServiceTest, OriginatingInviteGoesToTheApplicationServerAndComesBack) {
  profile_with_ifc({kInvite, {1, false, ims::SessionCase::originating, {}}}, ims::DefaultHandling::session_continued);
  ASSERT_EQ(register_aka(Reg{})->status(), 200);
  auto h = run(invite_text("sip:bob@ims.test", kOrig + kAlice), Verdict::next);
  // to the AS, with our Route after its own, and on without it when it keeps silent
  ASSERT_EQ(h->targets.size(), 2u);
  const auto& to_as = h->targets[0];
  ASSERT_EQ(to_as.routes.size(), 2u);
  EXPECT_EQ(to_as.routes[0], "<sip:as.ims.test:7070;lr>");
  EXPECT_TRUE(to_as.routes[1].starts_with("<sip:127.0.0.1:6060;odi=")) << to_as.routes[1];
  EXPECT_TRUE(to_as.routes[1].ends_with(";lr>")) << to_as.routes[1];
  EXPECT_EQ(to_as.first_response_timeout, 2000ms);
  EXPECT_TRUE(to_as.fallback_only_if_unanswered);
  EXPECT_EQ(h->targets[1].routes, std::vector<std::string>{to_as.routes[1]});
  EXPECT_TRUE(h->record_routed);
  EXPECT_EQ(service_->odis().size(), 1u);
  EXPECT_EQ(header(h->request(), sip::HeaderId::p_served_user), "<sip:alice@ims.test>;sescase=orig;regstate=reg");
  // back from the AS (the ODI in the top Route): no iFC left, to the I-CSCF
  auto back = run(invite_text("sip:bob@ims.test", route_back(to_as) + kAlice), Verdict::next);
  ASSERT_EQ(back->targets.size(), 1u);
  EXPECT_EQ(back->targets[0].routes, std::vector<std::string>{"<sip:icscf.ims.test:4060;lr>"});
  EXPECT_EQ(back->request().find(sip::HeaderId::p_served_user), nullptr);  // for ASs only
  // the terminating side of alice has no iFC: straight to her contact
  auto term = run(invite_text("sip:alice@ims.test", "Route: <sip:scscf.ims.test:6060;lr>\r\n"), Verdict::next);
  ASSERT_EQ(term->targets.size(), 1u);
  EXPECT_EQ(term->targets[0].request_uri, "sip:alice@127.0.0.1:5070");
  // a MESSAGE is not in the trigger
  auto message = invite_text("sip:bob@ims.test", kOrig + kAlice);
  message.replace(0, 6, "MESSAGE");
  message.replace(message.find("1 INVITE"), 8, "1 MESSAGE");
  auto m = run(message, Verdict::next);
  ASSERT_EQ(m->targets.size(), 1u);
  EXPECT_EQ(m->targets[0].routes, std::vector<std::string>{"<sip:icscf.ims.test:4060;lr>"});
}

TEST_F(ScscfServiceTest, SessionTerminatedHasNoWayAroundTheApplicationServer) {
  profile_with_ifc({kInvite}, ims::DefaultHandling::session_terminated);
  ASSERT_EQ(register_aka(Reg{})->status(), 200);
  auto h = run(invite_text("sip:bob@ims.test", kOrig + kAlice), Verdict::next);
  ASSERT_EQ(h->targets.size(), 1u);
  EXPECT_FALSE(h->targets[0].fallback_only_if_unanswered);
  EXPECT_EQ(h->targets[0].first_response_timeout, 2000ms);
}

TEST_F(ScscfServiceTest, AnOdiThatIsNotOursIsRefused) {
  profile_with_ifc({kInvite}, ims::DefaultHandling::session_continued);
  ASSERT_EQ(register_aka(Reg{})->status(), 200);
  EXPECT_EQ(run(invite_text("sip:bob@ims.test", "Route: <sip:127.0.0.1:6060;odi=guess;lr>\r\n" + kAlice),
                Verdict::done)->status(), 403);
  // a real one expires with its transaction's final response
  auto h = run(invite_text("sip:bob@ims.test", kOrig + kAlice), Verdict::next);
  const auto route = route_back(h->targets.at(0));
  auto ok = sip::make_response(h->request(), 200, "OK", "b");
  tsx_->on_response(*h, ok);
  EXPECT_EQ(service_->odis().size(), 0u);
  EXPECT_EQ(run(invite_text("sip:bob@ims.test", route + kAlice), Verdict::done)->status(), 403);
}

TEST_F(ScscfServiceTest, TerminatingInviteToTheApplicationServerThenTheContactsOrDiverted) {
  profile_with_ifc({kInvite, {1, false, ims::SessionCase::terminating_registered, {}}},
                   ims::DefaultHandling::session_continued);
  ASSERT_EQ(register_aka(Reg{})->status(), 200);
  // alice originating: the iFC is for her terminating side only
  auto orig = run(invite_text("sip:bob@ims.test", kOrig + kAlice), Verdict::next);
  ASSERT_EQ(orig->targets.size(), 1u);
  EXPECT_EQ(orig->targets[0].routes, std::vector<std::string>{"<sip:icscf.ims.test:4060;lr>"});
  auto h = run(invite_text("sip:alice@ims.test", "Route: <sip:scscf.ims.test:6060;lr>\r\n"), Verdict::next);
  ASSERT_EQ(h->targets.size(), 2u);
  EXPECT_EQ(h->targets[0].routes.at(0), "<sip:as.ims.test:7070;lr>");
  // back unchanged: to alice's contact
  auto back = run(invite_text("sip:alice@ims.test", route_back(h->targets[0])), Verdict::next);
  ASSERT_EQ(back->targets.size(), 1u);
  EXPECT_EQ(back->targets[0].request_uri, "sip:alice@127.0.0.1:5070");
  // back retargeted to carol (call forwarding): to the I-CSCF for her
  auto fwd = run(invite_text("sip:carol@ims.test", route_back(h->targets[0])), Verdict::next);
  ASSERT_EQ(fwd->targets.size(), 1u);
  EXPECT_EQ(fwd->targets[0].routes, std::vector<std::string>{"<sip:icscf.ims.test:4060;lr>"});
  EXPECT_NE(log_text().find("diverted to sip:carol@ims.test"), std::string::npos);
}

// TS 24.229 §5.4.3.3, TS 23.218 §6.4: once an AS retargets a terminating
// request, alice's terminating iFCs end and her ORIGINATING_CDIV ones apply.
TEST_F(ScscfServiceTest, ARetargetedRequestGetsTheOriginatingAfterDiversionServices) {
  const auto ifc = [](int priority, ims::SessionCase session_case, const std::string& as) {
    ims::InitialFilterCriteria f;
    f.priority = priority;
    f.trigger_point = ims::TriggerPoint{true, {kInvite, {1, false, session_case, {}}}};
    f.application_server.server_name = as;
    f.application_server.default_handling = ims::DefaultHandling::session_continued;
    return f;
  };
  const auto s = subscription_of("alice", {ifc(0, ims::SessionCase::terminating_registered, "sip:forwarding.ims.test"),
            ifc(1, ims::SessionCase::terminating_registered, "sip:voicemail.ims.test"),
            ifc(2, ims::SessionCase::originating_cdiv, "sip:cdiv.ims.test"),
            ifc(3, ims::SessionCase::originating, "sip:orig.ims.test")});
  g_user_data = ims::to_xml(s);
  ASSERT_EQ(register_aka(Reg{})->status(), 200);
  auto h = run(invite_text("sip:alice@ims.test", "Route: <sip:scscf.ims.test:6060;lr>\r\n"), Verdict::next);
  EXPECT_EQ(h->targets.at(0).routes.at(0), "<sip:forwarding.ims.test;lr>");
  // back unchanged: her next terminating service
  auto same = run(invite_text("sip:alice@ims.test", route_back(h->targets[0])), Verdict::next);
  EXPECT_EQ(same->targets.at(0).routes.at(0), "<sip:voicemail.ims.test;lr>");
  // back forwarded to carol: no voicemail; the ORIGINATING_CDIV service, then the I-CSCF
  auto fwd = run(invite_text("sip:carol@ims.test", route_back(h->targets[0])), Verdict::next);
  ASSERT_EQ(fwd->targets.size(), 2u);
  EXPECT_EQ(fwd->targets[0].routes.at(0), "<sip:cdiv.ims.test;lr>");
  EXPECT_EQ(header(fwd->request(), sip::HeaderId::p_served_user), "<sip:alice@ims.test>;orig-cdiv;regstate=reg");
  EXPECT_NE(log_text().find("retargeted by an application server"), std::string::npos);
  EXPECT_NE(log_text().find("originating after diversion for sip:alice@ims.test: iFC 2 to sip:cdiv.ims.test"),
            std::string::npos)
      << log_text();
  auto on = run(invite_text("sip:carol@ims.test", route_back(fwd->targets[0])), Verdict::next);
  ASSERT_EQ(on->targets.size(), 1u);
  EXPECT_EQ(on->targets[0].routes, std::vector<std::string>{"<sip:icscf.ims.test:4060;lr>"});
  EXPECT_NE(log_text().find("terminating for sip:alice@ims.test diverted to sip:carol@ims.test"), std::string::npos);
}

TEST_F(ScscfServiceTest, InDialogRequestsFollowTheirRoute) {
  FakeHelper h(invite_text("sip:bob@ims.test", kOrig, "b"));
  EXPECT_FALSE(service_->on_request(h.request(), h.source()));
}

}  // namespace
}  // namespace imsbox::scscf
