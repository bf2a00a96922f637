// SRTP per packet on one core: protect + unprotect of one 20 ms Opus packet
// (80 bytes of payload), our SRTP (agw/webrtc/srtp_session.h, OpenSSL 3 EVP)
// against libsrtp2 as Debian builds it (on NSS), both profiles, with the same
// policy the AGW used with libsrtp (any SSRC, a 1024-wide replay window).
// BM_SrtpOursVsLibsrtp times both alternately in one run and prints the
// ratio libsrtp / ours (above 1: ours is faster).
#include <benchmark/benchmark.h>
#include <srtp2/srtp.h>

#include <chrono>
#include <string>
#include <vector>

#include "agw/webrtc/srtp_session.h"
#include "unit/agw/webrtc/srtp_peer.h"

namespace {

using namespace imsbox::agw::webrtc;

std::vector<std::uint8_t> key_salt(SrtpProfile p, std::uint8_t seed) {
  std::vector<std::uint8_t> k(master_key_length(p) + master_salt_length(p));
  for (std::size_t i = 0; i < k.size(); ++i) k[i] = static_cast<std::uint8_t>(seed + i * 29);
  return k;
}

// One round trip: the sender protects the packet in place, the receiver unprotects it.
class Ours {
 public:
  explicit Ours(SrtpProfile p) : a_(p, key_salt(p, 1), key_salt(p, 2)), b_(p, key_salt(p, 2), key_salt(p, 1)) {}
  bool round_trip(std::vector<std::uint8_t>& buffer, std::size_t length) {
    return a_.protect_rtp(buffer, length) == SrtpStatus::ok && b_.unprotect_rtp(buffer, length) == SrtpStatus::ok;
  }

 private:
  SrtpSession a_, b_;
};

class Libsrtp {
 public:
  explicit Libsrtp(SrtpProfile p) : send_(p, key_salt(p, 1), false, 1024), receive_(p, key_salt(p, 1), true, 1024) {}
  bool round_trip(std::vector<std::uint8_t>& buffer, std::size_t length) {
    int len = static_cast<int>(length);
    return srtp_protect(send_.native(), buffer.data(), &len) == srtp_err_status_ok &&
           srtp_unprotect(receive_.native(), buffer.data(), &len) == srtp_err_status_ok;
  }

 private:
  imsbox::agw::webrtc::test::SrtpPeer send_;
  imsbox::agw::webrtc::test::SrtpPeer receive_;
};

// A packet with the next sequence number, in `buffer` (room for the tag).
class Packets {
 public:
  Packets() : plain_(imsbox::agw::webrtc::test::rtp_packet(0, 0x1234, 80)), buffer_(plain_.size() + kSrtpMaxOverhead) {}
  std::vector<std::uint8_t>& next() {
    std::copy(plain_.begin(), plain_.end(), buffer_.begin());
    ++seq_;
    buffer_[2] = static_cast<std::uint8_t>(seq_ >> 8);
    buffer_[3] = static_cast<std::uint8_t>(seq_);
    return buffer_;
  }
  std::size_t length() const { return plain_.size(); }

 private:
  std::vector<std::uint8_t> plain_;
  std::vector<std::uint8_t> buffer_;
  std::uint16_t seq_ = 0;
};

template <class Impl>
void BM_SrtpRoundTrip(benchmark::State& state) {
  const auto profile = static_cast<SrtpProfile>(state.range(0));
  Impl impl(profile);
  Packets packets;
  for (auto _ : state) {
    if (!impl.round_trip(packets.next(), packets.length())) state.SkipWithError("round trip failed");
    benchmark::ClobberMemory();
  }
  state.counters["packets"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_SrtpRoundTrip<Ours>)->Name("BM_SrtpRoundTrip_Ours")
    ->Arg(static_cast<int>(SrtpProfile::aead_aes_128_gcm))->Arg(static_cast<int>(SrtpProfile::aes_cm_128_hmac_sha1_80));
BENCHMARK(BM_SrtpRoundTrip<Libsrtp>)->Name("BM_SrtpRoundTrip_Libsrtp")
    ->Arg(static_cast<int>(SrtpProfile::aead_aes_128_gcm))->Arg(static_cast<int>(SrtpProfile::aes_cm_128_hmac_sha1_80));

// Each iteration: 256 round trips through each, alternately, timed apart.
void BM_SrtpOursVsLibsrtp(benchmark::State& state) {
  const auto profile = static_cast<SrtpProfile>(state.range(0));
  Ours ours(profile);
  Libsrtp libsrtp(profile);
  Packets ours_packets, libsrtp_packets;
  std::chrono::nanoseconds ours_time{0}, libsrtp_time{0};
  std::int64_t packets = 0;
  constexpr int kBatch = 256;
  for (auto _ : state) {
    auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < kBatch; ++i)
      if (!ours.round_trip(ours_packets.next(), ours_packets.length())) state.SkipWithError("ours failed");
    auto t1 = std::chrono::steady_clock::now();
    for (int i = 0; i < kBatch; ++i)
      if (!libsrtp.round_trip(libsrtp_packets.next(), libsrtp_packets.length())) state.SkipWithError("libsrtp failed");
    auto t2 = std::chrono::steady_clock::now();
    ours_time += t1 - t0;
    libsrtp_time += t2 - t1;
    packets += kBatch;
  }
  const double ours_ns = static_cast<double>(ours_time.count()) / static_cast<double>(packets);
  const double libsrtp_ns = static_cast<double>(libsrtp_time.count()) / static_cast<double>(packets);
  state.counters["ours_ns_per_round_trip"] = ours_ns;
  state.counters["libsrtp_ns_per_round_trip"] = libsrtp_ns;
  state.counters["libsrtp_over_ours_ratio"] = libsrtp_ns / ours_ns;
}
BENCHMARK(BM_SrtpOursVsLibsrtp)
    ->Arg(static_cast<int>(SrtpProfile::aead_aes_128_gcm))->Arg(static_cast<int>(SrtpProfile::aes_cm_128_hmac_sha1_80));

}  // namespace
