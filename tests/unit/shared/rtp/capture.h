#pragma once
// Test helpers: UDP payloads out of pcap files (classic libpcap format,
// Ethernet or Linux cooked captures, IPv4/IPv6), a pcap writer for packets
// we build (so that tshark can judge them), and tshark itself.
#include <cstdint>
#include <map>
#include <ostream>
#include <string>
#include <vector>

#include "rtp/bytes.h"
#include "rtp/demux.h"

namespace imsbox::rtp {
// gtest prints classes by name
inline void PrintTo(PacketClass c, std::ostream* os) { *os << to_string(c); }
}  // namespace imsbox::rtp

namespace imsbox::rtp::test {

struct Frame {
  std::size_t number = 0;  // 1-based, as tshark's frame.number
  std::int64_t time_ns = 0;
  std::uint16_t src_port = 0;
  std::uint16_t dst_port = 0;
  std::vector<std::uint8_t> payload;  // the UDP payload
  Bytes bytes() const { return payload; }
};

// The UDP frames of a capture (other frames are skipped but keep their numbers). Throws on a bad file.
std::vector<Frame> read_pcap(const std::string& path);

// Writes UDP payloads as IPv4/UDP frames 127.0.0.1:src -> 127.0.0.1:dst, 20 ms apart unless time_ns is set.
void write_pcap(const std::string& path, const std::vector<Frame>& frames);

// Runs tshark (quietly, as root or not) with `args` and returns its output
// lines split at tabs. Throws when tshark fails.
std::vector<std::vector<std::string>> tshark(const std::string& args);

// tshark -T fields output keyed by frame.number (the first field asked for must be frame.number).
std::map<std::size_t, std::vector<std::string>> tshark_fields(const std::string& file, const std::string& options,
                                                              const std::vector<std::string>& fields);

std::string hex(Bytes bytes);
std::string join(const std::vector<std::string>& items, char separator = ',');

// A file in the temporary directory that no other test process uses (several
// checkouts may run these tests at once on one machine), removed at the end.
struct TempFile {
  explicit TempFile(const std::string& name);
  ~TempFile();
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  std::string path;
};

// Where the test data lives.
std::string data_file(const std::string& name);  // tests/unit/shared/rtp/data
std::string sipp_pcap(const std::string& name);  // Debian's sip-tester pcaps

}  // namespace imsbox::rtp::test
