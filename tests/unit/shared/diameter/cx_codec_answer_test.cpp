// Cx answers through freeDiameter and back: each of the six answers keeps
// every field, takes the request's Session-Id and this node's Origin-*, and
// carries Result-Code or Experimental-Result as set.
#include <gtest/gtest.h>

#include "cx_samples.h"
#include "fd_test_env.h"

namespace imsbox::diameter {
namespace {

using namespace testing;

template <class Request>
MsgPtr received(const Request& r) {
  return over_the_wire(encode_request(dict(), CxRequest(r)).get());
}

template <class Request, class Answer>
void expect_round_trip(const Request& request, Answer sent) {
  MsgPtr answer = encode_answer(dict(), received(request), CxAnswer(sent));
  MsgPtr back = over_the_wire(answer.get());
  auto decoded = decode_answer(dict(), back.get());
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  Answer expected = std::move(sent);
  expected.header.session_id = request.header.session_id;
  expected.header.origin_host = kOwnIdentity;
  expected.header.origin_realm = kOwnRealm;
  const auto* got = std::get_if<Answer>(&decoded.value());
  ASSERT_NE(got, nullptr);
  EXPECT_EQ(*got, expected);
}

TEST(CxCodecAnswer, UaaRoundTrips) { expect_round_trip(sample_uar(), sample_uaa()); }
TEST(CxCodecAnswer, SaaRoundTrips) { expect_round_trip(sample_sar(), sample_saa()); }
TEST(CxCodecAnswer, LiaRoundTrips) { expect_round_trip(sample_lir(), sample_lia()); }
TEST(CxCodecAnswer, MaaRoundTrips) { expect_round_trip(sample_mar(), sample_maa()); }
TEST(CxCodecAnswer, RtaRoundTrips) { expect_round_trip(sample_rtr(), sample_rta()); }
TEST(CxCodecAnswer, PpaRoundTrips) { expect_round_trip(sample_ppr(), sample_ppa()); }

TEST(CxCodecAnswer, DigestUsernameOfABareNameHa1RoundTripsWithoutTheMandatoryBit) {
  MultimediaAuthAnswer a = sample_maa();
  auto bare = sample_digest_item();
  bare.digest->digest_username = "alice";
  bare.digest->digest_ha1 = runtime::SecretString("fedcba9876543210fedcba9876543210");
  a.auth_data_items.push_back(bare);
  a.number_auth_items = 3;
  expect_round_trip(sample_mar(), a);
  // RFC 4740's Digest-Username (115, IETF) inside SIP-Digest-Authenticate, and
  // only in the item made for the bare name; no M bit: ignorable by others
  MsgPtr wire = over_the_wire(encode_answer(dict(), received(sample_mar()), CxAnswer(a)).get());
  int with_username = 0;
  msg_or_avp* child = nullptr;
  fd_msg_browse_internal(wire.get(), MSG_BRW_FIRST_CHILD, &child, nullptr);
  for (; child; fd_msg_browse_internal(child, MSG_BRW_NEXT, &child, nullptr)) {
    auto* item = static_cast<avp*>(child);
    if (hdr(item)->avp_code != 612) continue;
    avp* digest = find_child(item, 635, kVendor3gpp);
    if (!digest) continue;
    if (avp* user = find_child(digest, 115, 0)) {
      ++with_username;
      EXPECT_FALSE(hdr(user)->avp_flags & (AVP_FLAG_VENDOR | AVP_FLAG_MANDATORY));
    }
  }
  EXPECT_EQ(with_username, 1);
}

TEST(CxCodecAnswer, ExperimentalResultCarriesThe3gppVendor) {
  MsgPtr answer = encode_answer(dict(), received(sample_uar()), CxAnswer(sample_uaa()));
  avp* er = find_child(answer.get(), 297);
  ASSERT_NE(er, nullptr);
  EXPECT_EQ(hdr(find_child(er, 266))->avp_value->u32, kVendor3gpp);
  EXPECT_EQ(hdr(find_child(er, 298))->avp_value->u32, experimental_result::first_registration);
  EXPECT_EQ(find_child(answer.get(), 268), nullptr) << "no Result-Code beside an Experimental-Result";
}

TEST(CxCodecAnswer, EmptyServerCapabilitiesAreLeftOut) {
  auto uaa = sample_uaa();
  uaa.server_capabilities = ServerCapabilities{};
  MsgPtr answer = encode_answer(dict(), received(sample_uar()), CxAnswer(uaa));
  EXPECT_EQ(find_child(answer.get(), 603), nullptr) << "no empty Server-Capabilities (cdp drops such answers)";
  auto lia = sample_lia();
  lia.server_capabilities = ServerCapabilities{};
  answer = encode_answer(dict(), received(sample_lir()), CxAnswer(lia));
  EXPECT_EQ(find_child(answer.get(), 603), nullptr);
}

TEST(CxCodecAnswer, AnswerHeaderIsProxiableWithoutRequestBit) {
  MsgPtr answer = encode_answer(dict(), received(sample_lir()), CxAnswer(sample_lia()));
  const auto wire = to_wire(answer.get());
  EXPECT_EQ(wire[4], CMD_FLAG_PROXIABLE);
}

TEST(CxCodecAnswer, ProtocolErrorResultSetsTheErrorBit) {
  auto a = answer_with_result(CxCommand::server_assignment, Result::base(result_code::too_busy));
  MsgPtr answer = encode_answer(dict(), received(sample_sar()), a);
  auto decoded = decode_answer(dict(), over_the_wire(answer.get()).get());
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  EXPECT_TRUE(header_of(decoded.value()).error_bit);
  EXPECT_EQ(header_of(decoded.value()).result, Result::base(result_code::too_busy));
}

TEST(CxCodecAnswer, AnswerWithoutAnyResultIsRefused) {
  MsgPtr answer = encode_answer(dict(), received(sample_ppr()), CxAnswer(PushProfileAnswer{}));
  fd_msg_free(find_child(answer.get(), 268));  // drop Result-Code
  auto decoded = decode_answer(dict(), over_the_wire(answer.get()).get());
  ASSERT_FALSE(decoded.ok());
  EXPECT_EQ(decoded.error().result_code, result_code::missing_avp);
  EXPECT_EQ(decoded.error().avp, (AvpId{268, 0}));
}

TEST(CxCodecAnswer, ARequestIsNotAnAnswer) {
  MsgPtr m = encode_request(dict(), CxRequest(sample_uar()));
  EXPECT_FALSE(decode_answer(dict(), m.get()).ok());
}

}  // namespace
}  // namespace imsbox::diameter

