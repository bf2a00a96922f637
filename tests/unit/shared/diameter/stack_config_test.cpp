#include "diameter/stack_config.h"

#include <gtest/gtest.h>

namespace imsbox::diameter {
namespace {

StackConfig valid() {
  StackConfig c;
  c.identity = "hss.ims.test";
  c.realm = "ims.test";
  c.listen_port = 3868;
  c.run_dir = "/tmp/run";
  c.peers = {{"icscf.ims.test", "127.0.0.1", 3870}};
  c.allowed_peers = {"scscf.ims.test"};
  return c;
}

TEST(StackConfig, ValidConfigPasses) { EXPECT_EQ(validate(valid()), ""); }

TEST(StackConfig, ProblemsNameTheOption) {
  auto c = valid();
  c.identity = "hss ims";
  EXPECT_NE(validate(c).find("identity"), std::string::npos);
  c = valid();
  c.watchdog = std::chrono::seconds(3);
  EXPECT_NE(validate(c).find("watchdog"), std::string::npos);
  c = valid();
  c.peers[0].address = "1.2.3.4\"; LoadExtension = \"x";
  EXPECT_NE(validate(c).find("peer address"), std::string::npos);
  c = valid();
  c.allowed_peers = {"bad;peer"};
  EXPECT_NE(validate(c).find("allowed peer"), std::string::npos);
  c = valid();
  c.tls = true;
  EXPECT_NE(validate(c).find("TLS"), std::string::npos);
  c = valid();
  c.run_dir.clear();
  EXPECT_NE(validate(c).find("run dir"), std::string::npos);
}

TEST(StackConfig, FreeDiameterConfHasWhatThisMachineNeeds) {
  const std::string conf = freediameter_conf(valid());
  EXPECT_NE(conf.find("Identity = \"hss.ims.test\";"), std::string::npos);
  EXPECT_NE(conf.find("Realm = \"ims.test\";"), std::string::npos);
  EXPECT_NE(conf.find("Port = 3868;"), std::string::npos);
  EXPECT_NE(conf.find("SecPort = 0;"), std::string::npos);
  EXPECT_NE(conf.find("No_SCTP;"), std::string::npos);
  EXPECT_NE(conf.find("NoRelay;"), std::string::npos);
  const auto nasreq = conf.find("/usr/lib/freeDiameter/dict_nasreq.fdx");
  const auto dcca = conf.find("/usr/lib/freeDiameter/dict_dcca.fdx");
  const auto dcca3gpp = conf.find("/usr/lib/freeDiameter/dict_dcca_3gpp.fdx");
  ASSERT_NE(nasreq, std::string::npos);
  EXPECT_LT(nasreq, dcca) << "dict_dcca refuses to load before dict_nasreq";
  EXPECT_LT(dcca, dcca3gpp);
  EXPECT_NE(conf.find("ConnectPeer = \"icscf.ims.test\" { ConnectTo = \"127.0.0.1\"; Port = 3870; No_SCTP; No_TLS; };"),
            std::string::npos)
      << conf;
}

TEST(StackConfig, ClientOnlyDoesNotListen) {
  auto c = valid();
  c.listen_port = 0;
  EXPECT_NE(freediameter_conf(c).find("Port = 0;"), std::string::npos);
}

TEST(StackConfig, ConfFileIsNamedAfterTheIdentity) {
  EXPECT_EQ(conf_path(valid()), std::filesystem::path("/tmp/run/freediameter-hss.ims.test.conf"));
}

}  // namespace
}  // namespace imsbox::diameter
