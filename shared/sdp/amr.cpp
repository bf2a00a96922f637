#include "sdp/amr.h"

#include "sdp/grammar.h"

namespace imsbox::sdp {

namespace {

using grammar::iequals;
using grammar::parse_uint;

// "0" or "1" (RFC 4867 flags)
std::optional<bool> flag(std::string_view v) {
  if (v == "0") return false;
  if (v == "1") return true;
  return std::nullopt;
}

}  // namespace

std::optional<AmrKind> amr_kind(const Rtpmap& rtpmap) {
  if (iequals(rtpmap.encoding, "AMR")) return AmrKind::amr;
  if (iequals(rtpmap.encoding, "AMR-WB")) return AmrKind::amr_wb;
  return std::nullopt;
}

std::optional<AmrParameters> parse_amr_parameters(const Fmtp& fmtp, AmrKind kind) {
  const std::uint8_t max_mode = kind == AmrKind::amr ? 7 : 8;
  AmrParameters p;
  for (const auto& param : fmtp.parameters) {
    const std::string_view name = param.name;
    const std::string_view v = param.value ? std::string_view(*param.value) : std::string_view{};
    if (iequals(name, "octet-align")) {
      const auto f = flag(v);
      if (!f) return std::nullopt;
      p.octet_align = *f;
    } else if (iequals(name, "mode-set")) {
      std::vector<std::uint8_t> modes;
      std::string_view rest = grammar::trim(v);
      while (true) {
        const bool last = rest.find(',') == std::string_view::npos;
        const auto m = parse_uint<std::uint8_t>(grammar::trim(grammar::split_first(rest, ',')), max_mode);
        if (!m) return std::nullopt;
        modes.push_back(*m);
        if (last) break;
      }
      p.mode_set = std::move(modes);
    } else if (iequals(name, "mode-change-period")) {
      const auto n = parse_uint<std::uint32_t>(v);
      if (!n || *n == 0) return std::nullopt;
      p.mode_change_period = *n;
    } else if (iequals(name, "mode-change-neighbor")) {
      const auto f = flag(v);
      if (!f) return std::nullopt;
      p.mode_change_neighbor = *f;
    } else if (iequals(name, "mode-change-capability")) {
      const auto n = parse_uint<std::uint32_t>(v);
      if (!n || (*n != 1 && *n != 2)) return std::nullopt;
      p.mode_change_capability = *n;
    } else if (iequals(name, "max-red")) {
      const auto n = parse_uint<std::uint32_t>(v);
      if (!n) return std::nullopt;
      p.max_red = *n;
    } else if (iequals(name, "crc")) {
      const auto f = flag(v);
      if (!f) return std::nullopt;
      p.crc = *f;
    } else if (iequals(name, "robust-sorting")) {
      const auto f = flag(v);
      if (!f) return std::nullopt;
      p.robust_sorting = *f;
    } else if (iequals(name, "interleaving")) {
      const auto n = parse_uint<std::uint32_t>(v);
      if (!n || *n == 0) return std::nullopt;
      p.interleaving = *n;
    }
  }
  return p;
}

}  // namespace imsbox::sdp
