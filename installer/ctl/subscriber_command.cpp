// imsbox subscriber add|list|show|del|set: provisioning in the store.
#include <boost/program_options/parsers.hpp>
#include <boost/program_options/value_semantic.hpp>
#include <chrono>
#include <iostream>
#include <thread>

#include "ctl/common.h"
#include "hss/provisioning.h"
#include "store/database.h"
#include "store/service_data_table.h"

namespace po = boost::program_options;

namespace imsbox::ctl {

namespace {

constexpr const char* kUsage =
    "imsbox subscriber add --impi IMPI --impu IMPU [--impu IMPU ...] [--k HEX (--op HEX | --opc HEX) [--amf HEX] "
    "[--sqn HEX]] [--password PW] [--schemes LIST]\n"
    "                             [--service-profile NAME|none]   (default: hss.default_service_profile)\n"
    "       imsbox subscriber list\n"
    "       imsbox subscriber show IMPI [--show-secrets]\n"
    "       imsbox subscriber del IMPI\n"
    "       imsbox subscriber set IMPI [--k HEX] [--op HEX | --opc HEX] [--amf HEX] [--sqn HEX] [--password PW]\n"
    "                              [--schemes LIST]\n"
    "                              [--no-sim] [--no-password] [--add-impu IMPU ...] [--del-impu IMPU ...]\n"
    "       imsbox subscriber deregister IMPI [--reason TEXT]   (the running HSS sends an RTR to its S-CSCF)\n"
    "  (each also takes --data-dir DIR and --config FILE)";

std::string to_hex(const std::vector<std::uint8_t>& bytes) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  for (auto b : bytes) {
    out += hex[b >> 4];
    out += hex[b & 0xf];
  }
  return out;
}

std::string sqn_hex(std::uint64_t sqn) {
  std::vector<std::uint8_t> b(6);
  for (int i = 5; i >= 0; --i, sqn >>= 8) b[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(sqn & 0xff);
  return to_hex(b);
}

std::string auth_kinds(const store::SubscriberRecord& r) {
  if (r.sim && r.digest) return "sim+password";
  return r.sim ? "sim" : "password";
}

template <typename T>
void opt(po::options_description& desc, const char* name, std::optional<T>& target, const char* help) {
  desc.add_options()(name, po::value<T>()->notifier([&target](const T& v) { target = v; }), help);
}

struct Session {
  Session(runtime::ResolvedConfig r, store::Database d)
      : resolved(std::move(r)), db(std::move(d)), provisioning(db, std::string(resolved.config.domain())) {}
  runtime::ResolvedConfig resolved;
  store::Database db;
  hss::Provisioning provisioning;
};

// Opens the store for provisioning. `create` allows a first subscriber to be
// added before the box ever ran.
std::unique_ptr<Session> open_session(runtime::ResolvedConfig resolved, bool create) {
  const auto& config = resolved.config;
  const auto path = config.path("store.path");
  if (!std::filesystem::exists(path)) {
    if (!create) {
      std::cerr << "imsbox: no store at " << path.string() << " (run `imsbox up` or add a subscriber first)\n";
      return nullptr;
    }
    std::filesystem::create_directories(path.parent_path());
  }
  try {
    auto db = open_store(config, "hss");
    return std::make_unique<Session>(std::move(resolved), std::move(db));
  } catch (const store::StoreError& e) {
    std::cerr << "imsbox: " << e.what() << "\n";
    return nullptr;
  }
}

int add(const Args& args) {
  hss::NewSubscriber s;
  po::options_description desc("imsbox subscriber add");
  desc.add_options()("impi", po::value(&s.impi)->required(), "private identity, user@realm")(
      "impu", po::value(&s.impus)->required(), "public identity, sip: or tel: URI (repeat for several)");
  opt(desc, "k", s.k, "SIM key K, 32 hex digits");
  opt(desc, "op", s.op, "operator variant OP, 32 hex digits (OPc is derived and stored)");
  opt(desc, "opc", s.opc, "derived operator variant OPc, 32 hex digits");
  opt(desc, "amf", s.amf, "authentication management field, 4 hex digits (default 8000)");
  opt(desc, "sqn", s.sqn, "initial sequence number, 12 hex digits (default 000000000000)");
  opt(desc, "password", s.password, "password for SIP digest");
  opt(desc, "schemes", s.schemes, "allowed schemes, comma-separated: Digest-AKAv1-MD5, Digest-AKAv2-MD5, SIP Digest");
  opt(desc, "service-profile", s.service_profile,
      "service profile of its public identities, or none (default: hss.default_service_profile, mmtel)");
  int code = 0;
  auto rc = parse_command(args, desc, nullptr, kUsage, code);
  if (!rc) return code;
  if (s.service_profile) {
    if (s.service_profile->empty()) {
      std::cerr << "imsbox: --service-profile needs a profile name or none\n";
      return 2;
    }
    if (*s.service_profile == "none") s.service_profile = "";  // NewSubscriber's "no profile"
  }
  auto session = open_session(std::move(*rc), true);
  if (!session) return 1;
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch()).count();
  const auto outcome =
      session->provisioning.add(s, now, session->resolved.config.str("hss.default_service_profile"));
  if (outcome.warning) std::cerr << "imsbox: warning: " << *outcome.warning << "\n";
  std::cout << "added " << s.impi
            << (outcome.service_profile ? " (service profile " + *outcome.service_profile + ")"
                                        : std::string(" (no service profile)"))
            << "\n";
  return 0;
}

int change(const Args& args) {
  std::string impi;
  hss::SubscriberChange c;
  po::options_description desc("imsbox subscriber set");
  desc.add_options()("impi", po::value(&impi)->required(), "the subscriber to change");
  opt(desc, "k", c.k, "new SIM key K (with --op or --opc)");
  opt(desc, "op", c.op, "new OP (OPc is derived with the K)");
  opt(desc, "opc", c.opc, "new OPc");
  opt(desc, "amf", c.amf, "new AMF");
  opt(desc, "sqn", c.sqn, "new SQN");
  opt(desc, "password", c.password, "new password");
  opt(desc, "schemes", c.schemes, "allowed schemes, comma-separated (\"\" lifts the restriction)");
  desc.add_options()("no-sim", po::bool_switch(&c.remove_sim), "remove the SIM credentials")(
      "no-password", po::bool_switch(&c.remove_password), "remove the password")(
      "add-impu", po::value(&c.add_impus), "add a public identity (repeatable)")(
      "del-impu", po::value(&c.remove_impus), "remove a public identity (repeatable)");
  int code = 0;
  auto rc = parse_command(args, desc, "impi", kUsage, code);
  if (!rc) return code;
  auto session = open_session(std::move(*rc), false);
  if (!session) return 1;
  session->provisioning.change(impi, c);
  std::cout << "changed " << impi << "\n";
  return 0;
}

int del(const Args& args) {
  std::string impi;
  po::options_description desc("imsbox subscriber del");
  desc.add_options()("impi", po::value(&impi)->required(), "the subscriber to delete");
  int code = 0;
  auto rc = parse_command(args, desc, "impi", kUsage, code);
  if (!rc) return code;
  auto session = open_session(std::move(*rc), false);
  if (!session) return 1;
  session->provisioning.remove(impi);
  std::cout << "deleted " << impi << "\n";
  return 0;
}

int show(const Args& args) {
  std::string impi;
  bool secrets = false;
  po::options_description desc("imsbox subscriber show");
  desc.add_options()("impi", po::value(&impi)->required(), "the subscriber to show")(
      "show-secrets", po::bool_switch(&secrets), "also print K and OPc");
  int code = 0;
  auto rc = parse_command(args, desc, "impi", kUsage, code);
  if (!rc) return code;
  auto session = open_session(std::move(*rc), false);
  if (!session) return 1;
  const auto r = session->provisioning.find(impi);
  if (!r) {
    std::cerr << "imsbox: no subscriber " << impi << "\n";
    return 1;
  }
  std::cout << "impi: " << r->impi << "\n";
  store::ServiceDataTable services(session->db);
  for (const auto& impu : r->impus) {
    const auto row = services.public_identity(impu);
    std::cout << "impu: " << impu << "  (service profile "
              << (row && row->service_profile ? *row->service_profile : std::string("none")) << ")\n";
  }
  if (r->sim) {
    std::cout << "sim: yes\n";
    std::cout << "k: " << (secrets ? to_hex(r->sim->k.reveal()) : "(hidden; --show-secrets)") << "\n";
    std::cout << "opc: " << (secrets ? to_hex(r->sim->opc.reveal()) : "(hidden; --show-secrets)") << "\n";
    std::cout << "amf: " << to_hex({r->sim->amf.begin(), r->sim->amf.end()}) << "\n";
    std::cout << "sqn: " << sqn_hex(r->sim->sqn) << "\n";
  } else {
    std::cout << "sim: no\n";
  }
  if (r->digest) {
    std::cout << "password: yes (digest realm " << r->digest->realm << ")\n";
  } else {
    std::cout << "password: no\n";
  }
  std::cout << "schemes: ";
  if (r->auth_schemes.empty()) std::cout << "(any its credentials allow)";
  for (std::size_t i = 0; i < r->auth_schemes.size(); ++i) std::cout << (i ? ", " : "") << r->auth_schemes[i];
  std::cout << "\n";
  return 0;
}

int list(const Args& args) {
  po::options_description desc("imsbox subscriber list");
  int code = 0;
  auto rc = parse_command(args, desc, nullptr, kUsage, code);
  if (!rc) return code;
  auto session = open_session(std::move(*rc), false);
  if (!session) return 1;
  for (const auto& r : session->provisioning.list()) {
    std::cout << r.impi << "  " << auth_kinds(r) << " ";
    for (std::size_t i = 0; i < r.impus.size(); ++i) std::cout << (i ? ", " : " ") << r.impus[i];
    std::cout << "\n";
  }
  return 0;
}

// Queues an administrative deregistration for the HSS and waits for what
// it reports (the HSS looks at its queue twice a second).
int deregister(const Args& args) {
  std::string impi, reason;
  int wait_ms = 10000;
  po::options_description desc("imsbox subscriber deregister");
  desc.add_options()("impi", po::value(&impi)->required(), "the subscriber to deregister")(
      "reason", po::value(&reason), "Reason-Info sent in the RTR")(
      "wait-ms", po::value(&wait_ms), "how long to wait for the HSS (default 10000)");
  int code = 0;
  auto rc = parse_command(args, desc, "impi", kUsage, code);
  if (!rc) return code;
  auto session = open_session(std::move(*rc), false);
  if (!session) return 1;
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch()).count();
  const auto id = session->provisioning.request_deregistration(impi, reason, now);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(wait_ms);
  while (std::chrono::steady_clock::now() < deadline) {
    if (const auto outcome = session->provisioning.deregistration_outcome(id)) {
      std::cout << impi << ": " << *outcome << "\n";
      return 0;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  std::cerr << "imsbox: the HSS has not handled the deregistration of " << impi << " within " << wait_ms
            << " ms (is the box up?); the request stays queued\n";
  return 1;
}

}  // namespace

int cmd_subscriber(const Args& args) {
  if (args.empty()) {
    std::cerr << "usage: " << kUsage << "\n";
    return 2;
  }
  const Args rest(args.begin() + 1, args.end());
  try {
    if (args[0] == "add") return add(rest);
    if (args[0] == "set") return change(rest);
    if (args[0] == "del") return del(rest);
    if (args[0] == "show") return show(rest);
    if (args[0] == "list") return list(rest);
    if (args[0] == "deregister") return deregister(rest);
    if (args[0] == "-h" || args[0] == "--help") {
      std::cout << "usage: " << kUsage << "\n";
      return 0;
    }
  } catch (const hss::ProvisioningError& e) {
    std::cerr << "imsbox: " << e.what() << "\n";
    return 1;
  } catch (const store::StoreError& e) {
    std::cerr << "imsbox: store: " << e.what() << "\n";
    return 1;
  }
  std::cerr << "imsbox: unknown subscriber command '" << args[0] << "'\nusage: " << kUsage << "\n";
  return 2;
}

}  // namespace imsbox::ctl
