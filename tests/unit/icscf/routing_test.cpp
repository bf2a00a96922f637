#include "icscf/routing.h"

#include <gtest/gtest.h>

#include "sip/parser.h"
#include "unit/proxy_fakes.h"

namespace imsbox::icscf {
namespace {

using diameter::CxError;
using diameter::LocationInfoAnswer;
using diameter::Result;
using diameter::ServerCapabilities;
using diameter::UserAuthorizationAnswer;
using diameter::UserAuthorizationType;

const std::vector<std::string> kScscfs = {"sip:scscf.ims.test:6060", "sip:scscf2.ims.test:6060"};

using test::parse;

sip::Message register_request(std::string_view to = "<sip:alice@ims.test>", std::string_view extra = "") {
  return parse("REGISTER sip:ims.test SIP/2.0\r\n"
               "Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKreg1\r\n"
               "Max-Forwards: 70\r\n"
               "From: <sip:alice@ims.test>;tag=f1\r\n"
               "To: " + std::string(to) + "\r\n"
               "Call-ID: reg-1@127.0.0.1\r\n"
               "CSeq: 1 REGISTER\r\n" + std::string(extra) +
               "Content-Length: 0\r\n\r\n");
}

UserAuthorizationAnswer uaa(Result r, std::string server_name = {},
                            std::optional<ServerCapabilities> caps = std::nullopt) {
  UserAuthorizationAnswer a;
  a.header.result = r;
  a.server_name = std::move(server_name);
  a.server_capabilities = std::move(caps);
  return a;
}

LocationInfoAnswer lia(Result r, std::string server_name = {}, std::optional<ServerCapabilities> caps = std::nullopt) {
  LocationInfoAnswer a;
  a.header.result = r;
  a.server_name = std::move(server_name);
  a.server_capabilities = std::move(caps);
  return a;
}

Result exp(std::uint32_t code) { return Result::experimental_code(code); }
Result base(std::uint32_t code) { return Result::base(code); }

// ---- selection ------------------------------------------------------------

TEST(IcscfSelection, FirstConfiguredWithoutCapabilities) {
  EXPECT_EQ(select_scscf(std::nullopt, kScscfs), "sip:scscf.ims.test:6060");
  EXPECT_EQ(select_scscf(ServerCapabilities{{1, 2}, {3}, {}}, kScscfs), "sip:scscf.ims.test:6060");
}

TEST(IcscfSelection, PrefersNamesOfTheCapabilities) {
  // a named one we also know wins over an unknown one named first
  EXPECT_EQ(select_scscf(ServerCapabilities{{}, {}, {"sip:other.ims.test", "SIP:scscf2.ims.test:6060"}}, kScscfs),
            "SIP:scscf2.ims.test:6060");
  // an unknown name still beats the configured list
  EXPECT_EQ(select_scscf(ServerCapabilities{{}, {}, {"sip:other.ims.test"}}, kScscfs), "sip:other.ims.test");
}

TEST(IcscfSelection, SkipsExcluded) {
  EXPECT_EQ(select_scscf(std::nullopt, kScscfs, {"sip:scscf.ims.test:6060"}), "sip:scscf2.ims.test:6060");
  EXPECT_EQ(select_scscf(ServerCapabilities{{}, {}, {"sip:scscf2.ims.test:6060"}}, kScscfs,
                         {"sip:scscf2.ims.test:6060"}),
            "sip:scscf.ims.test:6060");
  EXPECT_FALSE(select_scscf(std::nullopt, kScscfs, kScscfs));
  EXPECT_FALSE(select_scscf(std::nullopt, {}));
  EXPECT_FALSE(select_scscf(ServerCapabilities{}, {""}));
}

TEST(IcscfSelection, UriListAndRoute) {
  EXPECT_EQ(split_uri_list(" sip:a:1 ,sip:b:2,, "), (std::vector<std::string>{"sip:a:1", "sip:b:2"}));
  EXPECT_TRUE(split_uri_list("").empty());
  EXPECT_EQ(route_to("sip:scscf.ims.test:6060"), "<sip:scscf.ims.test:6060;lr>");
  EXPECT_EQ(route_to("<sip:scscf.ims.test:6060>"), "<sip:scscf.ims.test:6060;lr>");
  EXPECT_EQ(route_to("sip:s.ims.test;lr;transport=tcp"), "<sip:s.ims.test;lr;transport=tcp>");
  EXPECT_EQ(route_to("sip:s.ims.test;transport=tcp"), "<sip:s.ims.test;transport=tcp;lr>");
  EXPECT_EQ(route_to("sip:s.ims.test;lrx"), "<sip:s.ims.test;lrx;lr>");
}

// ---- REGISTER ---------------------------------------------------------------

TEST(IcscfRegister, QueryFromRequest) {
  const auto q = register_query(
      register_request("<sip:alice@ims.test>",
                       "Contact: <sip:alice@127.0.0.1:5070>;expires=600\r\n"
                       "P-Visited-Network-ID: \"ims.test\"\r\n"
                       "Authorization: Digest username=\"alice-impi@ims.test\", realm=\"ims.test\", nonce=\"\", "
                       "uri=\"sip:ims.test\", response=\"\"\r\n"),
      "ims.test");
  ASSERT_FALSE(q.reject);
  EXPECT_EQ(q.uar.user_name, "alice-impi@ims.test");
  EXPECT_EQ(q.uar.public_identity, "sip:alice@ims.test");
  EXPECT_EQ(q.uar.visited_network_identifier, "ims.test");
  EXPECT_EQ(q.uar.authorization_type, UserAuthorizationType::registration);
}

TEST(IcscfRegister, ImpiDerivedWithoutAuthorization) {
  const auto q = register_query(register_request("<tel:+15550100>"), "ims.test");
  ASSERT_FALSE(q.reject);
  EXPECT_EQ(q.uar.user_name, "+15550100@ims.test");
  EXPECT_EQ(q.uar.public_identity, "tel:+15550100");
  EXPECT_EQ(q.uar.visited_network_identifier, "ims.test");  // no P-Visited-Network-ID: the domain
}

TEST(IcscfRegister, MalformedRefusedWithoutUar) {
  auto q = register_query(register_request("<http://example.com/alice>"), "ims.test");
  ASSERT_TRUE(q.reject);
  EXPECT_EQ(q.reject->status, 400);
  q = register_query(register_request("<sip:ims.test>"), "ims.test");  // no user part: no IMPI
  ASSERT_TRUE(q.reject);
  EXPECT_EQ(q.reject->status, 403);
}

TEST(IcscfRegister, Deregistration) {
  EXPECT_TRUE(is_deregistration(register_request("<sip:a@ims.test>", "Contact: *\r\nExpires: 0\r\n")));
  EXPECT_TRUE(is_deregistration(register_request("<sip:a@ims.test>", "Contact: <sip:a@h>\r\nExpires: 0\r\n")));
  EXPECT_TRUE(is_deregistration(register_request("<sip:a@ims.test>", "Contact: <sip:a@h>;expires=0, <sip:a@i>;expires=0\r\n")));
  EXPECT_TRUE(is_deregistration(
      register_request("<sip:a@ims.test>", "Contact: <sip:a@h>;expires=0\r\nContact: <sip:a@i>\r\nExpires: 0\r\n")));
  // one binding kept, or refreshed
  EXPECT_FALSE(is_deregistration(register_request("<sip:a@ims.test>", "Contact: <sip:a@h>;expires=0, <sip:a@i>\r\n")));
  EXPECT_FALSE(is_deregistration(
      register_request("<sip:a@ims.test>", "Contact: <sip:a@h>;expires=60\r\nExpires: 0\r\n")));
  EXPECT_FALSE(is_deregistration(register_request("<sip:a@ims.test>", "Contact: <sip:a@h>\r\n")));
  EXPECT_FALSE(is_deregistration(register_request("<sip:a@ims.test>", "Contact: <sip:a@h>;expires=x\r\nExpires: 0\r\n")));
  // a query (no Contact) registers nothing and removes nothing
  EXPECT_FALSE(is_deregistration(register_request("<sip:a@ims.test>", "Expires: 0\r\n")));
  const auto q = register_query(register_request("<sip:a@ims.test>", "Contact: *\r\nExpires: 0\r\n"), "ims.test");
  EXPECT_EQ(q.uar.authorization_type, UserAuthorizationType::de_registration);
}

TEST(IcscfRegister, VisitedNetwork) {
  EXPECT_EQ(visited_network(register_request("<sip:a@x>", "P-Visited-Network-ID: \"Visited \\\"net\\\" 1\"\r\n"), "d"),
            "Visited \"net\" 1");
  EXPECT_EQ(visited_network(register_request("<sip:a@x>", "P-Visited-Network-ID: other.net;foo=bar, x.net\r\n"), "d"),
            "other.net");
  EXPECT_EQ(visited_network(register_request("<sip:a@x>", "P-Visited-Network-ID: \"\"\r\n"), "d"), "d");
  EXPECT_EQ(visited_network(register_request("<sip:a@x>"), "d"), "d");
}

TEST(IcscfRegister, AssignedOrSelectedScscf) {
  auto o = register_outcome(uaa(exp(2002), "sip:scscf9.ims.test:6060"), kScscfs);
  EXPECT_TRUE(o.forwards());
  EXPECT_EQ(o.scscf, "sip:scscf9.ims.test:6060");
  o = register_outcome(uaa(exp(2001), "sip:scscf9.ims.test:6060"), kScscfs);
  EXPECT_EQ(o.scscf, "sip:scscf9.ims.test:6060");
  o = register_outcome(uaa(exp(2001), {}, ServerCapabilities{{1}, {}, {}}), kScscfs);
  EXPECT_EQ(o.scscf, kScscfs[0]);
  o = register_outcome(uaa(exp(2001), {}, ServerCapabilities{{}, {}, {kScscfs[1]}}), kScscfs);
  EXPECT_EQ(o.scscf, kScscfs[1]);
  o = register_outcome(uaa(base(2001)), kScscfs);  // success without name or capabilities
  EXPECT_EQ(o.scscf, kScscfs[0]);
  o = register_outcome(uaa(exp(2001)), {});
  EXPECT_EQ(o.status, 600);  // TS 24.229 §5.3.1.3: no S-CSCF to select
}

TEST(IcscfRegister, AssignedOrSelectedTellsWhich) {
  EXPECT_TRUE(register_outcome(uaa(exp(2002), "sip:scscf9.ims.test:6060"), kScscfs).assigned);
  EXPECT_FALSE(register_outcome(uaa(exp(2001), {}, ServerCapabilities{}), kScscfs).assigned);
}

// Re-selection (TS 24.229 §5.3.1.3): an S-CSCF tried already is not chosen
// again, not even when the HSS names it.
TEST(IcscfRegister, ExcludedScscfsAreNotChosen) {
  auto o = register_outcome(uaa(exp(2001), {}, ServerCapabilities{}), kScscfs, {kScscfs[0]});
  EXPECT_EQ(o.scscf, kScscfs[1]);
  o = register_outcome(uaa(exp(2001), kScscfs[0], ServerCapabilities{}), kScscfs, {kScscfs[0]});
  EXPECT_EQ(o.scscf, kScscfs[1]);
  EXPECT_FALSE(o.assigned);
  o = register_outcome(uaa(exp(2001), {}, ServerCapabilities{}), kScscfs, kScscfs);
  EXPECT_EQ(o.status, 600);
}

TEST(IcscfRegister, WhichAnswersLetTheIcscfTryAnother) {
  for (const int s : {300, 302, 408, 480, 500, 503, 504, 599}) EXPECT_TRUE(reselects_after(s)) << s;
  for (const int s : {100, 200, 401, 403, 404, 423, 486, 600, 603}) EXPECT_FALSE(reselects_after(s)) << s;
}

TEST(IcscfRegister, NegativeAnswersAre403) {
  for (const auto r : {exp(5001), exp(5002), exp(5003), exp(5004), base(5003)}) {
    const auto o = register_outcome(uaa(r), kScscfs);
    EXPECT_EQ(o.status, 403) << describe(r);
    EXPECT_FALSE(o.reason.empty());
  }
  EXPECT_NE(register_outcome(uaa(exp(5001)), kScscfs).reason, register_outcome(uaa(exp(5004)), kScscfs).reason);
}

TEST(IcscfRegister, HssTroubleIs480) {
  // TS 24.229 §5.3.1.3: the query cannot be completed -> 480
  for (const auto r : {base(3004), base(5012), base(3002), base(5001) /* AVP unsupported, not user unknown */,
                       exp(5011), Result{true, 5001, 99} /* not 3GPP's */}) {
    EXPECT_EQ(register_outcome(uaa(r), kScscfs).status, 480) << describe(r);
  }
  for (const auto k : {CxError::Kind::timeout, CxError::Kind::unable_to_deliver, CxError::Kind::bad_answer,
                       CxError::Kind::not_sent, CxError::Kind::stopped}) {
    const auto o = register_outcome(CxError{k, "x"}, kScscfs);
    EXPECT_EQ(o.status, 480) << to_string(k);
    EXPECT_FALSE(o.summary.empty());
  }
}

// ---- terminating -------------------------------------------------------------

TEST(IcscfTerminating, IdentityOfTheRequestUri) {
  EXPECT_EQ(terminating_identity("sip:bob@ims.test", "ims.test"), "sip:bob@ims.test");
  EXPECT_EQ(terminating_identity("sip:bob@IMS.test:5060;transport=udp", "ims.test"), "sip:bob@ims.test");
  EXPECT_EQ(terminating_identity("sips:bob@ims.test", "ims.test"), "sip:bob@ims.test");
  EXPECT_EQ(terminating_identity("sip:+15550100@ims.test;user=phone", "ims.test"), "tel:+15550100");  // a number (RFC 3261 §19.1.6)
  EXPECT_EQ(terminating_identity("tel:+15550100", "ims.test"), "tel:+15550100");
  EXPECT_EQ(terminating_identity("tel:+1-555-0100;phone-context=x", "ims.test"), "tel:+15550100");  // without visual separators
  EXPECT_FALSE(terminating_identity("sip:bob@other.test", "ims.test"));
  EXPECT_FALSE(terminating_identity("sip:ims.test", "ims.test"));
  EXPECT_FALSE(terminating_identity("sip:bob@127.0.0.1", "ims.test"));
  EXPECT_FALSE(terminating_identity("http://ims.test/bob", "ims.test"));
  EXPECT_FALSE(terminating_identity("", "ims.test"));
}

TEST(IcscfTerminating, ForwardsToTheServingScscf) {
  auto o = terminating_outcome(lia(exp(2001), "sip:scscf9.ims.test:6060"), kScscfs);
  EXPECT_EQ(o.scscf, "sip:scscf9.ims.test:6060");
  o = terminating_outcome(lia(base(2001), "sip:scscf9.ims.test:6060"), kScscfs);
  EXPECT_EQ(o.scscf, "sip:scscf9.ims.test:6060");
  // unregistered services: the stored S-CSCF, else one chosen by capabilities
  o = terminating_outcome(lia(exp(2003), "sip:scscf9.ims.test:6060"), kScscfs);
  EXPECT_EQ(o.scscf, "sip:scscf9.ims.test:6060");
  o = terminating_outcome(lia(exp(2003), {}, ServerCapabilities{{1}, {2}, {}}), kScscfs);
  EXPECT_EQ(o.scscf, kScscfs[0]);
  o = terminating_outcome(lia(exp(2003), {}, ServerCapabilities{{}, {}, {kScscfs[1]}}), kScscfs);
  EXPECT_EQ(o.scscf, kScscfs[1]);
  EXPECT_EQ(terminating_outcome(lia(exp(2003)), {}).status, 480);
}

TEST(IcscfTerminating, ErrorMapping) {
  EXPECT_EQ(terminating_outcome(lia(exp(5001)), kScscfs).status, 404);
  EXPECT_EQ(terminating_outcome(lia(exp(5003)), kScscfs).status, 480);
  EXPECT_EQ(terminating_outcome(lia(base(5003)), kScscfs).status, 403);
  EXPECT_EQ(terminating_outcome(lia(base(3004)), kScscfs).status, 503);
  EXPECT_EQ(terminating_outcome(lia(base(5012)), kScscfs).status, 500);
  EXPECT_EQ(terminating_outcome(lia(exp(5011)), kScscfs).status, 500);
  EXPECT_EQ(terminating_outcome(lia(base(5001)), kScscfs).status, 500);
  EXPECT_EQ(terminating_outcome(CxError{CxError::Kind::timeout, ""}, kScscfs).status, 504);
  EXPECT_EQ(terminating_outcome(CxError{CxError::Kind::unable_to_deliver, ""}, kScscfs).status, 503);
  EXPECT_EQ(terminating_outcome(CxError{CxError::Kind::stopped, ""}, kScscfs).status, 503);
  EXPECT_EQ(terminating_outcome(CxError{CxError::Kind::not_sent, ""}, kScscfs).status, 503);
  EXPECT_EQ(terminating_outcome(CxError{CxError::Kind::bad_answer, ""}, kScscfs).status, 500);
}

}  // namespace
}  // namespace imsbox::icscf
