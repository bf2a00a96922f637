#include "ims/box.h"

#include <algorithm>
#include <boost/algorithm/string/predicate.hpp>
#include <cctype>
#include <charconv>
#include <filesystem>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "runtime/tls_cert.h"
#include "sip/uri.h"

namespace imsbox::ims {

namespace {

constexpr std::string_view kBoxNodes[] = {"pcscf", "icscf", "scscf", "tas", "mrf"};
// the nodes with a <node>.uri option
constexpr std::string_view kCscfs[] = {"pcscf", "icscf", "scscf"};

std::string option(std::string_view node, std::string_view name) {
  return std::string(node) + "." + std::string(name);
}

std::optional<boost::asio::ip::address> ip_literal(std::string_view host) {
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  boost::system::error_code ec;
  auto a = boost::asio::ip::make_address(std::string(host), ec);
  if (ec) return std::nullopt;
  return a;
}

boost::asio::ip::address bind_address(const runtime::Config& c) {
  return boost::asio::ip::make_address(c.str("global.bind_address"));  // the option is checked to be one
}

// bind_address, as the other nodes of the box reach a listener on it.
boost::asio::ip::address box_address(const runtime::Config& c) {
  const auto a = bind_address(c);
  if (!a.is_unspecified()) return a;
  if (a.is_v6()) return boost::asio::ip::address_v6::loopback();
  return boost::asio::ip::address_v4::loopback();
}

}  // namespace

std::optional<boost::asio::ip::address> default_route_source(bool ipv6) {
  // A connected UDP socket gets the source address of the route to its
  // peer; connecting sends nothing. The peer is a documentation address
  // (RFC 5737, RFC 3849), so only a default route leads there.
  sockaddr_storage peer{};
  socklen_t length = 0;
  if (ipv6) {
    auto& a = reinterpret_cast<sockaddr_in6&>(peer);
    a.sin6_family = AF_INET6;
    a.sin6_port = htons(9);
    inet_pton(AF_INET6, "2001:db8::1", &a.sin6_addr);
    length = sizeof a;
  } else {
    auto& a = reinterpret_cast<sockaddr_in&>(peer);
    a.sin_family = AF_INET;
    a.sin_port = htons(9);
    inet_pton(AF_INET, "192.0.2.1", &a.sin_addr);
    length = sizeof a;
  }
  const int fd = ::socket(peer.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return std::nullopt;
  sockaddr_storage local{};
  socklen_t local_length = sizeof local;
  const bool ok = ::connect(fd, reinterpret_cast<const sockaddr*>(&peer), length) == 0 &&
                  ::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &local_length) == 0;
  ::close(fd);
  if (!ok) return std::nullopt;
  char text[INET6_ADDRSTRLEN] = {};
  const void* bytes = ipv6 ? static_cast<const void*>(&reinterpret_cast<const sockaddr_in6&>(local).sin6_addr)
                           : static_cast<const void*>(&reinterpret_cast<const sockaddr_in&>(local).sin_addr);
  if (!inet_ntop(local.ss_family, bytes, text, sizeof text)) return std::nullopt;
  auto address = ip_literal(text);
  if (!address || address->is_unspecified()) return std::nullopt;
  return address;
}

std::string advertised_host(const runtime::Config& c, RouteSource route_source) {
  std::string host = c.str("global.advertised_address");
  if (host.empty()) {
    auto address = bind_address(c);
    if (address.is_unspecified()) {
      const auto source = route_source(address.is_v6());
      if (!source) {
        throw runtime::ConfigError("option 'global.advertised_address': global.bind_address is " + address.to_string() +
                                   " and this host has no default route to take its address from; set the address "
                                   "phones reach the box at");
      }
      address = *source;
    }
    host = address.to_string();
  }
  return host.find(':') != std::string::npos ? "[" + host + "]" : host;
}

std::vector<boost::asio::ip::address> trusted_peers(const runtime::Config& c, std::string_view node,
                                                   RouteSource route_source) {
  std::vector<boost::asio::ip::address> out;
  if (const auto bind = bind_address(c); !bind.is_unspecified()) {
    out.push_back(bind);
  } else if (const auto advertised = ip_literal(advertised_host(c, route_source))) {
    // the nodes' URIs carry this address, so they send to it, and from it
    out.push_back(*advertised);
  }
  const auto key = option(node, "trusted_peers");
  std::string_view list = c.str(key);
  while (!list.empty()) {
    const auto end = list.find_first_of(", ");
    const auto item = list.substr(0, end);
    list = end == std::string_view::npos ? std::string_view() : list.substr(end + 1);
    if (item.empty()) continue;
    const auto address = ip_literal(item);
    if (!address) throw runtime::ConfigError("option '" + key + "': '" + std::string(item) + "' is not an IP address");
    out.push_back(*address);
  }
  return out;
}

std::string node_host(const runtime::Config& c, std::string_view node) {
  return std::string(node) + "." + std::string(c.domain());
}

std::string node_sip_uri(const runtime::Config& c, std::string_view node) {
  return "sip:" + node_host(c, node) + ":" + std::to_string(c.port(option(node, "sip_port")));
}

std::string node_uri(const runtime::Config& c, std::string_view node, RouteSource route_source) {
  const auto key = option(node, "uri");
  const auto& configured = c.str(key);
  if (!configured.empty()) {
    const auto parsed = sip::parse_uri(configured);
    const bool ok = parsed.uri && parsed.uri->scheme != sip::Uri::Scheme::tel && parsed.uri->user.empty() &&
                    parsed.uri->headers.empty();
    if (!ok) {
      throw runtime::ConfigError("option '" + key + "': '" + configured +
                                 "' is not a SIP URI of a host and an optional port (sip:host[:port])");
    }
    return configured;
  }
  return "sip:" + advertised_host(c, route_source) + ":" + std::to_string(c.port(option(node, "sip_port")));
}

std::vector<std::string> node_uris(const runtime::Config& c, std::string_view node, RouteSource route_source) {
  const auto port = ":" + std::to_string(c.port(option(node, "sip_port")));
  // Via and Record-Route carry the advertised address even when <node>.uri is set
  std::vector<std::string> out{node_uri(c, node, route_source), "sip:" + advertised_host(c, route_source) + port,
                               node_sip_uri(c, node)};
  if (const auto bind = bind_address(c); !bind.is_unspecified()) {
    out.push_back("sip:" + (bind.is_v6() ? "[" + bind.to_string() + "]" : bind.to_string()) + port);
  }
  std::vector<std::string> unique;
  for (auto& u : out) {
    if (std::find(unique.begin(), unique.end(), u) == unique.end()) unique.push_back(std::move(u));
  }
  return unique;
}

std::string with_user(std::string_view uri, std::string_view user) {
  const auto colon = uri.find(':');
  if (colon == std::string_view::npos) return std::string(uri);
  auto rest = uri.substr(colon + 1);
  if (const auto at = rest.find('@'); at != std::string_view::npos) rest = rest.substr(at + 1);
  return std::string(uri.substr(0, colon + 1)) + std::string(user) + "@" + std::string(rest);
}

std::string scscf_name(const runtime::Config& c, RouteSource route_source) {
  const auto& configured = c.str("scscf.name");
  return configured.empty() ? node_uri(c, "scscf", route_source) : configured;
}

std::chrono::milliseconds hss_timeout(const runtime::Config& c, std::string_view node,
                                      std::chrono::milliseconds wait_limit) {
  using std::chrono::milliseconds;
  const auto configured = milliseconds(c.integer(std::string(node) + ".hss_timeout_ms"));
  return std::clamp(configured, milliseconds(100), std::max(milliseconds(100), wait_limit - milliseconds(1000)));
}

std::string loose_route(std::string uri) {
  if (uri.size() > 2 && uri.front() == '<' && uri.back() == '>') uri = uri.substr(1, uri.size() - 2);
  if (uri.find(";lr") == std::string::npos) uri += ";lr";
  return "<" + uri + ">";
}

std::string icscf_uri(const runtime::Config& c, std::string_view node, RouteSource route_source) {
  const auto& configured = c.str(std::string(node) + ".icscf_uri");
  return configured.empty() ? node_uri(c, "icscf", route_source) : configured;
}

std::optional<boost::asio::ip::address> resolve_box_host(const runtime::Config& c, std::string_view host) {
  if (auto a = ip_literal(host)) return a;
  for (const auto node : kBoxNodes) {
    if (boost::algorithm::iequals(host, node_host(c, node))) return box_address(c);
  }
  // the names the operator gave the box (its nodes may not find them in DNS)
  for (const auto node : kCscfs) {
    const auto parsed = sip::parse_uri(c.str(option(node, "uri")));
    if (parsed.uri && boost::algorithm::iequals(host, parsed.uri->host)) return box_address(c);
  }
  if (const auto& advertised = c.str("global.advertised_address");
      !advertised.empty() && !ip_literal(advertised) && boost::algorithm::iequals(host, advertised)) {
    return box_address(c);
  }
  return std::nullopt;
}

sip::proxy::ProxyStackConfig proxy_stack_config(const runtime::Config& c, std::string_view node) {
  sip::proxy::ProxyStackConfig s;
  const auto& address = c.str("global.bind_address");
  const auto port = [&](std::string_view name) { return c.port(option(node, name)); };
  s.transport.listeners.push_back({sip::Transport::udp, address, port("sip_port"), {}});
  s.transport.listeners.push_back({sip::Transport::tcp, address, port("sip_port"), {}});
  if (node == "pcscf") {
    s.transport.listeners.push_back({sip::Transport::tls, address, port("tls_port"), {}});
    s.transport.listeners.push_back({sip::Transport::ws, address, port("ws_port"), {}});
    s.transport.listeners.push_back({sip::Transport::wss, address, port("wss_port"), {}});
    const auto tls = tls_files(c);
    s.transport.tls_certificate_file = tls.certificate;
    s.transport.tls_private_key_file = tls.private_key;
    s.transport.web_root = web_root(c);
  }
  s.advertised_host = advertised_host(c);
  s.proxy.own_uris = node_uris(c, node);
  s.proxy.overload_delay = std::chrono::milliseconds(c.integer("global.sip_overload_delay_ms"));
  // the P-CSCF and the I-CSCF reach the one I-CSCF / S-CSCF of the box: its
  // 503 for load reaches the phone with its Retry-After (RFC 3261 §16.7 step 6)
  s.proxy.relay_overload = node == "pcscf" || node == "icscf";
  // The config outlives the stack (NodeContext); copy what the lookup needs.
  s.proxy.resolve = [&c](std::string_view host) { return resolve_box_host(c, host); };
  return s;
}

TlsFiles tls_files(const runtime::Config& c) {
  TlsFiles f{c.path("pcscf.tls_certificate"), c.path("pcscf.tls_private_key")};
  const bool has_cert = std::filesystem::exists(f.certificate);
  const bool has_key = std::filesystem::exists(f.private_key);
  if (has_cert != has_key) {
    throw std::runtime_error("pcscf.tls_certificate and pcscf.tls_private_key: " +
                             (has_cert ? f.private_key : f.certificate).string() + " is missing");
  }
  if (!has_cert) {
    std::filesystem::create_directories(f.certificate.parent_path());
    std::filesystem::create_directories(f.private_key.parent_path());
    runtime::make_self_signed_certificate(std::string(c.domain()), f.certificate, f.private_key);
  }
  return f;
}

std::filesystem::path web_root(const runtime::Config& c) {
  if (!c.str("pcscf.web_root").empty()) {
    auto dir = c.path("pcscf.web_root");
    std::error_code ec;
    if (!std::filesystem::is_directory(dir, ec)) {
      throw runtime::ConfigError("option 'pcscf.web_root': " + dir.string() + " is not a directory");
    }
    return dir;
  }
  // The nodes run from <build>/bin and the build bundles the client into
  // <build>/web-client: `imsbox up` from any build serves that build's client.
  std::error_code ec;
  const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return "web-client";
  return (self.parent_path().parent_path() / "web-client").lexically_normal();
}

diameter::DiameterPeer hss_peer(const runtime::Config& c, std::string_view node) {
  const auto key = option(node, "hss_peer");
  const auto& v = c.str(key);
  if (v.empty()) return {"hss." + std::string(c.domain()), box_address(c).to_string(), c.port("hss.diameter_port")};
  const auto at = v.find('@');
  const auto colon = v.rfind(':');
  std::uint16_t port = 0;
  const bool ok = at != std::string::npos && at > 0 && colon != std::string::npos && colon > at + 1 &&
                  std::from_chars(v.data() + colon + 1, v.data() + v.size(), port).ec == std::errc{} && port != 0;
  if (!ok) throw runtime::ConfigError("option '" + key + "': '" + v + "' is not identity@address:port");
  std::string address = v.substr(at + 1, colon - at - 1);
  if (address.size() > 2 && address.front() == '[' && address.back() == ']') address = address.substr(1, address.size() - 2);
  return {v.substr(0, at), address, port};
}

diameter::StackConfig cx_client_config(const runtime::Config& c, std::string_view node, RouteSource route_source) {
  diameter::StackConfig s;
  const auto& identity = c.str(option(node, "diameter_identity"));
  s.identity = identity.empty() ? node_host(c, node) : identity;
  s.realm = std::string(c.domain());
  s.listen_port = 0;
  s.peers = {hss_peer(c, node)};
  // An HSS that went away is found again within seconds (Tc), so that
  // registrations work as soon as it is back.
  s.reconnect = std::chrono::seconds(3);
  s.host_ip_addresses = diameter_host_addresses(c, route_source);
  s.run_dir = c.data_dir() / "run";
  return s;
}

std::vector<std::string> diameter_host_addresses(const runtime::Config& c, RouteSource route_source) {
  const auto bind = bind_address(c);
  if (!bind.is_unspecified()) return {bind.to_string()};
  if (const auto advertised = ip_literal(c.str("global.advertised_address"));
      advertised && !advertised->is_unspecified())
    return {advertised->to_string()};
  if (const auto source = route_source(bind.is_v6())) return {source->to_string()};
  return {bind.is_v6() ? boost::asio::ip::address_v6::loopback().to_string()
                       : boost::asio::ip::address_v4::loopback().to_string()};
}

std::vector<diameter::AllowedPeer> hss_diameter_peers(const runtime::Config& c) {
  constexpr std::string_view key = "hss.diameter_peers";
  std::vector<diameter::AllowedPeer> out;
  const auto entry_for = [&out](const std::string& identity) -> diameter::AllowedPeer& {
    for (auto& p : out)
      if (boost::algorithm::iequals(p.identity, identity)) return p;
    return out.emplace_back(diameter::AllowedPeer{identity, {}, false});
  };
  const auto own_node = [&](const std::string& identity) {
    auto& p = entry_for(identity);
    p.loopback = true;
    if (const auto bind = bind_address(c); !bind.is_unspecified()) {
      if (std::find(p.addresses.begin(), p.addresses.end(), bind.to_string()) == p.addresses.end())
        p.addresses.push_back(bind.to_string());
    }
  };
  std::string_view list = c.str(std::string(key));
  while (!list.empty()) {
    const auto end = list.find_first_of(", ");
    const auto item = list.substr(0, end);
    list = end == std::string_view::npos ? std::string_view() : list.substr(end + 1);
    if (item.empty()) continue;
    const auto bad = [&](const std::string& why) {
      return runtime::ConfigError("option '" + std::string(key) + "': '" + std::string(item) + "' " + why +
                                  " (IDENTITY or IDENTITY@ADDRESS)");
    };
    const auto at = item.find('@');
    std::string identity(item.substr(0, at));
    const auto fqdn = !identity.empty() && identity.front() != '.' && identity.back() != '.' &&
                      std::all_of(identity.begin(), identity.end(), [](unsigned char ch) {
                        return std::isalnum(ch) || ch == '.' || ch == '-';
                      });
    if (!fqdn) throw bad("does not start with a Diameter identity (an FQDN)");
    if (at == std::string_view::npos) {
      own_node(identity);
      continue;
    }
    std::string host(item.substr(at + 1));
    if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
    const bool name = !host.empty() && std::all_of(host.begin(), host.end(), [](unsigned char ch) {
      return std::isalnum(ch) || ch == '.' || ch == '-';
    });
    const auto address = ip_literal(host);
    if (!address && !name) throw bad("has no IP address or host name after '@'");
    if (address && address->is_unspecified()) throw bad("names the wildcard address, not a peer's");
    auto& p = entry_for(identity);
    const std::string text = address ? address->to_string() : host;
    if (std::find(p.addresses.begin(), p.addresses.end(), text) == p.addresses.end()) p.addresses.push_back(text);
  }
  if (out.empty()) {
    for (const auto node : {"icscf", "scscf"}) {
      const auto& identity = c.str(option(node, "diameter_identity"));
      own_node(identity.empty() ? node_host(c, node) : identity);
    }
  }
  return out;
}

diameter::StackConfig hss_diameter_config(const runtime::Config& c, RouteSource route_source) {
  diameter::StackConfig s;
  const auto& identity = c.str("hss.diameter_identity");
  s.identity = identity.empty() ? "hss." + std::string(c.domain()) : identity;
  s.realm = std::string(c.domain());
  s.listen_port = c.port("hss.diameter_port");
  s.listen_address = bind_address(c).to_string();
  s.host_ip_addresses = diameter_host_addresses(c, route_source);
  s.allowed_peers = hss_diameter_peers(c);
  s.run_dir = c.data_dir() / "run";
  return s;
}

}  // namespace imsbox::ims
