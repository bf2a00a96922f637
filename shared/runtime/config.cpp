#include "runtime/config.h"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <boost/program_options/options_description.hpp>
#include <boost/program_options/parsers.hpp>
#include <boost/program_options/value_semantic.hpp>
#include <boost/program_options/variables_map.hpp>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace imsbox::runtime {

namespace po = boost::program_options;

namespace {

constexpr std::string_view kNodes[] = {"hss", "scscf", "icscf", "pcscf", "agw", "tas", "mrf"};

// Every option of the box, with its default. Keep README.md's summary in step.
constexpr OptionSpec kOptions[] = {
    {"global.domain", OptionType::domain, "ims.mnc001.mcc001.3gppnetwork.org",
     "home network domain: realm of the IMS identities and name in the TLS certificate"},
    {"global.data_dir", OptionType::path, "~/.imsbox",
     "where every piece of state lives: the store, logs, certificates, run files"},
    {"global.log_level", OptionType::log_level, "info", "debug, info, warning or error"},
    {"global.bind_address", OptionType::address, "127.0.0.1",
     "address the nodes' network listeners bind to (0.0.0.0 to reach phones on the LAN)"},
    {"global.advertised_address", OptionType::host, "",
     "address or name the nodes put in Via, Record-Route, Path and Service-Route for phones and other nodes to reach "
     "them (unless <node>.uri says otherwise); empty: bind_address, or with 0.0.0.0 / :: the source address of this "
     "host's default route"},
    {"global.sip_overload_delay_ms", OptionType::count, "200",
     "a CSCF answers new requests 503 while the SIP datagrams it reads have waited longer than this (0: never)"},
    {"global.health_address", OptionType::loopback_address, "127.0.0.1",
     "loopback address of every node's /health and /metrics endpoint"},

    {"store.path", OptionType::path, "imsbox.db", "the SQLite store, relative to data_dir"},
    {"store.busy_timeout_ms", OptionType::milliseconds, "5000",
     "how long a writer waits for another process's write lock"},

    {"supervisor.restart_backoff_initial_ms", OptionType::milliseconds, "200",
     "delay before restarting a node that exited"},
    {"supervisor.restart_backoff_max_ms", OptionType::milliseconds, "30000",
     "cap of the restart delay, which doubles on each crash in a row"},
    {"supervisor.stable_after_s", OptionType::seconds, "10",
     "a node that ran this long has its restart delay reset"},
    {"supervisor.stop_timeout_ms", OptionType::milliseconds, "5000",
     "grace period after SIGTERM before a node is killed"},

    {"hss.enabled", OptionType::boolean, "true", "run the HSS (false: a third-party one is used)"},
    {"hss.health_port", OptionType::port, "9064", "HSS /health and /metrics port"},
    {"hss.diameter_port", OptionType::port, "3868",
     "Cx over Diameter (TCP) on global.bind_address only (with 0.0.0.0 every IPv4 address, with :: every address)"},
    {"hss.diameter_identity", OptionType::string, "",
     "the HSS's Diameter identity (FQDN); empty: hss.<global.domain>"},
    {"hss.diameter_peers", OptionType::string, "",
     "Cx peers admitted, comma-separated: IDENTITY (a node of this box, from loopback or global.bind_address) "
     "or IDENTITY@ADDRESS (only from that IP address or host name, resolved at start; repeat the identity for "
     "more), e.g. scscf.example.org@192.0.2.7; any other CER is refused (DIAMETER_UNKNOWN_PEER) and logged; "
     "empty: the box's I-CSCF and S-CSCF (icscf.<domain>, scscf.<domain> or their diameter_identity)"},
    {"hss.sqn_ind_bits", OptionType::count, "5", "length of IND in SQN = SEQ || IND (TS 33.102 Annex C), 0-10"},
    {"hss.max_auth_items", OptionType::count, "5", "most authentication vectors handed out in one MAA"},
    {"hss.api_address", OptionType::loopback_address, "127.0.0.1", "address of the provisioning REST API"},
    {"hss.api_port", OptionType::port, "9081", "port of the provisioning REST API (HTTP/1.1, JSON)"},
    {"hss.api_token", OptionType::string, "",
     "bearer token the provisioning API requires; empty: the API refuses every request (imsbox up sets one)"},
    {"hss.sbi_address", OptionType::address, "127.0.0.1", "address of the HTTP/2 SBI (Nhss_ims style)"},
    {"hss.sbi_port", OptionType::port, "9082", "port of the HTTP/2 SBI (h2c)"},
    {"hss.default_service_profile", OptionType::string, "mmtel",
     "the service profile every subscriber added later (imsbox subscriber add, POST /v1/subscribers) gets "
     "unless another is named; mmtel is the box's own (its iFC sends INVITEs to the TAS, made by imsbox up "
     "when tas.enabled); empty: none. A profile that does not exist: none, with a warning"},
    {"scscf.enabled", OptionType::boolean, "true", "run the S-CSCF"},
    {"scscf.health_port", OptionType::port, "9063", "S-CSCF /health and /metrics port"},
    {"scscf.sip_port", OptionType::port, "6060", "S-CSCF SIP (UDP and TCP) on global.bind_address"},
    {"scscf.uri", OptionType::sip_uri, "",
     "the SIP URI other nodes reach the S-CSCF at (its Service-Route, Record-Route, reg-event Contact), "
     "sip:host[:port]; empty: sip:<advertised address>:<scscf.sip_port>. Set a name when DNS has one for the box"},
    {"scscf.name", OptionType::string, "",
     "the S-CSCF's name (Server-Name at the HSS, where I-CSCFs send its users' requests), a SIP URI; "
     "empty: scscf.uri"},
    {"scscf.diameter_identity", OptionType::string, "", "the S-CSCF's Diameter identity; empty: scscf.<domain>"},
    {"scscf.hss_peer", OptionType::string, "",
     "the HSS as identity@address:port; empty: this box's HSS (hss.<domain> at hss.diameter_port)"},
    {"scscf.hss_timeout_ms", OptionType::milliseconds, "3000", "how long the S-CSCF waits for a Cx answer"},
    {"scscf.min_expires", OptionType::seconds, "60", "shortest registration accepted (else 423 Interval Too Brief)"},
    {"scscf.max_expires", OptionType::seconds, "3600", "longest registration granted (longer ones are shortened)"},
    {"scscf.max_auth_failures", OptionType::count, "5",
     "failed authentications of one IMPI in a row before its registrations are refused for scscf.auth_block_s"},
    {"scscf.auth_block_s", OptionType::seconds, "60", "how long an IMPI is refused after scscf.max_auth_failures"},
    {"scscf.as_timeout_ms", OptionType::milliseconds, "2000",
     "how long an application server may stay silent (not even 100 Trying) before its iFC's default handling applies"},
    {"scscf.trusted_peers", OptionType::string, "",
     "addresses besides this box's (global.bind_address, loopback) whose originating requests the S-CSCF takes: "
     "P-CSCFs and application servers elsewhere, comma-separated"},
    {"scscf.digest_algorithms", OptionType::string, "MD5",
     "SIP digest algorithms a password subscriber is challenged with, most preferred first (one WWW-Authenticate "
     "each): MD5, SHA-256 (RFC 8760) or both, e.g. SHA-256,MD5; clients that know only MD5 may fail when SHA-256 "
     "is offered too (baresip always, JsSIP unless MD5 comes last, sipp unless it comes first)"},
    {"icscf.enabled", OptionType::boolean, "true", "run the I-CSCF"},
    {"icscf.health_port", OptionType::port, "9062", "I-CSCF /health and /metrics port"},
    {"icscf.sip_port", OptionType::port, "4060", "I-CSCF SIP (UDP and TCP) on global.bind_address"},
    {"icscf.uri", OptionType::sip_uri, "",
     "the SIP URI other nodes reach the I-CSCF at (the P-CSCF's and the S-CSCF's default I-CSCF), sip:host[:port]; "
     "empty: sip:<advertised address>:<icscf.sip_port>"},
    {"icscf.diameter_identity", OptionType::string, "", "the I-CSCF's Diameter identity; empty: icscf.<domain>"},
    {"icscf.hss_peer", OptionType::string, "",
     "the HSS as identity@address:port; empty: this box's HSS (hss.<domain> at hss.diameter_port)"},
    {"icscf.hss_timeout_ms", OptionType::milliseconds, "3000", "how long the I-CSCF waits for a Cx answer"},
    {"icscf.scscf_uris", OptionType::string, "",
     "S-CSCFs to choose from when the HSS names none, comma-separated SIP URIs, the preferred first; "
     "a REGISTER goes to the next one when one fails; empty: this box's S-CSCF (scscf.name)"},
    {"icscf.scscf_timeout_ms", OptionType::milliseconds, "5000",
     "how long an S-CSCF may take to answer a REGISTER before the I-CSCF tries the next one "
     "(at most 24000 minus icscf.hss_timeout_ms: the UE hears from the I-CSCF within 24 s)"},
    {"icscf.trusted_peers", OptionType::string, "",
     "addresses besides this box's (global.bind_address, loopback) in the I-CSCF's trust domain: P-CSCFs and "
     "S-CSCFs elsewhere, comma-separated; REGISTERs from others get 403, their other requests lose "
     "P-Asserted-Identity and the other trust-domain header fields"},
    {"pcscf.enabled", OptionType::boolean, "true", "run the P-CSCF / eP-CSCF"},
    {"pcscf.health_port", OptionType::port, "9061", "P-CSCF /health and /metrics port"},
    {"pcscf.sip_port", OptionType::port, "5060", "P-CSCF SIP over UDP and TCP on global.bind_address"},
    {"pcscf.tls_port", OptionType::port, "5061", "P-CSCF SIP over TLS"},
    {"pcscf.uri", OptionType::sip_uri, "",
     "the SIP URI other nodes reach the P-CSCF at (its Path, reg-event Contact and P-Asserted-Identity), "
     "sip:host[:port]; empty: sip:<advertised address>:<pcscf.sip_port>"},
    {"pcscf.ws_port", OptionType::port, "8088", "P-CSCF SIP over WebSocket (RFC 7118, plain)"},
    {"pcscf.wss_port", OptionType::port, "8443", "P-CSCF SIP over secure WebSocket, and the web client over HTTPS"},
    {"pcscf.tls_certificate", OptionType::path, "tls/cert.pem",
     "PEM certificate for TLS and WSS, relative to data_dir; a self-signed one is made when it and the key are missing"},
    {"pcscf.tls_private_key", OptionType::path, "tls/key.pem", "PEM private key for TLS and WSS"},
    {"pcscf.web_root", OptionType::string, "",
     "directory of the web client served over HTTP(S) on the WS and WSS ports (WWSF), relative to data_dir; "
     "empty: the web-client folder of the build the P-CSCF runs from (<build>/web-client)"},
    {"pcscf.icscf_uri", OptionType::string, "",
     "where REGISTERs go: the I-CSCF of the home domain; empty: this box's I-CSCF (icscf.uri)"},
    {"pcscf.media_anchor", OptionType::string, "webrtc",
     "which calls have their media anchored in the AGW: webrtc (every call with a leg of a UE on a WebSocket "
     "flow), all (every call of a UE of this P-CSCF), none"},
    {"pcscf.agw_ng", OptionType::string, "",
     "the AGW's ng control address, IP:PORT ([IPv6]:PORT); empty: 127.0.0.1 and agw.ng_port (rtpengine's ng "
     "port works too)"},
    {"pcscf.media_check_interval_ms", OptionType::milliseconds, "5000",
     "how often the P-CSCF asks the AGW (ng query) whether each anchored call still has media"},
    {"pcscf.ipsec", OptionType::string, "optional",
     "IPsec sec-agree with IMS-AKA UEs (RFC 3329, TS 33.203): optional (UEs that send Security-Client get "
     "their SAs), required (REGISTERs without it get 421/494), off"},
    {"pcscf.ipsec_algorithms", OptionType::string,
     "hmac-sha-1-96+aes-cbc, hmac-sha-1-96+null, hmac-md5-96+aes-cbc, hmac-md5-96+null",
     "the integrity+encryption pairs the P-CSCF takes from a UE's Security-Client, most preferred first"},
    {"pcscf.ipsec_backend", OptionType::string, "auto",
     "where ESP runs: kernel (XFRM SAs and policies), userspace (in the P-CSCF, over a TUN device; for kernels "
     "without ESP), auto (kernel when it has ESP, else userspace)"},
    {"pcscf.ipsec_port_c", OptionType::port, "5100", "the P-CSCF's protected client port (port_pc, TS 33.203)"},
    {"pcscf.ipsec_port_s", OptionType::port, "5101",
     "the P-CSCF's protected server port (port_ps): UEs with SAs send their requests here"},
    {"pcscf.ipsec_pending_s", OptionType::seconds, "60",
     "how long the SAs made at a 401 wait for the protected REGISTER"},
    {"pcscf.ipsec_device", OptionType::string, "imsbox-esp",
     "the TUN device of the userspace ESP backend"},
    {"scscf.icscf_uri", OptionType::string, "",
     "where originating requests to users of the home network go (for the LIR): the I-CSCF; empty: this box's "
     "(icscf.uri)"},
    {"agw.enabled", OptionType::boolean, "true", "run the access gateway (WebRTC media)"},
    {"agw.health_port", OptionType::port, "9065", "AGW /health and /metrics port"},
    {"agw.ng_port", OptionType::port, "2223",
     "AGW control port (rtpengine's ng protocol over UDP, on 127.0.0.1): where the P-CSCF, Kamailio or OpenSIPS "
     "send offer/answer/delete"},
    {"agw.rtp_port_min", OptionType::port, "30000",
     "first UDP port of the AGW's media (RTP and RTCP) on global.bind_address, advertised as "
     "global.advertised_address; a firewall must open agw.rtp_port_min..agw.rtp_port_max"},
    {"agw.rtp_port_max", OptionType::port, "39999",
     "last UDP port of the AGW's media; a phone leg takes two ports, a browser leg one (of a pair)"},
    {"agw.workers", OptionType::count, "0",
     "media worker threads of the AGW, each with its own event loop, calls shared by Call-ID; 0: one per core"},
    {"agw.media_timeout_s", OptionType::seconds, "60",
     "no RTP either way for this long (not on hold): the AGW marks the call timed out (ng query says "
     "'media timeout') and the P-CSCF releases it (BYE to both sides, Reason: SIP;cause=408)"},
    {"agw.opus_complexity", OptionType::count, "5",
     "Opus encoder complexity (0-10) for transcoded calls: lower costs less CPU per call"},
    {"agw.jitter_target_ms", OptionType::milliseconds, "40",
     "playout delay of the jitter buffer on transcoded calls (relayed calls have none)"},
    {"tas.enabled", OptionType::boolean, "true", "run the telephony application server"},
    {"tas.health_port", OptionType::port, "9066", "TAS /health and /metrics port"},
    {"tas.xcap_port", OptionType::port, "8090",
     "TAS XCAP server (Ut, TS 24.623) over HTTP on global.bind_address: phones read and change their "
     "supplementary services at /simservs.ngn.etsi.org/users/<IMPU>/simservs.xml, HTTP digest with the SIP "
     "password (no GBA)"},
    {"tas.sip_port", OptionType::port, "5070", "TAS SIP (UDP and TCP) on global.bind_address: the ISC interface"},
    {"tas.home_country_code", OptionType::string, "",
     "the home network's country code, digits (e.g. 33): barring's 'international' condition takes a + number "
     "outside it as international; empty: every + number is"},
    {"tas.uri", OptionType::sip_uri, "",
     "the SIP URI the S-CSCF reaches the TAS at (the server name of the MMTEL iFCs), sip:host[:port]; "
     "empty: sip:<advertised address>:<tas.sip_port>"},
    {"tas.announcements", OptionType::boolean, "true",
     "barred and rejected calls (603, 433) and calls to a subscriber who cannot be reached (404, 408, 480, 5xx) "
     "hear why from the MRF in early media before that status, and star codes end with its service-set/cleared "
     "announcement; false (or mrf.enabled false): the TAS answers them itself"},
    {"mrf.enabled", OptionType::boolean, "true", "run the media resource function"},
    {"mrf.health_port", OptionType::port, "9067", "MRF /health and /metrics port"},
    {"mrf.prompt_dir", OptionType::string, "",
     "directory of the built-in prompts (NAME.16k.wav, NAME.8k.wav), relative to data_dir; empty: the prompts "
     "folder of the build the MRF runs from (<build>/prompts). Operators' own prompts (imsbox prompt add) are "
     "kept in <data_dir>/prompts and win over built-in ones"},
    {"mrf.rtp_port_min", OptionType::port, "40000",
     "first UDP port of the MRF's media (RTP on even ports, RTCP on the next) on global.bind_address, advertised "
     "as global.advertised_address; keep it apart from agw.rtp_port_min..agw.rtp_port_max"},
    {"mrf.rtp_port_max", OptionType::port, "44999",
     "last UDP port of the MRF's media: one session (announcement, echo, IVR) takes a pair"},
    {"mrf.sip_port", OptionType::port, "5080",
     "MRF SIP (UDP and TCP) on global.bind_address: sip:annc@mrf.<domain>;play=NAME, sip:echo@mrf.<domain>, "
     "sip:ivr@mrf.<domain>;menu=NAME"},
    {"mrf.uri", OptionType::sip_uri, "",
     "the SIP URI the S-CSCF routes requests for mrf.<domain> to, sip:host[:port]; empty: sip:<advertised "
     "address>:<mrf.sip_port>"},
    {"mrf.echo_delay_ms", OptionType::milliseconds, "200", "how late the echo test returns the caller's audio"},
    {"mrf.frame_cache_kb", OptionType::count, "32768",
     "bound of the MRF's cache of encoded prompts (each prompt encoded once per codec and shared by every "
     "session that plays it), least recently used first out; 0: every session encodes what it plays"},
};

const OptionSpec* find_spec(std::string_view key) {
  for (const auto& spec : kOptions) {
    if (spec.key == key) return &spec;
  }
  return nullptr;
}

std::optional<std::int64_t> to_int(std::string_view s) {
  std::int64_t v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || end != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

std::optional<bool> to_bool(std::string_view s) {
  if (s == "true" || s == "yes" || s == "on" || s == "1") return true;
  if (s == "false" || s == "no" || s == "off" || s == "0") return false;
  return std::nullopt;
}

std::string trim(std::string_view s) {
  const auto b = s.find_first_not_of(" \t");
  if (b == std::string_view::npos) return {};
  const auto e = s.find_last_not_of(" \t");
  return std::string(s.substr(b, e - b + 1));
}

// scscf.digest_algorithms: MD5 and SHA-256 (any case), comma-separated, each
// once, at least one (the S-CSCF reads it with scscf::parse_digest_algorithms).
std::optional<std::string> digest_algorithms_error(std::string_view list) {
  std::vector<std::string> seen;
  while (true) {
    const auto comma = list.find(',');
    std::string name = trim(list.substr(0, comma));
    for (auto& c : name) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (name.empty()) return std::string("an empty algorithm name (a list such as SHA-256,MD5)");
    if (name != "MD5" && name != "SHA-256") return "unknown digest algorithm '" + name + "' (MD5, SHA-256)";
    if (std::find(seen.begin(), seen.end(), name) != seen.end()) return "'" + name + "' is named twice";
    seen.push_back(name);
    if (comma == std::string_view::npos) return std::nullopt;
    list.remove_prefix(comma + 1);
  }
}

}  // namespace

bool is_domain_name(std::string_view s) {
  if (s.empty() || s.size() > 253) return false;
  std::size_t label = 0;
  char prev = '.';
  for (char c : s) {
    if (c == '.') {
      if (label == 0 || prev == '-') return false;
      label = 0;
    } else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               (c == '-' && label > 0)) {
      if (++label > 63) return false;
    } else {
      return false;
    }
    prev = c;
  }
  return label > 0 && prev != '-';
}

