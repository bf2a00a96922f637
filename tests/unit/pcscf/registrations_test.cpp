// The P-CSCF's registration cache: pure, time passed in.
#include "pcscf/registrations.h"

#include <gtest/gtest.h>

namespace imsbox::pcscf {
namespace {

using namespace std::chrono_literals;

sip::Peer udp(std::uint16_t port) {
  sip::Peer p;
  p.transport = sip::Transport::udp;
  p.address = boost::asio::ip::make_address("127.0.0.1");
  p.port = port;
  return p;
}

sip::Peer ws(sip::ConnectionId id, std::uint16_t port = 40000) {
  sip::Peer p = udp(port);
  p.transport = sip::Transport::ws;
  p.connection = id;
  return p;
}

RegisterOk ok(std::string contact, std::chrono::seconds expires, sip::Peer source = udp(5070),
              std::string impu = "sip:alice@ims.test") {
  RegisterOk r;
  r.impu = std::move(impu);
  r.associated = {"sip:alice@ims.test", "tel:+15550100"};
  r.service_route = {"<sip:orig@scscf.ims.test:6060;lr>"};
  r.path = "<sip:term@pcscf.ims.test:5060;lr>";
  r.source = source;
  r.contacts = {RegisteredContact{std::move(contact), expires, std::nullopt, std::nullopt}};
  return r;
}

constexpr std::string_view kInstance = "urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6";

// A REGISTER of `contact` with an RFC 5626 flow (+sip.instance, reg-id).
RegisterOk ok_flow(std::string contact, sip::Peer source, std::uint32_t reg_id = 1,
                   std::string_view instance = kInstance, std::chrono::seconds expires = 600s) {
  auto r = ok(std::move(contact), expires, source);
  r.contacts[0].instance = std::string(instance);
  r.contacts[0].reg_id = reg_id;
  return r;
}

TEST(PcscfRegistrations, ContactKeyIgnoresParametersAndHostCase) {
  EXPECT_EQ(contact_key("sip:alice@EXAMPLE.com:5070;transport=udp;ob"), contact_key("sip:alice@example.com:5070"));
  EXPECT_NE(contact_key("sip:alice@example.com:5070"), contact_key("sip:alice@example.com:5071"));
  EXPECT_NE(contact_key("sip:alice@example.com"), contact_key("sip:Alice@example.com"));
  EXPECT_EQ(contact_key("not a uri"), "not a uri");
}

TEST(PcscfRegistrations, SameSourceIsAddressAndPortForUdpConnectionForStreams) {
  EXPECT_TRUE(same_source(udp(5070), udp(5070)));
  EXPECT_FALSE(same_source(udp(5070), udp(5071)));
  auto other = udp(5070);
  other.address = boost::asio::ip::make_address("127.0.0.2");
  EXPECT_FALSE(same_source(udp(5070), other));
  EXPECT_TRUE(same_source(ws(7, 40000), ws(7, 40000)));
  EXPECT_FALSE(same_source(ws(7), ws(8)));  // same address and port, another connection
  EXPECT_FALSE(same_source(ws(7), udp(40000)));
}

TEST(PcscfRegistrations, ApplyRegistersRefreshesAndRemoves) {
  RegistrationCache cache;
  const Time t0{};
  auto change = cache.apply(ok("sip:alice@127.0.0.1:5070", 600s), t0);
  EXPECT_TRUE(change.created);
  EXPECT_FALSE(change.removed);
  ASSERT_EQ(change.bound, std::vector<std::string>{"sip:alice@127.0.0.1:5070"});
  const auto* reg = cache.find("sip:alice@ims.test", t0);
  ASSERT_TRUE(reg);
  EXPECT_EQ(reg->associated.size(), 2u);
  EXPECT_EQ(reg->service_route, std::vector<std::string>{"<sip:orig@scscf.ims.test:6060;lr>"});
  EXPECT_EQ(reg->path, "<sip:term@pcscf.ims.test:5060;lr>");
  ASSERT_EQ(reg->bindings.size(), 1u);
  EXPECT_EQ(reg->bindings[0].expires_at, t0 + 600s);
  EXPECT_EQ(reg->bindings[0].source, udp(5070));

  // refresh: same contact (other parameters), new expiry and source
  change = cache.apply(ok("sip:alice@127.0.0.1:5070;ob", 300s, udp(5072)), t0 + 100s);
  EXPECT_FALSE(change.created);
  reg = cache.find("sip:alice@ims.test", t0 + 100s);
  ASSERT_TRUE(reg);
  ASSERT_EQ(reg->bindings.size(), 1u);
  EXPECT_EQ(reg->bindings[0].expires_at, t0 + 400s);
  EXPECT_EQ(reg->bindings[0].source, udp(5072));
  EXPECT_EQ(cache.bindings(), 1u);

  // a second contact, then de-registration of the first
  cache.apply(ok("sip:alice@127.0.0.1:5080", 300s, udp(5080)), t0 + 100s);
  EXPECT_EQ(cache.bindings(), 2u);
  change = cache.apply(ok("sip:alice@127.0.0.1:5070", 0s), t0 + 100s);
  EXPECT_EQ(change.unbound, std::vector<std::string>{"sip:alice@127.0.0.1:5070;ob"});
  EXPECT_FALSE(change.removed);
  change = cache.apply(ok("sip:alice@127.0.0.1:5080", 0s), t0 + 100s);
  EXPECT_TRUE(change.removed);
  EXPECT_EQ(cache.size(), 0u);
  EXPECT_FALSE(cache.next_expiry());
}

TEST(PcscfRegistrations, ContactStarRemovesEverything) {
  RegistrationCache cache;
  cache.apply(ok("sip:alice@127.0.0.1:5070", 600s), Time{});
  cache.apply(ok("sip:alice@127.0.0.1:5080", 600s), Time{});
  RegisterOk star;
  star.impu = "sip:alice@ims.test";
  star.remove_all = true;
  const auto change = cache.apply(star, Time{});
  EXPECT_TRUE(change.removed);
  EXPECT_EQ(change.unbound.size(), 2u);
  EXPECT_EQ(cache.size(), 0u);
}

TEST(PcscfRegistrations, ZeroExpiryForAnUnknownImpuCreatesNothing) {
  RegistrationCache cache;
  const auto change = cache.apply(ok("sip:alice@127.0.0.1:5070", 0s), Time{});
  EXPECT_FALSE(change.created);
  EXPECT_EQ(cache.size(), 0u);
}

TEST(PcscfRegistrations, LookupsBySourceAndContactSkipExpiredBindings) {
  RegistrationCache cache;
  const Time t0{};
  cache.apply(ok("sip:alice@127.0.0.1:5070", 60s), t0);
  cache.apply(ok("sip:bob@abc.invalid;transport=ws", 120s, ws(9), "sip:bob@ims.test"), t0);

  EXPECT_EQ(cache.from_source(udp(5070), t0 + 59s).size(), 1u);
  EXPECT_TRUE(cache.from_source(udp(5070), t0 + 60s).empty());  // lazily gone
  EXPECT_TRUE(cache.from_source(udp(5071), t0).empty());
  ASSERT_EQ(cache.from_source(ws(9), t0).size(), 1u);
  EXPECT_EQ(cache.from_source(ws(9), t0)[0]->impu, "sip:bob@ims.test");

  const auto found = cache.by_contact("sip:bob@ABC.invalid;transport=ws", t0 + 100s);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->registration->impu, "sip:bob@ims.test");
  EXPECT_EQ(found->binding->source, ws(9));
  EXPECT_FALSE(cache.by_contact("sip:bob@abc.invalid", t0 + 120s));
  EXPECT_FALSE(cache.find("sip:alice@ims.test", t0 + 60s));
}

TEST(PcscfRegistrations, ExpireRemovesDueBindingsInOrder) {
  RegistrationCache cache;
  const Time t0{};
  cache.apply(ok("sip:alice@127.0.0.1:5070", 60s), t0);
  cache.apply(ok("sip:alice@127.0.0.1:5080", 30s, udp(5080)), t0);
  cache.apply(ok("sip:alice@127.0.0.1:5070", 90s), t0 + 10s);  // refreshed: now due at 100 s
  ASSERT_TRUE(cache.next_expiry());
  EXPECT_EQ(*cache.next_expiry(), t0 + 30s);

  EXPECT_TRUE(cache.expire(t0 + 29s).empty());
  auto gone = cache.expire(t0 + 30s);
  ASSERT_EQ(gone.size(), 1u);
  EXPECT_EQ(gone[0], std::make_pair(std::string("sip:alice@ims.test"), std::string("sip:alice@127.0.0.1:5080")));
  EXPECT_EQ(*cache.next_expiry(), t0 + 100s);
  EXPECT_TRUE(cache.expire(t0 + 60s).empty());  // the old expiry of the refreshed contact
  gone = cache.expire(t0 + 100s);
  ASSERT_EQ(gone.size(), 1u);
  EXPECT_EQ(cache.size(), 0u);
  EXPECT_FALSE(cache.next_expiry());
}

TEST(PcscfRegistrations, UnbindRemoveAndForgetAssociated) {
  RegistrationCache cache;
  cache.apply(ok("sip:alice@127.0.0.1:5070", 60s), Time{});
  EXPECT_FALSE(cache.unbind("sip:alice@ims.test", "sip:alice@127.0.0.1:9999", Time{}));
  EXPECT_EQ(cache.forget_associated("tel:+15550100"), 1u);
  EXPECT_EQ(cache.find("sip:alice@ims.test", Time{})->associated, std::vector<std::string>{"sip:alice@ims.test"});
  EXPECT_TRUE(cache.unbind("sip:alice@ims.test", "sip:alice@127.0.0.1:5070", Time{}));
  EXPECT_EQ(cache.size(), 0u);
  EXPECT_FALSE(cache.next_expiry());
  cache.apply(ok("sip:alice@127.0.0.1:5070", 60s), Time{});
  EXPECT_TRUE(cache.remove("sip:alice@ims.test", Time{}));
  EXPECT_FALSE(cache.remove("sip:alice@ims.test", Time{}));
  EXPECT_FALSE(cache.next_expiry());
}

TEST(PcscfRegistrations, IndexesFollowRefreshesAndRemovals) {
  RegistrationCache cache;
  const Time t0{};
  // one UE, two IMPUs with the same contact
  cache.apply(ok("sip:alice@127.0.0.1:5070", 600s), t0);
  cache.apply(ok("sip:alice@127.0.0.1:5070", 600s, udp(5070), "sip:alice2@ims.test"), t0);
  ASSERT_EQ(cache.from_source(udp(5070), t0).size(), 2u);
  EXPECT_EQ(cache.from_source(udp(5070), t0)[0]->impu, "sip:alice2@ims.test");  // IMPU order
  ASSERT_TRUE(cache.by_contact("sip:alice@127.0.0.1:5070", t0));
  EXPECT_EQ(cache.by_contact("sip:alice@127.0.0.1:5070", t0)->registration->impu, "sip:alice2@ims.test");

  // the UE moved: only its new source counts
  cache.apply(ok("sip:alice@127.0.0.1:5070", 600s, udp(5072)), t0 + 1s);
  EXPECT_EQ(cache.from_source(udp(5070), t0 + 1s).size(), 1u);
  EXPECT_EQ(cache.from_source(udp(5072), t0 + 1s).size(), 1u);

  cache.remove("sip:alice2@ims.test", t0 + 1s);
  EXPECT_TRUE(cache.from_source(udp(5070), t0 + 1s).empty());
  EXPECT_EQ(cache.by_contact("sip:alice@127.0.0.1:5070", t0 + 1s)->registration->impu, "sip:alice@ims.test");
  cache.expire(t0 + 601s);
  EXPECT_FALSE(cache.by_contact("sip:alice@127.0.0.1:5070", t0));  // gone, not just expired
  EXPECT_TRUE(cache.from_source(udp(5072), t0).empty());
}

TEST(PcscfRegistrations, RemovedContactsKeepTheirSourceForAWhile) {
  RegistrationCache cache;
  const Time t0{};
  cache.apply(ok("sip:bob@abc.invalid;transport=ws", 600s, ws(9)), t0);
  EXPECT_FALSE(cache.departed_source("sip:bob@abc.invalid;transport=ws", t0));  // still registered
  cache.apply(ok("sip:bob@abc.invalid;transport=ws", 0s, ws(9)), t0 + 10s);
  EXPECT_FALSE(cache.by_contact("sip:bob@abc.invalid;transport=ws", t0 + 10s));
  ASSERT_TRUE(cache.departed_source("sip:bob@abc.invalid;transport=ws", t0 + 10s));
  EXPECT_EQ(*cache.departed_source("sip:bob@abc.invalid;transport=ws", t0 + 10s), ws(9));
  EXPECT_FALSE(cache.departed_source("sip:bob@abc.invalid;transport=ws", t0 + 10s + RegistrationCache::kDepartedGrace));
  // expired ones too
  cache.apply(ok("sip:carol@127.0.0.1:5090", 60s, udp(5090)), t0);
  cache.expire(t0 + 60s);
  EXPECT_EQ(*cache.departed_source("sip:carol@127.0.0.1:5090", t0 + 61s), udp(5090));
}

// RFC 5626 §6 (issue 15): a REGISTER with the same +sip.instance and reg-id
// under a new contact replaces the binding; the old contact stays an alias.
TEST(PcscfRegistrations, SameInstanceAndRegIdReplacesTheFlow) {
  RegistrationCache cache;
  const Time t0{};
  // a phone over TCP: its contact carries the port of its connection
  auto tcp = [](sip::ConnectionId id, std::uint16_t port) {
    auto p = ws(id, port);
    p.transport = sip::Transport::tcp;
    return p;
  };
  cache.apply(ok_flow("sip:carl@127.0.0.1:41001;transport=tcp", tcp(3, 41001)), t0);
  // the connection broke; it registers over a new one, from a new port
  const auto change = cache.apply(ok_flow("sip:carl@127.0.0.1:41002;transport=tcp", tcp(4, 41002)), t0 + 5s);
  EXPECT_FALSE(change.created);
  EXPECT_EQ(change.bound, std::vector<std::string>{"sip:carl@127.0.0.1:41002;transport=tcp"});
  EXPECT_TRUE(change.unbound.empty());  // replaced, not ended: its dialogs live on
  ASSERT_EQ(change.moved.size(), 1u);
  EXPECT_EQ(change.moved[0].old_contact, "sip:carl@127.0.0.1:41001;transport=tcp");
  EXPECT_EQ(change.moved[0].contact, "sip:carl@127.0.0.1:41002;transport=tcp");
  EXPECT_EQ(change.moved[0].old_source, tcp(3, 41001));
  // one binding, on the new flow; the old connection is no registered source
  EXPECT_EQ(cache.bindings(), 1u);
  const auto* reg = cache.find("sip:alice@ims.test", t0 + 5s);
  ASSERT_TRUE(reg);
  ASSERT_EQ(reg->bindings.size(), 1u);
  EXPECT_EQ(reg->bindings[0].source, tcp(4, 41002));
  EXPECT_EQ(reg->bindings[0].expires_at, t0 + 605s);
  EXPECT_FALSE(cache.has_source(tcp(3, 41001), t0 + 5s));
  EXPECT_TRUE(cache.has_source(tcp(4, 41002), t0 + 5s));
  // requests to either contact reach the new flow
  for (const char* c : {"sip:carl@127.0.0.1:41001;transport=tcp", "sip:carl@127.0.0.1:41002"}) {
    const auto found = cache.by_contact(c, t0 + 5s);
    ASSERT_TRUE(found) << c;
    EXPECT_EQ(found->binding->source, tcp(4, 41002)) << c;
  }
  // and so on: a third flow, then back to the first contact
  cache.apply(ok_flow("sip:carl@127.0.0.1:41003;transport=tcp", tcp(5, 41003)), t0 + 6s);
  cache.apply(ok_flow("sip:carl@127.0.0.1:41001;transport=tcp", tcp(6, 41001)), t0 + 7s);
  EXPECT_EQ(cache.bindings(), 1u);
  EXPECT_EQ(cache.from_source(tcp(6, 41001), t0 + 7s).size(), 1u);
  for (const auto* c : {"sip:carl@127.0.0.1:41001", "sip:carl@127.0.0.1:41002", "sip:carl@127.0.0.1:41003"}) {
    ASSERT_TRUE(cache.by_contact(c, t0 + 7s)) << c;
    EXPECT_EQ(cache.by_contact(c, t0 + 7s)->binding->source, tcp(6, 41001)) << c;
  }
  // a binding of the old contact itself (no instance this time) wins over the alias
  cache.apply(ok("sip:carl@127.0.0.1:41002;transport=tcp", 600s, tcp(7, 41009)), t0 + 7s);
  EXPECT_EQ(cache.by_contact("sip:carl@127.0.0.1:41002", t0 + 7s)->binding->source, tcp(7, 41009));
  EXPECT_EQ(cache.by_contact("sip:carl@127.0.0.1:41003", t0 + 7s)->binding->source, tcp(6, 41001));
  cache.unbind("sip:alice@ims.test", "sip:carl@127.0.0.1:41002", t0 + 7s);
  // when the binding ends, so do its aliases (a while later, as departed ones)
  EXPECT_EQ(cache.expire(t0 + 607s).size(), 1u);
  EXPECT_FALSE(cache.by_contact("sip:carl@127.0.0.1:41002", t0 + 607s));
  EXPECT_EQ(cache.departed_source("sip:carl@127.0.0.1:41002", t0 + 607s), tcp(6, 41001));
  EXPECT_EQ(cache.size(), 0u);
}

TEST(PcscfRegistrations, OtherRegIdOrInstanceIsAnotherFlow) {
  RegistrationCache cache;
  const Time t0{};
  cache.apply(ok_flow("sip:carl@10.0.0.1:5060", udp(5060), 1), t0);
  // RFC 5626 §4.2.1: a second flow of the same instance (reg-id 2) lives beside the first
  auto change = cache.apply(ok_flow("sip:carl@10.0.0.2:5060", udp(5061), 2), t0);
  EXPECT_TRUE(change.moved.empty());
  EXPECT_EQ(cache.bindings(), 2u);
  // another device (instance) with the same reg-id: another binding
  change = cache.apply(ok_flow("sip:carl@10.0.0.3:5060", udp(5062), 1, "urn:uuid:00000000-0000-0000-0000-000000000001"), t0);
  EXPECT_TRUE(change.moved.empty());
  EXPECT_EQ(cache.bindings(), 3u);
  // no instance at all: matched by contact only
  change = cache.apply(ok("sip:carl@10.0.0.4:5060", 600s, udp(5063)), t0);
  EXPECT_TRUE(change.moved.empty());
  EXPECT_EQ(cache.bindings(), 4u);
  // reg-id 1 again with expires 0 removes that flow only (the S-CSCF's rule too)
  change = cache.apply(ok_flow("sip:carl@10.0.0.9:5060", udp(5064), 1, kInstance, 0s), t0);
  EXPECT_EQ(change.unbound, std::vector<std::string>{"sip:carl@10.0.0.1:5060"});
  EXPECT_EQ(cache.bindings(), 3u);
}

// The same contact from a new connection (JsSIP after a WebSocket reconnect):
// the binding moves; the old connection no longer counts as the UE.
TEST(PcscfRegistrations, SameContactFromANewConnectionMovesTheFlow) {
  RegistrationCache cache;
  const Time t0{};
  cache.apply(ok_flow("sip:x7@a1b2.invalid;transport=ws", ws(7)), t0);
  auto change = cache.apply(ok_flow("sip:x7@a1b2.invalid;transport=ws", ws(9, 40002)), t0 + 3s);
  ASSERT_EQ(change.moved.size(), 1u);
  EXPECT_EQ(change.moved[0].old_contact, change.moved[0].contact);
  EXPECT_EQ(change.moved[0].old_source, ws(7));
  EXPECT_FALSE(cache.has_source(ws(7), t0 + 3s));
  EXPECT_TRUE(cache.has_source(ws(9, 40002), t0 + 3s));
  EXPECT_EQ(cache.by_contact("sip:x7@a1b2.invalid;transport=ws", t0 + 3s)->binding->source, ws(9, 40002));
  EXPECT_EQ(cache.bindings(), 1u);
  // a refresh over the same connection moves nothing
  change = cache.apply(ok_flow("sip:x7@a1b2.invalid;transport=ws", ws(9, 40002)), t0 + 4s);
  EXPECT_TRUE(change.moved.empty());
}

TEST(PcscfRegistrations, SourceKeyMatchesSameSource) {
  EXPECT_EQ(source_key(udp(5070)), source_key(udp(5070)));
  EXPECT_NE(source_key(udp(5070)), source_key(udp(5071)));
  EXPECT_EQ(source_key(ws(7, 1)), source_key(ws(7, 2)));
  EXPECT_NE(source_key(ws(7)), source_key(ws(8)));
}

TEST(PcscfRegistrations, HoldsManyContacts) {
  RegistrationCache cache;
  const Time t0{};
  for (int i = 0; i < 20000; ++i) {
    cache.apply(ok("sip:u" + std::to_string(i) + "@127.0.0.1:" + std::to_string(10000 + i % 50000), 600s,
                   udp(static_cast<std::uint16_t>(10000 + i % 50000)), "sip:u" + std::to_string(i) + "@ims.test"),
                t0);
  }
  EXPECT_EQ(cache.bindings(), 20000u);
  const auto found = cache.by_contact("sip:u12345@127.0.0.1:22345", t0);
  ASSERT_TRUE(found);
  EXPECT_EQ(found->registration->impu, "sip:u12345@ims.test");
  EXPECT_EQ(cache.from_source(udp(22345), t0).size(), 1u);
  EXPECT_EQ(cache.expire(t0 + 600s).size(), 20000u);
  EXPECT_EQ(cache.size(), 0u);
}

}  // namespace
}  // namespace imsbox::pcscf
