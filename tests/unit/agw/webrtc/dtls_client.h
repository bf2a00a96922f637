#pragma once
// A DTLS-SRTP client for the tests, on OpenSSL directly (as a browser is:
// the DTLS client, with its own self-signed certificate), over memory BIOs.
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace imsbox::agw::webrtc::test {

class DtlsClient {
 public:
  // srtp_profiles: OpenSSL names separated by ':', or empty for no use_srtp.
  explicit DtlsClient(const std::string& srtp_profiles) {
    key_ = EVP_EC_gen("P-256");
    cert_ = X509_new();
    X509_set_version(cert_, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert_), 4242);
    X509_gmtime_adj(X509_getm_notBefore(cert_), -3600);
    X509_gmtime_adj(X509_getm_notAfter(cert_), 3600);
    X509_NAME* name = X509_get_subject_name(cert_);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, reinterpret_cast<const unsigned char*>("browser"), -1, -1,
                               0);
    X509_set_issuer_name(cert_, name);
    X509_set_pubkey(cert_, key_);
    if (X509_sign(cert_, key_, EVP_sha256()) <= 0) throw std::runtime_error("test certificate");
    ctx_ = SSL_CTX_new(DTLS_client_method());
    SSL_CTX_use_certificate(ctx_, cert_);
    SSL_CTX_use_PrivateKey(ctx_, key_);
    if (!srtp_profiles.empty() && SSL_CTX_set_tlsext_use_srtp(ctx_, srtp_profiles.c_str()) != 0)
      throw std::runtime_error("use_srtp");
    SSL_CTX_set_verify(ctx_, SSL_VERIFY_NONE, nullptr);  // the test compares the fingerprint itself
    ssl_ = SSL_new(ctx_);
    rbio_ = BIO_new(BIO_s_mem());
    wbio_ = BIO_new(BIO_s_mem());
    BIO_set_mem_eof_return(rbio_, -1);
    SSL_set_bio(ssl_, rbio_, wbio_);
    SSL_set_connect_state(ssl_);
  }
  ~DtlsClient() {
    SSL_free(ssl_);
    SSL_CTX_free(ctx_);
    X509_free(cert_);
    EVP_PKEY_free(key_);
  }
  DtlsClient(const DtlsClient&) = delete;
  DtlsClient& operator=(const DtlsClient&) = delete;

  // sha-256 of our certificate, as "sha-256 AB:..." for a=fingerprint.
  std::string fingerprint_sdp() const { return fingerprint_sdp_of(cert_); }
  static std::string fingerprint_sdp_of(X509* cert) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    X509_digest(cert, EVP_sha256(), md, &n);
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out = "sha-256 ";
    for (unsigned i = 0; i < n; ++i) {
      if (i) out += ':';
      out += kHex[md[i] >> 4];
      out += kHex[md[i] & 15];
    }
    return out;
  }

  // Runs the handshake (or reads, once done) as far as the input allows.
  // Returns false when the client failed (alert received, error).
  bool step() {
    ERR_clear_error();
    if (!SSL_is_init_finished(ssl_)) {
      const int r = SSL_do_handshake(ssl_);
      if (r == 1) return true;
      const int e = SSL_get_error(ssl_, r);
      failed_ = failed_ || (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE);
      return !failed_;
    }
    unsigned char buf[2048];
    for (;;) {
      const int r = SSL_read(ssl_, buf, sizeof buf);
      if (r > 0) continue;
      const int e = SSL_get_error(ssl_, r);
      if (e == SSL_ERROR_WANT_READ) return true;
      if (e == SSL_ERROR_ZERO_RETURN) {
        closed_ = true;
        return true;
      }
      failed_ = true;
      return false;
    }
  }
  // What the client wrote since the last call: one chunk (a memory BIO runs a flight together).
  std::vector<std::uint8_t> take_output() {
    std::vector<std::uint8_t> out(static_cast<std::size_t>(BIO_ctrl_pending(wbio_)));
    if (!out.empty()) BIO_read(wbio_, out.data(), static_cast<int>(out.size()));
    return out;
  }
  void give_input(const std::vector<std::uint8_t>& datagram) {
    BIO_write(rbio_, datagram.data(), static_cast<int>(datagram.size()));
  }
  void handle_timeout() { DTLSv1_handle_timeout(ssl_); }
  void shutdown() { SSL_shutdown(ssl_); }

  bool connected() const { return SSL_is_init_finished(ssl_) == 1; }
  bool failed() const { return failed_; }
  bool closed() const { return closed_; }
  SSL* ssl() const { return ssl_; }
  unsigned long selected_srtp_id() const {
    const SRTP_PROTECTION_PROFILE* p = SSL_get_selected_srtp_profile(ssl_);
    return p != nullptr ? p->id : 0;
  }
  std::vector<std::uint8_t> export_keys(std::size_t n) const {
    std::vector<std::uint8_t> out(n);
    static constexpr char kLabel[] = "EXTRACTOR-dtls_srtp";
    if (SSL_export_keying_material(ssl_, out.data(), n, kLabel, sizeof kLabel - 1, nullptr, 0, 0) != 1) return {};
    return out;
  }

 private:
  EVP_PKEY* key_ = nullptr;
  X509* cert_ = nullptr;
  SSL_CTX* ctx_ = nullptr;
  SSL* ssl_ = nullptr;
  BIO* rbio_ = nullptr;
  BIO* wbio_ = nullptr;
  bool failed_ = false;
  bool closed_ = false;
};

}  // namespace imsbox::agw::webrtc::test
