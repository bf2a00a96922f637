#include "agw/webrtc/dtls_srtp_transport.h"

#include <openssl/err.h>

#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <stdexcept>
#include <vector>

#include "agw/webrtc/dtls_native.h"
#include "runtime/log.h"

namespace imsbox::agw::webrtc {

namespace {

constexpr std::string_view kSrtpExporterLabel = "EXTRACTOR-dtls_srtp";  // RFC 5764 §4.2

// The queue of the OpenSSL error stack as one line; empties it.
std::string openssl_errors() {
  std::string out;
  while (unsigned long e = ERR_get_error()) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof buf);
    if (!out.empty()) out += "; ";
    out += buf;
  }
  return out.empty() ? "no detail from OpenSSL" : out;
}

std::optional<SrtpProfile> profile_of(unsigned long id) {
  if (id == static_cast<unsigned long>(SrtpProfile::aead_aes_128_gcm)) return SrtpProfile::aead_aes_128_gcm;
  if (id == static_cast<unsigned long>(SrtpProfile::aes_cm_128_hmac_sha1_80))
    return SrtpProfile::aes_cm_128_hmac_sha1_80;
  return std::nullopt;
}

}  // namespace

std::string_view to_string(DtlsState state) {
  switch (state) {
    case DtlsState::idle: return "idle";
    case DtlsState::handshaking: return "handshaking";
    case DtlsState::connected: return "connected";
    case DtlsState::failed: return "failed";
    case DtlsState::closed: return "closed";
  }
  return "?";
}

std::string_view to_string(DtlsFailure failure) {
  switch (failure) {
    case DtlsFailure::handshake_timeout: return "handshake timeout";
    case DtlsFailure::fingerprint_mismatch: return "fingerprint mismatch";
    case DtlsFailure::protocol_error: return "protocol error";
    case DtlsFailure::no_srtp_profile: return "no common SRTP profile";
  }
  return "?";
}

struct DtlsSrtpTransport::Impl final : DtlsDatagramTarget, DtlsPeerVerifier, std::enable_shared_from_this<Impl> {
  Impl(boost::asio::io_context& io, std::shared_ptr<const DtlsContext> ctx, std::optional<Fingerprint> remote, Events& ev,
       runtime::Logger& lg, DtlsTransportOptions opts)
      : context(std::move(ctx)),
        expected(remote),
        events(ev),
        log(lg),
        options(std::move(opts)),
        retransmit_timer(io),
        deadline_timer(io) {
    ssl = SSL_new(context->native().ctx);
    if (ssl == nullptr) throw std::runtime_error("SSL_new failed: " + openssl_errors());
    BIO* rbio = BIO_new(BIO_s_mem());
    BIO* wbio = BIO_new(context->native().datagram_method);
    if (rbio == nullptr || wbio == nullptr) {
      BIO_free(rbio);
      BIO_free(wbio);
      SSL_free(ssl);
      throw std::runtime_error("BIO_new failed: " + openssl_errors());
    }
    // An empty memory BIO reports "retry" rather than end of file.
    BIO_set_mem_eof_return(rbio, -1);
    BIO_set_data(wbio, static_cast<DtlsDatagramTarget*>(this));
    SSL_set_bio(ssl, rbio, wbio);
    SSL_set_app_data(ssl, static_cast<DtlsPeerVerifier*>(this));
    SSL_set_mtu(ssl, static_cast<long>(options.mtu));
    SSL_set_accept_state(ssl);
  }

  ~Impl() {
    if (ssl != nullptr) {
      BIO_set_data(SSL_get_wbio(ssl), nullptr);
      SSL_free(ssl);
    }
  }

  // ---- OpenSSL's callbacks ----

  void write_datagram(const unsigned char* data, std::size_t size) override {
    if (size > options.mtu)  // cannot happen with SSL_set_mtu; a datagram over the MTU would be lost on the path
      log.warning(tag() + "DTLS wrote a " + std::to_string(size) + "-byte datagram (MTU " +
                  std::to_string(options.mtu) + ")");
    outgoing.emplace_back(data, data + size);
  }

  bool accept_peer_certificate(X509* certificate) override {
    if (!expected) return true;  // checked once the fingerprint comes (set_remote_fingerprint)
    const auto actual = fingerprint_of(certificate, expected->algorithm());
    if (actual && *actual == *expected) return true;
    mismatch = describe_mismatch(actual);
    return false;
  }

