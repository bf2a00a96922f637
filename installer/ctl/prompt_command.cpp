// `imsbox prompt list|add|del`: the MRF's prompts (mrf/prompt_store.h). The
// built-in ones come with the build; an operator's (any common WAV format,
// converted to 16 and 8 kHz mono) go into <data_dir>/prompts and win over a
// built-in prompt of the same name. The MRF reads them when it plays one, so
// no restart is needed.
#include <boost/program_options.hpp>
#include <iomanip>
#include <iostream>

#include "ctl/common.h"
#include "mrf/prompt_store.h"

namespace imsbox::ctl {

namespace po = boost::program_options;

namespace {

constexpr const char* kUsage =
    "imsbox prompt list\n"
    "       imsbox prompt add NAME FILE.wav   (any PCM WAV: rate and channels are converted)\n"
    "       imsbox prompt del NAME            (an operator's prompt; a built-in one comes back)\n"
    "  (each also takes --data-dir DIR and --config FILE)";

int list(const Args& args) {
  po::options_description desc("imsbox prompt list");
  int code = 0;
  auto rc = parse_command(args, desc, nullptr, kUsage, code);
  if (!rc) return code;
  const auto store = mrf::prompt_store_of(rc->config);
  const auto prompts = store.list();
  if (prompts.empty()) {
    std::cout << "no prompts (built-in ones are made by the build in " << store.built_in_dir().string() << ")\n";
    return 0;
  }
  for (const auto& p : prompts) {
    std::cout << std::left << std::setw(24) << p.name << std::right << std::fixed << std::setprecision(1)
              << std::setw(7) << p.seconds << " s  " << (p.built_in ? "built-in" : "operator") << "\n";
  }
  return 0;
}

int add(const Args& args) {
  // NAME FILE.wav come first; the common options (--data-dir, --config) after
  if (args.size() < 2 || args[0].starts_with("-") || args[1].starts_with("-")) {
    std::cerr << "usage: " << kUsage << "\n";
    return args.size() == 1 && (args[0] == "-h" || args[0] == "--help") ? 0 : 2;
  }
  po::options_description desc("imsbox prompt add");
  int code = 0;
  auto rc = parse_command(Args(args.begin() + 2, args.end()), desc, nullptr, kUsage, code);
  if (!rc) return code;
  auto store = mrf::prompt_store_of(rc->config);
  const auto info = store.add(args[0], args[1]);
  std::cout << "added prompt " << info.name << " (" << std::fixed << std::setprecision(1) << info.seconds
            << " s) in " << store.operator_dir().string() << "\n";
  return 0;
}

int del(const Args& args) {
  std::string name;
  po::options_description desc("imsbox prompt del");
  desc.add_options()("name", po::value(&name)->required(), "the prompt to delete");
  int code = 0;
  auto rc = parse_command(args, desc, "name", kUsage, code);
  if (!rc) return code;
  auto store = mrf::prompt_store_of(rc->config);
  if (!store.remove(name)) {
    std::cerr << "imsbox: no operator prompt " << name << (store.exists(name) ? " (built-in prompts stay)" : "")
              << "\n";
    return 1;
  }
  std::cout << "deleted prompt " << name << (store.exists(name) ? " (the built-in one plays again)" : "") << "\n";
  return 0;
}

}  // namespace

int cmd_prompt(const Args& args) {
  if (args.empty()) {
    std::cerr << "usage: " << kUsage << "\n";
    return 2;
  }
  const Args rest(args.begin() + 1, args.end());
  try {
    if (args[0] == "list") return list(rest);
    if (args[0] == "add") return add(rest);
    if (args[0] == "del") return del(rest);
    if (args[0] == "-h" || args[0] == "--help") {
      std::cout << "usage: " << kUsage << "\n";
      return 0;
    }
  } catch (const mrf::PromptError& e) {
    std::cerr << "imsbox: " << e.what() << "\n";
    return 1;
  }
  std::cerr << "imsbox: unknown prompt command '" << args[0] << "'\nusage: " << kUsage << "\n";
  return 2;
}

}  // namespace imsbox::ctl
