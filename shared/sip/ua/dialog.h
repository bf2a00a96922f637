#pragma once
// A SIP dialog (RFC 3261 §12) as a value: the state both ends keep between
// the request that created it and the BYE that ends it. Pure: messages in,
// messages and verdicts out; no I/O, no clock, no randomness.
//
// Every field is an owned copy (a Message's views do not outlive it), so a
// Dialog may outlive the messages it was made from.
//
// What a caller may rely on:
// * from_uac() / from_uas() return nothing for a response that cannot make a
//   dialog (not 1xx-with-To-tag / 2xx, no Call-ID or tags, malformed fields).
// * make_request() does not add a Via (the transport-aware caller does: it
//   knows its sent-by and picks the branch) and increments the local CSeq
//   for every method but ACK and CANCEL (§12.2.1.1).
// * on_request() is the §12.2.2 check of an in-dialog request; the caller
//   answers with the status it returns, if any, and must not pass the
//   request on then.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sip/message.h"

namespace imsbox::sip::ua {

// §12: Call-ID, local tag, remote tag.
struct DialogId {
  std::string call_id;
  std::string local_tag;
  std::string remote_tag;
  friend bool operator==(const DialogId&, const DialogId&) = default;
};

struct DialogIdHash {
  std::size_t operator()(const DialogId& id) const noexcept;
};

// The id of the dialog an incoming request belongs to, as seen by its
// recipient: local tag = To tag, remote tag = From tag (§12.2.2).
DialogId incoming_dialog_id(const Message& request);

enum class DialogState { early, confirmed };

class Dialog {
 public:
  // §12.1.2: the UAC's dialog from its dialog-creating request (INVITE,
  // SUBSCRIBE) and a 101-199 response with a To tag (early) or a 2xx
  // (confirmed). Route set = Record-Route of the response, reversed; remote
  // target = its Contact; local CSeq = the request's. `secure`: the request
  // went over TLS with a sips: Request-URI.
  static std::optional<Dialog> from_uac(const Message& request, const Message& response, bool secure = false);

  // §12.1.1: the UAS's dialog from the request it received and the response
  // it sends (which carries its To tag and its Contact). Route set =
  // Record-Route of the request, in order; remote target = the request's
  // Contact; remote CSeq = the request's. `secure`: the request came over
  // TLS with a sips: Request-URI.
  static std::optional<Dialog> from_uas(const Message& request, const Message& response, bool secure = false);

  const DialogId& id() const { return id_; }
  DialogState state() const { return state_; }
  std::optional<std::uint32_t> local_seq() const { return local_seq_; }
  std::optional<std::uint32_t> remote_seq() const { return remote_seq_; }
  const std::string& local_uri() const { return local_uri_; }
  const std::string& remote_uri() const { return remote_uri_; }
  const std::string& remote_target() const { return remote_target_; }
  const std::string& local_target() const { return local_target_; }  // our Contact URI
  // Route set entries as name-addrs ("<sip:p1.example.org;lr>"), in the
  // order they go into a Route header field.
  const std::vector<std::string>& route_set() const { return route_set_; }
  bool secure() const { return secure_; }

  // The UAS sent a 2xx for the dialog-creating request.
  void confirm() { state_ = DialogState::confirmed; }

  // UAC: a response within this dialog. A 2xx to the dialog-creating request
  // of an early dialog confirms it and recomputes the route set and remote
  // target (§13.2.2.4, §12.1.2); a 2xx to a target refresh (re-INVITE,
  // UPDATE) replaces the remote target with its Contact (§12.2.1.2).
  // Responses of another dialog are ignored; returns whether it applied.
  bool on_response(const Message& response);

  // §12.2.1.1: an in-dialog request (no Via, no body): Request-URI = remote
  // target and Route = route set (loose routing), or, when the first route
  // has no ;lr (a strict router), Request-URI = that route and Route = the
  // rest followed by the remote target; From/To with the tags; Call-ID;
  // CSeq = local CSeq + 1 (CANCEL and ACK keep the current one, and a first
  // request of a UAS starts at 1); Max-Forwards 70; Contact (our target)
  // for INVITE, UPDATE, SUBSCRIBE, NOTIFY and REFER.
  Message make_request(std::string_view method);

  // §13.2.2.4: the ACK of a 2xx, with the CSeq number of the INVITE it
  // acknowledges (not the dialog's current one) and method ACK.
  Message make_ack(std::uint32_t invite_cseq) const;

  // §12.2.2: an in-dialog request for this dialog arrived. Returns 500 when
  // its CSeq is lower than the remote CSeq (out of order; nothing changes),
  // else none: the remote CSeq becomes the request's. The remote target
  // stays: a target refresh changes it only once answered 2xx
  // (refresh_target). ACK and CANCEL are not checked (they carry the CSeq of
  // the request they refer to).
  std::optional<int> on_request(const Message& request);

  // UAS: we answer `request`, a target refresh (INVITE, UPDATE, SUBSCRIBE,
  // NOTIFY, REFER) of this dialog, with a 2xx: the remote target becomes its
  // Contact, if it has one (RFC 5407 §3.3, RFC 6141 §3.4: not before the
  // 2xx, so a rejected refresh changes nothing).
  void refresh_target(const Message& request);

 private:
  Dialog() = default;
  Message build(std::string_view method, std::uint32_t cseq) const;

  DialogId id_;
  DialogState state_ = DialogState::early;
  std::optional<std::uint32_t> local_seq_;
  std::optional<std::uint32_t> remote_seq_;
  std::string local_uri_;
  std::string remote_uri_;
  std::string remote_target_;
  std::string local_target_;
  std::vector<std::string> route_set_;
  bool secure_ = false;
  std::uint32_t creating_cseq_ = 0;  // CSeq number of the dialog-creating request
};

// Whether a method refreshes the remote target (§12.2, RFC 3311, RFC 6665).
bool is_target_refresh(std::string_view method);

}  // namespace imsbox::sip::ua
