#include "capture.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>
#include <stdexcept>

namespace imsbox::rtp::test {

namespace {

std::uint32_t read_u32(const std::uint8_t* p, bool swap) {
  std::uint32_t v;
  std::memcpy(&v, p, 4);
  return swap ? __builtin_bswap32(v) : v;
}

// The UDP payload of an IP packet, if it is one.
bool udp_of_ip(const std::uint8_t* p, std::size_t n, Frame& f) {
  if (n < 1) return false;
  std::size_t header = 0;
  std::uint8_t protocol = 0;
  if ((p[0] >> 4) == 4) {
    if (n < 20) return false;
    header = (p[0] & 0x0f) * 4u;
    protocol = p[9];
    n = std::min<std::size_t>(n, load16(p + 2));
  } else if ((p[0] >> 4) == 6) {
    if (n < 40) return false;
    header = 40;
    protocol = p[6];  // no extension headers on these captures
  } else {
    return false;
  }
  if (protocol != 17 || n < header + 8) return false;
  const std::uint8_t* u = p + header;
  f.src_port = load16(u);
  f.dst_port = load16(u + 2);
  const std::size_t length = load16(u + 4);
  if (length < 8 || header + length > n) return false;
  f.payload.assign(u + 8, u + length);
  return true;
}

}  // namespace

std::vector<Frame> read_pcap(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + path);
  const std::vector<std::uint8_t> file((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (file.size() < 24) throw std::runtime_error("not a pcap file: " + path);
  std::uint32_t magic;
  std::memcpy(&magic, file.data(), 4);
  bool swap = false;
  bool nanos = false;
  if (magic == 0xa1b2c3d4 || magic == 0xa1b23c4d) {
    nanos = magic == 0xa1b23c4d;
  } else if (magic == 0xd4c3b2a1 || magic == 0x4d3cb2a1) {
    swap = true;
    nanos = magic == 0x4d3cb2a1;
  } else {
    throw std::runtime_error("not a classic pcap file (pcapng?): " + path);
  }
  const std::uint32_t linktype = read_u32(file.data() + 20, swap);
  std::vector<Frame> frames;
  std::size_t at = 24;
  std::size_t number = 0;
  while (at + 16 <= file.size()) {
    const std::uint32_t sec = read_u32(file.data() + at, swap);
    const std::uint32_t frac = read_u32(file.data() + at + 4, swap);
    const std::uint32_t captured = read_u32(file.data() + at + 8, swap);
    at += 16;
    if (at + captured > file.size()) throw std::runtime_error("truncated pcap: " + path);
    const std::uint8_t* p = file.data() + at;
    at += captured;
    ++number;
    Frame f;
    f.number = number;
    f.time_ns = std::int64_t{sec} * 1000000000 + (nanos ? frac : std::int64_t{frac} * 1000);
    std::size_t l2 = 0;
    if (linktype == 1) {  // Ethernet
      if (captured < 14) continue;
      l2 = 14;
      if (load16(p + 12) == 0x8100) l2 = 18;
    } else if (linktype == 113) {  // Linux cooked
      l2 = 16;
    } else if (linktype == 101) {  // raw IP
      l2 = 0;
    } else {
      throw std::runtime_error("unsupported link type " + std::to_string(linktype) + " in " + path);
    }
    if (captured < l2) continue;
    if (udp_of_ip(p + l2, captured - l2, f)) frames.push_back(std::move(f));
  }
  return frames;
}

void write_pcap(const std::string& path, const std::vector<Frame>& frames) {
  std::ofstream out(path, std::ios::binary);
  const auto put32 = [&](std::uint32_t v) { out.write(reinterpret_cast<const char*>(&v), 4); };
  const auto put16 = [&](std::uint16_t v) { out.write(reinterpret_cast<const char*>(&v), 2); };
  put32(0xa1b2c3d4);
  put16(2);
  put16(4);
  put32(0);
  put32(0);
  put32(65535);
  put32(101);  // raw IP
  std::int64_t t = 1700000000LL * 1000000000;
  for (const Frame& f : frames) {
    t = f.time_ns != 0 ? f.time_ns : t + 20000000;
    std::vector<std::uint8_t> ip(28 + f.payload.size());
    ip[0] = 0x45;
    store16(ip.data() + 2, static_cast<std::uint16_t>(ip.size()));
    ip[8] = 64;
    ip[9] = 17;
    store32(ip.data() + 12, 0x7f000001);
    store32(ip.data() + 16, 0x7f000001);
    std::uint32_t sum = 0;
    for (std::size_t i = 0; i < 20; i += 2) sum += load16(ip.data() + i);
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    store16(ip.data() + 10, static_cast<std::uint16_t>(~sum));
    store16(ip.data() + 20, f.src_port);
    store16(ip.data() + 22, f.dst_port);
    store16(ip.data() + 24, static_cast<std::uint16_t>(8 + f.payload.size()));
    std::copy(f.payload.begin(), f.payload.end(), ip.begin() + 28);
    put32(static_cast<std::uint32_t>(t / 1000000000));
    put32(static_cast<std::uint32_t>(t % 1000000000 / 1000));
    put32(static_cast<std::uint32_t>(ip.size()));
    put32(static_cast<std::uint32_t>(ip.size()));
    out.write(reinterpret_cast<const char*>(ip.data()), static_cast<std::streamsize>(ip.size()));
  }
  if (!out) throw std::runtime_error("cannot write " + path);
}

std::vector<std::vector<std::string>> tshark(const std::string& args) {
  const std::string command = "tshark " + args + " 2>/dev/null";
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) throw std::runtime_error("cannot run: " + command);
  std::string output;
  std::array<char, 65536> buffer;
  std::size_t n;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0) output.append(buffer.data(), n);
  const int status = pclose(pipe);
  if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    throw std::runtime_error("tshark failed (is the Debian package tshark installed?): " + command);
  }
  std::vector<std::vector<std::string>> lines;
  std::istringstream in(output);
  std::string line;
  while (std::getline(in, line)) {
    std::vector<std::string> fields;
    std::size_t start = 0;
    while (true) {
      const std::size_t tab = line.find('\t', start);
      fields.push_back(line.substr(start, tab == std::string::npos ? std::string::npos : tab - start));
      if (tab == std::string::npos) break;
      start = tab + 1;
    }
    lines.push_back(std::move(fields));
  }
  return lines;
}

