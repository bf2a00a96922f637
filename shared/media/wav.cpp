#include "media/wav.h"

#include <cstring>
#include <fstream>
#include <iterator>

namespace imsbox::media {

namespace {

std::uint32_t le32(const std::uint8_t* p) {
  return static_cast<std::uint32_t>(p[0]) | static_cast<std::uint32_t>(p[1]) << 8 |
         static_cast<std::uint32_t>(p[2]) << 16 | static_cast<std::uint32_t>(p[3]) << 24;
}
std::uint16_t le16(const std::uint8_t* p) { return static_cast<std::uint16_t>(p[0] | p[1] << 8); }

// Writes little-endian values at a cursor into a buffer sized beforehand.
struct Writer {
  std::uint8_t* p;
  void u32(std::uint32_t x) {
    for (int i = 0; i < 4; ++i) *p++ = static_cast<std::uint8_t>(x >> (8 * i));
  }
  void u16(std::uint16_t x) {
    *p++ = static_cast<std::uint8_t>(x);
    *p++ = static_cast<std::uint8_t>(x >> 8);
  }
  void tag(const char* t) {
    std::memcpy(p, t, 4);
    p += 4;
  }
};

std::optional<WavAudio> fail(std::string* error, const char* why) {
  if (error) *error = why;
  return std::nullopt;
}

constexpr std::uint16_t kFormatPcm = 1;
constexpr std::uint16_t kFormatExtensible = 0xfffe;

}  // namespace

std::optional<WavAudio> parse_wav(std::span<const std::uint8_t> b, std::string* error) {
  if (b.size() < 12 || std::memcmp(b.data(), "RIFF", 4) != 0 || std::memcmp(b.data() + 8, "WAVE", 4) != 0) {
    return fail(error, "not a RIFF WAVE file");
  }
  std::size_t pos = 12;
  bool have_fmt = false;
  std::uint16_t channels = 0, bits = 0;
  std::uint32_t rate = 0;
  while (pos + 8 <= b.size()) {
    const std::uint8_t* chunk = b.data() + pos;
    const std::uint32_t size = le32(chunk + 4);
    const std::size_t body = pos + 8;
    if (std::memcmp(chunk, "fmt ", 4) == 0) {
      if (size < 16 || body + 16 > b.size()) return fail(error, "short fmt chunk");
      std::uint16_t format = le16(b.data() + body);
      channels = le16(b.data() + body + 2);
      rate = le32(b.data() + body + 4);
      bits = le16(b.data() + body + 14);
      if (format == kFormatExtensible && size >= 40 && body + 40 <= b.size()) {
        format = le16(b.data() + body + 24);  // the subformat GUID starts with the format code
      }
      if (format != kFormatPcm) return fail(error, "not PCM (only 16-bit integer PCM is read)");
      if (bits != 16) return fail(error, "not 16-bit PCM");
      if (channels == 0 || rate == 0) return fail(error, "no channels or no sample rate");
      have_fmt = true;
    } else if (std::memcmp(chunk, "data", 4) == 0) {
      if (!have_fmt) return fail(error, "data chunk before the fmt chunk");
      std::size_t len = b.size() - body;
      if (size != 0 && size != 0xffffffffu && size < len) len = size;
      const std::size_t frame = 2u * channels;
      const std::size_t frames = len / frame;
      WavAudio audio;
      audio.sample_rate = static_cast<int>(rate);
      audio.channels_in_file = channels;
      audio.samples.resize(frames);
      for (std::size_t i = 0; i < frames; ++i) {
        long sum = 0;
        for (std::size_t c = 0; c < channels; ++c) {
          sum += static_cast<std::int16_t>(le16(b.data() + body + i * frame + 2 * c));
        }
        audio.samples[i] = static_cast<std::int16_t>(sum / static_cast<long>(channels));
      }
      return audio;
    }
    pos = body + size + (size & 1u);  // chunks are padded to even sizes
    if (size == 0xffffffffu) break;
  }
  return fail(error, have_fmt ? "no data chunk" : "no fmt chunk");
}

std::vector<std::uint8_t> serialize_wav(std::span<const std::int16_t> samples, int sample_rate) {
  const auto data_size = static_cast<std::uint32_t>(samples.size() * 2);
  std::vector<std::uint8_t> v(44 + static_cast<std::size_t>(data_size));
  Writer w{v.data()};
  w.tag("RIFF");
  w.u32(36 + data_size);
  w.tag("WAVE");
  w.tag("fmt ");
  w.u32(16);
  w.u16(kFormatPcm);
  w.u16(1);
  w.u32(static_cast<std::uint32_t>(sample_rate));
  w.u32(static_cast<std::uint32_t>(sample_rate) * 2);
  w.u16(2);
  w.u16(16);
  w.tag("data");
  w.u32(data_size);
  for (const std::int16_t s : samples) w.u16(static_cast<std::uint16_t>(s));
  return v;
}

std::optional<WavAudio> read_wav_file(const std::string& path, std::string* error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return fail(error, "cannot open the file");
  const std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return parse_wav(bytes, error);
}

bool write_wav_file(const std::string& path, std::span<const std::int16_t> samples, int sample_rate,
                    std::string* error) {
  const auto bytes = serialize_wav(samples, sample_rate);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (!out) {
    if (error) *error = "cannot write " + path;
    return false;
  }
  return true;
}

}  // namespace imsbox::media
