#pragma once
// Cx messages (cx_messages.h) <-> freeDiameter messages: the one place that
// knows both. Used by the stack; tests use it directly. Declares freeDiameter's
// `struct msg` opaquely, so including this pulls in no freeDiameter header.
//
// Threading: any thread, but the codec calls freeDiameter's message API,
// which is thread-safe; the stack calls it on the loop thread only.
// Errors: decode_* never throw and report what is wrong as a DecodeError;
// encode_* throw std::runtime_error only when freeDiameter itself fails
// (out of memory, a model missing from the dictionary).
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "diameter/cx_avps.h"
#include "diameter/cx_messages.h"
#include "diameter/cx_types.h"

struct msg;  // freeDiameter's message, opaque here

namespace imsbox::diameter {

class CxDictionary;

// Owns a freeDiameter message (fd_msg_free on destruction). An answer owns
// the request it was made from.
struct MsgDeleter {
  void operator()(msg* m) const;
};
using MsgPtr = std::unique_ptr<msg, MsgDeleter>;

// Why a received message cannot be used: the Result-Code to answer with and
// the AVP for the Failed-AVP (RFC 6733 §7.5).
struct DecodeError {
  std::uint32_t result_code = result_code::missing_avp;  // 5005, 5004, 5009, 3001, 3007 ...
  AvpId avp;                                               // the missing or offending AVP
  std::vector<std::uint8_t> value;  // the offending value as received; empty for a missing AVP
  std::string message;              // for Error-Message and logs: "missing Public-Identity"
};

// A decoded value or the reason there is none.
template <class T>
class Decoded {
 public:
  Decoded(T v) : v_(std::move(v)) {}
  Decoded(DecodeError e) : v_(std::move(e)) {}
  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() { return std::get<0>(v_); }
  const T& value() const { return std::get<0>(v_); }
  const DecodeError& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, DecodeError> v_;
};

// A new request with a fresh End-to-End id. Session-Id: header.session_id, or a
// new one (fd_msg_new_session) when empty. Origin-Host/-Realm: freeDiameter's
// configured identity (header.origin_* is ignored). Destination-Host/-Realm
// from the header. Writes every non-empty field and checks none: a test may
// send a request that lacks a mandatory AVP.
MsgPtr encode_request(const CxDictionary& dict, const CxRequest& request);

// Checks a received (parsed) request against TS 29.229 §6.1: command and
// application, presence of every mandatory AVP, values of the enumerated AVPs,
// Auth-Session-State and Vendor-Specific-Application-Id. Reports the first
// problem in the order of the command's ABNF.
Decoded<CxRequest> decode_request(const CxDictionary& dict, msg* request);

// Turns the request into its answer and fills it: Session-Id copied from the
// request, Vendor-Specific-Application-Id, Result-Code or Experimental-Result
// (a 3xxx Result-Code also sets the 'E' bit), Auth-Session-State, this node's
// Origin-Host/-Realm, the body; Failed-AVP (an example AVP with a zero value)
// and Error-Message when the header has them. The returned answer owns the
// request. The answer's command must be the request's.
MsgPtr encode_answer(const CxDictionary& dict, MsgPtr request, const CxAnswer& answer);

// The answer a server sends for a request it could not decode: for 5xxx a Cx
// answer of the request's command with Result-Code, Failed-AVP (holding the
// offending value, or a zero-filled example of the missing AVP) and
// Error-Message; for 3xxx (unknown command, application) the 'E'-bit answer of
// RFC 6733 §7.2.
MsgPtr encode_error_answer(const CxDictionary& dict, MsgPtr request, const DecodeError& error);

// Decodes a received answer leniently (answers are not refused): only a
// Result-Code or Experimental-Result is required. `sent` is the command of the
// request it answers, when known: an 'E'-bit answer (RFC 6733 §7.2) then
// decodes to that command's answer type whatever its command code (a peer
// answering an unknown code with 3001), and an answer of another command is
// refused. Without `sent`, the answer's own command code decides.
Decoded<CxAnswer> decode_answer(const CxDictionary& dict, msg* answer, std::optional<CxCommand> sent = std::nullopt);

// Render to the wire format and parse back as freeDiameter does on receive
// (fd_msg_parse_buffer + fd_msg_parse_dict): for tests and tools.
std::vector<std::uint8_t> to_wire(msg* m);
MsgPtr from_wire(const std::vector<std::uint8_t>& bytes);

}  // namespace imsbox::diameter
