// XfrmKernel against the real kernel, each test in a network namespace of its
// own (run_in_new_network_namespace: never the host's XFRM state). iproute2 is
// the independent side: it adds what is "not ours" and reads back what we added.
// The machines here have XFRM but no ESP, so adding an SA must fail with the
// kernel's reason (the one iproute2 gets); policies need no ESP and are real.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <string>

#include "pcscf/ipsec/network_namespace.h"
#include "pcscf/ipsec/xfrm_kernel.h"
#include "unit/pcscf/ipsec/xfrm_test_data.h"

namespace imsbox::pcscf::ipsec {
namespace {

struct Shell {
  int status = -1;
  std::string output;
};

// Runs a command in the calling thread's network namespace (fork keeps it).
Shell shell(const std::string& command) {
  Shell r;
  FILE* p = popen((command + " 2>&1").c_str(), "r");
  if (!p) return r;
  std::array<char, 4096> buf;
  std::size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) r.output.append(buf.data(), n);
  r.status = pclose(p);
  return r;
}

// The body runs on a thread in a fresh namespace; skipped where none can be made (not root).
#define IN_NEW_NETNS(body)                                                             \
  do {                                                                                 \
    const std::error_code ns_error = run_in_new_network_namespace([&] { body; });     \
    if (ns_error) GTEST_SKIP() << "no network namespace: " << ns_error.message();      \
  } while (0)

constexpr XfrmTag tag{0x11223344};

// The ip command that adds the same SA as testing::v4_sha1_aes_inbound().
const char* ip_state_add_v4 =
    "ip xfrm state add src 192.0.2.2 dst 192.0.2.1 proto esp spi 0x10000001 mode transport reqid 7 "
    "replay-window 32 auth-trunc 'hmac(sha1)' 0x0102030405060708090a0b0c0d0e0f1000000000 96 "
    "enc 'cbc(aes)' 0xa0a1a2a3a4a5a6a7a8a9aaabacadaeaf "
    "sel src 192.0.2.2/32 dst 192.0.2.1/32 sport 49152 dport 5064";

TEST(XfrmKernel, AddSaGetsTheKernelsAnswer) {
  IN_NEW_NETNS({
    XfrmKernel kernel(tag);
    const XfrmResult ours = kernel.add_sa(testing::v4_sha1_aes_inbound());
    // iproute2, same SA, in a second fresh namespace: what this kernel says.
    Shell ip;
    run_in_new_network_namespace([&] { ip = shell(ip_state_add_v4); });
    if (ip.status == 0) {
      EXPECT_TRUE(ours) << ours.describe();  // a kernel with ESP
      const Shell list = shell("ip xfrm state list");
      EXPECT_NE(list.output.find("spi 0x10000001"), std::string::npos) << list.output;
    } else {
      ASSERT_FALSE(ours) << "iproute2 failed (" << ip.output << ") but we did not";
      EXPECT_NE(ours.describe(), "ok");
      // iproute2 prints the kernel's extended ACK as "Error: TEXT." (here "Requested type not
      // found"), else "RTNETLINK answers: ERRNO TEXT": we must report the same.
      const auto extack = ip.output.find("Error: ");
      if (extack != std::string::npos) {
        const std::string text = ip.output.substr(extack + 7, ip.output.find('.', extack) - extack - 7);
        EXPECT_EQ(ours.kernel_message, text) << ip.output;
      } else {
        EXPECT_NE(ip.output.find(ours.error.message()), std::string::npos) << ip.output << " vs " << ours.describe();
      }
      std::printf("kernel refused the SA: %s; iproute2: %s", ours.describe().c_str(), ip.output.c_str());
      const XfrmResult update = kernel.update_sa(testing::v4_sha1_aes_inbound());
      EXPECT_FALSE(update) << "updated an SA the kernel could not add";
    }
  });
}

TEST(XfrmKernel, AddSaRefusesAnInvalidSaWithoutAskingTheKernel) {
  IN_NEW_NETNS({
    XfrmKernel kernel(tag);
    auto sa = testing::v4_sha1_aes_inbound();
    sa.auth_key = testing::md5_key();
    const XfrmResult r = kernel.add_sa(sa);
    EXPECT_EQ(r.error, std::errc::invalid_argument);
    EXPECT_NE(r.kernel_message.find("integrity key"), std::string::npos) << r.kernel_message;
  });
}

TEST(XfrmKernel, DeleteSaThatIsNotThereIsAnError) {
  IN_NEW_NETNS({
    XfrmKernel kernel(tag);
    const XfrmResult r = kernel.delete_sa(testing::v6_sha1_aes_outbound());
    EXPECT_EQ(r.error, std::errc::no_such_process) << r.describe();  // ESRCH, as `ip xfrm state delete` says
  });
}

TEST(XfrmKernel, PoliciesAreInstalledAsIproute2ReadsThem) {
  IN_NEW_NETNS({
    XfrmKernel kernel(tag);
    const XfrmResult in = kernel.add_policy(testing::v4_sha1_aes_inbound());
    ASSERT_TRUE(in) << in.describe();
    const XfrmResult out = kernel.add_policy(testing::v6_sha1_aes_outbound());
    ASSERT_TRUE(out) << out.describe();

    const std::string list = shell("ip xfrm policy list").output;
    for (const char* expected :
         {"src 192.0.2.2/32 dst 192.0.2.1/32 sport 49152 dport 5064", "dir in",
          "tmpl src 192.0.2.2 dst 192.0.2.1\n\t\tproto esp spi 0x10000001 reqid 7 mode transport",
          "src 2001:db8::1/128 dst 2001:db8::2/128 sport 5066 dport 49153", "dir out",
          "tmpl src 2001:db8::1 dst 2001:db8::2\n\t\tproto esp spi 0x0000beef reqid 9 mode transport"})
      EXPECT_NE(list.find(expected), std::string::npos) << expected << " not in\n" << list;

    EXPECT_EQ(kernel.add_policy(testing::v4_sha1_aes_inbound()).error, std::errc::file_exists);
    EXPECT_TRUE(kernel.delete_policy(testing::v4_sha1_aes_inbound()));
    EXPECT_EQ(kernel.delete_policy(testing::v4_sha1_aes_inbound()).error, std::errc::no_such_file_or_directory);
    EXPECT_TRUE(kernel.delete_policy(testing::v6_sha1_aes_outbound()));
    EXPECT_EQ(shell("ip xfrm policy list").output, "");
  });
}

TEST(XfrmKernel, DeletePolicyLeavesAnUntaggedTwinAlone) {
  IN_NEW_NETNS({
    // The same selector and direction, installed by iproute2 (selector.user 0).
    ASSERT_EQ(shell("ip xfrm policy add src 192.0.2.2/32 dst 192.0.2.1/32 sport 49152 dport 5064 dir in "
                    "tmpl src 192.0.2.2 dst 192.0.2.1 proto esp mode transport")
                  .status,
              0);
    XfrmKernel kernel(tag);
    EXPECT_EQ(kernel.delete_policy(testing::v4_sha1_aes_inbound()).error, std::errc::no_such_file_or_directory);
    EXPECT_NE(shell("ip xfrm policy list").output.find("sport 49152 dport 5064"), std::string::npos);
  });
}

TEST(XfrmKernel, RemoveOursRemovesOnlyTaggedPolicies) {
  IN_NEW_NETNS({
    // Someone else's: an untagged twin of one of ours, and an unrelated one.
    ASSERT_EQ(shell("ip xfrm policy add src 192.0.2.2/32 dst 192.0.2.1/32 sport 49152 dport 5064 dir in "
                    "tmpl src 192.0.2.2 dst 192.0.2.1 proto esp mode transport")
                  .status,
              0);
    ASSERT_EQ(shell("ip xfrm policy add src 198.51.100.1/32 dst 198.51.100.2/32 dir out "
                    "tmpl src 198.51.100.1 dst 198.51.100.2 proto esp mode transport")
                  .status,
              0);
    // Another P-CSCF's (another tag), then ours.
    XfrmKernel other(XfrmTag{0x55667788});
    ASSERT_TRUE(other.add_policy(testing::v4_md5_null_outbound()));
    XfrmKernel kernel(tag);
    for (const auto& sa : {testing::v4_sha1_aes_inbound(), testing::v6_sha1_aes_outbound(),
                           testing::v6_md5_null_inbound()})
      ASSERT_TRUE(kernel.add_policy(sa));
    ASSERT_EQ(shell("ip -o xfrm policy list | wc -l").output, "6\n");

    const XfrmKernel::Removed removed = kernel.remove_ours();
    EXPECT_TRUE(removed.result) << removed.result.describe();
    EXPECT_EQ(removed.policies, 3u);
    EXPECT_EQ(removed.sas, 0u);

    const std::string left = shell("ip -o xfrm policy list").output;
    EXPECT_EQ(shell("ip -o xfrm policy list | wc -l").output, "3\n") << left;
    EXPECT_NE(left.find("sport 49152 dport 5064"), std::string::npos) << left;  // the twin
    EXPECT_NE(left.find("198.51.100.1/32"), std::string::npos) << left;
    EXPECT_NE(left.find("sport 5066 dport 49153"), std::string::npos) << left;  // the other P-CSCF's
    EXPECT_EQ(left.find("2001:db8::"), std::string::npos) << left;

    // Nothing left of ours: a second run removes nothing.
    const XfrmKernel::Removed again = kernel.remove_ours();
    EXPECT_TRUE(again.result);
    EXPECT_EQ(again.policies, 0u);
  });
}

TEST(XfrmKernel, ProbeAgreesWithIproute2) {
  const std::string host_states_before = shell("ip xfrm state list").output;  // read only
  const EspSupport support = probe_kernel_esp(tag);
  Shell ip;
  const std::error_code ns = run_in_new_network_namespace([&] { ip = shell(ip_state_add_v4); });
  if (ns) GTEST_SKIP() << "no network namespace: " << ns.message();
  EXPECT_EQ(support.available, ip.status == 0) << support.reason << " / iproute2: " << ip.output;
  EXPECT_FALSE(support.reason.empty());
  std::printf("ESP probe: %s\n", support.reason.c_str());
  // The probe ran in a namespace of its own: the host's states are as they were.
  EXPECT_EQ(shell("ip xfrm state list").output, host_states_before);
}

}  // namespace
}  // namespace imsbox::pcscf::ipsec
