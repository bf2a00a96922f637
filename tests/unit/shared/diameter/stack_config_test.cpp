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
  c.allowed_peers = {{"scscf.ims.test", {}, true}, {"as.ims.test", {"192.0.2.7", "as.example.org"}, false}};
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
  c.allowed_peers = {{"bad;peer", {}, true}};
  EXPECT_NE(validate(c).find("allowed peer"), std::string::npos);
  c = valid();
  c.allowed_peers = {{"as.ims.test", {}, false}};
  EXPECT_NE(validate(c).find("no address"), std::string::npos) << "admitted from nowhere: a mistake";
  c = valid();
  c.allowed_peers = {{"as.ims.test", {"192.0.2.7\"; x"}, false}};
  EXPECT_NE(validate(c).find("allowed peer address"), std::string::npos);
  c = valid();
  c.listen_address = "localhost";
  EXPECT_NE(validate(c).find("listen address"), std::string::npos);
  c = valid();
  c.host_ip_addresses = {"0.0.0.0"};
  EXPECT_NE(validate(c).find("Host-IP-Address"), std::string::npos);
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

TEST(StackConfig, TheFileHasNoListenOnWhichFreeDiameterWouldDropForLoopback) {
  auto c = valid();
  c.listen_address = "127.0.0.1";
  EXPECT_EQ(freediameter_conf(c).find("ListenOn"), std::string::npos);
}

TEST(StackConfig, ASpecificListenAddressIsBoundAndAnnounced) {
  auto c = valid();
  c.listen_address = "127.0.0.1";
  auto e = local_endpoints(c);
  ASSERT_EQ(e.listen.size(), 1u);
  EXPECT_EQ(e.listen[0].to_string(), "127.0.0.1");
  ASSERT_EQ(e.advertised.size(), 1u);
  EXPECT_EQ(e.advertised[0].to_string(), "127.0.0.1");
  c.host_ip_addresses = {"192.0.2.1", "2001:db8::1"};
  e = local_endpoints(c);
  ASSERT_EQ(e.advertised.size(), 2u);
  EXPECT_EQ(e.advertised[1].to_string(), "2001:db8::1");
}

TEST(StackConfig, AWildcardIsBoundButNeverTheOnlyAddressAnnounced) {
  auto c = valid();
  c.listen_address = "0.0.0.0";
  auto e = local_endpoints(c);
  ASSERT_EQ(e.listen.size(), 1u);
  EXPECT_EQ(e.listen[0].to_string(), "0.0.0.0");
  ASSERT_EQ(e.advertised.size(), 1u);
  EXPECT_EQ(e.advertised[0].to_string(), "127.0.0.1");
  c.host_ip_addresses = {"192.0.2.1"};
  EXPECT_EQ(local_endpoints(c).advertised[0].to_string(), "192.0.2.1");
  // :: (or nothing) takes both families, as freeDiameter's IPv6 sockets are IPv6-only
  c.listen_address = "::";
  e = local_endpoints(c);
  ASSERT_EQ(e.listen.size(), 2u);
  EXPECT_EQ(e.listen[0].to_string(), "0.0.0.0");
  EXPECT_EQ(e.listen[1].to_string(), "::");
  c.listen_address.clear();
  EXPECT_EQ(local_endpoints(c).listen.size(), 2u);
}

TEST(StackConfig, AClientBindsNothingButHasAnAddressToAnnounce) {
  auto c = valid();
  c.listen_port = 0;
  c.listen_address = "127.0.0.1";
  auto e = local_endpoints(c);
  EXPECT_TRUE(e.listen.empty());
  ASSERT_EQ(e.advertised.size(), 1u);
  EXPECT_EQ(e.advertised[0].to_string(), "127.0.0.1");
  c.listen_address.clear();
  EXPECT_EQ(local_endpoints(c).advertised.at(0).to_string(), "127.0.0.1");
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
