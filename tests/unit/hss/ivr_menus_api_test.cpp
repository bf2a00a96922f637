// The IVR-menu resources of the provisioning API (hss/ivr_menus_api.h),
// through ProvisioningApi as the HSS serves them, over the table the MRF
// reads (store::IvrMenuTable).
#include "hss/ivr_menus_api.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "hss/provisioning_api.h"
#include "mrf/ivr_menu.h"
#include "runtime/clock.h"
#include "store/database.h"
#include "store/ivr_menu_table.h"
#include "unit/hss/api_request.h"
#include "unit/test_dir.h"

namespace imsbox::hss {
namespace {

namespace json = boost::json;
using runtime::HttpResponse;

constexpr const char* kToken = "ivr-token-0123456789";
constexpr const char* kMain = "/v1/ivr-menus/main";
constexpr const char* kMainJson = R"({"prompt": "menu-main",
  "choices": {"1": "play welcome", "2": "transfer sip:bert@ims.example.org", "9": "hangup", "*0": "menu sub"},
  "timeout_ms": 4000, "retries": 1})";

class IvrMenusApiTest : public ::testing::Test {
 protected:
  IvrMenusApiTest()
      : hss_db_(store::Database::open(dir_ / "box.db", "hss")), mrf_db_(store::Database::open(dir_ / "box.db", "mrf")) {
    ProvisioningApiOptions o;
    o.realm = "ims.example.org";
    o.token = kToken;
    o.ivr_store = &mrf_db_;
    api_.emplace(hss_db_, clock_, std::move(o));
  }

  HttpResponse call(std::string method, std::string target, std::string body = {},
                    std::optional<std::string> auth = std::string("Bearer ") + kToken) {
    return (*api_)(test::make_request(std::move(method), std::move(target), std::move(body), std::move(auth)));
  }
  static json::object expect(const HttpResponse& r, int status) {
    EXPECT_EQ(r.status, status) << r.body;
    EXPECT_EQ(r.content_type, "application/json") << r.body;
    auto v = json::parse(r.body);
    return v.is_object() ? v.as_object() : json::object{};
  }
  static std::string error_of(const HttpResponse& r, int status) {
    const auto o = expect(r, status);
    return o.contains("error") ? std::string(o.at("error").as_string()) : "no error: " + r.body;
  }
  // The menu as the MRF would read it (mrf.cpp: IvrMenuTable + parse_menu).
  std::optional<mrf::Menu> stored(const std::string& name) {
    const auto s = store::IvrMenuTable(mrf_db_).find(name);
    if (!s) return std::nullopt;
    auto parsed = mrf::parse_menu(s->definition);
    EXPECT_TRUE(std::holds_alternative<mrf::Menu>(parsed)) << s->definition;
    return std::holds_alternative<mrf::Menu>(parsed) ? std::optional(std::get<mrf::Menu>(parsed)) : std::nullopt;
  }

  testing::TempDir dir_;
  store::Database hss_db_;
  store::Database mrf_db_;
  runtime::ManualClock clock_;
  std::optional<ProvisioningApi> api_;
};

