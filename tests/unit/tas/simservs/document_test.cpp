#include "tas/simservs/document.h"

#include <gtest/gtest.h>
#include <libxml/c14n.h>
#include <libxml/parser.h>

#include <string>
#include <variant>

#include "corpus.h"

namespace imsbox::tas::simservs {
namespace {

using test::corpus_document;
using test::corpus_file;

std::string error_of(std::string_view xml) {
  auto parsed = parse(xml);
  if (std::holds_alternative<Document>(parsed)) return "accepted";
  return std::get<std::string>(parsed);
}

// Canonical XML (C14N 1.0 with comments) by libxml2: an independent check
// that our writer says the same as the input.
std::string canonical(const std::string& xml) {
  xmlDoc* doc = xmlReadMemory(xml.data(), static_cast<int>(xml.size()), "c14n", nullptr, XML_PARSE_NONET);
  if (doc == nullptr) return "unparsable";
  xmlChar* out = nullptr;
  const int n = xmlC14NDocDumpMemory(doc, nullptr, XML_C14N_1_0, nullptr, 1, &out);
  std::string result = n < 0 ? "c14n failed" : std::string(reinterpret_cast<const char*>(out), static_cast<std::size_t>(n));
  xmlFree(out);
  xmlFreeDoc(doc);
  return result;
}

TEST(SimservsDocument, SamsungStyleCommunicationDiversionWithNoReplyTimer) {
  const Document d = corpus_document("samsung_cdiv.xml");
  const auto& cdiv = d.services().communication_diversion;
  ASSERT_TRUE(cdiv.has_value());
  EXPECT_TRUE(cdiv->active);
  EXPECT_EQ(cdiv->no_reply_timer, 30);
  EXPECT_EQ(cdiv->effective_no_reply_timer(), 30);
  ASSERT_EQ(cdiv->rules.size(), 6u);
  EXPECT_EQ(cdiv->rules[0].id, "call-diversion-unconditional");
  EXPECT_TRUE(cdiv->rules[0].conditions.rule_deactivated);
  EXPECT_EQ(cdiv->rules[0].conditions.media, std::vector<std::string>{"audio"});
  EXPECT_EQ(cdiv->rules[1].id, "call-diversion-busy");
  EXPECT_TRUE(cdiv->rules[1].conditions.busy);
  ASSERT_TRUE(cdiv->rules[1].actions.forward_to.has_value());
  EXPECT_EQ(cdiv->rules[1].actions.forward_to->target,
            "sip:+33600000002@ims.mnc001.mcc001.3gppnetwork.org;user=phone");
  EXPECT_TRUE(cdiv->rules[2].conditions.no_answer);
  EXPECT_FALSE(cdiv->rules[2].actions.forward_to->notify_caller);
  EXPECT_TRUE(cdiv->rules[3].conditions.not_reachable);
  EXPECT_TRUE(cdiv->rules[4].conditions.not_registered);
  EXPECT_FALSE(d.services().incoming_communication_barring.has_value());
}

TEST(SimservsDocument, InactiveServicesAndEveryBarringRuleOfAMediatekPhone) {
  const Document d = corpus_document("mediatek_inactive.xml");
  const Simservs& s = d.services();
  ASSERT_TRUE(s.communication_diversion.has_value());
  EXPECT_FALSE(s.communication_diversion->active);
  ASSERT_TRUE(s.incoming_communication_barring && s.outgoing_communication_barring);
  ASSERT_EQ(s.outgoing_communication_barring->rules.size(), 3u);
  EXPECT_TRUE(s.outgoing_communication_barring->rules[1].conditions.international);
  EXPECT_TRUE(s.outgoing_communication_barring->rules[2].conditions.international_ex_hc);
  EXPECT_EQ(s.outgoing_communication_barring->rules[2].actions.allow, false);
  EXPECT_TRUE(s.incoming_communication_barring->rules[1].conditions.roaming);
  ASSERT_TRUE(s.originating_identity_presentation_restriction.has_value());
  EXPECT_EQ(s.originating_identity_presentation_restriction->default_behaviour,
            DefaultBehaviour::presentation_not_restricted);
  ASSERT_TRUE(s.originating_identity_presentation.has_value());
  EXPECT_TRUE(s.originating_identity_presentation->active);
  // communication-waiting is not ours: kept
  EXPECT_NE(d.write().find("<ss:communication-waiting active=\"true\"/>"), std::string::npos);
}

TEST(SimservsDocument, DefaultNamespaceAndIdentityConditions) {
  const Document d = corpus_document("qualcomm_default_ns.xml");
  const Simservs& s = d.services();
  ASSERT_TRUE(s.originating_identity_presentation_restriction.has_value());
  EXPECT_EQ(s.originating_identity_presentation_restriction->default_behaviour,
            DefaultBehaviour::presentation_restricted);
  ASSERT_TRUE(s.incoming_communication_barring.has_value());
  const auto& rules = s.incoming_communication_barring->rules;
  ASSERT_EQ(rules.size(), 3u);
  EXPECT_TRUE(rules[0].conditions.anonymous);
  EXPECT_TRUE(rules[1].conditions.identity);
  EXPECT_EQ(rules[1].conditions.identity_one, std::vector<std::string>{"sip:friend@example.org"});
  EXPECT_EQ(rules[1].conditions.identity_many, std::vector<std::string>{"family.example.org"});
  EXPECT_EQ(rules[1].actions.allow, true);
}

TEST(SimservsDocument, UnknownVendorElementsAttributesCommentsAndCdataRoundTripByteForByte) {
  const std::string input = corpus_file("vendor_extension.xml");
  const Document d = corpus_document("vendor_extension.xml");
  EXPECT_EQ(d.write(), input);
  const auto& cdiv = d.services().communication_diversion;
  ASSERT_TRUE(cdiv.has_value());
  EXPECT_EQ(cdiv->no_reply_timer, 200);
  EXPECT_EQ(cdiv->effective_no_reply_timer(), 180);  // clamped
  ASSERT_EQ(cdiv->rules.size(), 2u);
  EXPECT_EQ(cdiv->rules[0].conditions.unsupported, std::vector<std::string>{"time-of-day"});
}

TEST(SimservsDocument, EveryCorpusDocumentWritesBackAsTheSameCanonicalXml) {
  for (const char* name : {"samsung_cdiv.xml", "mediatek_inactive.xml", "qualcomm_default_ns.xml",
                           "vendor_extension.xml"}) {
    SCOPED_TRACE(name);
    const std::string input = corpus_file(name);
    const std::string written = corpus_document(name).write();
    EXPECT_EQ(canonical(written), canonical(input));
    auto again = parse(written);
    ASSERT_TRUE(std::holds_alternative<Document>(again));
    EXPECT_EQ(std::get<Document>(again).write(), written);
  }
}

TEST(SimservsDocument, MalformedXmlIsRefusedWithAClearReason) {
  EXPECT_NE(error_of(corpus_file("malformed_unclosed.xml")).find("not well-formed XML (line 1)"), std::string::npos)
      << error_of(corpus_file("malformed_unclosed.xml"));
  EXPECT_NE(error_of(corpus_file("malformed_entities.xml")), "accepted");
  EXPECT_EQ(error_of(""), "the document is empty");
  EXPECT_NE(error_of(std::string(kMaxDocumentSize + 1, ' ')).find("larger than"), std::string::npos);
  EXPECT_NE(error_of("<simservs/>").find("root element is <simservs> in namespace \"\""), std::string::npos);
  EXPECT_NE(error_of("<ss:simservs xmlns:ss=\"http://uri.etsi.org/ngn/params/xml/simservs/xcap\"><cp:x/>"
                     "</ss:simservs>"),
            "accepted");
}

TEST(SimservsDocument, InvalidContentIsRefusedNamingWhat) {
  const std::string head =
      "<simservs xmlns=\"http://uri.etsi.org/ngn/params/xml/simservs/xcap\" "
      "xmlns:cp=\"urn:ietf:params:xml:ns:common-policy\">";
  const auto cdiv = [&](const std::string& inner, const std::string& attrs = "") {
    return head + "<communication-diversion" + attrs + ">" + inner + "</communication-diversion></simservs>";
  };
  EXPECT_EQ(error_of(cdiv("", " active=\"maybe\"")), "communication-diversion: active=\"maybe\" is not a boolean");
  EXPECT_EQ(error_of(cdiv("<NoReplyTimer>soon</NoReplyTimer>")),
            "communication-diversion: NoReplyTimer \"soon\" is not a number of seconds");
  EXPECT_EQ(error_of(cdiv("<cp:ruleset><cp:rule><cp:conditions/></cp:rule></cp:ruleset>")),
            "communication-diversion: cp:rule without id");
  EXPECT_EQ(error_of(cdiv("<cp:ruleset><cp:rule id=\"a\"/><cp:rule id=\"a\"/></cp:ruleset>")),
            "communication-diversion: two rules with id \"a\"");
  EXPECT_EQ(error_of(cdiv("<cp:ruleset><cp:rule id=\"a\"><cp:actions><forward-to/></cp:actions></cp:rule>"
                          "</cp:ruleset>")),
            "communication-diversion rule a: forward-to without a target");
  EXPECT_EQ(error_of(head + "<outgoing-communication-barring><cp:ruleset><cp:rule id=\"b\"><cp:actions>"
                            "<allow>perhaps</allow></cp:actions></cp:rule></cp:ruleset>"
                            "</outgoing-communication-barring></simservs>"),
            "outgoing-communication-barring rule b: <allow> is not true or false");
  EXPECT_EQ(error_of(head + "<originating-identity-presentation-restriction><default-behaviour>hidden"
                            "</default-behaviour></originating-identity-presentation-restriction></simservs>"),
            "originating-identity-presentation-restriction: default-behaviour \"hidden\" is unknown");
  EXPECT_EQ(error_of(head + "<communication-diversion/><communication-diversion/></simservs>"),
            "more than one communication-diversion element");
  EXPECT_EQ(error_of("<simservs xmlns=\"http://uri.etsi.org/ngn/params/xml/simservs/xcap\"><cp:ruleset/></simservs>"),
            "the namespace prefix of element <cp:ruleset> is not declared");
}

TEST(SimservsDocument, ActiveDefaultsToTrueAndEmptyDocumentHasNoService) {
  auto parsed = parse(
      "<simservs xmlns=\"http://uri.etsi.org/ngn/params/xml/simservs/xcap\"><originating-identity-presentation/>"
      "</simservs>");
  ASSERT_TRUE(std::holds_alternative<Document>(parsed));
  ASSERT_TRUE(std::get<Document>(parsed).services().originating_identity_presentation.has_value());
  EXPECT_TRUE(std::get<Document>(parsed).services().originating_identity_presentation->active);

  const Document empty = empty_document();
  EXPECT_FALSE(empty.services().communication_diversion.has_value());
  EXPECT_EQ(empty.write(),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<simservs xmlns=\"http://uri.etsi.org/ngn/params/xml/simservs/"
            "xcap\" xmlns:cp=\"urn:ietf:params:xml:ns:common-policy\"/>");
  EXPECT_TRUE(std::holds_alternative<Document>(parse(empty.write())));
}

}  // namespace
}  // namespace imsbox::tas::simservs
