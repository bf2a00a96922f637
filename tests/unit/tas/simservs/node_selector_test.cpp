#include "tas/simservs/node_selector.h"

#include <gtest/gtest.h>

#include <string>
#include <variant>

#include "corpus.h"

namespace imsbox::tas::simservs {
namespace {

using test::corpus_document;

NodeSelector selector(std::string_view path, std::string_view query = {}) {
  auto parsed = parse_node_selector(path, query);
  if (auto* e = std::get_if<XcapError>(&parsed)) throw std::runtime_error(e->phrase);
  return std::get<NodeSelector>(parsed);
}

XcapError put_error(Document& d, std::string_view path, std::string_view body) {
  auto result = put_element(d, selector(path), body);
  if (std::holds_alternative<PutOutcome>(result)) return XcapError{XcapErrorKind::not_found, "PUT accepted", {}};
  return std::get<XcapError>(result);
}

constexpr std::string_view kRule1 = R"(simservs/communication-diversion/cp:ruleset/cp:rule[@id="call-diversion-busy"])";

TEST(XcapNodeSelector, GetsAServiceAndARuleByIdPositionOrWildcard) {
  const Document d = corpus_document("samsung_cdiv.xml");
  const auto rule = get_element(d, selector(kRule1));
  ASSERT_TRUE(std::holds_alternative<std::string>(rule));
  EXPECT_TRUE(std::get<std::string>(rule).starts_with("<cp:rule id=\"call-diversion-busy\">"));
  EXPECT_NE(std::get<std::string>(rule).find("sip:+33600000002@"), std::string::npos);

  const auto by_position = get_element(d, selector("simservs/communication-diversion/cp:ruleset/cp:rule[2]"));
  EXPECT_EQ(by_position, rule);
  const auto both = get_element(
      d, selector(R"(simservs/communication-diversion/cp:ruleset/cp:rule[2][@id='call-diversion-busy'])"));
  EXPECT_EQ(both, rule);
  const auto wildcard = get_element(d, selector("simservs/*/cp:ruleset/*[2]"));
  EXPECT_EQ(wildcard, rule);

  const auto service = get_element(d, selector("ss:simservs/ss:communication-diversion"));
  ASSERT_TRUE(std::holds_alternative<std::string>(service));
  EXPECT_TRUE(std::get<std::string>(service).starts_with("<ss:communication-diversion active=\"true\">"));
}

TEST(XcapNodeSelector, PrefixesComeFromTheQueryOrTheUsualDefaults) {
  const Document d = corpus_document("samsung_cdiv.xml");
  const auto with_query = get_element(
      d, selector(R"(a:simservs/a:communication-diversion/p:ruleset/p:rule[@id="call-diversion-busy"])",
                  "xmlns(a=http://uri.etsi.org/ngn/params/xml/simservs/xcap)xmlns(p=urn:ietf:params:xml:ns:common-policy)"));
  EXPECT_EQ(with_query, get_element(d, selector(kRule1)));
  // a prefix bound to another namespace selects nothing
  const auto other = get_element(d, selector("simservs/communication-diversion/cp:ruleset",
                                             "xmlns(cp=urn:example:other)"));
  ASSERT_TRUE(std::holds_alternative<XcapError>(other));
  EXPECT_EQ(std::get<XcapError>(other).status(), 404);
}

TEST(XcapNodeSelector, BadSelectorsAreRefused) {
  for (const std::string_view bad : {"", "simservs//x", "simservs/x[", "simservs/x[0]", "simservs/x[@id=\"a]",
                                     "simservs/zz:x", "simservs/@active", "simservs/x[@id=a]", "simservs/x[a]"}) {
    SCOPED_TRACE(bad);
    const auto parsed = parse_node_selector(bad);
    ASSERT_TRUE(std::holds_alternative<XcapError>(parsed));
    EXPECT_EQ(std::get<XcapError>(parsed).kind, XcapErrorKind::bad_selector);
    EXPECT_EQ(std::get<XcapError>(parsed).status(), 400);
  }
  EXPECT_TRUE(std::holds_alternative<XcapError>(parse_node_selector("simservs", "xmlns(cp")));
  EXPECT_EQ(percent_decode("simservs/x%5B@id=%22a%22%5D"), "simservs/x[@id=\"a\"]");
  EXPECT_FALSE(percent_decode("a%2").has_value());
  EXPECT_FALSE(percent_decode("a%zz").has_value());
}

TEST(XcapNodeSelector, GetAndDeleteOfNothingAre404) {
  Document d = corpus_document("samsung_cdiv.xml");
  const auto missing = selector(R"(simservs/communication-diversion/cp:ruleset/cp:rule[@id="nope"])");
  const auto got = get_element(d, missing);
  ASSERT_TRUE(std::holds_alternative<XcapError>(got));
  EXPECT_EQ(std::get<XcapError>(got).status(), 404);
  EXPECT_EQ(std::get<XcapError>(got).body(), "");
  const auto deleted = delete_element(d, missing);
  ASSERT_TRUE(deleted.has_value());
  EXPECT_EQ(deleted->status(), 404);
}

TEST(XcapNodeSelector, PutReplacesARuleAndTheTypedViewFollows) {
  Document d = corpus_document("samsung_cdiv.xml");
  const auto result = put_element(d, selector(kRule1),
                                  R"(<cp:rule id="call-diversion-busy"><cp:conditions><ss:busy/></cp:conditions>)"
                                  R"(<cp:actions><ss:forward-to><ss:target>tel:+4930123</ss:target>)"
                                  R"(</ss:forward-to></cp:actions></cp:rule>)");
  ASSERT_TRUE(std::holds_alternative<PutOutcome>(result)) << std::get<XcapError>(result).phrase;
  EXPECT_EQ(std::get<PutOutcome>(result), PutOutcome::replaced);
  const auto& rules = d.services().communication_diversion->rules;
  ASSERT_EQ(rules.size(), 6u);
  EXPECT_EQ(rules[1].actions.forward_to->target, "tel:+4930123");
  EXPECT_TRUE(rules[1].conditions.media.empty());
  // the document written and read again says the same
  auto again = parse(d.write());
  ASSERT_TRUE(std::holds_alternative<Document>(again));
  EXPECT_EQ(std::get<Document>(again).services().communication_diversion->rules[1].actions.forward_to->target,
            "tel:+4930123");
}

TEST(XcapNodeSelector, PutCreatesARuleAndAService) {
  Document d = corpus_document("samsung_cdiv.xml");
  // prefixes of the body resolve as in the document at that place
  const auto rule = put_element(d, selector(R"(simservs/communication-diversion/cp:ruleset/cp:rule[@id="cfnr2"])"),
                                R"(<cp:rule id="cfnr2"><cp:conditions><ss:no-answer/></cp:conditions><cp:actions>)"
                                R"(<ss:forward-to><ss:target>tel:+3399</ss:target></ss:forward-to></cp:actions></cp:rule>)");
  ASSERT_TRUE(std::holds_alternative<PutOutcome>(rule)) << std::get<XcapError>(rule).phrase;
  EXPECT_EQ(std::get<PutOutcome>(rule), PutOutcome::created);
  ASSERT_EQ(d.services().communication_diversion->rules.size(), 7u);
  EXPECT_EQ(d.services().communication_diversion->rules.back().id, "cfnr2");
  EXPECT_TRUE(d.services().communication_diversion->rules.back().conditions.no_answer);

  const auto oir = put_element(d, selector("simservs/originating-identity-presentation-restriction"),
                               "<ss:originating-identity-presentation-restriction active=\"true\">"
                               "<ss:default-behaviour>presentation-restricted</ss:default-behaviour>"
                               "</ss:originating-identity-presentation-restriction>");
  ASSERT_TRUE(std::holds_alternative<PutOutcome>(oir)) << std::get<XcapError>(oir).phrase;
  ASSERT_TRUE(d.services().originating_identity_presentation_restriction.has_value());
  EXPECT_EQ(d.services().originating_identity_presentation_restriction->default_behaviour,
            DefaultBehaviour::presentation_restricted);
}

TEST(XcapNodeSelector, UnprefixedNamesOfTheBodyTakeTheDocumentsDefaultNamespace) {
  Document d = corpus_document("qualcomm_default_ns.xml");
  const auto rule = put_element(d, selector(R"(simservs/outgoing-communication-barring/cp:ruleset/cp:rule[@id="all"])"),
                                R"(<cp:rule id="all"><cp:conditions/><cp:actions><allow>false</allow></cp:actions></cp:rule>)");
  ASSERT_TRUE(std::holds_alternative<PutOutcome>(rule)) << std::get<XcapError>(rule).phrase;
  const auto& rules = d.services().outgoing_communication_barring->rules;
  ASSERT_EQ(rules.size(), 2u);
  EXPECT_EQ(rules[1].id, "all");
  EXPECT_EQ(rules[1].actions.allow, false);
}

TEST(XcapNodeSelector, PutThatWouldMakeTheDocumentInvalidIsRefusedAndChangesNothing) {
  Document d = corpus_document("samsung_cdiv.xml");
  const std::string before = d.write();

  XcapError e = put_error(d, kRule1, "<cp:rule id=\"call-diversion-busy\"><cp:actions><ss:forward-to/>"
                                     "</cp:actions></cp:rule>");
  EXPECT_EQ(e.kind, XcapErrorKind::schema_validation_error);
  EXPECT_EQ(e.status(), 409);
  EXPECT_EQ(e.phrase, "communication-diversion rule call-diversion-busy: forward-to without a target");
  EXPECT_EQ(e.body(), "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<xcap-error xmlns=\"urn:ietf:params:xml:ns:"
                      "xcap-error\"><schema-validation-error phrase=\"communication-diversion rule "
                      "call-diversion-busy: forward-to without a target\"/></xcap-error>");

  e = put_error(d, kRule1, "<cp:rule id=\"call-diversion-busy\"><cp:conditions>");
  EXPECT_EQ(e.kind, XcapErrorKind::not_well_formed);
  e = put_error(d, kRule1, "<cp:rule id=\"call-diversion-busy\"/><cp:rule id=\"x\"/>");
  EXPECT_EQ(e.kind, XcapErrorKind::not_xml_frag);
  e = put_error(d, kRule1, "just text");
  EXPECT_EQ(e.kind, XcapErrorKind::not_xml_frag);
  // the body is not the element the selector names
  e = put_error(d, kRule1, "<cp:rule id=\"another\"/>");
  EXPECT_EQ(e.kind, XcapErrorKind::cannot_insert);
  EXPECT_NE(e.body().find("<cannot-insert phrase="), std::string::npos);
  EXPECT_EQ(d.write(), before);
  // a rule id taken by another rule
  EXPECT_TRUE(std::holds_alternative<PutOutcome>(
      put_element(d, selector("simservs/communication-diversion/cp:ruleset/cp:rule[7]"), "<cp:rule id=\"seven\"/>")));
  const std::string with_seven = d.write();
  e = put_error(d, "simservs/communication-diversion/cp:ruleset/cp:rule[7]", "<cp:rule id=\"call-diversion-busy\"/>");
  EXPECT_EQ(e.kind, XcapErrorKind::uniqueness_failure);
  EXPECT_NE(e.body().find("<uniqueness-failure"), std::string::npos);
  EXPECT_EQ(d.write(), with_seven);
  ASSERT_FALSE(delete_element(d, selector("simservs/communication-diversion/cp:ruleset/cp:rule[7]")).has_value());
  EXPECT_EQ(d.write(), before);
}

TEST(XcapNodeSelector, PutWithoutParentIs409NoParentNamingTheAncestor) {
  Document d = corpus_document("qualcomm_default_ns.xml");
  const XcapError e =
      put_error(d, R"(simservs/communication-diversion/cp:ruleset/cp:rule[@id="r"])", "<cp:rule id=\"r\"/>");
  EXPECT_EQ(e.kind, XcapErrorKind::no_parent);
  EXPECT_EQ(e.ancestor, "simservs");
  EXPECT_EQ(e.body("http://xcap.example/simservs.ngn.etsi.org/users/sip:a@b/simservs.xml"),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<xcap-error xmlns=\"urn:ietf:params:xml:ns:xcap-error\">"
            "<no-parent phrase=\"no parent for simservs/communication-diversion/cp:ruleset/cp:rule[@id=&quot;r&quot;]"
            "\"><ancestor>http://xcap.example/simservs.ngn.etsi.org/users/sip:a@b/simservs.xml/~~/simservs"
            "</ancestor></no-parent></xcap-error>");
}

TEST(XcapNodeSelector, DeleteRemovesARuleAndKeepsTheRest) {
  Document d = corpus_document("vendor_extension.xml");
  ASSERT_FALSE(delete_element(d, selector(R"(simservs/communication-diversion/cp:ruleset/cp:rule[@id="cfu"])")));
  ASSERT_EQ(d.services().communication_diversion->rules.size(), 1u);
  EXPECT_EQ(d.services().communication_diversion->rules[0].id, "cfb");
  EXPECT_NE(d.write().find("<vnd:ut-settings vnd:revision=\"7\""), std::string::npos);
  // deleting rule[1] by position would select the next rule afterwards (RFC 4825 §8.2.4)
  const auto e = delete_element(d, selector("simservs/communication-diversion/cp:ruleset/cp:rule[1]"));
  EXPECT_FALSE(e.has_value());  // the last one: nothing selected afterwards
  Document two = corpus_document("vendor_extension.xml");
  const auto refused = delete_element(two, selector("simservs/communication-diversion/cp:ruleset/cp:rule[1]"));
  ASSERT_TRUE(refused.has_value());
  EXPECT_EQ(refused->kind, XcapErrorKind::cannot_delete);
  // the root cannot go
  const auto root = delete_element(two, selector("simservs"));
  ASSERT_TRUE(root.has_value());
  EXPECT_EQ(root->kind, XcapErrorKind::cannot_delete);
}

TEST(XcapNodeSelector, PuttingBackWhatGetReturnedChangesNothing) {
  Document d = corpus_document("vendor_extension.xml");
  const std::string before = d.write();
  for (const std::string_view path : {"simservs", "simservs/communication-diversion", "simservs/*[1]",
                                      "simservs/communication-diversion/cp:ruleset/cp:rule[1]"}) {
    SCOPED_TRACE(path);
    const auto got = get_element(d, selector(path));
    ASSERT_TRUE(std::holds_alternative<std::string>(got));
    const auto put = put_element(d, selector(path), std::get<std::string>(got));
    ASSERT_TRUE(std::holds_alternative<PutOutcome>(put)) << std::get<XcapError>(put).phrase;
    EXPECT_EQ(d.write(), before);
  }
}

}  // namespace
}  // namespace imsbox::tas::simservs
