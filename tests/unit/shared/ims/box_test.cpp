#include "ims/box.h"

#include <gtest/gtest.h>

#include "unit/test_dir.h"

namespace imsbox::ims {
namespace {

runtime::Config config(const std::string& extra = "") {
  return runtime::Config::parse("[global]\ndomain = ims.test\nbind_address = 127.0.0.5\n" + extra, "test.conf");
}

std::optional<boost::asio::ip::address> lan_route(bool ipv6) {
  return boost::asio::ip::make_address(ipv6 ? "2001:db8:5::7" : "192.0.2.77");
}
std::optional<boost::asio::ip::address> no_route(bool) { return std::nullopt; }

TEST(Box, NodeNamesComeFromTheDomainAndPorts) {
  const auto c = config("[scscf]\nsip_port = 16060\n");
  EXPECT_EQ(node_host(c, "icscf"), "icscf.ims.test");
  EXPECT_EQ(node_sip_uri(c, "icscf"), "sip:icscf.ims.test:4060");
  EXPECT_EQ(node_sip_uri(c, "scscf"), "sip:scscf.ims.test:16060");
}

// What another vendor's CSCF can follow without DNS entries for this box:
// the advertised address (or the operator's <node>.uri), never <node>.<domain>.
TEST(Box, NodeUrisAreTheAdvertisedAddressOrTheOperatorsUri) {
  const auto c = config("[scscf]\nsip_port = 16060\n");
  EXPECT_EQ(node_uri(c, "pcscf"), "sip:127.0.0.5:5060");
  EXPECT_EQ(node_uri(c, "icscf"), "sip:127.0.0.5:4060");
  EXPECT_EQ(node_uri(c, "scscf"), "sip:127.0.0.5:16060");
  // the default names and routes the nodes give each other and the HSS
  EXPECT_EQ(scscf_name(c), "sip:127.0.0.5:16060");
  EXPECT_EQ(icscf_uri(c, "pcscf"), "sip:127.0.0.5:4060");
  EXPECT_EQ(icscf_uri(c, "scscf"), "sip:127.0.0.5:4060");
  // global.advertised_address, an address or a name
  EXPECT_EQ(node_uri(config("advertised_address = 192.0.2.8\n"), "pcscf"), "sip:192.0.2.8:5060");
  EXPECT_EQ(node_uri(config("advertised_address = 2001:db8::9\n"), "scscf"), "sip:[2001:db8::9]:6060");
  EXPECT_EQ(node_uri(config("advertised_address = box.example.net\n"), "icscf"), "sip:box.example.net:4060");
  // a wildcard bind address: the default route's source
  const auto any4 = runtime::Config::parse("[global]\ndomain = ims.test\nbind_address = 0.0.0.0\n", "test.conf");
  EXPECT_EQ(node_uri(any4, "pcscf", lan_route), "sip:192.0.2.77:5060");
  EXPECT_EQ(scscf_name(any4, lan_route), "sip:192.0.2.77:6060");
  EXPECT_EQ(icscf_uri(any4, "pcscf", lan_route), "sip:192.0.2.77:4060");
  // the operator's URI for a node wins, for that node only
  const auto named = config(
      "[pcscf]\nuri = sip:pcscf.example.net\n[scscf]\nuri = sip:core.example.net:6070;transport=tcp\n"
      "[icscf]\nuri = sip:[2001:db8::4]:4070\n");
  EXPECT_EQ(node_uri(named, "pcscf"), "sip:pcscf.example.net");
  EXPECT_EQ(node_uri(named, "scscf"), "sip:core.example.net:6070;transport=tcp");
  EXPECT_EQ(scscf_name(named), "sip:core.example.net:6070;transport=tcp");
  EXPECT_EQ(icscf_uri(named, "pcscf"), "sip:[2001:db8::4]:4070");
  // explicit names and routes win over both
  const auto routes = config("[scscf]\nname = sip:scscf1.ims.test\n[pcscf]\nicscf_uri = sip:192.0.2.1:5060\n");
  EXPECT_EQ(scscf_name(routes), "sip:scscf1.ims.test");
  EXPECT_EQ(icscf_uri(routes, "pcscf"), "sip:192.0.2.1:5060");
  EXPECT_EQ(icscf_uri(routes, "scscf"), "sip:127.0.0.5:4060");
}

TEST(Box, ANodeUriIsAHostAndPortOnly) {
  for (const char* bad : {"pcscf.example.net", "sip:orig@pcscf.example.net", "tel:+1555", "sip:", "sip:host:0",
                          "sip:host:x", "http://host", "sip:[::1", "sip:a b"}) {
    EXPECT_THROW(config(std::string("[pcscf]\nuri = ") + bad + "\n"), runtime::ConfigError) << bad;
  }
  for (const char* good : {"sip:pcscf.example.net", "sip:192.0.2.1:5060", "sips:[::1]:5061", "sip:h.example;transport=tcp"}) {
    EXPECT_EQ(node_uri(config(std::string("[pcscf]\nuri = ") + good + "\n"), "pcscf"), good);
  }
}

TEST(Box, ANodesOwnUrisAreEveryFormItHasHad) {
  EXPECT_EQ(node_uris(config(), "scscf"),
            (std::vector<std::string>{"sip:127.0.0.5:6060", "sip:scscf.ims.test:6060"}));  // bind = advertised
  EXPECT_EQ(node_uris(config("advertised_address = 192.0.2.8\n[pcscf]\nsip_port = 15060\n"), "pcscf"),
            (std::vector<std::string>{"sip:192.0.2.8:15060", "sip:pcscf.ims.test:15060", "sip:127.0.0.5:15060"}));
  EXPECT_EQ(node_uris(config("[icscf]\nuri = sip:i.example.net\n"), "icscf"),
            (std::vector<std::string>{"sip:i.example.net", "sip:127.0.0.5:4060", "sip:icscf.ims.test:4060"}));
  const auto any6 = runtime::Config::parse("[global]\ndomain = ims.test\nbind_address = ::\n", "test.conf");
  EXPECT_EQ(node_uris(any6, "pcscf", lan_route),
            (std::vector<std::string>{"sip:[2001:db8:5::7]:5060", "sip:pcscf.ims.test:5060"}));
}

TEST(Box, WithUserPutsAUserPartInAUri) {
  EXPECT_EQ(with_user("sip:192.0.2.1:5060", "term"), "sip:term@192.0.2.1:5060");
  EXPECT_EQ(with_user("sip:[2001:db8::1]:6060;transport=tcp", "orig"), "sip:orig@[2001:db8::1]:6060;transport=tcp");
  EXPECT_EQ(with_user("sip:old@h.example", "orig"), "sip:orig@h.example");
  EXPECT_EQ(loose_route(with_user("sip:pcscf.example.net", "term")), "<sip:term@pcscf.example.net;lr>");
}

TEST(Box, OnlyTheBoxNamesAndIpLiteralsResolve) {
  const auto c = config();
  EXPECT_EQ(resolve_box_host(c, "scscf.ims.test")->to_string(), "127.0.0.5");
  EXPECT_EQ(resolve_box_host(c, "PCSCF.IMS.TEST")->to_string(), "127.0.0.5");
  EXPECT_EQ(resolve_box_host(c, "192.0.2.7")->to_string(), "192.0.2.7");
  EXPECT_EQ(resolve_box_host(c, "[::1]")->to_string(), "::1");
  EXPECT_FALSE(resolve_box_host(c, "ims.test"));
  EXPECT_FALSE(resolve_box_host(c, "hss.ims.test"));
  EXPECT_FALSE(resolve_box_host(c, "scscf.example.org"));
  // the names the operator gives the box's nodes: its own, whatever DNS says
  const auto named = config("advertised_address = box.example.net\n[scscf]\nuri = sip:core.example.net:6060\n");
  EXPECT_EQ(resolve_box_host(named, "core.example.net")->to_string(), "127.0.0.5");
  EXPECT_EQ(resolve_box_host(named, "BOX.example.net")->to_string(), "127.0.0.5");
  EXPECT_FALSE(resolve_box_host(named, "other.example.net"));
}

TEST(Box, AWildcardBindAddressIsAdvertisedAsTheDefaultRoutesSource) {
  EXPECT_EQ(advertised_host(config(), lan_route), "127.0.0.5");  // a specific bind address as it is
  const auto any4 = runtime::Config::parse("[global]\ndomain = ims.test\nbind_address = 0.0.0.0\n", "test.conf");
  EXPECT_EQ(advertised_host(any4, lan_route), "192.0.2.77");
  const auto any6 = runtime::Config::parse("[global]\ndomain = ims.test\nbind_address = ::\n", "test.conf");
  EXPECT_EQ(advertised_host(any6, lan_route), "[2001:db8:5::7]");
  try {
    advertised_host(any4, no_route);
    ADD_FAILURE() << "no error without a route";
  } catch (const runtime::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("global.advertised_address"), std::string::npos) << e.what();
  }
  // the option wins, an address or a name
  const auto named = runtime::Config::parse(
      "[global]\ndomain = ims.test\nbind_address = 0.0.0.0\nadvertised_address = box.example.net\n", "test.conf");
  EXPECT_EQ(advertised_host(named, no_route), "box.example.net");
  EXPECT_EQ(advertised_host(config("advertised_address = 2001:db8::9\n"), no_route), "[2001:db8::9]");
  EXPECT_THROW(config("advertised_address = not a host\n"), runtime::ConfigError);
  // the nodes of the box reach each other over loopback
  EXPECT_EQ(resolve_box_host(any4, "scscf.ims.test")->to_string(), "127.0.0.1");
  EXPECT_EQ(resolve_box_host(any6, "scscf.ims.test")->to_string(), "::1");
  EXPECT_EQ(hss_peer(any4, "icscf").address, "127.0.0.1");
  // and the real lookup of this machine gives a specific address or nothing
  if (const auto source = default_route_source(false)) {
    EXPECT_FALSE(source->is_unspecified());
  }
}

TEST(Box, TrustedPeersAreTheBindAddressAndTheListed) {
  const auto listed = config("[scscf]\ntrusted_peers = 192.0.2.20, 2001:db8::20 192.0.2.21\n");
  const auto peers = trusted_peers(listed, "scscf");
  ASSERT_EQ(peers.size(), 4u);
  EXPECT_EQ(peers[0].to_string(), "127.0.0.5");
  EXPECT_EQ(peers[1].to_string(), "192.0.2.20");
  EXPECT_EQ(peers[2].to_string(), "2001:db8::20");
  EXPECT_EQ(peers[3].to_string(), "192.0.2.21");
  const auto any = runtime::Config::parse("[global]\ndomain = ims.test\nbind_address = 0.0.0.0\n", "test.conf");
  // a wildcard: the advertised address, which the nodes' URIs carry (loopback is trusted anyway)
  const auto any_peers = trusted_peers(any, "scscf", lan_route);
  ASSERT_EQ(any_peers.size(), 1u);
  EXPECT_EQ(any_peers[0].to_string(), "192.0.2.77");
  const auto named = runtime::Config::parse(
      "[global]\ndomain = ims.test\nbind_address = 0.0.0.0\nadvertised_address = box.example.net\n", "test.conf");
  EXPECT_TRUE(trusted_peers(named, "scscf", lan_route).empty());  // a name: the nodes use loopback for it
  try {
    trusted_peers(config("[scscf]\ntrusted_peers = 192.0.2.20, pcscf.example.net\n"), "scscf");
    ADD_FAILURE() << "a name was taken";
  } catch (const runtime::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("scscf.trusted_peers"), std::string::npos) << e.what();
  }
}

