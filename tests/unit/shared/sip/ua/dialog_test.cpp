// Dialog (RFC 3261 §12): creation on both sides, in-dialog requests, the
// ACK of a 2xx, target refresh and the CSeq check.
#include "sip/ua/dialog.h"

#include "ua_test_support.h"

namespace imsbox::sip::ua::test {
namespace {

// Alice's INVITE as her UA sent it (the UAC's view).
Message uac_invite() {
  return parse(sip_text({"INVITE sip:bob@biloxi.example.com SIP/2.0",
                         "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKa1",
                         "Max-Forwards: 70",
                         "From: \"Alice\" <sip:alice@atlanta.example.com>;tag=atag",
                         "To: <sip:bob@biloxi.example.com>",
                         "Call-ID: call-42@192.0.2.1",
                         "CSeq: 5 INVITE",
                         "Contact: <sip:alice@192.0.2.1:5060>"}));
}

// A response to it after p1 (Alice's side) and p2, p3 (Bob's side)
// record-routed: the Record-Route lists the proxy nearest to Bob first.
Message uac_response(int status, std::string_view contact = "<sip:bob@192.0.2.2:5070>") {
  return parse(sip_text({"SIP/2.0 " + std::to_string(status) + (status == 180 ? " Ringing" : " OK"),
                         "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKa1",
                         "Record-Route: <sip:p3.example.com;lr>",
                         "Record-Route: <sip:p2.example.com;lr>, <sip:p1.example.com;lr>",
                         "From: \"Alice\" <sip:alice@atlanta.example.com>;tag=atag",
                         "To: <sip:bob@biloxi.example.com>;tag=btag",
                         "Call-ID: call-42@192.0.2.1",
                         "CSeq: 5 INVITE",
                         "Contact: " + std::string(contact)}));
}

// The same INVITE as it reached Bob (the UAS's view), and his response.
Message uas_invite() {
  return parse(sip_text({"INVITE sip:bob@192.0.2.2:5070 SIP/2.0",
                         "Via: SIP/2.0/UDP p3.example.com;branch=z9hG4bKp3",
                         "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKa1",
                         "Record-Route: <sip:p3.example.com;lr>",
                         "Record-Route: <sip:p2.example.com;lr>, <sip:p1.example.com;lr>",
                         "Max-Forwards: 67",
                         "From: \"Alice\" <sip:alice@atlanta.example.com>;tag=atag",
                         "To: <sip:bob@biloxi.example.com>",
                         "Call-ID: call-42@192.0.2.1",
                         "CSeq: 5 INVITE",
                         "Contact: <sip:alice@192.0.2.1:5060>"}));
}

Message uas_response(int status) {
  return parse(sip_text({"SIP/2.0 " + std::to_string(status) + " OK",
                         "Via: SIP/2.0/UDP p3.example.com;branch=z9hG4bKp3",
                         "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKa1",
                         "From: \"Alice\" <sip:alice@atlanta.example.com>;tag=atag",
                         "To: <sip:bob@biloxi.example.com>;tag=btag",
                         "Call-ID: call-42@192.0.2.1",
                         "CSeq: 5 INVITE",
                         "Contact: <sip:bob@192.0.2.2:5070>"}));
}

// An in-dialog request from Alice to Bob (as Bob receives it).
Message to_bob(std::string_view method, std::uint32_t cseq, std::string_view contact = {}) {
  std::vector<std::string> lines = {std::string(method) + " sip:bob@192.0.2.2:5070 SIP/2.0",
                                    "Via: SIP/2.0/UDP p3.example.com;branch=z9hG4bKx" + std::to_string(cseq),
                                    "Max-Forwards: 70",
                                    "From: <sip:alice@atlanta.example.com>;tag=atag",
                                    "To: <sip:bob@biloxi.example.com>;tag=btag",
                                    "Call-ID: call-42@192.0.2.1",
                                    "CSeq: " + std::to_string(cseq) + " " + std::string(method)};
  if (!contact.empty()) lines.push_back("Contact: " + std::string(contact));
  std::string text;
  for (auto& l : lines) text += l + "\r\n";
  return parse(text + "Content-Length: 0\r\n\r\n");
}

TEST(Dialog, UacEarlyDialogFromA180WithToTagReversesTheRecordRoute) {
  const auto d = Dialog::from_uac(uac_invite(), uac_response(180));
  ASSERT_TRUE(d);
  EXPECT_EQ(d->id(), (DialogId{"call-42@192.0.2.1", "atag", "btag"}));
  EXPECT_EQ(d->state(), DialogState::early);
  EXPECT_EQ(d->local_seq(), 5u);
  EXPECT_EQ(d->remote_seq(), std::nullopt);
  EXPECT_EQ(d->local_uri(), "sip:alice@atlanta.example.com");
  EXPECT_EQ(d->remote_uri(), "sip:bob@biloxi.example.com");
  EXPECT_EQ(d->remote_target(), "sip:bob@192.0.2.2:5070");
  EXPECT_EQ(d->local_target(), "sip:alice@192.0.2.1:5060");
  EXPECT_EQ(d->route_set(), (std::vector<std::string>{"<sip:p1.example.com;lr>", "<sip:p2.example.com;lr>",
                                                      "<sip:p3.example.com;lr>"}));
  EXPECT_FALSE(d->secure());
}

TEST(Dialog, UacNeedsAToTagAndADialogCreatingStatus) {
  auto no_tag = parse(sip_text({"SIP/2.0 180 Ringing", "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKa1",
                                "From: <sip:alice@atlanta.example.com>;tag=atag", "To: <sip:bob@biloxi.example.com>",
                                "Call-ID: call-42@192.0.2.1", "CSeq: 5 INVITE"}));
  EXPECT_FALSE(Dialog::from_uac(uac_invite(), no_tag));
  EXPECT_FALSE(Dialog::from_uac(uac_invite(), uac_response(100)));
  EXPECT_FALSE(Dialog::from_uac(uac_invite(), uac_response(486)));
  const auto confirmed = Dialog::from_uac(uac_invite(), uac_response(200));
  ASSERT_TRUE(confirmed);
  EXPECT_EQ(confirmed->state(), DialogState::confirmed);
}

TEST(Dialog, UacEarlyDialogIsConfirmedByThe2xxWithItsRouteSetAndTarget) {
  auto d = Dialog::from_uac(uac_invite(), uac_response(180, "<sip:bob@192.0.2.2:5070>"));
  ASSERT_TRUE(d);
  auto ok = parse(sip_text({"SIP/2.0 200 OK", "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKa1",
                            "Record-Route: <sip:p9.example.com;lr>, <sip:p1.example.com;lr>",
                            "From: <sip:alice@atlanta.example.com>;tag=atag",
                            "To: <sip:bob@biloxi.example.com>;tag=btag", "Call-ID: call-42@192.0.2.1",
                            "CSeq: 5 INVITE", "Contact: <sip:bob@198.51.100.7>"}));
  EXPECT_TRUE(d->on_response(ok));
  EXPECT_EQ(d->state(), DialogState::confirmed);
  EXPECT_EQ(d->remote_target(), "sip:bob@198.51.100.7");
  EXPECT_EQ(d->route_set(), (std::vector<std::string>{"<sip:p1.example.com;lr>", "<sip:p9.example.com;lr>"}));

  // Another fork's 2xx is not this dialog's.
  auto other = parse(sip_text({"SIP/2.0 200 OK", "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKa1",
                               "From: <sip:alice@atlanta.example.com>;tag=atag",
                               "To: <sip:bob@biloxi.example.com>;tag=other", "Call-ID: call-42@192.0.2.1",
                               "CSeq: 5 INVITE", "Contact: <sip:bob@203.0.113.9>"}));
  EXPECT_FALSE(d->on_response(other));
  EXPECT_EQ(d->remote_target(), "sip:bob@198.51.100.7");
}

TEST(Dialog, UasDialogKeepsTheRecordRouteInOrder) {
  const auto d = Dialog::from_uas(uas_invite(), uas_response(200));
  ASSERT_TRUE(d);
  EXPECT_EQ(d->id(), (DialogId{"call-42@192.0.2.1", "btag", "atag"}));
  EXPECT_EQ(d->state(), DialogState::confirmed);
  EXPECT_EQ(d->local_seq(), std::nullopt);
  EXPECT_EQ(d->remote_seq(), 5u);
  EXPECT_EQ(d->local_uri(), "sip:bob@biloxi.example.com");
  EXPECT_EQ(d->remote_uri(), "sip:alice@atlanta.example.com");
  EXPECT_EQ(d->remote_target(), "sip:alice@192.0.2.1:5060");
  EXPECT_EQ(d->local_target(), "sip:bob@192.0.2.2:5070");
  EXPECT_EQ(d->route_set(), (std::vector<std::string>{"<sip:p3.example.com;lr>", "<sip:p2.example.com;lr>",
                                                      "<sip:p1.example.com;lr>"}));
  EXPECT_EQ(Dialog::from_uas(uas_invite(), uas_response(180))->state(), DialogState::early);
}

TEST(Dialog, InDialogRequestFollowsTheRouteSetToTheRemoteTarget) {
  auto d = Dialog::from_uac(uac_invite(), uac_response(200));
  ASSERT_TRUE(d);
  const Message bye = d->make_request("BYE");
  EXPECT_TRUE(bye.is_request());
  EXPECT_EQ(bye.method(), "BYE");
  EXPECT_EQ(bye.request_uri(), "sip:bob@192.0.2.2:5070");
  EXPECT_EQ(values(bye, HeaderId::route), (std::vector<std::string>{"<sip:p1.example.com;lr>",
                                                                    "<sip:p2.example.com;lr>",
                                                                    "<sip:p3.example.com;lr>"}));
  EXPECT_EQ(bye.cseq().number, 6u);
  EXPECT_EQ(bye.cseq().method, "BYE");
  EXPECT_EQ(bye.from().tag(), "atag");
  EXPECT_EQ(bye.from().uri, "sip:alice@atlanta.example.com");
  EXPECT_EQ(bye.to().tag(), "btag");
  EXPECT_EQ(bye.to().uri, "sip:bob@biloxi.example.com");
  EXPECT_EQ(bye.call_id(), "call-42@192.0.2.1");
  EXPECT_EQ(bye.max_forwards(), 70u);
  EXPECT_EQ(bye.find(HeaderId::contact), nullptr);
  EXPECT_EQ(d->local_seq(), 6u);

  const Message reinvite = d->make_request("INVITE");
  EXPECT_EQ(reinvite.cseq().number, 7u);
  EXPECT_EQ(header(reinvite, HeaderId::contact), "<sip:alice@192.0.2.1:5060>");
  // The bytes parse back as a request (Via is the caller's).
  auto bytes = reinvite.serialize();
  EXPECT_NE(bytes.find("CSeq: 7 INVITE\r\n"), std::string::npos) << bytes;
}

TEST(Dialog, AckOfA2xxHasTheInviteCSeqAndCancelDoesNotIncrement) {
  auto d = Dialog::from_uac(uac_invite(), uac_response(200));
  ASSERT_TRUE(d);
  (void)d->make_request("INFO");  // 6
  const Message ack = d->make_ack(5);
  EXPECT_EQ(ack.method(), "ACK");
  EXPECT_EQ(ack.cseq().number, 5u);
  EXPECT_EQ(ack.cseq().method, "ACK");
  EXPECT_EQ(ack.request_uri(), "sip:bob@192.0.2.2:5070");
  EXPECT_EQ(values(ack, HeaderId::route).size(), 3u);
  EXPECT_EQ(ack.to().tag(), "btag");
  EXPECT_EQ(d->make_request("CANCEL").cseq().number, 6u);
  EXPECT_EQ(d->local_seq(), 6u);
}

TEST(Dialog, StrictRouterBecomesTheRequestUriAndTheTargetGoesLast) {
  auto response = parse(sip_text({"SIP/2.0 200 OK", "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKa1",
                                  "Record-Route: <sip:p2.example.com;lr>, <sip:strict.example.com;maddr=10.0.0.1>",
                                  "From: <sip:alice@atlanta.example.com>;tag=atag",
                                  "To: <sip:bob@biloxi.example.com>;tag=btag", "Call-ID: call-42@192.0.2.1",
                                  "CSeq: 5 INVITE", "Contact: <sip:bob@192.0.2.2:5070>"}));
  auto d = Dialog::from_uac(uac_invite(), response);
  ASSERT_TRUE(d);
  ASSERT_EQ(d->route_set().front(), "<sip:strict.example.com;maddr=10.0.0.1>");
  const Message bye = d->make_request("BYE");
  EXPECT_EQ(bye.request_uri(), "sip:strict.example.com;maddr=10.0.0.1");
  EXPECT_EQ(values(bye, HeaderId::route),
            (std::vector<std::string>{"<sip:p2.example.com;lr>", "<sip:bob@192.0.2.2:5070>"}));
}

TEST(Dialog, TargetRefreshChangesWhereTheNextRequestGoes) {
  auto d = Dialog::from_uas(uas_invite(), uas_response(200));
  ASSERT_TRUE(d);
  const Message reinvite = to_bob("INVITE", 6, "<sip:alice@203.0.113.5:5062>");
  EXPECT_EQ(d->on_request(reinvite), std::nullopt);
  // RFC 5407 §3.3: the target changes with the 2xx, not on arrival.
  EXPECT_EQ(d->remote_target(), "sip:alice@192.0.2.1:5060");
  EXPECT_EQ(d->remote_seq(), 6u);
  d->refresh_target(reinvite);
  EXPECT_EQ(d->remote_target(), "sip:alice@203.0.113.5:5062");
  // Not a target refresh: the Contact of an INFO changes nothing.
  const Message info = to_bob("INFO", 7, "<sip:alice@198.51.100.99>");
  EXPECT_EQ(d->on_request(info), std::nullopt);
  d->refresh_target(info);
  EXPECT_EQ(d->remote_target(), "sip:alice@203.0.113.5:5062");
  d->refresh_target(to_bob("UPDATE", 8));  // no Contact: nothing to refresh
  EXPECT_EQ(d->remote_target(), "sip:alice@203.0.113.5:5062");

  const Message bye = d->make_request("BYE");
  EXPECT_EQ(bye.request_uri(), "sip:alice@203.0.113.5:5062");
  EXPECT_EQ(bye.cseq().number, 1u);  // a UAS's first request
  EXPECT_EQ(bye.from().tag(), "btag");
  EXPECT_EQ(bye.to().tag(), "atag");
  EXPECT_EQ(values(bye, HeaderId::route).front(), "<sip:p3.example.com;lr>");

  // UAC side: the 2xx of a re-INVITE (UPDATE too) refreshes the target.
  auto uac = Dialog::from_uac(uac_invite(), uac_response(200));
  ASSERT_TRUE(uac);
  (void)uac->make_request("UPDATE");
  auto ok = parse(sip_text({"SIP/2.0 200 OK", "Via: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKu",
                            "From: <sip:alice@atlanta.example.com>;tag=atag",
                            "To: <sip:bob@biloxi.example.com>;tag=btag", "Call-ID: call-42@192.0.2.1",
                            "CSeq: 6 UPDATE", "Contact: <sip:bob@203.0.113.77>"}));
  EXPECT_TRUE(uac->on_response(ok));
  EXPECT_EQ(uac->make_request("BYE").request_uri(), "sip:bob@203.0.113.77");
}

TEST(Dialog, LowerCSeqIsOutOfOrderAnd500) {
  auto d = Dialog::from_uas(uas_invite(), uas_response(200));
  ASSERT_TRUE(d);
  EXPECT_EQ(d->on_request(to_bob("INFO", 9)), std::nullopt);
  EXPECT_EQ(d->on_request(to_bob("INVITE", 8, "<sip:alice@203.0.113.5>")), 500);
  EXPECT_EQ(d->remote_seq(), 9u);
  EXPECT_EQ(d->remote_target(), "sip:alice@192.0.2.1:5060");  // the rejected refresh changed nothing
  EXPECT_EQ(d->on_request(to_bob("ACK", 5)), std::nullopt);  // ACK carries the INVITE's CSeq
  EXPECT_EQ(d->on_request(to_bob("BYE", 10)), std::nullopt);
  EXPECT_EQ(d->remote_seq(), 10u);
}

}  // namespace
}  // namespace imsbox::sip::ua::test
