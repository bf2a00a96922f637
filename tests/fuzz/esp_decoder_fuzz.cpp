// libFuzzer target for the ESP decoder of the P-CSCF's userspace IPsec
// (pcscf/ipsec/esp.h): what arrives as IP protocol 50 from a UE.
//
// The first byte picks the algorithm pair (bits 0-1) and what is done with
// the rest (bits 2-3):
//   0  the rest is an ESP packet as received, opened as it is;
//   1  the rest is an ESP packet without its ICV: the SPI is set to the SA's
//      and a valid ICV appended (OpenSSL's HMAC(), not our code), so that
//      decryption, trailer and padding checks are reached with any content;
//   2  the rest is a payload (second byte: next header) sealed by us, then
//      opened: the same bytes must come back;
//   3  the rest is a list of 16-bit steps of a sequence number: the
//      anti-replay window must agree with a model that remembers everything.
// Properties checked: an accepted payload lies inside the packet, its
// sequence number is the header's, a packet accepted once is refused as
// replayed the second time, the SPI matches. Seeds (tests/fuzz/corpus/
// esp_decoder): packets encrypted by scapy with the keys below.
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <set>
#include <variant>
#include <vector>

#include "pcscf/ipsec/anti_replay.h"
#include "pcscf/ipsec/esp.h"

namespace {

using namespace imsbox::pcscf::ipsec;

void check(bool ok) {
  if (!ok) std::abort();
}

constexpr std::uint32_t spi = 0x0bad'cafe;
constexpr std::array<std::uint8_t, 16> ck = {0x5e, 0x53, 0x39, 0x7f, 0x4e, 0x08, 0x1c, 0x26,
                                             0x88, 0xd6, 0x04, 0x4d, 0x63, 0x8f, 0xd3, 0x11};
constexpr std::array<std::uint8_t, 16> ik = {0x9c, 0xc9, 0x2a, 0x6d, 0xfa, 0xcc, 0x27, 0xf0,
                                             0x79, 0x07, 0x4e, 0x0a, 0x26, 0x30, 0x6d, 0x2e};
constexpr IntegrityAlgorithm integrity[] = {IntegrityAlgorithm::hmac_sha1_96, IntegrityAlgorithm::hmac_sha1_96,
                                            IntegrityAlgorithm::hmac_md5_96, IntegrityAlgorithm::hmac_md5_96};
constexpr EncryptionAlgorithm encryption[] = {EncryptionAlgorithm::aes_cbc, EncryptionAlgorithm::null,
                                              EncryptionAlgorithm::aes_cbc, EncryptionAlgorithm::null};

void open_and_check(EspInbound& in, std::vector<std::uint8_t> packet) {
  const std::vector<std::uint8_t> copy = packet;
  const auto r = in.open(packet);
  const auto* o = std::get_if<EspInbound::Opened>(&r);
  if (!o) {
    const EspDrop d = std::get<EspDrop>(r);
    // refused before decryption: the buffer is untouched
    if (d != EspDrop::bad_length && d != EspDrop::bad_padding) check(packet == copy);
    return;
  }
  check(esp_spi(copy) == spi);
  check(o->payload.data() >= packet.data() && o->payload.data() + o->payload.size() <= packet.data() + packet.size());
  check(o->sequence == (std::uint32_t{copy[4]} << 24 | std::uint32_t{copy[5]} << 16 | std::uint32_t{copy[6]} << 8 | copy[7]));
  check(o->payload.size() + 8 + 2 + 12 <= copy.size());  // header, trailer, ICV at least
  std::vector<std::uint8_t> again = copy;
  const auto r2 = in.open(again);
  check(std::holds_alternative<EspDrop>(r2) && std::get<EspDrop>(r2) == EspDrop::replayed);
}

void signed_packet(EspInbound& in, const EspKeys& keys, const std::uint8_t* data, std::size_t size) {
  std::vector<std::uint8_t> p(data, data + size);
  if (p.size() < 8) p.resize(8);
  p[0] = spi >> 24, p[1] = spi >> 16 & 0xff, p[2] = spi >> 8 & 0xff, p[3] = spi & 0xff;
  std::uint8_t mac[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(keys.integrity == IntegrityAlgorithm::hmac_sha1_96 ? EVP_sha1() : EVP_md5(), keys.integrity_key.data(),
       static_cast<int>(keys.integrity_key.size()), p.data(), p.size(), mac, &length);
  p.insert(p.end(), mac, mac + 12);
  open_and_check(in, std::move(p));
}

void round_trip(EspInbound& in, const EspKeys& keys, const std::uint8_t* data, std::size_t size) {
  if (size == 0) return;
  const std::uint8_t next_header = data[0];
  const std::vector<std::uint8_t> payload(data + 1, data + size);
  EspOutbound out(spi, keys);
  std::vector<std::uint8_t> packet;
  check(out.seal(next_header, payload, packet));
  check(packet.size() == payload.size() + esp_overhead(keys, payload.size()));
  const auto r = in.open(packet);
  const auto* o = std::get_if<EspInbound::Opened>(&r);
  check(o && o->next_header == next_header && o->sequence == 1 &&
        std::vector<std::uint8_t>(o->payload.begin(), o->payload.end()) == payload);
}

void window_model(const std::uint8_t* data, std::size_t size) {
  AntiReplayWindow w;
  std::set<std::uint32_t> seen;
  std::uint32_t top = 0;
  std::int64_t seq = 0;
  for (std::size_t i = 0; i + 2 <= size; i += 2) {
    const std::int16_t step = static_cast<std::int16_t>(data[i] << 8 | data[i + 1]);
    seq = (seq + step) & 0xffff'ffff;
    const auto s = static_cast<std::uint32_t>(seq);
    AntiReplayWindow::Verdict expect = AntiReplayWindow::Verdict::fresh;
    if (s == 0 || (s <= top && top - s >= AntiReplayWindow::size))
      expect = AntiReplayWindow::Verdict::too_old;
    else if (seen.count(s))
      expect = AntiReplayWindow::Verdict::duplicate;
    check(w.check(s) == expect);
    if (expect == AntiReplayWindow::Verdict::fresh && (step & 1) == 0) {  // odd steps: a bad ICV, not accepted
      w.accept(s);
      seen.insert(s);
      if (s > top) top = s;
      check(w.highest() == top);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const unsigned pair = data[0] & 3;
  const unsigned mode = data[0] >> 2 & 3;
  const EspKeys keys = ims_aka_keys(integrity[pair], encryption[pair], ck, ik);
  EspInbound in(spi, keys);
  ++data, --size;
  switch (mode) {
    case 0: open_and_check(in, std::vector<std::uint8_t>(data, data + size)); break;
    case 1: signed_packet(in, keys, data, size); break;
    case 2: round_trip(in, keys, data, size); break;
    default: window_model(data, size); break;
  }
  return 0;
}