// Below the proxy core's wait limit, so that the CSCF's own 5xx is the answer.
TEST(Box, HssTimeoutStaysBelowTheWaitLimit) {
  using std::chrono::milliseconds;
  EXPECT_EQ(hss_timeout(config(), "scscf", milliseconds(10000)), milliseconds(3000));  // the default
  EXPECT_EQ(hss_timeout(config("[icscf]\nhss_timeout_ms = 9500\n"), "icscf", milliseconds(10000)), milliseconds(9000));
  EXPECT_EQ(hss_timeout(config("[icscf]\nhss_timeout_ms = 10\n"), "icscf", milliseconds(10000)), milliseconds(100));
  EXPECT_EQ(hss_timeout(config(), "scscf", milliseconds(500)), milliseconds(100));
}

TEST(Box, HssPeerIsThisBoxsOrTheConfiguredOne) {
  const auto c = config("[hss]\ndiameter_port = 13868\n[icscf]\nhss_peer = hss1.ims.test@192.0.2.9:3870\n");
  const auto own = hss_peer(c, "scscf");
  EXPECT_EQ(own.identity, "hss.ims.test");
  EXPECT_EQ(own.address, "127.0.0.5");
  EXPECT_EQ(own.port, 13868);
  const auto other = hss_peer(c, "icscf");
  EXPECT_EQ(other.identity, "hss1.ims.test");
  EXPECT_EQ(other.address, "192.0.2.9");
  EXPECT_EQ(other.port, 3870);
  for (const char* bad : {"hss.ims.test", "hss@1.2.3.4", "@1.2.3.4:3868", "hss@1.2.3.4:0", "hss@1.2.3.4:x"}) {
    EXPECT_THROW(hss_peer(config(std::string("[icscf]\nhss_peer = ") + bad + "\n"), "icscf"), runtime::ConfigError)
        << bad;
  }
  const auto cx = cx_client_config(c, "scscf");
  EXPECT_EQ(cx.identity, "scscf.ims.test");
  EXPECT_EQ(cx.realm, "ims.test");
  EXPECT_EQ(cx.listen_port, 0);
  ASSERT_EQ(cx.peers.size(), 1u);
  EXPECT_EQ(cx.peers[0].identity, "hss.ims.test");
}

