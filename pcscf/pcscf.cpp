#include "pcscf/pcscf.h"

#include <algorithm>
#include <filesystem>

#include "ims/box.h"
#include "pcscf/ipsec/kernel_esp.h"
#include "pcscf/ipsec/userspace_esp.h"
#include "pcscf/ipsec/xfrm_kernel.h"
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
  const auto ipsec = parse_ipsec_mode(c.str("pcscf.ipsec"));
  if (!ipsec) throw runtime::ConfigError("pcscf.ipsec: '" + c.str("pcscf.ipsec") + "' is not one of off, optional, required");
  options.sec_agree.mode = *ipsec;
  const auto algorithms = parse_algorithm_pairs(c.str("pcscf.ipsec_algorithms"));
  if (!algorithms) {
    throw runtime::ConfigError("pcscf.ipsec_algorithms: '" + c.str("pcscf.ipsec_algorithms") +
                               "' is not a list of ALG+EALG (hmac-sha-1-96 or hmac-md5-96, + aes-cbc or null)");
  }
  options.sec_agree.algorithms = *algorithms;
  options.sec_agree.ports = {c.port("pcscf.ipsec_port_c"), c.port("pcscf.ipsec_port_s")};
  if (options.sec_agree.ports.client == options.sec_agree.ports.server) {
    throw runtime::ConfigError("pcscf.ipsec_port_c and pcscf.ipsec_port_s must differ");
  }
  options.sec_agree.pending_lifetime = std::chrono::seconds(c.integer("pcscf.ipsec_pending_s"));
  {
    // the SAs' address on our side: the bind address, or for a wildcard one
    // the address phones reach the box at (global.advertised_address, else
    // the default route's source)
    boost::system::error_code ec;
    options.sec_agree.address = boost::asio::ip::make_address(c.str("global.bind_address"), ec);
    if (!ec && options.sec_agree.address.is_unspecified() && options.sec_agree.mode != IpsecMode::off) {
      auto host = ims::advertised_host(c);
      if (host.size() > 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
      const auto advertised = boost::asio::ip::make_address(host, ec);
      if (ec) {
        throw runtime::ConfigError("pcscf.ipsec: with global.bind_address " + c.str("global.bind_address") +
                                   ", global.advertised_address must be an IP address (the SAs' address), not '" +
                                   host + "'; or set pcscf.ipsec = off");
      }
      options.sec_agree.address = advertised;
    }
  }
  if (options.sec_agree.mode != IpsecMode::off) {
    for (const auto port : {options.sec_agree.ports.client, options.sec_agree.ports.server}) {
      if (std::find(options.own_ports.begin(), options.own_ports.end(), port) == options.own_ports.end()) {
        options.own_ports.push_back(port);
      }
    }
  }
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

  auto options = pcscf_options(c);
  std::string esp_device;
  start_esp(options, esp_device);
  auto service = std::make_unique<PcscfService>(options, ctx_.log, ctx_.clock, &ctx_.metrics, esp_.get());
  service_ = service.get();
  std::vector<std::unique_ptr<sip::proxy::ProxyService>> services;
  services.push_back(std::move(service));
  auto stack_config = ims::proxy_stack_config(c, "pcscf");
  std::string protected_ports;
  if (esp_) {
    // the protected ports (TS 33.203 §7.1), after the others: the first
    // listener of a transport stays the one plain sends leave from
    const auto& ports = options.sec_agree.ports;
    stack_config.transport.listeners.push_back({sip::Transport::udp, address, ports.server, esp_device});
    stack_config.transport.listeners.push_back({sip::Transport::tcp, address, ports.server, esp_device});
    stack_config.transport.listeners.push_back({sip::Transport::udp, address, ports.client, esp_device});
    // RFC 3329 §2.3.1: a UE's Proxy-Require: sec-agree is ours to honour
    stack_config.proxy.supported_options.push_back("sec-agree");
    stack_config.outbound_route = [service = service_](sip::Peer& to, const sip::Message& m) {
      service->outbound_route(to, m);
    };
    protected_ports = "; IPsec sec-agree (" + std::string(c.str("pcscf.ipsec")) + ", " +
                      std::string(esp_->name()) + " ESP) on protected ports " + std::to_string(ports.client) +
                      " (client) and " + std::to_string(ports.server) + " (server)";
  }
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
                options.pcscf_uri + "; " + media + protected_ports);
}

void Pcscf::start_esp(PcscfOptions& options, std::string& device) {
  const auto& c = ctx_.config;
  auto& mode = options.sec_agree.mode;
  if (mode == IpsecMode::off) return;
  const auto& backend = c.str("pcscf.ipsec_backend");
  if (backend != "auto" && backend != "userspace" && backend != "kernel") {
    throw runtime::ConfigError("pcscf.ipsec_backend: '" + backend + "' is not one of auto, kernel, userspace");
  }
  try {
    std::string why = "pcscf.ipsec_backend = " + backend;
    bool kernel = backend == "kernel";
    if (backend == "auto") {
      const auto probe = ipsec::probe_kernel_esp();
      kernel = probe.available;
      why = "auto: " + probe.reason;
    }
    if (kernel) {
      esp_ = std::make_unique<ipsec::KernelEsp>(ctx_.log);
      ctx_.log.info("Pcscf: ESP backend kernel (" + why + ")");
      return;
    }
    ipsec::UserspaceEspOptions o;
    o.device = c.str("pcscf.ipsec_device");
    o.address = options.sec_agree.address;
    auto esp = std::make_unique<ipsec::UserspaceEsp>(ctx_.io, o, ctx_.log, &ctx_.metrics);
    esp->start();
    device = esp->device();
    ctx_.log.info("Pcscf: ESP backend userspace (" + why + "), TUN device " + device);
    esp_ = std::move(esp);
  } catch (const std::exception& e) {
    if (mode == IpsecMode::required) {
      throw std::runtime_error(std::string("pcscf.ipsec = required, but no ESP backend: ") + e.what());
    }
    ctx_.log.warning(std::string("Pcscf: no ESP backend (") + e.what() +
                     "): sec-agree is off, UEs register without IPsec (pcscf.ipsec = optional)");
    mode = IpsecMode::off;
  }
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

std::vector<std::pair<std::string, std::function<std::string()>>> Pcscf::pages() {
  return {{"/ipsec", [this] {
             if (!service_ || !service_->sec_agree().enabled()) return std::string("sec-agree off\n");
             return ipsec_status(service_->sec_agree().table(), ctx_.clock.now());
           }}};
}

std::string Pcscf::health() const {
  if (!started_) return "not started";
  return {};
}

}  // namespace imsbox::pcscf
