#include "webrtc_client_leg.h"

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <array>
#include <random>
#include <stdexcept>

#include "sdp/candidate.h"
#include "sdp/parser.h"

namespace imsbox::bench {

namespace {

using namespace std::chrono_literals;
namespace webrtc = agw::webrtc;

constexpr std::uint32_t kHostPriority = 2130706431;  // type preference 126, local 65535, component 1
constexpr auto kHandshakeTimeout = 10s;
constexpr auto kConsentInterval = 2500ms;
constexpr std::string_view kSrtpExporterLabel = "EXTRACTOR-dtls_srtp";  // RFC 5764 §4.2

std::string random_token(std::mt19937_64& rng, std::size_t n) {
  static constexpr char kAlphabet[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  std::string s(n, 'x');
  for (auto& c : s) c = kAlphabet[rng() % (sizeof kAlphabet - 1)];
  return s;
}

// The reason of OpenSSL's first queued error; empties the queue.
std::string openssl_errors() {
  const unsigned long first = ERR_get_error();
  ERR_clear_error();
  const char* reason = first != 0 ? ERR_reason_error_string(first) : nullptr;
  return reason != nullptr ? reason : "no detail from OpenSSL";
}

std::optional<webrtc::SrtpProfile> profile_of(unsigned long id) {
  for (auto p : {webrtc::SrtpProfile::aead_aes_128_gcm, webrtc::SrtpProfile::aes_cm_128_hmac_sha1_80})
    if (id == static_cast<unsigned long>(p)) return p;
  return std::nullopt;
}

}  // namespace

RemoteWebrtc parse_remote_webrtc(const std::string& body) {
  const auto parsed = sdp::parse(body);
  if (!parsed.ok()) throw std::runtime_error("the relay's answer: " + parsed.error());
  const auto& session = *parsed.description;
  if (session.media.empty()) throw std::runtime_error("the relay's answer has no m= line");
  const auto& media = session.media.front();
  const auto need = [&](std::string_view name) {
    const auto v = sdp::attribute_value(session, media, name);
    if (!v) throw std::runtime_error("the relay's answer has no a=" + std::string(name));
    return std::string(*v);
  };
  const std::string setup = need("setup");
  if (setup != "passive") throw std::runtime_error("the relay's answer has a=setup:" + setup + ", not passive");
  const auto fingerprint = webrtc::parse_fingerprint(need("fingerprint"));
  if (!fingerprint) throw std::runtime_error("the relay's answer has an unusable a=fingerprint");
  RemoteWebrtc r{need("ice-ufrag"), need("ice-pwd"), *fingerprint, {}};
  r.address.sin_family = AF_INET;
  for (const auto value : media.attributes.values("candidate")) {
    const auto c = sdp::parse_candidate(value);
    if (!c || c->component != 1 || !c->is_udp() || inet_pton(AF_INET, c->address.c_str(), &r.address.sin_addr) != 1)
      continue;
    r.address.sin_port = htons(c->port);
    return r;
  }
  const auto* connection = sdp::connection_of(session, media);
  if (connection == nullptr || inet_pton(AF_INET, connection->address.c_str(), &r.address.sin_addr) != 1)
    throw std::runtime_error("the relay's answer has neither an IPv4 host candidate nor an IPv4 c= line");
  r.address.sin_port = htons(media.port);
  return r;
}

WebrtcClientLeg::WebrtcClientLeg(std::shared_ptr<const webrtc::DtlsContext> context, Send send, std::uint64_t seed)
    : context_(std::move(context)), send_(std::move(send)), seed_(seed) {
  std::mt19937_64 rng(seed);
  ufrag_ = random_token(rng, 8);
  password_ = random_token(rng, 24);
  tie_breaker_ = rng();
}

WebrtcClientLeg::~WebrtcClientLeg() {
  if (ssl_ != nullptr) {
    BIO_set_data(SSL_get_wbio(ssl_), nullptr);
    SSL_free(ssl_);
  }
}

std::string WebrtcClientLeg::offer_attributes(std::uint16_t port) const {
  return "a=ice-ufrag:" + ufrag_ + "\r\na=ice-pwd:" + password_ + "\r\na=fingerprint:" +
         context_->fingerprint().to_sdp() + "\r\na=setup:actpass\r\na=candidate:1 1 udp " +
         std::to_string(kHostPriority) + " 127.0.0.1 " + std::to_string(port) + " typ host\r\na=end-of-candidates\r\n";
}

void WebrtcClientLeg::start(RemoteWebrtc remote, Clock::time_point now) {
  if (state_ != State::idle) return;
  remote_ = std::move(remote);
  state_ = State::checking;
  started_ = now;
  send_check(now);
}

void WebrtcClientLeg::send_check(Clock::time_point now) {
  std::mt19937_64 rng(seed_ ^ static_cast<std::uint64_t>(now.time_since_epoch().count()));
  for (auto& b : transaction_) b = static_cast<std::uint8_t>(rng());
  const auto request = binding_request({ufrag_, remote_->ufrag, remote_->password, kHostPriority, tie_breaker_},
                                       transaction_);
  send_(request, remote_->address);
  if (state_ == State::checking) {
    next_check_ = now + check_interval_;
    check_interval_ = std::min<std::chrono::milliseconds>(check_interval_ * 2, 500ms);
  } else {
    next_check_ = now + kConsentInterval;
  }
}

bool WebrtcClientLeg::receive(std::span<std::uint8_t> d, const sockaddr_in& from, Clock::time_point now,
                              std::size_t& rtp_length) {
  if (d.empty() || state_ == State::idle || state_ == State::failed) return false;
  const std::uint8_t first = d[0];
  // STUN (RFC 7983). The relay's messages are taken without checking their
  // integrity: loopback, and a load client, not a browser.
  if (first < 4) {
    if (d.size() < 20) return false;
    const std::uint16_t type = static_cast<std::uint16_t>(d[0] << 8 | d[1]);
    if (type == 0x0001) {  // the relay's own check (a full agent): answer it
      send_(binding_success(d, from, password_), from);
    } else if (type == 0x0101 && std::equal(transaction_.begin(), transaction_.end(), d.begin() + 8) &&
               state_ == State::checking) {
      state_ = State::handshaking;  // nominated: DTLS now, as browsers do
      ice_done_at_ = now;
      next_check_ = now + kConsentInterval;
      ssl_ = SSL_new(context_->native().ctx);
      BIO* rbio = BIO_new(BIO_s_mem());
      BIO* wbio = BIO_new(context_->native().datagram_method);
      if (ssl_ == nullptr || rbio == nullptr || wbio == nullptr) {
        BIO_free(rbio);
        BIO_free(wbio);
        fail("OpenSSL: " + openssl_errors());
        return false;
      }
      BIO_set_mem_eof_return(rbio, -1);
      BIO_set_data(wbio, static_cast<DtlsDatagramTarget*>(this));
      SSL_set_bio(ssl_, rbio, wbio);
      SSL_set_app_data(ssl_, static_cast<DtlsPeerVerifier*>(this));
      SSL_set_mtu(ssl_, 1200);
      SSL_set_connect_state(ssl_);
      handshake(now);
    }
    return false;
  }
  if (first >= 20 && first <= 63) {  // DTLS
    if (ssl_ == nullptr) return false;
    BIO_write(SSL_get_rbio(ssl_), d.data(), static_cast<int>(d.size()));
    if (state_ == State::handshaking) {
      handshake(now);
    } else {
      std::array<unsigned char, 2048> scratch;
      while (SSL_read(ssl_, scratch.data(), static_cast<int>(scratch.size())) > 0) {
      }
      ERR_clear_error();
    }
    (void)BIO_reset(SSL_get_rbio(ssl_));
    return false;
  }
  if (first >= 128 && first <= 191 && state_ == State::connected && d.size() >= 12) {
    std::size_t length = d.size();
    const std::uint8_t pt = d[1] & 0x7f;
    if (pt >= 64 && pt <= 95) {  // RTCP (RFC 5761 §4)
      if (srtp_->unprotect_rtcp(d, length) != webrtc::SrtpStatus::ok) ++srtp_errors_;
      return false;
    }
    if (srtp_->unprotect_rtp(d, length) != webrtc::SrtpStatus::ok) {
      ++srtp_errors_;
      return false;
    }
    rtp_length = length;
    return true;
  }
  return false;
}

void WebrtcClientLeg::handshake(Clock::time_point now) {
  ERR_clear_error();
  const int r = SSL_do_handshake(ssl_);
  if (r != 1) {
    const int err = SSL_get_error(ssl_, r);
    if (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE) return fail("DTLS: " + openssl_errors());
    timeval tv{};
    dtls_deadline_ = DTLSv1_get_timeout(ssl_, &tv) == 1
                         ? now + std::chrono::seconds(tv.tv_sec) + std::chrono::microseconds(tv.tv_usec)
                         : Clock::time_point::max();
    return;
  }
  const SRTP_PROTECTION_PROFILE* selected = SSL_get_selected_srtp_profile(ssl_);
  const auto chosen = selected != nullptr ? profile_of(selected->id) : std::nullopt;
  if (!chosen) return fail("DTLS: no SRTP profile negotiated");
  const std::size_t key = webrtc::master_key_length(*chosen);
  const std::size_t salt = webrtc::master_salt_length(*chosen);
  std::array<std::uint8_t, 2 * (16 + 14)> material{};
  if (SSL_export_keying_material(ssl_, material.data(), 2 * (key + salt), kSrtpExporterLabel.data(),
                                 kSrtpExporterLabel.size(), nullptr, 0, 0) != 1)
    return fail("DTLS: exporting the SRTP keys failed");
  // RFC 5764 §4.2: client key, server key, client salt, server salt; we are the client.
  std::array<std::uint8_t, 16 + 14> send{}, receive{};
  std::copy_n(material.begin(), key, send.begin());
  std::copy_n(material.begin() + 2 * key, salt, send.begin() + key);
  std::copy_n(material.begin() + key, key, receive.begin());
  std::copy_n(material.begin() + 2 * key + salt, salt, receive.begin() + key);
  srtp_ = std::make_unique<webrtc::SrtpSession>(*chosen, std::span(send.data(), key + salt),
                                                std::span(receive.data(), key + salt));
  state_ = State::connected;
  dtls_done_at_ = now;
  dtls_deadline_ = Clock::time_point::max();
}

void WebrtcClientLeg::tick(Clock::time_point now) {
  if (state_ == State::idle || state_ == State::failed) return;
  if (state_ != State::connected && now - started_ > kHandshakeTimeout)
    return fail(state_ == State::checking ? "ICE: no answer to our checks in 10 s" : "DTLS: no handshake in 10 s");
  if (now >= next_check_) send_check(now);
  if (state_ == State::handshaking && now >= dtls_deadline_) {
    if (DTLSv1_handle_timeout(ssl_) < 0) return fail("DTLS: OpenSSL gave up retransmitting");
    handshake(now);
  }
}

bool WebrtcClientLeg::send_rtp(std::span<std::uint8_t> buffer, std::size_t length) {
  if (state_ != State::connected) return false;
  if (srtp_->protect_rtp(buffer, length) != webrtc::SrtpStatus::ok) {
    ++srtp_errors_;
    return false;
  }
  send_(buffer.first(length), remote_->address);
  return true;
}

std::optional<webrtc::SrtpProfile> WebrtcClientLeg::profile() const {
  return srtp_ ? std::optional(srtp_->profile()) : std::nullopt;
}

void WebrtcClientLeg::write_datagram(const unsigned char* data, std::size_t size) {
  if (remote_) send_(std::span<const std::uint8_t>(data, size), remote_->address);
}

bool WebrtcClientLeg::accept_peer_certificate(X509* certificate) {
  const auto actual = webrtc::fingerprint_of(certificate, remote_->fingerprint.algorithm());
  return actual && *actual == remote_->fingerprint;
}

void WebrtcClientLeg::fail(std::string why) {
  if (state_ == State::failed) return;
  state_ = State::failed;
  failure_ = std::move(why);
}

}  // namespace imsbox::bench