std::span<const OptionSpec> option_specs() { return kOptions; }
std::span<const std::string_view> node_names() { return kNodes; }

std::optional<std::string> check_value(OptionType type, std::string_view v) {
  switch (type) {
    case OptionType::string:
      return std::nullopt;
    case OptionType::domain:
      if (is_domain_name(v)) return std::nullopt;
      return "'" + std::string(v) + "' is not a domain name";
    case OptionType::path:
      if (!v.empty()) return std::nullopt;
      return std::string("a path must not be empty");
    case OptionType::address:
    case OptionType::loopback_address: {
      const std::string s(v);
      in_addr a4{};
      in6_addr a6{};
      if (inet_pton(AF_INET, s.c_str(), &a4) == 1) {
        if (type == OptionType::loopback_address && (ntohl(a4.s_addr) >> 24) != 127) {
          return "'" + s + "' is not a loopback address (127.0.0.0/8 or ::1)";
        }
        return std::nullopt;
      }
      if (inet_pton(AF_INET6, s.c_str(), &a6) == 1) {
        if (type == OptionType::loopback_address && !IN6_IS_ADDR_LOOPBACK(&a6)) {
          return "'" + s + "' is not a loopback address (127.0.0.0/8 or ::1)";
        }
        return std::nullopt;
      }
      return "'" + s + "' is not an IPv4 or IPv6 address";
    }
    case OptionType::host:
      if (v.empty() || !check_value(OptionType::address, v) || is_domain_name(v)) return std::nullopt;
      return "'" + std::string(v) + "' is neither an IP address nor a domain name";
    case OptionType::sip_uri: {
      if (v.empty()) return std::nullopt;
      const auto bad = "'" + std::string(v) + "' is not a SIP URI of a host and an optional port (sip:host[:port])";
      std::string_view rest = v;
      if (rest.starts_with("sip:")) {
        rest.remove_prefix(4);
      } else if (rest.starts_with("sips:")) {
        rest.remove_prefix(5);
      } else {
        return bad;
      }
      rest = rest.substr(0, rest.find(';'));  // URI parameters (;transport=tcp) are the URI's business
      std::string_view host = rest, port;
      if (rest.starts_with('[')) {
        const auto close = rest.find(']');
        if (close == std::string_view::npos) return bad;
        host = rest.substr(1, close - 1);
        port = rest.substr(close + 1);
        in6_addr a6{};
        if (inet_pton(AF_INET6, std::string(host).c_str(), &a6) != 1) return bad;
      } else {
        const auto colon = rest.find(':');
        host = rest.substr(0, colon);
        port = colon == std::string_view::npos ? std::string_view() : rest.substr(colon);
        if (check_value(OptionType::address, host) && !is_domain_name(host)) return bad;
      }
      if (!port.empty()) {
        const auto n = to_int(port.substr(1));
        if (port.front() != ':' || !n || *n < 1 || *n > 65535) return bad;
      }
      return std::nullopt;
    }
    case OptionType::port: {
      const auto n = to_int(v);
      if (n && *n >= 1 && *n <= 65535) return std::nullopt;
      return "'" + std::string(v) + "' is not a port (1-65535)";
    }
    case OptionType::count: {
      const auto n = to_int(v);
      if (n && *n >= 0 && *n <= 1'000'000) return std::nullopt;
      return "'" + std::string(v) + "' is not a whole number from 0 to 1000000";
    }
    case OptionType::milliseconds:
    case OptionType::seconds: {
      const auto n = to_int(v);
      if (n && *n >= 1 && *n <= 86'400'000) return std::nullopt;
      return "'" + std::string(v) + "' is not a positive whole number";
    }
    case OptionType::boolean:
      if (to_bool(v)) return std::nullopt;
      return "'" + std::string(v) + "' is not a boolean (true/false, yes/no, on/off, 1/0)";
    case OptionType::log_level:
      if (parse_log_level(v)) return std::nullopt;
      return "'" + std::string(v) + "' is not a log level (debug, info, warning, error)";
  }
  return std::string("unknown option type");
}