TEST(Box, PcscfListensOnEveryTransportWithACertificateMadeOnce) {
  testing::TempDir dir;
  const auto c = config("data_dir = " + dir.path().string() + "\n");
  const auto s = proxy_stack_config(c, "pcscf");
  ASSERT_EQ(s.transport.listeners.size(), 5u);
  EXPECT_EQ(s.transport.listeners[0].port, 5060);
  EXPECT_EQ(s.transport.listeners[2].transport, sip::Transport::tls);
  EXPECT_EQ(s.transport.listeners[4].port, 8443);
  EXPECT_EQ(s.advertised_host, "127.0.0.5");
  EXPECT_EQ(proxy_stack_config(config("data_dir = " + dir.path().string() + "\nadvertised_address = 192.0.2.8\n"), "pcscf")
                .advertised_host,
            "192.0.2.8");
  EXPECT_EQ(s.proxy.own_uris, node_uris(c, "pcscf"));
  ASSERT_TRUE(std::filesystem::exists(s.transport.tls_certificate_file));
  const auto written = std::filesystem::last_write_time(s.transport.tls_certificate_file);
  EXPECT_EQ(proxy_stack_config(c, "pcscf").transport.tls_certificate_file, s.transport.tls_certificate_file);
  EXPECT_EQ(std::filesystem::last_write_time(s.transport.tls_certificate_file), written);  // kept, not remade
  std::filesystem::remove(s.transport.tls_private_key_file);
  EXPECT_THROW(proxy_stack_config(c, "pcscf"), std::runtime_error);  // a certificate without its key

  const auto i = proxy_stack_config(c, "icscf");
  ASSERT_EQ(i.transport.listeners.size(), 2u);
  EXPECT_EQ(i.transport.listeners[1].transport, sip::Transport::tcp);
  EXPECT_EQ(i.transport.listeners[1].port, 4060);
  EXPECT_EQ(i.proxy.resolve("scscf.ims.test")->to_string(), "127.0.0.5");
}

