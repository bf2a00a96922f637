#include "hss/cx_service.h"

#include <gtest/gtest.h>

#include "aka/digest.h"
#include "hss/provisioning.h"
#include "runtime/clock.h"
#include "runtime/log.h"
#include "store/database.h"
#include "store/registration_table.h"
#include "store/service_data_table.h"
#include "unit/test_dir.h"

namespace imsbox::hss {
namespace {

using namespace diameter;
using testing::TempDir;

constexpr const char* kScscf = "sip:scscf.ims.test:6060";

Result exp(std::uint32_t c) { return Result::experimental_code(c); }
Result base(std::uint32_t c) { return Result::base(c); }

class CxServiceTest : public ::testing::Test {
 protected:
  CxServiceTest()
      : db_(store::Database::open(dir_ / "box.db", "hss")),
        prov_(db_, "ims.test"),
        log_("hss", runtime::LogLevel::error, {}, clock_),
        auc_(db_, SqnPolicy(5), system_random()),
        cx_(db_, auc_, CxService::Options{4}, [] { return std::int64_t{1700000000}; }, log_) {
    NewSubscriber sim;
    sim.impi = "alice@ims.test";
    sim.impus = {"sip:alice@ims.test", "tel:+15550001"};
    sim.k = "465b5ce8b199b49faa5f0a2ee238a6bc";
    sim.opc = "cd63cb71954a9f4e48a5994e37a02baf";
    prov_.add(sim, 0);
    NewSubscriber pw;
    pw.impi = "bob@ims.test";
    pw.impus = {"sip:bob@ims.test"};
    pw.password = "secret";
    prov_.add(pw, 0);
  }

  UserAuthorizationAnswer uar(const std::string& impi, const std::string& impu,
                              UserAuthorizationType type = UserAuthorizationType::registration) {
    UserAuthorizationRequest r;
    r.user_name = impi;
    r.public_identity = impu;
    r.visited_network_identifier = "ims.test";
    r.authorization_type = type;
    return cx_.user_authorization(r);
  }

  MultimediaAuthAnswer mar(const std::string& impi, const std::string& impu, std::string scheme, std::uint32_t items = 1,
                           std::vector<std::uint8_t> resync = {}) {
    MultimediaAuthRequest r;
    r.header.origin_host = "scscf.ims.test";
    r.header.origin_realm = "ims.test";
    r.user_name = impi;
    r.public_identity = impu;
    r.auth_data_item.authentication_scheme = std::move(scheme);
    r.auth_data_item.sip_authorization = runtime::SecretBytes(std::move(resync));
    r.number_auth_items = items;
    r.server_name = kScscf;
    return cx_.multimedia_auth(r);
  }

  ServerAssignmentAnswer sar(const std::string& impi, const std::string& impu, ServerAssignmentType type,
                             std::string server = kScscf,
                             UserDataAlreadyAvailable available = UserDataAlreadyAvailable::user_data_not_available) {
    ServerAssignmentRequest r;
    r.header.origin_host = "scscf.ims.test";
    r.header.origin_realm = "ims.test";
    r.user_name = impi;
    r.public_identities = {impu};
    r.server_name = std::move(server);
    r.server_assignment_type = type;
    r.user_data_already_available = available;
    return cx_.server_assignment(r);
  }

  LocationInfoAnswer lir(const std::string& impu) {
    LocationInfoRequest r;
    r.public_identity = impu;
    return cx_.location_info(r);
  }

  std::optional<store::RegistrationRow> reg(const std::string& impu) { return store::RegistrationTable(db_).find(impu); }

