// imsbox up | down | status | logs | config: the box as a whole.
#include <fcntl.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>
#include <openssl/rand.h>

#include <array>
#include <boost/program_options/parsers.hpp>
#include <boost/program_options/value_semantic.hpp>
#include <csignal>
#include <fstream>
#include <iomanip>
#include <iostream>
#include <thread>

#include "ctl/common.h"
#include "runtime/tls_cert.h"
#include "hss/provisioning.h"
#include "ims/box.h"
#include "runtime/http_get.h"
#include "store/database.h"
#include "supervisor/state_file.h"

namespace po = boost::program_options;
using namespace std::chrono;

namespace imsbox::ctl {

namespace {

struct DemoSubscriber {
  const char* user;
  const char* tel;
  const char* password;  // null: a SIM subscriber
};

// The demo SIM uses K and OP of TS 35.208 test set 3, which sipp can use
// (see ../shared/testdata/sipp): [authentication username=IMPI aka_K=0x... aka_OP=0x...].
constexpr const char* kDemoSimK = "fec86ba6eb707ed08905757b1bb44b8f";
constexpr const char* kDemoSimOp = "dbc59adcb6f9a0ef735477b7fadf8374";
constexpr DemoSubscriber kDemoSubscribers[] = {
    {"alice", "+15550001", "alice-secret"},
    {"bob", "+15550002", "bob-secret"},
    {"001010000000001", "+15550003", nullptr},
};

std::filesystem::path run_dir(const runtime::Config& c) { return c.data_dir() / "run"; }

std::string self_dir() {
  char buf[4096];
  const ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return ".";
  return std::filesystem::path(std::string(buf, static_cast<std::size_t>(n))).parent_path().string();
}

// The supervisor's pid when one holds the data dir's lock.
std::optional<pid_t> running_supervisor(const runtime::Config& c) {
  const auto lock_path = run_dir(c) / "supervisor.lock";
  const int fd = open(lock_path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  const bool held = flock(fd, LOCK_SH | LOCK_NB) != 0;
  close(fd);
  if (!held) return std::nullopt;
  pid_t pid = 0;
  std::ifstream(run_dir(c) / "supervisor.pid") >> pid;
  return pid > 0 ? std::optional<pid_t>(pid) : std::optional<pid_t>(0);
}

// True once the process has ended (a zombie waiting to be reaped counts as ended).
bool process_gone(pid_t pid) {
  if (kill(pid, 0) != 0) return errno == ESRCH;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  std::getline(stat, line);
  const auto close = line.rfind(')');
  return close != std::string::npos && close + 2 < line.size() && line[close + 2] == 'Z';
}

struct NodeReport {
  supervisor::NodeState state;
  std::string health;  // "healthy", "disabled", or why not
  bool healthy = false;
};

std::vector<NodeReport> probe_nodes(const runtime::Config& c) {
  std::vector<NodeReport> out;
  const auto states = supervisor::read_state_file(run_dir(c) / "supervisor.state").value_or(std::vector<supervisor::NodeState>{});
  for (const auto node : runtime::node_names()) {
    const std::string name(node);
    NodeReport r;
    r.state.name = name;
    for (const auto& s : states) {
      if (s.name == name) r.state = s;
    }
    if (!c.flag(name + ".enabled")) {
      r.health = "disabled";
      r.state.state = "disabled";
      out.push_back(r);
      continue;
    }
    if (r.state.pid == 0) {
      r.health = r.state.state.empty() ? "not started" : r.state.state;
      out.push_back(r);
      continue;
    }
    const auto res = runtime::http_get(c.str("global.health_address"), c.port(name + ".health_port"), "/health",
                                       milliseconds(1000));
    if (res.status == 200) {
      r.health = "healthy";
      r.healthy = true;
    } else if (res.status != 0) {
      std::string body = res.body;
      while (!body.empty() && (body.back() == '\n' || body.back() == '\r')) body.pop_back();
      r.health = "unhealthy (" + std::to_string(res.status) + "): " + body;
    } else {
      r.health = "no answer: " + res.error;
    }
    out.push_back(r);
  }
  return out;
}

bool all_healthy(const std::vector<NodeReport>& reports) {
  for (const auto& r : reports) {
    if (!r.healthy && r.health != "disabled") return false;
  }
  return true;
}

std::string format_uptime(std::int64_t secs) {
  if (secs < 0) secs = 0;
  std::ostringstream o;
  if (secs >= 86400) o << secs / 86400 << "d";
  if (secs >= 3600) o << (secs / 3600) % 24 << "h";
  if (secs >= 60) o << (secs / 60) % 60 << "m";
  o << secs % 60 << "s";
  return o.str();
}

void print_status_table(const runtime::Config& c, const std::vector<NodeReport>& reports) {
  const auto now = duration_cast<seconds>(system_clock::now().time_since_epoch()).count();
  std::cout << std::left << std::setw(7) << "NODE" << std::setw(9) << "PID" << std::setw(10) << "UPTIME"
            << std::setw(10) << "RESTARTS" << std::setw(24) << "HEALTH ENDPOINT" << "HEALTH\n";
  for (const auto& r : reports) {
    const bool up = r.state.pid > 0;
    std::cout << std::left << std::setw(7) << r.state.name << std::setw(9) << (up ? std::to_string(r.state.pid) : "-")
              << std::setw(10) << (up ? format_uptime(now - r.state.started_unix) : "-") << std::setw(10)
              << r.state.restarts << std::setw(24)
              << (c.str("global.health_address") + ":" + c.str(r.state.name + ".health_port")) << r.health << "\n";
  }
}

// A fresh random bearer token for the HSS's provisioning API.
std::string random_token() {
  std::array<unsigned char, 16> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) throw std::runtime_error("no random bytes");
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  for (const auto b : bytes) {
    out += digits[b >> 4];
    out += digits[b & 0xf];
  }
  return out;
}

// The defaults, commented out, and a token of its own for the provisioning
// API; readable by its owner only, since it holds that token.
void write_default_config(const std::filesystem::path& file) {
  {
    std::ofstream out(file);
    out << runtime::Config::defaults({{"hss.api_token", random_token()}}).render(/*commented_defaults=*/true);
    if (!out) throw std::runtime_error("cannot write " + file.string());
  }
  std::filesystem::permissions(file, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
}

void ensure_certificate(const runtime::Config& c) {
  const auto dir = c.data_dir() / "tls";
  std::filesystem::create_directories(dir);
  if (std::filesystem::exists(dir / "cert.pem") && std::filesystem::exists(dir / "key.pem")) return;
  runtime::make_self_signed_certificate(std::string(c.domain()), dir / "cert.pem", dir / "key.pem");
  std::cout << "generated a self-signed TLS certificate for " << c.domain() << " in " << dir.string() << "\n";
}

// The box's MMTEL service profile (its iFC sends INVITEs to the TAS), made
// here rather than when the HSS starts: before any node runs, so that the
// first Cx answer already carries it and the demo subscribers get it as they
// are added; and `imsbox up` is where the config changes that move the TAS
// (tas.sip_port, tas.uri, the advertised address) take effect. Nothing when
// the TAS is off.
void provision_mmtel_profile(const runtime::Config& c) {
  if (!c.flag("tas.enabled")) return;
  auto db = open_store(c, "hss");
  hss::MmtelProfile p;
  p.server_name = ims::node_uri(c, "tas");
  // the identities of a data dir from before the profile existed get it only
  // when new subscribers would too
  p.assign_to_identities_without_profile = c.str("hss.default_service_profile") == p.service_profile;
  const auto done = hss::Provisioning(db, std::string(c.domain())).ensure_mmtel_profile(p);
  if (done.service_profile_created) {
    std::cout << "created the service profile " << p.service_profile << " (INVITEs to the TAS at " << p.server_name
              << ")";
    if (done.identities_assigned > 0) {
      std::cout << " and gave it to " << done.identities_assigned << " public identities without one";
    }
    std::cout << "\n";
  } else if (done.server_name_changed) {
    std::cout << "the application server " << p.application_server << " is now " << p.server_name << "\n";
  }
}

// Adds the demo subscribers that are missing; leaves existing ones alone.
void provision_demo_subscribers(const runtime::Config& c) {
  auto db = open_store(c, "hss");
  hss::Provisioning prov(db, std::string(c.domain()));
  const auto default_profile = c.str("hss.default_service_profile");
  const auto now = duration_cast<seconds>(system_clock::now().time_since_epoch()).count();
  for (const auto& d : kDemoSubscribers) {
    hss::NewSubscriber s;
    s.impi = std::string(d.user) + "@" + std::string(c.domain());
    if (prov.find(s.impi)) continue;
    s.impus = {"sip:" + s.impi, std::string("tel:") + d.tel};
    if (d.password) {
      s.password = d.password;
    } else {
      s.k = kDemoSimK;
      s.op = kDemoSimOp;
    }
    try {
      const auto outcome = prov.add(s, now, default_profile);
      if (outcome.warning) std::cerr << "imsbox: warning: " << *outcome.warning << "\n";
    } catch (const hss::ProvisioningError& e) {
      std::cerr << "imsbox: demo subscriber " << s.impi << " not added: " << e.what() << "\n";
    }
  }
}

void print_summary(const runtime::ResolvedConfig& rc, int schema) {
  const auto& c = rc.config;
  const auto dir = c.data_dir();
  std::cout << "\nimsbox for " << c.domain() << "\n"
            << "  data dir   " << dir.string() << "\n"
            << "  config     " << (rc.file ? rc.file->string() : std::string("(built-in defaults)"))
            << "   (imsbox config show)\n"
            << "  store      " << c.path("store.path").string() << " (schema " << schema << ")\n"
            << "  logs       " << (dir / "log").string() << "/   (imsbox logs [NODE] [-f])\n"
            << "  TLS        " << c.path("pcscf.tls_certificate").string() << " (self-signed unless replaced)\n"
            << "  nodes      health and Prometheus metrics on loopback:\n";
  for (const auto node : runtime::node_names()) {
    const std::string name(node);
    if (!c.flag(name + ".enabled")) {
      std::cout << "    " << std::left << std::setw(6) << name << " disabled\n";
      continue;
    }
    const std::string base = "http://" + c.str("global.health_address") + ":" + c.str(name + ".health_port");
    std::cout << "    " << std::left << std::setw(6) << name << " " << base << "/health  " << base << "/metrics\n";
  }
  const auto host = [](const std::string& a) { return a.find(':') != std::string::npos ? "[" + a + "]" : a; };
  // Where UEs and browsers reach the box: the advertised address (for a
  // wildcard bind address, this host's on its default route).
  std::string advertised;
  try {
    advertised = ims::advertised_host(c);
  } catch (const runtime::ConfigError&) {
    advertised = host(c.str("global.bind_address"));  // `config check` names the problem
  }
  if (c.flag("pcscf.enabled")) {
    const auto at = advertised + ":";
    std::cout << "  P-CSCF     point UEs here: sip:" << at << c.str("pcscf.sip_port") << " (UDP, TCP), sips:" << at
              << c.str("pcscf.tls_port") << " (TLS),\n"
              << "             ws://" << at << c.str("pcscf.ws_port") << "/ and wss://" << at << c.str("pcscf.wss_port")
              << "/ (SIP over WebSocket)\n";
  }
  if (c.flag("hss.enabled")) {
    const std::string identity = c.str("hss.diameter_identity").empty() ? "hss." + std::string(c.domain())
                                                                         : c.str("hss.diameter_identity");
    std::cout << "  HSS        Cx (Diameter) " << identity << " on " << host(c.str("global.bind_address")) << ":"
              << c.str("hss.diameter_port") << "\n"
              << "             SBI (HTTP/2) http://" << host(c.str("hss.sbi_address")) << ":" << c.str("hss.sbi_port")
              << "/\n"
              << "             provisioning API http://" << host(c.str("hss.api_address")) << ":"
              << c.str("hss.api_port") << "/v1/ (token: hss.api_token in the config)\n";
  }
  if (c.flag("pcscf.enabled")) {
    // The browser client (WWSF), in one line: where to open it and as whom.
    std::cout << "  browser    open https://" << advertised << ":" << c.str("pcscf.wss_port") << "/ and sign in as sip:"
              << kDemoSubscribers[0].user << "@" << c.domain() << " / " << kDemoSubscribers[0].password << " (or "
              << kDemoSubscribers[1].user << " / " << kDemoSubscribers[1].password << ")\n";
  }
  std::cout << "  demo subscribers:\n";
  for (const auto& d : kDemoSubscribers) {
    const std::string impi = std::string(d.user) + "@" + std::string(c.domain());
    std::cout << "    " << impi << "  sip:" << impi << "  tel:" << d.tel;
    if (d.password) {
      std::cout << "  password " << d.password << "\n";
    } else {
      std::cout << "  SIM K=" << kDemoSimK << " OP=" << kDemoSimOp << " AMF=8000\n";
    }
  }
}

[[noreturn]] void exec_supervisor(const runtime::ResolvedConfig& rc) {
  const std::string exe = self_dir() + "/ims-supervisor";
  std::vector<std::string> args = {exe, "--data-dir", rc.config.data_dir().string()};
  if (rc.file) {
    args.push_back("--config");
    args.push_back(rc.file->string());
  }
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  execv(exe.c_str(), argv.data());
  std::perror(("imsbox: cannot run " + exe).c_str());
  _exit(127);
}

}  // namespace

int cmd_up(const Args& args) {
  bool foreground = false;
  po::options_description desc("imsbox up");
  desc.add_options()("foreground", po::bool_switch(&foreground), "stay in the foreground; Ctrl-C stops the box");
  int code = 0;
  auto rc = parse_command(args, desc, nullptr, "imsbox up [--data-dir DIR] [--config FILE] [--foreground]", code);
  if (!rc) return code;
  try {
    const auto dir = rc->config.data_dir();
    for (const char* sub : {"log", "run", "tls"}) std::filesystem::create_directories(dir / sub);
    if (!rc->file) {
      write_default_config(dir / "imsbox.conf");
      std::cout << "wrote the default configuration to " << (dir / "imsbox.conf").string() << "\n";
      rc = runtime::resolve_config("", dir.string());
    }
    const auto& c = rc->config;
    if (const auto pid = running_supervisor(c)) {
      std::cout << "imsbox already runs for " << dir.string() << " (supervisor pid " << *pid << ")\n";
      const auto reports = probe_nodes(c);
      print_status_table(c, reports);
      return all_healthy(reports) ? 0 : 1;
    }
    int schema = 0;
    {
      auto db = open_store(c, std::string(store::Database::kAdmin));
      schema = db.schema_version();
    }
    ensure_certificate(c);
    provision_mmtel_profile(c);
    provision_demo_subscribers(c);

    if (foreground) {
      print_summary(*rc, schema);
      std::cout << "\nrunning in the foreground; Ctrl-C stops every node\n" << std::flush;
      exec_supervisor(*rc);
    }

    const pid_t pid = fork();
    if (pid < 0) throw std::runtime_error(std::string("fork: ") + std::strerror(errno));
    if (pid == 0) {
      setsid();
      const int in = open("/dev/null", O_RDONLY);
      const int out = open((dir / "log" / "supervisor.log").c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      if (in >= 0) dup2(in, STDIN_FILENO);
      if (out >= 0) {
        dup2(out, STDOUT_FILENO);
        dup2(out, STDERR_FILENO);
      }
      exec_supervisor(*rc);
    }
    std::cout << "starting " << dir.string() << " ..." << std::flush;
    const auto deadline = steady_clock::now() + seconds(30);
    std::vector<NodeReport> reports;
    bool healthy = false;
    while (steady_clock::now() < deadline) {
      int status = 0;
      if (waitpid(pid, &status, WNOHANG) == pid) {
        std::cout << "\nimsbox: the supervisor ended at start; see " << (dir / "log" / "supervisor.log").string()
                  << "\n";
        return 1;
      }
      reports = probe_nodes(c);
      if ((healthy = all_healthy(reports))) break;
      std::this_thread::sleep_for(milliseconds(100));
      std::cout << "." << std::flush;
    }
    std::cout << (healthy ? " up\n" : " not every node is healthy after 30 s\n");
    print_summary(*rc, schema);
    std::cout << "\n";
    print_status_table(c, reports);
    if (!healthy) {
      std::cout << "\nsee the logs in " << (dir / "log").string() << " (imsbox logs NODE)\n";
      return 1;
    }
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "imsbox: " << e.what() << "\n";
    return 1;
  }
}

int cmd_down(const Args& args) {
  po::options_description desc("imsbox down");
  int code = 0;
  auto rc = parse_command(args, desc, nullptr, "imsbox down [--data-dir DIR] [--config FILE]", code);
  if (!rc) return code;
  const auto& c = rc->config;
  const auto pid = running_supervisor(c);
  if (!pid) {
    std::cout << "imsbox is not running for " << c.data_dir().string() << "\n";
    return 0;
  }
  if (*pid <= 0 || kill(*pid, SIGTERM) != 0) {
    std::cerr << "imsbox: cannot signal the supervisor (pid file " << (run_dir(c) / "supervisor.pid").string()
              << ")\n";
    return 1;
  }
  std::cout << "stopping " << c.data_dir().string() << " ..." << std::flush;
  const auto deadline = steady_clock::now() + milliseconds(c.integer("supervisor.stop_timeout_ms")) + seconds(5);
  while (steady_clock::now() < deadline) {
    if (!running_supervisor(c) && process_gone(*pid)) {
      std::cout << " stopped\n";
      return 0;
    }
    std::this_thread::sleep_for(milliseconds(50));
  }
  std::cout << " the supervisor did not stop in time; killing it\n";
  kill(*pid, SIGKILL);  // its nodes get SIGTERM from PR_SET_PDEATHSIG
  return 1;
}

int cmd_status(const Args& args) {
  po::options_description desc("imsbox status");
  int code = 0;
  auto rc = parse_command(args, desc, nullptr, "imsbox status [--data-dir DIR] [--config FILE]", code);
  if (!rc) return code;
  const auto& c = rc->config;
  const auto pid = running_supervisor(c);
  if (!pid) {
    std::cout << "imsbox is not running for " << c.data_dir().string() << "\n";
    return 3;
  }
  std::cout << "imsbox for " << c.domain() << " in " << c.data_dir().string() << ", supervisor pid " << *pid
            << "\n";
  const auto reports = probe_nodes(c);
  print_status_table(c, reports);
  return all_healthy(reports) ? 0 : 1;
}

int cmd_ipsec(const Args& args) {
  po::options_description desc("imsbox ipsec");
  int code = 0;
  auto rc = parse_command(args, desc, nullptr, "imsbox ipsec [--data-dir DIR] [--config FILE]", code);
  if (!rc) return code;
  const auto& c = rc->config;
  if (!running_supervisor(c)) {
    std::cout << "imsbox is not running for " << c.data_dir().string() << "\n";
    return 3;
  }
  const auto res = runtime::http_get(c.str("global.health_address"), c.port("pcscf.health_port"), "/ipsec",
                                     std::chrono::milliseconds(2000));
  if (res.status != 200) {
    std::cerr << "imsbox: the P-CSCF did not answer /ipsec: "
              << (res.status ? std::to_string(res.status) + " " + res.body : res.error) << "\n";
    return 1;
  }
  std::cout << "IPsec SAs of the P-CSCF (pcscf.ipsec = " << c.str("pcscf.ipsec") << ")\n" << res.body;
  return 0;
}

int cmd_logs(const Args& args) {
  std::string node;
  bool follow = false;
  int lines = 50;
  po::options_description desc("imsbox logs");
  desc.add_options()("node", po::value(&node), "one node (or supervisor); default: all")(
      "follow,f", po::bool_switch(&follow), "keep printing new lines")("lines,n", po::value(&lines),
                                                                     "lines to show first (default 50)");
  int code = 0;
  auto rc = parse_command(args, desc, "node", "imsbox logs [NODE] [-f] [-n LINES] [--data-dir DIR]", code);
  if (!rc) return code;
  const auto log_dir = rc->config.data_dir() / "log";
  std::vector<std::string> names;
  for (const auto n : runtime::node_names()) names.emplace_back(n);
  names.emplace_back("supervisor");
  std::vector<std::string> files;
  if (!node.empty()) {
    if (std::find(names.begin(), names.end(), node) == names.end()) {
      std::cerr << "imsbox: unknown node '" << node << "' (pcscf, icscf, scscf, hss, agw, tas, mrf, supervisor)\n";
      return 2;
    }
    files.push_back((log_dir / (node + ".log")).string());
  } else {
    for (const auto& n : names) {
      if (std::filesystem::exists(log_dir / (n + ".log"))) files.push_back((log_dir / (n + ".log")).string());
    }
  }
  if (files.empty() || (!node.empty() && !std::filesystem::exists(files.front()) && !follow)) {
    std::cerr << "imsbox: no logs in " << log_dir.string() << " yet\n";
    return 1;
  }
  std::vector<std::string> argv_s = {"tail", "-n", std::to_string(lines)};
  if (follow) argv_s.push_back("-F");
  argv_s.insert(argv_s.end(), files.begin(), files.end());
  std::vector<char*> argv;
  for (auto& a : argv_s) argv.push_back(a.data());
  argv.push_back(nullptr);
  execvp("tail", argv.data());
  std::perror("imsbox: tail");
  return 1;
}

int cmd_config(const Args& args) {
  const std::string usage = "imsbox config show|check [--data-dir DIR] [--config FILE]";
  if (args.empty() || (args[0] != "show" && args[0] != "check")) {
    if (!args.empty() && (args[0] == "-h" || args[0] == "--help")) {
      std::cout << "usage: " << usage << "\n";
      return 0;
    }
    std::cerr << "usage: " << usage << "\n";
    return 2;
  }
  po::options_description desc("imsbox config");
  int code = 0;
  auto rc = parse_command(Args(args.begin() + 1, args.end()), desc, nullptr, usage, code);
  if (!rc) return code;
  if (args[0] == "check") {
    std::cout << "configuration is valid ("
              << (rc->file ? rc->file->string() : std::string("no file: built-in defaults")) << ")\n";
    return 0;
  }
  std::cout << "# effective configuration"
            << (rc->file ? " from " + rc->file->string() : std::string(" (built-in defaults)")) << "\n"
            << rc->config.render(/*commented_defaults=*/false);
  return 0;
}

}  // namespace imsbox::ctl
