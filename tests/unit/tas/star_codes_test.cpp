// Star codes (tas/star_codes.h): the dialled string of a Request-URI in every
// form phones and the browser send it, the codes, and what they change.
#include "tas/star_codes.h"

#include <gtest/gtest.h>

#include <string>
#include <variant>

#include "tas/simservs/rules.h"
#include "unit/tas/simservs_doc.h"

namespace imsbox::tas {
namespace {

namespace ss = simservs;
constexpr std::string_view kDomain = "ims.test";

StarCode code_of(std::string_view uri) {
  auto parsed = parse_star_code(uri, kDomain);
  if (auto* m = std::get_if<MalformedStarCode>(&parsed)) ADD_FAILURE() << uri << ": malformed: " << m->reason;
  if (std::holds_alternative<NotStarCode>(parsed)) ADD_FAILURE() << uri << ": not a star code";
  auto* code = std::get_if<StarCode>(&parsed);
  return code ? *code : StarCode{};
}

std::string what(std::string_view uri) { return describe(code_of(uri)); }

bool malformed(std::string_view uri) { return std::holds_alternative<MalformedStarCode>(parse_star_code(uri, kDomain)); }
bool ordinary(std::string_view uri) { return std::holds_alternative<NotStarCode>(parse_star_code(uri, kDomain)); }

TEST(DialledString, EveryFormOfTheRequestUri) {
  EXPECT_EQ(dialled_string("sip:*21*1003%23@ims.test"), "*21*1003#");
  EXPECT_EQ(dialled_string("sip:%2A21%2a1003%23@ims.test;user=phone"), "*21*1003#");
  EXPECT_EQ(dialled_string("sips:*21*carl%23@ims.test"), "*21*carl#");
  EXPECT_EQ(dialled_string("SIP:%2333%23@ims.test"), "#33#");
  EXPECT_EQ(dialled_string("sip:*21*1003%23;phone-context=ims.test@ims.test;user=phone"), "*21*1003#");
  EXPECT_EQ(dialled_string("tel:*21*1003#;phone-context=ims.test"), "*21*1003#");
  EXPECT_EQ(dialled_string("tel:%2321%23"), "#21#");
  EXPECT_EQ(dialled_string("tel:+33612345678"), "+33612345678");
  EXPECT_EQ(dialled_string("sip:bert@ims.test"), "bert");
  EXPECT_EQ(dialled_string("sip:ims.test"), std::nullopt);
  EXPECT_EQ(dialled_string("mailto:a@b"), std::nullopt);
  EXPECT_EQ(dialled_string("sip:%2G@ims.test"), std::nullopt);
  EXPECT_EQ(dialled_string("sip:%2@ims.test"), std::nullopt);
}

TEST(StarCodes, OrdinaryNumbersPassUntouched) {
  EXPECT_TRUE(ordinary("sip:bert@ims.test"));
  EXPECT_TRUE(ordinary("sip:1002@ims.test;user=phone"));
  EXPECT_TRUE(ordinary("tel:+33612345678"));
  EXPECT_TRUE(ordinary("tel:1002;phone-context=ims.test"));
  EXPECT_TRUE(ordinary("sip:ims.test"));
  EXPECT_TRUE(ordinary("urn:service:sos"));
  EXPECT_TRUE(ordinary("sip:anna*21@ims.test"));
  EXPECT_TRUE(ordinary("sip:%41nna@ims.test"));
}

TEST(StarCodes, ForwardingOnToNumbersAndNames) {
  EXPECT_EQ(what("sip:*21*1003%23@ims.test"), "CFU to sip:1003@ims.test;user=phone");
  EXPECT_EQ(what("sip:**21*1003%23@ims.test;user=phone"), "CFU to sip:1003@ims.test;user=phone");
  EXPECT_EQ(what("tel:*21*+33612345678#;phone-context=ims.test"), "CFU to tel:+33612345678");
  EXPECT_EQ(what("sip:*21*carl%23@ims.test"), "CFU to sip:carl@ims.test");
  EXPECT_EQ(what("sip:*21*carl.smith-2%23@ims.test"), "CFU to sip:carl.smith-2@ims.test");
  EXPECT_EQ(what("sip:*67*1003%23@ims.test"), "CFB to sip:1003@ims.test;user=phone");
  EXPECT_EQ(what("sip:*62*carl%23@ims.test"), "CFNRc to sip:carl@ims.test");
  EXPECT_EQ(what("sip:*63*carl%23@ims.test"), "CFNL to sip:carl@ims.test");
  EXPECT_EQ(what("sip:*61*carl%23@ims.test"), "CFNR to sip:carl@ims.test");
  EXPECT_EQ(what("sip:*61*carl*30%23@ims.test"), "CFNR to sip:carl@ims.test after 30 s");
  EXPECT_EQ(what("sip:*61*carl**5%23@ims.test"), "CFNR to sip:carl@ims.test after 5 s");
  EXPECT_EQ(what("sip:**61*+4930123*11*180%23@ims.test"), "CFNR to tel:+4930123 after 180 s");
  EXPECT_EQ(what("sip:*21*1003*11%23@ims.test"), "CFU to sip:1003@ims.test;user=phone");
  EXPECT_EQ(code_of("sip:*21*1003%23@ims.test").dialled, "*21*1003#");
}

TEST(StarCodes, ForwardingOff) {
  EXPECT_EQ(what("sip:%2321%23@ims.test"), "CFU off");
  EXPECT_EQ(what("tel:##21#"), "CFU off");
  EXPECT_EQ(what("sip:%2367%23@ims.test"), "CFB off");
  EXPECT_EQ(what("sip:%2361%23@ims.test"), "CFNR off");
  EXPECT_EQ(what("sip:%2362%23@ims.test"), "CFNRc off");
  EXPECT_EQ(what("sip:%2363%23@ims.test"), "CFNL off");
  EXPECT_EQ(what("sip:%23%23002%23@ims.test"), "all forwarding off");
  EXPECT_EQ(what("tel:#002#"), "all forwarding off");
  EXPECT_EQ(what("tel:##004#"), "all conditional forwarding off");
}

TEST(StarCodes, BarringAcrAndOir) {
  EXPECT_EQ(what("sip:*33%23@ims.test"), "outgoing barring: all");
  EXPECT_EQ(what("sip:*33*1234%23@ims.test"), "outgoing barring: all");  // the password field, not checked
  EXPECT_EQ(what("sip:%2333%23@ims.test"), "outgoing barring off");
  EXPECT_EQ(what("sip:*331%23@ims.test"), "outgoing barring: international");
  EXPECT_EQ(what("sip:%23331%23@ims.test"), "outgoing barring off");
  EXPECT_EQ(what("sip:*35%23@ims.test"), "incoming barring: all");
  EXPECT_EQ(what("sip:%2335%23@ims.test"), "incoming barring off");
  EXPECT_EQ(what("tel:#330#"), "outgoing barring off, incoming barring off");
  EXPECT_EQ(what("sip:*77%23@ims.test"), "ACR on");
  EXPECT_EQ(what("sip:%2377%23@ims.test"), "ACR off");
  EXPECT_EQ(what("sip:*31%23@ims.test"), "OIR on");
  EXPECT_EQ(what("sip:%2331%23@ims.test"), "OIR off");
}

TEST(StarCodes, MalformedCodes) {
  EXPECT_TRUE(malformed("sip:*21*1003@ims.test"));         // no '#'
  EXPECT_TRUE(malformed("sip:*21%23@ims.test"));           // no number
  EXPECT_TRUE(malformed("sip:*21**%23@ims.test"));         // empty number
  EXPECT_TRUE(malformed("sip:%2321*1003%23@ims.test"));    // off with a number
  EXPECT_TRUE(malformed("sip:*99%23@ims.test"));           // unknown code
  EXPECT_TRUE(malformed("sip:*%23@ims.test"));             // nothing
  EXPECT_TRUE(malformed("tel:#"));
  EXPECT_TRUE(malformed("tel:*"));
  EXPECT_TRUE(malformed("sip:*#21%23@ims.test"));          // interrogation
  EXPECT_TRUE(malformed("sip:*21*10+03%23@ims.test"));     // not a number
  EXPECT_TRUE(malformed("sip:*21*+%23@ims.test"));
  EXPECT_TRUE(malformed("sip:*21*1003%23%23@ims.test"));   // '#' inside
  EXPECT_TRUE(malformed("sip:*21*1003%231%23@ims.test"));
  EXPECT_TRUE(malformed("sip:*21*c%40rl%23@ims.test"));    // '@' in a name
  EXPECT_TRUE(malformed("sip:*21*1003*22%23@ims.test"));   // a basic service other than telephony
  EXPECT_TRUE(malformed("sip:*61*carl*4%23@ims.test"));    // timer below 5
  EXPECT_TRUE(malformed("sip:*61*carl*181%23@ims.test"));  // above 180
  EXPECT_TRUE(malformed("sip:*61*carl*9999%23@ims.test"));
  EXPECT_TRUE(malformed("sip:*61*carl*3x%23@ims.test"));
  EXPECT_TRUE(malformed("sip:*61*carl*22*30%23@ims.test"));
  EXPECT_TRUE(malformed("sip:*61*carl*11*30*1%23@ims.test"));
  EXPECT_TRUE(malformed("sip:*33*12ab%23@ims.test"));      // a password that is no digits
  EXPECT_TRUE(malformed("sip:*33*1*2%23@ims.test"));
  EXPECT_TRUE(malformed("sip:*77*1%23@ims.test"));         // ACR takes nothing
  EXPECT_TRUE(malformed("sip:**31%23@ims.test"));
  EXPECT_TRUE(malformed("sip:*330%23@ims.test"));
  EXPECT_TRUE(malformed("sip:*002*1003%23@ims.test"));     // registering all at once
  EXPECT_TRUE(malformed("sip:*2a1%23@ims.test"));
  EXPECT_TRUE(malformed("sip:*21*1003%2@ims.test"));       // a broken escape in a code
  EXPECT_TRUE(malformed("sip:%2321%2G@ims.test"));
  EXPECT_TRUE(malformed("sip:*21*%00%23@ims.test"));
  EXPECT_TRUE(malformed("sip:*21*\xff\xfe%23@ims.test"));
  // overlong: a long number, a long code
  EXPECT_TRUE(malformed("sip:*21*" + std::string(60, '1') + "%23@ims.test"));
  EXPECT_TRUE(malformed("sip:*" + std::string(5000, '*') + "%23@ims.test"));
  EXPECT_TRUE(malformed("tel:" + std::string(100, '#')));
  const auto m = std::get<MalformedStarCode>(parse_star_code("sip:*" + std::string(5000, '1') + "%23@d", kDomain));
  EXPECT_LE(m.dialled.size(), kMaxStarCodeLength);
}

TEST(StarCodes, LocalNumbersNeedADomain) {
  EXPECT_TRUE(std::holds_alternative<MalformedStarCode>(parse_star_code("sip:*21*1003%23@d", "")));
  EXPECT_TRUE(std::holds_alternative<StarCode>(parse_star_code("sip:*21*+331%23@d", "")));
}

TEST(StarCodes, ApplyChangesTheDocument) {
  auto doc = simservs_document("");
  const auto on = std::get<ss::Document>(apply(code_of("sip:*21*carl%23@ims.test"), doc));
  ss::CallContext call;
  call.session_case = ss::SessionCase::terminating;
  call.callee = "sip:bert@ims.test";
  const auto cfu = ss::communication_diversion(on.services(), call);
  ASSERT_TRUE(cfu);
  EXPECT_EQ(cfu->forward_to.target, "sip:carl@ims.test");

  const auto cfnr = std::get<ss::Document>(apply(code_of("sip:*61*1003*30%23@ims.test"), on));
  call.event = ss::DiversionEvent::no_answer;
  const auto nr = ss::communication_diversion(cfnr.services(), call);
  ASSERT_TRUE(nr);
  EXPECT_EQ(nr->forward_to.target, "sip:1003@ims.test;user=phone");
  EXPECT_EQ(nr->no_reply_timer, 30);

  const auto off = std::get<ss::Document>(apply(code_of("tel:##002#"), cfnr));
  EXPECT_FALSE(ss::communication_diversion(off.services(), call));
  call.event = ss::DiversionEvent::none;
  EXPECT_FALSE(ss::communication_diversion(off.services(), call));

  const auto barred = std::get<ss::Document>(apply(code_of("sip:*33%23@ims.test"), off));
  ss::CallContext outgoing;
  outgoing.session_case = ss::SessionCase::originating;
  outgoing.callee = "sip:carl@ims.test";
  EXPECT_TRUE(ss::communication_barring(barred.services(), outgoing, "33").barred);
  const auto unbarred = std::get<ss::Document>(apply(code_of("tel:#330#"), barred));
  EXPECT_FALSE(ss::communication_barring(unbarred.services(), outgoing, "33").barred);

  const auto oir = std::get<ss::Document>(apply(code_of("sip:*31%23@ims.test"), doc));
  EXPECT_TRUE(ss::add_privacy_id(oir.services(), outgoing));
  const auto acr = std::get<ss::Document>(apply(code_of("sip:*77%23@ims.test"), doc));
  ss::CallContext anonymous = call;
  anonymous.caller_anonymous = true;
  EXPECT_EQ(ss::communication_barring(acr.services(), anonymous, "33").status, 433);
}

}  // namespace
}  // namespace imsbox::tas
