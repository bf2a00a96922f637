#include "ims/identity.h"

#include <gtest/gtest.h>

#include "sip/parser.h"

namespace imsbox::ims {
namespace {

sip::Message register_(const std::string& to, const std::string& extra = "") {
  auto r = sip::parse_message("REGISTER sip:ims.test SIP/2.0\r\n"
                              "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK1\r\n"
                              "Max-Forwards: 70\r\n"
                              "From: " + to + ";tag=1\r\n"
                              "To: " + to + "\r\n"
                              "Call-ID: reg-1\r\n"
                              "CSeq: 1 REGISTER\r\n"
                              "Contact: <sip:ue@192.0.2.1:5060>\r\n" + extra + "Content-Length: 0\r\n\r\n");
  EXPECT_TRUE(r.well_formed()) << r.reason;
  return std::move(*r.message);
}

TEST(Identity, PublicIdentityDropsParametersAndHeaders) {
  EXPECT_EQ(public_identity("sip:alice@ims.test;user=phone?subject=x"), "sip:alice@ims.test");
  EXPECT_EQ(public_identity("sips:alice@ims.test:5061;transport=tls"), "sips:alice@ims.test:5061");
  EXPECT_EQ(public_identity("tel:+15550100;phone-context=ims.test"), "tel:+15550100");
  EXPECT_EQ(public_identity("mailto:alice@ims.test"), std::nullopt);
}

TEST(Identity, TelephoneNumbersAreTelUrisWithoutVisualSeparators) {
  EXPECT_EQ(public_identity("tel:+1-555-0100"), "tel:+15550100");
  EXPECT_EQ(public_identity("tel:+1.555.(0100)"), "tel:+15550100");
  EXPECT_EQ(public_identity("sip:+1-555-0100@ims.test;user=phone"), "tel:+15550100");
  EXPECT_EQ(public_identity("sip:+15550100;isub=12@ims.test;user=phone"), "tel:+15550100");
  EXPECT_EQ(public_identity("sip:+15550100@ims.test"), "sip:+15550100@ims.test");  // no user=phone: a SIP user
  EXPECT_EQ(public_identity("sip:5550100@ims.test;user=phone"), "sip:5550100@ims.test");  // not a global number
}

TEST(Identity, ImpuIsTheToUriWithoutParameters) {
  EXPECT_EQ(register_impu(register_("<sip:alice@ims.test;user=phone>")), "sip:alice@ims.test");
  EXPECT_EQ(register_impu(register_("\"Alice\" <sips:alice@ims.test:5061>")), "sips:alice@ims.test:5061");
  EXPECT_EQ(register_impu(register_("<tel:+15550100;phone-context=ims.test>")), "tel:+15550100");
}

TEST(Identity, ImpiIsTheAuthorizationUsername) {
  const auto r = register_("<sip:alice@ims.test>",
                           "Authorization: Digest username=\"001010000000001@ims.test\", realm=\"ims.test\", "
                           "nonce=\"\", uri=\"sip:ims.test\", response=\"\"\r\n");
  EXPECT_EQ(register_impi(r, "ims.test"), "001010000000001@ims.test");
}

TEST(Identity, ABareUsernameIsCompletedWithTheRealmToANai) {
  // softphones (baresip, Zoiper) and JsSIP without authorization_user send
  // the user name alone: TS 23.003 §13.3 username@realm
  const auto auth = [](const std::string& params) {
    return register_("<sip:alice@ims.test>", "Authorization: Digest " + params +
                                                 ", nonce=\"abc\", uri=\"sip:ims.test\", response=\"00\"\r\n");
  };
  EXPECT_EQ(register_impi(auth("username=\"alice\", realm=\"ims.test\""), "ims.test"), "alice@ims.test");
  // the user of the Authorization, not of To; the realm of the Authorization (the one the challenge gave)
  EXPECT_EQ(register_impi(auth("username=\"carol\", realm=\"ims.test\""), "ims.test"), "carol@ims.test");
  EXPECT_EQ(register_impi(auth("username=\"alice\", realm=\"other.test\""), "ims.test"), "alice@other.test");
  // no realm: the home domain's
  EXPECT_EQ(register_impi(auth("username=\"alice\""), "ims.test"), "alice@ims.test");
  // a NAI stays as it is
  EXPECT_EQ(register_impi(auth("username=\"alice@ims.test\", realm=\"ims.test\""), "ims.test"), "alice@ims.test");
  EXPECT_EQ(register_impi(auth("username=\"alice@other.test\", realm=\"ims.test\""), "ims.test"),
            "alice@other.test");
}

TEST(Identity, ImpiOfTheHomeRealmWinsOverOthers) {
  const auto r = register_("<sip:alice@ims.test>",
                           "Authorization: Digest username=\"other@visited.test\", realm=\"visited.test\"\r\n"
                           "Authorization: Digest username=\"home@ims.test\", realm=\"ims.test\"\r\n");
  EXPECT_EQ(register_impi(r, "ims.test"), "home@ims.test");
}

TEST(Identity, WithoutAuthorizationTheImpiIsDerivedFromTheImpu) {
  EXPECT_EQ(register_impi(register_("<sip:alice@ims.test>"), "ims.test"), "alice@ims.test");
  EXPECT_EQ(register_impi(register_("<tel:+15550100>"), "ims.test"), "+15550100@ims.test");
  // an Authorization without a username (or of another scheme) does not count
  EXPECT_EQ(register_impi(register_("<sip:bob@ims.test>", "Authorization: Basic Ym9iOng=\r\n"), "ims.test"),
            "bob@ims.test");
  EXPECT_FALSE(register_impi(register_("<sip:ims.test>"), "ims.test"));
}

}  // namespace
}  // namespace imsbox::ims
