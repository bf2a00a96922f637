#pragma once
// The media ports of one worker: pairs (even RTP port, odd RTCP port) of
// the range agw.rtp_port_min..agw.rtp_port_max, the range split between the
// workers so that none needs a lock. A phone leg uses both ports of a pair
// (RTCP on port + 1, RFC 3550 §11), a browser leg the even one (rtcp-mux).
// A released pair goes to the back of the queue: the ports of a call that
// just ended are the last to be handed out again (stray packets of the old
// call do not reach a new one).
//
// Pure bookkeeping, no sockets: the caller binds, and when a port turns out
// to be taken by another process it releases the pair and acquires the next.
// One pool per worker thread.
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <utility>
#include <vector>

namespace imsbox::agw {

class PortPool {
 public:
  // Every pair (p, p + 1) with p even and min <= p, p + 1 <= max.
  PortPool(std::uint16_t min, std::uint16_t max);

  // The even port of a free pair (the least recently released), nullopt when none is free.
  std::optional<std::uint16_t> acquire();
  // Gives a pair back (its even port, as acquire() returned it).
  void release(std::uint16_t port);

  std::size_t available() const { return free_.size(); }
  std::size_t capacity() const { return capacity_; }

  // [min, max] cut into `parts` ranges of whole pairs, as even as can be;
  // empty when there are fewer pairs than parts.
  static std::vector<std::pair<std::uint16_t, std::uint16_t>> split(std::uint16_t min, std::uint16_t max,
                                                                    std::size_t parts);

 private:
  std::deque<std::uint16_t> free_;
  std::size_t capacity_ = 0;
};

// A pair held by a leg; gives it back when destroyed.
class PortLease {
 public:
  PortLease() = default;
  PortLease(PortPool& pool, std::uint16_t port) : pool_(&pool), port_(port) {}
  PortLease(PortLease&& o) noexcept : pool_(std::exchange(o.pool_, nullptr)), port_(o.port_) {}
  PortLease& operator=(PortLease&& o) noexcept {
    if (this != &o) {
      reset();
      pool_ = std::exchange(o.pool_, nullptr);
      port_ = o.port_;
    }
    return *this;
  }
  ~PortLease() { reset(); }
  void reset() {
    if (pool_) pool_->release(port_);
    pool_ = nullptr;
  }
  std::uint16_t port() const { return port_; }
  explicit operator bool() const { return pool_ != nullptr; }

 private:
  PortPool* pool_ = nullptr;
  std::uint16_t port_ = 0;
};

}  // namespace imsbox::agw
