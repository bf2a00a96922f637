// The S-CSCF's options from the configuration: every URI it hands other
// nodes (Service-Route, reg-event Contact, third-party REGISTER, ODI Route,
// its name at the HSS, the I-CSCF route) must be routable by a third-party
// CSCF without DNS entries for this box; its own URIs are recognised in
// every form they have had.
#include <gtest/gtest.h>

#include "runtime/config.h"
#include "scscf/scscf.h"
#include "scscf/scscf_service.h"

namespace imsbox::scscf {
namespace {

runtime::Config config(const std::string& extra = "") {
  return runtime::Config::parse("[global]\ndomain = ims.test\nbind_address = 127.0.0.5\n" + extra, "test.conf");
}

TEST(ScscfOptions, UrisGivenToOtherNodesAreTheAdvertisedAddress) {
  const auto o = scscf_options(config("[scscf]\nsip_port = 16060\n"));
  EXPECT_EQ(o.own_uri, "sip:127.0.0.5:16060");
  EXPECT_EQ(o.server_name, "sip:127.0.0.5:16060");  // what I-CSCFs route its users' requests to
  EXPECT_EQ(o.icscf_route, "<sip:127.0.0.5:4060;lr>");
  EXPECT_EQ(o.own_uris, (std::vector<std::string>{"sip:127.0.0.5:16060", "sip:scscf.ims.test:16060"}));
  ASSERT_EQ(o.box_nodes.size(), 1u);  // sip:annc@mrf.ims.test;play=... goes to the MRF's port
  EXPECT_EQ(o.box_nodes[0].host, "mrf.ims.test");
  EXPECT_EQ(o.box_nodes[0].route, "<sip:127.0.0.5:5080;lr>");
  EXPECT_EQ(scscf_options(config("[mrf]\nuri = sip:mrf.example.net:7080\n")).box_nodes.at(0).route,
            "<sip:mrf.example.net:7080;lr>");

  const auto advertised = scscf_options(config("advertised_address = 192.0.2.8\n"));
  EXPECT_EQ(advertised.own_uri, "sip:192.0.2.8:6060");
  EXPECT_EQ(advertised.server_name, "sip:192.0.2.8:6060");
  EXPECT_EQ(advertised.icscf_route, "<sip:192.0.2.8:4060;lr>");
  EXPECT_EQ(advertised.own_uris,
            (std::vector<std::string>{"sip:192.0.2.8:6060", "sip:scscf.ims.test:6060", "sip:127.0.0.5:6060"}));
}

TEST(ScscfOptions, TheOperatorsUrisWin) {
  const auto named = scscf_options(config("[scscf]\nuri = sip:scscf.example.net:6060\n[icscf]\nuri = sip:i.example.net\n"));
  EXPECT_EQ(named.own_uri, "sip:scscf.example.net:6060");
  EXPECT_EQ(named.server_name, "sip:scscf.example.net:6060");
  EXPECT_EQ(named.icscf_route, "<sip:i.example.net;lr>");
  const auto explicit_names =
      scscf_options(config("[scscf]\nname = sip:scscf1.ims.test\nicscf_uri = sip:192.0.2.1:4060\n"));
  EXPECT_EQ(explicit_names.server_name, "sip:scscf1.ims.test");
  EXPECT_EQ(explicit_names.own_uri, "sip:127.0.0.5:6060");
  EXPECT_EQ(explicit_names.icscf_route, "<sip:192.0.2.1:4060;lr>");
}

}  // namespace
}  // namespace imsbox::scscf
