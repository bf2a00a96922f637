// libFuzzer target for RFC 4867 AMR/AMR-WB payloads: unpacks arbitrary bytes
// as AMR and AMR-WB in both packings and decodes what unpacks (opencore's
// decoders behind AmrCodec). Besides "never crash, never hang, never leak"
// it checks two properties:
//   * what unpacks packs again and unpacks to the same CMR and frames;
//   * count_amr_frames agrees with unpack_amr_payload.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

#include "media/amr_codec.h"
#include "media/amr_payload.h"

namespace {

using namespace imsbox::media;

bool same(const AmrPacket& a, const AmrPacket& b) {
  if (a.cmr != b.cmr || a.frame_count != b.frame_count) return false;
  for (std::size_t i = 0; i < a.frame_count; ++i) {
    const auto x = a.frames[i].storage(), y = b.frames[i].storage();
    if (x.size() != y.size() || !std::equal(x.begin(), x.end(), y.begin())) return false;
  }
  return true;
}

void one(AmrKind kind, AmrPacking packing, std::span<const std::uint8_t> data) {
  AmrPacket packet;
  const auto error = unpack_amr_payload(kind, packing, data, packet);
  const std::size_t counted = count_amr_frames(kind, packing, data);
  if ((error == AmrPayloadError::none) != (counted > 0)) std::abort();
  if (error != AmrPayloadError::none) return;
  if (counted != packet.frame_count) std::abort();

  // round trip
  std::vector<std::span<const std::uint8_t>> frames;
  for (const auto& f : packet.frame_span()) frames.push_back(f.storage());
  std::vector<std::uint8_t> packed(2048);
  const auto r = pack_amr_payload(kind, packing, packet.cmr, frames, packed);
  if (r.error != AmrPayloadError::none) std::abort();
  AmrPacket again;
  if (unpack_amr_payload(kind, packing, std::span(packed.data(), r.size), again) != AmrPayloadError::none) std::abort();
  if (!same(packet, again)) std::abort();

  // decode it, as a leg's codec would
  auto codec = AmrCodec::create({.kind = kind, .packing = packing, .modes = {}, .dtx = false});
  if (!codec) std::abort();
  std::vector<std::int16_t> pcm(amr_frame_samples(kind) * kAmrMaxFramesPerPacket);
  const auto d = codec->decode(data, pcm);
  if (d.error != CodecError::none || d.samples != packet.frame_count * amr_frame_samples(kind)) std::abort();
  (void)codec->conceal(pcm, {});
  std::vector<std::uint8_t> out(kMaxPayload);
  (void)codec->encode(std::span(pcm.data(), amr_frame_samples(kind)), out);  // after the CMR it carried
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> bytes(data, size);
  for (const AmrKind kind : {AmrKind::nb, AmrKind::wb}) {
    for (const AmrPacking packing : {AmrPacking::bandwidth_efficient, AmrPacking::octet_aligned}) {
      one(kind, packing, bytes);
    }
  }
  return 0;
}
