// Cx requests through freeDiameter and back: every field of each of the six
// requests survives encode -> wire -> parse -> decode, and the command header
// is what TS 29.229 §6.1 says.
#include <gtest/gtest.h>

#include "cx_samples.h"
#include "fd_test_env.h"

namespace imsbox::diameter {
namespace {

using namespace testing;

template <class Request>
void expect_round_trip(Request sent) {
  MsgPtr m = encode_request(dict(), CxRequest(sent));
  MsgPtr received = over_the_wire(m.get());
  auto decoded = decode_request(dict(), received.get());
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  Request expected = sent;
  expected.header.origin_host = kOwnIdentity;
  expected.header.origin_realm = kOwnRealm;
  const auto* got = std::get_if<Request>(&decoded.value());
  ASSERT_NE(got, nullptr);
  EXPECT_EQ(*got, expected);
}

TEST(CxCodecRequest, UarRoundTrips) { expect_round_trip(sample_uar()); }
TEST(CxCodecRequest, SarRoundTrips) { expect_round_trip(sample_sar()); }
TEST(CxCodecRequest, LirRoundTrips) { expect_round_trip(sample_lir()); }
TEST(CxCodecRequest, MarRoundTrips) { expect_round_trip(sample_mar()); }
TEST(CxCodecRequest, RtrRoundTrips) { expect_round_trip(sample_rtr()); }
TEST(CxCodecRequest, PprRoundTrips) { expect_round_trip(sample_ppr()); }

TEST(CxCodecRequest, MinimalSarRoundTrips) {
  ServerAssignmentRequest r;
  r.header.destination_realm = "ims.test";
  r.public_identities = {"sip:alice@ims.test"};
  r.server_name = "sip:scscf.ims.test";
  r.server_assignment_type = ServerAssignmentType::no_assignment;
  MsgPtr m = encode_request(dict(), CxRequest(r));
  auto decoded = decode_request(dict(), over_the_wire(m.get()).get());
  ASSERT_TRUE(decoded.ok()) << decoded.error().message;
  const auto& got = std::get<ServerAssignmentRequest>(decoded.value());
  EXPECT_FALSE(got.header.session_id.empty()) << "a Session-Id is created when none is given";
  EXPECT_EQ(got.header.session_id.rfind(kOwnIdentity, 0), 0u) << got.header.session_id;
  EXPECT_TRUE(got.user_name.empty());
  EXPECT_FALSE(got.sar_flags.has_value());
  EXPECT_EQ(got.server_assignment_type, ServerAssignmentType::no_assignment);
}

TEST(CxCodecRequest, HeaderHasCxApplicationAndRequestProxiableBits) {
  for (const CxRequest& r : {CxRequest(sample_uar()), CxRequest(sample_sar()), CxRequest(sample_lir()),
                             CxRequest(sample_mar()), CxRequest(sample_rtr()), CxRequest(sample_ppr())}) {
    MsgPtr m = encode_request(dict(), r);
    const auto wire = to_wire(m.get());
    ASSERT_GE(wire.size(), 20u);
    EXPECT_EQ(wire[4], CMD_FLAG_REQUEST | CMD_FLAG_PROXIABLE);
    const std::uint32_t code = (wire[5] << 16) | (wire[6] << 8) | wire[7];
    const std::uint32_t app = (std::uint32_t{wire[8]} << 24) | (wire[9] << 16) | (wire[10] << 8) | wire[11];
    EXPECT_EQ(code, static_cast<std::uint32_t>(command_of(r)));
    EXPECT_EQ(app, kCxApplicationId);
  }
}

TEST(CxCodecRequest, SessionIdIsTheFirstAvp) {
  MsgPtr m = encode_request(dict(), CxRequest(sample_uar()));
  const auto wire = to_wire(m.get());
  const std::uint32_t first_code = (std::uint32_t{wire[20]} << 24) | (wire[21] << 16) | (wire[22] << 8) | wire[23];
  EXPECT_EQ(first_code, 263u);
}

TEST(CxCodecRequest, VendorSpecificApplicationIdAndAuthSessionStateAreWritten) {
  MsgPtr m = encode_request(dict(), CxRequest(sample_uar()));
  avp* vsai = find_child(m.get(), 260);
  ASSERT_NE(vsai, nullptr);
  ASSERT_NE(find_child(vsai, 266), nullptr);
  EXPECT_EQ(hdr(find_child(vsai, 266))->avp_value->u32, kVendor3gpp);
  EXPECT_EQ(hdr(find_child(vsai, 258))->avp_value->u32, kCxApplicationId);
  avp* state = find_child(m.get(), 277);
  ASSERT_NE(state, nullptr);
  EXPECT_EQ(hdr(state)->avp_value->i32, kNoStateMaintained);
}

TEST(CxCodecRequest, CxAvpsCarryTheVendorBit) {
  MsgPtr m = encode_request(dict(), CxRequest(sample_uar()));
  avp* pi = find_child(m.get(), 601, kVendor3gpp);
  ASSERT_NE(pi, nullptr);
  EXPECT_TRUE(hdr(pi)->avp_flags & AVP_FLAG_VENDOR);
  EXPECT_TRUE(hdr(pi)->avp_flags & AVP_FLAG_MANDATORY);
}

TEST(CxCodecRequest, DigestAvpsAreTheIetfOnes) {
  // RFC 4740 AVPs inside SIP-Digest-Authenticate have no Vendor-Id (TS 29.229 §6.3.36).
  PushProfileRequest r = sample_ppr();
  MsgPtr m = over_the_wire(encode_request(dict(), CxRequest(r)).get());
  avp* item = find_child(m.get(), 612, kVendor3gpp);
  ASSERT_NE(item, nullptr);
  avp* digest = find_child(item, 635, kVendor3gpp);
  ASSERT_NE(digest, nullptr);
  avp* realm = find_child(digest, 104, 0);
  ASSERT_NE(realm, nullptr);
  EXPECT_FALSE(hdr(realm)->avp_flags & AVP_FLAG_VENDOR);
  ASSERT_NE(hdr(realm)->avp_value, nullptr) << "parsed with a vendor-0 model";
  EXPECT_EQ(std::string(reinterpret_cast<char*>(hdr(realm)->avp_value->os.data), hdr(realm)->avp_value->os.len),
            "ims.test");
}

TEST(CxCodecRequest, DecodedSecretsPrintAsSecret) {
  MsgPtr m = encode_request(dict(), CxRequest(sample_mar()));
  auto decoded = decode_request(dict(), over_the_wire(m.get()).get());
  ASSERT_TRUE(decoded.ok());
  std::ostringstream os;
  os << std::get<MultimediaAuthRequest>(decoded.value()).auth_data_item.sip_authorization;
  EXPECT_EQ(os.str(), "<secret>");
}

}  // namespace
}  // namespace imsbox::diameter
