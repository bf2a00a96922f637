#include "ctl/common.h"

#include <boost/program_options/parsers.hpp>
#include <boost/program_options/positional_options.hpp>
#include <boost/program_options/variables_map.hpp>
#include <boost/program_options/value_semantic.hpp>
#include <iostream>

#include "store/database.h"

namespace po = boost::program_options;

namespace imsbox::ctl {

std::optional<runtime::ResolvedConfig> parse_command(const Args& args, po::options_description& desc,
                                                     const char* positional, const std::string& usage,
                                                     int& exit_code) {
  std::string data_dir, config_file;
  po::options_description all(desc);
  all.add_options()("data-dir", po::value(&data_dir), "data directory (default: global.data_dir, ~/.imsbox)")(
      "config", po::value(&config_file), "configuration file (default: <data dir>/imsbox.conf)")("help,h",
                                                                                                  "show this help");
  po::variables_map vm;
  try {
    po::command_line_parser parser(args);
    parser.options(all);
    po::positional_options_description pos;
    if (positional) {
      pos.add(positional, 1);
      parser.positional(pos);
    }
    po::store(parser.run(), vm);
    if (vm.count("help")) {
      std::cout << "usage: " << usage << "\n" << all;
      exit_code = 0;
      return std::nullopt;
    }
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << "imsbox: " << e.what() << "\nusage: " << usage << "\n";
    exit_code = 2;
    return std::nullopt;
  }
  try {
    return runtime::resolve_config(config_file, data_dir);
  } catch (const runtime::ConfigError& e) {
    std::cerr << "imsbox: configuration error: " << e.what() << "\n";
    exit_code = 1;
    return std::nullopt;
  }
}

store::Database open_store(const runtime::Config& config, const std::string& owner) {
  return store::Database::open(config.path("store.path"), owner,
                               std::chrono::milliseconds(config.integer("store.busy_timeout_ms")));
}

}  // namespace imsbox::ctl
