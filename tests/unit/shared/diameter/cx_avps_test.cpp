#include "diameter/cx_avps.h"

#include <gtest/gtest.h>

#include "diameter/cx_messages.h"
#include "fd_test_env.h"

namespace imsbox::diameter {
namespace {

TEST(CxAvps, TableFindsByCodeAndVendor) {
  EXPECT_EQ(find_avp({601, kVendor3gpp}), Avp::public_identity);
  EXPECT_EQ(find_avp({1, 0}), Avp::user_name);
  EXPECT_EQ(find_avp({601, 0}), std::nullopt);
  EXPECT_EQ(avp_display_name({655, kVendor3gpp}), "SAR-Flags");
  EXPECT_EQ(avp_display_name({9999, 7}), "AVP 9999/7");
}

TEST(CxAvps, CommandsHaveTheirAbbreviations) {
  EXPECT_EQ(request_abbrev(CxCommand::multimedia_auth), "MAR");
  EXPECT_EQ(answer_abbrev(CxCommand::push_profile), "PPA");
  EXPECT_EQ(cx_command_from_code(304), CxCommand::registration_termination);
  EXPECT_EQ(cx_command_from_code(306), std::nullopt);
  EXPECT_EQ(command_of(CxAnswer(LocationInfoAnswer{})), CxCommand::location_info);
}

TEST(CxDictionary, EveryTableAvpHasAModelAndEveryCommandBothHalves) {
  const CxDictionary& d = testing::dict();
  for (std::size_t i = 0; i < kAvpCount; ++i) EXPECT_NE(d.avp(static_cast<Avp>(i)), nullptr) << i;
  for (std::uint32_t c = 300; c <= 305; ++c) {
    EXPECT_NE(d.request(static_cast<CxCommand>(c)), nullptr) << c;
    EXPECT_NE(d.answer(static_cast<CxCommand>(c)), nullptr) << c;
  }
  EXPECT_NE(d.application(), nullptr);
}

TEST(CxDictionary, DefinesTheAvpsFreeDiameterLacks) {
  const CxDictionary& d = testing::dict();
  dict_avp_data data{};
  ASSERT_EQ(fd_dict_getval(d.avp(Avp::sar_flags), &data), 0);
  EXPECT_EQ(data.avp_code, 655u);
  EXPECT_EQ(data.avp_vendor, kVendor3gpp);
  EXPECT_EQ(data.avp_basetype, AVP_TYPE_UNSIGNED32);
  ASSERT_EQ(fd_dict_getval(d.avp(Avp::digest_ha1), &data), 0);
  EXPECT_EQ(data.avp_vendor, 0u) << "RFC 4740 AVPs are IETF ones";
  EXPECT_EQ(data.avp_flag_val & AVP_FLAG_VENDOR, 0);
}

TEST(CxDictionary, CommandsBelongToTheCxApplication) {
  const CxDictionary& d = testing::dict();
  dict_object* app = nullptr;
  ASSERT_EQ(fd_dict_search(fd_g_config->cnf_dict, DICT_APPLICATION, APPLICATION_OF_COMMAND,
                           d.request(CxCommand::user_authorization), &app, ENOENT),
            0);
  dict_application_data a{};
  fd_dict_getval(app, &a);
  EXPECT_EQ(a.application_id, kCxApplicationId);
  dict_cmd_data c{};
  fd_dict_getval(d.answer(CxCommand::push_profile), &c);
  EXPECT_EQ(c.cmd_code, 305u);
  EXPECT_EQ(c.cmd_flag_val, CMD_FLAG_PROXIABLE);
}

}  // namespace
}  // namespace imsbox::diameter
