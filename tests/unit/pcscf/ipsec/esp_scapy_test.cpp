// Our ESP codec against an independent implementation: Debian's scapy
// (esp_scapy_test.py, run once per test with all its requests in a file).
// Both ways, for the four algorithm pairs of TS 33.203 with keys made from
// CK/IK by ims_aka_keys(): what scapy encrypts we open to the exact UDP/TCP
// segment, what we seal scapy decrypts to the same segment; scapy's packets
// with a wrong key, a flipped bit or an old sequence number are dropped for
// the right reason. Skipped only when python3-scapy is missing (CI installs
// it from installer/packages.txt).
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <variant>
#include <vector>

#include "pcscf/ipsec/esp.h"

namespace imsbox::pcscf::ipsec {
namespace {

using Bytes = std::vector<std::uint8_t>;

std::string hex(std::span<const std::uint8_t> b) {
  static const char digits[] = "0123456789abcdef";
  std::string s;
  for (std::uint8_t c : b) {
    s += digits[c >> 4];
    s += digits[c & 15];
  }
  return s;
}
Bytes unhex(const std::string& s) {
  Bytes b;
  for (std::size_t i = 0; i + 1 < s.size(); i += 2)
    b.push_back(static_cast<std::uint8_t>(std::stoi(s.substr(i, 2), nullptr, 16)));
  return b;
}

struct Pair {
  IntegrityAlgorithm integrity;
  EncryptionAlgorithm encryption;
  const char* scapy_auth;
  const char* scapy_crypt;
};
const Pair pairs[] = {{IntegrityAlgorithm::hmac_sha1_96, EncryptionAlgorithm::aes_cbc, "HMAC-SHA1-96", "AES-CBC"},
                      {IntegrityAlgorithm::hmac_sha1_96, EncryptionAlgorithm::null, "HMAC-SHA1-96", "NULL"},
                      {IntegrityAlgorithm::hmac_md5_96, EncryptionAlgorithm::aes_cbc, "HMAC-MD5-96", "AES-CBC"},
                      {IntegrityAlgorithm::hmac_md5_96, EncryptionAlgorithm::null, "HMAC-MD5-96", "NULL"}};

constexpr std::array<std::uint8_t, 16> ck = {0x5e, 0x53, 0x39, 0x7f, 0x4e, 0x08, 0x1c, 0x26,
                                             0x88, 0xd6, 0x04, 0x4d, 0x63, 0x8f, 0xd3, 0x11};
constexpr std::array<std::uint8_t, 16> ik = {0x9c, 0xc9, 0x2a, 0x6d, 0xfa, 0xcc, 0x27, 0xf0,
                                             0x79, 0x07, 0x4e, 0x0a, 0x26, 0x30, 0x6d, 0x2e};
constexpr std::uint32_t spi = 0x0bad'cafe;

// The part of a request naming one SA: "CRYPT CKEY AUTH AKEY SPI".
std::string scapy_sa(const Pair& p, const EspKeys& k) {
  return std::string(p.scapy_crypt) + " " + (k.encryption_key.empty() ? "-" : hex(k.encryption_key)) + " " +
         p.scapy_auth + " " + hex(k.integrity_key) + " " + std::to_string(spi);
}

class ScapyPeer : public ::testing::Test {
 protected:
  void SetUp() override {
    const std::string probe = std::string(IMSBOX_PYTHON3) + " -c 'import scapy.layers.ipsec, cryptography' 2>/dev/null";
    if (std::system(probe.c_str()) != 0) GTEST_SKIP() << "python3-scapy / python3-cryptography not installed";
  }

