#include "sip/transaction/branch.h"

namespace imsbox::sip::transaction {

bool has_magic_cookie(std::string_view branch) {
  return branch.size() > magic_cookie.size() && branch.substr(0, magic_cookie.size()) == magic_cookie;
}

namespace {

std::uint64_t random_seed() {
  std::random_device device;
  return (static_cast<std::uint64_t>(device()) << 32) ^ device();
}

}  // namespace

BranchGenerator::BranchGenerator() : random_(random_seed()) {}

BranchGenerator::BranchGenerator(std::uint64_t seed) : random_(seed) {}

std::string BranchGenerator::next() {
  static constexpr char hex[] = "0123456789abcdef";
  std::string out(magic_cookie);
  for (int word = 0; word < 2; ++word) {
    std::uint64_t bits = random_();
    for (int i = 0; i < 16; ++i) {
      out.push_back(hex[bits & 0xf]);
      bits >>= 4;
    }
  }
  return out;
}

}  // namespace imsbox::sip::transaction
