#pragma once
// Via branch parameters (RFC 3261 §8.1.1.7): the transaction id of a request,
// starting with the magic cookie "z9hG4bK" when made by an RFC 3261 element.
#include <cstdint>
#include <random>
#include <string>
#include <string_view>

namespace imsbox::sip::transaction {

inline constexpr std::string_view magic_cookie = "z9hG4bK";

// Whether a branch was made by an RFC 3261 element (and so is unique).
bool has_magic_cookie(std::string_view branch);

// Makes branch values: the magic cookie and 128 random bits in hex. The
// generator is seeded explicitly so that tests can replay it; a node seeds it
// from std::random_device (the default constructor). Not a cryptographic
// source: unguessable enough that an off-path peer cannot forge responses by
// guessing, not a secret. Single-threaded.
class BranchGenerator {
 public:
  BranchGenerator();  // seeded from std::random_device
  explicit BranchGenerator(std::uint64_t seed);

  std::string next();

 private:
  std::mt19937_64 random_;
};

}  // namespace imsbox::sip::transaction
