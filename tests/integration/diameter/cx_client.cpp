// cx-client: sends one Cx request built from the command line and prints the
// answer, one field per line as name=value. For the integration tests and for
// poking at an HSS by hand.
//
//   cx-client --peer [IDENTITY@]HOST:PORT [--identity cx-client.REALM] [--realm REALM]
//             [--destination-realm R] [--destination-host H] [--timeout-ms 5000]
//             [--connect-timeout-ms 5000] [--session-id S] [--supported-features V:ID:LIST]...
//             [--command-code N] [--run-dir DIR] [--log-level LEVEL]
//             uar|sar|lir|mar|rtr|ppr [request options]
//
// Request options (every field of the request; none is checked, so that a
// request lacking a mandatory AVP can be sent on purpose):
//   uar: --impi --impu --visited-network --auth-type N --uar-flags N
//   sar: --impi --impu (repeatable) --wildcarded-impu --server-name --sat N
//        --user-data-available N --multiple-registration N --session-priority N --sar-flags N
//   lir: --impu --originating --auth-type N --session-priority N
//   mar: --impi --impu --server-name --auth-items N --scheme S --item-number N
//        --authenticate HEX --authorization HEX --auth-context STR --ck HEX --ik HEX
//        --digest-realm --digest-algorithm --digest-qop --digest-ha1
//   rtr: --impi --impu (repeatable) --associated-identity (repeatable) --reason-code N --reason-info S
//   ppr: --impi --user-data XML --user-data-file FILE --ecf URI --ecf2 URI --ccf URI --ccf2 URI
//        --waf NAME (repeatable) --wwsf NAME (repeatable) and the mar auth-item options
//        (an SIP-Auth-Data-Item is sent when --scheme is given)
//
// The peer's identity defaults to hss.REALM. --command-code N rewrites the
// request's command code on its way out (to test a server's 3001).
// Exit code: 0 when an answer came (whatever its result), 1 on error (no
// connection to the peer, timeout, unusable answer), 2 on a usage error.
#include <freeDiameter/freeDiameter-host.h>
#include <freeDiameter/libfdcore.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/program_options.hpp>
#include <csignal>
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli_support.h"
#include "diameter/cx_avps.h"
#include "diameter/diameter_stack.h"
#include "runtime/clock.h"
#include "runtime/log.h"

namespace po = boost::program_options;
using namespace imsbox;
using namespace imsbox::diameter;

