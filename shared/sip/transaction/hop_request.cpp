#include "sip/transaction/hop_request.h"

#include <string>

#include "sip/header_values.h"

namespace imsbox::sip::transaction::detail {

namespace {

// The first via-parm of the first Via field, as written.
std::string_view top_via(const Message& request) {
  const auto* via = request.find(HeaderId::via);
  if (via == nullptr) return {};
  const auto elements = split_list(via->value);
  if (!elements || elements.value.empty()) return via->value;
  return elements.value.front();
}

}  // namespace

Message hop_request(const Message& request, std::string_view method, std::string_view to) {
  Message out = Message::request(std::string(method), std::string(request.request_uri()));
  if (const auto via = top_via(request); !via.empty()) out.append(HeaderId::via, std::string(via));
  for (const auto& h : request.headers()) {
    if (h.id == HeaderId::route) out.append(HeaderId::route, std::string(h.value));
  }
  const auto* max_forwards = request.find(HeaderId::max_forwards);
  out.append(HeaderId::max_forwards, max_forwards ? std::string(max_forwards->value) : std::string("70"));
  if (const auto* from = request.find(HeaderId::from)) out.append(HeaderId::from, std::string(from->value));
  out.append(HeaderId::to, std::string(to));
  out.append(HeaderId::call_id, std::string(request.call_id()));
  out.append(HeaderId::cseq, std::to_string(request.cseq().number) + " " + std::string(method));
  return out;
}

}  // namespace imsbox::sip::transaction::detail
