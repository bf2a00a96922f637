#include "pcscf/pcscf.h"

#include <algorithm>
#include <filesystem>

#include "ims/box.h"
#include "pcscf/ng_socket.h"
#include "pcscf/pcscf_service.h"
#include "runtime/config.h"
#include "runtime/log.h"
#include "sip/proxy/proxy_stack.h"
#include "sip/uri.h"

namespace imsbox::pcscf {

PcscfOptions pcscf_options(const runtime::Config& c) {
  PcscfOptions options;
  options.domain = std::string(c.domain());
  options.pcscf_uri = ims::node_uri(c, "pcscf");
  options.path = ims::loose_route(ims::with_user(options.pcscf_uri, "term"));
  options.icscf_route = ims::loose_route(ims::icscf_uri(c, "pcscf"));
  options.icid_generated_at = c.str("global.bind_address");
  options.own_ports = {c.port("pcscf.sip_port"), c.port("pcscf.tls_port"), c.port("pcscf.ws_port"),
                       c.port("pcscf.wss_port")};
  const auto mode = parse_anchor_mode(c.str("pcscf.media_anchor"));
  if (!mode) {
    throw runtime::ConfigError("pcscf.media_anchor: '" + c.str("pcscf.media_anchor") +
                               "' is not one of webrtc, all, none");
  }
  options.media.mode = *mode;
  options.media.media_timeout = std::chrono::seconds(c.integer("agw.media_timeout_s"));
  options.media.check_interval = std::chrono::milliseconds(c.integer("pcscf.media_check_interval_ms"));
  options.media.ng.peer = agw_ng_address(c);
  for (const auto& uri : ims::node_uris(c, "pcscf")) {
    const auto parsed = sip::parse_uri(uri);
    if (!parsed.uri) continue;
    const std::string host(parsed.uri->host);
    if (std::find(options.own_hosts.begin(), options.own_hosts.end(), host) == options.own_hosts.end()) {
      options.own_hosts.push_back(host);
    }
    const auto port = sip::port_or_default(*parsed.uri);
    if (std::find(options.own_ports.begin(), options.own_ports.end(), port) == options.own_ports.end()) {
      options.own_ports.push_back(port);
    }
  }
  return options;
}

std::string agw_ng_address(const runtime::Config& c) {
  const auto& configured = c.str("pcscf.agw_ng");
  const std::string text = configured.empty() ? "127.0.0.1:" + std::to_string(c.port("agw.ng_port")) : configured;
  if (!parse_ng_address(text)) {
    throw runtime::ConfigError("pcscf.agw_ng: '" + configured + "' is not IP:PORT (or [IPv6]:PORT)");
  }
  return text;
}

Pcscf::Pcscf(runtime::NodeContext& ctx) : ctx_(ctx) {}

Pcscf::~Pcscf() = default;

void Pcscf::start() {
  const auto& c = ctx_.config;
  const std::string domain(c.domain());
  const auto& address = c.str("global.bind_address");
  const auto sip_port = c.port("pcscf.sip_port");

  const auto options = pcscf_options(c);
  auto service = std::make_unique<PcscfService>(options, ctx_.log, ctx_.clock, &ctx_.metrics);
  service_ = service.get();
  std::vector<std::unique_ptr<sip::proxy::ProxyService>> services;
  services.push_back(std::move(service));
  auto stack_config = ims::proxy_stack_config(c, "pcscf");
  // The WWSF: the web client on the WS and WSS ports. A box built without it
  // still does SIP; say so once rather than with every 404.
  std::error_code ec;
  if (std::filesystem::is_regular_file(stack_config.transport.web_root / "index.html", ec)) {
    ctx_.log.info("Pcscf serves the web client from " + stack_config.transport.web_root.string());
  } else {
    ctx_.log.warning("Pcscf: no web client in " + stack_config.transport.web_root.string() +
                     " (pcscf.web_root): HTTP requests on the WS/WSS ports get 404");
  }
  proxy_ = std::make_unique<sip::proxy::ProxyStack>(ctx_.io, std::move(stack_config), std::move(services), ctx_.log,
                                                    ctx_.metrics, ctx_.clock);
  proxy_->start();
  // the originator exists once the stack has started
  service_->attach(proxy_->originator(), proxy_->timers());
  std::string media = "media anchoring off (pcscf.media_anchor = none)";
  if (options.media.mode != AnchorMode::none) {
    // the AGW's control channel (the AGW or rtpengine may start after us:
    // requests until then time out, and the calls that need it fail cleanly)
    ng_socket_ = std::make_unique<UdpNgSocket>(ctx_.io, *parse_ng_address(options.media.ng.peer),
                                               [this](std::string_view d) {
                                                 if (service_) service_->on_ng_datagram(d);
                                               });
    service_->attach_media([socket = ng_socket_.get()](std::string_view d) { return socket->send(d); });
    media = "media of " + std::string(options.media.mode == AnchorMode::all ? "every call" : "WebRTC calls") +
            " anchored in the AGW at " + options.media.ng.peer + " (ng)";
  }
  started_ = true;
  ctx_.log.info("Pcscf ready for domain " + domain + ": SIP on " + address + ":" + std::to_string(sip_port) +
                " (UDP, TCP), TLS on " + std::to_string(c.port("pcscf.tls_port")) + ", WS on " +
                std::to_string(c.port("pcscf.ws_port")) + ", WSS on " + std::to_string(c.port("pcscf.wss_port")) +
                "; I-CSCF " + options.icscf_route + ", Path " + options.path + ", reg-event Contact " +
                options.pcscf_uri + "; " + media);
}

void Pcscf::stop() {
  ctx_.log.info("Pcscf stopping");
  if (!proxy_) return;
  if (!service_ || !started_) return proxy_->stop();
  // The S-CSCF would otherwise keep NOTIFYing a P-CSCF that forgot its
  // subscriptions: end them first (RFC 6665 §4.1.2.3), for a bounded time,
  // within the 2 s run_node() gives the loop after stop().
  service_->unsubscribe_all(kUnsubscribeLimit, [this] { proxy_->stop(); });
}

std::string Pcscf::health() const {
  if (!started_) return "not started";
  return {};
}

}  // namespace imsbox::pcscf