namespace imsbox::diameter {
namespace {

using namespace testing;

TEST(CxCodecAnswerForSent, ErrorAnswerWithAnotherCodeDecodesAsTheSentCommand) {
  // A peer answering an unknown command code 309 with 3001 keeps that code.
  // freeDiameter cannot parse an answer of a code it does not know: define it.
  dict_object* app = dict().application();
  for (bool request : {true, false}) {
    std::string name = request ? "Test-309-Request" : "Test-309-Answer";
    dict_cmd_data c{309, name.data(), CMD_FLAG_REQUEST, static_cast<uint8_t>(request ? CMD_FLAG_REQUEST : 0)};
    fd_dict_new(fd_g_config->cnf_dict, DICT_COMMAND, &c, app, nullptr);
  }
  MsgPtr request = over_the_wire(encode_request(dict(), CxRequest(sample_uar())).get());
  MsgPtr answer = encode_error_answer(dict(), std::move(request),
                                      DecodeError{result_code::command_unsupported, {}, {}, "unknown"});
  msg_hdr* h = nullptr;
  fd_msg_hdr(answer.get(), &h);
  h->msg_code = 309;
  MsgPtr back = over_the_wire(answer.get());
  auto decoded = decode_answer(dict(), back.get(), CxCommand::user_authorization);
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  EXPECT_TRUE(std::holds_alternative<UserAuthorizationAnswer>(decoded.value()));
  EXPECT_EQ(header_of(decoded.value()).result.code, result_code::command_unsupported);
  EXPECT_FALSE(decode_answer(dict(), back.get()).ok()) << "without the sent command, 309 is no Cx answer";
}

TEST(CxCodecAnswerForSent, NormalAnswerOfAnotherCommandIsRefused) {
  MsgPtr answer = encode_answer(dict(), received(sample_lir()), CxAnswer(sample_lia()));
  EXPECT_FALSE(decode_answer(dict(), over_the_wire(answer.get()).get(), CxCommand::server_assignment).ok());
  EXPECT_TRUE(decode_answer(dict(), over_the_wire(answer.get()).get(), CxCommand::location_info).ok());
}

}  // namespace
}  // namespace imsbox::diameter
