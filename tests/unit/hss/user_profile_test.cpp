#include "hss/user_profile.h"

#include <gtest/gtest.h>

#include "hss/provisioning.h"
#include "store/database.h"
#include "store/registration_table.h"
#include "unit/test_dir.h"

namespace imsbox::hss {
namespace {

using testing::TempDir;

class UserProfileTest : public ::testing::Test {
 protected:
  UserProfileTest() : db_(store::Database::open(dir_ / "box.db", "hss")), prov_(db_, "ims.test"), data_(db_) {
    NewSubscriber s;
    s.impi = "alice@ims.test";
    s.impus = {"sip:alice@ims.test", "tel:+15550001", "sip:alice.work@ims.test"};
    s.password = "pw";
    prov_.add(s, 0);
  }

  void set(const std::string& impu, int implicit_set, std::optional<std::string> profile, bool barred = false) {
    auto row = *data_.public_identity(impu);
    row.implicit_set = implicit_set;
    row.service_profile = std::move(profile);
    row.barred = barred;
    data_.update_public_identity(row);
  }

  TempDir dir_;
  store::Database db_;
  Provisioning prov_;
  store::ServiceDataTable data_;
};

TEST_F(UserProfileTest, NewIdentitiesFormOneImplicitSetWithoutProfile) {
  const auto set = implicit_set_of(db_, "tel:+15550001");
  ASSERT_TRUE(set);
  EXPECT_EQ(set->impi, "alice@ims.test");
  ASSERT_EQ(set->identities.size(), 3u);
  EXPECT_EQ(set->identities[0].impu, "tel:+15550001");  // the asked one first
  EXPECT_EQ(set->identities[1].impu, "sip:alice@ims.test");
  const auto sub = subscription_of(db_, *set);
  EXPECT_EQ(sub.private_id, "alice@ims.test");
  ASSERT_EQ(sub.service_profiles.size(), 1u);
  EXPECT_EQ(sub.service_profiles[0].public_identities.size(), 3u);
  EXPECT_TRUE(sub.service_profiles[0].ifcs.empty());
  EXPECT_FALSE(implicit_set_of(db_, "sip:nobody@ims.test"));
}

TEST_F(UserProfileTest, SetsAndProfilesSplitTheIdentities) {
  data_.put_application_server({"tas", "sip:tas.ims.test:5070", 1, "mmtel", true, false});
  data_.add_service_profile("voice");
  data_.put_ifc({"voice", 5, "tas", R"({"cnf": true, "spt": [{"group": 0, "method": "INVITE"}]})", 0});
  data_.put_ifc({"voice", 1, "tas", std::nullopt, std::nullopt});
  set("sip:alice@ims.test", 1, "voice");
  set("tel:+15550001", 1, std::nullopt, true);
  set("sip:alice.work@ims.test", 2, "voice");

  const auto home = implicit_set_of(db_, "sip:alice@ims.test");
  ASSERT_EQ(home->identities.size(), 2u);  // the work identity is another set
  const auto sub = subscription_of(db_, *home);
  ASSERT_EQ(sub.service_profiles.size(), 2u);
  const auto& voice = sub.service_profiles[0];
  ASSERT_EQ(voice.public_identities.size(), 1u);
  EXPECT_EQ(voice.public_identities[0].identity, "sip:alice@ims.test");
  ASSERT_EQ(voice.ifcs.size(), 2u);
  EXPECT_EQ(voice.ifcs[0].priority, 1);  // priority order
  EXPECT_FALSE(voice.ifcs[0].trigger_point);
  EXPECT_EQ(voice.ifcs[1].priority, 5);
  ASSERT_TRUE(voice.ifcs[1].trigger_point);
  EXPECT_EQ(std::get<ims::MethodCondition>(voice.ifcs[1].trigger_point->spts.at(0).condition).method, "INVITE");
  EXPECT_EQ(voice.ifcs[1].application_server,
            (ims::ApplicationServer{"sip:tas.ims.test:5070", ims::DefaultHandling::session_terminated, "mmtel", true, false}));
  EXPECT_EQ(voice.ifcs[1].profile_part_indicator, ims::ProfilePartIndicator::registered);
  const auto& bare = sub.service_profiles[1];
  ASSERT_EQ(bare.public_identities.size(), 1u);
  EXPECT_EQ(bare.public_identities[0].identity, "tel:+15550001");
  EXPECT_TRUE(bare.public_identities[0].barred);
  EXPECT_TRUE(bare.ifcs.empty());
  EXPECT_EQ(implicit_set_of(db_, "sip:alice.work@ims.test")->identities.size(), 1u);
}

TEST_F(UserProfileTest, TheStoreRefusesDanglingReferences) {
  data_.add_service_profile("voice");
  EXPECT_THROW(data_.put_ifc({"voice", 0, "no-such-as", std::nullopt, std::nullopt}), store::StoreError);
  data_.put_application_server({"tas", "sip:tas", 0, std::nullopt, false, false});
  data_.put_ifc({"voice", 0, "tas", std::nullopt, std::nullopt});
  EXPECT_THROW(data_.remove_application_server("tas"), store::StoreError);  // an iFC uses it
  set("sip:alice@ims.test", 1, "voice");
  EXPECT_TRUE(data_.remove_service_profile("voice"));  // iFCs go, the identity loses its profile
  EXPECT_TRUE(data_.ifcs("voice").empty());
  EXPECT_FALSE(data_.public_identity("sip:alice@ims.test")->service_profile);
  EXPECT_TRUE(data_.remove_application_server("tas"));
}

TEST_F(UserProfileTest, RegistrationRowsFollowTheirIdentity) {
  store::RegistrationTable reg(db_);
  EXPECT_FALSE(reg.find("sip:alice@ims.test"));
  const store::RegistrationRow row{"sip:alice@ims.test", store::RegistrationState::registered, "alice@ims.test",
                                   "sip:scscf.ims.test:6060", "scscf.ims.test", "ims.test", 1700000000};
  reg.put(row);
  EXPECT_EQ(reg.find("sip:alice@ims.test"), row);
  EXPECT_EQ(reg.of_impi("alice@ims.test").size(), 1u);
  // alice's identities are one set: nothing of another set is held
  EXPECT_FALSE(reg.other_set_held("alice@ims.test", 1));
  set("sip:alice.work@ims.test", 2, std::nullopt);
  EXPECT_EQ(data_.implicit_set("alice@ims.test", 1).size(), 2u);
  EXPECT_EQ(data_.implicit_set("alice@ims.test", 2).size(), 1u);
  EXPECT_FALSE(reg.other_set_held("alice@ims.test", 1));
  EXPECT_TRUE(reg.other_set_held("alice@ims.test", 2));  // the row of set 1
  prov_.remove("alice@ims.test");
  EXPECT_FALSE(reg.find("sip:alice@ims.test"));  // deleting the subscriber deletes its state
}

TEST_F(UserProfileTest, ProfileChangesAreLoggedForPushProfile) {
  NewSubscriber other;
  other.impi = "bob@ims.test";
  other.impus = {"sip:bob@ims.test"};
  other.password = "pw";
  prov_.add(other, 0);
  const auto changed = [&] {
    std::vector<std::string> out;
    auto st = db_.cached("SELECT impi FROM hss_profile_change ORDER BY impi");
    while (st->step()) out.push_back(st->text(0));
    db_.cached("DELETE FROM hss_profile_change")->run();
    return out;
  };
  EXPECT_EQ(changed(), (std::vector<std::string>{"alice@ims.test", "bob@ims.test"}));  // new identities
  EXPECT_TRUE(changed().empty());
  data_.put_application_server({"tas", "sip:tas", 0, std::nullopt, false, false});
  data_.add_service_profile("voice");
  set("sip:alice@ims.test", 1, "voice");
  EXPECT_EQ(changed(), std::vector<std::string>{"alice@ims.test"});
  data_.put_ifc({"voice", 0, "tas", std::nullopt, std::nullopt});  // only alice uses the profile
  EXPECT_EQ(changed(), std::vector<std::string>{"alice@ims.test"});
  data_.put_application_server({"tas", "sip:tas2", 0, std::nullopt, false, false});
  EXPECT_EQ(changed(), std::vector<std::string>{"alice@ims.test"});
  data_.remove_service_profile("voice");  // iFCs deleted, identity's profile cleared
  EXPECT_EQ(changed(), std::vector<std::string>{"alice@ims.test"});
  prov_.remove("bob@ims.test");
  EXPECT_TRUE(changed().empty());  // a deleted subscriber has nothing to push
}

}  // namespace
}  // namespace imsbox::hss
