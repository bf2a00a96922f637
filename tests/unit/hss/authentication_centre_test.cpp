#include "hss/authentication_centre.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>

#include "hss/provisioning.h"
#include "store/database.h"
#include "store/subscriber_table.h"
#include "unit/test_dir.h"

namespace imsbox::hss {
namespace {

using testing::TempDir;

// TS 35.207 test set 1
constexpr const char* kK = "465b5ce8b199b49faa5f0a2ee238a6bc";
constexpr const char* kOpc = "cd63cb71954a9f4e48a5994e37a02baf";
constexpr const char* kRand = "23553cbe9637a89d218ae64dae47bf35";
constexpr std::uint64_t kSqn = 0xff9bb4d0b607;
constexpr const char* kAmf = "b9b9";
constexpr const char* kMacA = "4a9ffac354dfafb3";
constexpr const char* kRes = "a54211d5e3ba50bf";
constexpr const char* kCk = "b40ba9a3c58b2a05bbf0d987b21bf8cb";
constexpr const char* kIk = "f769bcd751044604127672711c6d3441";
constexpr const char* kAk = "aa689c648370";

template <std::size_t N>
std::array<std::uint8_t, N> bytes(const char* hex) {
  const auto v = parse_hex("test", hex, N);
  std::array<std::uint8_t, N> out{};
  std::copy(v.begin(), v.end(), out.begin());
  return out;
}

std::string hex_of(std::uint64_t v) {
  char buf[13];
  std::snprintf(buf, sizeof buf, "%012llx", static_cast<unsigned long long>(v));
  return buf;
}

class AuthenticationCentreTest : public ::testing::Test {
 protected:
  AuthenticationCentreTest() : db_(store::Database::open(dir_ / "box.db", "hss")), prov_(db_, "ims.test") {}

  void add_sim(const std::string& impi, const char* k, const char* opc, std::uint64_t sqn, const char* amf = kAmf) {
    NewSubscriber s;
    s.impi = impi;
    s.impus = {"sip:" + impi};
    s.k = k;
    s.opc = opc;
    s.amf = amf;
    s.sqn = hex_of(sqn);
    prov_.add(s, 0);
  }

  std::uint64_t stored_sqn(const std::string& impi) { return store::SubscriberTable(db_).sim(impi)->sqn; }

  // Hands out the given RAND for every vector.
  RandomSource fixed(aka::Block rand) {
    return [rand](std::span<std::uint8_t> out) {
      for (std::size_t i = 0; i + 16 <= out.size(); i += 16) std::memcpy(out.data() + i, rand.data(), 16);
    };
  }

