#include "aka/digest.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <stdexcept>

#include "aka/milenage.h"
#include "unit/shared/aka/testdata_csv.h"

namespace imsbox::aka {
namespace {

TEST(Digest, Ha1Md5MatchesRfc2617Example) {
  // RFC 2617 §3.5: user Mufasa, realm testrealm@host.com, password "Circle Of Life"
  EXPECT_EQ(digest_ha1(DigestAlgorithm::md5, "Mufasa", "testrealm@host.com", "Circle Of Life"),
            "939e7578ed9e3c518a452acee763bce9");
}

TEST(Digest, Ha1Sha256ForRfc7616Example) {
  // RFC 7616 §3.9.1 credentials; H(A1) computed independently with sha256sum
  EXPECT_EQ(digest_ha1(DigestAlgorithm::sha256, "Mufasa", "http-auth@example.org", "Circle of Life"),
            "7987c64c30e25f1b74be53f966b49b90f2808aa92faf9a00262392d7b4794232");
  EXPECT_EQ(digest_ha1(DigestAlgorithm::md5, "Mufasa", "http-auth@example.org", "Circle of Life"),
            "3d78807defe7de2157e2b0b6573a855f");
}

TEST(Digest, ResponseMatchesRfc2617Example) {
  // RFC 2617 §3.5: GET /dir/index.html, qop=auth
  const auto ha1 = digest_ha1(DigestAlgorithm::md5, "Mufasa", "testrealm@host.com", "Circle Of Life");
  EXPECT_EQ(digest_response(DigestAlgorithm::md5, ha1, "dcd98b7102dd2f0e8b11d0f600bfb0c093", "00000001", "0a4f113b",
                            "auth", "GET", "/dir/index.html"),
            "6629fae49393a05397450978507c4ef1");
}

TEST(Digest, ResponseMatchesRfc7616Sha256Example) {
  // RFC 7616 §3.9.1
  const auto ha1 = digest_ha1(DigestAlgorithm::sha256, "Mufasa", "http-auth@example.org", "Circle of Life");
  EXPECT_EQ(digest_response(DigestAlgorithm::sha256, ha1, "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", "00000001",
                            "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ", "auth", "GET", "/dir/index.html"),
            "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1");
}

TEST(Digest, ResponseWithoutQopIsRfc2069Form) {
  // MD5(HA1 ":" nonce ":" MD5("GET:/dir/index.html")) for the RFC 2617 §3.5
  // credentials, computed independently with md5sum; nc and cnonce play no part.
  const auto ha1 = digest_ha1(DigestAlgorithm::md5, "Mufasa", "testrealm@host.com", "Circle Of Life");
  EXPECT_EQ(digest_response(DigestAlgorithm::md5, ha1, "dcd98b7102dd2f0e8b11d0f600bfb0c093", "", "", "", "GET",
                            "/dir/index.html"),
            "670fd8c2df070c60b045671b8b24ff02");
  EXPECT_EQ(digest_response(DigestAlgorithm::md5, ha1, "dcd98b7102dd2f0e8b11d0f600bfb0c093", "00000001", "0a4f113b",
                            "", "GET", "/dir/index.html"),
            "670fd8c2df070c60b045671b8b24ff02");
}

TEST(Digest, ResponseRefusesAuthInt) {
  EXPECT_THROW(digest_response(DigestAlgorithm::md5, "x", "n", "00000001", "c", "auth-int", "GET", "/"),
               std::invalid_argument);
}

template <std::size_t N>
std::array<std::uint8_t, N> hex_array(const std::string& h) {
  if (h.size() != 2 * N) throw std::invalid_argument("'" + h + "' is not " + std::to_string(N) + " bytes of hex");
  std::array<std::uint8_t, N> b{};
  for (std::size_t i = 0; i < N; ++i) b[i] = static_cast<std::uint8_t>(std::stoi(h.substr(2 * i, 2), nullptr, 16));
  return b;
}

std::string hex_bytes(const std::string& h) {
  std::string out;
  for (std::size_t i = 0; i + 1 < h.size(); i += 2) out += static_cast<char>(std::stoi(h.substr(i, 2), nullptr, 16));
  return out;
}

std::string base64(const std::string& bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

// Digest-AKAv1-MD5 (RFC 3310 §3.4): the ordinary MD5 digest with the raw RES
// bytes as the password, from ../shared/testdata/digest_akav1_md5_vectors.csv.
TEST(Digest, AkaV1Md5Vectors) {
  int rows = 0, milenage_rows = 0;
  for (const auto& row : testdata::read_csv("digest_akav1_md5_vectors.csv")) {
    SCOPED_TRACE(row.at("source"));
    const std::string& kind = row.at("algorithm_for_AKA");
    const bool aka = kind != "plain MD5 digest";
    // XRES is hex for AKA (binary, may hold NULs), the text password otherwise
    const std::string password = aka ? hex_bytes(row.at("XRES(password)")) : row.at("XRES(password)");
    if (aka) {
      ASSERT_EQ(password.size() * 2, row.at("XRES(password)").size());
    }
    const std::string& nonce = row.at("nonce(base64 RAND||AUTN)");
    if (kind == "Milenage") {
      // RES and the nonce RAND || AUTN come out of our own Milenage as well
      Milenage m(hex_array<16>(row.at("K")), hex_array<16>(row.at("OPc")));
      const auto rand = hex_array<16>(row.at("RAND"));
      const auto v = generate_vector(m, rand, hex_array<6>(row.at("SQN")), hex_array<2>(row.at("AMF")));
      EXPECT_EQ(std::string(v.xres.begin(), v.xres.end()), password);
      std::string rand_autn(rand.begin(), rand.end());
      rand_autn.append(v.autn.begin(), v.autn.end());
      EXPECT_EQ(base64(rand_autn), nonce);
      ++milenage_rows;
    }
    const auto ha1 = digest_ha1(DigestAlgorithm::md5, row.at("username"), row.at("realm"), password);
    EXPECT_EQ(digest_response(DigestAlgorithm::md5, ha1, nonce, row.at("nc"), row.at("cnonce"), row.at("qop"),
                              row.at("method"), row.at("uri")),
              row.at("expected_response"));
    ++rows;
  }
  EXPECT_EQ(rows, 4);
  EXPECT_EQ(milenage_rows, 1);
}

}  // namespace
}  // namespace imsbox::aka
