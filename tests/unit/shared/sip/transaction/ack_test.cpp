// make_ack (RFC 3261 §17.1.1.3) and make_cancel (§9.1).
#include "sip/transaction/ack.h"

#include "sip/transaction/cancel.h"
#include "test_support.h"

namespace imsbox::sip::transaction::test {
namespace {

std::vector<std::string> values(const Message& m, HeaderId id) {
  std::vector<std::string> out;
  for (const auto& h : m.headers()) {
    if (h.id == id) out.emplace_back(h.value);
  }
  return out;
}

TEST(Ack, NonTwoHundredAckHasTheHeadersRfc3261Wants) {
  const Message inv = invite();
  const Message response = answer(inv, 487, "callee-7");
  const Message ack = parse(make_ack(inv, response).serialize());

  EXPECT_EQ(ack.method(), "ACK");
  EXPECT_EQ(ack.request_uri(), "sip:bob@ims.example.org");
  // Only the top Via of the INVITE: the ACK goes one hop.
  EXPECT_EQ(values(ack, HeaderId::via),
            std::vector<std::string>{"SIP/2.0/UDP pcscf.ims.example.org:5060;branch=z9hG4bKpcscf1"});
  // The INVITE's Route set, in order.
  EXPECT_EQ(values(ack, HeaderId::route),
            (std::vector<std::string>{"<sip:scscf.ims.example.org;lr>",
                                      "<sip:orig@scscf.ims.example.org;lr>, <sip:tas.ims.example.org;lr>"}));
  EXPECT_EQ(values(ack, HeaderId::from), std::vector<std::string>{"\"Alice\" <sip:alice@ims.example.org>;tag=a1"});
  // The To of the response, with the tag the callee added.
  EXPECT_EQ(values(ack, HeaderId::to), std::vector<std::string>{"<sip:bob@ims.example.org>;tag=callee-7"});
  EXPECT_EQ(ack.call_id(), "call-1@192.0.2.10");
  EXPECT_EQ(values(ack, HeaderId::cseq), std::vector<std::string>{"314 ACK"});
  EXPECT_EQ(ack.max_forwards(), 69u);
  // Nothing of the INVITE's session: no Contact, no body.
  EXPECT_EQ(ack.find(HeaderId::contact), nullptr);
  EXPECT_EQ(ack.find(HeaderId::content_type), nullptr);
  EXPECT_TRUE(ack.body().empty());
  EXPECT_NE(ack.serialize().find("Content-Length: 0\r\n"), std::string::npos);
}

TEST(Ack, TopViaTakenFromAViaFieldWithSeveralValues) {
  const Message inv = parse(sip_text({"INVITE sip:bob@example.org SIP/2.0",
                                      "Via: SIP/2.0/TCP a.example.org;branch=z9hG4bKtop, SIP/2.0/UDP b.example.org;branch=z9hG4bKx",
                                      "From: <sip:a@example.org>;tag=1", "To: <sip:bob@example.org>",
                                      "Call-ID: c", "CSeq: 1 INVITE"}));
  const Message ack = parse(make_ack(inv, answer(inv, 404)).serialize());
  EXPECT_EQ(values(ack, HeaderId::via), std::vector<std::string>{"SIP/2.0/TCP a.example.org;branch=z9hG4bKtop"});
  EXPECT_EQ(ack.max_forwards(), 70u);  // the INVITE had none; every request carries one (§8.1.1.6)
  EXPECT_TRUE(values(ack, HeaderId::route).empty());
}

TEST(Cancel, CopiesTheInviteForTheSameHopAndBranch) {
  const Message inv = invite();
  const Message cancel = parse(make_cancel(inv).serialize());
  EXPECT_EQ(cancel.method(), "CANCEL");
  EXPECT_EQ(cancel.request_uri(), inv.request_uri());
  EXPECT_EQ(values(cancel, HeaderId::via),
            std::vector<std::string>{"SIP/2.0/UDP pcscf.ims.example.org:5060;branch=z9hG4bKpcscf1"});
  EXPECT_EQ(values(cancel, HeaderId::route).size(), 2u);
  EXPECT_EQ(values(cancel, HeaderId::to), std::vector<std::string>{"<sip:bob@ims.example.org>"});
  EXPECT_EQ(values(cancel, HeaderId::cseq), std::vector<std::string>{"314 CANCEL"});
  EXPECT_EQ(cancel.call_id(), inv.call_id());
  EXPECT_TRUE(cancel.body().empty());
}

}  // namespace
}  // namespace imsbox::sip::transaction::test