  TempDir dir_;
  store::Database db_;
  Provisioning prov_;
};

TEST_F(AuthenticationCentreTest, VectorMatchesTs35207AndItsSqnIsStoredFirst) {
  add_sim("alice@ims.test", kK, kOpc, kSqn - 1);
  AuthenticationCentre auc(db_, SqnPolicy(0), fixed(bytes<16>(kRand)));
  const auto issued = auc.issue("alice@ims.test", 1);
  ASSERT_EQ(issued.outcome, AuthenticationCentre::Outcome::ok);
  ASSERT_EQ(issued.vectors.size(), 1u);
  const auto& v = issued.vectors[0];
  EXPECT_EQ(v.sqn, kSqn);
  EXPECT_EQ(v.rand, bytes<16>(kRand));
  EXPECT_EQ(v.xres, bytes<8>(kRes));
  EXPECT_EQ(v.ck, bytes<16>(kCk));
  EXPECT_EQ(v.ik, bytes<16>(kIk));
  // AUTN = SQN xor AK || AMF || MAC-A, from the set's own columns
  aka::Autn autn{};
  const auto ak = bytes<6>(kAk);
  for (int i = 0; i < 6; ++i) autn[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>((kSqn >> (8 * (5 - i))) & 0xff) ^ ak[static_cast<std::size_t>(i)];
  const auto amf = bytes<2>(kAmf);
  const auto mac = bytes<8>(kMacA);
  std::copy(amf.begin(), amf.end(), autn.begin() + 6);
  std::copy(mac.begin(), mac.end(), autn.begin() + 8);
  EXPECT_EQ(v.autn, autn);
  const auto sip_authenticate = v.sip_authenticate();
  EXPECT_TRUE(std::equal(v.rand.begin(), v.rand.end(), sip_authenticate.begin()));
  EXPECT_TRUE(std::equal(autn.begin(), autn.end(), sip_authenticate.begin() + 16));
  EXPECT_EQ(stored_sqn("alice@ims.test"), kSqn);
}

TEST_F(AuthenticationCentreTest, ABatchTakesSuccessiveSqnsWithCyclingInd) {
  add_sim("alice@ims.test", kK, kOpc, (5u << 5) | 30);
  AuthenticationCentre auc(db_, SqnPolicy(5), system_random());
  const auto issued = auc.issue("alice@ims.test", 3);
  ASSERT_EQ(issued.vectors.size(), 3u);
  EXPECT_EQ(issued.vectors[0].sqn, (6u << 5) | 31);
  EXPECT_EQ(issued.vectors[1].sqn, (7u << 5) | 0);
  EXPECT_EQ(issued.vectors[2].sqn, (8u << 5) | 1);
  EXPECT_NE(issued.vectors[0].rand, issued.vectors[1].rand);  // CSPRNG: fresh RAND each
  EXPECT_EQ(stored_sqn("alice@ims.test"), (8u << 5) | 1);
  // the next request continues after the batch, never repeating an SQN
  EXPECT_EQ(auc.issue("alice@ims.test", 1).vectors.at(0).sqn, (9u << 5) | 2);
}

TEST_F(AuthenticationCentreTest, NoResHasAZeroByte) {
  // With RANDs from a counter, some of 400 vectors would have a RES with a
  // zero byte (1 in 32 does); the HSS draws those RANDs again.
  add_sim("alice@ims.test", kK, kOpc, 0);
  std::uint64_t counter = 0;
  AuthenticationCentre auc(db_, SqnPolicy(5), [&counter](std::span<std::uint8_t> out) {
    for (auto& b : out) b = static_cast<std::uint8_t>(++counter * 0x9e3779b97f4a7c15ULL >> 56);
  });
  int redrawn = 0;
  for (int i = 0; i < 400; ++i) {
    const auto before = counter;
    const auto issued = auc.issue("alice@ims.test", 1);
    ASSERT_EQ(issued.vectors.size(), 1u);
    const auto& xres = issued.vectors[0].xres;
    EXPECT_EQ(std::find(xres.begin(), xres.end(), 0), xres.end()) << "vector " << i;
    if (counter - before > 16) ++redrawn;
  }
  EXPECT_GT(redrawn, 0);  // the counter did hit such RANDs
}

TEST_F(AuthenticationCentreTest, UnknownPasswordOnlyAndExhaustedSubscribers) {
  AuthenticationCentre auc(db_, SqnPolicy(5), system_random());
  EXPECT_EQ(auc.issue("nobody@ims.test", 1).outcome, AuthenticationCentre::Outcome::unknown_subscriber);
  NewSubscriber pw;
  pw.impi = "bob@ims.test";
  pw.impus = {"sip:bob@ims.test"};
  pw.password = "secret";
  prov_.add(pw, 0);
  EXPECT_EQ(auc.issue("bob@ims.test", 1).outcome, AuthenticationCentre::Outcome::no_sim);
  add_sim("full@ims.test", kK, kOpc, kSqnMask);
  const auto issued = auc.issue("full@ims.test", 1);
  EXPECT_EQ(issued.outcome, AuthenticationCentre::Outcome::sqn_exhausted);
  EXPECT_TRUE(issued.vectors.empty());
  EXPECT_EQ(stored_sqn("full@ims.test"), kSqnMask);
}

// ../shared/testdata/auts_resync_vectors.csv, libosmocore row: SQN_MS = 31
constexpr const char* kOsmoK = "000102030405060708090a0b0c0d0e0f";
constexpr const char* kOsmoRand = "00000000000000000000000000000000";
constexpr const char* kOsmoAuts = "8711a0ec9e1637df17f80b384ee4";

TEST_F(AuthenticationCentreTest, ResyncContinuesFromTheUsimsSqn) {
  add_sim("carol@ims.test", kOsmoK, kOsmoK, 3, "0000");
  AuthenticationCentre auc(db_, SqnPolicy(0), system_random());
  EXPECT_EQ(auc.resynchronise("carol@ims.test", bytes<16>(kOsmoRand), bytes<14>(kOsmoAuts)),
            AuthenticationCentre::Outcome::ok);
  EXPECT_EQ(auc.issue("carol@ims.test", 1).vectors.at(0).sqn, 32u);  // "the next vector uses SQN=32"
}

TEST_F(AuthenticationCentreTest, ResyncKeepsAnSqnTheUsimWillAcceptAnyway) {
  add_sim("carol@ims.test", kOsmoK, kOsmoK, 100, "0000");
  AuthenticationCentre auc(db_, SqnPolicy(0), system_random());
  EXPECT_EQ(auc.resynchronise("carol@ims.test", bytes<16>(kOsmoRand), bytes<14>(kOsmoAuts)),
            AuthenticationCentre::Outcome::ok);
  EXPECT_EQ(stored_sqn("carol@ims.test"), 100u);  // SQN_HE 100 > SQN_MS 31: already fresh
}

TEST_F(AuthenticationCentreTest, ResyncWithAWrongMacChangesNothing) {
  add_sim("carol@ims.test", kOsmoK, kOsmoK, 3, "0000");
  AuthenticationCentre auc(db_, SqnPolicy(0), system_random());
  auto auts = bytes<14>(kOsmoAuts);
  auts[13] ^= 1;
  EXPECT_EQ(auc.resynchronise("carol@ims.test", bytes<16>(kOsmoRand), auts),
            AuthenticationCentre::Outcome::mac_failure);
  EXPECT_EQ(stored_sqn("carol@ims.test"), 3u);
}

}  // namespace
}  // namespace imsbox::hss
