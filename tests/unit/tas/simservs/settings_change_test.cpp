#include "tas/simservs/settings_change.h"

#include <gtest/gtest.h>

#include <string>
#include <variant>

#include "tas/simservs/rules.h"

namespace imsbox::tas::simservs {
namespace {

using Lines = std::vector<std::string>;

Document applied(const Document& d, const SettingsChange& c) {
  auto r = apply(d, c, "ims.test");
  if (auto* e = std::get_if<std::string>(&r)) throw std::runtime_error(*e);
  return std::get<Document>(std::move(r));
}

std::string error_of(const Document& d, const SettingsChange& c) {
  auto r = apply(d, c, "ims.test");
  const auto* e = std::get_if<std::string>(&r);
  return e ? *e : "no error";
}

// The document as stored and read back.
Document reread(const Document& d) {
  auto r = parse(d.write());
  if (auto* e = std::get_if<std::string>(&r)) throw std::runtime_error(*e);
  return std::get<Document>(std::move(r));
}

TEST(SimservsSettingsChange, SeveralSettingsAtOnceInOneDocument) {
  SettingsChange c;
  c.cfu = "+33123456789";
  c.cfb = "1002";
  c.cfnr = "sip:voicemail@ims.test";
  c.no_reply_timer = 30;
  c.cfnl = "tel:+441234";
  c.cfnrc = "sips:carl@ims.test";
  c.outgoing_barring = OutgoingBarring::international;
  c.incoming_barring = true;
  c.anonymous_call_rejection = true;
  c.oir = true;
  EXPECT_FALSE(c.empty());
  const Document d = reread(applied(empty_document(), c));
  EXPECT_EQ(describe(d.services()), (Lines{"CFU to tel:+33123456789", "CFB to sip:1002@ims.test;user=phone",
                                          "CFNR to sip:voicemail@ims.test after 30 s", "CFNL to tel:+441234",
                                          "CFNRc to sips:carl@ims.test", "outgoing barring: international",
                                          "incoming barring: all", "anonymous call rejection (ACR)",
                                          "OIR: number hidden by default"}));
  // the TAS reads the same thing: a busy call goes to the local number
  CallContext call;
  call.caller = "sip:anna@ims.test";
  call.callee = "sip:bert@ims.test";
  call.event = DiversionEvent::busy;
  const auto busy = communication_diversion(d.services(), call);
  ASSERT_TRUE(busy);
  EXPECT_EQ(busy->forward_to.target, "sip:1002@ims.test;user=phone");
  EXPECT_EQ(no_reply_timer(d.services()), 30);
}

TEST(SimservsSettingsChange, OffRemovesAndAnEmptyChangeKeepsTheDocument) {
  SettingsChange on;
  on.cfu = "sip:carl@ims.test";
  on.cfb = "sip:dora@ims.test";
  on.outgoing_barring = OutgoingBarring::all;
  on.oir = true;
  const Document d = applied(empty_document(), on);

  SettingsChange off;
  off.cfu = ForwardingSetting{};  // off
  off.outgoing_barring = OutgoingBarring::none;
  off.oir = false;
  EXPECT_EQ(describe(reread(applied(d, off)).services()), (Lines{"CFB to sip:dora@ims.test", "OIR: off"}));

  SettingsChange nothing;
  EXPECT_TRUE(nothing.empty());
  EXPECT_EQ(applied(d, nothing).write(), d.write());
}

TEST(SimservsSettingsChange, TheTimerAloneRetimesTheCfnrThereIs) {
  SettingsChange cfnr;
  cfnr.cfnr = "sip:voicemail@ims.test";
  const Document d = applied(empty_document(), cfnr);
  SettingsChange timer;
  timer.no_reply_timer = 60;
  EXPECT_EQ(describe(reread(applied(d, timer)).services()), Lines{"CFNR to sip:voicemail@ims.test after 60 s"});
  EXPECT_EQ(error_of(empty_document(), timer), "no_reply_timer: there is no CFNR to time: set cfnr too");
  SettingsChange off_timed;
  off_timed.cfnr = ForwardingSetting{};
  off_timed.no_reply_timer = 60;
  EXPECT_EQ(error_of(d, off_timed), "no_reply_timer: CFNR is being turned off");
}

TEST(SimservsSettingsChange, AnErrorNamesItsFieldAndGivesNoDocument) {
  SettingsChange c;
  c.cfu = "sip:carl@ims.test";  // fine, but the change fails as a whole
  c.cfb = "carl";
  EXPECT_EQ(error_of(empty_document(), c), "cfb: 'carl' is not a phone number or a sip:, sips: or tel: URI");
  SettingsChange space;
  space.cfnrc = "sip:carl @ims.test";
  EXPECT_EQ(error_of(empty_document(), space).substr(0, 7), "cfnrc: ");
  for (int bad : {4, 181, -1}) {
    SettingsChange t;
    t.cfnr = "sip:voicemail@ims.test";
    t.no_reply_timer = bad;
    EXPECT_EQ(error_of(empty_document(), t), "no_reply_timer: must be 5 to 180 s, not " + std::to_string(bad));
  }
  for (int good : {5, 180}) {
    SettingsChange t;
    t.cfnr = "sip:voicemail@ims.test";
    t.no_reply_timer = good;
    EXPECT_EQ(error_of(empty_document(), t), "no error");
  }
}

TEST(SimservsSettingsChange, OutgoingBarringNames) {
  EXPECT_EQ(outgoing_barring_named("all"), OutgoingBarring::all);
  EXPECT_EQ(outgoing_barring_named("international"), OutgoingBarring::international);
  EXPECT_EQ(outgoing_barring_named("none"), OutgoingBarring::none);
  EXPECT_EQ(outgoing_barring_named("off"), OutgoingBarring::none);
  EXPECT_FALSE(outgoing_barring_named("All"));
  EXPECT_FALSE(outgoing_barring_named(""));
}

}  // namespace
}  // namespace imsbox::tas::simservs