  TempDir dir_;
  store::Database db_;
  Provisioning prov_;
  runtime::ManualClock clock_;
  runtime::Logger log_;
  AuthenticationCentre auc_;
  CxService cx_;
};

TEST_F(CxServiceTest, UarUnknownMismatchedAndFirstRegistration) {
  EXPECT_EQ(uar("alice@ims.test", "sip:nobody@ims.test").header.result, exp(5001));
  EXPECT_EQ(uar("nobody@ims.test", "sip:alice@ims.test").header.result, exp(5001));
  EXPECT_EQ(uar("bob@ims.test", "sip:alice@ims.test").header.result, exp(5002));
  const auto first = uar("alice@ims.test", "sip:alice@ims.test");
  EXPECT_EQ(first.header.result, exp(2001));
  EXPECT_TRUE(first.server_capabilities);
  EXPECT_TRUE(first.server_name.empty());
  EXPECT_EQ(uar("alice@ims.test", "sip:alice@ims.test", UserAuthorizationType::de_registration).header.result,
            exp(5003));
}

TEST_F(CxServiceTest, UarAfterRegistrationNamesTheAssignedScscf) {
  ASSERT_EQ(sar("alice@ims.test", "sip:alice@ims.test", ServerAssignmentType::registration).header.result, base(2001));
  const auto again = uar("alice@ims.test", "tel:+15550001");  // the implicit set registered together
  EXPECT_EQ(again.header.result, exp(2002));
  EXPECT_EQ(again.server_name, kScscf);
  const auto caps = uar("alice@ims.test", "sip:alice@ims.test", UserAuthorizationType::registration_and_capabilities);
  EXPECT_EQ(caps.header.result, exp(2001));
  EXPECT_TRUE(caps.server_capabilities);
  const auto dereg = uar("alice@ims.test", "sip:alice@ims.test", UserAuthorizationType::de_registration);
  EXPECT_EQ(dereg.header.result, base(2001));
  EXPECT_EQ(dereg.server_name, kScscf);
}

TEST_F(CxServiceTest, UarRefusesASetWhoseIdentitiesAreAllBarred) {
  store::ServiceDataTable data(db_);
  auto a = *data.public_identity("sip:alice@ims.test");
  a.barred = true;
  data.update_public_identity(a);
  EXPECT_EQ(uar("alice@ims.test", "sip:alice@ims.test").header.result, exp(2001));  // tel: is not barred
  auto t = *data.public_identity("tel:+15550001");
  t.barred = true;
  data.update_public_identity(t);
  EXPECT_EQ(uar("alice@ims.test", "sip:alice@ims.test").header.result, base(5003));
}

TEST_F(CxServiceTest, MarGivesAkaVectorsAndAssignsTheScscf) {
  const auto a = mar("alice@ims.test", "sip:alice@ims.test", "Digest-AKAv1-MD5", 9);
  ASSERT_EQ(a.header.result, base(2001));
  ASSERT_EQ(a.auth_data_items.size(), 4u);  // capped by max_auth_items
  EXPECT_EQ(a.number_auth_items, 4u);
  for (std::uint32_t i = 0; i < 4; ++i) {
    const auto& item = a.auth_data_items[i];
    EXPECT_EQ(item.item_number, i + 1);
    EXPECT_EQ(item.authentication_scheme, "Digest-AKAv1-MD5");
    EXPECT_EQ(item.sip_authenticate.size(), 32u);  // RAND || AUTN
    EXPECT_EQ(item.sip_authorization.size(), 8u);  // XRES
    EXPECT_EQ(item.confidentiality_key.size(), 16u);
    EXPECT_EQ(item.integrity_key.size(), 16u);
  }
  EXPECT_NE(a.auth_data_items[0].sip_authenticate, a.auth_data_items[1].sip_authenticate);
  const auto row = reg("sip:alice@ims.test");
  ASSERT_TRUE(row);
  EXPECT_EQ(row->scscf_name, kScscf);
  EXPECT_EQ(row->state, store::RegistrationState::not_registered);  // registered only by the SAR
  EXPECT_EQ(uar("alice@ims.test", "sip:alice@ims.test").header.result, exp(2002));
  EXPECT_EQ(mar("alice@ims.test", "sip:alice@ims.test", "Unknown").auth_data_items.at(0).authentication_scheme,
            "Digest-AKAv1-MD5");
}

TEST_F(CxServiceTest, MarGivesDigestHa1ForPasswordSubscribers) {
  const auto a = mar("bob@ims.test", "sip:bob@ims.test", "SIP Digest", 2);
  ASSERT_EQ(a.header.result, base(2001));
  ASSERT_EQ(a.auth_data_items.size(), 2u);
  ASSERT_TRUE(a.auth_data_items[0].digest);
  EXPECT_EQ(a.auth_data_items[0].digest->digest_realm, "ims.test");
  EXPECT_EQ(a.auth_data_items[0].digest->digest_algorithm, "MD5");
  EXPECT_EQ(a.auth_data_items[0].digest->digest_qop, "auth");
  EXPECT_EQ(a.auth_data_items[0].digest->digest_ha1.reveal(),
            aka::digest_ha1(aka::DigestAlgorithm::md5, "bob@ims.test", "ims.test", "secret"));
  EXPECT_EQ(a.auth_data_items[1].digest->digest_algorithm, "SHA-256");
  EXPECT_EQ(a.auth_data_items[1].digest->digest_ha1.reveal(),
            aka::digest_ha1(aka::DigestAlgorithm::sha256, "bob@ims.test", "ims.test", "secret"));
  EXPECT_EQ(mar("bob@ims.test", "sip:bob@ims.test", "Unknown").auth_data_items.at(0).authentication_scheme,
            "SIP Digest");
  // Kamailio's S-CSCF says "unknown": the case does not matter
  EXPECT_EQ(mar("bob@ims.test", "sip:bob@ims.test", "unknown").auth_data_items.at(0).authentication_scheme,
            "SIP Digest");
  EXPECT_EQ(mar("bob@ims.test", "sip:bob@ims.test", "Digest-AKAv1-MD5").header.result, exp(5006));
  EXPECT_EQ(mar("alice@ims.test", "sip:alice@ims.test", "SIP Digest").header.result, exp(5006));
  EXPECT_EQ(mar("alice@ims.test", "sip:alice@ims.test", "NTLM").header.result, exp(5006));
  EXPECT_EQ(mar("bob@ims.test", "sip:alice@ims.test", "SIP Digest").header.result, exp(5002));
  EXPECT_EQ(mar("eve@ims.test", "sip:alice@ims.test", "SIP Digest").header.result, exp(5001));
}

TEST_F(CxServiceTest, MarGivesTheBareUserNamesHa1AfterTheImpis) {
  // items 3 and 4: H("bob":realm:password), tagged with Digest-Username, for
  // clients that send "bob" (the S-CSCF takes bob@realm as the IMPI)
  const auto a = mar("bob@ims.test", "sip:bob@ims.test", "SIP Digest", 4);
  ASSERT_EQ(a.header.result, base(2001));
  ASSERT_EQ(a.auth_data_items.size(), 4u);
  EXPECT_EQ(a.number_auth_items, 4u);
  for (std::size_t i : {0u, 1u}) EXPECT_EQ(a.auth_data_items[i].digest->digest_username, "") << i;
  const auto& md5 = *a.auth_data_items[2].digest;
  EXPECT_EQ(md5.digest_username, "bob");
  EXPECT_EQ(md5.digest_algorithm, "MD5");
  EXPECT_EQ(md5.digest_realm, "ims.test");
  EXPECT_EQ(md5.digest_ha1.reveal(), aka::digest_ha1(aka::DigestAlgorithm::md5, "bob", "ims.test", "secret"));
  const auto& sha = *a.auth_data_items[3].digest;
  EXPECT_EQ(sha.digest_username, "bob");
  EXPECT_EQ(sha.digest_algorithm, "SHA-256");
  EXPECT_EQ(sha.digest_ha1.reveal(), aka::digest_ha1(aka::DigestAlgorithm::sha256, "bob", "ims.test", "secret"));
  EXPECT_EQ(mar("bob@ims.test", "sip:bob@ims.test", "Unknown", 3).auth_data_items.size(), 3u);

  // an IMPI of another realm cannot be reached by a bare name: no such items
  NewSubscriber other;
  other.impi = "carol@elsewhere.test";
  other.impus = {"sip:carol@ims.test"};
  other.password = "carol-secret";
  prov_.add(other, 0);
  EXPECT_EQ(mar("carol@elsewhere.test", "sip:carol@ims.test", "SIP Digest", 4).auth_data_items.size(), 2u);
}

TEST_F(CxServiceTest, MarHonoursTheAllowedSchemes) {
  NewSubscriber both;
  both.impi = "dora@ims.test";
  both.impus = {"sip:dora@ims.test"};
  both.k = "465b5ce8b199b49faa5f0a2ee238a6bc";
  both.opc = "cd63cb71954a9f4e48a5994e37a02baf";
  both.password = "pw";
  both.schemes = "SIP Digest, Digest-AKAv2-MD5";
  prov_.add(both, 0);
  EXPECT_EQ(mar("dora@ims.test", "sip:dora@ims.test", "Digest-AKAv1-MD5").header.result, exp(5006));
  EXPECT_EQ(mar("dora@ims.test", "sip:dora@ims.test", "Digest-AKAv2-MD5").header.result, base(2001));
  // Unknown: the first usable of AKAv1, AKAv2, SIP Digest
  EXPECT_EQ(mar("dora@ims.test", "sip:dora@ims.test", "Unknown").auth_data_items.at(0).authentication_scheme,
            "Digest-AKAv2-MD5");
  SubscriberChange only_digest;
  only_digest.schemes = "SIP Digest";
  prov_.change("dora@ims.test", only_digest);
  EXPECT_EQ(mar("dora@ims.test", "sip:dora@ims.test", "Unknown").auth_data_items.at(0).authentication_scheme,
            "SIP Digest");
}

TEST_F(CxServiceTest, MarWithAutsResynchronises) {
  // ../shared/testdata/auts_resync_vectors.csv, libosmocore row: SQN_MS = 31
  NewSubscriber s;
  s.impi = "carol@ims.test";
  s.impus = {"sip:carol@ims.test"};
  s.k = "000102030405060708090a0b0c0d0e0f";
  s.opc = "000102030405060708090a0b0c0d0e0f";
  s.amf = "0000";
  prov_.add(s, 0);
  std::vector<std::uint8_t> rand_auts(16, 0);
  const auto auts = parse_hex("auts", "8711a0ec9e1637df17f80b384ee4", 14);
  rand_auts.insert(rand_auts.end(), auts.begin(), auts.end());
  ASSERT_EQ(mar("carol@ims.test", "sip:carol@ims.test", "Digest-AKAv1-MD5", 1, rand_auts).header.result, base(2001));
  // SEQ continues after SEQ_MS = 31 >> 5 = 0: the vector's SQN has SEQ 1
  const auto sim = store::SubscriberTable(db_).sim("carol@ims.test");
  EXPECT_EQ(sim->sqn >> 5, 1u);
  auto tampered = rand_auts;
  tampered.back() ^= 1;
  EXPECT_EQ(mar("carol@ims.test", "sip:carol@ims.test", "Digest-AKAv1-MD5", 1, tampered).header.result, base(5012));
  EXPECT_EQ(mar("carol@ims.test", "sip:carol@ims.test", "Digest-AKAv1-MD5", 1, {1, 2, 3}).header.result, base(5004));
}

TEST_F(CxServiceTest, SarRegistersTheImplicitSetAndSendsUserData) {
  const auto a = sar("alice@ims.test", "sip:alice@ims.test", ServerAssignmentType::registration);
  ASSERT_EQ(a.header.result, base(2001));
  EXPECT_EQ(a.user_name, "alice@ims.test");
  EXPECT_NE(a.user_data.find("<PrivateID>alice@ims.test</PrivateID>"), std::string::npos);
  EXPECT_NE(a.user_data.find("<Identity>tel:+15550001</Identity>"), std::string::npos);
  for (const auto* impu : {"sip:alice@ims.test", "tel:+15550001"}) {
    const auto row = reg(impu);
    ASSERT_TRUE(row) << impu;
    EXPECT_EQ(row->state, store::RegistrationState::registered);
    EXPECT_EQ(row->scscf_name, kScscf);
    EXPECT_EQ(row->origin_host, "scscf.ims.test");
  }
  const auto again = sar("alice@ims.test", "sip:alice@ims.test", ServerAssignmentType::re_registration, kScscf,
                         UserDataAlreadyAvailable::user_data_already_available);
  EXPECT_EQ(again.header.result, base(2001));
  EXPECT_TRUE(again.user_data.empty());
  EXPECT_EQ(sar("alice@ims.test", "sip:alice@ims.test", ServerAssignmentType::no_assignment, "sip:other").header.result,
            base(5012));
  EXPECT_FALSE(sar("alice@ims.test", "sip:alice@ims.test", ServerAssignmentType::no_assignment).user_data.empty());
  EXPECT_EQ(sar("alice@ims.test", "sip:alice@ims.test", ServerAssignmentType::user_deregistration).header.result,
            base(2001));
  EXPECT_FALSE(reg("sip:alice@ims.test"));
  EXPECT_FALSE(reg("tel:+15550001"));
}

TEST_F(CxServiceTest, ARegistrationWithoutDiameterOriginKeepsTheOneCxLeft) {
  sar("alice@ims.test", "sip:alice@ims.test", ServerAssignmentType::registration);
  ServerAssignmentRequest sbi;  // as the SBI makes it: no Origin-Host
  sbi.user_name = "alice@ims.test";
  sbi.public_identities = {"sip:alice@ims.test"};
  sbi.server_name = kScscf;
  sbi.server_assignment_type = ServerAssignmentType::re_registration;
  ASSERT_EQ(cx_.server_assignment(sbi).header.result, base(2001));
  EXPECT_EQ(reg("sip:alice@ims.test")->origin_host, "scscf.ims.test");
  sar("alice@ims.test", "sip:alice@ims.test", ServerAssignmentType::user_deregistration);
  sbi.server_assignment_type = ServerAssignmentType::registration;
  ASSERT_EQ(cx_.server_assignment(sbi).header.result, base(2001));
  EXPECT_FALSE(reg("sip:alice@ims.test")->origin_host);  // absent, not ""
}

TEST_F(CxServiceTest, SarDeregistrationKindsAndErrors) {
  sar("alice@ims.test", "sip:alice@ims.test", ServerAssignmentType::registration);
  sar("alice@ims.test", "sip:alice@ims.test", ServerAssignmentType::timeout_deregistration_store_server_name);
  auto row = reg("tel:+15550001");
  ASSERT_TRUE(row);
  EXPECT_EQ(row->state, store::RegistrationState::not_registered);
  EXPECT_EQ(row->scscf_name, kScscf);  // kept
  sar("alice@ims.test", "sip:alice@ims.test", ServerAssignmentType::authentication_failure);
  EXPECT_FALSE(reg("sip:alice@ims.test"));  // not registered: the assignment goes
  // a terminating request for an unregistered user
  const auto unreg = sar("", "sip:alice@ims.test", ServerAssignmentType::unregistered_user);
  EXPECT_EQ(unreg.header.result, base(2001));
  EXPECT_EQ(unreg.user_name, "alice@ims.test");  // the S-CSCF learns the IMPI
  EXPECT_FALSE(unreg.user_data.empty());
  EXPECT_EQ(reg("sip:alice@ims.test")->state, store::RegistrationState::unregistered);
  EXPECT_EQ(sar("alice@ims.test", "sip:nobody@ims.test", ServerAssignmentType::registration).header.result, exp(5001));
  EXPECT_EQ(sar("bob@ims.test", "sip:alice@ims.test", ServerAssignmentType::registration).header.result, exp(5002));
  EXPECT_EQ(sar("alice@ims.test", "sip:alice@ims.test", ServerAssignmentType::pgw_update).header.result, base(5012));
}

TEST_F(CxServiceTest, LirFindsTheScscfOrSaysWhyNot) {
  EXPECT_EQ(lir("sip:nobody@ims.test").header.result, exp(5001));
  EXPECT_EQ(lir("sip:alice@ims.test").header.result, exp(5003));
  store::ServiceDataTable data(db_);
  data.put_application_server({"vm", "sip:voicemail.ims.test", 0, std::nullopt, false, false});
  data.add_service_profile("p");
  data.put_ifc({"p", 0, "vm", std::nullopt, 1});  // services when unregistered
  auto row = *data.public_identity("sip:alice@ims.test");
  row.service_profile = "p";
  data.update_public_identity(row);
  const auto unreg = lir("sip:alice@ims.test");
  EXPECT_EQ(unreg.header.result, exp(2003));
  EXPECT_TRUE(unreg.server_capabilities);
  sar("alice@ims.test", "sip:alice@ims.test", ServerAssignmentType::registration);
  const auto found = lir("tel:+15550001");
  EXPECT_EQ(found.header.result, base(2001));
  EXPECT_EQ(found.server_name, kScscf);
}

}  // namespace
}  // namespace imsbox::hss
