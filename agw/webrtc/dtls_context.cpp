#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <memory>
#include <stdexcept>
#include <string>

#include "agw/webrtc/dtls_context.h"
#include "agw/webrtc/dtls_native.h"

namespace imsbox::agw::webrtc {

namespace {

void check(bool ok, const char* what) {
  if (ok) return;
  char detail[256] = "";
  ERR_error_string_n(ERR_get_error(), detail, sizeof detail);
  ERR_clear_error();
  throw std::runtime_error(std::string("DTLS setup failed at ") + what + ": " + detail);
}

const EVP_MD* digest_of(FingerprintAlgorithm algorithm) {
  switch (algorithm) {
    case FingerprintAlgorithm::sha1: return EVP_sha1();
    case FingerprintAlgorithm::sha224: return EVP_sha224();
    case FingerprintAlgorithm::sha256: return EVP_sha256();
    case FingerprintAlgorithm::sha384: return EVP_sha384();
    case FingerprintAlgorithm::sha512: return EVP_sha512();
  }
  return EVP_sha256();
}

}  // namespace

std::optional<Fingerprint> fingerprint_of(X509* certificate, FingerprintAlgorithm algorithm) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (certificate == nullptr || X509_digest(certificate, digest_of(algorithm), md, &len) != 1 ||
      len != digest_length(algorithm))
    return std::nullopt;
  return Fingerprint(algorithm, std::span<const std::uint8_t>(md, len));
}

DtlsCertificate::Native::~Native() {
  X509_free(certificate);
  EVP_PKEY_free(key);
}

DtlsCertificate::DtlsCertificate(std::unique_ptr<Native> native, Fingerprint fingerprint)
    : native_(std::move(native)), fingerprint_(fingerprint) {}

DtlsCertificate::~DtlsCertificate() = default;

std::shared_ptr<const DtlsCertificate> DtlsCertificate::generate(const std::string& common_name) {
  auto native = std::make_unique<Native>();
  native->key = EVP_EC_gen("P-256");
  check(native->key != nullptr, "ECDSA P-256 key");
  X509* cert = native->certificate = X509_new();
  check(cert != nullptr, "X509_new");
  check(X509_set_version(cert, 2) == 1, "version");
  unsigned char serial[8];
  check(RAND_bytes(serial, sizeof serial) == 1, "serial");
  serial[0] &= 0x7f;  // positive
  std::unique_ptr<BIGNUM, decltype(&BN_free)> bn(BN_bin2bn(serial, sizeof serial, nullptr), BN_free);
  check(bn && BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(cert)) != nullptr, "serial");
  // A day back: peers whose clock is behind ours still take it.
  check(X509_gmtime_adj(X509_getm_notBefore(cert), -24L * 3600) != nullptr, "notBefore");
  check(X509_gmtime_adj(X509_getm_notAfter(cert), 30L * 24 * 3600) != nullptr, "notAfter");
  X509_NAME* name = X509_get_subject_name(cert);
  check(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                   reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1, 0) == 1,
        "subject");
  check(X509_set_issuer_name(cert, name) == 1, "issuer");
  check(X509_set_pubkey(cert, native->key) == 1, "public key");
  check(X509_sign(cert, native->key, EVP_sha256()) > 0, "sign");
  auto fingerprint = fingerprint_of(cert, FingerprintAlgorithm::sha256);
  check(fingerprint.has_value(), "fingerprint");
  return std::shared_ptr<const DtlsCertificate>(new DtlsCertificate(std::move(native), *fingerprint));
}

// ---- the datagram BIO: each write is one datagram of the session that owns the BIO ----

