#include "diameter/cer_admission.h"

#include <freeDiameter/freeDiameter-host.h>
#include <freeDiameter/libfdcore.h>

#include <vector>

namespace imsbox::diameter {

CerScreening screen_incoming_cer(msg* m, std::string_view connection_name, const PeerAdmission& admission,
                                 const std::string& refused_identity) {
  CerScreening s;
  msg_hdr* h = nullptr;
  if (!m || fd_msg_hdr(m, &h) != 0) return s;
  if (h->msg_code != CC_CAPABILITIES_EXCHANGE || !(h->msg_flags & CMD_FLAG_REQUEST) || h->msg_appl != 0) return s;
  s.is_cer = true;

  // The message is parsed into AVPs but their values are not read yet: read
  // them with the dictionary (freeDiameter does the same right after, and
  // keeps what is resolved here).
  fd_pei pei{};
  if (fd_msg_parse_dict(m, fd_g_config->cnf_dict, &pei) != 0 && pei.pei_avp_free && pei.pei_avp)
    fd_msg_free(pei.pei_avp);

  std::vector<avp*> origin_hosts;
  msg_or_avp* child = nullptr;
  fd_msg_browse_internal(m, MSG_BRW_FIRST_CHILD, &child, nullptr);
  while (child) {
    avp_hdr* ah = nullptr;
    if (fd_msg_avp_hdr(static_cast<avp*>(child), &ah) == 0 && ah->avp_code == AC_ORIGIN_HOST &&
        !(ah->avp_flags & AVP_FLAG_VENDOR)) {
      origin_hosts.push_back(static_cast<avp*>(child));
      if (ah->avp_value && s.identity.empty())
        s.identity.assign(reinterpret_cast<const char*>(ah->avp_value->os.data), ah->avp_value->os.len);
    }
    fd_msg_browse_internal(child, MSG_BRW_NEXT, &child, nullptr);
  }

  const auto from = remote_address_of(connection_name);
  s.address = from ? from->to_string() : std::string(connection_name);
  if (!from) {
    s.reason = "no remote address known for the connection";
  } else if (origin_hosts.size() != 1 || s.identity.empty()) {
    s.reason = "not exactly one Origin-Host";
  } else {
    const auto verdict = admission.check(s.identity, *from);
    s.admitted = verdict == PeerAdmission::Verdict::admitted;
    if (!s.admitted) s.reason = std::string(to_string(verdict));
  }
  if (s.admitted) return s;

  bool rewritten = true;
  for (avp* a : origin_hosts) {
    avp_hdr* ah = nullptr;
    if (fd_msg_avp_hdr(a, &ah) != 0 || !ah->avp_value) continue;  // unreadable for freeDiameter too
    avp_value v{};
    v.os.data = reinterpret_cast<std::uint8_t*>(const_cast<char*>(refused_identity.data()));
    v.os.len = refused_identity.size();
    if (fd_msg_avp_setvalue(a, &v) != 0) rewritten = false;
  }
  // Fail closed: should an Origin-Host keep its value (out of memory), make
  // the message no CER at all, which freeDiameter answers by closing the
  // connection ("Error parsing CER").
  if (!rewritten) h->msg_code = 0;
  return s;
}

}  // namespace imsbox::diameter
