#include "hss/provisioning.h"

#include <gtest/gtest.h>

#include "aka/digest.h"
#include "ims/subscription.h"
#include "scscf/ifc.h"
#include "store/database.h"
#include "store/service_data_table.h"
#include "unit/test_dir.h"

namespace imsbox::hss {
namespace {

using testing::TempDir;

constexpr const char* kRealm = "ims.example.org";
constexpr const char* kK = "fec86ba6eb707ed08905757b1bb44b8f";
constexpr const char* kOp = "dbc59adcb6f9a0ef735477b7fadf8374";
constexpr const char* kOpc = "1006020f0a478bf6b699f15c062e42b3";  // TS 35.207 set 3

class ProvisioningTest : public ::testing::Test {
 protected:
  ProvisioningTest() : db_(store::Database::open(dir_ / "box.db", "hss")), prov_(db_, kRealm) {}

  NewSubscriber sim(const std::string& user) {
    NewSubscriber s;
    s.impi = user + "@ims.example.org";
    s.impus = {"sip:" + user + "@ims.example.org"};
    s.k = kK;
    s.op = kOp;
    return s;
  }

  void expect_refused(const NewSubscriber& s, const std::string& fragment) {
    try {
      prov_.add(s, 0);
      ADD_FAILURE() << "accepted " << s.impi;
    } catch (const ProvisioningError& e) {
      EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
    }
  }

  std::size_t count() { return prov_.list().size(); }