  std::string describe_mismatch(const std::optional<Fingerprint>& actual) const {
    return "the peer's certificate is " + (actual ? actual->to_sdp() : std::string("unreadable")) +
           ", its a=fingerprint " + expected->to_sdp();
  }

  // ---- driving the session ----

  void start() {
    if (state != DtlsState::idle) return;
    state = DtlsState::handshaking;
    deadline_timer.expires_after(options.handshake_timeout);
    deadline_timer.async_wait([weak = weak_from_this()](const boost::system::error_code& ec) {
      if (ec) return;
      if (auto self = weak.lock()) self->on_deadline();
    });
  }

  void start_as_client() {
    if (state != DtlsState::idle || received_records != 0) return;
    SSL_set_connect_state(ssl);
    start();
    handshake();  // the ClientHello
  }

  void handle(std::span<const std::uint8_t> datagram) {
    if (state == DtlsState::idle) start();
    if (state != DtlsState::handshaking && state != DtlsState::connected) return;
    if (datagram.empty() || datagram.size() > 65535) return;
    BIO* rbio = SSL_get_rbio(ssl);
    if (BIO_write(rbio, datagram.data(), static_cast<int>(datagram.size())) != static_cast<int>(datagram.size()))
      return;
    ++received_records;
    if (state == DtlsState::handshaking && !handshake_complete)
      handshake();
    else
      read_records();
    // Whatever OpenSSL left unread (junk) must not prefix the next datagram.
    if (ssl != nullptr) (void)BIO_reset(SSL_get_rbio(ssl));
  }

