// imsbox services show|set|clear IMPU: the MMTEL supplementary services of a
// public identity, the simservs document the TAS acts on (the same one
// phones edit over Ut/XCAP and the REST API's .../services changes), in the
// store's tas_simservs table. Changes go through tas/simservs/settings_change.h.
#include <boost/program_options/parsers.hpp>
#include <boost/program_options/value_semantic.hpp>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

#include "ctl/common.h"
#include "store/database.h"
#include "store/simservs_table.h"
#include "store/subscriber_table.h"
#include "tas/simservs/document.h"
#include "tas/simservs/settings.h"
#include "tas/simservs/settings_change.h"

namespace po = boost::program_options;
namespace ss = imsbox::tas::simservs;

namespace imsbox::ctl {

namespace {

constexpr const char* kUsage =
    "imsbox services show IMPU [--xml]\n"
    "       imsbox services set IMPU [--cfu TARGET|off] [--cfb TARGET|off] [--cfnr TARGET|off] [--no-reply-timer N]\n"
    "                                [--cfnl TARGET|off] [--cfnrc TARGET|off] [--outgoing-barring all|international|off]\n"
    "                                [--incoming-barring on|off] [--acr on|off] [--oir on|off]\n"
    "       imsbox services set IMPU --xml FILE    (a whole simservs document; - reads standard input)\n"
    "       imsbox services clear IMPU             (all services off)\n"
    "  TARGET: a sip:, sips: or tel: URI, a global number (+33...) or a local one (1002)\n"
    "  (each also takes --data-dir DIR and --config FILE)";

// A usage error in a value: exit code 2.
struct BadValue {
  std::string message;
};

struct Opened {
  runtime::ResolvedConfig resolved;
  store::Database db;
};

// The store (for the TAS's table), with `impu` provisioned; else why not on stderr.
std::optional<Opened> open(runtime::ResolvedConfig resolved, const std::string& impu) {
  const auto path = resolved.config.path("store.path");
  if (!std::filesystem::exists(path)) {
    std::cerr << "imsbox: no store at " << path.string() << " (run `imsbox up` or add a subscriber first)\n";
    return std::nullopt;
  }
  auto db = open_store(resolved.config, "tas");
  if (!store::SubscriberTable(db).impi_of(impu)) {
    std::cerr << "imsbox: no public identity " << impu << " (see `imsbox subscriber list`)\n";
    return std::nullopt;
  }
  return Opened{std::move(resolved), std::move(db)};
}

// The stored document; an unreadable one is an error (set --xml or clear it).
std::optional<ss::Document> current(store::Database& db, const std::string& impu) {
  const auto stored = store::SimservsTable(db).find(impu);
  if (!stored) return ss::empty_document();
  auto parsed = ss::parse(stored->document);
  if (auto* error = std::get_if<std::string>(&parsed)) {
    std::cerr << "imsbox: the stored simservs document of " << impu << " is unreadable (" << *error
              << "): set a whole one with --xml FILE or clear it\n";
    return std::nullopt;
  }
  return std::get<ss::Document>(std::move(parsed));
}

void print_services(const std::string& impu, const ss::Document& d) {
  const auto lines = ss::describe(d.services());
  if (lines.empty()) std::cout << impu << ": no supplementary services\n";
  for (const auto& line : lines) std::cout << impu << ": " << line << "\n";
}

bool on_off(const std::string& option, const std::string& value) {
  if (value == "on") return true;
  if (value == "off") return false;
  throw BadValue{"--" + option + " takes on or off, not '" + value + "'"};
}

ss::ForwardingSetting target_or_off(const std::string& value) {
  if (value == "off") return std::nullopt;
  return value;
}

int show(const Args& args) {
  std::string impu;
  bool xml = false;
  po::options_description desc("imsbox services show");
  desc.add_options()("impu", po::value(&impu)->required(), "the public identity (sip:, tel: URI)")(
      "xml", po::bool_switch(&xml), "print the simservs XML document itself");
  int code = 0;
  auto rc = parse_command(args, desc, "impu", kUsage, code);
  if (!rc) return code;
  auto opened = open(std::move(*rc), impu);
  if (!opened) return 1;
  if (xml) {
    const auto stored = store::SimservsTable(opened->db).find(impu);
    std::cout << (stored ? stored->document : ss::empty_document().write());
    if (stored && !stored->document.empty() && stored->document.back() != '\n') std::cout << "\n";
    return 0;
  }
  const auto d = current(opened->db, impu);
  if (!d) return 1;
  print_services(impu, *d);
  return 0;
}

std::string read_file(const std::string& file) {
  if (file == "-") return {std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>()};
  std::ifstream in(file, std::ios::binary);
  if (!in) throw BadValue{"cannot read " + file};
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

int set(const Args& args) {
  std::string impu;
  std::optional<std::string> xml, cfu, cfb, cfnr, cfnl, cfnrc, outgoing, incoming, acr, oir;
  std::optional<int> timer;
  po::options_description desc("imsbox services set");
  const auto opt = [&desc](const char* name, std::optional<std::string>& target, const char* help) {
    desc.add_options()(name, po::value<std::string>()->notifier([&target](const std::string& v) { target = v; }),
                       help);
  };
  desc.add_options()("impu", po::value(&impu)->required(), "the public identity (sip:, tel: URI)");
  opt("cfu", cfu, "forward every call to TARGET (CFU), or off");
  opt("cfb", cfb, "forward calls when busy (CFB), or off");
  opt("cfnr", cfnr, "forward calls not answered in time (CFNR), or off");
  desc.add_options()("no-reply-timer", po::value<int>()->notifier([&timer](int v) { timer = v; }),
                     "seconds CFNR waits for an answer, 5 to 180 (default 20)");
  opt("cfnl", cfnl, "forward calls while not registered (CFNL), or off");
  opt("cfnrc", cfnrc, "forward calls when not reachable (CFNRc), or off");
  opt("outgoing-barring", outgoing, "bar outgoing calls: all, international or off");
  opt("incoming-barring", incoming, "bar every incoming call: on or off");
  opt("acr", acr, "reject anonymous callers with 433 (ACR): on or off");
  opt("oir", oir, "hide this identity's number on outgoing calls (OIR): on or off");
  opt("xml", xml, "store this whole simservs document instead (a file, or - for standard input)");
  int code = 0;
  auto rc = parse_command(args, desc, "impu", kUsage, code);
  if (!rc) return code;

  ss::SettingsChange change;
  if (cfu) change.cfu = target_or_off(*cfu);
  if (cfb) change.cfb = target_or_off(*cfb);
  if (cfnr) change.cfnr = target_or_off(*cfnr);
  if (cfnl) change.cfnl = target_or_off(*cfnl);
  if (cfnrc) change.cfnrc = target_or_off(*cfnrc);
  change.no_reply_timer = timer;
  if (outgoing) {
    change.outgoing_barring = ss::outgoing_barring_named(*outgoing);
    if (!change.outgoing_barring) throw BadValue{"--outgoing-barring takes all, international or off, not '" + *outgoing + "'"};
  }
  if (incoming) change.incoming_barring = on_off("incoming-barring", *incoming);
  if (acr) change.anonymous_call_rejection = on_off("acr", *acr);
  if (oir) change.oir = on_off("oir", *oir);
  if (xml && !change.empty()) throw BadValue{"--xml replaces the whole document: give no other setting with it"};
  if (!xml && change.empty()) throw BadValue{"nothing to set: give at least one option (see --help)"};

  auto opened = open(std::move(*rc), impu);
  if (!opened) return 1;
  auto& db = opened->db;
  const std::string domain(opened->resolved.config.domain());
  std::optional<ss::Document> result;
  store::Database::Transaction tx(db);
  if (xml) {
    const std::string text = read_file(*xml);
    if (text.size() > ss::kMaxDocumentSize) {
      std::cerr << "imsbox: " << *xml << " is larger than " << ss::kMaxDocumentSize / 1024 << " KiB\n";
      return 1;
    }
    auto parsed = ss::parse(text);
    if (auto* error = std::get_if<std::string>(&parsed)) {
      std::cerr << "imsbox: " << *xml << " is not a valid simservs document: " << *error << "\n";
      return 1;
    }
    store::SimservsTable(db).put(impu, text);
    result = std::get<ss::Document>(std::move(parsed));
  } else {
    const auto d = current(db, impu);
    if (!d) return 1;
    auto changed = ss::apply(*d, change, domain);
    if (auto* error = std::get_if<std::string>(&changed)) {
      std::cerr << "imsbox: " << *error << " (nothing changed)\n";
      return 1;
    }
    result = std::get<ss::Document>(std::move(changed));
    store::SimservsTable(db).put(impu, result->write());
  }
  tx.commit();
  print_services(impu, *result);
  return 0;
}

int clear(const Args& args) {
  std::string impu;
  po::options_description desc("imsbox services clear");
  desc.add_options()("impu", po::value(&impu)->required(), "the public identity (sip:, tel: URI)");
  int code = 0;
  auto rc = parse_command(args, desc, "impu", kUsage, code);
  if (!rc) return code;
  auto opened = open(std::move(*rc), impu);
  if (!opened) return 1;
  store::SimservsTable(opened->db).erase(impu);
  std::cout << impu << ": no supplementary services\n";
  return 0;
}

}  // namespace

int cmd_services(const Args& args) {
  if (args.empty()) {
    std::cerr << "usage: " << kUsage << "\n";
    return 2;
  }
  const Args rest(args.begin() + 1, args.end());
  try {
    if (args[0] == "show") return show(rest);
    if (args[0] == "set") return set(rest);
    if (args[0] == "clear") return clear(rest);
    if (args[0] == "-h" || args[0] == "--help") {
      std::cout << "usage: " << kUsage << "\n";
      return 0;
    }
  } catch (const BadValue& e) {
    std::cerr << "imsbox: " << e.message << "\nusage: " << kUsage << "\n";
    return 2;
  } catch (const store::StoreError& e) {
    std::cerr << "imsbox: store: " << e.what() << "\n";
    return 1;
  }
  std::cerr << "imsbox: unknown services command '" << args[0] << "'\nusage: " << kUsage << "\n";
  return 2;
}

}  // namespace imsbox::ctl
