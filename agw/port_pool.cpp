#include "agw/port_pool.h"

namespace imsbox::agw {

PortPool::PortPool(std::uint16_t min, std::uint16_t max) {
  for (unsigned p = min + (min % 2); p + 1 <= max; p += 2) free_.push_back(static_cast<std::uint16_t>(p));
  capacity_ = free_.size();
}

std::optional<std::uint16_t> PortPool::acquire() {
  if (free_.empty()) return std::nullopt;
  const std::uint16_t p = free_.front();
  free_.pop_front();
  return p;
}

void PortPool::release(std::uint16_t port) { free_.push_back(port); }

std::vector<std::pair<std::uint16_t, std::uint16_t>> PortPool::split(std::uint16_t min, std::uint16_t max,
                                                                     std::size_t parts) {
  std::vector<std::pair<std::uint16_t, std::uint16_t>> out;
  const unsigned first = min + (min % 2);
  if (parts == 0 || max < first + 1) return out;
  const std::size_t pairs = (max - first + 1) / 2;
  if (pairs < parts) return out;
  unsigned p = first;
  for (std::size_t i = 0; i < parts; ++i) {
    const std::size_t n = pairs / parts + (i < pairs % parts ? 1 : 0);
    out.emplace_back(static_cast<std::uint16_t>(p), static_cast<std::uint16_t>(p + 2 * n - 1));
    p += static_cast<unsigned>(2 * n);
  }
  return out;
}

}  // namespace imsbox::agw
