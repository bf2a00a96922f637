// cx-test-server: a Cx server on the Diameter layer that answers every Cx
// command with values derived from the request, for the integration tests.
//
//   cx-test-server --identity hss.ims.test --realm ims.test --port PORT
//                  [--allow IDENTITY]... [--peer [IDENTITY@]HOST:PORT]...
//                  [--answer-timeout-ms 2000] [--unsupported uar|sar|lir|mar|rtr|ppr]...
//                  [--run-dir DIR] [--log-level debug|info|warning|error]
//
// Identities (User-Name or Public-Identity) steer the answer:
//   "unknown" anywhere -> Experimental-Result 5001 DIAMETER_ERROR_USER_UNKNOWN
//   "silent"           -> never answered (the layer answers 5012 after the answer timeout)
//   "drop"             -> the handler drops its responder (the layer answers 5012 at once)
// Prints "ready" on stdout once started; SIGTERM/SIGINT stop it.
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/program_options.hpp>
#include <any>
#include <csignal>
#include <iostream>

#include "cli_support.h"
#include "diameter/diameter_stack.h"
#include "runtime/clock.h"
#include "runtime/log.h"

namespace po = boost::program_options;
using namespace imsbox;
using namespace imsbox::diameter;

namespace {

bool mentions(const std::string& s, const char* word) { return s.find(word) != std::string::npos; }

std::string domain_of(const std::string& identity, const std::string& fallback) {
  const auto at = identity.rfind('@');
  if (at == std::string::npos) return fallback;
  std::string d = identity.substr(at + 1);
  if (const auto semi = d.find_first_of(";:>"); semi != std::string::npos) d = d.substr(0, semi);
  return d.empty() ? fallback : d;
}

// Deterministic bytes from a string: what a test can predict.
std::vector<std::uint8_t> derive(const std::string& seed, std::uint8_t salt, std::size_t n) {
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : seed) h = (h ^ c) * 1099511628211ull;
  std::vector<std::uint8_t> out(n);
  for (std::size_t i = 0; i < n; ++i) out[i] = static_cast<std::uint8_t>((h >> (8 * (i % 8))) ^ (salt + i));
  return out;
}

class Behaviour {
 public:
  Behaviour(std::string realm, runtime::Logger& log) : realm_(std::move(realm)), log_(log) {}

  // True when the request is handled specially (kept silent or dropped).
  template <class Responder>
  bool special(const std::string& who, const Responder& respond) {
    if (mentions(who, "silent")) {
      log_.info("keeping the request of " + who + " unanswered");
      kept_.push_back(respond);
      return true;
    }
    if (mentions(who, "drop")) {
      log_.info("dropping the request of " + who);
      return true;
    }
    return false;
  }
  static std::optional<Result> unknown(const std::string& who) {
    if (mentions(who, "unknown")) return Result::experimental_code(experimental_result::error_user_unknown);
    return std::nullopt;
  }

  UserAuthorizationAnswer uaa(const UserAuthorizationRequest& r) {
    UserAuthorizationAnswer a;
    const std::string domain = domain_of(r.public_identity, realm_);
    if (auto u = unknown(r.user_name + r.public_identity)) {
      a.header.result = *u;
    } else if (r.authorization_type == UserAuthorizationType::de_registration) {
      a.header.result = Result::base(result_code::success);
      a.server_name = "sip:scscf." + domain;
    } else if (r.authorization_type == UserAuthorizationType::registration_and_capabilities) {
      a.header.result = Result::experimental_code(experimental_result::first_registration);
      a.server_capabilities = ServerCapabilities{{r.uar_flags.value_or(0) + 1}, {2}, {"sip:scscf2." + domain}};
    } else {
      a.header.result = Result::experimental_code(experimental_result::subsequent_registration);
      a.server_name = "sip:scscf." + domain;
    }
    a.header.supported_features = r.header.supported_features;
    return a;
  }

  ServerAssignmentAnswer saa(const ServerAssignmentRequest& r) {
    ServerAssignmentAnswer a;
    const std::string impu = r.public_identities.empty() ? "" : r.public_identities.front();
    if (auto u = unknown(r.user_name + impu)) {
      a.header.result = *u;
      return a;
    }
    a.header.result = Result::base(result_code::success);
    a.user_name = r.user_name.empty() ? "derived@" + realm_ : r.user_name;
    a.user_data = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><IMSSubscription><PrivateID>" + a.user_name +
                  "</PrivateID><ServiceProfile><PublicIdentity><Identity>" + impu +
                  "</Identity></PublicIdentity></ServiceProfile></IMSSubscription>";
    a.charging_information = ChargingInformation{"aaa://ecf." + realm_, "", "aaa://ccf." + realm_, ""};
    a.associated_identities = {a.user_name};
    a.loose_route_indication = 0;
    a.server_name = r.server_name;
    a.wildcarded_public_identity = r.wildcarded_public_identity;
    a.priviledged_sender_indication = static_cast<std::int32_t>(r.server_assignment_type);
    return a;
  }