  TempDir dir_;
  store::Database db_;
  Provisioning prov_;
};

TEST_F(ProvisioningTest, SimSubscriberStoresOpcDerivedFromOp) {
  auto s = sim("alice");
  s.impus.push_back("tel:+15550001");
  prov_.add(s, 1700000000);
  const auto r = prov_.find("alice@ims.example.org");
  ASSERT_TRUE(r);
  ASSERT_TRUE(r->sim);
  EXPECT_FALSE(r->digest);
  EXPECT_EQ(r->sim->opc.reveal(), parse_hex("opc", kOpc, 16));
  EXPECT_EQ(r->sim->k.reveal(), parse_hex("k", kK, 16));
  EXPECT_EQ(r->sim->amf, (std::array<std::uint8_t, 2>{0x80, 0x00}));
  EXPECT_EQ(r->sim->sqn, 0u);
  EXPECT_EQ(r->impus, (std::vector<std::string>{"sip:alice@ims.example.org", "tel:+15550001"}));
}

TEST_F(ProvisioningTest, OpcAmfSqnGivenDirectly) {
  auto s = sim("bob");
  s.op.reset();
  s.opc = "0x1006020F0A478BF6B699F15C062E42B3";
  s.amf = "725c";
  s.sqn = "00000000002a";
  prov_.add(s, 0);
  const auto r = prov_.find("bob@ims.example.org");
  EXPECT_EQ(r->sim->opc.reveal(), parse_hex("opc", kOpc, 16));
  EXPECT_EQ(r->sim->amf, (std::array<std::uint8_t, 2>{0x72, 0x5c}));
  EXPECT_EQ(r->sim->sqn, 42u);
}

TEST_F(ProvisioningTest, PasswordSubscriberKeepsHa1NotThePassword) {
  NewSubscriber s;
  s.impi = "carol@ims.example.org";
  s.impus = {"sip:carol@ims.example.org"};
  s.password = "s3cret";
  prov_.add(s, 0);
  const auto r = prov_.find(s.impi);
  ASSERT_TRUE(r->digest);
  EXPECT_FALSE(r->sim);
  EXPECT_EQ(r->digest->realm, kRealm);
  EXPECT_EQ(r->digest->ha1_md5.reveal(), aka::digest_ha1(aka::DigestAlgorithm::md5, s.impi, kRealm, "s3cret"));
  EXPECT_EQ(r->digest->ha1_sha256.reveal(),
            aka::digest_ha1(aka::DigestAlgorithm::sha256, s.impi, kRealm, "s3cret"));
  // and those of the bare user name, for clients that send "carol"
  EXPECT_EQ(r->digest->username_ha1_md5.reveal(),
            aka::digest_ha1(aka::DigestAlgorithm::md5, "carol", kRealm, "s3cret"));
  EXPECT_EQ(r->digest->username_ha1_sha256.reveal(),
            aka::digest_ha1(aka::DigestAlgorithm::sha256, "carol", kRealm, "s3cret"));
  // the password itself is nowhere in the store
  auto st = db_.prepare("SELECT count(*) FROM hss_subscriber WHERE instr(coalesce(ha1_md5,'') || "
                        "coalesce(ha1_sha256,'') || coalesce(username_ha1_md5,'') || "
                        "coalesce(username_ha1_sha256,'') || realm, 's3cret') > 0");
  ASSERT_TRUE(st.step());
  EXPECT_EQ(st.integer(0), 0);
}

TEST_F(ProvisioningTest, NoBareUserNameHa1ForAnImpiOfAnotherRealm) {
  NewSubscriber s;
  s.impi = "carol@elsewhere.example.org";
  s.impus = {"sip:carol@ims.example.org"};
  s.password = "s3cret";
  prov_.add(s, 0);
  const auto r = prov_.find(s.impi);
  ASSERT_TRUE(r->digest);
  EXPECT_FALSE(r->digest->ha1_md5.reveal().empty());
  EXPECT_TRUE(r->digest->username_ha1_md5.reveal().empty());
  EXPECT_TRUE(r->digest->username_ha1_sha256.reveal().empty());
}

TEST_F(ProvisioningTest, SimAndPasswordTogether) {
  auto s = sim("dave");
  s.password = "pw";
  prov_.add(s, 0);
  const auto r = prov_.find(s.impi);
  EXPECT_TRUE(r->sim);
  EXPECT_TRUE(r->digest);
}

TEST_F(ProvisioningTest, BadInputIsRefusedWithAReasonAndNothingStored) {
  auto s = sim("e");
  s.k = "abc";
  expect_refused(s, "--k must be 32 hex digits");
  s = sim("e");
  s.k = std::string(31, '0') + "g";
  expect_refused(s, "not a hex digit");
  s = sim("e");
  s.op.reset();
  expect_refused(s, "--k needs --op or --opc");
  s = sim("e");
  s.opc = kOpc;
  expect_refused(s, "not both");
  s = sim("e");
  s.amf = "80000";
  expect_refused(s, "--amf must be 4 hex digits");
  s = sim("e");
  s.sqn = "01";
  expect_refused(s, "--sqn must be 12 hex digits");
  s = sim("e");
  s.k.reset();
  expect_refused(s, "--k is required");
  s = sim("e");
  s.impi = "no-realm";
  expect_refused(s, "invalid --impi");
  s = sim("e");
  s.impi = "a@b@c.org";
  expect_refused(s, "invalid --impi");
  s = sim("e");
  s.impi = "a b@c.org";
  expect_refused(s, "invalid --impi");
  s = sim("e");
  s.impus = {"alice@example.org"};
  expect_refused(s, "invalid --impu");
  s = sim("e");
  s.impus = {"sips:e@example.org"};
  expect_refused(s, "not sips:");
  s = sim("e");
  s.impus = {"sip:example.org"};
  expect_refused(s, "needs a user part");
  s = sim("e");
  s.impus = {"tel:5550001"};
  expect_refused(s, "phone-context");
  s = sim("e");
  s.impus = {"sip:e@ims.example.org", "sip:e@ims.example.org"};
  expect_refused(s, "given twice");
  s = sim("e");
  s.impus.clear();
  expect_refused(s, "at least one --impu");
  NewSubscriber none;
  none.impi = "f@ims.example.org";
  none.impus = {"sip:f@ims.example.org"};
  expect_refused(none, "a SIM");
  none.password = "";
  expect_refused(none, "--password must not be empty");
  none.password = "line\nbreak";
  expect_refused(none, "control characters");
  EXPECT_EQ(count(), 0u);
}

TEST_F(ProvisioningTest, DuplicatesAreRefusedWithoutAHalfWrittenSubscriber) {
  prov_.add(sim("alice"), 0);
  expect_refused(sim("alice"), "already exists");
  // a new subscriber whose second IMPU is taken is not stored at all
  auto s = sim("bob");
  s.impus.push_back("sip:alice@ims.example.org");
  expect_refused(s, "already belongs to alice@ims.example.org");
  EXPECT_FALSE(prov_.find("bob@ims.example.org"));
  EXPECT_EQ(count(), 1u);
  auto st = db_.prepare("SELECT count(*) FROM hss_public_identity");
  ASSERT_TRUE(st.step());
  EXPECT_EQ(st.integer(0), 1);
}

TEST_F(ProvisioningTest, ChangeCredentialsAndIdentities) {
  prov_.add(sim("alice"), 0);
  SubscriberChange c;
  c.password = "pw";
  c.sqn = "000000000100";
  c.add_impus = {"tel:+15550001"};
  prov_.change("alice@ims.example.org", c);
  auto r = prov_.find("alice@ims.example.org");
  EXPECT_TRUE(r->digest);
  EXPECT_EQ(r->sim->sqn, 0x100u);
  EXPECT_EQ(r->sim->opc.reveal(), parse_hex("opc", kOpc, 16));  // untouched
  EXPECT_EQ(r->impus.size(), 2u);

  SubscriberChange drop;
  drop.remove_sim = true;
  drop.remove_impus = {"sip:alice@ims.example.org"};
  prov_.change("alice@ims.example.org", drop);
  r = prov_.find("alice@ims.example.org");
  EXPECT_FALSE(r->sim);
  EXPECT_EQ(r->impus, std::vector<std::string>{"tel:+15550001"});
}

TEST_F(ProvisioningTest, NewOpWithStoredKDerivesOpc) {
  auto s = sim("alice");
  s.op.reset();
  s.opc = std::string(32, '0');
  prov_.add(s, 0);
  SubscriberChange c;
  c.op = kOp;
  prov_.change("alice@ims.example.org", c);
  EXPECT_EQ(prov_.find("alice@ims.example.org")->sim->opc.reveal(), parse_hex("opc", kOpc, 16));
}

TEST_F(ProvisioningTest, ChangesThatWouldBreakASubscriberAreRefused) {
  prov_.add(sim("alice"), 0);
  prov_.add(sim("bob"), 0);
  const auto refused = [&](const SubscriberChange& c, const std::string& fragment, const std::string& impi) {
    try {
      prov_.change(impi, c);
      ADD_FAILURE() << "accepted";
    } catch (const ProvisioningError& e) {
      EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
    }
  };
  SubscriberChange c;
  c.remove_sim = true;
  refused(c, "neither", "alice@ims.example.org");
  c = {};
  c.remove_impus = {"sip:alice@ims.example.org"};
  refused(c, "at least one public identity", "alice@ims.example.org");
  c = {};
  c.add_impus = {"sip:bob@ims.example.org"};
  refused(c, "already belongs to bob@ims.example.org", "alice@ims.example.org");
  c = {};
  c.add_impus = {"sip:alice@ims.example.org"};
  refused(c, "already belongs to alice@ims.example.org", "alice@ims.example.org");
  c = {};
  c.remove_impus = {"sip:bob@ims.example.org"};
  refused(c, "does not belong", "alice@ims.example.org");
  c = {};
  c.k = kK;
  refused(c, "a new --k needs --op or --opc", "alice@ims.example.org");
  c = {};
  c.password = "x";
  refused(c, "no subscriber", "nobody@ims.example.org");
  // a refused change left everything as it was
  const auto r = prov_.find("alice@ims.example.org");
  EXPECT_TRUE(r->sim);
  EXPECT_FALSE(r->digest);
  EXPECT_EQ(r->impus, std::vector<std::string>{"sip:alice@ims.example.org"});
}

TEST_F(ProvisioningTest, RemoveDeletesIdentitiesToo) {
  prov_.add(sim("alice"), 0);
  prov_.remove("alice@ims.example.org");
  EXPECT_FALSE(prov_.find("alice@ims.example.org"));
  auto st = db_.prepare("SELECT count(*) FROM hss_public_identity");
  ASSERT_TRUE(st.step());
  EXPECT_EQ(st.integer(0), 0);
  EXPECT_THROW(prov_.remove("alice@ims.example.org"), ProvisioningError);
}

// ---- service profiles: the default one, a named one, none; the box's MMTEL profile ----

class ServiceProfileTest : public ProvisioningTest {
 protected:
  std::optional<std::string> profile_of(const std::string& impu) {
    const auto row = store::ServiceDataTable(db_).public_identity(impu);
    EXPECT_TRUE(row) << impu;
    return row ? row->service_profile : std::nullopt;
  }
  MmtelProfile mmtel(std::string server_name = "sip:127.0.0.1:5070") {
    MmtelProfile p;
    p.server_name = std::move(server_name);
    return p;
  }
  void put_profile(const std::string& name) {
    store::Database::Transaction tx(db_);
    store::ServiceDataTable(db_).add_service_profile(name);
    tx.commit();
  }
};

TEST_F(ServiceProfileTest, NewSubscriberGetsTheDefaultProfileOnEveryIdentity) {
  prov_.ensure_mmtel_profile(mmtel());
  auto s = sim("alice");
  s.impus.push_back("tel:+15550001");
  const auto outcome = prov_.add(s, 0, "mmtel");
  EXPECT_EQ(outcome.service_profile, "mmtel");
  EXPECT_FALSE(outcome.warning);
  EXPECT_EQ(profile_of("sip:alice@ims.example.org"), "mmtel");
  EXPECT_EQ(profile_of("tel:+15550001"), "mmtel");
}

TEST_F(ServiceProfileTest, ANamedProfileOrNoneOverridesTheDefault) {
  prov_.ensure_mmtel_profile(mmtel());
  put_profile("gold");
  auto gold = sim("alice");
  gold.service_profile = "gold";
  EXPECT_EQ(prov_.add(gold, 0, "mmtel").service_profile, "gold");
  EXPECT_EQ(profile_of("sip:alice@ims.example.org"), "gold");
  auto none = sim("bob");
  none.service_profile = "";
  const auto outcome = prov_.add(none, 0, "mmtel");
  EXPECT_FALSE(outcome.service_profile);
  EXPECT_FALSE(outcome.warning);
  EXPECT_EQ(profile_of("sip:bob@ims.example.org"), std::nullopt);
  // no default: none
  EXPECT_FALSE(prov_.add(sim("carol"), 0, "").service_profile);
  EXPECT_EQ(profile_of("sip:carol@ims.example.org"), std::nullopt);
}

TEST_F(ServiceProfileTest, AnUnknownNamedProfileIsRefusedAndNothingStored) {
  auto s = sim("alice");
  s.service_profile = "platinum";
  expect_refused(s, "--service-profile: no service profile 'platinum'");
  EXPECT_FALSE(prov_.find("alice@ims.example.org"));
}

TEST_F(ServiceProfileTest, AMissingDefaultProfileLeavesNoneWithAWarning) {
  const auto outcome = prov_.add(sim("alice"), 0, "mmtel");
  EXPECT_FALSE(outcome.service_profile);
  ASSERT_TRUE(outcome.warning);
  EXPECT_NE(outcome.warning->find("'mmtel'"), std::string::npos) << *outcome.warning;
  EXPECT_TRUE(prov_.find("alice@ims.example.org"));
  EXPECT_EQ(profile_of("sip:alice@ims.example.org"), std::nullopt);
}

TEST_F(ServiceProfileTest, MmtelProfileSendsInvitesToTheTasInItsSessionCases) {
  const auto done = prov_.ensure_mmtel_profile(mmtel("sip:192.0.2.1:5070"));
  EXPECT_TRUE(done.application_server_created);
  EXPECT_TRUE(done.service_profile_created);
  store::ServiceDataTable table(db_);
  const auto as = table.application_server("tas");
  ASSERT_TRUE(as);
  EXPECT_EQ(as->server_name, "sip:192.0.2.1:5070");
  EXPECT_EQ(as->default_handling, 0);  // SESSION_CONTINUED
  const auto ifcs = table.ifcs("mmtel");
  ASSERT_EQ(ifcs.size(), 1u);
  EXPECT_EQ(ifcs[0].application_server, "tas");
  EXPECT_FALSE(ifcs[0].profile_part_indicator);  // registered and unregistered
  ASSERT_TRUE(ifcs[0].trigger_point);
  // as the S-CSCF evaluates it (TS 29.228 Annex E session cases)
  const auto tp = ims::trigger_point_from_json(*ifcs[0].trigger_point);
  using SC = ims::SessionCase;
  for (const auto sc : {SC::originating, SC::terminating_registered, SC::terminating_unregistered, SC::originating_cdiv}) {
    EXPECT_TRUE(scscf::trigger_matches(tp, {"INVITE", nullptr, sc, std::nullopt})) << static_cast<int>(sc);
    EXPECT_FALSE(scscf::trigger_matches(tp, {"MESSAGE", nullptr, sc, std::nullopt})) << static_cast<int>(sc);
  }
  EXPECT_FALSE(scscf::trigger_matches(tp, {"INVITE", nullptr, SC::originating_unregistered, std::nullopt}));
  EXPECT_FALSE(scscf::trigger_matches(tp, {"REGISTER", nullptr, std::nullopt, ims::RegistrationType::initial}));
}

TEST_F(ServiceProfileTest, FirstMmtelProfileGoesToIdentitiesWithoutOne) {
  put_profile("gold");
  auto gold = sim("alice");
  gold.service_profile = "gold";
  prov_.add(gold, 0);
  auto plain = sim("bob");
  plain.impus.push_back("tel:+15550002");
  prov_.add(plain, 0);  // a data dir from before the box had a profile
  const auto done = prov_.ensure_mmtel_profile(mmtel());
  EXPECT_EQ(done.identities_assigned, 2);
  EXPECT_EQ(profile_of("sip:alice@ims.example.org"), "gold");
  EXPECT_EQ(profile_of("sip:bob@ims.example.org"), "mmtel");
  EXPECT_EQ(profile_of("tel:+15550002"), "mmtel");
}

TEST_F(ServiceProfileTest, MmtelProfileNotGivenAwayWhenAskedNot) {
  prov_.add(sim("bob"), 0);
  auto p = mmtel();
  p.assign_to_identities_without_profile = false;
  EXPECT_EQ(prov_.ensure_mmtel_profile(p).identities_assigned, 0);
  EXPECT_EQ(profile_of("sip:bob@ims.example.org"), std::nullopt);
}

TEST_F(ServiceProfileTest, RestartKeepsTheOperatorsEditsAndFollowsTheServerName) {
  prov_.ensure_mmtel_profile(mmtel());
  {  // the operator: SESSION_TERMINATED, and an iFC for MESSAGE instead
    store::Database::Transaction tx(db_);
    store::ServiceDataTable table(db_);
    auto as = *table.application_server("tas");
    as.default_handling = 1;
    table.put_application_server(as);
    table.remove_ifc("mmtel", 0);
    table.put_ifc({"mmtel", 5, "tas", R"({"cnf": true, "spt": [{"group": 0, "method": "MESSAGE"}]})", std::nullopt});
    tx.commit();
  }
  prov_.add(sim("bob"), 0, "");
  auto done = prov_.ensure_mmtel_profile(mmtel());  // a restart, same config
  EXPECT_FALSE(done.application_server_created || done.server_name_changed || done.service_profile_created);
  done = prov_.ensure_mmtel_profile(mmtel("sip:127.0.0.1:15070"));  // tas.sip_port changed
  EXPECT_TRUE(done.server_name_changed);
  EXPECT_EQ(done.identities_assigned, 0);  // not the first time: bob keeps none
  EXPECT_EQ(profile_of("sip:bob@ims.example.org"), std::nullopt);
  store::ServiceDataTable table(db_);
  EXPECT_EQ(table.application_server("tas")->server_name, "sip:127.0.0.1:15070");
  EXPECT_EQ(table.application_server("tas")->default_handling, 1);
  const auto ifcs = table.ifcs("mmtel");
  ASSERT_EQ(ifcs.size(), 1u);
  EXPECT_EQ(ifcs[0].priority, 5);
}

TEST_F(ServiceProfileTest, ADeletedMmtelProfileComesBackWithoutTakingIdentities) {
  prov_.ensure_mmtel_profile(mmtel());
  prov_.add(sim("bob"), 0, "mmtel");
  {
    store::Database::Transaction tx(db_);
    store::ServiceDataTable(db_).remove_service_profile("mmtel");  // bob is left without one
    tx.commit();
  }
  const auto done = prov_.ensure_mmtel_profile(mmtel());
  EXPECT_TRUE(done.service_profile_created);
  EXPECT_EQ(done.identities_assigned, 0);
  EXPECT_EQ(profile_of("sip:bob@ims.example.org"), std::nullopt);
  EXPECT_EQ(store::ServiceDataTable(db_).ifcs("mmtel").size(), 1u);
}

TEST(ProvisioningChecks, ImpiAndImpu) {
  EXPECT_FALSE(check_impi("001010000000001@ims.mnc001.mcc001.3gppnetwork.org"));
  EXPECT_TRUE(check_impi("@x.org"));
  EXPECT_TRUE(check_impi("a@"));
  EXPECT_TRUE(check_impi("a@bad..org"));
  EXPECT_FALSE(check_impu("sip:alice@ims.example.org;user=phone"));
  EXPECT_FALSE(check_impu("tel:+15550001"));
  EXPECT_TRUE(check_impu("sip:alice:pw@ims.example.org"));
  EXPECT_TRUE(check_impu("sip:alice@ims.example.org:5060"));
  EXPECT_TRUE(check_impu("sip:alice@ims.example.org?subject=x"));
}

}  // namespace
}  // namespace imsbox::hss