TEST(Box, HssDiameterPeersByDefaultAreTheBoxsCscfsFromLoopbackAndTheBindAddress) {
  const auto peers = hss_diameter_peers(config());
  ASSERT_EQ(peers.size(), 2u);
  EXPECT_EQ(peers[0].identity, "icscf.ims.test");
  EXPECT_TRUE(peers[0].loopback);
  EXPECT_EQ(peers[0].addresses, std::vector<std::string>{"127.0.0.5"});
  EXPECT_EQ(peers[1].identity, "scscf.ims.test");
  // the nodes' own identities when set
  const auto named = hss_diameter_peers(config("[scscf]\ndiameter_identity = s1.ims.test\n"));
  EXPECT_EQ(named.at(1).identity, "s1.ims.test");
  // a wildcard bind address: the box's nodes reach the HSS over loopback
  const auto any = runtime::Config::parse("[global]\ndomain = ims.test\nbind_address = 0.0.0.0\n", "test.conf");
  EXPECT_TRUE(hss_diameter_peers(any).at(0).addresses.empty());
  EXPECT_TRUE(hss_diameter_peers(any).at(0).loopback);
}

TEST(Box, HssDiameterPeersTakeAddresses) {
  const auto peers = hss_diameter_peers(config(
      "[hss]\ndiameter_peers = icscf.ims.test, scscf.example.org@192.0.2.7 scscf.example.org@[2001:db8::7],"
      "SCSCF.example.org@2001:db8::8, as.example.org@as1.example.org\n"));
  ASSERT_EQ(peers.size(), 3u);
  EXPECT_EQ(peers[0].identity, "icscf.ims.test");
  EXPECT_TRUE(peers[0].loopback);
  EXPECT_EQ(peers[0].addresses, std::vector<std::string>{"127.0.0.5"});
  EXPECT_EQ(peers[1].identity, "scscf.example.org");
  EXPECT_FALSE(peers[1].loopback) << "an identity with an address comes from there only";
  EXPECT_EQ(peers[1].addresses, (std::vector<std::string>{"192.0.2.7", "2001:db8::7", "2001:db8::8"}));
  EXPECT_EQ(peers[2].addresses, std::vector<std::string>{"as1.example.org"});  // resolved when the HSS starts
  for (const char* bad : {"@192.0.2.7", "scscf.example.org@", "scscf.example.org@0.0.0.0", "bad_name",
                          "s.example.org@x_y"}) {
    try {
      hss_diameter_peers(config(std::string("[hss]\ndiameter_peers = ") + bad + "\n"));
      ADD_FAILURE() << bad << " accepted";
    } catch (const runtime::ConfigError& e) {
      EXPECT_NE(std::string(e.what()).find("hss.diameter_peers"), std::string::npos) << e.what();
    }
  }
}

