#include "sip/uri.h"

#include <gtest/gtest.h>

namespace imsbox::sip {
namespace {

TEST(Uri, SipWithUserHostPortParamsHeaders) {
  const auto r = parse_uri("sip:alice@ims.example.org:5060;transport=tcp;lr?subject=hi&priority=urgent");
  ASSERT_TRUE(r.uri) << r.error;
  EXPECT_EQ(r.uri->scheme, Uri::Scheme::sip);
  EXPECT_EQ(r.uri->user, "alice");
  EXPECT_EQ(r.uri->host, "ims.example.org");
  EXPECT_EQ(r.uri->port, 5060);
  EXPECT_EQ(r.uri->params, "transport=tcp;lr");
  EXPECT_EQ(r.uri->headers, "subject=hi&priority=urgent");
}

TEST(Uri, SchemeIsCaseInsensitiveAndSipsAccepted) {
  EXPECT_EQ(parse_uri("SIP:a@b.org").uri->scheme, Uri::Scheme::sip);
  EXPECT_EQ(parse_uri("sips:a@b.org").uri->scheme, Uri::Scheme::sips);
}

TEST(Uri, HostForms) {
  EXPECT_TRUE(parse_uri("sip:example.org").uri);
  EXPECT_TRUE(parse_uri("sip:u@192.0.2.1:5061").uri);
  const auto v6 = parse_uri("sip:u@[2001:db8::10]:5070");
  ASSERT_TRUE(v6.uri) << v6.error;
  EXPECT_EQ(v6.uri->host, "[2001:db8::10]");
  EXPECT_EQ(v6.uri->port, 5070);
  EXPECT_TRUE(parse_uri("sip:[::1]").uri);
  EXPECT_TRUE(parse_uri("sip:u@[::ffff:192.0.2.1]").uri);
  EXPECT_TRUE(parse_uri("sip:host.example.org.").uri);  // fully qualified
}

TEST(Uri, EscapesAndUserUnreserved) {
  EXPECT_TRUE(parse_uri("sip:%61lice@example.org").uri);
  EXPECT_TRUE(parse_uri("sip:+1-555;phone-context=x@example.org;user=phone").uri);
  EXPECT_FALSE(parse_uri("sip:%6@example.org").uri);
  EXPECT_FALSE(parse_uri("sip:%zz@example.org").uri);
}

TEST(Uri, Malformed) {
  for (const char* bad : {"alice@example.org", "http://example.org", "sip:", "sip:@example.org",
                          "sip:a b@example.org", "sip:a@", "sip:a@example.org:99999", "sip:a@example.org:",
                          "sip:a@[2001:db8::1", "sip:a@2001:db8::1", "sip:a@-bad.org", "sip:a@exa_mple.org",
                          "sip:a@example.org;", "sip:a@example.org;=x", "sip:a@example.org?x",
                          "sip:a@[1:2:3:4:5:6:7:8:9]", "sip:a@[1::2::3]", "sip:a@1.2.3.4.5x"}) {
    EXPECT_FALSE(parse_uri(bad).uri) << bad;
    EXPECT_FALSE(parse_uri(bad).error.empty()) << bad;
  }
}

TEST(Uri, TelGlobalAndLocal) {
  const auto g = parse_uri("tel:+1-201-555-0123");
  ASSERT_TRUE(g.uri) << g.error;
  EXPECT_EQ(g.uri->scheme, Uri::Scheme::tel);
  EXPECT_TRUE(g.uri->global_number);
  EXPECT_EQ(g.uri->number, "+1-201-555-0123");
  const auto l = parse_uri("tel:7042;phone-context=example.com");
  ASSERT_TRUE(l.uri) << l.error;
  EXPECT_FALSE(l.uri->global_number);
  EXPECT_EQ(l.uri->params, "phone-context=example.com");
  EXPECT_TRUE(parse_uri("tel:*21#;phone-context=+1").uri);
}

TEST(Uri, TelMalformed) {
  for (const char* bad : {"tel:", "tel:+", "tel:+1 555", "tel:+1a55", "tel:7042", "tel:+1555;=x",
                          "tel:+1555;phone-context="}) {
    EXPECT_FALSE(parse_uri(bad).uri) << bad;
  }
}

}  // namespace
}  // namespace imsbox::sip
