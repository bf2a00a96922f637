#include "sip/proxy/request_checks.h"

#include <cstdint>

#include "sip/response.h"
#include "sip/text.h"
#include "sip/uri.h"

namespace imsbox::sip::proxy {

std::optional<Rejection> check_request(const Message& request, std::span<const std::string_view> supported_options) {
  const auto uri = request.request_uri();
  if (!parse_uri(uri).uri) {
    return Rejection{416, std::string(default_reason(416)), {}};
  }
  if (const auto mf = request.max_forwards(); mf && *mf == 0) {
    return Rejection{483, std::string(default_reason(483)), {}};
  }
  std::string unsupported;
  for (const auto& h : request.headers()) {
    if (h.id != HeaderId::proxy_require) continue;
    const auto tags = parse_token_list(h.value);
    for (const auto tag : tags.value) {
      bool known = false;
      for (const auto s : supported_options) known |= text::iequals(s, tag);
      if (!known) {
        if (!unsupported.empty()) unsupported += ", ";
        unsupported += tag;
      }
    }
  }
  if (!unsupported.empty()) {
    return Rejection{420, std::string(default_reason(420)), {{HeaderId::unsupported, unsupported}}};
  }
  return std::nullopt;
}

namespace {

// FNV-1a, 64 bit: stable across processes and builds (a branch must survive a restart).
struct Fnv {
  std::uint64_t h = 1469598103934665603ULL;
  void add(std::string_view s) {
    for (unsigned char c : s) {
      h ^= c;
      h *= 1099511628211ULL;
    }
    h ^= 0xff;  // field separator
    h *= 1099511628211ULL;
  }
};

}  // namespace

std::string loop_hash(const Message& request) {
  Fnv f;
  f.add(request.request_uri());
  f.add(request.from().tag());
  f.add(request.to().tag());
  f.add(request.call_id());
  f.add(std::to_string(request.cseq().number));
  for (const auto& h : request.headers()) {
    if (h.id == HeaderId::route || h.id == HeaderId::proxy_require || h.id == HeaderId::proxy_authorization) {
      f.add(h.value);
    }
  }
  static constexpr char hex[] = "0123456789abcdef";
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i, f.h >>= 4) out[static_cast<std::size_t>(i)] = hex[f.h & 0xf];
  return out;
}

std::string make_branch(const Message& received, std::string_view unique) {
  return make_branch_with_hash(loop_hash(received), unique);
}

std::string make_branch_with_hash(std::string_view received_hash, std::string_view unique) {
  return "z9hG4bK" + std::string(received_hash) + "." + std::string(unique);
}

bool loop_detected(const Message& request, std::span<const std::string> own_sent_by) {
  std::string hash;
  for (const auto& via : request.vias()) {
    bool ours = false;
    for (const auto& s : own_sent_by) ours |= text::iequals(via.sent_by, s);
    if (!ours) continue;
    if (hash.empty()) hash = loop_hash(request);
    const auto branch = via.branch();
    if (branch.size() > 7 + hash.size() && branch.substr(7, hash.size()) == hash) return true;
  }
  return false;
}

}  // namespace imsbox::sip::proxy
