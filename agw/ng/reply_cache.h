#pragma once
// The reply cache: an ng client that hears no reply sends the same message
// again with the same cookie (OpenSIPS up to 5 times, Kamailio's
// rtpengine_retr times), and the command must not run twice (a second
// `offer` would allocate new ports, a second `delete` would fail). So the
// first copy of a cookie runs; every later copy gets the reply the first one
// produced, byte for byte, or nothing while the first is still running (its
// reply goes out when it is done).
//
// The key is the cookie alone, as in rtpengine: a retry may come from another
// socket of the client, and clients make their cookies unique (Kamailio and
// OpenSIPS put their process id and a counter in them). Two clients that pick
// one cookie within the TTL would share a reply.
//
// Bounded in time and size: an entry lives `ttl` after it was started (a
// client's retries span a few seconds; rtpengine keeps its cookies 30 s), and
// when more than `max_entries` entries or `max_bytes` of replies are held, the
// oldest go first. An entry that is evicted while its command runs is simply
// cached again when the reply comes.
//
// Pure: time comes in as arguments (the caller's injected clock). Not
// thread-safe: the server uses it from its event loop only.
#include <chrono>
#include <cstddef>
#include <deque>
#include <string>
#include <string_view>
#include <unordered_map>

namespace imsbox::agw::ng {

class ReplyCache {
 public:
  using Time = std::chrono::steady_clock::time_point;

  struct Limits {
    std::chrono::milliseconds ttl{30'000};
    std::size_t max_entries = 10'000;
    std::size_t max_bytes = 32u << 20;  // reply bytes held
  };

  ReplyCache() : ReplyCache(Limits{}) {}
  explicit ReplyCache(Limits limits) : limits_(limits) {}

  enum class Lookup {
    fresh,      // not seen: run the command (the key is now marked running)
    running,    // a copy is being handled: send nothing
    answered,   // `reply` holds the reply to send again
  };
  struct Found {
    Lookup state;
    const std::string* reply = nullptr;  // valid until the next call on the cache
  };

  // Looks the key up; a fresh one is marked running.
  Found begin(std::string_view key, Time now);
  // The command of `key` has its reply.
  void complete(std::string_view key, std::string reply, Time now);

  std::size_t size() const { return entries_.size(); }
  std::size_t bytes() const { return bytes_; }

 private:
  struct Entry {
    Time started;
    bool done = false;
    std::string reply;
    std::uint64_t generation;  // which order_ record is this entry's
  };
  struct Order {
    std::string key;
    std::uint64_t generation;
  };
  void expire(Time now);
  void evict_oldest();
  void insert(std::string_view key, Time now, bool done, std::string reply);

  Limits limits_;
  std::unordered_map<std::string, Entry> entries_;
  std::deque<Order> order_;  // insertion order; stale records skipped by generation
  std::uint64_t next_generation_ = 0;
  std::size_t bytes_ = 0;
};

}  // namespace imsbox::agw::ng
