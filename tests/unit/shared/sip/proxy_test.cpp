#include <gtest/gtest.h>

#include "sip/parser.h"
#include "sip/proxy/request_checks.h"
#include "sip/proxy/routing.h"

namespace imsbox::sip::proxy {
namespace {

Message parse(std::string text) {
  auto r = parse_message(std::move(text));
  EXPECT_TRUE(r.well_formed()) << r.reason;
  return std::move(*r.message);
}

std::string request(std::string_view uri, std::string_view extra = "") {
  return "INVITE " + std::string(uri) + " SIP/2.0\r\n"
         "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKclient\r\n"
         "Max-Forwards: 70\r\n"
         "From: <sip:alice@example.com>;tag=1928\r\n"
         "To: <sip:bob@example.com>\r\n"
         "Call-ID: c1\r\n"
         "CSeq: 1 INVITE\r\n" + std::string(extra) + "Content-Length: 0\r\n\r\n";
}

TEST(ProxyChecks, SchemeMaxForwardsAndProxyRequire) {
  constexpr std::string_view supported[] = {"sec-agree"};
  EXPECT_FALSE(check_request(parse(request("sip:bob@example.com")), supported));
  EXPECT_EQ(check_request(parse(request("mailto:bob@example.com")), supported)->status, 416);
  auto mf0 = request("sip:bob@example.com");
  mf0.replace(mf0.find("Max-Forwards: 70"), 16, "Max-Forwards: 0");
  EXPECT_EQ(check_request(parse(mf0), supported)->status, 483);
  const auto r = check_request(parse(request("sip:bob@example.com", "Proxy-Require: sec-agree, foo, bar\r\n")), supported);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 420);
  ASSERT_EQ(r->headers.size(), 1u);
  EXPECT_EQ(r->headers[0].first, HeaderId::unsupported);
  EXPECT_EQ(r->headers[0].second, "foo, bar");
}

TEST(ProxyChecks, LoopIsTheSameRequestBackSpiralIsNot) {
  const std::vector<std::string> own = {"proxy.example.com:5060"};
  auto first = parse(request("sip:bob@example.com"));
  Interface in{Transport::udp, "proxy.example.com", 5060};
  ForwardPlan plan{"", in, in, false, make_branch(first, "1"), ""};
  auto forwarded = prepare_forward(first, plan);
  EXPECT_FALSE(loop_detected(first, own));
  // the forwarded copy comes back unchanged: a loop
  auto back = parse(forwarded.serialize());
  EXPECT_TRUE(loop_detected(back, own));
  // it comes back with another Request-URI (e.g. an AS retargeted it): a spiral
  back.set_request_uri("sip:carol@example.com");
  EXPECT_FALSE(loop_detected(parse(back.serialize()), own));
}

TEST(ProxyRouting, LooseRouteOfOursIsRemoved) {
  auto m = parse(request("sip:bob@example.com", "Route: <sip:proxy.example.com;lr>, <sip:next.example.com;lr>\r\n"));
  preprocess_route(m, [](std::string_view uri) { return uri.starts_with("sip:proxy.example.com"); });
  EXPECT_EQ(m.request_uri(), "sip:bob@example.com");
  EXPECT_EQ(m.find(HeaderId::route)->value, "<sip:next.example.com;lr>");
}

TEST(ProxyRouting, StrictRouterFixUp) {
  // the previous hop put our URI in the Request-URI and the real target last in Route
  auto m = parse(request("sip:proxy.example.com", "Route: <sip:next.example.com;lr>, <sip:bob@example.com>\r\n"));
  preprocess_route(m, [](std::string_view uri) { return uri.starts_with("sip:proxy.example.com"); });
  EXPECT_EQ(m.request_uri(), "sip:bob@example.com");
  EXPECT_EQ(m.find(HeaderId::route)->value, "<sip:next.example.com;lr>");
}

TEST(ProxyRouting, ForwardAddsViaDecrementsMaxForwardsAndDoubleRecordRoutes) {
  const auto m = parse(request("sip:bob@example.com"));
  ForwardPlan plan;
  plan.request_uri = "sip:bob@192.0.2.20:5062;transport=tcp";
  plan.inbound = {Transport::wss, "192.0.2.10", 8443};
  plan.outbound = {Transport::tcp, "192.0.2.10", 5060};
  plan.record_route = true;
  plan.branch = make_branch(m, "7");
  const auto f = parse(prepare_forward(m, plan).serialize());
  EXPECT_EQ(f.request_uri(), "sip:bob@192.0.2.20:5062;transport=tcp");
  EXPECT_EQ(f.max_forwards(), 69u);
  const auto vias = f.vias();
  ASSERT_EQ(vias.size(), 2u);
  EXPECT_EQ(vias[0].transport, "TCP");
  EXPECT_EQ(vias[0].sent_by, "192.0.2.10:5060");
  EXPECT_EQ(vias[0].branch(), plan.branch);
  const auto rr = parse_name_addr_list(f.find(HeaderId::record_route)->value);
  ASSERT_EQ(f.count(HeaderId::record_route), 2u);
  // outbound interface on top (what the callee routes to), then the inbound one
  EXPECT_EQ(f.headers()[0].value, "<sip:192.0.2.10:5060;transport=tcp;lr>");
  EXPECT_EQ(f.headers()[1].value, "<sip:192.0.2.10:8443;transport=wss;lr>");
  // one interface: one Record-Route
  plan.outbound = plan.inbound;
  EXPECT_EQ(parse(prepare_forward(m, plan).serialize()).count(HeaderId::record_route), 1u);
}

// A leg of a dialog named in the user part (the CSCFs' "orig" and "term"):
// in both entries of a double Record-Route.
TEST(ProxyRouting, RecordRouteCarriesTheLegAsItsUserPart) {
  const auto m = parse(request("sip:bob@example.com"));
  ForwardPlan plan;
  plan.inbound = {Transport::udp, "192.0.2.10", 5060};
  plan.outbound = {Transport::tcp, "[2001:db8::10]", 5060};
  plan.record_route = true;
  plan.record_route_user = "term";
  plan.branch = make_branch(m, "7");
  const auto f = parse(prepare_forward(m, plan).serialize());
  ASSERT_EQ(f.count(HeaderId::record_route), 2u);
  EXPECT_EQ(f.headers()[0].value, "<sip:term@[2001:db8::10]:5060;transport=tcp;lr>");
  EXPECT_EQ(f.headers()[1].value, "<sip:term@192.0.2.10:5060;lr>");
}

TEST(ProxyRouting, MaxForwardsAddedWhenAbsent) {
  auto text = request("sip:bob@example.com");
  text.erase(text.find("Max-Forwards: 70\r\n"), 18);
  const auto m = parse(text);
  Interface i{Transport::udp, "192.0.2.10", 5060};
  EXPECT_EQ(parse(prepare_forward(m, {"", i, i, false, "z9hG4bKx", ""}).serialize()).max_forwards(), 70u);
}

TEST(ProxyRouting, NextHopFromRouteOrRequestUri) {
  const auto no_dns = [](std::string_view) -> std::optional<boost::asio::ip::address> { return std::nullopt; };
  auto hop = next_hop(parse(request("sip:bob@192.0.2.30:5070;transport=TCP")), no_dns);
  ASSERT_TRUE(hop);
  EXPECT_EQ(hop->transport, Transport::tcp);
  EXPECT_EQ(hop->address.to_string(), "192.0.2.30");
  EXPECT_EQ(hop->port, 5070);
  hop = next_hop(parse(request("sip:bob@192.0.2.30", "Route: <sip:[2001:db8::1];lr>\r\n")), no_dns);
  ASSERT_TRUE(hop);
  EXPECT_EQ(hop->address.to_string(), "2001:db8::1");
  EXPECT_EQ(hop->port, 5060);
  EXPECT_EQ(hop->transport, Transport::udp);
  hop = next_hop(parse(request("sips:bob@192.0.2.30")), no_dns);
  EXPECT_EQ(hop->transport, Transport::tls);
  EXPECT_EQ(hop->port, 5061);
  EXPECT_FALSE(next_hop(parse(request("sip:bob@unknown.example.com")), no_dns));
  EXPECT_FALSE(next_hop(parse(request("tel:+15550001")), no_dns));
  const auto table = [](std::string_view host) -> std::optional<boost::asio::ip::address> {
    if (host == "scscf.example.com") return boost::asio::ip::make_address("127.0.0.3");
    return std::nullopt;
  };
  hop = next_hop(parse(request("sip:bob@example.com", "Route: <sip:scscf.example.com:6060;lr>\r\n")), table);
  ASSERT_TRUE(hop);
  EXPECT_EQ(hop->address.to_string(), "127.0.0.3");
  EXPECT_EQ(hop->port, 6060);
}

TEST(ProxyRouting, BestResponse) {
  const auto best = [](std::initializer_list<int> s) {
    const std::vector<int> v(s);
    return v[best_response(v)];
  };
  EXPECT_EQ(best({486, 603, 404}), 603);
  EXPECT_EQ(best({500, 404}), 404);
  EXPECT_EQ(best({404, 401, 480}), 401);
  EXPECT_EQ(best({503, 302}), 302);
  EXPECT_EQ(best({408}), 408);
}

}  // namespace
}  // namespace imsbox::sip::proxy
