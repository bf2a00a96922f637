#include "sip/transport/via_received.h"

#include <algorithm>
#include <string>
#include <vector>

#include "sip/header_values.h"
#include "sip/text.h"

namespace imsbox::sip {

namespace {

// Is the Via host (a name, an IPv4 address or a [bracketed] IPv6 one) the
// same address as the source?
bool host_is(std::string_view host, const boost::asio::ip::address& address) {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  boost::system::error_code ec;
  const auto parsed = boost::asio::ip::make_address(std::string(host), ec);
  return !ec && parsed == address;
}

struct Edit {
  std::size_t offset;  // in the field value
  std::size_t length;  // bytes replaced
  std::string text;
  int order;  // among edits at one offset, the later one is applied first (its text ends up after)
};

}  // namespace

bool stamp_received(Message& request, const boost::asio::ip::address& source_address, std::uint16_t source_port) {
  const HeaderField* field = request.find(HeaderId::via);
  if (field == nullptr) return false;
  const std::string_view value = field->value;
  const auto parts = split_list(value);
  if (!parts || parts.value.empty()) return false;
  const std::string_view top = parts.value.front();
  const auto via = parse_via(top);
  if (!via) return false;

  const auto offset_of = [&](std::string_view inner) { return static_cast<std::size_t>(inner.data() - value.data()); };
  std::vector<Edit> edits;

  const Param* rport = find_param(via.value.params, "rport");
  if (rport != nullptr && !rport->has_value) {
    edits.push_back({offset_of(rport->name) + rport->name.size(), 0, "=" + std::to_string(source_port), 0});
  }
  if (rport != nullptr || !host_is(via.value.host, source_address)) {
    // received = IPv4address / IPv6address (without brackets)
    const std::string address = source_address.to_string();
    if (const Param* received = find_param(via.value.params, "received")) {
      if (received->has_value && received->value == address) {
        // already right (a second pass, or an honest client)
      } else {
        const auto start = offset_of(received->name) + received->name.size();
        const auto end = received->has_value ? offset_of(received->value) + received->value.size() : start;
        edits.push_back({start, end - start, "=" + address, 1});
      }
    } else {
      edits.push_back({offset_of(top) + top.size(), 0, ";received=" + address, 1});
    }
  }
  if (edits.empty()) return false;

  // Apply from the back so that earlier offsets stay valid.
  std::sort(edits.begin(), edits.end(), [](const Edit& a, const Edit& b) {
    return a.offset != b.offset ? a.offset > b.offset : a.order > b.order;
  });
  std::string updated(value);
  for (const auto& e : edits) updated.replace(e.offset, e.length, e.text);
  request.set(HeaderId::via, std::move(updated));
  return true;
}

}  // namespace imsbox::sip
