#include "agw/webrtc/browser_leg.h"

#include "agw/webrtc/main_context_driver.h"
#include "rtp/demux.h"
#include "runtime/log.h"

namespace imsbox::agw::webrtc {

namespace {

constexpr std::size_t kMaxEarlyDtls = 8;

DtlsTransportOptions dtls_options(const BrowserLegConfig& config) {
  DtlsTransportOptions o;
  o.handshake_timeout = config.dtls_handshake_timeout;
  o.log_tag = config.log_tag;
  return o;
}

}  // namespace

std::string_view to_string(LegFailure failure) {
  switch (failure) {
    case LegFailure::ice_failed: return "ICE failed";
    case LegFailure::consent_lost: return "consent lost";
    case LegFailure::dtls_failed: return "DTLS failed";
    case LegFailure::dtls_closed: return "DTLS closed by the peer";
  }
  return "?";
}

BrowserLeg::BrowserLeg(boost::asio::io_context& io, std::shared_ptr<const DtlsContext> dtls, BrowserLegConfig config,
                       Events& events, runtime::Logger& log)
    : dtls_context_(dtls),
      events_(events),
      log_(log),
      tag_(config.log_tag.empty() ? std::string() : config.log_tag + ": "),
      driver_(io),
      ice_(driver_, IceLiteConfig{config.address, config.port, config.log_tag}, *this, log),
      dtls_(io, std::move(dtls), std::nullopt, *this, log, dtls_options(config)) {}

BrowserLeg::~BrowserLeg() = default;

void BrowserLeg::set_remote(const BrowserRemote& remote) {
  if (!remote.ice_ufrag.empty()) ice_.set_remote_credentials(remote.ice_ufrag, remote.ice_pwd);
  for (const auto& c : remote.candidates) ice_.add_remote_candidate(c);
  if (remote.fingerprint) dtls_.set_remote_fingerprint(*remote.fingerprint);
  if (remote.dtls_client) dtls_.start_as_client();  // its ClientHello waits in early_dtls_ for ICE
}

bool BrowserLeg::send_rtp(std::span<std::uint8_t> buffer, std::size_t length) noexcept {
  if (!connected_ || failed_) return false;
  const std::size_t plain = length;
  if (dtls_.protect_rtp(buffer, length) != SrtpStatus::ok) return false;
  if (!ice_.send(buffer.first(length))) return false;
  ++counters_.rtp_sent;
  counters_.rtp_sent_bytes += plain;
  return true;
}

bool BrowserLeg::send_rtcp(std::span<std::uint8_t> buffer, std::size_t length) noexcept {
  if (!connected_ || failed_) return false;
  if (dtls_.protect_rtcp(buffer, length) != SrtpStatus::ok) return false;
  if (!ice_.send(buffer.first(length))) return false;
  ++counters_.rtcp_sent;
  return true;
}

void BrowserLeg::on_ice_connected() {
  dtls_.start();
  for (const auto& d : early_dtls_) ice_.send(d);
  early_dtls_.clear();
}

void BrowserLeg::on_ice_datagram(std::span<std::uint8_t> datagram) {
  if (failed_) return;
  std::size_t length = datagram.size();
  // RFC 7983 / RFC 5761 (shared/rtp); libnice has taken the STUN already
  switch (rtp::classify_packet(datagram)) {
    case rtp::PacketClass::dtls:
      dtls_.handle_dtls(datagram);
      return;
    case rtp::PacketClass::rtp:
      if (dtls_.unprotect_rtp(datagram, length) != SrtpStatus::ok) {
        ++counters_.srtp_refused;
        return;
      }
      ++counters_.rtp_received;
      counters_.rtp_received_bytes += length;
      events_.on_rtp(datagram.first(length));
      return;
    case rtp::PacketClass::rtcp:
      if (dtls_.unprotect_rtcp(datagram, length) != SrtpStatus::ok) {
        ++counters_.srtp_refused;
        return;
      }
      ++counters_.rtcp_received;
      events_.on_rtcp(datagram.first(length));
      return;
    default:  // STUN, ZRTP, TURN channel data, anything else
      break;
  }
  ++counters_.dropped;
}

void BrowserLeg::on_ice_failed(IceFailure failure, std::string_view detail) {
  fail(failure == IceFailure::consent_lost ? LegFailure::consent_lost : LegFailure::ice_failed, detail);
}

void BrowserLeg::send_dtls(std::span<const std::uint8_t> datagram) {
  if (ice_.state() == IceState::connected) {
    ice_.send(datagram);
  } else if (early_dtls_.size() < kMaxEarlyDtls) {
    early_dtls_.emplace_back(datagram.begin(), datagram.end());
  }
}

void BrowserLeg::on_dtls_connected(SrtpProfile profile) {
  if (failed_) return;
  connected_ = true;
  events_.on_leg_connected(profile);
}

void BrowserLeg::on_dtls_failed(DtlsFailure failure, std::string_view detail) {
  fail(LegFailure::dtls_failed, std::string(to_string(failure)) + ": " + std::string(detail));
}

void BrowserLeg::on_dtls_closed() { fail(LegFailure::dtls_closed, "close_notify"); }

void BrowserLeg::fail(LegFailure failure, std::string_view detail) {
  if (failed_) return;
  failed_ = true;
  connected_ = false;
  log_.info(tag_ + "browser leg ended: " + std::string(to_string(failure)) + " (" + std::string(detail) + ")");
  events_.on_leg_failed(failure, detail);
}

}  // namespace imsbox::agw::webrtc