Config Config::build(const std::map<std::string, std::string, std::less<>>& file_values,
                     std::string_view source_name, const Overrides& overrides) {
  Config c;
  for (const auto& spec : kOptions) c.values_[std::string(spec.key)] = std::string(spec.default_value);
  for (const auto& [k, v] : file_values) {
    c.values_[k] = v;
    c.explicit_[k] = v;
  }
  for (const auto& [k, v] : overrides) {
    if (!find_spec(k)) throw ConfigError("unknown option '" + k + "' (override)");
    c.values_[k] = v;
    c.explicit_[k] = v;
  }
  c.validate(source_name);
  return c;
}

Config Config::defaults(const Overrides& overrides) { return build({}, "defaults", overrides); }

Config Config::parse(std::string_view ini_text, std::string_view source_name,
                     const Overrides& overrides) {
  po::options_description desc;
  for (const auto& spec : kOptions) {
    desc.add_options()(std::string(spec.key).c_str(), po::value<std::string>());
  }
  std::map<std::string, std::string, std::less<>> file_values;
  try {
    std::istringstream in{std::string(ini_text)};
    const auto parsed = po::parse_config_file(in, desc, /*allow_unregistered=*/false);
    for (const auto& opt : parsed.options) {
      if (opt.value.size() != 1) {
        throw ConfigError(std::string(source_name) + ": option '" + opt.string_key + "' has no value");
      }
      if (!file_values.emplace(opt.string_key, trim(opt.value.front())).second) {
        throw ConfigError(std::string(source_name) + ": option '" + opt.string_key +
                          "' is given more than once");
      }
    }
  } catch (const po::unknown_option& e) {
    throw ConfigError(std::string(source_name) + ": unknown option '" + e.get_option_name() + "'");
  } catch (const po::error& e) {
    throw ConfigError(std::string(source_name) + ": " + e.what());
  }
  return build(file_values, source_name, overrides);
}

