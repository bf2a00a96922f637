#pragma once
// The real SDPs of the fuzz seed corpus (tests/fuzz/corpus/sdp_parser; where
// each came from: tests/unit/shared/sdp/data/README.md).
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <vector>

namespace imsbox::sdp::test {

inline std::string corpus_dir() { return IMSBOX_SDP_CORPUS; }

inline std::string load(const std::string& name) {
  std::ifstream in(corpus_dir() + "/" + name, std::ios::binary);
  if (!in) throw std::runtime_error("missing corpus file " + name);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// every *.sdp file of the corpus, sorted
inline std::vector<std::string> corpus_files() {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(corpus_dir())) {
    if (e.path().extension() == ".sdp") out.push_back(e.path().filename().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// "a\nb" -> "a\r\nb": bodies written in tests with LF only
inline std::string crlf(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '\n') out += '\r';
    out += c;
  }
  return out;
}

}  // namespace imsbox::sdp::test