  LocationInfoAnswer lia(const LocationInfoRequest& r) {
    LocationInfoAnswer a;
    if (auto u = unknown(r.public_identity)) {
      a.header.result = *u;
      return a;
    }
    const std::string domain = domain_of(r.public_identity, realm_);
    a.header.result = Result::base(result_code::success);
    a.server_name = std::string(r.originating_request ? "sip:orig-scscf." : "sip:scscf.") + domain;
    if (r.authorization_type == UserAuthorizationType::registration_and_capabilities)
      a.server_capabilities = ServerCapabilities{{1}, {}, {}};
    a.lia_flags = static_cast<std::uint32_t>(r.session_priority.value_or(0));
    return a;
  }

  MultimediaAuthAnswer maa(const MultimediaAuthRequest& r) {
    MultimediaAuthAnswer a;
    if (auto u = unknown(r.user_name + r.public_identity)) {
      a.header.result = *u;
      return a;
    }
    a.header.result = Result::base(result_code::success);
    a.user_name = r.user_name;
    a.public_identity = r.public_identity;
    const std::uint32_t n = std::min<std::uint32_t>(std::max<std::uint32_t>(r.number_auth_items, 1), 5);
    a.number_auth_items = n;
    std::string scheme = r.auth_data_item.authentication_scheme;
    if (scheme.empty() || scheme == "Unknown") scheme = "Digest-AKAv1-MD5";
    for (std::uint32_t i = 1; i <= n; ++i) {
      SipAuthDataItem item;
      item.item_number = i;
      item.authentication_scheme = scheme;
      if (scheme == "SIP Digest") {
        item.digest = SipDigestAuthenticate{domain_of(r.public_identity, realm_), "MD5", "auth",
                                            runtime::SecretString(cli::to_hex(derive(r.user_name, 0x40 + i, 16)))};
      } else {
        item.sip_authenticate = derive(r.user_name, static_cast<std::uint8_t>(i), 32);
        item.sip_authorization = runtime::SecretBytes(derive(r.user_name, static_cast<std::uint8_t>(0x10 + i), 8));
        item.confidentiality_key = runtime::SecretBytes(derive(r.user_name, static_cast<std::uint8_t>(0x20 + i), 16));
        item.integrity_key = runtime::SecretBytes(derive(r.user_name, static_cast<std::uint8_t>(0x30 + i), 16));
      }
      // Echo a resynchronisation's RAND||AUTS so that a test sees it arrived.
      if (i == 1 && !r.auth_data_item.sip_authorization.empty())
        item.authentication_context = r.auth_data_item.sip_authorization.reveal();
      a.auth_data_items.push_back(std::move(item));
    }
    return a;
  }

  RegistrationTerminationAnswer rta(const RegistrationTerminationRequest& r) {
    RegistrationTerminationAnswer a;
    a.header.result = Result::base(result_code::success);
    a.associated_identities = r.associated_identities;
    if (a.associated_identities.empty()) a.associated_identities = {r.user_name};
    return a;
  }

  PushProfileAnswer ppa(const PushProfileRequest& r) {
    PushProfileAnswer a;
    a.header.result = unknown(r.user_name).value_or(Result::base(result_code::success));
    return a;
  }

 private:
  std::string realm_;
  runtime::Logger& log_;
  std::vector<std::any> kept_;  // responders of silent requests, never called
};

}  // namespace