std::map<std::size_t, std::vector<std::string>> tshark_fields(const std::string& file, const std::string& options,
                                                              const std::vector<std::string>& fields) {
  std::string args = "-r '" + file + "' " + options + " -T fields -E occurrence=a -E aggregator=, -e frame.number";
  for (const auto& f : fields) args += " -e " + f;
  std::map<std::size_t, std::vector<std::string>> rows;
  for (auto& line : tshark(args)) {
    if (line.empty() || line[0].empty()) continue;
    const std::size_t number = std::stoul(line[0]);
    line.erase(line.begin());
    line.resize(fields.size());
    rows[number] = std::move(line);
  }
  return rows;
}

std::string hex(Bytes bytes) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string s;
  for (const std::uint8_t b : bytes) {
    s += digits[b >> 4];
    s += digits[b & 0x0f];
  }
  return s;
}

std::string join(const std::vector<std::string>& items, char separator) {
  std::string s;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i != 0) s += separator;
    s += items[i];
  }
  return s;
}

TempFile::TempFile(const std::string& name)
    : path(testing::TempDir() + "/imsbox_rtp_" + std::to_string(getpid()) + "_" + name) {}
TempFile::~TempFile() { std::remove(path.c_str()); }

std::string data_file(const std::string& name) { return std::string(IMSBOX_RTP_TEST_DATA) + "/" + name; }
std::string sipp_pcap(const std::string& name) { return std::string(IMSBOX_SIPP_PCAP_DIR) + "/" + name; }

}  // namespace imsbox::rtp::test
