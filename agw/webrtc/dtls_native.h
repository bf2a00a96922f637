#pragma once
// Private to imsbox_webrtc's .cpp files: the OpenSSL objects behind
// DtlsCertificate and DtlsContext.
#include <openssl/bio.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <cstddef>
#include <optional>

#include "agw/webrtc/dtls_context.h"

namespace imsbox::agw::webrtc {

struct DtlsCertificate::Native {
  EVP_PKEY* key = nullptr;
  X509* certificate = nullptr;
  ~Native();
};

struct DtlsContext::Native {
  SSL_CTX* ctx = nullptr;
  // Writes of one DTLS session become one datagram each (BIO_s_mem would
  // run a flight's records together; BIO_s_dgram_mem is OpenSSL 3.2+).
  BIO_METHOD* datagram_method = nullptr;
  ~Native();
};

// Where the datagram BIO's writes go (BIO_set_data): one DTLS session.
class DtlsDatagramTarget {
 public:
  virtual void write_datagram(const unsigned char* data, std::size_t size) = 0;

 protected:
  ~DtlsDatagramTarget() = default;
};

// Decides whether a DTLS session takes the peer's certificate (SSL_set_app_data
// of the session's SSL): the SSL_CTX's certificate verification asks it.
class DtlsPeerVerifier {
 public:
  virtual bool accept_peer_certificate(X509* certificate) = 0;

 protected:
  ~DtlsPeerVerifier() = default;
};

// The fingerprint of a certificate with the given hash; nullopt when OpenSSL fails.
std::optional<Fingerprint> fingerprint_of(X509* certificate, FingerprintAlgorithm algorithm);

}  // namespace imsbox::agw::webrtc
