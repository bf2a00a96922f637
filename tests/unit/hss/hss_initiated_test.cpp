#include "hss/hss_initiated.h"

#include <gtest/gtest.h>

#include "hss/cx_service.h"
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

class HssInitiatedTest : public ::testing::Test {
 protected:
  HssInitiatedTest()
      : db_(store::Database::open(dir_ / "box.db", "hss")),
        prov_(db_, "ims.test"),
        log_("hss", runtime::LogLevel::error, {}, clock_),
        auc_(db_, SqnPolicy(5), system_random()),
        cx_(db_, auc_, CxService::Options{}, [] { return std::int64_t{1}; }, log_),
        hss_(db_, peers(), [] { return std::int64_t{2}; }, log_) {
    NewSubscriber s;
    s.impi = "alice@ims.test";
    s.impus = {"sip:alice@ims.test", "tel:+15550001"};
    s.password = "pw";
    prov_.add(s, 0);
    db_.cached("DELETE FROM hss_profile_change")->run();  // provisioning itself is no change to push
  }

  CxPeers peers() {
    CxPeers p;
    p.push_profile = [this](PushProfileRequest r, Destination d, auto answer) {
      pprs_.push_back({r, d});
      PushProfileAnswer a;
      answer(a);
    };
    p.terminate_registration = [this](RegistrationTerminationRequest r, Destination d, auto answer) {
      rtrs_.push_back({r, d});
      if (rtr_fails_) return answer(CxError{CxError::Kind::timeout, "no answer"});
      RegistrationTerminationAnswer a;
      answer(a);
    };
    return p;
  }

  void register_alice() {
    ServerAssignmentRequest r;
    r.header.origin_host = "scscf.ims.test";
    r.header.origin_realm = "ims.test";
    r.user_name = "alice@ims.test";
    r.public_identities = {"sip:alice@ims.test"};
    r.server_name = "sip:scscf.ims.test:6060";
    r.server_assignment_type = ServerAssignmentType::registration;
    ASSERT_EQ(cx_.server_assignment(r).header.result.code, 2001u);
  }

  std::string outcome(std::int64_t id) {
    auto st = db_.cached("SELECT coalesce(outcome, ''), done_at IS NOT NULL FROM hss_deregistration_request WHERE id = ?1");
    st->bind(1, id);
    EXPECT_TRUE(st->step());
    return (st->integer(1) ? "done: " : "open: ") + st->text(0);
  }

  std::int64_t request_deregistration() {
    auto st = db_.cached(
        "INSERT INTO hss_deregistration_request (impi, reason, requested_at) VALUES ('alice@ims.test', 'fraud', 0) "
        "RETURNING id");
    EXPECT_TRUE(st->step());
    return st->integer(0);
  }

  TempDir dir_;
  store::Database db_;
  Provisioning prov_;
  runtime::ManualClock clock_;
  runtime::Logger log_;
  AuthenticationCentre auc_;
  CxService cx_;
  std::vector<std::pair<PushProfileRequest, Destination>> pprs_;
  std::vector<std::pair<RegistrationTerminationRequest, Destination>> rtrs_;
  bool rtr_fails_ = false;
  HssInitiated hss_;
};

TEST_F(HssInitiatedTest, AProfileChangeIsPushedToTheScscfHoldingTheSet) {
  EXPECT_EQ(hss_.run(), 0u);
  store::ServiceDataTable data(db_);
  auto row = *data.public_identity("tel:+15550001");
  row.display_name = "Alice";
  data.update_public_identity(row);
  EXPECT_EQ(hss_.run(), 0u);  // not registered: nothing to push, and the change is consumed
  register_alice();
  db_.cached("DELETE FROM hss_profile_change")->run();
  row.barred = true;
  data.update_public_identity(row);
  EXPECT_EQ(hss_.run(), 1u);
  ASSERT_EQ(pprs_.size(), 1u);
  EXPECT_EQ(pprs_[0].first.user_name, "alice@ims.test");
  EXPECT_NE(pprs_[0].first.user_data.find("<BarringIndication>1</BarringIndication><Identity>tel:+15550001"),
            std::string::npos);
  EXPECT_EQ(pprs_[0].second.host, "scscf.ims.test");
  EXPECT_EQ(pprs_[0].second.realm, "ims.test");
  EXPECT_EQ(hss_.run(), 0u);  // pushed once
}

TEST_F(HssInitiatedTest, AChangeBeforeTheRegistrationIsNotPushedAfterIt) {
  // provisioned (or changed) just before the user registers, and the HSS's
  // poll comes after the SAR: the SAA carried the new profile already
  store::ServiceDataTable data(db_);
  auto row = *data.public_identity("tel:+15550001");
  row.display_name = "Alice";
  data.update_public_identity(row);
  register_alice();
  EXPECT_EQ(hss_.run(), 0u);
  EXPECT_TRUE(pprs_.empty());
  // a change after the registration is pushed
  row.display_name = "Alice B.";
  data.update_public_identity(row);
  EXPECT_EQ(hss_.run(), 1u);
}

TEST_F(HssInitiatedTest, DeregistrationSendsRtrAndForgetsTheRegistration) {
  register_alice();
  const auto id = request_deregistration();
  EXPECT_EQ(hss_.run(), 1u);
  ASSERT_EQ(rtrs_.size(), 1u);
  EXPECT_EQ(rtrs_[0].first.user_name, "alice@ims.test");
  EXPECT_EQ(rtrs_[0].first.public_identities.size(), 2u);  // the whole implicit set
  EXPECT_EQ(rtrs_[0].first.deregistration_reason.reason_code, ReasonCode::permanent_termination);
  EXPECT_EQ(rtrs_[0].first.deregistration_reason.reason_info, "fraud");
  EXPECT_EQ(rtrs_[0].second.host, "scscf.ims.test");
  EXPECT_EQ(outcome(id), "done: RTR answered: result 2001 from scscf.ims.test");
  EXPECT_TRUE(store::RegistrationTable(db_).of_impi("alice@ims.test").empty());
  EXPECT_EQ(hss_.run(), 0u);  // handled once
}

TEST_F(HssInitiatedTest, DeregistrationCompletesWhenTheScscfDoesNotAnswer) {
  register_alice();
  rtr_fails_ = true;
  const auto id = request_deregistration();
  hss_.run();
  EXPECT_EQ(outcome(id), "done: RTR to scscf.ims.test failed: no answer");
  EXPECT_TRUE(store::RegistrationTable(db_).of_impi("alice@ims.test").empty());
}

TEST_F(HssInitiatedTest, DeregistrationOfAnUnregisteredSubscriber) {
  const auto id = request_deregistration();
  EXPECT_EQ(hss_.run(), 0u);
  EXPECT_TRUE(rtrs_.empty());
  EXPECT_EQ(outcome(id), "done: not registered");
}

}  // namespace
}  // namespace imsbox::hss
