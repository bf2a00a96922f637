#include "ims/reginfo.h"

#include <gtest/gtest.h>

#include <chrono>

namespace imsbox::ims {
namespace {

RegInfo sample() {
  RegInfo info;
  info.version = 7;
  info.full = true;
  RegInfoRegistration r;
  r.aor = "sip:alice@ims.test";
  r.id = "reg-1";
  r.state = "active";
  RegInfoContact c;
  c.id = "c1";
  c.state = "active";
  c.event = "registered";
  c.expires = 3600;
  c.uri = "sip:alice@192.0.2.1:5060;transport=udp";
  c.instance = "urn:gsma:imei:35209900-176148-0";
  c.reg_id = 1;
  r.contacts.push_back(c);
  RegInfoContact d;
  d.id = "c2";
  d.state = "terminated";
  d.event = "expired";
  d.uri = "sip:alice@198.51.100.7";
  r.contacts.push_back(d);
  info.registrations.push_back(r);
  RegInfoRegistration t;
  t.aor = "tel:+15550001";
  t.id = "reg-2";
  t.state = "terminated";
  info.registrations.push_back(t);
  return info;
}

TEST(RegInfo, RoundTrip) {
  const auto info = sample();
  const auto parsed = parse_reginfo(to_xml(info));
  ASSERT_TRUE(parsed);
  EXPECT_EQ(*parsed, info);
}

TEST(RegInfo, RoundTripPartialAndEmpty) {
  RegInfo info;
  info.version = 4294967295u;
  info.full = false;
  const auto parsed = parse_reginfo(to_xml(info));
  ASSERT_TRUE(parsed);
  EXPECT_EQ(*parsed, info);
}

TEST(RegInfo, XmlFollowsRfc3680) {
  const auto xml = to_xml(sample());
  EXPECT_EQ(xml.rfind("<?xml version=\"1.0\" encoding=\"UTF-8\"?>", 0), 0u);
  EXPECT_NE(xml.find("<reginfo xmlns=\"urn:ietf:params:xml:ns:reginfo\" version=\"7\" state=\"full\">"),
            std::string::npos);
  EXPECT_NE(xml.find("<registration aor=\"sip:alice@ims.test\" id=\"reg-1\" state=\"active\">"), std::string::npos);
  EXPECT_NE(xml.find("<contact id=\"c1\" state=\"active\" event=\"registered\" expires=\"3600\">"), std::string::npos);
  EXPECT_NE(xml.find("<uri>sip:alice@192.0.2.1:5060;transport=udp</uri>"), std::string::npos);
  EXPECT_NE(xml.find("<unknown-param name=\"+sip.instance\">&quot;&lt;urn:gsma:imei:35209900-176148-0&gt;&quot;"
                     "</unknown-param>"),
            std::string::npos);
  EXPECT_NE(xml.find("<unknown-param name=\"reg-id\">1</unknown-param>"), std::string::npos);
  EXPECT_NE(xml.find("<contact id=\"c2\" state=\"terminated\" event=\"expired\">"), std::string::npos);
  EXPECT_NE(xml.find("<registration aor=\"tel:+15550001\" id=\"reg-2\" state=\"terminated\">"), std::string::npos);
}

TEST(RegInfo, EscapesEveryValue) {
  RegInfo info;
  RegInfoRegistration r;
  r.aor = "sip:a&b@ims.test";
  r.id = "\"x\"<y>'z'";
  r.state = "active";
  RegInfoContact c;
  c.id = "&amp;";
  c.state = "active";
  c.event = "registered";
  c.uri = "<sip:evil@x>\"</uri><uri>sip:other";
  c.instance = "urn:uuid:&<>\"'";
  r.contacts.push_back(c);
  info.registrations.push_back(r);
  const auto xml = to_xml(info);
  EXPECT_EQ(xml.find("a&b"), std::string::npos);
  EXPECT_NE(xml.find("aor=\"sip:a&amp;b@ims.test\""), std::string::npos);
  EXPECT_NE(xml.find("id=\"&quot;x&quot;&lt;y&gt;&apos;z&apos;\""), std::string::npos);
  EXPECT_NE(xml.find("id=\"&amp;amp;\""), std::string::npos);
  EXPECT_NE(xml.find("<uri>&lt;sip:evil@x&gt;&quot;&lt;/uri&gt;&lt;uri&gt;sip:other</uri>"), std::string::npos);
  const auto parsed = parse_reginfo(xml);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(*parsed, info);
}

// RFC 3680 §6 (example), verbatim.
TEST(RegInfo, ParsesRfc3680Example) {
  const auto parsed = parse_reginfo(R"(<?xml version="1.0"?>
    <reginfo xmlns="urn:ietf:params:xml:ns:reginfo"
             version="0" state="full">
      <registration aor="sip:user@example.com" id="as9"
                    state="active">
        <contact id="76" state="active" event="registered"
                 duration-registered="7322"
                 q="0.8">
                 <uri>sip:user@pc887.example.com</uri>
        </contact>
        <contact id="77" state="terminated" event="expired"
                 duration-registered="3600"
                 q="0.5">
                 <uri>sip:user@university.edu</uri>
        </contact>
      </registration>
    </reginfo>
)");
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->version, 0u);
  EXPECT_TRUE(parsed->full);
  ASSERT_EQ(parsed->registrations.size(), 1u);
  const auto& r = parsed->registrations[0];
  EXPECT_EQ(r.aor, "sip:user@example.com");
  EXPECT_EQ(r.id, "as9");
  EXPECT_EQ(r.state, "active");
  ASSERT_EQ(r.contacts.size(), 2u);
  EXPECT_EQ(r.contacts[0].id, "76");
  EXPECT_EQ(r.contacts[0].state, "active");
  EXPECT_EQ(r.contacts[0].event, "registered");
  EXPECT_EQ(r.contacts[0].uri, "sip:user@pc887.example.com");
  EXPECT_FALSE(r.contacts[0].expires);
  EXPECT_EQ(r.contacts[1].id, "77");
  EXPECT_EQ(r.contacts[1].state, "terminated");
  EXPECT_EQ(r.contacts[1].event, "expired");
  EXPECT_EQ(r.contacts[1].uri, "sip:user@university.edu");
}

// The documents of the RFC 3680 call flow: init state, then a partial update
// with display-name and unknown-param (§5.3 elements we do not model).
TEST(RegInfo, ParsesRfc3680FlowDocuments) {
  const auto init = parse_reginfo(R"(<?xml version="1.0"?>
    <reginfo xmlns="urn:ietf:params:xml:ns:reginfo"
             xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
             version="0" state="full">
      <registration aor="sip:joe@example.com" id="a7" state="init" />
    </reginfo>)");
  ASSERT_TRUE(init);
  ASSERT_EQ(init->registrations.size(), 1u);
  EXPECT_EQ(init->registrations[0].state, "init");
  EXPECT_TRUE(init->registrations[0].contacts.empty());

  const auto partial = parse_reginfo(R"(<?xml version="1.0"?>
    <reginfo xmlns="urn:ietf:params:xml:ns:reginfo" version="1" state="partial">
      <registration aor="sip:joe@example.com" id="a7" state="active">
        <contact id="76" state="active" event="registered" duration-registered="0" expires="3600"
                 callid="x@y" cseq="1" retry-after="3">
          <uri>sip:joe@pc34.example.com</uri>
          <display-name xml:lang="en">Joe</display-name>
          <unknown-param name="audio"></unknown-param>
          <unknown-param name="+sip.instance">"&lt;urn:uuid:00000000-0000-1000-8000-AABBCCDDEEFF&gt;"</unknown-param>
          <unknown-param name="reg-id">2</unknown-param>
        </contact>
      </registration>
    </reginfo>)");
  ASSERT_TRUE(partial);
  EXPECT_FALSE(partial->full);
  EXPECT_EQ(partial->version, 1u);
  const auto& c = partial->registrations.at(0).contacts.at(0);
  EXPECT_EQ(c.expires, 3600u);
  EXPECT_EQ(c.instance, "urn:uuid:00000000-0000-1000-8000-AABBCCDDEEFF");
  EXPECT_EQ(c.reg_id, 2u);
}

TEST(RegInfo, AnyPrefixUnknownElementsIgnored) {
  const auto parsed = parse_reginfo(R"(<r:reginfo xmlns:r="urn:ietf:params:xml:ns:reginfo"
        xmlns:gr="urn:ietf:params:xml:ns:gruuinfo" xmlns:o="urn:other" version="3" state="full" o:x="1">
      <o:registration aor="sip:ignored@x" id="z" state="active"/>
      <r:registration aor="sip:bob@ims.test" id="r1" state="active" o:foo="bar">
        <r:contact id="1" state="active" event="created" expires="600">
          <r:uri> sip:bob@10.0.0.1:5070 </r:uri>
          <gr:pub-gruu uri="sip:bob@ims.test;gr=urn:uuid:1"/>
          <o:uri>sip:not-this@x</o:uri>
        </r:contact>
        <!-- a comment -->
      </r:registration>
      <o:anything><r:registration/></o:anything>
    </r:reginfo>)");
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->version, 3u);
  ASSERT_EQ(parsed->registrations.size(), 1u);
  EXPECT_EQ(parsed->registrations[0].aor, "sip:bob@ims.test");
  ASSERT_EQ(parsed->registrations[0].contacts.size(), 1u);
  EXPECT_EQ(parsed->registrations[0].contacts[0].uri, "sip:bob@10.0.0.1:5070");
  EXPECT_EQ(parsed->registrations[0].contacts[0].event, "created");
  EXPECT_EQ(parsed->registrations[0].contacts[0].expires, 600u);
}

