// The matching keys of §17.1.3, §17.2.3 and §8.2.2.2.
#include "sip/transaction/matching.h"

#include "test_support.h"

namespace imsbox::sip::transaction::test {
namespace {

TEST(Matching, ResponseKeyIsTopBranchAndCSeqMethod) {
  const Message inv = invite("z9hG4bKx");
  const Message cancel_200 = parse(sip_text({"SIP/2.0 200 OK", "Via: SIP/2.0/UDP pcscf.ims.example.org:5060;branch=z9hG4bKx",
                                             "From: <sip:a@example.org>;tag=1", "To: <sip:b@example.org>;tag=2",
                                             "Call-ID: c", "CSeq: 314 CANCEL"}));
  EXPECT_EQ(client_key_of_response(answer(inv, 180)), client_key("z9hG4bKx", "INVITE"));
  EXPECT_EQ(client_key_of_response(cancel_200), client_key("z9hG4bKx", "CANCEL"));
  EXPECT_NE(client_key("z9hG4bKx", "INVITE"), client_key("z9hG4bKx", "CANCEL"));
}

TEST(Matching, ServerKeyAckMapsToInviteAndSentByHostIsCaseInsensitive) {
  const auto inv = server_key(ue_request("INVITE", "z9hG4bK1", 1, "UE.example.org:5060"));
  ASSERT_TRUE(inv);
  EXPECT_EQ(server_key(ue_request("ACK", "z9hG4bK1", 1, "ue.EXAMPLE.org:5060")), inv);
  EXPECT_NE(server_key(ue_request("ACK", "z9hG4bK1", 1, "ue.example.org:5070")), inv);
  EXPECT_NE(server_key(ue_request("INVITE", "z9hG4bK2", 1, "ue.example.org:5060")), inv);
  EXPECT_NE(server_key(ue_request("CANCEL", "z9hG4bK1", 1, "ue.example.org:5060")), inv);
  EXPECT_EQ(server_key(ue_request("CANCEL", "z9hG4bK1", 1, "ue.example.org:5060"), "INVITE"), inv);
}

TEST(Matching, NoServerKeyWithoutTheMagicCookie) {
  EXPECT_FALSE(server_key(ue_request("INVITE", "1234")));
  EXPECT_FALSE(server_key(ue_request("INVITE", "")));
  const auto legacy = legacy_key(ue_request("INVITE", "", 5, "192.0.2.10:5060", "t1"));
  ASSERT_TRUE(legacy);
  EXPECT_EQ(legacy->to_tag, "t1");
  // The base leaves out the To tag and the method (an ACK must find its INVITE).
  EXPECT_EQ(legacy_key(ue_request("ACK", "", 5, "192.0.2.10:5060", "t2"))->base, legacy->base);
  EXPECT_NE(legacy_key(ue_request("ACK", "", 6, "192.0.2.10:5060", "t2"))->base, legacy->base);
  EXPECT_NE(legacy_key(ue_request("ACK", "", 5, "192.0.2.11:5060", "t2"))->base, legacy->base);
}

TEST(Matching, MergeKeyIgnoresTheVia) {
  EXPECT_EQ(merge_key(ue_request("INVITE", "z9hG4bKa", 1, "192.0.2.10:5060")),
            merge_key(ue_request("INVITE", "z9hG4bKb", 1, "198.51.100.1:5060")));
  EXPECT_NE(merge_key(ue_request("INVITE", "z9hG4bKa", 1)), merge_key(ue_request("INVITE", "z9hG4bKa", 2)));
}

}  // namespace
}  // namespace imsbox::sip::transaction::test
