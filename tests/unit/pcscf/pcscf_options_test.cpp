// The P-CSCF's options from the configuration: the URIs it hands other nodes
// (Path, the reg-event SUBSCRIBE's From/Contact/P-Asserted-Identity, the
// I-CSCF route) must be routable by a third-party CSCF without DNS entries
// for this box; its own URIs are recognised in every form they have had.
#include <gtest/gtest.h>

#include <algorithm>

#include "pcscf/pcscf.h"
#include "runtime/config.h"
#include "pcscf/pcscf_service.h"
#include "pcscf/reg_event.h"
#include "runtime/clock.h"
#include "runtime/log.h"
#include "unit/proxy_fakes.h"

namespace imsbox::pcscf {
namespace {

runtime::Config config(const std::string& extra = "") {
  return runtime::Config::parse("[global]\ndomain = ims.test\nbind_address = 127.0.0.5\n" + extra, "test.conf");
}

TEST(PcscfOptions, UrisGivenToOtherNodesAreTheAdvertisedAddress) {
  const auto o = pcscf_options(config());
  EXPECT_EQ(o.pcscf_uri, "sip:127.0.0.5:5060");
  EXPECT_EQ(o.path, "<sip:term@127.0.0.5:5060;lr>");
  EXPECT_EQ(o.icscf_route, "<sip:127.0.0.5:4060;lr>");

  const auto advertised = pcscf_options(config("advertised_address = 192.0.2.8\n[pcscf]\nsip_port = 15060\n"));
  EXPECT_EQ(advertised.pcscf_uri, "sip:192.0.2.8:15060");
  EXPECT_EQ(advertised.path, "<sip:term@192.0.2.8:15060;lr>");
  EXPECT_EQ(advertised.icscf_route, "<sip:192.0.2.8:4060;lr>");
}

TEST(PcscfOptions, SecAgree) {
  const auto o = pcscf_options(config());
  EXPECT_EQ(o.sec_agree.mode, IpsecMode::optional);  // the default
  EXPECT_EQ(o.sec_agree.algorithms, default_algorithm_pairs());
  EXPECT_EQ(o.sec_agree.ports.client, 5100);
  EXPECT_EQ(o.sec_agree.ports.server, 5101);
  EXPECT_EQ(o.sec_agree.address.to_string(), "127.0.0.5");
  // the protected ports are the P-CSCF's own (Route and Record-Route name them)
  EXPECT_NE(std::find(o.own_ports.begin(), o.own_ports.end(), 5101), o.own_ports.end());
  // a wildcard bind: the SAs are on the advertised address
  const auto wild = pcscf_options(runtime::Config::parse(
      "[global]\ndomain = ims.test\nbind_address = 0.0.0.0\nadvertised_address = 192.0.2.8\n", "test.conf"));
  EXPECT_EQ(wild.sec_agree.address.to_string(), "192.0.2.8");
  const auto named = runtime::Config::parse(
      "[global]\ndomain = ims.test\nbind_address = 0.0.0.0\nadvertised_address = box.example.net\n", "test.conf");
  EXPECT_THROW(pcscf_options(named), runtime::ConfigError);
  EXPECT_THROW(pcscf_options(config("[pcscf]\nipsec = sometimes\n")), runtime::ConfigError);
  EXPECT_THROW(pcscf_options(config("[pcscf]\nipsec_algorithms = hmac-sha-1-96+des-ede3-cbc\n")),
               runtime::ConfigError);
  EXPECT_THROW(pcscf_options(config("[pcscf]\nipsec_port_c = 5101\n")), runtime::ConfigError);
  const auto off = pcscf_options(config("[pcscf]\nipsec = off\nipsec_algorithms = hmac-md5-96+null\n"));
  EXPECT_EQ(off.sec_agree.mode, IpsecMode::off);
  EXPECT_EQ(off.sec_agree.algorithms.size(), 1u);
}

TEST(PcscfOptions, TheOperatorsUrisWin) {
  const auto o = pcscf_options(
      config("[pcscf]\nuri = sip:pcscf.example.net\n[icscf]\nuri = sip:icscf.example.net:4070;transport=tcp\n"));
  EXPECT_EQ(o.pcscf_uri, "sip:pcscf.example.net");
  EXPECT_EQ(o.path, "<sip:term@pcscf.example.net;lr>");
  EXPECT_EQ(o.icscf_route, "<sip:icscf.example.net:4070;transport=tcp;lr>");
  EXPECT_EQ(pcscf_options(config("[pcscf]\nicscf_uri = sip:192.0.2.1:5060\n")).icscf_route, "<sip:192.0.2.1:5060;lr>");
}

TEST(PcscfOptions, TheRegEventSubscriptionCarriesTheRoutableUri) {
  RegSubscription s;
  s.impu = "sip:alice@ims.test";
  s.call_id = "sub-1";
  s.from_tag = "ft";
  auto m = make_reg_subscribe(s, pcscf_options(config()).pcscf_uri, 600000);
  m.prepend(sip::HeaderId::via, "SIP/2.0/UDP 127.0.0.5:5060;branch=z9hG4bKo1");  // the originator's
  const auto wire = test::parse(m.serialize());
  EXPECT_EQ(wire.find(sip::HeaderId::contact)->value, "<sip:127.0.0.5:5060>");
  EXPECT_EQ(wire.find(sip::HeaderId::p_asserted_identity)->value, "<sip:127.0.0.5:5060>");
  EXPECT_EQ(wire.from().uri, "sip:127.0.0.5:5060");
}

// All the nodes of a box share an address: the port tells the P-CSCF's URIs
// from the S-CSCF's. The names earlier versions handed out (held by stored
// registrations) are still ours.
TEST(PcscfOptions, OwnUrisInEveryFormOnOurPortsOnly) {
  runtime::ManualClock clock;
  runtime::Logger log("pcscf", runtime::LogLevel::error, test::test_log_path("pcscf_options_test"), clock);
  PcscfService service(pcscf_options(config("advertised_address = 192.0.2.8\n[pcscf]\nuri = sip:p.example.net\n")),
                       log, clock);
  for (const char* own : {"sip:p.example.net", "sip:192.0.2.8:5060", "sip:127.0.0.5:5060", "sip:127.0.0.5:8088",
                          "sip:pcscf.ims.test:5060", "sip:127.0.0.5", "sips:127.0.0.5"}) {
    EXPECT_TRUE(service.is_own_uri(own)) << own;
  }
  for (const char* other : {"sip:127.0.0.5:6060", "sip:192.0.2.8:4060", "sip:scscf.ims.test:6060", "sip:192.0.2.9:5060"}) {
    EXPECT_FALSE(service.is_own_uri(other)) << other;
  }
  EXPECT_TRUE(service.is_own_path_route("sip:term@p.example.net"));
  EXPECT_TRUE(service.is_own_path_route("sip:term@pcscf.ims.test:5060"));  // a Path stored before
  EXPECT_TRUE(service.is_own_path_route("sip:term@127.0.0.5:5060"));
  EXPECT_FALSE(service.is_own_path_route("sip:term@127.0.0.5:6060"));
}

}  // namespace
}  // namespace imsbox::pcscf
