#include "aka/digest.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace imsbox::aka
