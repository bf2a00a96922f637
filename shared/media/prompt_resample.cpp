#include "media/prompt_resample.h"

extern "C" {
#include <libavutil/channel_layout.h>
#include <libavutil/error.h>
#include <libavutil/opt.h>
#include <libswresample/swresample.h>
}

#include <memory>

namespace imsbox::media {

namespace {

struct SwrFree {
  void operator()(SwrContext* s) const { swr_free(&s); }
};

std::string av_error(int code) {
  char buf[AV_ERROR_MAX_STRING_SIZE] = {};
  av_strerror(code, buf, sizeof buf);
  return buf;
}

}  // namespace

std::vector<std::int16_t> convert_sample_rate(std::span<const std::int16_t> in, int in_rate, int out_rate,
                                              std::string* error) {
  if (in_rate <= 0 || out_rate <= 0) {
    if (error) *error = "bad sample rate";
    return {};
  }
  if (in_rate == out_rate) return {in.begin(), in.end()};
  AVChannelLayout mono = AV_CHANNEL_LAYOUT_MONO;
  SwrContext* raw = nullptr;
  int rc = swr_alloc_set_opts2(&raw, &mono, AV_SAMPLE_FMT_S16, out_rate, &mono, AV_SAMPLE_FMT_S16, in_rate, 0,
                               nullptr);
  std::unique_ptr<SwrContext, SwrFree> swr(raw);
  if (rc >= 0) rc = swr_init(swr.get());
  if (rc < 0) {
    if (error) *error = "libswresample: " + av_error(rc);
    return {};
  }
  const auto capacity =
      static_cast<std::size_t>(swr_get_out_samples(swr.get(), static_cast<int>(in.size()))) + 256;
  std::vector<std::int16_t> out(capacity);
  const auto* src = reinterpret_cast<const std::uint8_t*>(in.data());
  auto* dst = reinterpret_cast<std::uint8_t*>(out.data());
  int n = swr_convert(swr.get(), &dst, static_cast<int>(out.size()), &src, static_cast<int>(in.size()));
  if (n < 0) {
    if (error) *error = "libswresample: " + av_error(n);
    return {};
  }
  std::size_t total = static_cast<std::size_t>(n);
  // flush what the filter holds back
  for (;;) {
    if (out.size() - total < 256) out.resize(out.size() + 1024);
    dst = reinterpret_cast<std::uint8_t*>(out.data() + total);
    n = swr_convert(swr.get(), &dst, static_cast<int>(out.size() - total), nullptr, 0);
    if (n <= 0) break;
    total += static_cast<std::size_t>(n);
  }
  out.resize(total);
  return out;
}

}  // namespace imsbox::media
