#pragma once
// The dialogs of registered UEs that the P-CSCF took part in, kept so that it
// can release them when the UE's registration ends (TS 24.229 §5.2.8.1.2:
// on deregistration or expiry the P-CSCF sends BYE to the UE and toward the
// network for each of its dialogs). Only confirmed INVITE dialogs (a 2xx) are
// kept; a BYE through us ends one.
//
// Pure: no I/O, no timers. The service feeds it the initial INVITE with its
// 2xx and the in-dialog requests it forwards, and builds the BYEs with
// bye_to_ue() and bye_to_network() when release() hands dialogs back.
// Single-threaded.
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "sip/message.h"
#include "sip/peer.h"

namespace imsbox::pcscf {

struct UeDialog {
  std::string call_id;
  std::string ue_party;    // the UE's From/To header value, with its tag
  std::string peer_party;  // the other side's, with its tag
  std::string ue_tag;
  std::string ue_target;    // the UE's Contact URI: the Request-URI of a BYE to it
  std::string ue_contact_key;  // contact_key(ue_target): which binding the dialog hangs on
  sip::Peer ue_flow;        // where requests to the UE go (its binding's flow, moved with it: move_flow())
  std::string peer_target;  // the other side's Contact URI
  std::vector<std::string> network_route;  // Route values toward the other side, ours at the UE's end left out
  std::uint32_t ue_cseq = 0;    // the highest CSeq the UE used
  std::uint32_t peer_cseq = 0;  // the highest CSeq the other side used (0: none yet)
};

class DialogTable {
 public:
  // Whether a URI (a Record-Route entry) is one of ours.
  using IsOwn = std::function<bool(std::string_view uri)>;
  explicit DialogTable(IsOwn is_own) : is_own_(std::move(is_own)) {}

  // An initial INVITE (as forwarded) and its 2xx: a dialog of the UE, the
  // caller (`ue_is_caller`, the INVITE came from it over `ue_flow`) or the
  // callee (the INVITE went to it over `ue_flow`). A second 2xx of the same
  // dialog changes nothing.
  void confirmed(const sip::Message& invite, const sip::Message& ok, bool ue_is_caller, const sip::Peer& ue_flow);
  // An in-dialog request passing through, from the UE or toward it: its
  // CSeq counts; a BYE ends the dialog.
  void in_dialog(const sip::Message& request, bool from_ue);
  // Removes and returns the dialogs hanging on that contact (contact_key).
  std::vector<UeDialog> release(const std::string& contact_key);
  // Removes and returns one dialog, by its Call-ID and the UE's tag.
  std::optional<UeDialog> take(std::string_view call_id, std::string_view ue_tag);
  // The UE of a contact is on a new flow, under the same contact or (RFC
  // 5626 flow replacement) a new one: its dialogs follow, so that a release
  // reaches it there and comes when its new binding ends. Returns how many
  // dialogs moved.
  std::size_t move_flow(const std::string& old_key, const std::string& new_key, const sip::Peer& flow);
  std::size_t size() const { return dialogs_.size(); }

 private:
  static std::string key(std::string_view call_id, std::string_view ue_tag);
  IsOwn is_own_;
  std::map<std::string, UeDialog> dialogs_;                         // by Call-ID + UE tag
  std::unordered_map<std::string, std::set<std::string>> by_contact_;  // contact key -> keys
};

// The BYE that releases a dialog toward the UE (send it over ue_flow) and
// toward the network (along network_route); without Via (the originator
// adds it). Reason (RFC 3326): SIP;cause=<cause>;text="<reason>".
sip::Message bye_to_ue(const UeDialog& d, std::string_view reason, int cause = 480);
sip::Message bye_to_network(const UeDialog& d, std::string_view reason, int cause = 480);

}  // namespace imsbox::pcscf