int main(int argc, char** argv) {
  StackConfig config;
  int port = 0;
  long answer_timeout_ms = 2000;
  std::vector<std::string> peers, allowed, unsupported;
  std::string run_dir, log_level = "info";
  po::options_description desc("cx-test-server");
  desc.add_options()("help", "this help")("identity", po::value(&config.identity)->required(), "Diameter identity")(
      "realm", po::value(&config.realm)->required(), "Diameter realm")("port", po::value(&port)->required(),
                                                                        "TCP port to listen on")(
      "listen-address", po::value(&config.listen_address)->default_value("127.0.0.1"), "address to listen on")(
      "allow", po::value(&allowed), "IDENTITY[@ADDRESS] accepted inbound, from loopback without ADDRESS (repeatable)")(
      "peer", po::value(&peers), "[IDENTITY@]HOST:PORT to connect to (repeatable)")(
      "answer-timeout-ms", po::value(&answer_timeout_ms), "the layer answers 5012 after this")(
      "unsupported", po::value(&unsupported), "a command not served: uar sar lir mar rtr ppr (repeatable)")(
      "run-dir", po::value(&run_dir), "where the freeDiameter configuration goes (default: a temp dir)")(
      "log-level", po::value(&log_level), "debug, info, warning, error");
  try {
    po::variables_map vm;
    po::store(po::parse_command_line(argc, argv, desc), vm);
    if (vm.count("help")) {
      std::cout << desc;
      return 0;
    }
    po::notify(vm);
    for (const auto& p : peers) config.peers.push_back(cli::parse_peer(p, "peer." + config.realm));
    for (const auto& a : allowed) {
      const auto at = a.find('@');
      if (at == std::string::npos) config.allowed_peers.push_back({a, {}, true});
      else config.allowed_peers.push_back({a.substr(0, at), {a.substr(at + 1)}, false});
    }
  } catch (const std::exception& e) {
    std::cerr << e.what() << "\n" << desc;
    return 2;
  }
  config.listen_port = static_cast<std::uint16_t>(port);
  config.answer_timeout = std::chrono::milliseconds(answer_timeout_ms);
  config.reconnect = std::chrono::seconds(2);
  const bool temp_run_dir = run_dir.empty();
  config.run_dir = temp_run_dir ? std::filesystem::temp_directory_path() /
                                      ("cx-test-server-" + std::to_string(::getpid()))
                                : std::filesystem::path(run_dir);

  boost::asio::io_context io(1);
  runtime::SystemClock clock;
  runtime::Logger log("cx-test-server", runtime::parse_log_level(log_level).value_or(runtime::LogLevel::info), {},
                      clock);
  int rc = 0;
  try {
    DiameterStack stack(io, config, log);
    Behaviour b(config.realm, log);
    const auto not_served = [&](const char* name) {
      return std::find(unsupported.begin(), unsupported.end(), name) != unsupported.end();
    };
    if (!not_served("uar"))
      stack.serve<UserAuthorizationRequest>([&](UserAuthorizationRequest r, Responder<UserAuthorizationAnswer> respond) {
        if (!b.special(r.user_name + r.public_identity, respond)) respond(b.uaa(r));
      });
    if (!not_served("sar"))
      stack.serve<ServerAssignmentRequest>([&](ServerAssignmentRequest r, Responder<ServerAssignmentAnswer> respond) {
        const std::string who = r.user_name + (r.public_identities.empty() ? "" : r.public_identities.front());
        if (!b.special(who, respond)) respond(b.saa(r));
      });
    if (!not_served("lir"))
      stack.serve<LocationInfoRequest>([&](LocationInfoRequest r, Responder<LocationInfoAnswer> respond) {
        if (!b.special(r.public_identity, respond)) respond(b.lia(r));
      });
    if (!not_served("mar"))
      stack.serve<MultimediaAuthRequest>([&](MultimediaAuthRequest r, Responder<MultimediaAuthAnswer> respond) {
        if (!b.special(r.user_name + r.public_identity, respond)) respond(b.maa(r));
      });
    if (!not_served("rtr"))
      stack.serve<RegistrationTerminationRequest>(
          [&](RegistrationTerminationRequest r, Responder<RegistrationTerminationAnswer> respond) {
            if (!b.special(r.user_name, respond)) respond(b.rta(r));
          });
    if (!not_served("ppr"))
      stack.serve<PushProfileRequest>([&](PushProfileRequest r, Responder<PushProfileAnswer> respond) {
        if (!b.special(r.user_name, respond)) respond(b.ppa(r));
      });
    stack.start();
    boost::asio::signal_set signals(io, SIGTERM, SIGINT);
    signals.async_wait([&](const boost::system::error_code& ec, int) {
      if (ec) return;
      stack.stop([&] { io.stop(); });
    });
    std::cout << "ready" << std::endl;
    io.run();
  } catch (const std::exception& e) {
    std::cerr << "cx-test-server: " << e.what() << "\n";
    rc = 1;
  }
  if (temp_run_dir) std::filesystem::remove_all(config.run_dir);
  return rc;
}