  void handshake() {
    ERR_clear_error();
    const int r = SSL_do_handshake(ssl);
    flush();
    if (r == 1) return handshake_done();
    const int err = SSL_get_error(ssl, r);
    if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) return arm_retransmit();
    const std::string detail = openssl_errors();
    // (A peer without a profile of ours completes the handshake: use_srtp is
    // optional to TLS. handshake_done() refuses it.)
    if (!mismatch.empty()) return fail(DtlsFailure::fingerprint_mismatch, mismatch);
    fail(DtlsFailure::protocol_error, detail);
  }

  void handshake_done() {
    const SRTP_PROTECTION_PROFILE* selected = SSL_get_selected_srtp_profile(ssl);
    const auto chosen = selected != nullptr ? profile_of(selected->id) : std::nullopt;
    if (!chosen)
      return fail(DtlsFailure::no_srtp_profile, selected == nullptr ? "the peer sent no use_srtp extension"
                                                                     : "OpenSSL chose a profile we did not offer");
    const std::size_t key = master_key_length(*chosen);
    const std::size_t salt = master_salt_length(*chosen);
    std::array<std::uint8_t, 2 * (16 + 14)> material{};
    const std::size_t total = 2 * (key + salt);
    if (SSL_export_keying_material(ssl, material.data(), total, kSrtpExporterLabel.data(), kSrtpExporterLabel.size(),
                                   nullptr, 0, 0) != 1)
      return fail(DtlsFailure::protocol_error, "exporting the SRTP keys failed: " + openssl_errors());
    // RFC 5764 §4.2: client key, server key, client salt, server salt. Each
    // side sends with its own and receives with the other's.
    const bool server = SSL_is_server(ssl) == 1;
    const std::size_t own = server ? 1 : 0;
    const std::size_t peer = 1 - own;
    std::array<std::uint8_t, 16 + 14> send{}, receive{};
    std::copy_n(material.begin() + own * key, key, send.begin());
    std::copy_n(material.begin() + 2 * key + own * salt, salt, send.begin() + key);
    std::copy_n(material.begin() + peer * key, key, receive.begin());
    std::copy_n(material.begin() + 2 * key + peer * salt, salt, receive.begin() + key);
    try {
      srtp = std::make_unique<SrtpSession>(*chosen, std::span(send.data(), key + salt),
                                           std::span(receive.data(), key + salt));
    } catch (const std::exception& e) {
      OPENSSL_cleanse(material.data(), material.size());
      OPENSSL_cleanse(send.data(), send.size());
      OPENSSL_cleanse(receive.data(), receive.size());
      return fail(DtlsFailure::protocol_error, std::string("SRTP setup failed: ") + e.what());
    }
    OPENSSL_cleanse(material.data(), material.size());
    OPENSSL_cleanse(send.data(), send.size());
    OPENSSL_cleanse(receive.data(), receive.size());
    profile = chosen;
    handshake_complete = true;
    retransmit_timer.cancel();
    if (!expected) {
      log.debug(tag() + "DTLS handshake complete; waiting for the peer's a=fingerprint");
      return;
    }
    verify_and_connect();
  }

  // The handshake is complete and the fingerprint known: the certificate
  // decides. The verification callback already checked it when it could; a
  // handshake without a certificate cannot complete
  // (SSL_VERIFY_FAIL_IF_NO_PEER_CERT). Checked here in every case, so that
  // no path ever skips it.
  void verify_and_connect() {
    X509* peer = SSL_get0_peer_certificate(ssl);
    const auto actual = peer != nullptr ? fingerprint_of(peer, expected->algorithm()) : std::nullopt;
    if (!actual || !(*actual == *expected)) {
      if (peer != nullptr) SSL_shutdown(ssl);  // tell the peer (close_notify) rather than leave it hanging
      flush();
      return fail(DtlsFailure::fingerprint_mismatch, describe_mismatch(actual));
    }
    state = DtlsState::connected;
    deadline_timer.cancel();
    log.info(tag() + "DTLS connected (" + SSL_get_version(ssl) + ", " + SSL_get_cipher_name(ssl) + "), SRTP " +
             std::string(to_string(*profile)));
    if (callbacks) events.on_dtls_connected(*profile);
  }

  void set_fingerprint(const Fingerprint& fingerprint) {
    if (expected) return;  // the first one counts; a changed one needs a new transport
    expected = fingerprint;
    if (state == DtlsState::handshaking && handshake_complete) verify_and_connect();
  }

  void read_records() {
    std::array<unsigned char, 2048> scratch;
    for (;;) {
      ERR_clear_error();
      const int r = SSL_read(ssl, scratch.data(), static_cast<int>(scratch.size()));
      flush();  // a retransmitted final flight, when the peer's Finished came again
      if (r > 0) {
        if (ignored_application_data++ == 0)
          log.info(tag() + "DTLS application data ignored (no data channels on this leg)");
        continue;
      }
      const int err = SSL_get_error(ssl, r);
      if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) return;
      if (err == SSL_ERROR_ZERO_RETURN) {
        state = DtlsState::closed;
        log.info(tag() + "DTLS closed by the peer (close_notify)");
        if (callbacks) events.on_dtls_closed();
        return;
      }
      return fail(DtlsFailure::protocol_error, "after the handshake: " + openssl_errors());
    }
  }

  void arm_retransmit() {
    timeval tv{};
    if (DTLSv1_get_timeout(ssl, &tv) != 1) {
      retransmit_timer.cancel();
      return;
    }
    retransmit_timer.expires_after(std::chrono::seconds(tv.tv_sec) + std::chrono::microseconds(tv.tv_usec));
    retransmit_timer.async_wait([weak = weak_from_this()](const boost::system::error_code& ec) {
      if (ec) return;
      if (auto self = weak.lock()) self->on_retransmit();
    });
  }

  void on_retransmit() {
    if (state != DtlsState::handshaking) return;
    ERR_clear_error();
    const int r = DTLSv1_handle_timeout(ssl);
    flush();
    if (r < 0)
      return fail(DtlsFailure::handshake_timeout, "the peer stopped answering (OpenSSL gave up retransmitting)");
    arm_retransmit();
  }

  void on_deadline() {
    if (state != DtlsState::handshaking) return;
    const std::string within = " within " + std::to_string(options.handshake_timeout.count()) + " ms";
    if (handshake_complete) return fail(DtlsFailure::handshake_timeout, "no a=fingerprint of the peer" + within);
    fail(DtlsFailure::handshake_timeout,
         "no complete handshake" + within + (received_records == 0 ? " (nothing received from the peer)" : ""));
  }

  void flush() {
    for (const auto& d : outgoing)
      if (callbacks) events.send_dtls(d);
    outgoing.clear();
  }

  void fail(DtlsFailure failure, const std::string& detail) {
    if (state == DtlsState::failed || state == DtlsState::closed) return;
    state = DtlsState::failed;
    retransmit_timer.cancel();
    deadline_timer.cancel();
    log.warning(tag() + "DTLS failed: " + std::string(to_string(failure)) + ": " + detail);
    if (callbacks) events.on_dtls_failed(failure, detail);
  }

  void close() {
    if (state == DtlsState::connected) {
      ERR_clear_error();
      SSL_shutdown(ssl);
      flush();
    }
    if (state != DtlsState::failed) state = DtlsState::closed;
    callbacks = false;
    retransmit_timer.cancel();
    deadline_timer.cancel();
  }

  std::string tag() const { return options.log_tag.empty() ? std::string() : options.log_tag + ": "; }

  std::shared_ptr<const DtlsContext> context;
  std::optional<Fingerprint> expected;
  Events& events;
  runtime::Logger& log;
  DtlsTransportOptions options;
  boost::asio::steady_timer retransmit_timer;
  boost::asio::steady_timer deadline_timer;
  SSL* ssl = nullptr;
  DtlsState state = DtlsState::idle;
  std::optional<SrtpProfile> profile;
  std::unique_ptr<SrtpSession> srtp;
  std::vector<std::vector<std::uint8_t>> outgoing;  // written during one OpenSSL call (handshake only)
  std::string mismatch;                             // set by the verification callback
  std::uint64_t received_records = 0;
  std::uint64_t ignored_application_data = 0;
  bool handshake_complete = false;  // keys exported; connected once the certificate matched
  bool callbacks = true;
};

