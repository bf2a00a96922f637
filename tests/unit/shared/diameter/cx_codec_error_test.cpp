// What the codec reports for a request it cannot use, and the answers built
// from that report: the precise Result-Code and the AVP for Failed-AVP.
#include <gtest/gtest.h>

#include "cx_samples.h"
#include "fd_test_env.h"

namespace imsbox::diameter {
namespace {

using namespace testing;

DecodeError decode_error_of(msg* m) {
  auto d = decode_request(dict(), over_the_wire(m).get());
  EXPECT_FALSE(d.ok());
  return d.ok() ? DecodeError{} : d.error();
}

DecodeError decode_error_of(const CxRequest& r) { return decode_error_of(encode_request(dict(), r).get()); }

TEST(CxCodecError, MissingPublicIdentityIs5005WithTheAvp) {
  auto r = sample_uar();
  r.public_identity.clear();
  const DecodeError e = decode_error_of(CxRequest(r));
  EXPECT_EQ(e.result_code, result_code::missing_avp);
  EXPECT_EQ(e.avp, (AvpId{601, kVendor3gpp}));
  EXPECT_TRUE(e.value.empty());
  EXPECT_EQ(e.message, "missing Public-Identity");
}

TEST(CxCodecError, MissingUserNameInMarIs5005) {
  auto r = sample_mar();
  r.user_name.clear();
  EXPECT_EQ(decode_error_of(CxRequest(r)).avp, (AvpId{1, 0}));
}

TEST(CxCodecError, MissingServerNameInSarIs5005) {
  auto r = sample_sar();
  r.server_name.clear();
  const DecodeError e = decode_error_of(CxRequest(r));
  EXPECT_EQ(e.result_code, result_code::missing_avp);
  EXPECT_EQ(e.avp, (AvpId{602, kVendor3gpp}));
}

TEST(CxCodecError, RtrAndPprNeedDestinationHost) {
  auto rtr = sample_rtr();
  rtr.header.destination_host.clear();
  EXPECT_EQ(decode_error_of(CxRequest(rtr)).avp, (AvpId{293, 0}));
  auto ppr = sample_ppr();
  ppr.header.destination_host.clear();
  EXPECT_EQ(decode_error_of(CxRequest(ppr)).avp, (AvpId{293, 0}));
}

TEST(CxCodecError, MissingAuthSessionStateIs5005) {
  MsgPtr m = encode_request(dict(), CxRequest(sample_lir()));
  fd_msg_free(find_child(m.get(), 277));
  const DecodeError e = decode_error_of(m.get());
  EXPECT_EQ(e.result_code, result_code::missing_avp);
  EXPECT_EQ(e.avp, (AvpId{277, 0}));
}

TEST(CxCodecError, MissingReasonCodeInsideDeregistrationReasonIs5005) {
  MsgPtr m = encode_request(dict(), CxRequest(sample_rtr()));
  avp* reason = find_child(m.get(), 615, kVendor3gpp);
  ASSERT_NE(reason, nullptr);
  fd_msg_free(find_child(reason, 616, kVendor3gpp));
  EXPECT_EQ(decode_error_of(m.get()).avp, (AvpId{616, kVendor3gpp}));
}

TEST(CxCodecError, TheFirstProblemInAbnfOrderIsReported) {
  auto r = sample_uar();
  r.user_name.clear();
  r.public_identity.clear();
  EXPECT_EQ(decode_error_of(CxRequest(r)).avp, (AvpId{1, 0}));
}

TEST(CxCodecError, OutOfRangeUserAuthorizationTypeIs5004WithTheValue) {
  auto r = sample_uar();
  r.authorization_type = static_cast<UserAuthorizationType>(7);
  const DecodeError e = decode_error_of(CxRequest(r));
  EXPECT_EQ(e.result_code, result_code::invalid_avp_value);
  EXPECT_EQ(e.avp, (AvpId{623, kVendor3gpp}));
  EXPECT_EQ(e.value, bytes({0, 0, 0, 7}));
}

TEST(CxCodecError, OutOfRangeServerAssignmentTypeIs5004) {
  auto r = sample_sar();
  r.server_assignment_type = static_cast<ServerAssignmentType>(15);
  const DecodeError e = decode_error_of(CxRequest(r));
  EXPECT_EQ(e.result_code, result_code::invalid_avp_value);
  EXPECT_EQ(e.avp, (AvpId{614, kVendor3gpp}));
}

TEST(CxCodecError, EmptyIdentityIs5004) {
  MsgPtr m = encode_request(dict(), CxRequest(sample_lir()));
  avp* pi = find_child(m.get(), 601, kVendor3gpp);
  hdr(pi)->avp_value->os.len = 0;
  const DecodeError e = decode_error_of(m.get());
  EXPECT_EQ(e.result_code, result_code::invalid_avp_value);
  EXPECT_EQ(e.avp, (AvpId{601, kVendor3gpp}));
}

TEST(CxCodecError, InvalidUtf8Is5004) {
  auto r = sample_uar();
  r.user_name = std::string("al\xc3\x28ice", 6);
  const DecodeError e = decode_error_of(CxRequest(r));
  EXPECT_EQ(e.result_code, result_code::invalid_avp_value);
  EXPECT_EQ(e.avp, (AvpId{1, 0}));
  EXPECT_EQ(e.value.size(), 6u);
}

TEST(CxCodecError, WrongAuthSessionStateIs5004) {
  MsgPtr m = encode_request(dict(), CxRequest(sample_uar()));
  hdr(find_child(m.get(), 277))->avp_value->i32 = 0;  // STATE_MAINTAINED
  EXPECT_EQ(decode_error_of(m.get()).result_code, result_code::invalid_avp_value);
}

TEST(CxCodecError, WrongApplicationInVendorSpecificApplicationIdIs5004) {
  MsgPtr m = encode_request(dict(), CxRequest(sample_uar()));
  avp* vsai = find_child(m.get(), 260);
  hdr(find_child(vsai, 258))->avp_value->u32 = 16777217;  // Sh
  const DecodeError e = decode_error_of(m.get());
  EXPECT_EQ(e.result_code, result_code::invalid_avp_value);
  EXPECT_EQ(e.avp, (AvpId{258, 0}));
}

TEST(CxCodecError, MissingDigestHa1InPprIs5005) {
  auto r = sample_ppr();
  r.auth_data_item->digest->digest_ha1 = runtime::SecretString();
  EXPECT_EQ(decode_error_of(CxRequest(r)).avp, (AvpId{121, 0}));
}

TEST(CxCodecError, MissingAvpAnswerHasFailedAvpWithAZeroExample) {
  auto r = sample_uar();
  r.public_identity.clear();
  MsgPtr request = over_the_wire(encode_request(dict(), CxRequest(r)).get());
  const DecodeError e = decode_request(dict(), request.get()).error();
  MsgPtr answer = over_the_wire(encode_error_answer(dict(), std::move(request), e).get());
  auto decoded = decode_answer(dict(), answer.get());
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  const auto& h = header_of(decoded.value());
  EXPECT_TRUE(std::holds_alternative<UserAuthorizationAnswer>(decoded.value()));
  EXPECT_EQ(h.result, Result::base(result_code::missing_avp));
  EXPECT_FALSE(h.error_bit);
  ASSERT_TRUE(h.failed_avp.has_value());
  EXPECT_EQ(*h.failed_avp, (AvpId{601, kVendor3gpp}));
  EXPECT_EQ(h.error_message, "missing Public-Identity");
  EXPECT_EQ(h.session_id, r.header.session_id);
  EXPECT_NE(find_child(answer.get(), 260), nullptr) << "a Cx answer: Vendor-Specific-Application-Id";
}

TEST(CxCodecError, InvalidValueAnswerEchoesTheValueInFailedAvp) {
  auto r = sample_uar();
  r.authorization_type = static_cast<UserAuthorizationType>(9);
  MsgPtr request = over_the_wire(encode_request(dict(), CxRequest(r)).get());
  const DecodeError e = decode_request(dict(), request.get()).error();
  MsgPtr answer = over_the_wire(encode_error_answer(dict(), std::move(request), e).get());
  avp* failed = find_child(answer.get(), 279);
  ASSERT_NE(failed, nullptr);
  avp* inner = find_child(failed, 623, kVendor3gpp);
  ASSERT_NE(inner, nullptr);
  EXPECT_EQ(hdr(inner)->avp_value->i32, 9);
  EXPECT_EQ(hdr(find_child(answer.get(), 268))->avp_value->u32, result_code::invalid_avp_value);
}

TEST(CxCodecError, CommandUnsupportedAnswerHasTheErrorBit) {
  MsgPtr request = over_the_wire(encode_request(dict(), CxRequest(sample_rtr())).get());
  MsgPtr answer = encode_error_answer(dict(), std::move(request),
                                      DecodeError{result_code::command_unsupported, {}, {}, "RTR is not served here"});
  const auto wire = to_wire(answer.get());
  EXPECT_EQ(wire[4] & (CMD_FLAG_ERROR | CMD_FLAG_REQUEST), CMD_FLAG_ERROR);
  auto decoded = decode_answer(dict(), over_the_wire(answer.get()).get());
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  EXPECT_TRUE(header_of(decoded.value()).error_bit);
  EXPECT_EQ(header_of(decoded.value()).result.code, result_code::command_unsupported);
  EXPECT_EQ(header_of(decoded.value()).origin_host, kOwnIdentity);
}

TEST(CxCodecError, NonCxApplicationIs3007) {
  MsgPtr m = encode_request(dict(), CxRequest(sample_uar()));
  msg_hdr* h = nullptr;
  fd_msg_hdr(m.get(), &h);
  h->msg_appl = 16777217;
  EXPECT_EQ(decode_request(dict(), m.get()).error().result_code, result_code::application_unsupported);
}

}  // namespace
}  // namespace imsbox::diameter
