#include "ims/rtp_stat.h"

#include <charconv>

namespace imsbox::ims {

std::string format_rtp_stat(const RtpStat& s) {
  std::string out;
  const auto add = [&out](const char* name, const std::optional<std::uint64_t>& v) {
    if (!v) return;
    if (!out.empty()) out += ',';
    out += name;
    out += '=';
    out += std::to_string(*v);
  };
  add("PS", s.packets_sent);
  add("OS", s.octets_sent);
  add("PR", s.packets_received);
  add("OR", s.octets_received);
  add("PL", s.packets_lost);
  add("JI", s.jitter_ms);
  return out;
}

std::optional<RtpStat> parse_rtp_stat(std::string_view value) {
  RtpStat s;
  bool any = false;
  while (!value.empty()) {
    const auto comma = value.find(',');
    auto item = value.substr(0, comma);
    value = comma == std::string_view::npos ? std::string_view() : value.substr(comma + 1);
    while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
    while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
    const auto eq = item.find('=');
    if (eq == std::string_view::npos) continue;
    const auto name = item.substr(0, eq);
    const auto number = item.substr(eq + 1);
    std::uint64_t n = 0;
    const auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), n);
    if (ec != std::errc{} || end != number.data() + number.size() || number.empty()) continue;
    std::optional<std::uint64_t>* field = nullptr;
    if (name == "PS") field = &s.packets_sent;
    else if (name == "OS") field = &s.octets_sent;
    else if (name == "PR") field = &s.packets_received;
    else if (name == "OR") field = &s.octets_received;
    else if (name == "PL") field = &s.packets_lost;
    else if (name == "JI") field = &s.jitter_ms;
    if (!field) continue;
    *field = n;
    any = true;
  }
  if (!any) return std::nullopt;
  return s;
}

}  // namespace imsbox::ims
