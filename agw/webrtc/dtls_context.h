#pragma once
// The process's (or a worker's) DTLS-SRTP identity and settings: an ECDSA
// P-256 key and a self-signed certificate made at start, its fingerprint for
// the SDP a=fingerprint we send, and the OpenSSL SSL_CTX every leg's DTLS
// session is made from (RFC 5763, RFC 5764, RFC 8827 §6.5).
//
// Threading: both are immutable once made and may be shared read-only by
// every worker thread (OpenSSL reference-counts the key and certificate and
// makes sessions from a shared SSL_CTX safely).
#include <memory>
#include <string>
#include <vector>

#include "agw/webrtc/fingerprint.h"
#include "agw/webrtc/srtp_session.h"

namespace imsbox::agw::webrtc {

class DtlsCertificate {
 public:
  // A fresh key and a self-signed certificate (CN=`common_name`, valid from a
  // day ago for 30 days: browsers check nothing but the fingerprint, and a
  // process that runs longer makes a new one at its next start). Throws
  // std::runtime_error naming the OpenSSL step that failed.
  static std::shared_ptr<const DtlsCertificate> generate(const std::string& common_name = "imsbox-agw");
  ~DtlsCertificate();
  DtlsCertificate(const DtlsCertificate&) = delete;
  DtlsCertificate& operator=(const DtlsCertificate&) = delete;

  // sha-256 of the DER certificate, for a=fingerprint.
  const Fingerprint& fingerprint() const { return fingerprint_; }

  struct Native;  // the OpenSSL objects, for dtls_context.cpp
  const Native& native() const { return *native_; }

 private:
  DtlsCertificate(std::unique_ptr<Native> native, Fingerprint fingerprint);
  std::unique_ptr<Native> native_;
  Fingerprint fingerprint_;
};

struct DtlsContextOptions {
  // Our order of preference; the server (we) picks the first one the client
  // offers. Empty is invalid.
  std::vector<SrtpProfile> srtp_profiles{SrtpProfile::aead_aes_128_gcm, SrtpProfile::aes_cm_128_hmac_sha1_80};
};

class DtlsContext {
 public:
  // Throws std::invalid_argument (no profile) or std::runtime_error (OpenSSL).
  DtlsContext(std::shared_ptr<const DtlsCertificate> certificate, DtlsContextOptions options = {});
  ~DtlsContext();
  DtlsContext(const DtlsContext&) = delete;
  DtlsContext& operator=(const DtlsContext&) = delete;

  const Fingerprint& fingerprint() const { return certificate_->fingerprint(); }
  const std::vector<SrtpProfile>& srtp_profiles() const { return options_.srtp_profiles; }

  struct Native;  // SSL_CTX and the datagram BIO method, for dtls_srtp_transport.cpp
  const Native& native() const { return *native_; }

 private:
  std::shared_ptr<const DtlsCertificate> certificate_;
  DtlsContextOptions options_;
  std::unique_ptr<Native> native_;
};

}  // namespace imsbox::agw::webrtc