TEST(RegInfo, CdataTextIsText) {
  const auto parsed = parse_reginfo(
      R"(<reginfo xmlns="urn:ietf:params:xml:ns:reginfo" version="1" state="full">)"
      R"(<registration aor="sip:a@b" id="1" state="active"><contact id="1" state="active" event="refreshed">)"
      R"(<uri><![CDATA[sip:a@b;x=<y>]]></uri></contact></registration></reginfo>)");
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->registrations[0].contacts[0].uri, "sip:a@b;x=<y>");
}

TEST(RegInfo, RejectsNonReginfo) {
  for (const char* doc : {
           "",
           "not xml at all",
           "<reginfo",
           "<?xml version=\"1.0\"?>",
           "<reginfo xmlns=\"urn:ietf:params:xml:ns:reginfo\" version=\"1\" state=\"full\">",
           "<reginfo xmlns=\"urn:ietf:params:xml:ns:reginfo\" version=\"1\" state=\"full\"></registration>",
           "<foo xmlns=\"urn:ietf:params:xml:ns:reginfo\" version=\"1\" state=\"full\"/>",
           "<reginfo xmlns=\"urn:other\" version=\"1\" state=\"full\"/>",
           "<reginfo xmlns=\"urn:ietf:params:xml:ns:reginfo\" state=\"full\"/>",
           "<reginfo xmlns=\"urn:ietf:params:xml:ns:reginfo\" version=\"-1\" state=\"full\"/>",
           "<reginfo xmlns=\"urn:ietf:params:xml:ns:reginfo\" version=\"99999999999\" state=\"full\"/>",
           "<reginfo xmlns=\"urn:ietf:params:xml:ns:reginfo\" version=\"1x\" state=\"full\"/>",
           "<reginfo xmlns=\"urn:ietf:params:xml:ns:reginfo\" version=\"1\" state=\"bogus\"/>",
           // registration without aor / bad state
           "<reginfo xmlns=\"urn:ietf:params:xml:ns:reginfo\" version=\"1\" state=\"full\">"
           "<registration id=\"1\" state=\"active\"/></reginfo>",
           "<reginfo xmlns=\"urn:ietf:params:xml:ns:reginfo\" version=\"1\" state=\"full\">"
           "<registration aor=\"sip:a@b\" id=\"1\" state=\"dead\"/></reginfo>",
           // contact without uri / bad expires / bad state
           "<reginfo xmlns=\"urn:ietf:params:xml:ns:reginfo\" version=\"1\" state=\"full\">"
           "<registration aor=\"sip:a@b\" id=\"1\" state=\"active\">"
           "<contact id=\"1\" state=\"active\" event=\"registered\"/></registration></reginfo>",
           "<reginfo xmlns=\"urn:ietf:params:xml:ns:reginfo\" version=\"1\" state=\"full\">"
           "<registration aor=\"sip:a@b\" id=\"1\" state=\"active\">"
           "<contact id=\"1\" state=\"active\" event=\"registered\" expires=\"soon\"><uri>sip:x</uri></contact>"
           "</registration></reginfo>",
           "<reginfo xmlns=\"urn:ietf:params:xml:ns:reginfo\" version=\"1\" state=\"full\">"
           "<registration aor=\"sip:a@b\" id=\"1\" state=\"active\">"
           "<contact id=\"1\" state=\"zombie\" event=\"registered\"><uri>sip:x</uri></contact>"
           "</registration></reginfo>",
       }) {
    EXPECT_FALSE(parse_reginfo(doc)) << doc;
  }
}

