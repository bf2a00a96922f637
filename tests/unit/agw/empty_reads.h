#pragma once
// Counts the reads that find a UDP socket empty (recvfrom failing with
// EAGAIN) on sockets bound to a port range: this test executable's own
// definition of recvfrom forwards to libc's and counts (Asio, inlined here,
// calls it). Shows what waiting for the next datagram costs a leg.
#include <cstdint>

namespace imsbox::agw::test {

// Counts from now on, on sockets bound to [low, high] only.
void count_empty_reads_on(std::uint16_t low, std::uint16_t high);
std::uint64_t empty_reads();
// For the recvfrom wrapper.
void note_empty_read(int fd);

}  // namespace imsbox::agw::test
