#pragma once
// What every imsbox-ctl subcommand shares: --data-dir / --config, config
// resolution with a readable error, and opening the store.
#include <boost/program_options/options_description.hpp>
#include <boost/program_options/positional_options.hpp>
#include <boost/program_options/variables_map.hpp>
#include <optional>
#include <string>

#include "ctl/commands.h"
#include "runtime/config.h"

namespace imsbox::store {
class Database;
}

namespace imsbox::ctl {

struct CommonOptions {
  std::string data_dir;
  std::string config_file;
  void add_to(boost::program_options::options_description& desc);
  // Prints the configuration error and returns nothing when it is invalid.
  std::optional<runtime::ResolvedConfig> resolve() const;
};

// Parses args against desc (+ positional); prints usage errors. Returns
// false on error or --help (exit_code says which).
bool parse_args(const Args& args, const boost::program_options::options_description& desc,
                const boost::program_options::positional_options_description* positional,
                boost::program_options::variables_map& vm, const std::string& usage, int& exit_code);

store::Database open_store(const runtime::Config& config, const std::string& owner);

}  // namespace imsbox::ctl
