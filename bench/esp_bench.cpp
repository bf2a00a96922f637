// The ESP codec of the P-CSCF's userspace IPsec (pcscf/ipsec/esp.h) on one
// core: a 1 kB SIP message sealed and opened again (what one protected
// request costs the P-CSCF in both directions together), per algorithm pair
// of TS 33.203, and the two halves alone for the default pair.
#include <benchmark/benchmark.h>

#include <array>
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "pcscf/ipsec/esp.h"

namespace {

using namespace imsbox::pcscf::ipsec;

constexpr std::array<std::uint8_t, 16> ck = {0x5e, 0x53, 0x39, 0x7f, 0x4e, 0x08, 0x1c, 0x26,
                                             0x88, 0xd6, 0x04, 0x4d, 0x63, 0x8f, 0xd3, 0x11};
constexpr std::array<std::uint8_t, 16> ik = {0x9c, 0xc9, 0x2a, 0x6d, 0xfa, 0xcc, 0x27, 0xf0,
                                             0x79, 0x07, 0x4e, 0x0a, 0x26, 0x30, 0x6d, 0x2e};

// A UDP header and a REGISTER padded to 1024 bytes in all.
std::vector<std::uint8_t> sip_segment() {
  std::string sip =
      "REGISTER sip:ims.mnc001.mcc001.3gppnetwork.org SIP/2.0\r\n"
      "Via: SIP/2.0/UDP 192.0.2.10:5062;branch=z9hG4bK8f3d2a;rport\r\n"
      "Max-Forwards: 70\r\n"
      "From: <sip:001010000000001@ims.mnc001.mcc001.3gppnetwork.org>;tag=73d8a1\r\n"
      "To: <sip:001010000000001@ims.mnc001.mcc001.3gppnetwork.org>\r\n"
      "Call-ID: 3c26700a9f2e4e1c@192.0.2.10\r\n"
      "CSeq: 2 REGISTER\r\n"
      "Contact: <sip:001010000000001@192.0.2.10:5062>;+sip.instance=\"<urn:gsma:imei:35000000-000000-0>\"\r\n"
      "Authorization: Digest username=\"001010000000001@ims.mnc001.mcc001.3gppnetwork.org\", "
      "realm=\"ims.mnc001.mcc001.3gppnetwork.org\", nonce=\"3q2+7wAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==\", "
      "uri=\"sip:ims.mnc001.mcc001.3gppnetwork.org\", response=\"6629fae49393a05397450978507c4ef1\", "
      "algorithm=AKAv1-MD5, integrity-protected=\"yes\"\r\n"
      "Security-Verify: ipsec-3gpp;alg=hmac-sha-1-96;ealg=aes-cbc;spi-c=1000;spi-s=1001;port-c=5063;port-s=5064\r\n"
      "Require: sec-agree\r\nProxy-Require: sec-agree\r\nSupported: path,gruu\r\nExpires: 600000\r\n"
      "Content-Length: 0\r\n\r\n";
  sip.resize(1024 - 8, ' ');
  const std::string udp = {'\x13', '\xc6', '\x13', '\xc8', '\x04', '\x00', '\0', '\0'};  // 5062 -> 5064, 1024 bytes
  const std::string segment = udp + sip;
  return std::vector<std::uint8_t>(segment.begin(), segment.end());
}

void seal_open(benchmark::State& state, IntegrityAlgorithm i, EncryptionAlgorithm e) {
  const EspKeys keys = ims_aka_keys(i, e, ck, ik);
  EspOutbound out(0x1000, keys);
  EspInbound in(0x1000, keys);
  const auto segment = sip_segment();
  std::vector<std::uint8_t> packet;
  for (auto _ : state) {
    if (!out.seal(17, segment, packet)) state.SkipWithError("seal failed");
    const auto r = in.open(packet);
    if (!std::holds_alternative<EspInbound::Opened>(r)) state.SkipWithError("open failed");
    benchmark::DoNotOptimize(packet.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * segment.size()));
}
void BM_EspSealOpen1k_HmacSha1_AesCbc(benchmark::State& s) {
  seal_open(s, IntegrityAlgorithm::hmac_sha1_96, EncryptionAlgorithm::aes_cbc);
}
void BM_EspSealOpen1k_HmacSha1_Null(benchmark::State& s) {
  seal_open(s, IntegrityAlgorithm::hmac_sha1_96, EncryptionAlgorithm::null);
}
void BM_EspSealOpen1k_HmacMd5_AesCbc(benchmark::State& s) {
  seal_open(s, IntegrityAlgorithm::hmac_md5_96, EncryptionAlgorithm::aes_cbc);
}
void BM_EspSealOpen1k_HmacMd5_Null(benchmark::State& s) {
  seal_open(s, IntegrityAlgorithm::hmac_md5_96, EncryptionAlgorithm::null);
}
BENCHMARK(BM_EspSealOpen1k_HmacSha1_AesCbc);
BENCHMARK(BM_EspSealOpen1k_HmacSha1_Null);
BENCHMARK(BM_EspSealOpen1k_HmacMd5_AesCbc);
BENCHMARK(BM_EspSealOpen1k_HmacMd5_Null);

// The halves, hmac-sha-1-96 + aes-cbc: seal alone, and open of a packet
// whose ICV fails (what a flood of forged packets costs).
void BM_EspSeal1k_HmacSha1_AesCbc(benchmark::State& state) {
  const EspKeys keys = ims_aka_keys(IntegrityAlgorithm::hmac_sha1_96, EncryptionAlgorithm::aes_cbc, ck, ik);
  EspOutbound out(0x1000, keys);
  const auto segment = sip_segment();
  std::vector<std::uint8_t> packet;
  for (auto _ : state) {
    if (!out.seal(17, segment, packet)) state.SkipWithError("seal failed");
    benchmark::DoNotOptimize(packet.data());
  }
}
BENCHMARK(BM_EspSeal1k_HmacSha1_AesCbc);

void BM_EspOpenForged1k_HmacSha1_AesCbc(benchmark::State& state) {
  const EspKeys keys = ims_aka_keys(IntegrityAlgorithm::hmac_sha1_96, EncryptionAlgorithm::aes_cbc, ck, ik);
  EspOutbound out(0x1000, keys);
  EspInbound in(0x1000, keys);
  std::vector<std::uint8_t> packet;
  out.seal(17, sip_segment(), packet);
  packet.back() ^= 1;
  for (auto _ : state) {
    const auto r = in.open(packet);
    if (!std::holds_alternative<EspDrop>(r)) state.SkipWithError("forgery accepted");
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_EspOpenForged1k_HmacSha1_AesCbc);

}  // namespace
