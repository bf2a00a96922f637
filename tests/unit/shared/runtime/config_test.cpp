#include "runtime/config.h"

#include <gtest/gtest.h>

#include <fstream>

namespace imsbox::runtime {
namespace {

TEST(Config, AgwNgPortIsRtpenginesUsualPort) {
  // the port Kamailio's and OpenSIPS's rtpengine modules are usually pointed at
  EXPECT_EQ(Config::defaults().port("agw.ng_port"), 2223);
  EXPECT_EQ(Config::parse("[agw]\nng_port = 22222\n", "test.conf").port("agw.ng_port"), 22222);
  EXPECT_THROW(Config::parse("[agw]\nng_port = 9065\n", "test.conf"), ConfigError);  // the AGW's health port
}

TEST(Config, DefaultsAreValidAndDocumented) {
  const auto c = Config::defaults();
  EXPECT_EQ(c.domain(), "ims.mnc001.mcc001.3gppnetwork.org");
  EXPECT_EQ(c.port("pcscf.health_port"), 9061);
  EXPECT_EQ(c.log_level(), LogLevel::info);
  EXPECT_TRUE(c.flag("hss.enabled"));
  for (const auto& spec : option_specs()) {
    EXPECT_FALSE(spec.help.empty()) << spec.key;
    EXPECT_EQ(c.str(spec.key), spec.default_value) << spec.key;
  }
  // every node has its section
  for (const auto node : node_names()) {
    EXPECT_NO_THROW(c.port(std::string(node) + ".health_port")) << node;
  }
}

TEST(Config, FileValuesOverrideDefaults) {
  const auto c = Config::parse(
      "[global]\ndomain = example.org\nlog_level=debug\n\n# a comment\n[pcscf]\nhealth_port = 19061\n", "test.conf");
  EXPECT_EQ(c.domain(), "example.org");
  EXPECT_EQ(c.log_level(), LogLevel::debug);
  EXPECT_EQ(c.port("pcscf.health_port"), 19061);
  EXPECT_EQ(c.port("hss.health_port"), 9064);
}

TEST(Config, OverridesWinOverTheFile) {
  const auto c = Config::parse("[global]\ndata_dir = /from/file\n", "t", {{"global.data_dir", "/from/cli"}});
  EXPECT_EQ(c.data_dir(), "/from/cli");
  EXPECT_EQ(c.path("store.path"), "/from/cli/imsbox.db");
}

TEST(Config, HomeIsExpandedInPaths) {
  setenv("HOME", "/home/tester", 1);
  const auto c = Config::defaults();
  EXPECT_EQ(c.data_dir(), "/home/tester/.imsbox");
}

void expect_error(std::string_view ini, std::string_view fragment) {
  try {
    Config::parse(ini, "bad.conf");
    ADD_FAILURE() << "accepted: " << ini;
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("bad.conf"), std::string::npos) << e.what();
  }
}

TEST(Config, UnknownOptionIsNamed) { expect_error("[pcscf]\nhealth_prot = 1\n", "'pcscf.health_prot'"); }
TEST(Config, UnknownSectionIsNamed) { expect_error("[nosuch]\nx = 1\n", "'nosuch.x'"); }
TEST(Config, OptionOutsideASectionIsUnknown) { expect_error("domain = a.b\n", "'domain'"); }
TEST(Config, RepeatedOptionIsRefused) {
  expect_error("[global]\ndomain = a.org\ndomain = b.org\n", "'global.domain' is given more than once");
}
TEST(Config, PortOutOfRange) { expect_error("[hss]\nhealth_port = 70000\n", "'hss.health_port'"); }
TEST(Config, PortZero) { expect_error("[hss]\nhealth_port = 0\n", "'hss.health_port'"); }
TEST(Config, PortNotANumber) { expect_error("[hss]\nhealth_port = 90a\n", "'hss.health_port'"); }
TEST(Config, BadLogLevel) { expect_error("[global]\nlog_level = loud\n", "'global.log_level'"); }
TEST(Config, BadDomain) { expect_error("[global]\ndomain = bad_domain..org\n", "'global.domain'"); }
TEST(Config, BadAddress) { expect_error("[global]\nbind_address = 1.2.3\n", "'global.bind_address'"); }
TEST(Config, HealthAddressMustBeLoopback) {
  expect_error("[global]\nhealth_address = 10.0.0.1\n", "not a loopback address");
  EXPECT_NO_THROW(Config::parse("[global]\nhealth_address = ::1\n", "t"));
  EXPECT_NO_THROW(Config::parse("[global]\nhealth_address = 127.0.0.2\n", "t"));
}
TEST(Config, BadBoolean) { expect_error("[tas]\nenabled = maybe\n", "'tas.enabled'"); }
TEST(Config, BadMilliseconds) {
  expect_error("[supervisor]\nrestart_backoff_initial_ms = -5\n", "'supervisor.restart_backoff_initial_ms'");
}
TEST(Config, LineWithoutEqualsIsRefused) { expect_error("[global]\njust some words\n", "bad.conf"); }
TEST(Config, HealthPortsMustDiffer) {
  expect_error("[hss]\nhealth_port = 9061\n", "port 9061 is already used");
  // ... unless one of the two nodes is disabled
  EXPECT_NO_THROW(Config::parse("[hss]\nhealth_port = 9061\n[pcscf]\nenabled = false\n", "t"));
}
TEST(Config, EveryPortOfEnabledNodesMustDiffer) {
  expect_error("[hss]\napi_port = 9063\n", "'scscf.health_port': port 9063 is already used by 'hss.api_port'");
  expect_error("[hss]\nsbi_port = 9081\n", "port 9081 is already used");
  EXPECT_NO_THROW(Config::parse("[hss]\napi_port = 9063\n[scscf]\nenabled = false\n", "t"));
}
TEST(Config, HssAuthenticationLimits) {
  expect_error("[hss]\nsqn_ind_bits = 11\n", "'hss.sqn_ind_bits'");
  expect_error("[hss]\nsqn_ind_bits = -1\n", "'hss.sqn_ind_bits'");
  expect_error("[hss]\nmax_auth_items = 0\n", "'hss.max_auth_items'");
  EXPECT_EQ(Config::defaults().integer("hss.sqn_ind_bits"), 5);
}
TEST(Config, DigestAlgorithmsAreMd5AndSha256Only) {
  EXPECT_EQ(Config::defaults().str("scscf.digest_algorithms"), "MD5");
  EXPECT_NO_THROW(Config::parse("[scscf]\ndigest_algorithms = SHA-256,MD5\n", "t"));
  EXPECT_NO_THROW(Config::parse("[scscf]\ndigest_algorithms = sha-256 , md5\n", "t"));
  EXPECT_NO_THROW(Config::parse("[scscf]\ndigest_algorithms = SHA-256\n", "t"));
  expect_error("[scscf]\ndigest_algorithms = SHA-512-256,MD5\n",
               "'scscf.digest_algorithms': unknown digest algorithm 'SHA-512-256'");
  expect_error("[scscf]\ndigest_algorithms = MD5-sess\n", "'scscf.digest_algorithms'");
  expect_error("[scscf]\ndigest_algorithms = MD5,md5\n", "'scscf.digest_algorithms': 'MD5' is named twice");
  expect_error("[scscf]\ndigest_algorithms =\n", "'scscf.digest_algorithms'");
  expect_error("[scscf]\ndigest_algorithms = MD5,\n", "'scscf.digest_algorithms': an empty algorithm name");
}
TEST(Config, UnknownOverrideIsRefused) {
  EXPECT_THROW(Config::defaults({{"global.nope", "1"}}), ConfigError);
}

TEST(Config, RenderRoundTrips) {
  const auto c = Config::parse("[global]\ndomain = example.org\n[mrf]\nenabled = no\n", "t");
  const auto shown = c.render(false);
  const auto again = Config::parse(shown, "rendered");
  for (const auto& spec : option_specs()) EXPECT_EQ(again.str(spec.key), c.str(spec.key)) << spec.key;
  EXPECT_NE(shown.find("domain = example.org"), std::string::npos);
}

TEST(Config, CommentedDefaultsKeepOnlyExplicitValuesActive) {
  const auto c = Config::parse("[global]\ndomain = example.org\n", "t");
  const auto text = c.render(true);
  EXPECT_NE(text.find("\ndomain = example.org\n"), std::string::npos);
  EXPECT_NE(text.find("\n#log_level = info\n"), std::string::npos);
  const auto again = Config::parse(text, "rendered");
  EXPECT_EQ(again.domain(), "example.org");
}

TEST(Config, ResolvePrefersExplicitFileThenDataDirFile) {
  const auto dir = std::filesystem::temp_directory_path() / ("imsbox-config-test-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  // no file in the data dir: built-in defaults
  auto r = resolve_config("", dir.string());
  EXPECT_FALSE(r.file);
  EXPECT_EQ(r.config.data_dir(), dir);
  // a file in the data dir is read
  std::ofstream(dir / "imsbox.conf") << "[global]\ndomain = in-data-dir.org\n";
  r = resolve_config("", dir.string());
  ASSERT_TRUE(r.file);
  EXPECT_EQ(r.config.domain(), "in-data-dir.org");
  // --config wins
  std::ofstream(dir / "other.conf") << "[global]\ndomain = other.org\n";
  r = resolve_config((dir / "other.conf").string(), dir.string());
  EXPECT_EQ(r.config.domain(), "other.org");
  EXPECT_EQ(r.config.data_dir(), dir);
  EXPECT_THROW(resolve_config((dir / "missing.conf").string(), ""), ConfigError);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace imsbox::runtime
