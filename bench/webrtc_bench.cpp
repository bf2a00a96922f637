// The browser leg's per-packet costs (agw/webrtc), per core:
//  * SRTP protect and unprotect of a 20 ms Opus packet, both profiles;
//  * receiving one datagram through libnice and the GMainContext driver,
//    with N connected ICE-lite legs on ONE context (one per worker) or on N
//    contexts (one per leg): GLib's prepare/query/check visit every source
//    of a context, so the first grows with N and the second does not.
#include <agent.h>
#include <benchmark/benchmark.h>
#include <sys/resource.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <memory>
#include <vector>

#include "agw/webrtc/ice_lite_agent.h"
#include "agw/webrtc/main_context_driver.h"
#include "agw/webrtc/srtp_session.h"
#include "runtime/clock.h"
#include "runtime/log.h"
#include "unit/agw/webrtc/full_ice_peer.h"
#include "unit/agw/webrtc/srtp_peer.h"

namespace {

using namespace imsbox;
using namespace imsbox::agw::webrtc;

void BM_SrtpProtect(benchmark::State& state) {
  const auto profile = static_cast<SrtpProfile>(state.range(0));
  const std::vector<std::uint8_t> key(master_key_length(profile) + master_salt_length(profile), 7);
  SrtpSession session(profile, key, key);
  std::vector<std::uint8_t> packet = test::rtp_packet(0, 0x1234, 80);  // a 20 ms Opus frame at ~32 kbit/s
  std::vector<std::uint8_t> buffer(packet.size() + kSrtpMaxOverhead);
  std::uint16_t seq = 0;
  for (auto _ : state) {
    std::copy(packet.begin(), packet.end(), buffer.begin());
    buffer[2] = static_cast<std::uint8_t>(++seq >> 8);
    buffer[3] = static_cast<std::uint8_t>(seq);
    std::size_t length = packet.size();
    if (session.protect_rtp(buffer, length) != SrtpStatus::ok) state.SkipWithError("protect failed");
    benchmark::DoNotOptimize(buffer.data());
  }
  state.SetLabel(std::string(to_string(profile)));
  state.counters["packets"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_SrtpProtect)->Arg(static_cast<int>(SrtpProfile::aead_aes_128_gcm))
    ->Arg(static_cast<int>(SrtpProfile::aes_cm_128_hmac_sha1_80));

void BM_SrtpUnprotect(benchmark::State& state) {
  const auto profile = static_cast<SrtpProfile>(state.range(0));
  const std::vector<std::uint8_t> key(master_key_length(profile) + master_salt_length(profile), 7);
  SrtpSession session(profile, key, key);
  test::SrtpPeer sender(profile, key, false);
  // Packets made beforehand (a window of distinct sequence numbers, refilled
  // outside the timing): SrtpSession refuses replays.
  std::vector<std::vector<std::uint8_t>> packets;
  std::uint16_t seq = 0;
  auto refill = [&] {
    packets.clear();
    for (int i = 0; i < 4096; ++i) packets.push_back(sender.protect(test::rtp_packet(++seq, 0x1234, 80)));
  };
  refill();
  std::size_t next = 0;
  for (auto _ : state) {
    if (next == packets.size()) {
      state.PauseTiming();
      refill();
      next = 0;
      state.ResumeTiming();
    }
    auto& p = packets[next++];
    std::size_t length = p.size();
    if (session.unprotect_rtp(p, length) != SrtpStatus::ok) state.SkipWithError("unprotect failed");
  }
  state.SetLabel(std::string(to_string(profile)));
  state.counters["packets"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_SrtpUnprotect)->Arg(static_cast<int>(SrtpProfile::aead_aes_128_gcm))
    ->Arg(static_cast<int>(SrtpProfile::aes_cm_128_hmac_sha1_80));

class CountingEvents : public IceLiteAgent::Events {
 public:
  void on_ice_connected() override { ++connected; }
  void on_ice_datagram(std::span<std::uint8_t>) override { ++received; }
  void on_ice_failed(IceFailure, std::string_view) override { ++failed; }
  int connected = 0, failed = 0;
  std::uint64_t received = 0;
};

// range(0): legs; range(1): 1 = one context for all legs, 0 = one per leg.
void BM_ReceiveThroughDriver(benchmark::State& state) {
  const int legs = static_cast<int>(state.range(0));
  const bool shared = state.range(1) == 1;
  rlimit fds{};
  getrlimit(RLIMIT_NOFILE, &fds);
  fds.rlim_cur = fds.rlim_max;
  setrlimit(RLIMIT_NOFILE, &fds);

  boost::asio::io_context io;
  runtime::SystemClock clock;
  runtime::Logger log("bench", runtime::LogLevel::error, "/dev/null", clock);
  MainContextDriver peers_driver(io);
  std::vector<std::unique_ptr<MainContextDriver>> drivers;
  std::vector<std::unique_ptr<CountingEvents>> events;
  std::vector<std::unique_ptr<IceLiteAgent>> agents;
  std::vector<std::unique_ptr<test::FullIcePeer>> peers;
  for (int i = 0; i < legs; ++i) {
    if (!shared || drivers.empty()) drivers.push_back(std::make_unique<MainContextDriver>(io));
    events.push_back(std::make_unique<CountingEvents>());
    agents.push_back(std::make_unique<IceLiteAgent>(*drivers.back(), IceLiteConfig{"127.0.0.1", 0, ""},
                                                    *events.back(), log));
    peers.push_back(std::make_unique<test::FullIcePeer>(peers_driver));
    agents[i]->set_remote_credentials(peers[i]->ufrag(), peers[i]->pwd());
    peers[i]->connect_to(agents[i]->local_credentials().ufrag, agents[i]->local_credentials().pwd,
                         agents[i]->local_candidate());
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  auto all_connected = [&] {
    for (int i = 0; i < legs; ++i)
      if (events[i]->connected == 0 || !peers[i]->ready()) return false;
    return true;
  };
  while (!all_connected() && std::chrono::steady_clock::now() < deadline) io.run_one_for(std::chrono::milliseconds(5));
  if (!all_connected()) {
    state.SkipWithError("legs did not connect");
    return;
  }
  const std::vector<std::uint8_t> packet = test::rtp_packet(1, 1, 100);
  int leg = 0;
  for (auto _ : state) {
    const std::uint64_t before = events[leg]->received;
    peers[leg]->send(packet);
    while (events[leg]->received == before) io.run_one();
    peers[leg]->take_received();  // the peers' consent answers etc.
    leg = (leg + 1) % legs;
  }
  state.SetLabel(shared ? "one context" : "context per leg");
  state.counters["packets"] = benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  agents.clear();
  peers.clear();
}
BENCHMARK(BM_ReceiveThroughDriver)
    ->Args({1, 1})
    ->Args({100, 1})
    ->Args({100, 0})
    ->Args({400, 1})
    ->Args({400, 0})
    ->UseRealTime();

}  // namespace
