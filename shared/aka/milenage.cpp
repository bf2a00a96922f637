#include "aka/milenage.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <algorithm>
#include <memory>
#include <stdexcept>
#include <utility>

namespace imsbox::aka {

namespace {

// TS 35.206 §4.1: the rotations r1..r5 (in bytes here) and the last byte of
// the constants c1..c5 (all other bits are zero).
constexpr int kRotateBytes[6] = {0, 8, 0, 4, 8, 12};
constexpr std::uint8_t kConstant[6] = {0, 0, 1, 2, 4, 8};

// rot(x, r) = x cyclically rotated left by r bits, r a multiple of 8.
Block rotate(const Block& x, int bytes) {
  Block out;
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = x[(i + static_cast<std::size_t>(bytes)) % x.size()];
  return out;
}

Block xor_block(const Block& a, const Block& b) {
  Block out;
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = a[i] ^ b[i];
  return out;
}

EVP_CIPHER_CTX* keyed_context(const Block& k) {
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  if (!ctx || EVP_EncryptInit_ex(ctx, EVP_aes_128_ecb(), nullptr, k.data(), nullptr) != 1 ||
      EVP_CIPHER_CTX_set_padding(ctx, 0) != 1) {
    EVP_CIPHER_CTX_free(ctx);
    throw std::runtime_error("AES-128 key setup failed");
  }
  return ctx;
}

// E[in]K for `blocks` consecutive blocks. ECB without padding keeps no state
// between calls, so one keyed context serves every computation.
void encrypt(EVP_CIPHER_CTX* ctx, const std::uint8_t* in, std::uint8_t* out, int blocks) {
  int len = 0;
  if (EVP_EncryptUpdate(ctx, out, &len, in, blocks * 16) != 1 || len != blocks * 16) {
    throw std::runtime_error("AES-128 failed");
  }
}

}  // namespace

Block compute_opc(const Block& k, const Block& op) {
  std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)> ctx(keyed_context(k), EVP_CIPHER_CTX_free);
  Block opc;
  encrypt(ctx.get(), op.data(), opc.data(), 1);
  for (std::size_t i = 0; i < opc.size(); ++i) opc[i] ^= op[i];
  return opc;
}

bool mac_equal(const Mac& a, const Mac& b) { return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0; }

Milenage::Milenage(const Block& k, const Block& opc) : ctx_(keyed_context(k)), opc_(opc) {}

Milenage::~Milenage() {
  EVP_CIPHER_CTX_free(ctx_);  // cleanses the key schedule
  OPENSSL_cleanse(opc_.data(), opc_.size());
}

Milenage::Milenage(Milenage&& other) noexcept : ctx_(std::exchange(other.ctx_, nullptr)), opc_(other.opc_) {}

Milenage& Milenage::operator=(Milenage&& other) noexcept {
  if (this != &other) {
    EVP_CIPHER_CTX_free(ctx_);
    ctx_ = std::exchange(other.ctx_, nullptr);
    opc_ = other.opc_;
  }
  return *this;
}

void Milenage::outputs(const Block& rand, const Sqn& sqn, const Amf& amf, int first, int last, Block* out) {
  // TEMP = E[RAND xor OPc]K
  Block temp;
  const Block rand_opc = xor_block(rand, opc_);
  encrypt(ctx_, rand_opc.data(), temp.data(), 1);

  // OUT1 = E[TEMP xor rot(IN1 xor OPc, r1) xor c1]K xor OPc, IN1 = SQN || AMF || SQN || AMF;
  // OUTi = E[rot(TEMP xor OPc, ri) xor ci]K xor OPc for i = 2..5.
  std::array<Block, 5> in;
  const Block temp_opc = xor_block(temp, opc_);
  for (int i = first; i <= last; ++i) {
    Block& x = in[static_cast<std::size_t>(i - first)];
    if (i == 1) {
      Block in1;
      std::copy(sqn.begin(), sqn.end(), in1.begin());
      std::copy(amf.begin(), amf.end(), in1.begin() + 6);
      std::copy(in1.begin(), in1.begin() + 8, in1.begin() + 8);
      x = xor_block(temp, rotate(xor_block(in1, opc_), kRotateBytes[1]));
    } else {
      x = rotate(temp_opc, kRotateBytes[i]);
    }
    x[15] ^= kConstant[i];
  }
  const int blocks = last - first + 1;
  encrypt(ctx_, in[0].data(), out[0].data(), blocks);
  for (int i = 0; i < blocks; ++i) out[i] = xor_block(out[i], opc_);
}

