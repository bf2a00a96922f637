// The RFC 4475 torture messages (../shared/testdata/rfc4475) against the
// expectations in their MANIFEST.csv.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>

#include "sip/parser.h"

namespace imsbox::sip {
namespace {

struct Case {
  std::string file, section, syntax, handling;
};

std::vector<Case> manifest() {
  std::ifstream in(IMSBOX_TESTDATA "/rfc4475/MANIFEST.csv");
  std::vector<Case> out;
  std::string line;
  std::getline(in, line);  // header
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    // file,section,title,syntax,expected_handling (the last may hold commas; the title has none)
    std::vector<std::string> f;
    std::size_t start = 0;
    for (int i = 0; i < 4; ++i) {
      const auto comma = line.find(',', start);
      f.push_back(line.substr(start, comma - start));
      start = comma + 1;
    }
    f.push_back(line.substr(start));
    out.push_back({f[0], f[1], f[3], f[4]});
  }
  return out;
}

std::string read(const std::string& file) {
  std::ifstream in(IMSBOX_TESTDATA "/rfc4475/" + file, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The verdict the manifest asks for: "valid", "valid (response)", "valid
// (RFC 2543)" ... are accepted; "invalid ...", "framing error" and "valid
// syntax / <bad semantics, missing fields>" are rejected (400 or dropped).
bool expect_accept(const Case& c) {
  return c.syntax.starts_with("valid") && !c.syntax.starts_with("valid syntax /");
}

TEST(Rfc4475, EveryMessageGetsTheManifestVerdict) {
  const auto cases = manifest();
  ASSERT_EQ(cases.size(), 49u);
  for (const auto& c : cases) {
    const auto bytes = read(c.file);
    ASSERT_FALSE(bytes.empty()) << c.file;
    const auto r = parse_message(bytes);
    if (expect_accept(c)) {
      EXPECT_TRUE(r.well_formed()) << c.file << " (" << c.section << ") rejected: " << r.reason;
    } else {
      EXPECT_FALSE(r.well_formed()) << c.file << " (" << c.section << ") accepted; expected: " << c.handling;
      EXPECT_FALSE(r.reason.empty()) << c.file;
    }
  }
}

TEST(Rfc4475, ResponsesToBrokenRequests) {
  const std::map<std::string, int> expected_status = {
      {"badvers.dat", 505},   {"scalar02.dat", 400}, {"mismatch01.dat", 400}, {"mismatch02.dat", 400},
      {"badinv01.dat", 0},    {"quotbal.dat", 0},    {"ltgtruri.dat", 400},   {"lwsruri.dat", 400},
      {"escruri.dat", 400},   {"baddate.dat", 400},  {"regbadct.dat", 400},   {"badbranch.dat", 400},
      {"insuf.dat", 0},       {"multi01.dat", 0},    {"mcl01.dat", 400},      {"clerr.dat", 400},
      {"ncl.dat", 400},       {"scalarlg.dat", 0},   {"bigcode.dat", 0},      {"lwsstart.dat", 400},
      {"trws.dat", 400},
  };
  for (const auto& [file, status] : expected_status) {
    const auto r = parse_message(read(file));
    EXPECT_EQ(r.status, status) << file << ": " << r.reason;
    EXPECT_EQ(r.message.has_value(), status != 0) << file;
  }
}

TEST(Rfc4475, TortuousInviteParsesAsIntended) {
  const auto r = parse_message(read("wsinv.dat"));
  ASSERT_TRUE(r.well_formed()) << r.reason;
  const auto& m = *r.message;
  EXPECT_EQ(m.method(), "INVITE");
  EXPECT_EQ(m.request_uri(), "sip:vivekg@chair-dnrc.example.com;unknownparam");
  EXPECT_EQ(m.max_forwards(), 68u);
  EXPECT_EQ(m.cseq().number, 9u);
  EXPECT_EQ(m.cseq().method, "INVITE");
  EXPECT_EQ(m.to().tag(), "1918181833n");
  EXPECT_EQ(m.from().tag(), "98asjd8");
  EXPECT_EQ(m.from().display_name, R"("J Rosenberg \\\"")");
  const auto vias = m.vias();
  ASSERT_EQ(vias.size(), 3u);
  EXPECT_EQ(vias[1].transport, "TCP");
  EXPECT_EQ(vias[1].host, "spindle.example.com");
  EXPECT_EQ(vias[1].branch(), "z9hG4bK9ikj8");
  EXPECT_EQ(vias[2].host, "192.168.255.111");
  EXPECT_EQ(vias[0].transport, "UDP");
  EXPECT_EQ(vias[0].host, "192.0.2.2");
  EXPECT_EQ(vias[0].branch(), "390skdjuw");
  EXPECT_EQ(m.body().size(), 150u);
  // unknown headers are kept byte for byte
  const auto* odd = m.find("UnknownHeaderWithUnusualValue");
  ASSERT_NE(odd, nullptr);
  EXPECT_EQ(odd->raw, "UnknownHeaderWithUnusualValue: ;;,,;;,;");
  EXPECT_NE(m.serialize().find("NewFangledHeader:   newfangled value\r\n continued newfangled value\r\n"),
            std::string::npos);
}

TEST(Rfc4475, EscapedMethodIsNotRegisterAndCompactFormsWork) {
  auto r = parse_message(read("esc02.dat"));
  ASSERT_TRUE(r.well_formed()) << r.reason;
  EXPECT_EQ(r.message->method(), "RE%47IST%45R");
  EXPECT_EQ(r.message->count(HeaderId::contact), 2u);  // C%6Fntact is another header
  r = parse_message(read("dblreq.dat"));
  ASSERT_TRUE(r.well_formed()) << r.reason;
  EXPECT_EQ(r.message->method(), "REGISTER");
  EXPECT_EQ(r.message->call_id(), "dblreq.0ha0isndaksdj99sdfafnl3lk233412");  // "I:" compact form
  EXPECT_TRUE(r.message->body().empty());  // the trailing INVITE octets are ignored
}

TEST(Rfc4475, MultipartBodyWithNulIsFramedByContentLength) {
  const auto r = parse_message(read("mpart01.dat"));
  ASSERT_TRUE(r.well_formed()) << r.reason;
  const auto cl = parse_number(r.message->find(HeaderId::content_length)->value, 100000);
  EXPECT_EQ(r.message->body().size(), cl.value);
  EXPECT_NE(r.message->body().find('\0'), std::string_view::npos);
}

}  // namespace
}  // namespace imsbox::sip
