#include "ctl/common.h"

#include <boost/program_options/parsers.hpp>
#include <boost/program_options/value_semantic.hpp>
#include <iostream>

#include "store/database.h"

namespace po = boost::program_options;

namespace imsbox::ctl {

void CommonOptions::add_to(po::options_description& desc) {
  desc.add_options()("data-dir", po::value(&data_dir), "data directory (default: global.data_dir, ~/.imsbox)")(
      "config", po::value(&config_file), "configuration file (default: <data dir>/imsbox.conf)");
}

std::optional<runtime::ResolvedConfig> CommonOptions::resolve() const {
  try {
    return runtime::resolve_config(config_file, data_dir);
  } catch (const runtime::ConfigError& e) {
    std::cerr << "imsbox: configuration error: " << e.what() << "\n";
    return std::nullopt;
  }
}

bool parse_args(const Args& args, const po::options_description& desc,
                const po::positional_options_description* positional, po::variables_map& vm,
                const std::string& usage, int& exit_code) {
  po::options_description all(desc);
  all.add_options()("help,h", "show this help");
  try {
    po::command_line_parser parser(args);
    parser.options(all);
    if (positional) parser.positional(*positional);
    po::store(parser.run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << "imsbox: " << e.what() << "\nusage: " << usage << "\n";
    exit_code = 2;
    return false;
  }
  if (vm.count("help")) {
    std::cout << "usage: " << usage << "\n" << all;
    exit_code = 0;
    return false;
  }
  return true;
}

store::Database open_store(const runtime::Config& config, const std::string& owner) {
  return store::Database::open(config.path("store.path"), owner,
                               std::chrono::milliseconds(config.integer("store.busy_timeout_ms")));
}

}  // namespace imsbox::ctl
