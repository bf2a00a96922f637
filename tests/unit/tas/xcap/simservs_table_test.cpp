#include "store/simservs_table.h"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include "runtime/clock.h"
#include "runtime/log.h"
#include "store/database.h"
#include "tas/services.h"
#include "unit/test_dir.h"

namespace imsbox {
namespace {

using testing::TempDir;

constexpr const char* kCfu = R"(<?xml version="1.0" encoding="UTF-8"?>
<simservs xmlns="http://uri.etsi.org/ngn/params/xml/simservs/xcap" xmlns:cp="urn:ietf:params:xml:ns:common-policy">
  <communication-diversion active="true">
    <cp:ruleset>
      <cp:rule id="cfu"><cp:conditions/><cp:actions><forward-to><target>sip:voicemail@ims.test</target></forward-to></cp:actions></cp:rule>
    </cp:ruleset>
  </communication-diversion>
</simservs>)";

TEST(SimservsTable, PutFindEraseWithFreshEtags) {
  TempDir dir;
  auto db = store::Database::open(dir / "box.db", "tas");
  store::SimservsTable table(db);
  EXPECT_FALSE(table.find("sip:alice@ims.test"));

  const std::string first = table.put("sip:alice@ims.test", "<simservs/>");
  ASSERT_GE(first.size(), 3u);
  EXPECT_EQ(first.front(), '"');  // a strong entity tag is quoted, without W/
  EXPECT_EQ(first.back(), '"');
  auto found = table.find("sip:alice@ims.test");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->document, "<simservs/>");
  EXPECT_EQ(found->etag, first);
  EXPECT_GT(found->updated_at, 0);

  // replacing, even with the same text, gives a new tag
  const std::string second = table.put("sip:alice@ims.test", "<simservs/>");
  EXPECT_NE(second, first);
  EXPECT_EQ(table.find("sip:alice@ims.test")->etag, second);
  EXPECT_FALSE(table.find("sip:bob@ims.test"));

  EXPECT_TRUE(table.erase("sip:alice@ims.test"));
  EXPECT_FALSE(table.erase("sip:alice@ims.test"));
  EXPECT_FALSE(table.find("sip:alice@ims.test"));
}

TEST(SimservsTable, OnlyTheTasWritesIt) {
  TempDir dir;
  auto hss = store::Database::open(dir / "box.db", "hss");
  EXPECT_THROW(store::SimservsTable(hss).put("sip:alice@ims.test", "<simservs/>"), store::StoreError);
  auto tas = store::Database::open(dir / "box.db", "tas");
  store::SimservsTable(tas).put("sip:alice@ims.test", "<simservs/>");
  // every node may read it
  EXPECT_TRUE(store::SimservsTable(hss).find("sip:alice@ims.test"));
}

class ServicesOf : public ::testing::Test {
 protected:
  ServicesOf()
      : db_(store::Database::open(dir_ / "box.db", "tas")),
        log_("tas", runtime::LogLevel::info, dir_ / "tas.log", clock_) {}
  std::string log_text() {
    std::ifstream in(dir_ / "tas.log");
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  TempDir dir_;
  store::Database db_;
  runtime::ManualClock clock_;
  runtime::Logger log_;
};

TEST_F(ServicesOf, StoredDocument) {
  store::SimservsTable table(db_);
  table.put("sip:alice@ims.test", kCfu);
  const auto doc = tas::services_of(table, "sip:alice@ims.test", log_);
  ASSERT_TRUE(doc.services().communication_diversion);
  ASSERT_EQ(doc.services().communication_diversion->rules.size(), 1u);
  EXPECT_EQ(doc.services().communication_diversion->rules[0].actions.forward_to->target, "sip:voicemail@ims.test");
}

TEST_F(ServicesOf, NoDocumentIsNoService) {
  store::SimservsTable table(db_);
  const auto doc = tas::services_of(table, "sip:alice@ims.test", log_);
  EXPECT_FALSE(doc.services().communication_diversion);
  EXPECT_FALSE(doc.services().outgoing_communication_barring);
}

TEST_F(ServicesOf, UnreadableDocumentIsAllServicesOffAndALogLine) {
  store::SimservsTable table(db_);
  table.put("sip:alice@ims.test", "<simservs xmlns=\"http://uri.etsi.org/ngn/params/xml/simservs/xcap\"><communicat");
  const auto doc = tas::services_of(table, "sip:alice@ims.test", log_);
  EXPECT_FALSE(doc.services().communication_diversion);
  const auto text = log_text();
  EXPECT_NE(text.find("sip:alice@ims.test"), std::string::npos) << text;
  EXPECT_NE(text.find("all its supplementary services are off"), std::string::npos) << text;
}

}  // namespace
}  // namespace imsbox