namespace {

struct Options {
  std::string impi, visited_network, wildcarded_impu, server_name, reason_info, user_data, user_data_file;
  std::vector<std::string> impus, associated, waf, wwsf;
  std::optional<int> auth_type, session_priority, multiple_registration, user_data_available;
  std::optional<std::uint32_t> uar_flags, sar_flags, item_number;
  int sat = 1, reason_code = 0;
  std::uint32_t auth_items = 1;
  bool originating = false;
  std::string scheme, authenticate, authorization, auth_context, ck, ik;
  std::string digest_realm, digest_algorithm, digest_qop, digest_ha1;
  std::string ecf, ecf2, ccf, ccf2;
};

std::string first(const std::vector<std::string>& v) { return v.empty() ? "" : v.front(); }

SipAuthDataItem auth_item(const Options& o) {
  SipAuthDataItem i;
  i.item_number = o.item_number;
  i.authentication_scheme = o.scheme;
  i.sip_authenticate = cli::from_hex(o.authenticate);
  i.sip_authorization = runtime::SecretBytes(cli::from_hex(o.authorization));
  i.authentication_context.assign(o.auth_context.begin(), o.auth_context.end());
  i.confidentiality_key = runtime::SecretBytes(cli::from_hex(o.ck));
  i.integrity_key = runtime::SecretBytes(cli::from_hex(o.ik));
  if (!o.digest_realm.empty() || !o.digest_qop.empty() || !o.digest_ha1.empty())
    i.digest = SipDigestAuthenticate{o.digest_realm, o.digest_algorithm, o.digest_qop,
                                     runtime::SecretString(o.digest_ha1)};
  return i;
}

CxRequest build(const std::string& command, const Options& o) {
  if (command == "uar") {
    UserAuthorizationRequest r;
    r.user_name = o.impi;
    r.public_identity = first(o.impus);
    r.visited_network_identifier = o.visited_network;
    if (o.auth_type) r.authorization_type = static_cast<UserAuthorizationType>(*o.auth_type);
    r.uar_flags = o.uar_flags;
    return r;
  }
  if (command == "sar") {
    ServerAssignmentRequest r;
    r.user_name = o.impi;
    r.public_identities = o.impus;
    r.wildcarded_public_identity = o.wildcarded_impu;
    r.server_name = o.server_name;
    r.server_assignment_type = static_cast<ServerAssignmentType>(o.sat);
    r.user_data_already_available = static_cast<UserDataAlreadyAvailable>(o.user_data_available.value_or(0));
    r.multiple_registration_indication = o.multiple_registration;
    r.session_priority = o.session_priority;
    r.sar_flags = o.sar_flags;
    return r;
  }
  if (command == "lir") {
    LocationInfoRequest r;
    r.originating_request = o.originating;
    r.public_identity = first(o.impus);
    if (o.auth_type) r.authorization_type = static_cast<UserAuthorizationType>(*o.auth_type);
    r.session_priority = o.session_priority;
    return r;
  }
  if (command == "mar") {
    MultimediaAuthRequest r;
    r.user_name = o.impi;
    r.public_identity = first(o.impus);
    r.auth_data_item = auth_item(o);
    r.number_auth_items = o.auth_items;
    r.server_name = o.server_name;
    return r;
  }
  if (command == "rtr") {
    RegistrationTerminationRequest r;
    r.user_name = o.impi;
    r.associated_identities = o.associated;
    r.public_identities = o.impus;
    r.deregistration_reason = {static_cast<ReasonCode>(o.reason_code), o.reason_info};
    return r;
  }
  if (command == "ppr") {
    PushProfileRequest r;
    r.user_name = o.impi;
    r.user_data = o.user_data;
    if (!o.user_data_file.empty()) {
      std::ifstream in(o.user_data_file);
      if (!in) throw std::invalid_argument("cannot read " + o.user_data_file);
      std::ostringstream s;
      s << in.rdbuf();
      r.user_data = s.str();
    }
    if (!o.ecf.empty() || !o.ecf2.empty() || !o.ccf.empty() || !o.ccf2.empty())
      r.charging_information = ChargingInformation{o.ecf, o.ecf2, o.ccf, o.ccf2};
    if (!o.scheme.empty()) r.auth_data_item = auth_item(o);
    if (!o.waf.empty() || !o.wwsf.empty()) r.allowed_waf_wwsf_identities = AllowedWafWwsfIdentities{o.waf, o.wwsf};
    return r;
  }
  throw std::invalid_argument("unknown command '" + command + "' (uar, sar, lir, mar, rtr, ppr)");
}

// ---- printing every answer field ----

class Printer {
 public:
  explicit Printer(std::ostream& out) : out_(out) {}
  void line(const std::string& name, const std::string& value) { out_ << name << "=" << value << "\n"; }
  void opt(const std::string& name, const std::string& value) {
    if (!value.empty()) line(name, value);
  }
  template <class T>
  void opt(const std::string& name, const std::optional<T>& v) {
    if (v) line(name, std::to_string(*v));
  }
  void bytes(const std::string& name, const std::vector<std::uint8_t>& v) {
    if (!v.empty()) line(name, cli::to_hex(v));
  }
  void list(const std::string& name, const std::vector<std::string>& v) {
    for (const auto& s : v) line(name, s);
  }

