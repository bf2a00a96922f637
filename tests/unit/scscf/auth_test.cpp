// The S-CSCF's challenges and their verification (scscf/auth.h).
#include "scscf/auth.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <stdexcept>
#include <tuple>

#include "aka/digest.h"
#include "sip/parser.h"

namespace imsbox::scscf {
namespace {

using namespace std::chrono_literals;
using Clock = runtime::Clock;

std::vector<std::uint8_t> bytes(std::uint8_t start, std::size_t n) {
  std::vector<std::uint8_t> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<std::uint8_t>(start + i);
  return v;
}

diameter::SipAuthDataItem aka_item(std::string scheme = "Digest-AKAv1-MD5") {
  diameter::SipAuthDataItem item;
  item.authentication_scheme = std::move(scheme);
  item.sip_authenticate = bytes(0x10, 32);  // RAND || AUTN
  item.sip_authorization = runtime::SecretBytes(bytes(0x60, 8));
  item.confidentiality_key = runtime::SecretBytes(bytes(0xa0, 16));
  item.integrity_key = runtime::SecretBytes(bytes(0xc0, 16));
  return item;
}

// An MAA item with the HA1 of `username` (the IMPI alice@ims.test when
// empty, else the bare user name it is tagged with, as our HSS does).
diameter::SipAuthDataItem digest_item(const std::string& algorithm, const std::string& password,
                                      const std::string& username = {}) {
  diameter::SipAuthDataItem item;
  item.authentication_scheme = "SIP Digest";
  const auto alg = algorithm == "SHA-256" ? aka::DigestAlgorithm::sha256 : aka::DigestAlgorithm::md5;
  const auto name = username.empty() ? std::string("alice@ims.test") : username;
  item.digest = diameter::SipDigestAuthenticate{
      "ims.test", algorithm, "auth", runtime::SecretString(aka::digest_ha1(alg, name, "ims.test", password)),
      username};
  return item;
}

std::string param(const std::string& header, std::string_view name) {
  const auto auth = sip::parse_auth(header);
  EXPECT_TRUE(auth) << header;
  const auto* p = sip::find_param(auth.value.params, name);
  return p ? std::string(sip::unquote(p->value)) : std::string();
}

DigestCredentials answer(const std::string& challenge, const std::string& password, std::string algorithm = {},
                         aka::DigestAlgorithm alg = aka::DigestAlgorithm::md5, std::string ha1 = {},
                         std::string username = "alice@ims.test") {
  DigestCredentials c;
  c.username = std::move(username);
  c.realm = param(challenge, "realm");
  c.nonce = param(challenge, "nonce");
  c.opaque = param(challenge, "opaque");
  c.uri = "sip:ims.test";
  c.algorithm = algorithm.empty() ? param(challenge, "algorithm") : algorithm;
  c.qop = "auth";
  c.nc = "00000001";
  c.cnonce = "0a4f113b";
  if (ha1.empty()) ha1 = aka::digest_ha1(alg, c.username, c.realm, password);
  c.response = aka::digest_response(alg, ha1, c.nonce, c.nc, c.cnonce, c.qop, "REGISTER", c.uri);
  return c;
}

class AuthenticatorTest : public ::testing::Test {
 protected:
  Authenticator make(unsigned max_failures = 3, std::vector<Scheme> digest_algorithms = {Scheme::digest_md5}) {
    return Authenticator(Authenticator::Options{.realm = "ims.test",
                                                .max_failures = max_failures,
                                                .block_for = 60s,
                                                .challenge_lifetime = 30s,
                                                .digest_algorithms = std::move(digest_algorithms)},
                         [this](std::uint8_t* out, std::size_t n) {
                           for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<std::uint8_t>(counter_++);
                         });
  }
  Clock::MonotonicTime now_{};
  unsigned counter_ = 1;
};

TEST(Base64, EncodesAndDecodes) {
  EXPECT_EQ(base64_encode({}), "");
  EXPECT_EQ(base64_encode({'M'}), "TQ==");
  EXPECT_EQ(base64_encode({'M', 'a'}), "TWE=");
  EXPECT_EQ(base64_encode({'M', 'a', 'n'}), "TWFu");
  const auto v = bytes(0xf0, 40);
  EXPECT_EQ(base64_decode(base64_encode(v)), v);
  EXPECT_EQ(base64_decode("TWE="), (std::vector<std::uint8_t>{'M', 'a'}));
  EXPECT_FALSE(base64_decode("TW!="));
  EXPECT_FALSE(base64_decode("TQ==TQ"));
}

TEST(CxScheme, FromTheAlgorithm) {
  EXPECT_EQ(cx_scheme_for("AKAv1-MD5"), "Digest-AKAv1-MD5");
  EXPECT_EQ(cx_scheme_for("akav2-md5"), "Digest-AKAv2-MD5");
  EXPECT_EQ(cx_scheme_for("MD5"), "SIP Digest");
  EXPECT_EQ(cx_scheme_for("SHA-256"), "SIP Digest");
  EXPECT_EQ(cx_scheme_for(""), "Unknown");
}

TEST_F(AuthenticatorTest, AkaChallengeCarriesNonceCkIk) {
  auto a = make();
  std::string offered;
  const auto c = a.challenge("alice@ims.test", "sip:alice@ims.test", {aka_item()}, now_, &offered);
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(offered, "AKAv1-MD5");
  EXPECT_EQ(param(c[0], "realm"), "ims.test");
  EXPECT_EQ(param(c[0], "algorithm"), "AKAv1-MD5");
  EXPECT_EQ(param(c[0], "qop"), "auth");
  EXPECT_EQ(param(c[0], "ck"), "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf");
  EXPECT_EQ(param(c[0], "ik"), "c0c1c2c3c4c5c6c7c8c9cacbcccdcecf");
  const auto nonce = base64_decode(param(c[0], "nonce"));
  ASSERT_TRUE(nonce);
  ASSERT_GT(nonce->size(), 32u);
  EXPECT_EQ(std::vector<std::uint8_t>(nonce->begin(), nonce->begin() + 32), bytes(0x10, 32));
  EXPECT_EQ(a.pending("alice@ims.test"), 1u);
}

TEST_F(AuthenticatorTest, AkaV1RightResponseOnceOnly) {
  auto a = make();
  const auto c = a.challenge("alice@ims.test", "sip:alice@ims.test", {aka_item()}, now_);
  const auto xres = bytes(0x60, 8);
  const auto creds = answer(c[0], std::string(xres.begin(), xres.end()));
  const auto ok = a.verify("alice@ims.test", creds, "REGISTER", now_);
  EXPECT_EQ(ok.verdict, Authenticator::Verdict::ok);
  EXPECT_EQ(ok.scheme, Scheme::akav1_md5);
  // the same nonce again: used up
  EXPECT_EQ(a.verify("alice@ims.test", creds, "REGISTER", now_).verdict, Authenticator::Verdict::stale);
}

TEST_F(AuthenticatorTest, UnansweredChallengesAreKeptUpToTheLimitOldestForgottenFirst) {
  Authenticator a(Authenticator::Options{"ims.test", 3, 60s, 30s, 8, 4},
                  [this](std::uint8_t* out, std::size_t n) {
                    for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<std::uint8_t>(counter_++);
                  });
  std::vector<std::string> challenges;
  for (int i = 0; i < 5; ++i) challenges.push_back(a.challenge("alice@ims.test", "sip:alice@ims.test", {aka_item()}, now_)[0]);
  EXPECT_EQ(a.pending("alice@ims.test"), 4u);
  const auto xres = bytes(0x60, 8);
  const std::string res(xres.begin(), xres.end());
  EXPECT_EQ(a.verify("alice@ims.test", answer(challenges[0], res), "REGISTER", now_).verdict,
            Authenticator::Verdict::stale);  // the oldest went
  EXPECT_EQ(a.verify("alice@ims.test", answer(challenges[1], res), "REGISTER", now_).verdict, Authenticator::Verdict::ok);
  EXPECT_EQ(a.verify("alice@ims.test", answer(challenges[4], res), "REGISTER", now_).verdict, Authenticator::Verdict::ok);
  EXPECT_EQ(Authenticator::Options{}.max_pending, 256u);
}

TEST_F(AuthenticatorTest, AkaV2UsesTheDerivedPassword) {
  auto a = make();
  const auto c = a.challenge("alice@ims.test", "sip:alice@ims.test", {aka_item("Digest-AKAv2-MD5")}, now_);
  EXPECT_EQ(param(c[0], "algorithm"), "AKAv2-MD5");
  const auto password = akav2_password(bytes(0x60, 8), bytes(0xc0, 16), bytes(0xa0, 16));
  EXPECT_EQ(password.size(), 24u);  // base64 of 16 bytes
  const auto xres = bytes(0x60, 8);
  // RES itself as the password (AKAv1 style) is wrong for v2
  const auto c2 = a.challenge("alice@ims.test", "sip:alice@ims.test", {aka_item("Digest-AKAv2-MD5")}, now_);
  EXPECT_EQ(a.verify("alice@ims.test", answer(c2[0], std::string(xres.begin(), xres.end())), "REGISTER", now_).verdict,
            Authenticator::Verdict::wrong);
  EXPECT_EQ(a.verify("alice@ims.test", answer(c[0], password), "REGISTER", now_).verdict, Authenticator::Verdict::ok);
}

TEST_F(AuthenticatorTest, WrongResponsesBlockTheImpi) {
  auto a = make(3);
  for (unsigned i = 1; i <= 3; ++i) {
    const auto c = a.challenge("alice@ims.test", "sip:alice@ims.test", {aka_item()}, now_);
    EXPECT_EQ(a.verify("alice@ims.test", answer(c[0], "wrong"), "REGISTER", now_).verdict,
              Authenticator::Verdict::wrong);
    EXPECT_EQ(a.failures("alice@ims.test"), i);
  }
  EXPECT_TRUE(a.blocked("alice@ims.test", now_));
  EXPECT_FALSE(a.blocked("bob@ims.test", now_));
  const auto c = a.challenge("alice@ims.test", "sip:alice@ims.test", {aka_item()}, now_);
  const auto xres = bytes(0x60, 8);
  EXPECT_EQ(a.verify("alice@ims.test", answer(c[0], std::string(xres.begin(), xres.end())), "REGISTER", now_).verdict,
            Authenticator::Verdict::blocked);
  now_ += 61s;
  EXPECT_FALSE(a.blocked("alice@ims.test", now_));
  const auto c2 = a.challenge("alice@ims.test", "sip:alice@ims.test", {aka_item()}, now_);
  EXPECT_EQ(a.verify("alice@ims.test", answer(c2[0], std::string(xres.begin(), xres.end())), "REGISTER", now_).verdict,
            Authenticator::Verdict::ok);
  EXPECT_EQ(a.failures("alice@ims.test"), 0u);
}

TEST_F(AuthenticatorTest, DigestDefaultsToOneMd5Challenge) {
  // JsSIP keeps only the last WWW-Authenticate, libre gives up on an
  // algorithm it does not know: by default MD5 alone, whatever the HSS gives
  auto a = make();
  std::string offered;
  const auto c = a.challenge("alice@ims.test", "sip:alice@ims.test",
                             {digest_item("SHA-256", "secret"), digest_item("MD5", "secret")}, now_, &offered);
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(offered, "MD5");
  EXPECT_EQ(param(c[0], "algorithm"), "MD5");
  EXPECT_FALSE(param(c[0], "opaque").empty());
  EXPECT_EQ(param(c[0], "qop"), "auth");
  EXPECT_EQ(c[0].find("ck="), std::string::npos);
  EXPECT_EQ(a.pending("alice@ims.test"), 1u);
  EXPECT_EQ(a.verify("alice@ims.test", answer(c[0], "secret"), "REGISTER", now_).verdict, Authenticator::Verdict::ok);
  // SHA-256 alone configured, with no SHA-256 item: nothing to offer
  auto sha_only = make(3, {Scheme::digest_sha256});
  EXPECT_TRUE(sha_only.challenge("alice@ims.test", "sip:alice@ims.test", {digest_item("MD5", "secret")}, now_).empty());
}

TEST_F(AuthenticatorTest, DigestChallengesComeInTheConfiguredOrderMostPreferredFirst) {
  // RFC 7616 §3.7, RFC 8760: the preferred algorithm first
  for (const auto& [order, first, second] :
       {std::tuple{std::vector{Scheme::digest_sha256, Scheme::digest_md5}, "SHA-256", "MD5"},
        std::tuple{std::vector{Scheme::digest_md5, Scheme::digest_sha256}, "MD5", "SHA-256"}}) {
    auto a = make(3, order);
    std::string offered;
    // the HSS's item order does not matter
    const auto c = a.challenge("alice@ims.test", "sip:alice@ims.test",
                               {digest_item("MD5", "secret"), digest_item("SHA-256", "secret")}, now_, &offered);
    ASSERT_EQ(c.size(), 2u);
    EXPECT_EQ(offered, std::string(first) + "+" + second);
    EXPECT_EQ(param(c[0], "algorithm"), first);
    EXPECT_EQ(param(c[1], "algorithm"), second);
    const auto& sha = param(c[0], "algorithm") == "SHA-256" ? c[0] : c[1];
    const auto& md5 = param(c[0], "algorithm") == "MD5" ? c[0] : c[1];
    EXPECT_EQ(a.verify("alice@ims.test", answer(md5, "secret"), "REGISTER", now_).verdict, Authenticator::Verdict::ok);
    EXPECT_EQ(a.verify("alice@ims.test", answer(sha, "secret", "SHA-256", aka::DigestAlgorithm::sha256), "REGISTER",
                       now_)
                  .verdict,
              Authenticator::Verdict::ok);
  }
}

TEST_F(AuthenticatorTest, ABareUserNameAnswersWithTheHa1TheHssMadeForIt) {
  // "alice" (JsSIP without authorization_user, baresip, Zoiper) digests with
  // H("alice":realm:password); the HSS gives that HA1 tagged with the name
  auto a = make(10, {Scheme::digest_sha256, Scheme::digest_md5});
  const std::vector items = {digest_item("MD5", "secret"), digest_item("SHA-256", "secret"),
                             digest_item("MD5", "secret", "alice"), digest_item("SHA-256", "secret", "alice")};
  const auto bare = [&](const std::string& challenge, const std::string& password, std::string user = "alice") {
    const bool sha = param(challenge, "algorithm") == "SHA-256";
    const auto alg = sha ? aka::DigestAlgorithm::sha256 : aka::DigestAlgorithm::md5;
    return answer(challenge, password, {}, alg, aka::digest_ha1(alg, user, "ims.test", password), user);
  };
  auto c = a.challenge("alice@ims.test", "sip:alice@ims.test", items, now_);
  ASSERT_EQ(c.size(), 2u) << "one challenge per algorithm, not per user name form";
  EXPECT_EQ(a.verify("alice@ims.test", bare(c[1], "secret"), "REGISTER", now_).verdict, Authenticator::Verdict::ok);
  EXPECT_EQ(a.verify("alice@ims.test", bare(c[0], "secret"), "REGISTER", now_).verdict, Authenticator::Verdict::ok);
  // the IMPI as username still works on the same kind of challenge
  c = a.challenge("alice@ims.test", "sip:alice@ims.test", items, now_);
  EXPECT_EQ(a.verify("alice@ims.test", answer(c[1], "secret"), "REGISTER", now_).verdict, Authenticator::Verdict::ok);
  // a wrong password, another user's bare name, a bare name of another realm
  c = a.challenge("alice@ims.test", "sip:alice@ims.test", items, now_);
  EXPECT_EQ(a.verify("alice@ims.test", bare(c[1], "guess"), "REGISTER", now_).verdict, Authenticator::Verdict::wrong);
  c = a.challenge("alice@ims.test", "sip:alice@ims.test", items, now_);
  EXPECT_EQ(a.verify("alice@ims.test", bare(c[1], "secret", "bob"), "REGISTER", now_).verdict,
            Authenticator::Verdict::wrong);
  c = a.challenge("alice@ims.test", "sip:alice@ims.test", items, now_);
  auto other_realm = bare(c[1], "secret");
  other_realm.realm = "other.test";
  EXPECT_EQ(a.verify("alice@ims.test", other_realm, "REGISTER", now_).verdict, Authenticator::Verdict::wrong);
  // without the bare name's HA1 (a third-party HSS, a password set before
  // imsbox kept them) the bare name cannot authenticate
  c = a.challenge("alice@ims.test", "sip:alice@ims.test", {digest_item("MD5", "secret")}, now_);
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(a.verify("alice@ims.test", bare(c[0], "secret"), "REGISTER", now_).verdict, Authenticator::Verdict::wrong);
}

TEST_F(AuthenticatorTest, AkaAcceptsTheBareUserNameOfTheImpi) {
  auto a = make();
  const auto c = a.challenge("alice@ims.test", "sip:alice@ims.test", {aka_item()}, now_);
  const auto xres = bytes(0x60, 8);
  const auto ha1 =
      aka::digest_ha1(aka::DigestAlgorithm::md5, "alice", "ims.test", std::string(xres.begin(), xres.end()));
  EXPECT_EQ(a.verify("alice@ims.test", answer(c[0], "", {}, aka::DigestAlgorithm::md5, ha1, "alice"), "REGISTER", now_)
                .verdict,
            Authenticator::Verdict::ok);
}

TEST_F(AuthenticatorTest, DigestItemsToAskCoverTheBareUserName) {
  EXPECT_EQ(make().digest_items_to_ask(), 3u);  // MD5, SHA-256, bare MD5
  EXPECT_EQ(make(3, {Scheme::digest_sha256, Scheme::digest_md5}).digest_items_to_ask(), 4u);
  EXPECT_EQ(make(3, {Scheme::digest_sha256}).digest_items_to_ask(), 4u);
}

TEST(DigestAlgorithms, ParsedInOrderUnknownOrRepeatedNamesRefused) {
  EXPECT_EQ(parse_digest_algorithms("MD5"), std::vector{Scheme::digest_md5});
  EXPECT_EQ(parse_digest_algorithms("SHA-256,MD5"), (std::vector{Scheme::digest_sha256, Scheme::digest_md5}));
  EXPECT_EQ(parse_digest_algorithms(" md5 , sha-256 "), (std::vector{Scheme::digest_md5, Scheme::digest_sha256}));
  const auto refused = [](std::string_view list, std::string_view why) {
    try {
      parse_digest_algorithms(list);
      ADD_FAILURE() << "accepted: " << list;
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find(why), std::string::npos) << e.what();
    }
  };
  refused("SHA-512-256", "unknown digest algorithm 'SHA-512-256'");
  refused("MD5-sess", "unknown digest algorithm 'MD5-sess'");
  refused("AKAv1-MD5", "unknown");
  refused("MD5,MD5", "named twice");
  refused("", "empty");
  refused("MD5,", "empty");
}

TEST_F(AuthenticatorTest, DigestWrongPasswordAndMismatches) {
  auto a = make(10);
  auto c = a.challenge("alice@ims.test", "sip:alice@ims.test", {digest_item("MD5", "secret")}, now_);
  EXPECT_EQ(a.verify("alice@ims.test", answer(c[0], "guess"), "REGISTER", now_).verdict, Authenticator::Verdict::wrong);
  // another user's name for the same IMPI's nonce
  c = a.challenge("alice@ims.test", "sip:alice@ims.test", {digest_item("MD5", "secret")}, now_);
  auto creds = answer(c[0], "secret");
  creds.username = "mallory@ims.test";
  EXPECT_EQ(a.verify("alice@ims.test", creds, "REGISTER", now_).verdict, Authenticator::Verdict::wrong);
  // a challenge that expired is stale
  c = a.challenge("alice@ims.test", "sip:alice@ims.test", {digest_item("MD5", "secret")}, now_);
  now_ += 31s;
  EXPECT_EQ(a.verify("alice@ims.test", answer(c[0], "secret"), "REGISTER", now_).verdict, Authenticator::Verdict::stale);
}

TEST_F(AuthenticatorTest, UnknownNamesLeaveNoState) {
  auto a = make();
  DigestCredentials c;
  c.username = "nobody@ims.test";
  c.nonce = "made-up";
  EXPECT_EQ(a.verify("nobody@ims.test", c, "REGISTER", now_).verdict, Authenticator::Verdict::stale);
  EXPECT_FALSE(a.take_rand("nobody@ims.test", "made-up", now_));
  EXPECT_EQ(a.failures("nobody@ims.test"), 0u);
  EXPECT_EQ(a.tracked(), 0u);
}

TEST_F(AuthenticatorTest, TakeRandForResynchronisation) {
  auto a = make();
  const auto c = a.challenge("alice@ims.test", "sip:alice@ims.test", {aka_item()}, now_);
  const auto nonce = param(c[0], "nonce");
  EXPECT_FALSE(a.take_rand("alice@ims.test", "other", now_));
  const auto rand = a.take_rand("alice@ims.test", nonce, now_);
  ASSERT_TRUE(rand);
  EXPECT_EQ(*rand, bytes(0x10, 16));
  EXPECT_FALSE(a.take_rand("alice@ims.test", nonce, now_));  // used up
}

TEST_F(AuthenticatorTest, UnusableItemsMakeNoChallenge) {
  auto a = make();
  auto bad = aka_item();
  bad.sip_authenticate.resize(10);
  diameter::SipAuthDataItem unknown;
  unknown.authentication_scheme = "NASS-Bundled";
  EXPECT_TRUE(a.challenge("alice@ims.test", "sip:alice@ims.test", {bad, unknown}, now_).empty());
}

TEST(FindCredentials, PicksTheHomeRealmAndAuts) {
  const auto text = std::string(
      "REGISTER sip:ims.test SIP/2.0\r\n"
      "Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKx1\r\n"
      "From: <sip:alice@ims.test>;tag=f1\r\nTo: <sip:alice@ims.test>\r\nCall-ID: c1\r\nCSeq: 1 REGISTER\r\n"
      "Authorization: Digest username=\"x@other\", realm=\"other.test\", nonce=\"n0\", uri=\"sip:other.test\", response=\"r\"\r\n"
      "Authorization: Digest username=\"alice@ims.test\", realm=\"ims.test\", nonce=\"n1\", uri=\"sip:ims.test\", "
      "response=\"abc\", algorithm=AKAv1-MD5, qop=auth, nc=00000001, cnonce=\"cn\", auts=\"AAAA\"\r\n"
      "Content-Length: 0\r\n\r\n");
  const auto parsed = sip::parse_message(text);
  ASSERT_TRUE(parsed.well_formed());
  const auto c = find_credentials(*parsed.message, "ims.test");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->username, "alice@ims.test");
  EXPECT_EQ(c->nonce, "n1");
  EXPECT_EQ(c->algorithm, "AKAv1-MD5");
  EXPECT_EQ(c->auts, "AAAA");
}

}  // namespace
}  // namespace imsbox::scscf

