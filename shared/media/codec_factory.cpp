#include "media/codec_factory.h"
#include "runtime/ascii.h"

#include <charconv>

#include "media/amr_codec.h"
#include "media/g711_codec.h"
#include "media/g722_codec.h"
#include "media/opus_codec.h"

namespace imsbox::media {

namespace {

using ascii::iequals;

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return s;
}

std::optional<int> to_int(std::string_view s) {
  s = trim(s);
  int v = 0;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || p != s.data() + s.size()) return std::nullopt;
  return v;
}

const FmtpParameter* find(std::span<const FmtpParameter> fmtp, std::string_view name) {
  for (const auto& p : fmtp) {
    if (iequals(trim(p.name), name)) return &p;
  }
  return nullptr;
}

// A boolean fmtp flag: "1" is true, anything else (or absent) false.
bool flag(std::span<const FmtpParameter> fmtp, std::string_view name) {
  const auto* p = find(fmtp, name);
  return p != nullptr && to_int(p->value) == 1;
}

MakeCodecResult make_amr(AmrKind kind, int channels, std::span<const FmtpParameter> fmtp, const CodecOptions& options) {
  if (channels != 1) return {nullptr, "AMR with more than one channel is not supported"};
  if (const auto* p = find(fmtp, "channels"); p && to_int(p->value) != 1) {
    return {nullptr, "AMR with more than one channel is not supported"};
  }
  if (flag(fmtp, "crc")) return {nullptr, "AMR crc=1 is not supported"};
  if (flag(fmtp, "robust-sorting")) return {nullptr, "AMR robust-sorting=1 is not supported"};
  if (find(fmtp, "interleaving")) return {nullptr, "AMR interleaving is not supported"};

  AmrParams params;
  params.kind = kind;
  params.packing = flag(fmtp, "octet-align") ? AmrPacking::octet_aligned : AmrPacking::bandwidth_efficient;
  params.dtx = options.amr_dtx;
  if (const auto* p = find(fmtp, "mode-set")) {
    std::uint16_t set = 0;
    std::string_view rest = p->value;
    while (!rest.empty()) {
      const auto comma = rest.find(',');
      const auto item = to_int(rest.substr(0, comma));
      if (!item || *item < 0 || !amr_is_mode(kind, static_cast<unsigned>(*item))) {
        return {nullptr, "bad AMR mode-set: " + std::string(p->value)};
      }
      set = static_cast<std::uint16_t>(set | (1u << *item));
      rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
    }
    if (set == 0) return {nullptr, "empty AMR mode-set"};
    params.modes.mode_set = set;
  }
  if (const auto* p = find(fmtp, "mode-change-period")) {
    const auto v = to_int(p->value);
    if (!v || (*v != 1 && *v != 2)) return {nullptr, "bad AMR mode-change-period: " + std::string(p->value)};
    params.modes.mode_change_period = *v;
  }
  params.modes.mode_change_neighbor = flag(fmtp, "mode-change-neighbor");
  std::string error;
  auto codec = AmrCodec::create(params, &error);
  if (!codec) return {nullptr, error};
  return {std::move(codec), {}};
}

MakeCodecResult make_opus(std::span<const FmtpParameter> fmtp, const CodecOptions& options) {
  OpusParams params;
  params.pcm_rate = options.opus_pcm_rate;
  params.complexity = options.opus_complexity;
  if (const auto* p = find(fmtp, "maxplaybackrate")) {
    if (const auto v = to_int(p->value); v && *v > 0) params.max_playback_rate = *v;
  }
  if (const auto* p = find(fmtp, "maxaveragebitrate")) {
    if (const auto v = to_int(p->value); v && *v > 0) params.max_average_bitrate = *v;
  }
  params.cbr = flag(fmtp, "cbr");
  params.inband_fec = options.opus_fec && flag(fmtp, "useinbandfec");
  params.dtx = flag(fmtp, "usedtx");
  std::string error;
  auto codec = OpusCodec::create(params, &error);
  if (!codec) return {nullptr, error};
  return {std::move(codec), {}};
}

}  // namespace

std::vector<FmtpParameter> parse_fmtp(std::string_view fmtp) {
  std::vector<FmtpParameter> out;
  while (!fmtp.empty()) {
    const auto semi = fmtp.find(';');
    const std::string_view item = trim(fmtp.substr(0, semi));
    fmtp = semi == std::string_view::npos ? std::string_view{} : fmtp.substr(semi + 1);
    if (item.empty()) continue;
    const auto eq = item.find('=');
    if (eq == std::string_view::npos) {
      out.push_back({item, {}});
    } else {
      out.push_back({trim(item.substr(0, eq)), trim(item.substr(eq + 1))});
    }
  }
  return out;
}

bool is_supported_codec(std::string_view name, int clock_rate) {
  return (iequals(name, "opus") && clock_rate == 48000) || (iequals(name, "AMR") && clock_rate == 8000) ||
         (iequals(name, "AMR-WB") && clock_rate == 16000) || (iequals(name, "PCMU") && clock_rate == 8000) ||
         (iequals(name, "PCMA") && clock_rate == 8000) || (iequals(name, "G722") && clock_rate == 8000);
}

MakeCodecResult make_codec(std::string_view name, int clock_rate, int channels, std::span<const FmtpParameter> fmtp,
                           const CodecOptions& options) {
  if (!is_supported_codec(name, clock_rate)) {
    return {nullptr, "unsupported codec " + std::string(name) + "/" + std::to_string(clock_rate)};
  }
  if (iequals(name, "opus")) {
    // RFC 7587 §7: always "opus/48000/2"; one channel is tolerated
    if (channels != 1 && channels != 2) return {nullptr, "opus must be opus/48000/2"};
    return make_opus(fmtp, options);
  }
  if (channels != 1) return {nullptr, std::string(name) + " with more than one channel is not supported"};
  if (iequals(name, "AMR")) return make_amr(AmrKind::nb, channels, fmtp, options);
  if (iequals(name, "AMR-WB")) return make_amr(AmrKind::wb, channels, fmtp, options);
  if (iequals(name, "PCMU")) return {std::make_unique<G711Codec>(G711Law::ulaw), {}};
  if (iequals(name, "G722")) {
    std::string error;
    auto codec = G722Codec::create(&error);
    if (!codec) return {nullptr, error};
    return {std::move(codec), {}};
  }
  return {std::make_unique<G711Codec>(G711Law::alaw), {}};
}

}  // namespace imsbox::media