TEST(RegInfo, RejectsEveryTruncation) {
  const auto xml = to_xml(sample());
  // Cutting inside the document (before the root's end tag) never parses.
  const auto end = xml.rfind("</reginfo>");
  for (std::size_t n = 0; n < end; n += 7) {
    EXPECT_FALSE(parse_reginfo(std::string_view(xml).substr(0, n))) << n;
  }
}

TEST(RegInfo, RejectsGarbage) {
  std::string garbage;
  std::uint32_t x = 12345;
  for (int i = 0; i < 4096; ++i) {
    x = x * 1103515245u + 12345u;
    garbage += static_cast<char>(x >> 24);
  }
  EXPECT_FALSE(parse_reginfo(garbage));
  EXPECT_FALSE(parse_reginfo(std::string(100, '\0')));
  EXPECT_FALSE(parse_reginfo(std::string(2 * 1024 * 1024, '<')));
  std::string deep;
  for (int i = 0; i < 100000; ++i) deep += "<a>";
  EXPECT_FALSE(parse_reginfo(deep));
}

TEST(RegInfo, RejectsEntityBombsQuickly) {
  const std::string laughs = R"(<?xml version="1.0"?>
<!DOCTYPE reginfo [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<reginfo xmlns="urn:ietf:params:xml:ns:reginfo" version="1" state="full">
  <registration aor="&lol9;" id="1" state="active">
    <contact id="1" state="active" event="registered"><uri>&lol9;</uri></contact>
  </registration>
</reginfo>)";
  const std::string external = R"(<?xml version="1.0"?>
<!DOCTYPE reginfo [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>
<reginfo xmlns="urn:ietf:params:xml:ns:reginfo" version="1" state="full">
  <registration aor="sip:a@b" id="1" state="active">
    <contact id="1" state="active" event="registered"><uri>&xxe;</uri></contact>
  </registration>
</reginfo>)";
  const std::string undeclared = R"(<reginfo xmlns="urn:ietf:params:xml:ns:reginfo" version="1" state="full">
  <registration aor="sip:a@b" id="1" state="active">
    <contact id="1" state="active" event="registered"><uri>&nope;</uri></contact>
  </registration>
</reginfo>)";
  const auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(parse_reginfo(laughs));
  EXPECT_FALSE(parse_reginfo(external));
  EXPECT_FALSE(parse_reginfo(undeclared));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
}

}  // namespace
}  // namespace imsbox::ims