  void header(const AnswerHeader& h) {
    line("session_id", h.session_id);
    line("origin_host", h.origin_host);
    line("origin_realm", h.origin_realm);
    if (h.result.experimental) {
      line("experimental_result_code", std::to_string(h.result.code));
      line("experimental_result_vendor_id", std::to_string(h.result.vendor_id));
    } else {
      line("result_code", std::to_string(h.result.code));
    }
    line("error_bit", h.error_bit ? "1" : "0");
    if (h.failed_avp) {
      line("failed_avp", std::to_string(h.failed_avp->code) + ":" + std::to_string(h.failed_avp->vendor_id));
      line("failed_avp_name", avp_display_name(*h.failed_avp));
    }
    opt("error_message", h.error_message);
    for (const auto& f : h.supported_features)
      line("supported_features", std::to_string(f.vendor_id) + ":" + std::to_string(f.feature_list_id) + ":" +
                                     std::to_string(f.feature_list));
  }
  void capabilities(const std::optional<ServerCapabilities>& c) {
    if (!c) return;
    for (auto v : c->mandatory_capabilities) line("server_capabilities.mandatory_capability", std::to_string(v));
    for (auto v : c->optional_capabilities) line("server_capabilities.optional_capability", std::to_string(v));
    list("server_capabilities.server_name", c->server_names);
  }
  void charging(const std::optional<ChargingInformation>& c) {
    if (!c) return;
    opt("charging_information.primary_event_charging_function_name", c->primary_event_charging_function_name);
    opt("charging_information.secondary_event_charging_function_name", c->secondary_event_charging_function_name);
    opt("charging_information.primary_charging_collection_function_name",
        c->primary_charging_collection_function_name);
    opt("charging_information.secondary_charging_collection_function_name",
        c->secondary_charging_collection_function_name);
  }
  void waf(const std::optional<AllowedWafWwsfIdentities>& w) {
    if (!w) return;
    list("allowed_waf_wwsf_identities.waf", w->waf_names);
    list("allowed_waf_wwsf_identities.wwsf", w->wwsf_names);
  }
  // A test tool: it shows the keys on purpose, which node logs never do.
  void item(const std::string& p, const SipAuthDataItem& i) {
    opt(p + ".item_number", i.item_number);
    opt(p + ".authentication_scheme", i.authentication_scheme);
    bytes(p + ".sip_authenticate", i.sip_authenticate);
    bytes(p + ".sip_authorization", i.sip_authorization.reveal());
    bytes(p + ".authentication_context", i.authentication_context);
    bytes(p + ".confidentiality_key", i.confidentiality_key.reveal());
    bytes(p + ".integrity_key", i.integrity_key.reveal());
    if (i.digest) {
      line(p + ".digest_realm", i.digest->digest_realm);
      opt(p + ".digest_algorithm", i.digest->digest_algorithm);
      line(p + ".digest_qop", i.digest->digest_qop);
      line(p + ".digest_ha1", i.digest->digest_ha1.reveal());
      opt(p + ".digest_username", i.digest->digest_username);
    }
  }

  void body(const UserAuthorizationAnswer& a) {
    opt("server_name", a.server_name);
    capabilities(a.server_capabilities);
  }
  void body(const ServerAssignmentAnswer& a) {
    opt("user_name", a.user_name);
    opt("user_data", a.user_data);
    charging(a.charging_information);
    list("associated_identity", a.associated_identities);
    opt("loose_route_indication", a.loose_route_indication);
    opt("server_name", a.server_name);
    opt("wildcarded_public_identity", a.wildcarded_public_identity);
    opt("priviledged_sender_indication", a.priviledged_sender_indication);
    waf(a.allowed_waf_wwsf_identities);
  }
  void body(const LocationInfoAnswer& a) {
    opt("server_name", a.server_name);
    capabilities(a.server_capabilities);
    opt("wildcarded_public_identity", a.wildcarded_public_identity);
    opt("lia_flags", a.lia_flags);
  }
  void body(const MultimediaAuthAnswer& a) {
    opt("user_name", a.user_name);
    opt("public_identity", a.public_identity);
    opt("sip_number_auth_items", a.number_auth_items);
    for (std::size_t k = 0; k < a.auth_data_items.size(); ++k)
      item("sip_auth_data_item." + std::to_string(k + 1), a.auth_data_items[k]);
  }
  void body(const RegistrationTerminationAnswer& a) { list("associated_identity", a.associated_identities); }
  void body(const PushProfileAnswer&) {}

