// The CER admission decided in freeDiameter's HOOK_MESSAGE_RECEIVED hook, on
// CERs as freeDiameter hands them to it: parsed from the wire into AVPs,
// their values not yet read with the dictionary.
#include "diameter/cer_admission.h"

#include <gtest/gtest.h>

#include "fd_test_env.h"

namespace imsbox::diameter {
namespace {

using boost::asio::ip::make_address;
using testing::dict;
using testing::hdr;

const std::string kRefused = "refused-1.imsbox.invalid";

dict_object* model(dict_object_type type, int criteria, const void* what) {
  dict_object* m = nullptr;
  if (fd_dict_search(fd_g_config->cnf_dict, type, criteria, what, &m, ENOENT) != 0) ADD_FAILURE() << "no model";
  return m;
}

void add_os(msg* m, const char* avp_name, const std::string& value) {
  avp* a = nullptr;
  ASSERT_EQ(fd_msg_avp_new(model(DICT_AVP, AVP_BY_NAME, avp_name), 0, &a), 0);
  avp_value v{};
  v.os.data = reinterpret_cast<std::uint8_t*>(const_cast<char*>(value.data()));
  v.os.len = value.size();
  ASSERT_EQ(fd_msg_avp_setvalue(a, &v), 0);
  ASSERT_EQ(fd_msg_avp_add(m, MSG_BRW_LAST_CHILD, a), 0);
}

// A message as it comes off the wire, before any dictionary lookup.
MsgPtr raw(msg* built) {
  auto bytes = to_wire(built);
  fd_msg_free(built);
  auto* buf = static_cast<std::uint8_t*>(std::malloc(bytes.size()));
  std::memcpy(buf, bytes.data(), bytes.size());
  msg* m = nullptr;
  EXPECT_EQ(fd_msg_parse_buffer(&buf, bytes.size(), &m), 0);
  return MsgPtr(m);
}

MsgPtr cer(const std::vector<std::string>& origin_hosts) {
  dict();
  msg* m = nullptr;
  EXPECT_EQ(fd_msg_new(model(DICT_COMMAND, CMD_BY_NAME, "Capabilities-Exchange-Request"), MSGFL_ALLOC_ETEID, &m), 0);
  for (const auto& h : origin_hosts) add_os(m, "Origin-Host", h);
  add_os(m, "Origin-Realm", "ims.test");
  add_os(m, "Product-Name", "test");
  return raw(m);
}

// The Origin-Host freeDiameter reads next (fd_peer_handle_newCER).
std::string origin_host(msg* m) {
  fd_pei pei{};
  fd_msg_parse_dict(m, fd_g_config->cnf_dict, &pei);
  avp* a = nullptr;
  if (fd_msg_search_avp(m, model(DICT_AVP, AVP_BY_NAME, "Origin-Host"), &a) != 0 || !a || !hdr(a)->avp_value)
    return "(none)";
  return std::string(reinterpret_cast<const char*>(hdr(a)->avp_value->os.data), hdr(a)->avp_value->os.len);
}

PeerAdmission table() {
  PeerAdmission a;
  a.allow_loopback("scscf.ims.test");
  a.allow("scscf.ims.test", make_address("192.0.2.1"));
  a.allow("as.ims.test", make_address("192.0.2.2"));
  return a;
}

TEST(CerAdmission, AKnownPeerFromItsAddressPassesUntouched) {
  auto m = cer({"scscf.ims.test"});
  const auto s = screen_incoming_cer(m.get(), "{----} TCP from [192.0.2.1]:40000 (7<-9)", table(), kRefused);
  EXPECT_TRUE(s.is_cer);
  EXPECT_TRUE(s.admitted) << s.reason;
  EXPECT_EQ(s.identity, "scscf.ims.test");
  EXPECT_EQ(origin_host(m.get()), "scscf.ims.test");
  auto loop = cer({"SCSCF.ims.test"});
  EXPECT_TRUE(screen_incoming_cer(loop.get(), "{----} TCP from [127.0.0.1]:1 (7<-9)", table(), kRefused).admitted);
  EXPECT_EQ(origin_host(loop.get()), "SCSCF.ims.test");
}

TEST(CerAdmission, AKnownIdentityFromAnotherAddressIsRenamed) {
  auto m = cer({"scscf.ims.test"});
  const auto s = screen_incoming_cer(m.get(), "{----} TCP from [192.0.2.2]:40000 (7<-9)", table(), kRefused);
  EXPECT_TRUE(s.is_cer);
  EXPECT_FALSE(s.admitted);
  EXPECT_EQ(s.identity, "scscf.ims.test");  // what it claimed, for the log
  EXPECT_EQ(s.address, "192.0.2.2");
  EXPECT_EQ(s.reason, "not an address of that identity");
  EXPECT_EQ(origin_host(m.get()), kRefused);
  // and so it goes on the wire, should freeDiameter ever send it on
  EXPECT_EQ(origin_host(from_wire(to_wire(m.get())).get()), kRefused);
}

TEST(CerAdmission, AnUnknownIdentityIsRenamedToo) {
  auto m = cer({"intruder.ims.test"});
  const auto s = screen_incoming_cer(m.get(), "{----} TCP from [127.0.0.1]:40000 (7<-9)", table(), kRefused);
  EXPECT_FALSE(s.admitted);
  EXPECT_EQ(s.reason, "unknown identity");
  EXPECT_EQ(origin_host(m.get()), kRefused);
}

TEST(CerAdmission, WithoutARemoteAddressNobodyIsAdmitted) {
  auto m = cer({"scscf.ims.test"});
  const auto s = screen_incoming_cer(m.get(), "{----} TCP from [2001:db8:aaaa:bbbb:cccc:dddd:eee", table(), kRefused);
  EXPECT_FALSE(s.admitted);
  EXPECT_EQ(origin_host(m.get()), kRefused);
}

TEST(CerAdmission, EveryOriginHostOfACerWithTwoIsRenamed) {
  auto m = cer({"scscf.ims.test", "scscf.ims.test"});
  const auto s = screen_incoming_cer(m.get(), "{----} TCP from [192.0.2.1]:40000 (7<-9)", table(), kRefused);
  EXPECT_FALSE(s.admitted);
  int origin_hosts = 0, renamed = 0;
  msg_or_avp* child = nullptr;
  fd_msg_browse_internal(m.get(), MSG_BRW_FIRST_CHILD, &child, nullptr);
  for (; child; fd_msg_browse_internal(child, MSG_BRW_NEXT, &child, nullptr)) {
    const avp_hdr* h = hdr(static_cast<avp*>(child));
    if (h->avp_code != AC_ORIGIN_HOST) continue;
    ++origin_hosts;
    if (std::string(reinterpret_cast<const char*>(h->avp_value->os.data), h->avp_value->os.len) == kRefused) ++renamed;
  }
  EXPECT_EQ(origin_hosts, 2);
  EXPECT_EQ(renamed, 2);
}

TEST(CerAdmission, OtherMessagesAreLeftAlone) {
  dict();
  msg* built = nullptr;
  ASSERT_EQ(fd_msg_new(model(DICT_COMMAND, CMD_BY_NAME, "Device-Watchdog-Request"), MSGFL_ALLOC_ETEID, &built), 0);
  add_os(built, "Origin-Host", "scscf.ims.test");
  add_os(built, "Origin-Realm", "ims.test");
  auto m = raw(built);
  const auto s = screen_incoming_cer(m.get(), "{----} TCP from [198.51.100.1]:40000 (7<-9)", table(), kRefused);
  EXPECT_FALSE(s.is_cer);
  EXPECT_EQ(origin_host(m.get()), "scscf.ims.test");
}

}  // namespace
}  // namespace imsbox::diameter
