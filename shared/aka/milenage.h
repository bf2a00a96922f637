#pragma once
// Milenage (3GPP TS 35.206) on OpenSSL's AES-128, and the AKA steps built on
// it (TS 33.102 §6.3): AUTN for an authentication vector and the recovery of
// SQN_MS from AUTS on resynchronisation.
//
// The values are fixed-size byte arrays named as in the specs. None of these
// types has a stream or format operator, so K, OPc, CK, IK or AK cannot end
// up in a log line by accident; code that stores a secret wraps it in
// runtime::SecretBytes.
#include <openssl/types.h>

#include <array>
#include <cstdint>
#include <optional>

namespace imsbox::aka {

using Block = std::array<std::uint8_t, 16>;  // K, OP, OPc, RAND, CK, IK
using Sqn = std::array<std::uint8_t, 6>;     // sequence number, big-endian
using Amf = std::array<std::uint8_t, 2>;     // authentication management field
using Mac = std::array<std::uint8_t, 8>;     // MAC-A (f1) or MAC-S (f1*)
using Res = std::array<std::uint8_t, 8>;     // RES / XRES (f2), 64 bits
using Ak = std::array<std::uint8_t, 6>;      // anonymity key, AK (f5) or AK* (f5*)
using Autn = std::array<std::uint8_t, 16>;   // (SQN xor AK) || AMF || MAC-A
using Auts = std::array<std::uint8_t, 14>;   // (SQN_MS xor AK*) || MAC-S

// OPc = OP xor E[OP]K (TS 35.206 §4.1); provisioning stores OPc only.
Block compute_opc(const Block& k, const Block& op);

// MACs compared in constant time (CRYPTO_memcmp), so that a forger learns
// nothing from how long a rejection takes.
bool mac_equal(const Mac& a, const Mac& b);

// Milenage for one subscriber: keys AES-128 with K once, at construction, and
// reuses that cipher context for every function, so a computation allocates
// nothing. Not thread-safe (the functions drive the one context): use one
// object per thread. A moved-from object may only be destroyed or assigned
// to. Throws std::runtime_error only when OpenSSL fails.
class Milenage {
 public:
  Milenage(const Block& k, const Block& opc);
  ~Milenage();  // the key schedule and OPc are wiped
  Milenage(Milenage&& other) noexcept;
  Milenage& operator=(Milenage&& other) noexcept;
  Milenage(const Milenage&) = delete;
  Milenage& operator=(const Milenage&) = delete;

  struct F2345 {
    Res res;   // f2
    Block ck;  // f3
    Block ik;  // f4
    Ak ak;     // f5
  };

  // Every output for one RAND, SQN and AMF: two AES calls (TEMP, then OUT1-5).
  struct Outputs {
    Mac mac_a;  // f1
    Mac mac_s;  // f1*
    Res res;    // f2
    Block ck;   // f3
    Block ik;   // f4
    Ak ak;      // f5
    Ak ak_star; // f5*
  };

  Mac f1(const Block& rand, const Sqn& sqn, const Amf& amf);
  Mac f1star(const Block& rand, const Sqn& sqn, const Amf& amf);
  F2345 f2345(const Block& rand);
  Ak f5star(const Block& rand);
  Outputs compute(const Block& rand, const Sqn& sqn, const Amf& amf);

 private:
  // OUT<first> .. OUT<last> of TS 35.206 §4.1 into out[0..], with one AES
  // call for TEMP and one for those blocks. SQN and AMF matter for OUT1 only.
  void outputs(const Block& rand, const Sqn& sqn, const Amf& amf, int first, int last, Block* out);

  EVP_CIPHER_CTX* ctx_;
  Block opc_;
};

// TS 33.102 §6.3.2: AUTN = (SQN xor AK) || AMF || MAC-A.
Autn make_autn(const Sqn& sqn, const Ak& ak, const Amf& amf, const Mac& mac_a);

// An authentication vector as the HSS hands it out (TS 33.102 §6.3.2, the
// IMS AKA form of TS 33.203): RAND, XRES, CK, IK, AUTN.
struct AuthenticationVector {
  Block rand;
  Res xres;
  Block ck;
  Block ik;
  Autn autn;
};
AuthenticationVector generate_vector(Milenage& milenage, const Block& rand, const Sqn& sqn, const Amf& amf);

// Resynchronisation in the HSS (TS 33.102 §6.3.5): AUTS = (SQN_MS xor AK*)
// || MAC-S with AK* = f5*(RAND) and MAC-S = f1*(SQN_MS, RAND, AMF = 0000)
// (§6.3.3). Returns SQN_MS when MAC-S verifies (compared in constant time),
// nothing when it does not.
std::optional<Sqn> resync_sqn_ms(Milenage& milenage, const Block& rand, const Auts& auts);

}  // namespace imsbox::aka