namespace {

int datagram_write(BIO* bio, const char* data, int size) {
  if (size <= 0) return 0;
  if (auto* target = static_cast<DtlsDatagramTarget*>(BIO_get_data(bio)))
    target->write_datagram(reinterpret_cast<const unsigned char*>(data), static_cast<std::size_t>(size));
  return size;
}

long datagram_ctrl(BIO*, int cmd, long, void*) {
  switch (cmd) {
    case BIO_CTRL_FLUSH:
      return 1;  // every write already went out whole
    case BIO_CTRL_DGRAM_GET_MTU_OVERHEAD:
      return 0;  // the MTU we set is the datagram payload (ICE adds nothing)
    default:
      return 0;  // no MTU query (SSL_OP_NO_QUERY_MTU), nothing pending, no peer address
  }
}

int datagram_create(BIO* bio) {
  BIO_set_init(bio, 1);
  return 1;
}

// Replaces OpenSSL's chain verification: the leaf certificate is taken or
// refused by the session's DtlsPeerVerifier (the a=fingerprint check).
int verify_certificate(X509_STORE_CTX* store, void*) {
  auto* ssl = static_cast<SSL*>(X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx()));
  auto* verifier = ssl != nullptr ? static_cast<DtlsPeerVerifier*>(SSL_get_app_data(ssl)) : nullptr;
  X509* leaf = X509_STORE_CTX_get0_cert(store);
  if (verifier == nullptr || leaf == nullptr || !verifier->accept_peer_certificate(leaf)) {
    X509_STORE_CTX_set_error(store, X509_V_ERR_CERT_REJECTED);
    return 0;
  }
  return 1;
}

}  // namespace

DtlsContext::Native::~Native() {
  SSL_CTX_free(ctx);
  BIO_meth_free(datagram_method);
}

DtlsContext::DtlsContext(std::shared_ptr<const DtlsCertificate> certificate, DtlsContextOptions options)
    : certificate_(std::move(certificate)), options_(std::move(options)), native_(std::make_unique<Native>()) {
  if (!certificate_) throw std::invalid_argument("DtlsContext needs a certificate");
  if (options_.srtp_profiles.empty()) throw std::invalid_argument("DtlsContext needs at least one SRTP profile");
  Native& n = *native_;
  n.datagram_method = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "imsbox DTLS datagram");
  check(n.datagram_method != nullptr, "BIO_meth_new");
  BIO_meth_set_write(n.datagram_method, datagram_write);
  BIO_meth_set_ctrl(n.datagram_method, datagram_ctrl);
  BIO_meth_set_create(n.datagram_method, datagram_create);

  n.ctx = SSL_CTX_new(DTLS_method());
  check(n.ctx != nullptr, "SSL_CTX_new");
  check(SSL_CTX_set_min_proto_version(n.ctx, DTLS1_2_VERSION) == 1, "DTLS 1.2 minimum");
  check(SSL_CTX_use_certificate(n.ctx, certificate_->native().certificate) == 1, "certificate");
  check(SSL_CTX_use_PrivateKey(n.ctx, certificate_->native().key) == 1, "private key");
  check(SSL_CTX_check_private_key(n.ctx) == 1, "key matches certificate");
  std::string profiles;
  for (SrtpProfile p : options_.srtp_profiles) {
    if (!profiles.empty()) profiles += ':';
    profiles += openssl_name(p);
  }
  // Returns 0 on success (sic).
  check(SSL_CTX_set_tlsext_use_srtp(n.ctx, profiles.c_str()) == 0, "use_srtp profiles");
  // The peer must present a certificate; whether we take it is the
  // fingerprint check alone (self-signed, no chain, no names).
  SSL_CTX_set_verify(n.ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
  SSL_CTX_set_cert_verify_callback(n.ctx, verify_certificate, nullptr);
  SSL_CTX_set_session_cache_mode(n.ctx, SSL_SESS_CACHE_OFF);
  SSL_CTX_set_options(n.ctx, SSL_OP_NO_QUERY_MTU | SSL_OP_NO_TICKET);
}

DtlsContext::~DtlsContext() = default;

}  // namespace imsbox::agw::webrtc
