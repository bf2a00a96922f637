// `imsbox ivr add|show|del|list`: the MRF's IVR menus (mrf/ivr_menu.h) in the
// store (mrf_ivr_menu). A definition is checked before it is stored; the MRF
// reads a menu when a call enters it, so no restart is needed. The HSS's
// provisioning API (/v1/ivr-menus, hss/ivr_menus_api.h) checks and stores
// menus the same way.
#include <boost/program_options.hpp>
#include <fstream>
#include <iostream>
#include <sstream>

#include "ctl/common.h"
#include "mrf/ivr_menu.h"
#include "store/database.h"
#include "store/ivr_menu_table.h"

namespace imsbox::ctl {

namespace po = boost::program_options;

namespace {

constexpr const char* kUsage =
    "imsbox ivr list\n"
    "       imsbox ivr add NAME FILE|-      (a menu definition: prompt = P, choice D = play P | menu M |\n"
    "                                        transfer URI | hangup, invalid, timeout_ms, interdigit_ms, retries)\n"
    "       imsbox ivr show NAME\n"
    "       imsbox ivr del NAME\n"
    "  (each also takes --data-dir DIR and --config FILE); callers reach a menu at sip:ivr@mrf.<domain>;menu=NAME\n"
    "  (the same menus over REST: GET|PUT|DELETE /v1/ivr-menus[/NAME] on the HSS's provisioning API)";

int list(const Args& args) {
  po::options_description desc("imsbox ivr list");
  int code = 0;
  auto rc = parse_command(args, desc, nullptr, kUsage, code);
  if (!rc) return code;
  auto db = open_store(rc->config, "mrf");
  const auto menus = store::IvrMenuTable(db).list();
  if (menus.empty()) std::cout << "no IVR menus (imsbox ivr add NAME FILE)\n";
  for (const auto& m : menus) {
    auto parsed = mrf::parse_menu(m.definition);
    std::string summary = "(does not parse)";
    if (auto* menu = std::get_if<mrf::Menu>(&parsed)) {
      summary = "prompt " + menu->prompt + ", choices";
      for (const auto& [digits, c] : menu->choices) summary += " " + digits;
    }
    std::cout << m.name << "  " << summary << "\n";
  }
  return 0;
}

int add(const Args& args) {
  if (args.size() < 2 || args[0].starts_with("-") || (args[1].starts_with("-") && args[1] != "-")) {
    std::cerr << "usage: " << kUsage << "\n";
    return args.size() == 1 && (args[0] == "-h" || args[0] == "--help") ? 0 : 2;
  }
  po::options_description desc("imsbox ivr add");
  int code = 0;
  auto rc = parse_command(Args(args.begin() + 2, args.end()), desc, nullptr, kUsage, code);
  if (!rc) return code;
  const std::string& name = args[0];
  if (!mrf::is_menu_name(name)) {
    std::cerr << "imsbox: '" << name << "' is not a menu name (1-64 of a-z, 0-9, - and _)\n";
    return 1;
  }
  std::stringstream text;
  if (args[1] == "-") {
    text << std::cin.rdbuf();
  } else {
    std::ifstream in(args[1]);
    if (!in) {
      std::cerr << "imsbox: cannot read " << args[1] << "\n";
      return 1;
    }
    text << in.rdbuf();
  }
  auto parsed = mrf::parse_menu(text.str());
  if (auto* e = std::get_if<std::string>(&parsed)) {
    std::cerr << "imsbox: menu " << name << ": " << *e << "\n";
    return 1;
  }
  auto db = open_store(rc->config, "mrf");
  store::IvrMenuTable(db).put(name, mrf::write_menu(std::get<mrf::Menu>(parsed)));
  std::cout << "stored IVR menu " << name << ": sip:ivr@mrf." << rc->config.domain() << ";menu=" << name << "\n";
  return 0;
}

int show_or_del(const Args& args, bool del) {
  std::string name;
  po::options_description desc(del ? "imsbox ivr del" : "imsbox ivr show");
  desc.add_options()("name", po::value(&name)->required(), "the menu");
  int code = 0;
  auto rc = parse_command(args, desc, "name", kUsage, code);
  if (!rc) return code;
  auto db = open_store(rc->config, "mrf");
  store::IvrMenuTable table(db);
  if (del) {
    if (!table.erase(name)) {
      std::cerr << "imsbox: no IVR menu " << name << "\n";
      return 1;
    }
    std::cout << "deleted IVR menu " << name << "\n";
    return 0;
  }
  const auto m = table.find(name);
  if (!m) {
    std::cerr << "imsbox: no IVR menu " << name << "\n";
    return 1;
  }
  std::cout << m->definition;
  return 0;
}

}  // namespace

int cmd_ivr(const Args& args) {
  if (args.empty()) {
    std::cerr << "usage: " << kUsage << "\n";
    return 2;
  }
  const Args rest(args.begin() + 1, args.end());
  if (args[0] == "list") return list(rest);
  if (args[0] == "add") return add(rest);
  if (args[0] == "show") return show_or_del(rest, false);
  if (args[0] == "del") return show_or_del(rest, true);
  if (args[0] == "-h" || args[0] == "--help") {
    std::cout << "usage: " << kUsage << "\n";
    return 0;
  }
  std::cerr << "imsbox: unknown ivr command '" << args[0] << "'\nusage: " << kUsage << "\n";
  return 2;
}

}  // namespace imsbox::ctl
