// The kernel ESP backend (KernelEsp) against the real kernel, each test in a
// network namespace of its own; iproute2 reads back what is in place. The
// machines here have XFRM but no ESP: an install must then fail cleanly and
// leave nothing behind (on a kernel with ESP the SAs and policies must be there).
#include "pcscf/ipsec/kernel_esp.h"

#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <string>

#include "pcscf/ipsec/network_namespace.h"
#include "pcscf/ipsec/xfrm_kernel.h"
#include "runtime/clock.h"
#include "runtime/log.h"

namespace imsbox::pcscf::ipsec {
namespace {

std::string shell(const std::string& command) {
  std::string out;
  FILE* p = popen((command + " 2>&1").c_str(), "r");
  if (!p) return out;
  std::array<char, 4096> buf;
  std::size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) out.append(buf.data(), n);
  pclose(p);
  return out;
}

std::size_t lines_with(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (std::size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

std::vector<SecurityAssociation> four_sas() {
  using D = SecurityAssociation::Direction;
  EspKeys keys;
  keys.integrity = IntegrityAlgorithm::hmac_sha1_96;
  keys.integrity_key = std::vector<std::uint8_t>(20, 0x11);
  keys.encryption = EncryptionAlgorithm::aes_cbc;
  keys.encryption_key = std::vector<std::uint8_t>(16, 0x22);
  const auto ue = boost::asio::ip::make_address("192.0.2.2");
  const auto us = boost::asio::ip::make_address("192.0.2.1");
  return {{D::inbound, ue, us, 50001, 5101, 70001, keys},
          {D::outbound, us, ue, 5100, 50000, 2222, keys},
          {D::outbound, us, ue, 5101, 50001, 1111, keys},
          {D::inbound, ue, us, 50000, 5100, 70000, keys}};
}

struct KernelEspTest : ::testing::Test {
  runtime::SystemClock clock;
  runtime::Logger log{"pcscf", runtime::LogLevel::info, "", clock};
};

TEST_F(KernelEspTest, AnSaInXfrmTermsKeepsSelectorSpiKeysAndTiesThePolicyByReqid) {
  const auto sa = four_sas()[1];
  const auto x = to_xfrm(sa);
  EXPECT_EQ(x.src.to_string(), "192.0.2.1");
  EXPECT_EQ(x.dst.to_string(), "192.0.2.2");
  EXPECT_EQ(x.sport, 5100);
  EXPECT_EQ(x.dport, 50000);
  EXPECT_EQ(x.spi, 2222u);
  EXPECT_EQ(x.reqid, 2222u);
  EXPECT_EQ(x.direction, Direction::outbound);
  EXPECT_EQ(x.auth_key.size(), 20u);
  EXPECT_EQ(x.enc_key.size(), 16u);
  EXPECT_FALSE(invalid_reason(x));
}

// A re-registration whose UE keeps its ports: the new SA takes the old one's
// policy over, and the old one's removal leaves the policy to the new one.
TEST_F(KernelEspTest, ANewSaWithTheSameSelectorTakesThePolicyOver) {
  PolicyOwners owners;
  auto old_sa = four_sas()[1];
  auto new_sa = old_sa;
  new_sa.spi = 3333;
  EXPECT_EQ(owners.take(old_sa), PolicyOwners::Step::add);
  EXPECT_EQ(owners.take(four_sas()[0]), PolicyOwners::Step::add);  // another selector
  EXPECT_EQ(owners.take(new_sa), PolicyOwners::Step::update);
  EXPECT_FALSE(owners.release(old_sa));  // no longer its policy
  EXPECT_EQ(owners.size(), 2u);
  EXPECT_TRUE(owners.release(new_sa));
  EXPECT_FALSE(owners.release(new_sa));
  EXPECT_EQ(owners.size(), 1u);
}

TEST_F(KernelEspTest, InstallPutsFourStatesAndPoliciesInPlaceOrNothing) {
  const std::error_code ns = run_in_new_network_namespace([&] {
    KernelEsp esp(log);
    const auto sas = four_sas();
    const bool installed = esp.install(sas);
    const auto states = shell("ip xfrm state");
    const auto policies = shell("ip xfrm policy");
    if (installed) {  // a kernel with ESP
      EXPECT_EQ(lines_with(states, "proto esp"), 4u) << states;
      EXPECT_EQ(lines_with(policies, "dir in"), 2u) << policies;
      EXPECT_EQ(lines_with(policies, "dir out"), 2u) << policies;
      esp.remove(sas);
      EXPECT_EQ(shell("ip xfrm state"), "");
    } else {  // this machine: refused, and nothing half-made left behind
      EXPECT_EQ(states, "");
    }
    EXPECT_EQ(shell("ip xfrm policy"), "") << "after " << (installed ? "remove" : "a refused install");
  });
  if (ns) GTEST_SKIP() << "no network namespace: " << ns.message();
}

TEST_F(KernelEspTest, StartRemovesWhatAnEarlierRunLeftAndNothingElse) {
  const std::error_code ns = run_in_new_network_namespace([&] {
    {
      XfrmKernel earlier;  // our tag, as an earlier run of the P-CSCF
      ASSERT_TRUE(earlier.add_policy(to_xfrm(four_sas()[0])));
    }
    shell("ip xfrm policy add src 198.51.100.1/32 dst 198.51.100.2/32 dir out tmpl proto esp mode transport");
    ASSERT_EQ(lines_with(shell("ip xfrm policy"), "dir "), 2u);
    KernelEsp esp(log);
    const auto left = shell("ip xfrm policy");
    EXPECT_EQ(lines_with(left, "dir "), 1u) << left;
    EXPECT_NE(left.find("198.51.100.1"), std::string::npos) << left;
  });
  if (ns) GTEST_SKIP() << "no network namespace: " << ns.message();
}

}  // namespace
}  // namespace imsbox::pcscf::ipsec