Config Config::load(const std::filesystem::path& file, const Overrides& overrides) {
  std::ifstream in(file);
  if (!in) throw ConfigError("cannot read config file " + file.string());
  std::stringstream text;
  text << in.rdbuf();
  return parse(text.str(), file.string(), overrides);
}

void Config::validate(std::string_view source_name) const {
  for (const auto& spec : kOptions) {
    if (auto err = check_value(spec.type, values_.at(std::string(spec.key)))) {
      throw ConfigError(std::string(source_name) + ": option '" + std::string(spec.key) + "': " + *err);
    }
  }
  if (const auto bits = integer("hss.sqn_ind_bits"); bits > 10) {
    throw ConfigError(std::string(source_name) + ": option 'hss.sqn_ind_bits': " + std::to_string(bits) +
                      " is more than 10 bits");
  }
  if (integer("hss.max_auth_items") < 1) {
    throw ConfigError(std::string(source_name) + ": option 'hss.max_auth_items': must be at least 1");
  }
  if (auto err = digest_algorithms_error(str("scscf.digest_algorithms"))) {
    throw ConfigError(std::string(source_name) + ": option 'scscf.digest_algorithms': " + *err);
  }
  // No two ports of enabled nodes may be the same.
  std::map<std::string, std::string> port_owner;
  for (const auto& spec : kOptions) {
    if (spec.type != OptionType::port) continue;
    const std::string key(spec.key);
    const std::string section = key.substr(0, key.find('.'));
    if (find_spec(section + ".enabled") && !flag(section + ".enabled")) continue;
    const auto [it, fresh] = port_owner.emplace(values_.at(key), key);
    if (!fresh) {
      throw ConfigError(std::string(source_name) + ": option '" + key + "': port " + it->first +
                        " is already used by '" + it->second + "'");
    }
  }
}