  // Runs every request through scapy; one answer per request.
  std::vector<std::string> run(const std::vector<std::string>& requests) {
    const auto file = std::filesystem::temp_directory_path() / ("esp_scapy_" + std::to_string(getpid()) + ".txt");
    {
      std::ofstream out(file);
      for (const auto& r : requests) out << r << "\n";
    }
    const std::string command = std::string(IMSBOX_PYTHON3) + " " + IMSBOX_ESP_SCAPY_PEER + " < " + file.string();
    FILE* pipe = popen(command.c_str(), "r");
    std::vector<std::string> answers;
    if (pipe) {
      std::string line;
      char buf[8192];
      while (std::fgets(buf, sizeof buf, pipe)) {
        line += buf;
        if (!line.empty() && line.back() == '\n') {
          line.pop_back();
          answers.push_back(line);
          line.clear();
        }
      }
      EXPECT_EQ(pclose(pipe), 0);
    }
    std::filesystem::remove(file);
    EXPECT_EQ(answers.size(), requests.size());
    answers.resize(requests.size());
    return answers;
  }
};

const std::size_t sizes[] = {0, 1, 2, 5, 6, 7, 8, 13, 14, 15, 16, 17, 100, 1000, 1400};

Bytes sip_message(std::size_t n) {
  const std::string text = "INVITE sip:+491701234567@ims.example SIP/2.0\r\nVia: SIP/2.0/UDP [2001:db8::1]:5062\r\n";
  Bytes b(n);
  for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<std::uint8_t>(text[i % text.size()]);
  return b;
}

TEST_F(ScapyPeer, WeOpenWhatScapyEncrypts) {
  std::vector<std::string> requests;
  for (const Pair& p : pairs) {
    const EspKeys keys = ims_aka_keys(p.integrity, p.encryption, ck, ik);
    std::uint32_t seq = 0;
    for (const char* proto : {"17", "6"})
      for (std::size_t n : sizes)
        requests.push_back("encrypt " + scapy_sa(p, keys) + " " + std::to_string(++seq) + " " + proto + " " +
                           hex(sip_message(n)));
  }
  const auto answers = run(requests);
  std::size_t i = 0;
  for (const Pair& p : pairs) {
    EspInbound in(spi, ims_aka_keys(p.integrity, p.encryption, ck, ik));
    for (const std::uint8_t proto : {17, 6})
      for (std::size_t n : sizes) {
        const std::string& a = answers[i++];
        const auto space = a.find(' ');
        ASSERT_TRUE(space != std::string::npos && a.rfind("error", 0) != 0) << a;
        const Bytes inner = unhex(a.substr(0, space));
        Bytes esp = unhex(a.substr(space + 1));
        ASSERT_EQ(inner.size(), n + (proto == 17 ? 8 : 20));
        const auto r = in.open(esp);
        const auto* o = std::get_if<EspInbound::Opened>(&r);
        ASSERT_NE(o, nullptr) << p.scapy_auth << "/" << p.scapy_crypt << " n=" << n << ": "
                              << to_string(std::get<EspDrop>(r));
        EXPECT_EQ(o->next_header, proto);
        EXPECT_EQ(Bytes(o->payload.begin(), o->payload.end()), inner) << p.scapy_crypt << " n=" << n;
      }
  }
}

TEST_F(ScapyPeer, ScapyDecryptsWhatWeSeal) {
  std::vector<std::string> requests;
  std::vector<Bytes> inners;
  for (const Pair& p : pairs) {
    const EspKeys keys = ims_aka_keys(p.integrity, p.encryption, ck, ik);
    EspOutbound out(spi, keys);
    for (std::size_t n : sizes) {
      // a UDP segment (checksum 0: none, valid over IPv4) carrying n bytes of SIP
      Bytes udp = {0x13, 0xc6, 0x13, 0xc8, static_cast<std::uint8_t>((n + 8) >> 8), static_cast<std::uint8_t>(n + 8),
                   0,    0};
      const Bytes body = sip_message(n);
      udp.insert(udp.end(), body.begin(), body.end());
      Bytes esp;
      ASSERT_TRUE(out.seal(17, udp, esp));
      requests.push_back("decrypt " + scapy_sa(p, keys) + " " + hex(esp));
      inners.push_back(udp);
    }
    // and a tampered one, which scapy must refuse (it checks the ICV)
    Bytes esp;
    ASSERT_TRUE(out.seal(17, inners.back(), esp));
    esp[esp.size() / 2] ^= 0x04;
    requests.push_back("decrypt " + scapy_sa(p, keys) + " " + hex(esp));
    inners.push_back({});
  }
  const auto answers = run(requests);
  for (std::size_t i = 0; i < answers.size(); ++i) {
    if (inners[i].empty()) {
      EXPECT_EQ(answers[i].rfind("error IPSecIntegrityError", 0), 0u) << answers[i];
      continue;
    }
    EXPECT_EQ(answers[i], "17 " + hex(inners[i])) << requests[i];
  }
}

TEST_F(ScapyPeer, ScapyPacketsWeMustDrop) {
  std::vector<std::string> requests;
  const std::array<std::uint8_t, 16> other{0x11, 0x22};
  for (const Pair& p : pairs) {
    const EspKeys keys = ims_aka_keys(p.integrity, p.encryption, ck, ik);
    const EspKeys wrong = ims_aka_keys(p.integrity, p.encryption, other, other);
    const std::string payload = hex(sip_message(300));
    requests.push_back("encrypt " + scapy_sa(p, keys) + " 1000 17 " + payload);   // accepted
    requests.push_back("encrypt " + scapy_sa(p, wrong) + " 1001 17 " + payload);  // wrong keys
    requests.push_back("encrypt " + scapy_sa(p, keys) + " 1002 17 " + payload);   // flipped bit
    requests.push_back("encrypt " + scapy_sa(p, keys) + " 500 17 " + payload);    // far behind 1000
    requests.push_back("encrypt " + scapy_sa(p, keys) + " 900 17 " + payload);    // inside the window, then again
  }
  const auto answers = run(requests);
  auto esp_of = [](const std::string& a) { return unhex(a.substr(a.find(' ') + 1)); };
  for (std::size_t i = 0; i < std::size(pairs); ++i) {
    const Pair& p = pairs[i];
    SCOPED_TRACE(std::string(p.scapy_auth) + "/" + p.scapy_crypt);
    EspInbound in(spi, ims_aka_keys(p.integrity, p.encryption, ck, ik));
    auto open = [&](Bytes b) { return in.open(b); };
    auto drop = [&](Bytes b) {
      const auto r = in.open(b);
      return std::holds_alternative<EspDrop>(r) ? std::get<EspDrop>(r) : static_cast<EspDrop>(-1);
    };
    const auto* a = &answers[i * 5];
    EXPECT_TRUE(std::holds_alternative<EspInbound::Opened>(open(esp_of(a[0]))));
    EXPECT_EQ(drop(esp_of(a[1])), EspDrop::bad_icv);
    Bytes flipped = esp_of(a[2]);
    flipped[30] ^= 0x10;
    EXPECT_EQ(drop(flipped), EspDrop::bad_icv);
    EXPECT_EQ(drop(esp_of(a[0])), EspDrop::replayed);
    EXPECT_EQ(drop(esp_of(a[3])), EspDrop::replayed);
    EXPECT_TRUE(std::holds_alternative<EspInbound::Opened>(open(esp_of(a[4]))));
    EXPECT_EQ(drop(esp_of(a[4])), EspDrop::replayed);
  }
}

}  // namespace
}  // namespace imsbox::pcscf::ipsec