DtlsSrtpTransport::DtlsSrtpTransport(boost::asio::io_context& io, std::shared_ptr<const DtlsContext> context,
                                     std::optional<Fingerprint> remote_fingerprint, Events& events,
                                     runtime::Logger& log,
                                     DtlsTransportOptions options)
    : impl_(std::make_shared<Impl>(io, std::move(context), remote_fingerprint, events, log, std::move(options))) {}

DtlsSrtpTransport::~DtlsSrtpTransport() {
  impl_->callbacks = false;
  impl_->retransmit_timer.cancel();
  impl_->deadline_timer.cancel();
}

void DtlsSrtpTransport::start() { impl_->start(); }

void DtlsSrtpTransport::start_as_client() { impl_->start_as_client(); }

void DtlsSrtpTransport::handle_dtls(std::span<const std::uint8_t> datagram) { impl_->handle(datagram); }

void DtlsSrtpTransport::set_remote_fingerprint(const Fingerprint& fingerprint) { impl_->set_fingerprint(fingerprint); }

void DtlsSrtpTransport::close() { impl_->close(); }

DtlsState DtlsSrtpTransport::state() const { return impl_->state; }

std::optional<SrtpProfile> DtlsSrtpTransport::srtp_profile() const { return impl_->profile; }

bool DtlsSrtpTransport::export_keying_material(std::span<std::uint8_t> out, std::string_view label) const {
  if (impl_->state != DtlsState::connected) return false;
  return SSL_export_keying_material(impl_->ssl, out.data(), out.size(), label.data(), label.size(), nullptr, 0, 0) ==
         1;
}

SrtpStatus DtlsSrtpTransport::protect_rtp(std::span<std::uint8_t> buffer, std::size_t& length) noexcept {
  return impl_->state == DtlsState::connected ? impl_->srtp->protect_rtp(buffer, length) : SrtpStatus::not_ready;
}

SrtpStatus DtlsSrtpTransport::protect_rtcp(std::span<std::uint8_t> buffer, std::size_t& length) noexcept {
  return impl_->state == DtlsState::connected ? impl_->srtp->protect_rtcp(buffer, length) : SrtpStatus::not_ready;
}

SrtpStatus DtlsSrtpTransport::unprotect_rtp(std::span<std::uint8_t> packet, std::size_t& length) noexcept {
  return impl_->state == DtlsState::connected ? impl_->srtp->unprotect_rtp(packet, length) : SrtpStatus::not_ready;
}

SrtpStatus DtlsSrtpTransport::unprotect_rtcp(std::span<std::uint8_t> packet, std::size_t& length) noexcept {
  return impl_->state == DtlsState::connected ? impl_->srtp->unprotect_rtcp(packet, length) : SrtpStatus::not_ready;
}

}  // namespace imsbox::agw::webrtc
