#include "aka/milenage.h"

#include <gtest/gtest.h>

#include <ostream>
#include <stdexcept>
#include <string>

#include "unit/shared/aka/testdata_csv.h"

namespace imsbox::aka {
namespace {

using testdata::read_csv;

template <std::size_t N>
std::array<std::uint8_t, N> hex(const std::string& h) {
  if (h.size() != 2 * N) throw std::invalid_argument("'" + h + "' is not " + std::to_string(N) + " bytes of hex");
  std::array<std::uint8_t, N> b{};
  for (std::size_t i = 0; i < N; ++i) {
    std::size_t used = 0;
    b[i] = static_cast<std::uint8_t>(std::stoi(h.substr(2 * i, 2), &used, 16));
    if (used != 2) throw std::invalid_argument("'" + h + "' is not hex");
  }
  return b;
}

// None of the types that carry K, OPc or keys derived from them can be
// streamed into a log line.
template <typename T>
concept Streamable = requires(std::ostream& os, const T& t) { os << t; };
static_assert(!Streamable<Milenage>);
static_assert(!Streamable<Milenage::Outputs>);
static_assert(!Streamable<Milenage::F2345>);
static_assert(!Streamable<AuthenticationVector>);
static_assert(!Streamable<Block>);
static_assert(!Streamable<Ak>);

// The six test sets of TS 35.207 §4 (= TS 35.208 sets 1-6), every output.
TEST(Milenage, OpcMatchesTs35207TestSets) {
  int sets = 0;
  for (const auto& row : read_csv("milenage_ts35207.csv")) {
    EXPECT_EQ(compute_opc(hex<16>(row.at("K")), hex<16>(row.at("OP"))), hex<16>(row.at("OPc"))) << "set " << row.at("set");
    ++sets;
  }
  EXPECT_EQ(sets, 6);
}

TEST(Milenage, EachFunctionMatchesTs35207TestSets) {
  int sets = 0;
  for (const auto& row : read_csv("milenage_ts35207.csv")) {
    SCOPED_TRACE("test set " + row.at("set"));
    Milenage m(hex<16>(row.at("K")), hex<16>(row.at("OPc")));
    const auto rand = hex<16>(row.at("RAND"));
    const auto sqn = hex<6>(row.at("SQN"));
    const auto amf = hex<2>(row.at("AMF"));
    EXPECT_EQ(m.f1(rand, sqn, amf), hex<8>(row.at("f1")));
    EXPECT_EQ(m.f1star(rand, sqn, amf), hex<8>(row.at("f1star")));
    const auto f = m.f2345(rand);
    EXPECT_EQ(f.res, hex<8>(row.at("f2_RES")));
    EXPECT_EQ(f.ck, hex<16>(row.at("f3_CK")));
    EXPECT_EQ(f.ik, hex<16>(row.at("f4_IK")));
    EXPECT_EQ(f.ak, hex<6>(row.at("f5_AK")));
    EXPECT_EQ(m.f5star(rand), hex<6>(row.at("f5star_AK")));
    ++sets;
  }
  EXPECT_EQ(sets, 6);
}

TEST(Milenage, ComputeGivesEveryOutputOfTs35207TestSets) {
  int sets = 0;
  for (const auto& row : read_csv("milenage_ts35207.csv")) {
    SCOPED_TRACE("test set " + row.at("set"));
    const auto k = hex<16>(row.at("K"));
    // keyed with the OPc derived here from OP, not the one in the table
    Milenage m(k, compute_opc(k, hex<16>(row.at("OP"))));
    const auto o = m.compute(hex<16>(row.at("RAND")), hex<6>(row.at("SQN")), hex<2>(row.at("AMF")));
    EXPECT_EQ(o.mac_a, hex<8>(row.at("f1")));
    EXPECT_EQ(o.mac_s, hex<8>(row.at("f1star")));
    EXPECT_EQ(o.res, hex<8>(row.at("f2_RES")));
    EXPECT_EQ(o.ck, hex<16>(row.at("f3_CK")));
    EXPECT_EQ(o.ik, hex<16>(row.at("f4_IK")));
    EXPECT_EQ(o.ak, hex<6>(row.at("f5_AK")));
    EXPECT_EQ(o.ak_star, hex<6>(row.at("f5star_AK")));
    ++sets;
  }
  EXPECT_EQ(sets, 6);
}

// One Milenage serves many challenges: a second RAND does not see the first.
TEST(Milenage, ReusedForSeveralChallenges) {
  const auto rows = read_csv("milenage_ts35207.csv");
  ASSERT_GE(rows.size(), 2u);
  const auto k = hex<16>(rows[0].at("K"));
  Milenage m(k, hex<16>(rows[0].at("OPc")));
  const auto rand1 = hex<16>(rows[0].at("RAND"));
  const auto first = m.compute(rand1, hex<6>(rows[0].at("SQN")), hex<2>(rows[0].at("AMF")));
  const auto other = m.compute(hex<16>(rows[1].at("RAND")), hex<6>(rows[0].at("SQN")), hex<2>(rows[0].at("AMF")));
  EXPECT_NE(other.res, first.res);
  EXPECT_EQ(m.f2345(rand1).res, hex<8>(rows[0].at("f2_RES")));

  Milenage moved = std::move(m);
  EXPECT_EQ(moved.f2345(rand1).ck, hex<16>(rows[0].at("f3_CK")));
}

TEST(Aka, AutnIsSqnXorAkAmfMacA) {
  // test set 1: SQN ff9bb4d0b607 xor AK aa689c648370 = 55f328b43577
  EXPECT_EQ(make_autn(hex<6>("ff9bb4d0b607"), hex<6>("aa689c648370"), hex<2>("b9b9"), hex<8>("4a9ffac354dfafb3")),
            hex<16>("55f328b43577b9b94a9ffac354dfafb3"));
}

TEST(Aka, GenerateVectorMatchesTs35207TestSets) {
  int sets = 0;
  for (const auto& row : read_csv("milenage_ts35207.csv")) {
    SCOPED_TRACE("test set " + row.at("set"));
    Milenage m(hex<16>(row.at("K")), hex<16>(row.at("OPc")));
    const auto rand = hex<16>(row.at("RAND"));
    const auto sqn = hex<6>(row.at("SQN"));
    const auto amf = hex<2>(row.at("AMF"));
    const auto v = generate_vector(m, rand, sqn, amf);
    EXPECT_EQ(v.rand, rand);
    EXPECT_EQ(v.xres, hex<8>(row.at("f2_RES")));
    EXPECT_EQ(v.ck, hex<16>(row.at("f3_CK")));
    EXPECT_EQ(v.ik, hex<16>(row.at("f4_IK")));
    // AUTN from the table's own AK and MAC-A
    const auto ak = hex<6>(row.at("f5_AK"));
    Autn autn{};
    for (std::size_t i = 0; i < 6; ++i) autn[i] = sqn[i] ^ ak[i];
    autn[6] = amf[0];
    autn[7] = amf[1];
    const auto mac_a = hex<8>(row.at("f1"));
    for (std::size_t i = 0; i < 8; ++i) autn[8 + i] = mac_a[i];
    EXPECT_EQ(v.autn, autn);
    ++sets;
  }
  EXPECT_EQ(sets, 6);
}

TEST(Aka, ResyncRecoversSqnMsFromAuts) {
  int rows = 0;
  for (const auto& row : read_csv("auts_resync_vectors.csv")) {
    SCOPED_TRACE(row.at("source"));
    ASSERT_EQ(row.at("expected_MAC_S_valid"), "yes");
    Milenage m(hex<16>(row.at("K")), hex<16>(row.at("OPc")));
    const auto sqn_ms = resync_sqn_ms(m, hex<16>(row.at("RAND")), hex<14>(row.at("AUTS")));
    ASSERT_TRUE(sqn_ms.has_value());
    EXPECT_EQ(*sqn_ms, hex<6>(row.at("expected_SQN_MS")));
    ++rows;
  }
  EXPECT_EQ(rows, 3);
}

TEST(Aka, ResyncRejectsTamperedAuts) {
  for (const auto& row : read_csv("auts_resync_vectors.csv")) {
    SCOPED_TRACE(row.at("source"));
    Milenage m(hex<16>(row.at("K")), hex<16>(row.at("OPc")));
    const auto rand = hex<16>(row.at("RAND"));
    const auto auts = hex<14>(row.at("AUTS"));
    ASSERT_TRUE(resync_sqn_ms(m, rand, auts).has_value());
    // a flipped bit anywhere, in the concealed SQN_MS or in MAC-S, is caught
    for (std::size_t i = 0; i < auts.size(); ++i) {
      auto tampered = auts;
      tampered[i] ^= 0x01;
      EXPECT_FALSE(resync_sqn_ms(m, rand, tampered).has_value()) << "byte " << i;
    }
    // so is an AUTS presented with another RAND
    auto other_rand = rand;
    other_rand[15] ^= 0x80;
    EXPECT_FALSE(resync_sqn_ms(m, other_rand, auts).has_value());
  }
}

// What a USIM would send (TS 33.102 §6.3.3), built from f5* and f1* with the
// dummy AMF 0000, resynchronises to its SQN_MS.
TEST(Aka, ResyncRoundTripsWithUsimSideAuts) {
  for (const auto& row : read_csv("milenage_ts35207.csv")) {
    SCOPED_TRACE("test set " + row.at("set"));
    Milenage m(hex<16>(row.at("K")), hex<16>(row.at("OPc")));
    const auto rand = hex<16>(row.at("RAND"));
    const auto sqn_ms = hex<6>(row.at("SQN"));
    const auto ak_star = m.f5star(rand);
    const auto mac_s = m.f1star(rand, sqn_ms, Amf{});
    Auts auts{};
    for (std::size_t i = 0; i < 6; ++i) auts[i] = sqn_ms[i] ^ ak_star[i];
    for (std::size_t i = 0; i < 8; ++i) auts[6 + i] = mac_s[i];
    EXPECT_EQ(resync_sqn_ms(m, rand, auts), sqn_ms);
    // MAC-S with the set's own AMF is not MAC-S with AMF 0000
    for (std::size_t i = 0; i < 8; ++i) auts[6 + i] = hex<8>(row.at("f1star"))[i];
    EXPECT_FALSE(resync_sqn_ms(m, rand, auts).has_value());
  }
}

TEST(Aka, MacEqualComparesEveryByte) {
  const Mac a = hex<8>("4a9ffac354dfafb3");
  EXPECT_TRUE(mac_equal(a, a));
  for (std::size_t i = 0; i < a.size(); ++i) {
    auto b = a;
    b[i] ^= 0x40;
    EXPECT_FALSE(mac_equal(a, b)) << "byte " << i;
  }
}

}  // namespace
}  // namespace imsbox::aka
