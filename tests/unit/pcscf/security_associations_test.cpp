// The P-CSCF's table of SA sets (TS 33.203 §7): SPIs, the four SAs, where
// messages to a UE go, and the life of a set from the 401 to its end.
#include "pcscf/security_associations.h"

#include <gtest/gtest.h>

namespace imsbox::pcscf {
namespace {

using namespace std::chrono_literals;
using ipsec::EncryptionAlgorithm;
using ipsec::IntegrityAlgorithm;
using ipsec::SecurityAssociation;
using D = SecurityAssociation::Direction;

const auto kUe = boost::asio::ip::make_address("192.0.2.2");
const auto kPcscf = boost::asio::ip::make_address("192.0.2.1");
constexpr ProtectedPorts kPorts{5100, 5101};  // port_pc, port_ps

IpsecMechanism ue_offer(std::uint16_t port_c = 50001, std::uint16_t port_s = 50000, std::uint32_t spi_c = 0x10000,
                        std::uint32_t spi_s = 0x10001) {
  return {IntegrityAlgorithm::hmac_sha1_96, EncryptionAlgorithm::aes_cbc, spi_c, spi_s, port_c, port_s};
}

sip::Peer from_ue(sip::Transport t, std::uint16_t port, std::uint16_t local) {
  sip::Peer p;
  p.transport = t;
  p.address = kUe;
  p.port = port;
  p.local_port = local;
  return p;
}

struct SecurityAssociationsTest : ::testing::Test {
  SecurityAssociations table{kPorts, 0x10000, 0x10010};
  Time t0{};
  const SecuritySet* pending(const IpsecMechanism& offer = ue_offer(), std::string impi = "alice@ims.test") {
    return table.add_pending(kUe, kPcscf, offer, {offer}, std::move(impi), {}, t0 + 60s);
  }
};

TEST_F(SecurityAssociationsTest, OurSpisAreFreshAndNeverTheUes) {
  // the UE's SPIs are the first two of our pool: we skip them
  const auto* set = pending();
  ASSERT_NE(set, nullptr);
  EXPECT_NE(set->ours.spi_c, set->ours.spi_s);
  for (const auto spi : {set->ours.spi_c, set->ours.spi_s}) {
    EXPECT_NE(spi, 0x10000u);
    EXPECT_NE(spi, 0x10001u);
  }
  EXPECT_EQ(set->ours.port_c, 5100);
  EXPECT_EQ(set->ours.port_s, 5101);
  EXPECT_EQ(set->state, SecuritySet::State::pending);
  // a second UE's set gets other SPIs
  const auto* other = table.add_pending(boost::asio::ip::make_address("192.0.2.3"), kPcscf, ue_offer(), {}, "bob", {},
                                        t0 + 60s);
  ASSERT_NE(other, nullptr);
  EXPECT_NE(other->ours.spi_c, set->ours.spi_c);
  EXPECT_NE(other->ours.spi_c, set->ours.spi_s);
  EXPECT_NE(other->ours.spi_s, set->ours.spi_s);
}

TEST_F(SecurityAssociationsTest, ThePoolRunsOutAndRefills) {
  // 17 SPIs, two of them the UE's: 7 sets of two
  std::vector<std::uint64_t> ids;
  for (int i = 0; i < 7; ++i) {
    const auto* s = pending();
    ASSERT_NE(s, nullptr) << i;
    ids.push_back(s->id);
  }
  EXPECT_EQ(pending(), nullptr);
  ASSERT_TRUE(table.remove(ids[3]));
  EXPECT_NE(pending(), nullptr);
}

TEST_F(SecurityAssociationsTest, TheFourSasEachWithTheReceiversSpi) {
  const auto* set = pending();
  const auto sas = security_associations(*set);
  ASSERT_EQ(sas.size(), 4u);
  // UE port_uc -> port_ps, our spi_s
  EXPECT_EQ(sas[0].direction, D::inbound);
  EXPECT_EQ(sas[0].source, kUe);
  EXPECT_EQ(sas[0].source_port, 50001);
  EXPECT_EQ(sas[0].destination_port, 5101);
  EXPECT_EQ(sas[0].spi, set->ours.spi_s);
  // port_pc -> UE port_us, the UE's spi_s
  EXPECT_EQ(sas[1].direction, D::outbound);
  EXPECT_EQ(sas[1].source, kPcscf);
  EXPECT_EQ(sas[1].source_port, 5100);
  EXPECT_EQ(sas[1].destination_port, 50000);
  EXPECT_EQ(sas[1].spi, 0x10001u);
  // port_ps -> UE port_uc, the UE's spi_c
  EXPECT_EQ(sas[2].source_port, 5101);
  EXPECT_EQ(sas[2].destination_port, 50001);
  EXPECT_EQ(sas[2].spi, 0x10000u);
  // UE port_us -> port_pc, our spi_c
  EXPECT_EQ(sas[3].direction, D::inbound);
  EXPECT_EQ(sas[3].source_port, 50000);
  EXPECT_EQ(sas[3].destination_port, 5100);
  EXPECT_EQ(sas[3].spi, set->ours.spi_c);
}

TEST_F(SecurityAssociationsTest, WhatArrivedOverWhichSet) {
  const auto* set = pending();
  EXPECT_EQ(table.arrived_over(from_ue(sip::Transport::udp, 50001, 5101), t0), set);
  EXPECT_EQ(table.arrived_over(from_ue(sip::Transport::tcp, 50000, 5100), t0), set);
  // the UE's client port to our unprotected port, or the wrong pair of ports
  EXPECT_EQ(table.arrived_over(from_ue(sip::Transport::udp, 50001, 5060), t0), nullptr);
  EXPECT_EQ(table.arrived_over(from_ue(sip::Transport::udp, 50000, 5101), t0), nullptr);
  EXPECT_EQ(table.arrived_over(from_ue(sip::Transport::udp, 50001, 5101), t0 + 61s), nullptr);  // expired
}

TEST_F(SecurityAssociationsTest, DatagramsToAUeLeaveFromPortPcToItsPortUs) {
  pending();
  auto to = from_ue(sip::Transport::udp, 50001, 5101);  // a response to its request, or its binding
  table.route(to, false, t0);
  EXPECT_EQ(to.port, 50000);
  EXPECT_EQ(to.local_port, 5100);
  // the 401 to its first, unprotected REGISTER from the same port stays plain
  auto plain = from_ue(sip::Transport::udp, 50001, 5060);
  table.route(plain, false, t0);
  EXPECT_EQ(plain.port, 50001);
  EXPECT_EQ(plain.local_port, 5060);
}

TEST_F(SecurityAssociationsTest, TcpRequestsGoOnAConnectionFromPortPcResponsesStay) {
  pending();
  auto response = from_ue(sip::Transport::tcp, 50001, 5101);
  response.connection = 7;
  table.route(response, false, t0);
  EXPECT_EQ(response.connection, 7u);
  EXPECT_EQ(response.port, 50001);
  auto request = response;
  table.route(request, true, t0);
  EXPECT_EQ(request.connection, 0u);  // opened (again) from port_pc when there is none
  EXPECT_EQ(request.port, 50000);
  EXPECT_EQ(request.local_port, 5100);
}

TEST_F(SecurityAssociationsTest, ReRegistrationKeepsTheOldSetUntilTheNewOneIsUsed) {
  const auto first = pending()->id;
  table.promote(first, t0 + 630s);
  EXPECT_EQ(table.find(first)->state, SecuritySet::State::active);
  // the re-registration's 401: a new set with the UE's new ports and SPIs
  const auto second = pending(ue_offer(50011, 50010, 0x20000, 0x20001))->id;
  EXPECT_TRUE(table.used(first).empty());  // requests over the old set before the 200 OK: nothing goes
  table.promote(second, t0 + 1230s);
  EXPECT_EQ(table.find(first)->state, SecuritySet::State::old);
  // a message to the UE now takes the new set
  auto to = from_ue(sip::Transport::udp, 50011, 5101);
  table.route(to, true, t0);
  EXPECT_EQ(to.port, 50010);
  // the first request over the new set: the old one goes
  const auto gone = table.used(second);
  ASSERT_EQ(gone.size(), 1u);
  EXPECT_EQ(gone[0].id, first);
  EXPECT_EQ(table.find(first), nullptr);
  EXPECT_EQ(table.arrived_over(from_ue(sip::Transport::udp, 50001, 5101), t0), nullptr);
  // a contact still bound to the old flow reaches the UE over the new set
  auto old_flow = from_ue(sip::Transport::udp, 50001, 5101);
  table.route(old_flow, true, t0);
  EXPECT_EQ(old_flow.port, 50010);
  EXPECT_EQ(old_flow.local_port, 5100);
}

TEST_F(SecurityAssociationsTest, ExpiryAndDeregistration) {
  const auto a = pending()->id;
  const auto b = pending(ue_offer(50003, 50002), "bob@ims.test")->id;
  table.promote(b, t0 + 300s);
  EXPECT_EQ(table.next_expiry(), t0 + 60s);
  const auto expired = table.expire(t0 + 60s);  // the unused pending set
  ASSERT_EQ(expired.size(), 1u);
  EXPECT_EQ(expired[0].id, a);
  EXPECT_EQ(table.next_expiry(), t0 + 300s);
  EXPECT_TRUE(table.remove_ue(kUe, "alice@ims.test").empty());
  EXPECT_EQ(table.remove_ue(kUe, "bob@ims.test").size(), 1u);
  EXPECT_TRUE(table.sets().empty());
  EXPECT_FALSE(table.next_expiry());
}

}  // namespace
}  // namespace imsbox::pcscf
