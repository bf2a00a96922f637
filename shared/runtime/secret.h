#pragma once
// Secret material (K, OPc, CK, IK, HA1, passwords). The type has no stream or
// format operator that shows its contents, so a secret cannot end up in a log
// line by accident; code that truly needs the bytes asks for them by name.
#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

namespace imsbox::runtime {

class SecretBytes {
 public:
  SecretBytes() = default;
  explicit SecretBytes(std::vector<std::uint8_t> bytes) : bytes_(std::move(bytes)) {}
  const std::vector<std::uint8_t>& reveal() const { return bytes_; }
  std::size_t size() const { return bytes_.size(); }
  bool empty() const { return bytes_.empty(); }
  friend bool operator==(const SecretBytes&, const SecretBytes&) = default;
  friend std::ostream& operator<<(std::ostream& os, const SecretBytes&) { return os << "<secret>"; }

 private:
  std::vector<std::uint8_t> bytes_;
};

class SecretString {
 public:
  SecretString() = default;
  explicit SecretString(std::string s) : s_(std::move(s)) {}
  const std::string& reveal() const { return s_; }
  bool empty() const { return s_.empty(); }
  friend bool operator==(const SecretString&, const SecretString&) = default;
  friend std::ostream& operator<<(std::ostream& os, const SecretString&) { return os << "<secret>"; }

 private:
  std::string s_;
};

}  // namespace imsbox::runtime