TEST_F(IvrMenusApiTest, PutCreatesThenReplacesAndTheMrfReadsIt) {
  EXPECT_TRUE(expect(call("GET", "/v1/ivr-menus"), 200).at("ivr_menus").as_array().empty());

  const auto created = call("PUT", kMain, kMainJson);
  auto o = expect(created, 201);
  EXPECT_EQ(runtime::find_http_header(created.headers, "Location"), std::string_view("/v1/ivr-menus/main"));
  EXPECT_EQ(o.at("name").as_string(), "main");
  EXPECT_EQ(o.at("uri").as_string(), "sip:ivr@mrf.ims.example.org;menu=main");
  EXPECT_EQ(o.at("prompt").as_string(), "menu-main");
  EXPECT_EQ(o.at("choices").as_object().at("2").as_string(), "transfer sip:bert@ims.example.org");
  EXPECT_EQ(o.at("choices").as_object().at("*0").as_string(), "menu sub");
  EXPECT_EQ(o.at("invalid").as_string(), "invalid-choice");  // the default
  EXPECT_EQ(o.at("timeout_ms").as_int64(), 4000);
  EXPECT_EQ(o.at("interdigit_ms").as_int64(), 3000);
  EXPECT_EQ(o.at("retries").as_int64(), 1);

  auto menu = stored("main");
  ASSERT_TRUE(menu);
  EXPECT_EQ(menu->prompt, "menu-main");
  EXPECT_EQ(menu->first_digit_timeout, std::chrono::milliseconds(4000));
  EXPECT_EQ(menu->choices.at("1"), (mrf::MenuChoice{mrf::MenuChoice::Kind::play, "welcome"}));
  EXPECT_EQ(menu->choices.at("9"), (mrf::MenuChoice{mrf::MenuChoice::Kind::hangup, ""}));
  // stored as `imsbox ivr add` stores it: the written form of the parsed menu
  EXPECT_EQ(store::IvrMenuTable(mrf_db_).find("main")->definition, mrf::write_menu(*menu));
  EXPECT_EQ(o.at("definition").as_string(), mrf::write_menu(*menu));

  // a whole replacement, here as a definition text
  auto replaced = expect(call("PUT", kMain, R"({"name": "main", "definition": "prompt = welcome\nchoice 5 = hangup\n"})"), 200);
  EXPECT_EQ(replaced.at("prompt").as_string(), "welcome");
  menu = stored("main");
  ASSERT_TRUE(menu);
  EXPECT_EQ(menu->prompt, "welcome");
  ASSERT_EQ(menu->choices.size(), 1u);
  EXPECT_TRUE(menu->choices.contains("5"));
  EXPECT_EQ(menu->first_digit_timeout, std::chrono::milliseconds(5000));  // not kept from before: replaced

  auto got = expect(call("GET", kMain), 200);
  got.erase("updated_at");
  replaced.erase("updated_at");
  EXPECT_EQ(got, replaced);
  ASSERT_EQ(call("PUT", "/v1/ivr-menus/sub", R"({"prompt": "menu-sub", "choices": {"1": "menu main"}})").status, 201);
  const auto list = expect(call("GET", "/v1/ivr-menus"), 200).at("ivr_menus").as_array();
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].as_object().at("name").as_string(), "main");
  EXPECT_EQ(list[1].as_object().at("name").as_string(), "sub");
}

TEST_F(IvrMenusApiTest, BadMenusAre400WithTheReasonOfImsboxIvrAddAndStoreNothing) {
  ASSERT_EQ(call("PUT", kMain, kMainJson).status, 201);
  const auto before = store::IvrMenuTable(mrf_db_).find("main")->definition;
  auto bad = [&](const std::string& body) { return error_of(call("PUT", kMain, body), 400); };

  EXPECT_EQ(bad(R"({"prompt": "p", "choices": {"2": "transfer bert"}})"),
            "field 'choices.2': transfer needs a sip:, sips: or tel: URI");
  EXPECT_EQ(bad(R"({"prompt": "p", "choices": {"12345678x": "hangup"}})"),
            "field 'choices.12345678x': a choice is 1-8 of 0-9, *, # (choice 1 = ...)");
  EXPECT_EQ(bad(R"({"prompt": "p", "choices": {"1": "menu Main!"}})"),
            "field 'choices.1': menu needs a menu name (a-z, 0-9, - and _)");
  EXPECT_EQ(bad(R"({"prompt": "p", "choices": {"1": "dance"}})"),
            "field 'choices.1': a choice is play PROMPT, menu NAME, transfer URI or hangup");
  EXPECT_EQ(bad(R"({"prompt": "p", "choices": {"1": "play"}})"), "field 'choices.1': play needs an argument");
  EXPECT_EQ(bad(R"({"prompt": "p", "choices": {"1": 7}})").substr(0, 37), "field 'choices.1' must be a string (p");
  EXPECT_EQ(bad(R"({"prompt": "p", "choices": {"1": "hangup"}, "retries": 11})"), "field 'retries': retries must be 0-10");
  EXPECT_EQ(bad(R"({"prompt": "p", "choices": {"1": "hangup"}, "timeout_ms": 50})"),
            "field 'timeout_ms': timeout_ms must be 100-600000 (ms)");
  EXPECT_EQ(bad(R"({"prompt": "p", "choices": {"1": "hangup"}, "interdigit_ms": true})"),
            "field 'interdigit_ms' must be a string or a whole number");
  // a value cannot smuggle a second line into the stored definition
  EXPECT_EQ(bad(R"({"prompt": "p\nchoice 3 = hangup", "choices": {"1": "hangup"}})"),
            "field 'prompt': prompt holds a control character (one line per key)");
  EXPECT_EQ(bad(R"({"prompt": "p"})"), "a menu needs at least one choice (choice 1 = ...)");
  EXPECT_EQ(bad(R"({"choices": {"1": "hangup"}})"), "a menu needs a prompt (prompt = NAME)");
  EXPECT_EQ(bad(R"({"definition": "prompt = p\nchoice 1 = jump\n"})"),
            "field 'definition': line 2: a choice is play PROMPT, menu NAME, transfer URI or hangup");
  EXPECT_EQ(bad(R"({"definition": "prompt = p\nchoice 1 = hangup\n", "retries": 1})"),
            "field 'definition' replaces the other menu fields: send one or the other");
  EXPECT_EQ(bad(R"({"prompt": "p", "choices": {"1": "hangup"}, "name": "other"})"),
            "field 'name' must match the path (main)");
  EXPECT_EQ(bad(R"({"prompt": "p", "choice": {"1": "hangup"}})").substr(0, 25), "unknown field 'choice' (k");
  EXPECT_EQ(bad("{").substr(0, 25), "the body is not valid JSO");
  EXPECT_EQ(bad(""), "the request needs a JSON object as its body");
  EXPECT_EQ(bad("[]"), "the body must be a JSON object");
  EXPECT_EQ(error_of(call("PUT", "/v1/ivr-menus/Main", kMainJson), 400),
            "'Main' is not a menu name (1-64 of a-z, 0-9, - and _)");

  EXPECT_EQ(store::IvrMenuTable(mrf_db_).find("main")->definition, before);
  EXPECT_FALSE(store::IvrMenuTable(mrf_db_).find("Main"));
  EXPECT_EQ(store::IvrMenuTable(mrf_db_).list().size(), 1u);
}

