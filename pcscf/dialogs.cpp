#include "pcscf/dialogs.h"

#include <algorithm>

#include "pcscf/registration.h"
#include "pcscf/registrations.h"
#include "sip/header_values.h"

namespace imsbox::pcscf {

using sip::HeaderId;

namespace {

std::string first_header(const sip::Message& m, HeaderId id) {
  const auto* h = m.find(id);
  return h ? std::string(h->value) : std::string();
}

std::string first_uri(const sip::Message& m, HeaderId id) {
  const auto uris = header_uris(m, id);
  return uris.empty() ? std::string() : uris.front();
}

// The URI of a Route / Record-Route value "<uri;lr>".
std::string route_uri(std::string_view value) {
  const auto na = sip::parse_name_addr(value);
  return na ? std::string(na.value.uri) : std::string(value);
}

}  // namespace

std::string DialogTable::key(std::string_view call_id, std::string_view ue_tag) {
  return std::string(call_id) + ";" + std::string(ue_tag);
}

void DialogTable::confirmed(const sip::Message& invite, const sip::Message& ok, bool ue_is_caller,
                            const sip::Peer& ue_flow) {
  UeDialog d;
  d.call_id = std::string(invite.call_id());
  // The route set as the UE has it (RFC 3261 §12.1): the Record-Route of the
  // 2xx reversed for the caller, of the INVITE as it is for the callee.
  auto rr = header_values(ue_is_caller ? ok : invite, HeaderId::record_route);
  if (ue_is_caller) std::reverse(rr.begin(), rr.end());
  // Ours at the UE's end are left out; ours further on stay: the other party
  // may be a UE of this P-CSCF too (a WebSocket one is reachable only so).
  bool leading = true;
  for (auto& r : rr) {
    if (leading && is_own_(route_uri(r))) continue;
    leading = false;
    d.network_route.push_back(std::move(r));
  }
  struct Side {
    std::string party, tag, contact;
  };
  const Side caller{first_header(invite, HeaderId::from), std::string(invite.from().tag()),
                    first_uri(invite, HeaderId::contact)};
  const Side callee{first_header(ok, HeaderId::to), std::string(ok.to().tag()), first_uri(ok, HeaderId::contact)};
  const auto& ue = ue_is_caller ? caller : callee;
  const auto& peer = ue_is_caller ? callee : caller;
  d.ue_party = ue.party;
  d.peer_party = peer.party;
  d.ue_tag = ue.tag;
  d.ue_target = ue.contact;
  d.peer_target = peer.contact;
  (ue_is_caller ? d.ue_cseq : d.peer_cseq) = invite.cseq().number;
  if (d.ue_tag.empty() || d.ue_target.empty() || d.peer_target.empty()) return;  // not a dialog we could end
  d.ue_contact_key = contact_key(d.ue_target);
  d.ue_flow = ue_flow;
  auto k = key(d.call_id, d.ue_tag);
  if (dialogs_.contains(k)) return;
  by_contact_[d.ue_contact_key].insert(k);
  dialogs_.emplace(std::move(k), std::move(d));
}

void DialogTable::in_dialog(const sip::Message& request, bool from_ue) {
  // the UE's tag: its From tag when it sends, its To tag when it receives
  const auto ue_tag = from_ue ? request.from().tag() : request.to().tag();
  const auto it = dialogs_.find(key(request.call_id(), ue_tag));
  if (it == dialogs_.end()) return;
  if (request.method() == "BYE") {
    if (auto c = by_contact_.find(it->second.ue_contact_key); c != by_contact_.end()) {
      c->second.erase(it->first);
      if (c->second.empty()) by_contact_.erase(c);
    }
    dialogs_.erase(it);
    return;
  }
  if (request.method() == "ACK" || request.method() == "CANCEL") return;  // CSeq of the INVITE
  auto& cseq = from_ue ? it->second.ue_cseq : it->second.peer_cseq;
  cseq = std::max(cseq, request.cseq().number);
}

std::vector<UeDialog> DialogTable::release(const std::string& contact_key) {
  std::vector<UeDialog> out;
  const auto c = by_contact_.find(contact_key);
  if (c == by_contact_.end()) return out;
  for (const auto& k : c->second) {
    if (auto d = dialogs_.find(k); d != dialogs_.end()) {
      out.push_back(std::move(d->second));
      dialogs_.erase(d);
    }
  }
  by_contact_.erase(c);
  return out;
}

std::optional<UeDialog> DialogTable::take(std::string_view call_id, std::string_view ue_tag) {
  const auto it = dialogs_.find(key(call_id, ue_tag));
  if (it == dialogs_.end()) return std::nullopt;
  if (auto c = by_contact_.find(it->second.ue_contact_key); c != by_contact_.end()) {
    c->second.erase(it->first);
    if (c->second.empty()) by_contact_.erase(c);
  }
  auto d = std::move(it->second);
  dialogs_.erase(it);
  return d;
}

std::size_t DialogTable::move_flow(const std::string& old_key, const std::string& new_key, const sip::Peer& flow) {
  const auto c = by_contact_.find(old_key);
  if (c == by_contact_.end()) return 0;
  auto keys = std::move(c->second);
  by_contact_.erase(c);
  for (const auto& k : keys) {
    if (auto d = dialogs_.find(k); d != dialogs_.end()) {
      d->second.ue_flow = flow;
      d->second.ue_contact_key = new_key;
    }
  }
  const auto n = keys.size();
  by_contact_[new_key].merge(keys);
  return n;
}

namespace {

sip::Message bye(std::string target, const std::vector<std::string>& route, const std::string& from,
                 const std::string& to, const UeDialog& d, std::uint32_t cseq, std::string_view reason, int cause) {
  auto m = sip::Message::request("BYE", std::move(target));
  for (const auto& r : route) m.append(HeaderId::route, r);
  m.append(HeaderId::max_forwards, "70");
  m.append(HeaderId::from, from);
  m.append(HeaderId::to, to);
  m.append(HeaderId::call_id, d.call_id);
  m.append(HeaderId::cseq, std::to_string(cseq) + " BYE");
  m.append(HeaderId::reason, "SIP;cause=" + std::to_string(cause) + ";text=\"" + std::string(reason) + "\"");
  return m;
}

}  // namespace

sip::Message bye_to_ue(const UeDialog& d, std::string_view reason, int cause) {
  // on behalf of the other side: its CSeq space
  return bye(d.ue_target, {}, d.peer_party, d.ue_party, d, d.peer_cseq + 1, reason, cause);
}

sip::Message bye_to_network(const UeDialog& d, std::string_view reason, int cause) {
  return bye(d.peer_target, d.network_route, d.ue_party, d.peer_party, d, d.ue_cseq + 1, reason, cause);
}

}  // namespace imsbox::pcscf