namespace imsbox::scscf {
namespace {

std::vector<std::string> csv_fields(const std::string& line) {
  std::vector<std::string> out;
  std::string cur;
  bool quoted = false;
  for (const char c : line) {
    if (c == '"') {
      quoted = !quoted;
    } else if (c == ',' && !quoted) {
      out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  out.push_back(cur);
  return out;
}

std::vector<std::uint8_t> unhex(const std::string& h) {
  std::vector<std::uint8_t> v;
  for (std::size_t i = 0; i + 1 < h.size(); i += 2) v.push_back(static_cast<std::uint8_t>(std::stoi(h.substr(i, 2), nullptr, 16)));
  return v;
}

// External Digest-AKAv1-MD5 vectors (../shared/testdata): the S-CSCF accepts
// the response a real UE (or SIPp) computed, RES with NUL bytes included.
TEST(AuthenticatorVectors, AkaV1ResponsesOfOthersVerify) {
  std::ifstream in(std::string(IMSBOX_TESTDATA) + "/digest_akav1_md5_vectors.csv");
  ASSERT_TRUE(in) << "no test data";
  std::string line;
  std::getline(in, line);
  int checked = 0;
  while (std::getline(in, line)) {
    const auto f = csv_fields(line);
    if (f.size() < 17 || f[1] == "plain MD5 digest") continue;
    const auto nonce_bytes = base64_decode(f[8]);
    ASSERT_TRUE(nonce_bytes);
    ASSERT_EQ(nonce_bytes->size(), 32u) << f[0];
    Authenticator a(Authenticator::Options{f[10], 5, std::chrono::seconds(60), std::chrono::seconds(60), 0},
                    [](std::uint8_t* out, std::size_t n) { std::fill(out, out + n, 0); });
    diameter::SipAuthDataItem item;
    item.authentication_scheme = "Digest-AKAv1-MD5";
    item.sip_authenticate = *nonce_bytes;
    item.sip_authorization = runtime::SecretBytes(unhex(f[7]));
    item.confidentiality_key = runtime::SecretBytes(std::vector<std::uint8_t>(16, 1));
    item.integrity_key = runtime::SecretBytes(std::vector<std::uint8_t>(16, 2));
    const runtime::Clock::MonotonicTime now{};
    const auto c = a.challenge(f[9], "sip:x@" + f[10], {item}, now);
    ASSERT_EQ(c.size(), 1u);
    DigestCredentials cr;
    cr.username = f[9];
    cr.realm = f[10];
    cr.nonce = f[8];
    cr.uri = f[12];
    cr.nc = f[13];
    cr.cnonce = f[14];
    cr.qop = f[15];
    cr.response = f[16];
    cr.algorithm = "AKAv1-MD5";
    EXPECT_EQ(a.verify(f[9], cr, f[11], now).verdict, Authenticator::Verdict::ok) << f[0];
    ++checked;
  }
  EXPECT_GE(checked, 3);
}

}  // namespace
}  // namespace imsbox::scscf
