#include "agw/browser_media_leg.h"

#include <algorithm>

#include "agw/webrtc/browser_leg.h"
#include "runtime/log.h"
#include "sdp/candidate.h"

namespace imsbox::agw {

struct BrowserMediaLeg::Impl final : webrtc::BrowserLeg::Events {
  Impl(boost::asio::io_context& io, MediaLeg& leg, std::shared_ptr<const webrtc::DtlsContext> dtls,
       webrtc::BrowserLegConfig config, MediaLeg::Events& events, runtime::Logger& log)
      : leg(leg), events(events), browser(io, std::move(dtls), std::move(config), *this, log) {}

  void on_leg_connected(webrtc::SrtpProfile) override {}
  void on_rtp(std::span<std::uint8_t> packet) override { events.on_leg_rtp(leg, packet); }
  void on_rtcp(std::span<std::uint8_t> packet) override { events.on_leg_rtcp(leg, packet); }
  void on_leg_failed(webrtc::LegFailure failure, std::string_view detail) override {
    events.on_leg_failed(leg, std::string(webrtc::to_string(failure)) + ": " + std::string(detail));
  }

  MediaLeg& leg;
  MediaLeg::Events& events;
  webrtc::BrowserLeg browser;
  // what the browser's SDP said last
  std::string ufrag, pwd, fingerprint;
  std::vector<std::string> candidates;
};

BrowserMediaLeg::BrowserMediaLeg(boost::asio::io_context& io, PortLease lease, const std::string& bind_address,
                                 const std::string& advertised, std::shared_ptr<const webrtc::DtlsContext> dtls,
                                 Events& events, runtime::Logger& log, std::string log_tag)
    : lease_(std::move(lease)) {
  webrtc::BrowserLegConfig config;
  config.address = bind_address;
  config.port = lease_.port();
  config.log_tag = std::move(log_tag);
  impl_ = std::make_unique<Impl>(io, *this, std::move(dtls), std::move(config), events, log);
  local_.kind = LegKind::browser;
  local_.address = advertised;
  local_.port = impl_->browser.port();
  local_.ice_ufrag = impl_->browser.ice_credentials().ufrag;
  local_.ice_pwd = impl_->browser.ice_credentials().pwd;
  local_.fingerprint = impl_->browser.fingerprint().to_sdp();
  // libnice's host candidate, with the address the browser can reach
  if (auto c = sdp::parse_candidate(impl_->browser.candidate())) {
    c->address = advertised;
    local_.candidate = sdp::format(*c);
  }
}

BrowserMediaLeg::~BrowserMediaLeg() = default;

void BrowserMediaLeg::set_remote(const RemoteEndpoint& remote, bool) {
  webrtc::BrowserRemote r;
  if (remote.ice_ufrag != impl_->ufrag || remote.ice_pwd != impl_->pwd) {
    r.ice_ufrag = remote.ice_ufrag;
    r.ice_pwd = remote.ice_pwd;
    impl_->ufrag = remote.ice_ufrag;
    impl_->pwd = remote.ice_pwd;
  }
  for (const auto& c : remote.candidates) {
    if (std::find(impl_->candidates.begin(), impl_->candidates.end(), c) == impl_->candidates.end()) {
      r.candidates.push_back(c);
      impl_->candidates.push_back(c);
    }
  }
  if (remote.fingerprint && *remote.fingerprint != impl_->fingerprint) {
    r.fingerprint = webrtc::parse_fingerprint(*remote.fingerprint);
    impl_->fingerprint = *remote.fingerprint;
  }
  r.dtls_client = remote.setup == sdp::Setup::passive;
  if (r.dtls_client) local_.dtls_client = true;  // for good: the association keeps its roles
  if (!r.ice_ufrag.empty() || !r.candidates.empty() || r.fingerprint || r.dtls_client) impl_->browser.set_remote(r);
}

bool BrowserMediaLeg::send_rtp(std::span<std::uint8_t> buffer, std::size_t length) noexcept {
  return impl_->browser.send_rtp(buffer, length);
}

bool BrowserMediaLeg::send_rtcp(std::span<std::uint8_t> buffer, std::size_t length) noexcept {
  return impl_->browser.send_rtcp(buffer, length);
}

bool BrowserMediaLeg::ready() const { return impl_->browser.connected(); }

std::uint64_t BrowserMediaLeg::dropped() const {
  const auto& c = impl_->browser.counters();
  return c.srtp_refused + c.dropped;
}

}  // namespace imsbox::agw