TEST_F(IvrMenusApiTest, TheSameDefinitionsAreRefusedHereAndByParseMenu) {
  // the JSON fields go through set_menu_key, the definition through parse_menu: one rule set
  for (const auto& [field, value] : std::vector<std::pair<std::string, std::string>>{
           {"1", "transfer mailto:x@y"}, {"1", "menu "}, {"#", "play"}, {"123456789", "hangup"}}) {
    const std::string line = "choice " + field + " = " + value;
    const auto parsed = mrf::parse_menu("prompt = p\n" + line + "\n");
    ASSERT_TRUE(std::holds_alternative<std::string>(parsed)) << line;
    json::object body{{"prompt", "p"}, {"choices", json::object{{field, value}}}};
    const auto error = error_of(call("PUT", kMain, json::serialize(body)), 400);
    EXPECT_EQ(error, "field 'choices." + field + "': " + std::get<std::string>(parsed).substr(8)) << line;
  }
  EXPECT_FALSE(store::IvrMenuTable(mrf_db_).find("main"));
}

TEST_F(IvrMenusApiTest, DeleteUnknownMethodsAndTheToken) {
  ASSERT_EQ(call("PUT", kMain, kMainJson).status, 201);
  EXPECT_EQ(call("GET", kMain, {}, std::nullopt).status, 401);
  EXPECT_EQ(call("PUT", kMain, R"({"prompt": "x", "choices": {"1": "hangup"}})", "Bearer wrong").status, 401);
  EXPECT_EQ(call("DELETE", kMain, {}, "Bearer wrong").status, 401);
  EXPECT_EQ(stored("main")->prompt, "menu-main");

  const auto wrong = call("POST", "/v1/ivr-menus", "{}");
  EXPECT_EQ(wrong.status, 405);
  EXPECT_EQ(runtime::find_http_header(wrong.headers, "Allow"), std::string_view("GET"));
  EXPECT_EQ(runtime::find_http_header(call("PATCH", kMain, "{}").headers, "Allow"),
            std::string_view("GET, PUT, DELETE"));
  EXPECT_EQ(call("GET", std::string(kMain) + "/more").status, 404);

  EXPECT_EQ(call("DELETE", kMain).status, 204);
  EXPECT_FALSE(store::IvrMenuTable(mrf_db_).find("main"));
  EXPECT_EQ(error_of(call("DELETE", kMain), 404), "no IVR menu main");
  EXPECT_EQ(error_of(call("GET", kMain), 404), "no IVR menu main");
}

TEST_F(IvrMenusApiTest, AStoredDefinitionThatNoLongerParsesIsShownWithItsError) {
  store::IvrMenuTable(mrf_db_).put("old", "prompt = p\nchoice 1 = dance\n");
  auto o = expect(call("GET", "/v1/ivr-menus/old"), 200);
  EXPECT_EQ(o.at("definition").as_string(), "prompt = p\nchoice 1 = dance\n");
  EXPECT_NE(std::string(o.at("error").as_string()).find("line 2"), std::string::npos);
  EXPECT_FALSE(o.contains("prompt"));
}

TEST(IvrMenusApi, WithoutAStoreConnectionTheResourcesAre503) {
  testing::TempDir dir;
  auto db = store::Database::open(dir / "box.db", "hss");
  runtime::ManualClock clock;
  ProvisioningApiOptions o;
  o.token = kToken;
  ProvisioningApi api(db, clock, std::move(o));
  EXPECT_EQ(api(test::make_request("GET", "/v1/ivr-menus", {}, std::string("Bearer ") + kToken)).status, 503);
}

}  // namespace
}  // namespace imsbox::hss
