#include "sip/transaction/matching.h"

#include "sip/text.h"
#include "sip/transaction/branch.h"

namespace imsbox::sip::transaction {

namespace {

// No key part holds a line break (header values are unfolded), so it
// separates them without ambiguity.
constexpr char sep = '\n';

void append_lower(std::string& out, std::string_view s) {
  for (char c : s) out.push_back(text::lower(c));
}

// The top Via as §20.42 compares it: protocol and transport case-insensitive,
// sent-by host case-insensitive, parameters in their order (names
// case-insensitive, values as written).
void append_via(std::string& out, const Via& via) {
  append_lower(out, via.protocol_name);
  out.push_back('/');
  out.append(via.protocol_version);
  out.push_back('/');
  append_lower(out, via.transport);
  out.push_back(' ');
  append_lower(out, via.host);
  if (via.port) out.append(":").append(std::to_string(*via.port));
  for (const auto& p : via.params) {
    out.push_back(';');
    append_lower(out, p.name);
    if (p.has_value) out.append("=").append(p.value);
  }
}

}  // namespace

std::string client_key(std::string_view branch, std::string_view method) {
  std::string key(branch);
  key.push_back(sep);
  key.append(method);
  return key;
}

std::optional<std::string> client_key_of_response(const Message& response) {
  const auto top = response.top_via();
  if (!top || top->branch().empty()) return std::nullopt;
  return client_key(top->branch(), response.cseq().method);
}

std::optional<std::string> server_key(const Message& request, std::string_view method) {
  const auto top = request.top_via();
  if (!top || !has_magic_cookie(top->branch())) return std::nullopt;
  const Via& via = *top;
  if (method.empty()) method = request.method() == "ACK" ? std::string_view("INVITE") : request.method();
  std::string key(via.branch());
  key.push_back(sep);
  append_lower(key, via.host);
  if (via.port) key.append(":").append(std::to_string(*via.port));
  key.push_back(sep);
  key.append(method);
  return key;
}

std::optional<LegacyKey> legacy_key(const Message& request) {
  const auto top = request.top_via();
  if (!top) return std::nullopt;
  LegacyKey out;
  out.base.append(request.request_uri());
  out.base.push_back(sep);
  out.base.append(request.from().tag());
  out.base.push_back(sep);
  out.base.append(request.call_id());
  out.base.push_back(sep);
  out.base.append(std::to_string(request.cseq().number));
  out.base.push_back(sep);
  append_via(out.base, *top);
  out.to_tag = std::string(request.to().tag());
  return out;
}

std::string merge_key(const Message& request) {
  const auto cseq = request.cseq();
  std::string key(request.from().tag());
  key.push_back(sep);
  key.append(request.call_id());
  key.push_back(sep);
  key.append(std::to_string(cseq.number));
  key.push_back(sep);
  key.append(cseq.method);
  return key;
}

}  // namespace imsbox::sip::transaction