 private:
  std::ostream& out_;
};

void print_answer(const CxAnswer& a) {
  Printer p(std::cout);
  p.line("command", std::string(answer_abbrev(command_of(a))));
  p.header(header_of(a));
  std::visit([&](const auto& m) { p.body(m); }, a);
  std::cout.flush();
}

// --command-code: an OUT routing callback (on freeDiameter's routing thread)
// rewrites the code of outgoing requests; data points to the code.
int rewrite_code(void* data, msg** pmsg, fd_list*) {
  msg_hdr* h = nullptr;
  if (fd_msg_hdr(*pmsg, &h) == 0 && (h->msg_flags & CMD_FLAG_REQUEST)) h->msg_code = *static_cast<std::uint32_t*>(data);
  return 0;
}

// freeDiameter 1.2.1 aborts on receiving an answer whose command code is not
// in its dictionary (an assertion in fd_msg_parse_or_error): define the code.
void define_test_command(std::uint32_t code) {
  dictionary* d = fd_g_config->cnf_dict;
  dict_object* app = nullptr;
  application_id_t aid = kCxApplicationId;
  if (fd_dict_search(d, DICT_APPLICATION, APPLICATION_BY_ID, &aid, &app, ENOENT) != 0) return;
  for (bool request : {true, false}) {
    std::string name = "Test-" + std::to_string(code) + (request ? "-Request" : "-Answer");
    dict_cmd_data c{code, name.data(), CMD_FLAG_REQUEST, static_cast<uint8_t>(request ? CMD_FLAG_REQUEST : 0)};
    fd_dict_new(d, DICT_COMMAND, &c, app, nullptr);  // EEXIST when it is a known code: fine
  }
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  std::string peer_spec, identity, realm = "ims.test", dest_realm, dest_host, session_id, run_dir,
                             log_level = "warning", command, peer_identity;
  std::vector<std::string> features;
  long timeout_ms = 5000, connect_timeout_ms = 5000;
  std::uint32_t command_code = 0;

  po::options_description global("cx-client options");
  global.add_options()("help", "this help")("peer", po::value(&peer_spec)->required(), "[IDENTITY@]HOST:PORT")(
      "peer-identity", po::value(&peer_identity), "the peer's Diameter identity (default hss.REALM)")(
      "identity", po::value(&identity), "our Diameter identity (default cx-client.REALM)")(
      "realm", po::value(&realm), "our realm (default ims.test)")(
      "destination-realm", po::value(&dest_realm), "Destination-Realm (default: our realm)")(
      "destination-host", po::value(&dest_host), "Destination-Host (default: none)")(
      "timeout-ms", po::value(&timeout_ms), "answer timeout")(
      "connect-timeout-ms", po::value(&connect_timeout_ms), "how long to wait for the connection")(
      "session-id", po::value(&session_id), "Session-Id (default: a new one)")(
      "supported-features", po::value(&features), "VENDOR:FEATURE-LIST-ID:FEATURE-LIST (repeatable)")(
      "command-code", po::value(&command_code), "send with this command code instead")(
      "run-dir", po::value(&run_dir), "where the freeDiameter configuration goes (default: a temp dir)")(
      "log-level", po::value(&log_level), "debug, info, warning, error")("command", po::value(&command)->required(),
                                                                        "uar, sar, lir, mar, rtr, ppr");
  po::options_description request("request options");
  request.add_options()("impi", po::value(&o.impi), "User-Name")("impu", po::value(&o.impus), "Public-Identity")(
      "visited-network", po::value(&o.visited_network), "Visited-Network-Identifier")(
      "auth-type", po::value<int>(), "User-Authorization-Type")("uar-flags", po::value<std::uint32_t>(), "UAR-Flags")(
      "wildcarded-impu", po::value(&o.wildcarded_impu), "Wildcarded-Public-Identity")(
      "server-name", po::value(&o.server_name), "Server-Name")("sat", po::value(&o.sat), "Server-Assignment-Type")(
      "user-data-available", po::value<int>(), "User-Data-Already-Available")(
      "multiple-registration", po::value<int>(), "Multiple-Registration-Indication")(
      "session-priority", po::value<int>(), "Session-Priority")("sar-flags", po::value<std::uint32_t>(), "SAR-Flags")(
      "originating", po::bool_switch(&o.originating), "Originating-Request")(
      "auth-items", po::value(&o.auth_items), "SIP-Number-Auth-Items")(
      "scheme", po::value(&o.scheme), "SIP-Authentication-Scheme")(
      "item-number", po::value<std::uint32_t>(), "SIP-Item-Number")(
      "authenticate", po::value(&o.authenticate), "SIP-Authenticate (hex)")(
      "authorization", po::value(&o.authorization), "SIP-Authorization (hex)")(
      "auth-context", po::value(&o.auth_context), "SIP-Authentication-Context")(
      "ck", po::value(&o.ck), "Confidentiality-Key (hex)")("ik", po::value(&o.ik), "Integrity-Key (hex)")(
      "digest-realm", po::value(&o.digest_realm), "Digest-Realm")(
      "digest-algorithm", po::value(&o.digest_algorithm), "Digest-Algorithm")(
      "digest-qop", po::value(&o.digest_qop), "Digest-QoP")("digest-ha1", po::value(&o.digest_ha1), "Digest-HA1")(
      "associated-identity", po::value(&o.associated), "User-Name in Associated-Identities")(
      "reason-code", po::value(&o.reason_code), "Reason-Code")("reason-info", po::value(&o.reason_info), "Reason-Info")(
      "user-data", po::value(&o.user_data), "User-Data")("user-data-file", po::value(&o.user_data_file), "User-Data")(
      "ecf", po::value(&o.ecf), "Primary-Event-Charging-Function-Name")(
      "ecf2", po::value(&o.ecf2), "Secondary-Event-Charging-Function-Name")(
      "ccf", po::value(&o.ccf), "Primary-Charging-Collection-Function-Name")(
      "ccf2", po::value(&o.ccf2), "Secondary-Charging-Collection-Function-Name")(
      "waf", po::value(&o.waf), "WebRTC-Authentication-Function-Name")(
      "wwsf", po::value(&o.wwsf), "WebRTC-Web-Server-Function-Name");
  po::options_description all;
  all.add(global).add(request);
  po::positional_options_description positional;
  positional.add("command", 1);

  StackConfig config;
  CxRequest req;
  try {
    po::variables_map vm;
    po::store(po::command_line_parser(argc, argv).options(all).positional(positional).run(), vm);
    if (vm.count("help")) {
      std::cout << all;
      return 0;
    }
    po::notify(vm);
    if (vm.count("auth-type")) o.auth_type = vm["auth-type"].as<int>();
    if (vm.count("uar-flags")) o.uar_flags = vm["uar-flags"].as<std::uint32_t>();
    if (vm.count("sar-flags")) o.sar_flags = vm["sar-flags"].as<std::uint32_t>();
    if (vm.count("item-number")) o.item_number = vm["item-number"].as<std::uint32_t>();
    if (vm.count("session-priority")) o.session_priority = vm["session-priority"].as<int>();
    if (vm.count("multiple-registration")) o.multiple_registration = vm["multiple-registration"].as<int>();
    if (vm.count("user-data-available")) o.user_data_available = vm["user-data-available"].as<int>();
    if (identity.empty()) identity = "cx-client." + realm;
    if (dest_realm.empty()) dest_realm = realm;
    DiameterPeer peer = cli::parse_peer(peer_spec, peer_identity.empty() ? "hss." + realm : peer_identity);
    if (!peer_identity.empty()) peer.identity = peer_identity;
    config.identity = identity;
    config.realm = realm;
    config.peers = {peer};
    config.reconnect = std::chrono::seconds(1);
    req = build(command, o);
    header_of(req).session_id = session_id;
    for (const auto& f : features) {
      SupportedFeatures sf;
      if (std::sscanf(f.c_str(), "%u:%u:%u", &sf.vendor_id, &sf.feature_list_id, &sf.feature_list) != 3)
        throw std::invalid_argument("--supported-features " + f + ": expected VENDOR:ID:LIST");
      header_of(req).supported_features.push_back(sf);
    }
  } catch (const std::exception& e) {
    std::cerr << "cx-client: " << e.what() << "\n\n" << all;
    return 2;
  }
  const bool temp_run_dir = run_dir.empty();
  config.run_dir = temp_run_dir ? std::filesystem::temp_directory_path() / ("cx-client-" + std::to_string(::getpid()))
                                : std::filesystem::path(run_dir);

  boost::asio::io_context io(1);
  runtime::SystemClock clock;
  runtime::Logger log("cx-client", runtime::parse_log_level(log_level).value_or(runtime::LogLevel::warning), {},
                      clock);
  int rc = 1;
  try {
    DiameterStack stack(io, config, log);
    stack.start();
    if (command_code) {
      define_test_command(command_code);
      fd_rt_out_register(&rewrite_code, &command_code, 0, nullptr);
    }
    const auto finish = [&](int code) {
      rc = code;
      stack.stop([&] { io.stop(); });
    };
    const std::string peer_id = config.peers.front().identity;
    stack.wait_for_peer(peer_id, std::chrono::milliseconds(connect_timeout_ms), [&](bool open) {
      if (!open) {
        std::cout << "error=unable_to_deliver\n" << std::flush;
        std::cerr << "cx-client: no open connection with " << peer_id << " ("
                  << to_string(stack.peer_state(peer_id)) << ")\n";
        return finish(1);
      }
      stack.send_erased(std::move(req), Destination{dest_realm, dest_host}, std::chrono::milliseconds(timeout_ms),
                        [&](std::variant<CxAnswer, CxError> r) {
                          if (auto* e = std::get_if<CxError>(&r)) {
                            std::cout << "error=" << to_string(e->kind) << "\n" << std::flush;
                            std::cerr << "cx-client: " << e->message << "\n";
                            return finish(1);
                          }
                          print_answer(std::get<CxAnswer>(r));
                          finish(0);
                        });
    });
    boost::asio::signal_set signals(io, SIGTERM, SIGINT);
    signals.async_wait([&](const boost::system::error_code& ec, int) {
      if (!ec) finish(1);
    });
    io.run();
  } catch (const std::exception& e) {
    std::cerr << "cx-client: " << e.what() << "\n";
    rc = 1;
  }
  if (temp_run_dir) std::filesystem::remove_all(config.run_dir);
  return rc;
}
