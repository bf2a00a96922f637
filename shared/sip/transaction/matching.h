#pragma once
// The keys that match messages to transactions (RFC 3261 §17.1.3, §17.2.3)
// and that find merged requests (§8.2.2.2). Pure functions of a message; the
// keys are opaque strings meant for hash maps.
#include <optional>
#include <string>
#include <string_view>

#include "sip/message.h"

namespace imsbox::sip::transaction {

// §17.1.3: a response belongs to the client transaction whose request had
// the same top Via branch and the same CSeq method (so the CANCEL and the
// INVITE it cancels, which share a branch, stay apart).
std::string client_key(std::string_view branch, std::string_view method);
// The key of a response (top Via branch, CSeq method); none without a branch.
std::optional<std::string> client_key_of_response(const Message& response);

// §17.2.3, requests whose top Via branch has the magic cookie: branch,
// sent-by (host case-insensitive) and method, an ACK taking the method
// INVITE. `method` overrides the request's (to find the INVITE a CANCEL
// refers to). None when the branch has no magic cookie (or there is no Via).
std::optional<std::string> server_key(const Message& request, std::string_view method = {});

// §17.2.3, the RFC 2543 fallback for requests without the magic cookie:
// Request-URI, From tag, Call-ID, CSeq number and top Via (`base`); the To
// tag and the method are compared separately because an ACK carries the To
// tag of the response rather than the one of its INVITE.
struct LegacyKey {
  std::string base;
  std::string to_tag;
};
std::optional<LegacyKey> legacy_key(const Message& request);

// §8.2.2.2: From tag, Call-ID and CSeq (number and method).
std::string merge_key(const Message& request);

}  // namespace imsbox::sip::transaction
