#pragma once
// The AGW's descriptor table, grown once at start to hold every media socket
// its port range allows, so that no ng offer grows it.
//
// Why (measured, issue 16): the kernel doubles a process's descriptor table
// when a new descriptor does not fit, and in a multi-threaded process it
// then waits for an RCU grace period (fs/file.c, expand_fdtable:
// synchronize_rcu). The offer that opened the 257th descriptor (the 58th
// phone call of `imsbox bench media`) took 5-20 ms every run, all of it in
// the socket() of its leg, against 0.1 ms for the others; the table only
// grows, so paying for it once at start takes it off the offer path.
#include <cstddef>
#include <cstdint>

namespace imsbox::agw {

// Descriptors the media legs of agw.rtp_port_min..agw.rtp_port_max can hold
// at once: a port pair is one leg, a browser leg holds five (browser_leg.h),
// a phone leg two; plus room for the node's own (logs, ng, health, store).
std::size_t media_descriptors(std::uint16_t port_min, std::uint16_t port_max);

// Grows the descriptor table to at least `count` entries (at most the soft
// RLIMIT_NOFILE) by opening one descriptor at the top and closing it again.
// Returns the table's size afterwards (descriptor_table_size()).
std::size_t reserve_descriptor_table(std::size_t count);

// The size of the process's descriptor table (FDSize in /proc/self/status), 0 if unknown.
std::size_t descriptor_table_size();

}  // namespace imsbox::agw
