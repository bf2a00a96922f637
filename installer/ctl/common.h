#pragma once
// What every imsbox-ctl subcommand shares: --data-dir / --config, config
// resolution with a readable error, and opening the store.
#include <boost/program_options/options_description.hpp>
#include <optional>
#include <string>

#include "ctl/commands.h"
#include "runtime/config.h"

namespace imsbox::store {
class Database;
}

namespace imsbox::ctl {

// Parses a subcommand's arguments: its own options in `desc`, plus
// --data-dir, --config and --help, and optionally one positional argument
// (the option named `positional`). Then resolves the configuration. On
// --help, a usage error or an invalid configuration it prints why and
// returns nothing, with `exit_code` set to 0, 2 or 1.
std::optional<runtime::ResolvedConfig> parse_command(const Args& args, boost::program_options::options_description& desc,
                                                     const char* positional, const std::string& usage,
                                                     int& exit_code);

store::Database open_store(const runtime::Config& config, const std::string& owner);

}  // namespace imsbox::ctl
