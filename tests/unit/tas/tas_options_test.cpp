// The TAS's options from the configuration.
#include <gtest/gtest.h>

#include "runtime/config.h"
#include "tas/tas.h"

namespace imsbox::tas {
namespace {

runtime::Config config(const std::string& extra = "") {
  return runtime::Config::parse("[global]\ndomain = ims.test\n" + extra, "test.conf");
}

TEST(TasOptions, HomeCountryCodeForTheInternationalCondition) {
  EXPECT_EQ(tas_options(config()).home_country_code, "");
  EXPECT_EQ(tas_options(config("[tas]\nhome_country_code = 33\n")).home_country_code, "33");
  EXPECT_THROW(tas_options(config("[tas]\nhome_country_code = +33\n")), runtime::ConfigError);
  EXPECT_THROW(tas_options(config("[tas]\nhome_country_code = 3344\n")), runtime::ConfigError);
}

}  // namespace
}  // namespace imsbox::tas