TEST(Box, TheHssListensOnTheBindAddressOnly) {
  const auto s = hss_diameter_config(config("[hss]\ndiameter_port = 13868\n"), no_route);
  EXPECT_EQ(s.identity, "hss.ims.test");
  EXPECT_EQ(s.listen_port, 13868);
  EXPECT_EQ(s.listen_address, "127.0.0.5");
  EXPECT_EQ(s.host_ip_addresses, std::vector<std::string>{"127.0.0.5"});
  EXPECT_EQ(s.allowed_peers.size(), 2u);
  EXPECT_EQ(diameter::validate(s), "");
  const auto e = diameter::local_endpoints(s);
  ASSERT_EQ(e.listen.size(), 1u);
  EXPECT_EQ(e.listen[0].to_string(), "127.0.0.5");
}

TEST(Box, DiameterNodesAnnounceASpecificAddress) {
  EXPECT_EQ(diameter_host_addresses(config(), lan_route), std::vector<std::string>{"127.0.0.5"});
  const auto any4 = runtime::Config::parse("[global]\ndomain = ims.test\nbind_address = 0.0.0.0\n", "test.conf");
  EXPECT_EQ(diameter_host_addresses(any4, lan_route), std::vector<std::string>{"192.0.2.77"});
  EXPECT_EQ(diameter_host_addresses(any4, no_route), std::vector<std::string>{"127.0.0.1"});
  const auto any6 = runtime::Config::parse("[global]\ndomain = ims.test\nbind_address = ::\n", "test.conf");
  EXPECT_EQ(diameter_host_addresses(any6, no_route), std::vector<std::string>{"::1"});
  const auto advertised = runtime::Config::parse(
      "[global]\ndomain = ims.test\nbind_address = 0.0.0.0\nadvertised_address = 192.0.2.99\n", "test.conf");
  EXPECT_EQ(diameter_host_addresses(advertised, lan_route), std::vector<std::string>{"192.0.2.99"});
  const auto named = runtime::Config::parse(
      "[global]\ndomain = ims.test\nbind_address = 0.0.0.0\nadvertised_address = box.example.net\n", "test.conf");
  EXPECT_EQ(diameter_host_addresses(named, lan_route), std::vector<std::string>{"192.0.2.77"});
  // the CSCFs' Cx clients announce it too, and bind nothing
  const auto cx = cx_client_config(any4, "icscf", lan_route);
  EXPECT_EQ(cx.host_ip_addresses, std::vector<std::string>{"192.0.2.77"});
  EXPECT_EQ(cx.listen_port, 0);
  EXPECT_TRUE(diameter::local_endpoints(cx).listen.empty());
}

}  // namespace
}  // namespace imsbox::ims