namespace {

template <std::size_t N>
std::array<std::uint8_t, N> slice(const Block& b, std::size_t from) {
  std::array<std::uint8_t, N> out;
  std::copy(b.begin() + static_cast<std::ptrdiff_t>(from), b.begin() + static_cast<std::ptrdiff_t>(from + N),
            out.begin());
  return out;
}

constexpr Sqn kNoSqn{};
constexpr Amf kNoAmf{};

}  // namespace

Mac Milenage::f1(const Block& rand, const Sqn& sqn, const Amf& amf) {
  Block out1;
  outputs(rand, sqn, amf, 1, 1, &out1);
  return slice<8>(out1, 0);
}

Mac Milenage::f1star(const Block& rand, const Sqn& sqn, const Amf& amf) {
  Block out1;
  outputs(rand, sqn, amf, 1, 1, &out1);
  return slice<8>(out1, 8);
}

Milenage::F2345 Milenage::f2345(const Block& rand) {
  Block out[3];  // OUT2, OUT3, OUT4
  outputs(rand, kNoSqn, kNoAmf, 2, 4, out);
  return {slice<8>(out[0], 8), out[1], out[2], slice<6>(out[0], 0)};
}

Ak Milenage::f5star(const Block& rand) {
  Block out5;
  outputs(rand, kNoSqn, kNoAmf, 5, 5, &out5);
  return slice<6>(out5, 0);
}

Milenage::Outputs Milenage::compute(const Block& rand, const Sqn& sqn, const Amf& amf) {
  Block out[5];  // OUT1 .. OUT5
  outputs(rand, sqn, amf, 1, 5, out);
  return {slice<8>(out[0], 0), slice<8>(out[0], 8), slice<8>(out[1], 8), out[2],
          out[3],              slice<6>(out[1], 0), slice<6>(out[4], 0)};
}

Autn make_autn(const Sqn& sqn, const Ak& ak, const Amf& amf, const Mac& mac_a) {
  Autn autn;
  for (std::size_t i = 0; i < sqn.size(); ++i) autn[i] = sqn[i] ^ ak[i];
  std::copy(amf.begin(), amf.end(), autn.begin() + 6);
  std::copy(mac_a.begin(), mac_a.end(), autn.begin() + 8);
  return autn;
}

AuthenticationVector generate_vector(Milenage& milenage, const Block& rand, const Sqn& sqn, const Amf& amf) {
  const auto o = milenage.compute(rand, sqn, amf);
  return {rand, o.res, o.ck, o.ik, make_autn(sqn, o.ak, amf, o.mac_a)};
}

std::optional<Sqn> resync_sqn_ms(Milenage& milenage, const Block& rand, const Auts& auts) {
  const Ak ak_star = milenage.f5star(rand);
  Sqn sqn_ms;
  for (std::size_t i = 0; i < sqn_ms.size(); ++i) sqn_ms[i] = auts[i] ^ ak_star[i];
  Mac mac_s;
  std::copy(auts.begin() + 6, auts.end(), mac_s.begin());
  // TS 33.102 §6.3.3: MAC-S is computed with the dummy AMF of all zeroes.
  if (!mac_equal(milenage.f1star(rand, sqn_ms, Amf{}), mac_s)) return std::nullopt;
  return sqn_ms;
}

}  // namespace imsbox::aka
