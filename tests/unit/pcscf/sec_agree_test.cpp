// RFC 3329 sec-agree for IMS-AKA IPsec: Security-Client parsing, the
// P-CSCF's choice, Security-Server, the headers it strips (TS 24.229
// §5.2.2.1), and the keys of TS 33.203 Annex I.
#include "pcscf/sec_agree.h"

#include <gtest/gtest.h>

#include "unit/proxy_fakes.h"

namespace imsbox::pcscf {
namespace {

using ipsec::EncryptionAlgorithm;
using ipsec::IntegrityAlgorithm;
using sip::HeaderId;
using test::parse;

sip::Message register_with(std::string_view extra) {
  return parse(std::string("REGISTER sip:ims.test SIP/2.0\r\n"
                           "Via: SIP/2.0/UDP 192.0.2.2:5101;branch=z9hG4bKr1\r\n"
                           "Max-Forwards: 70\r\n"
                           "From: <sip:alice@ims.test>;tag=f1\r\n"
                           "To: <sip:alice@ims.test>\r\n"
                           "Call-ID: reg-1@192.0.2.2\r\n"
                           "CSeq: 1 REGISTER\r\n") +
               std::string(extra) + "Content-Length: 0\r\n\r\n");
}

// What a Samsung/Qualcomm handset offers (all four pairs, one SPI pair).
constexpr std::string_view kHandsetOffer =
    "Security-Client: ipsec-3gpp;alg=hmac-md5-96;ealg=null;mod=trans;port-c=50001;port-s=50000;prot=esp;"
    "spi-c=3929102;spi-s=3929103,ipsec-3gpp;alg=hmac-md5-96;ealg=aes-cbc;mod=trans;port-c=50001;port-s=50000;"
    "prot=esp;spi-c=3929102;spi-s=3929103,ipsec-3gpp;alg=hmac-sha-1-96;ealg=null;mod=trans;port-c=50001;"
    "port-s=50000;prot=esp;spi-c=3929102;spi-s=3929103,ipsec-3gpp;alg=hmac-sha-1-96;ealg=aes-cbc;mod=trans;"
    "port-c=50001;port-s=50000;prot=esp;spi-c=3929102;spi-s=3929103\r\n";

TEST(SecAgree, ParsesEveryIpsec3gppOfferOfAHandset) {
  const auto m = security_mechanisms(register_with(kHandsetOffer), HeaderId::security_client);
  ASSERT_EQ(m.error, nullptr);
  ASSERT_EQ(m.ipsec.size(), 4u);
  EXPECT_EQ(m.ipsec[0], (IpsecMechanism{IntegrityAlgorithm::hmac_md5_96, EncryptionAlgorithm::null, 3929102, 3929103,
                                        50001, 50000}));
  EXPECT_EQ(m.ipsec[3].alg, IntegrityAlgorithm::hmac_sha1_96);
  EXPECT_EQ(m.ipsec[3].ealg, EncryptionAlgorithm::aes_cbc);
}

TEST(SecAgree, ChoosesByOurPreferenceNotTheOfferOrder) {
  const auto m = security_mechanisms(register_with(kHandsetOffer), HeaderId::security_client);
  const auto prefs = default_algorithm_pairs();
  const auto chosen = choose_mechanism(m.ipsec, prefs);
  ASSERT_TRUE(chosen);
  EXPECT_EQ(chosen->alg, IntegrityAlgorithm::hmac_sha1_96);  // the last offered, first preferred
  EXPECT_EQ(chosen->ealg, EncryptionAlgorithm::aes_cbc);
  // a preference for MD5 + null picks the first offer instead
  const std::vector<AlgorithmPair> md5_null{{IntegrityAlgorithm::hmac_md5_96, EncryptionAlgorithm::null}};
  EXPECT_EQ(choose_mechanism(m.ipsec, md5_null)->ealg, EncryptionAlgorithm::null);
  // nothing in common
  const std::vector<IpsecMechanism> only_md5{m.ipsec[0]};
  const std::vector<AlgorithmPair> sha_aes{{IntegrityAlgorithm::hmac_sha1_96, EncryptionAlgorithm::aes_cbc}};
  EXPECT_FALSE(choose_mechanism(only_md5, sha_aes));
}

TEST(SecAgree, AbsentEalgIsNullAndUnusableOffersAreSkipped) {
  const auto m = security_mechanisms(
      register_with("Security-Client: digest;d-alg=md5, ipsec-3gpp;alg=hmac-sha-1-96;spi-c=1111;spi-s=2222;"
                    "port-c=5062;port-s=5064, ipsec-3gpp;alg=hmac-sha-1-96;ealg=des-ede3-cbc;spi-c=1;spi-s=2;"
                    "port-c=3;port-s=4, ipsec-3gpp;alg=hmac-sha-1-96;mod=UDP-enc-tun;spi-c=1;spi-s=2;port-c=3;"
                    "port-s=4\r\n"),
      HeaderId::security_client);
  ASSERT_EQ(m.error, nullptr);
  EXPECT_EQ(m.offered, 4u);
  ASSERT_EQ(m.ipsec.size(), 1u);
  EXPECT_EQ(m.ipsec[0].ealg, EncryptionAlgorithm::null);
  EXPECT_EQ(m.ipsec[0].spi_c, 1111u);
  EXPECT_EQ(m.ipsec[0].port_s, 5064);
}

TEST(SecAgree, MalformedMechanismsAreErrors) {
  for (const char* bad : {"ipsec-3gpp;alg=hmac-sha-1-96;spi-s=2;port-c=3;port-s=4",
                          "ipsec-3gpp;alg=hmac-sha-1-96;spi-c=1;spi-s=2;port-c=3;port-s=70000",
                          "ipsec-3gpp;alg=hmac-sha-1-96;spi-c=1;spi-s=4294967296;port-c=3;port-s=4",
                          "ipsec-3gpp;alg=hmac-sha-1-96;spi-c=1;spi-s=2;port-c=0;port-s=4",
                          "ipsec-3gpp;alg=hmac-sha-1-96;prot=ah;spi-c=1;spi-s=2;port-c=3;port-s=4", ";;"}) {
    const auto m = security_mechanisms(register_with(std::string("Security-Client: ") + bad + "\r\n"),
                                       HeaderId::security_client);
    EXPECT_NE(m.error, nullptr) << bad;
  }
}

TEST(SecAgree, SecurityServerParsesBackToTheSameMechanism) {
  const IpsecMechanism ours{IntegrityAlgorithm::hmac_sha1_96, EncryptionAlgorithm::aes_cbc, 70000, 70001, 5100, 5101};
  const auto value = security_server_value(ours);
  EXPECT_EQ(value,
            "ipsec-3gpp;q=0.1;prot=esp;mod=trans;spi-c=70000;spi-s=70001;port-c=5100;port-s=5101;"
            "alg=hmac-sha-1-96;ealg=aes-cbc");
  const auto back = security_mechanisms(register_with("Security-Verify: " + value + "\r\n"), HeaderId::security_verify);
  ASSERT_EQ(back.ipsec.size(), 1u);
  EXPECT_EQ(back.ipsec[0], ours);
  const std::vector<IpsecMechanism> one{ours};
  EXPECT_TRUE(same_mechanisms(back.ipsec, one));
  auto other = ours;
  other.spi_s = 70002;
  const std::vector<IpsecMechanism> changed{other};
  EXPECT_FALSE(same_mechanisms(back.ipsec, changed));
  EXPECT_FALSE(same_mechanisms(back.ipsec, {}));
}

TEST(SecAgree, StripsSecAgreeButKeepsOtherOptions) {
  auto m = register_with(std::string(kHandsetOffer) +
                         "Require: sec-agree, path\r\nProxy-Require: sec-agree\r\nSupported: path, sec-agree\r\n"
                         "Security-Verify: ipsec-3gpp;alg=hmac-sha-1-96;spi-c=1;spi-s=2;port-c=3;port-s=4\r\n");
  strip_sec_agree(m);
  EXPECT_EQ(m.count(HeaderId::security_client), 0u);
  EXPECT_EQ(m.count(HeaderId::security_verify), 0u);
  EXPECT_EQ(m.count(HeaderId::proxy_require), 0u);
  ASSERT_NE(m.find(HeaderId::require), nullptr);
  EXPECT_EQ(m.find(HeaderId::require)->value, "path");
  EXPECT_EQ(m.find(HeaderId::supported)->value, "path, sec-agree");  // Supported stays (TS 24.229)
}

TEST(SecAgree, IntegrityProtectedIsSetAndReplaced) {
  auto m = register_with(
      "Authorization: Digest username=\"alice@ims.test\", realm=\"ims.test\", nonce=\"\", uri=\"sip:ims.test\", "
      "response=\"\", integrity-protected=\"yes\"\r\n");
  set_integrity_protected(m, false);
  const std::string value(m.find(HeaderId::authorization)->value);
  EXPECT_NE(value.find("integrity-protected=\"no\""), std::string::npos) << value;
  EXPECT_EQ(value.find("\"yes\""), std::string::npos) << value;
  EXPECT_EQ(value.find("Digest username=\"alice@ims.test\", realm=\"ims.test\""), 0u) << value;
  set_integrity_protected(m, true);
  EXPECT_NE(std::string(m.find(HeaderId::authorization)->value).find("integrity-protected=\"yes\""), std::string::npos);
}

TEST(SecAgree, AlgorithmPairOption) {
  const auto pairs = parse_algorithm_pairs("hmac-md5-96+null, HMAC-SHA-1-96 + aes-cbc");
  ASSERT_TRUE(pairs);
  ASSERT_EQ(pairs->size(), 2u);
  EXPECT_EQ(to_string((*pairs)[0]), "hmac-md5-96+null");
  EXPECT_EQ(to_string((*pairs)[1]), "hmac-sha-1-96+aes-cbc");
  EXPECT_FALSE(parse_algorithm_pairs(""));
  EXPECT_FALSE(parse_algorithm_pairs("hmac-sha-1-96"));
  EXPECT_FALSE(parse_algorithm_pairs("hmac-sha-1-96+des-ede3-cbc"));
}

}  // namespace
}  // namespace imsbox::pcscf
