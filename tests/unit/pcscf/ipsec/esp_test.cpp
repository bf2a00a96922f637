// The ESP codec (pcscf/ipsec/esp.h) on its own: TS 33.203 Annex I keys, the
// packet layout of RFC 4303 (sequence numbers, padding 1,2,3,..., sizes), and
// every reason a packet is dropped. Packets with a valid ICV but a broken
// inside are made here with OpenSSL's one-shot HMAC(), not with the code
// under test. The independent peer (scapy) is in esp_scapy_test.cpp.
#include "pcscf/ipsec/esp.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <random>
#include <set>
#include <variant>
#include <vector>

#include "pcscf/ipsec/anti_replay.h"

namespace imsbox::pcscf::ipsec {
namespace {

using Bytes = std::vector<std::uint8_t>;

constexpr std::array<std::uint8_t, 16> ck = {0xb4, 0x0b, 0xa9, 0xa3, 0xc5, 0x8b, 0x2a, 0x05,
                                             0xbb, 0xf0, 0xd9, 0x87, 0xb2, 0x1b, 0xf8, 0xcb};
constexpr std::array<std::uint8_t, 16> ik = {0xf7, 0x69, 0xbc, 0xd7, 0x51, 0x04, 0x46, 0x04,
                                             0x12, 0x76, 0x72, 0x71, 0x1c, 0x6d, 0x34, 0x41};
constexpr std::array<std::uint8_t, 16> other = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
constexpr std::uint32_t spi = 0x1000'2001;

struct Pair {
  IntegrityAlgorithm integrity;
  EncryptionAlgorithm encryption;
};
constexpr Pair pairs[] = {{IntegrityAlgorithm::hmac_sha1_96, EncryptionAlgorithm::aes_cbc},
                          {IntegrityAlgorithm::hmac_sha1_96, EncryptionAlgorithm::null},
                          {IntegrityAlgorithm::hmac_md5_96, EncryptionAlgorithm::aes_cbc},
                          {IntegrityAlgorithm::hmac_md5_96, EncryptionAlgorithm::null}};

EspKeys keys_of(Pair p, const std::array<std::uint8_t, 16>& c = ck, const std::array<std::uint8_t, 16>& i = ik) {
  return ims_aka_keys(p.integrity, p.encryption, c, i);
}

Bytes sip_message(std::size_t n) {
  Bytes b(n);
  for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::uint8_t>("REGISTER sip:ims.example SIP/2.0\r\n"[i % 35]);
  return b;
}

Bytes seal(EspOutbound& out, const Bytes& payload, std::uint8_t next_header = 17) {
  Bytes packet;
  EXPECT_TRUE(out.seal(next_header, payload, packet));
  return packet;
}

std::uint32_t sequence_of(const Bytes& p) {
  return std::uint32_t{p[4]} << 24 | std::uint32_t{p[5]} << 16 | std::uint32_t{p[6]} << 8 | p[7];
}

// The drop reason, or a failure when the packet was accepted.
EspDrop dropped(EspInbound& in, Bytes packet) {
  const auto r = in.open(packet);
  if (const auto* d = std::get_if<EspDrop>(&r)) return *d;
  ADD_FAILURE() << "accepted";
  return EspDrop::too_short;
}

// Recomputes the ICV of a packet edited by a test, as a genuine sender would have.
void resign(Bytes& packet, const EspKeys& keys) {
  const EVP_MD* md = keys.integrity == IntegrityAlgorithm::hmac_sha1_96 ? EVP_sha1() : EVP_md5();
  std::uint8_t mac[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(md, keys.integrity_key.data(), static_cast<int>(keys.integrity_key.size()), packet.data(), packet.size() - 12,
       mac, &length);
  std::copy(mac, mac + 12, packet.end() - 12);
}

TEST(EspKeys, ImsAkaKeysFollowTs33203AnnexI) {
  const auto sha_aes = ims_aka_keys(IntegrityAlgorithm::hmac_sha1_96, EncryptionAlgorithm::aes_cbc, ck, ik);
  Bytes ik_zero(ik.begin(), ik.end());
  ik_zero.insert(ik_zero.end(), {0, 0, 0, 0});
  EXPECT_EQ(sha_aes.integrity_key, ik_zero);  // IK || 32 zero bits
  EXPECT_EQ(sha_aes.encryption_key, Bytes(ck.begin(), ck.end()));
  EXPECT_EQ(sha_aes.integrity, IntegrityAlgorithm::hmac_sha1_96);
  EXPECT_EQ(sha_aes.encryption, EncryptionAlgorithm::aes_cbc);

  const auto md5_null = ims_aka_keys(IntegrityAlgorithm::hmac_md5_96, EncryptionAlgorithm::null, ck, ik);
  EXPECT_EQ(md5_null.integrity_key, Bytes(ik.begin(), ik.end()));  // IK as it is
  EXPECT_TRUE(md5_null.encryption_key.empty());
  EXPECT_EQ(md5_null.integrity, IntegrityAlgorithm::hmac_md5_96);
  EXPECT_EQ(md5_null.encryption, EncryptionAlgorithm::null);
}

TEST(EspKeys, AlgorithmNamesOfTs33203) {
  EXPECT_EQ(integrity_algorithm("hmac-sha-1-96"), IntegrityAlgorithm::hmac_sha1_96);
  EXPECT_EQ(integrity_algorithm("HMAC-MD5-96"), IntegrityAlgorithm::hmac_md5_96);
  EXPECT_EQ(integrity_algorithm("hmac-sha1-96"), std::nullopt);
  EXPECT_EQ(encryption_algorithm("aes-cbc"), EncryptionAlgorithm::aes_cbc);
  EXPECT_EQ(encryption_algorithm("NULL"), EncryptionAlgorithm::null);
  EXPECT_EQ(encryption_algorithm("des-ede3-cbc"), std::nullopt);
  EXPECT_EQ(to_string(IntegrityAlgorithm::hmac_sha1_96), "hmac-sha-1-96");
  EXPECT_EQ(to_string(EncryptionAlgorithm::aes_cbc), "aes-cbc");
  EXPECT_EQ(to_string(EspDrop::bad_icv), "bad_icv");
}

TEST(EspKeys, WrongKeyLengthThrows) {
  EspKeys keys = keys_of(pairs[0]);
  keys.integrity_key.resize(16);  // IK without the 32 zero bits
  EXPECT_THROW(EspOutbound(spi, keys), std::invalid_argument);
  EXPECT_THROW(EspInbound(spi, keys), std::invalid_argument);
  keys = keys_of(pairs[1]);
  keys.encryption_key.assign(ck.begin(), ck.end());  // NULL takes no key
  EXPECT_THROW(EspOutbound(spi, keys), std::invalid_argument);
}

TEST(Esp, SealOpenRoundTripEveryPairAndSize) {
  for (const Pair p : pairs) {
    const EspKeys keys = keys_of(p);
    EspOutbound out(spi, keys);
    EspInbound in(spi, keys);
    for (std::size_t n : {0, 1, 2, 3, 4, 13, 14, 15, 16, 17, 30, 31, 32, 1000, 1400}) {
      const Bytes payload = sip_message(n);
      Bytes packet = seal(out, payload, n % 2 ? 6 : 17);
      EXPECT_EQ(packet.size(), n + esp_overhead(keys, n));
      EXPECT_EQ(esp_spi(packet), spi);
      const std::size_t text = packet.size() - 8 - (p.encryption == EncryptionAlgorithm::aes_cbc ? 16 : 0) - 12;
      EXPECT_EQ(text % (p.encryption == EncryptionAlgorithm::aes_cbc ? 16 : 4), 0u) << n;
      const auto r = in.open(packet);
      const auto* o = std::get_if<EspInbound::Opened>(&r);
      ASSERT_NE(o, nullptr) << to_string(p.integrity) << "/" << to_string(p.encryption) << " n=" << n;
      EXPECT_EQ(Bytes(o->payload.begin(), o->payload.end()), payload);
      EXPECT_EQ(o->next_header, n % 2 ? 6 : 17);
      EXPECT_EQ(o->sequence, sequence_of(packet));
    }
  }
}

TEST(Esp, NullLeavesThePayloadReadableWithPadding123) {
  const EspKeys keys = keys_of(pairs[1]);
  EspOutbound out(spi, keys);
  const Bytes payload = sip_message(3);  // 3 + 3 pad + 2 -> 8
  const Bytes p = seal(out, payload, 17);
  ASSERT_EQ(p.size(), 8u + 8 + 12);
  EXPECT_TRUE(std::equal(payload.begin(), payload.end(), p.begin() + 8));
  EXPECT_EQ(Bytes(p.begin() + 11, p.begin() + 14), (Bytes{1, 2, 3}));
  EXPECT_EQ(p[14], 3);   // pad length
  EXPECT_EQ(p[15], 17);  // next header
}

TEST(Esp, AesCbcHidesThePayloadWithAFreshIvPerPacket) {
  const EspKeys keys = keys_of(pairs[0]);
  EspOutbound out(spi, keys);
  const Bytes payload = sip_message(64);
  const Bytes a = seal(out, payload);
  const Bytes b = seal(out, payload);
  EXPECT_EQ(std::search(a.begin(), a.end(), payload.begin(), payload.begin() + 16), a.end());
  EXPECT_NE(Bytes(a.begin() + 8, a.begin() + 24), Bytes(b.begin() + 8, b.begin() + 24));  // IVs
  EXPECT_NE(Bytes(a.begin() + 24, a.end()), Bytes(b.begin() + 24, b.end()));
}

TEST(Esp, OverheadForMtu) {
  EXPECT_EQ(esp_overhead(keys_of(pairs[0]), 1000), 8u + 16 + 8 + 12);  // 1002 -> 1008
  EXPECT_EQ(esp_overhead(keys_of(pairs[1]), 1000), 8u + 4 + 12);       // 1002 -> 1004
  EXPECT_EQ(esp_overhead(EncryptionAlgorithm::aes_cbc, 14), 8u + 16 + 2 + 12);
  EXPECT_EQ(esp_overhead(EncryptionAlgorithm::aes_cbc, 15), 8u + 16 + 17 + 12);
}

TEST(Esp, SequenceNumbersCountFromOneAndNeverWrap) {
  const EspKeys keys = keys_of(pairs[3]);
  EspOutbound out(spi, keys);
  EXPECT_EQ(sequence_of(seal(out, {})), 1u);
  EXPECT_EQ(sequence_of(seal(out, {})), 2u);

  EspOutbound late(spi, keys, 0xffff'fffe);
  EXPECT_EQ(sequence_of(seal(late, {})), 0xffff'ffffu);
  Bytes packet{1, 2, 3};
  EXPECT_FALSE(late.seal(17, sip_message(10), packet));  // RFC 4303 §3.3.3: rekey, do not cycle
  EXPECT_TRUE(packet.empty());
  EXPECT_FALSE(late.seal(17, sip_message(10), packet));
}

TEST(EspSpi, ReadsTheHeader) {
  EXPECT_EQ(esp_spi(Bytes{0xc0, 0x01, 0xd0, 0x0d, 0, 0, 0, 1}), 0xc001d00du);
  EXPECT_EQ(esp_spi(Bytes{0xc0, 0x01, 0xd0, 0x0d, 0, 0, 0}), 0u);
}

class EspDrops : public ::testing::TestWithParam<Pair> {
 protected:
  EspKeys keys = keys_of(GetParam());
  EspOutbound out{spi, keys};
  EspInbound in{spi, keys};
  bool aes = GetParam().encryption == EncryptionAlgorithm::aes_cbc;
};

TEST_P(EspDrops, TamperedIcvThenTheGenuinePacketStillPasses) {
  const Bytes good = seal(out, sip_message(100));
  Bytes bad = good;
  bad.back() ^= 0x01;
  EXPECT_EQ(dropped(in, bad), EspDrop::bad_icv);
  Bytes copy = good;
  EXPECT_TRUE(std::holds_alternative<EspInbound::Opened>(in.open(copy)));  // the forgery did not move the window
}

TEST_P(EspDrops, TamperedCiphertextIsNotDecrypted) {
  Bytes bad = seal(out, sip_message(100));
  bad[40] ^= 0x80;
  const Bytes before = bad;
  auto r = in.open(bad);
  ASSERT_TRUE(std::holds_alternative<EspDrop>(r));
  EXPECT_EQ(std::get<EspDrop>(r), EspDrop::bad_icv);
  EXPECT_EQ(bad, before);  // ICV checked before decryption: the buffer is untouched
  Bytes header = seal(out, sip_message(100));
  header[5] ^= 0x01;  // the sequence number is covered too
  EXPECT_EQ(dropped(in, header), EspDrop::bad_icv);
}

TEST_P(EspDrops, WrongKeys) {
  const EspKeys wrong = keys_of(GetParam(), other, other);
  EspOutbound stranger(spi, wrong);
  EXPECT_EQ(dropped(in, seal(stranger, sip_message(100))), EspDrop::bad_icv);
  EspKeys wrong_ik = keys_of(GetParam(), ck, other);
  EspOutbound half(spi, wrong_ik);
  EXPECT_EQ(dropped(in, seal(half, sip_message(100))), EspDrop::bad_icv);
}

TEST_P(EspDrops, WrongSpi) {
  EspOutbound other_sa(spi + 1, keys);
  EXPECT_EQ(dropped(in, seal(other_sa, sip_message(10))), EspDrop::bad_spi);
}

TEST_P(EspDrops, ReplayedAndTooOldSequenceNumbers) {
  std::vector<Bytes> sent;
  for (int i = 0; i < 400; ++i) sent.push_back(seal(out, sip_message(20)));
  Bytes copy = sent[9];  // sequence 10
  ASSERT_TRUE(std::holds_alternative<EspInbound::Opened>(in.open(copy)));
  EXPECT_EQ(dropped(in, sent[9]), EspDrop::replayed);
  copy = sent[4];  // out of order inside the window: accepted once
  ASSERT_TRUE(std::holds_alternative<EspInbound::Opened>(in.open(copy)));
  EXPECT_EQ(dropped(in, sent[4]), EspDrop::replayed);

  copy = sent[399];  // sequence 400: the window now starts at 400 - 192 + 1
  ASSERT_TRUE(std::holds_alternative<EspInbound::Opened>(in.open(copy)));
  EXPECT_EQ(dropped(in, sent[99]), EspDrop::replayed);   // 300 behind: left of the window
  EXPECT_EQ(dropped(in, sent[207]), EspDrop::replayed);  // 192 behind
  copy = sent[208];                                      // 191 behind: still inside, never seen
  EXPECT_TRUE(std::holds_alternative<EspInbound::Opened>(in.open(copy)));
  EXPECT_EQ(dropped(in, sent[208]), EspDrop::replayed);
  EXPECT_GE(AntiReplayWindow::size, 64u);  // RFC 4303 §3.4.3: at least 32, 64 recommended
}

TEST_P(EspDrops, SequenceNumberZeroIsNeverValid) {
  Bytes p = seal(out, sip_message(20));
  std::fill(p.begin() + 4, p.begin() + 8, 0);
  resign(p, keys);
  EXPECT_EQ(dropped(in, p), EspDrop::replayed);
}

TEST_P(EspDrops, TruncatedPackets) {
  const Bytes whole = seal(out, sip_message(40));
  const std::size_t minimum = aes ? 8 + 16 + 16 + 12 : 8 + 2 + 12;
  for (std::size_t n = 0; n < whole.size(); ++n) {
    const EspDrop d = dropped(in, Bytes(whole.begin(), whole.begin() + static_cast<std::ptrdiff_t>(n)));
    EXPECT_EQ(d, n < minimum ? EspDrop::too_short : EspDrop::bad_icv) << n;
  }
}

// The SA of each pair with NULL (in) or AES-CBC encryption.
struct Sa {
  EspKeys keys;
  EspOutbound out{spi, keys};
  EspInbound in{spi, keys};
  explicit Sa(Pair p) : keys(keys_of(p)) {}
};
std::vector<Pair> pairs_with(EncryptionAlgorithm e) {
  std::vector<Pair> v;
  for (Pair p : pairs)
    if (p.encryption == e) v.push_back(p);
  return v;
}

TEST(EspDropsNull, BadPaddingWithAGoodIcv) {
  for (Pair pair : pairs_with(EncryptionAlgorithm::null)) {
    Sa sa(pair);
    EspKeys& keys = sa.keys;
    EspOutbound& out = sa.out;
    EspInbound& in = sa.in;
    Bytes p = seal(out, sip_message(3));  // three pad bytes 1,2,3 at 11..13
    p[12] = 7;
    resign(p, keys);
    EXPECT_EQ(dropped(in, p), EspDrop::bad_padding);

    p = seal(out, sip_message(3));
    p[14] = 7;  // pad length beyond the 8-byte plaintext
    resign(p, keys);
    EXPECT_EQ(dropped(in, p), EspDrop::bad_length);
  }
}

TEST(EspDropsAesCbc, BadPaddingAndLengthWithAGoodIcv) {
  for (Pair pair : pairs_with(EncryptionAlgorithm::aes_cbc)) {
    Sa sa(pair);
    EspKeys& keys = sa.keys;
    EspOutbound& out = sa.out;
    EspInbound& in = sa.in;
    // A plaintext block of our choosing, encrypted with the SA's key by OpenSSL directly.
    auto encrypt = [&](std::uint8_t pad_length, std::uint8_t first_pad) {
      Bytes p = seal(out, sip_message(5));  // 5 + 9 pad + 2 = one block
      std::array<std::uint8_t, 16> block{};
      std::copy_n(sip_message(5).begin(), 5, block.begin());
      for (int i = 0; i < 9; ++i) block[5 + i] = static_cast<std::uint8_t>(i + 1);
      block[5] = first_pad;
      block[14] = pad_length;
      block[15] = 17;
      EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
      int len = 0;
      EVP_EncryptInit_ex(ctx, EVP_aes_128_cbc(), nullptr, keys.encryption_key.data(), p.data() + 8);
      EVP_CIPHER_CTX_set_padding(ctx, 0);
      EVP_EncryptUpdate(ctx, p.data() + 24, &len, block.data(), 16);
      EVP_CIPHER_CTX_free(ctx);
      resign(p, keys);
      return p;
    };
    Bytes good = encrypt(9, 1);
    Bytes copy = good;
    ASSERT_TRUE(std::holds_alternative<EspInbound::Opened>(in.open(copy)));  // the hand-made packet is right
    EXPECT_EQ(dropped(in, encrypt(9, 0x55)), EspDrop::bad_padding);
    EXPECT_EQ(dropped(in, encrypt(15, 1)), EspDrop::bad_length);

    Bytes ragged = seal(out, sip_message(40));
    ragged.erase(ragged.end() - 16, ragged.end() - 12);  // 4 bytes off the ciphertext
    resign(ragged, keys);
    EXPECT_EQ(dropped(in, ragged), EspDrop::bad_length);
  }
}

std::string pair_name(const ::testing::TestParamInfo<Pair>& info) {
  std::string n = std::string(to_string(info.param.integrity)) + "_" + std::string(to_string(info.param.encryption));
  std::replace(n.begin(), n.end(), '-', '_');
  return n;
}
INSTANTIATE_TEST_SUITE_P(AllPairs, EspDrops, ::testing::ValuesIn(pairs), pair_name);

// The window against a model that remembers every accepted number.
TEST(AntiReplayWindow, MatchesAReferenceModel) {
  std::mt19937 rng(17);
  for (int round = 0; round < 50; ++round) {
    AntiReplayWindow w;
    std::set<std::uint32_t> seen;
    std::uint32_t top = 0;
    std::uint32_t base = round % 2 ? 1 : 0xffff'0000u;
    for (int i = 0; i < 2000; ++i) {
      const int step = static_cast<int>(rng() % 600) - 400;
      const std::int64_t next = std::clamp<std::int64_t>(std::int64_t{top} + step, 0, 0xffff'ffffLL);
      const std::uint32_t seq = i == 0 ? base : static_cast<std::uint32_t>(next);
      AntiReplayWindow::Verdict expect;
      if (seq == 0 || (seq <= top && top - seq >= AntiReplayWindow::size))
        expect = AntiReplayWindow::Verdict::too_old;
      else if (seen.count(seq))
        expect = AntiReplayWindow::Verdict::duplicate;
      else
        expect = AntiReplayWindow::Verdict::fresh;
      ASSERT_EQ(w.check(seq), expect) << "round " << round << " seq " << seq << " top " << top;
      if (expect == AntiReplayWindow::Verdict::fresh && rng() % 4 != 0) {  // some fail their ICV: not accepted
        w.accept(seq);
        seen.insert(seq);
        top = std::max(top, seq);
        ASSERT_EQ(w.highest(), top);
      }
    }
  }
}

}  // namespace
}  // namespace imsbox::pcscf::ipsec