const std::string& Config::str(std::string_view key) const {
  const auto it = values_.find(key);
  if (it == values_.end()) throw std::out_of_range("no such option: " + std::string(key));
  return it->second;
}

std::uint16_t Config::port(std::string_view key) const { return static_cast<std::uint16_t>(*to_int(str(key))); }
std::int64_t Config::integer(std::string_view key) const { return *to_int(str(key)); }
bool Config::flag(std::string_view key) const { return *to_bool(str(key)); }
LogLevel Config::log_level() const { return *parse_log_level(str("global.log_level")); }

namespace {
std::filesystem::path expand_home(const std::string& p) {
  if (p == "~" || p.rfind("~/", 0) == 0) {
    const char* home = std::getenv("HOME");
    return std::filesystem::path(home ? home : "/") / p.substr(p.size() > 1 ? 2 : 1);
  }
  return p;
}
}  // namespace

std::filesystem::path Config::data_dir() const {
  return std::filesystem::absolute(expand_home(str("global.data_dir"))).lexically_normal();
}

std::filesystem::path Config::path(std::string_view key) const {
  const auto p = expand_home(str(key));
  return p.is_absolute() ? p : (data_dir() / p).lexically_normal();
}

ResolvedConfig resolve_config(const std::string& config_file, const std::string& data_dir) {
  Config::Overrides overrides;
  if (!data_dir.empty()) overrides["global.data_dir"] = data_dir;
  if (!config_file.empty()) {
    const auto file = std::filesystem::absolute(config_file);
    return {Config::load(file, overrides), file};
  }
  const auto candidate = Config::defaults(overrides).data_dir() / "imsbox.conf";
  if (std::filesystem::exists(candidate)) return {Config::load(candidate, overrides), candidate};
  return {Config::defaults(overrides), std::nullopt};
}

std::string Config::render(bool commented_defaults) const {
  std::ostringstream out;
  out << "# imsbox configuration. Every option is listed with its meaning and default;\n"
      << "# `imsbox config show` prints the effective values, `imsbox config check` validates.\n";
  std::string section;
  for (const auto& spec : kOptions) {
    const auto dot = spec.key.find('.');
    const std::string sec(spec.key.substr(0, dot));
    const std::string name(spec.key.substr(dot + 1));
    if (sec != section) {
      out << "\n[" << sec << "]\n";
      section = sec;
    }
    out << "# " << spec.help << " (default: " << spec.default_value << ")\n";
    const std::string& value = values_.at(std::string(spec.key));
    const bool is_default = !explicit_.contains(spec.key) && value == spec.default_value;
    out << ((commented_defaults && is_default) ? "#" : "") << name << " = " << value << "\n";
  }
  return out.str();
}

}  // namespace imsbox::runtime
