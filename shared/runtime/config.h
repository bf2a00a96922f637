#pragma once
// imsbox.conf: one INI file, [global] plus a section per node.
//
// Every option, its type, default and meaning is declared in one table,
// option_specs() in config.cpp; `imsbox config show` prints it with the
// effective values. Loading is strict: an unknown option, a repeated option or
// an invalid value throws ConfigError with a message that names the option, so
// a node stops at start instead of running with a guess.
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>

#include "runtime/log.h"

namespace imsbox::runtime {

enum class OptionType {
  string,
  domain,            // a DNS name
  path,              // absolute, or relative to global.data_dir; "~/" is $HOME
  address,           // an IPv4 or IPv6 literal
  loopback_address,  // an address in 127.0.0.0/8 or ::1
  host,              // empty, an IPv4 or IPv6 literal, or a DNS name
  sip_uri,           // empty, or sip:host[:port] (sips: too; URI parameters allowed, no user part)
  port,              // 1-65535
  milliseconds,      // a positive integer count
  count,             // a whole number from 0 to 1,000,000
  seconds,           // a positive integer count
  boolean,           // true/false, yes/no, on/off, 1/0
  log_level,         // debug, info, warning, error
};

struct OptionSpec {
  std::string_view key;  // "section.name"
  OptionType type;
  std::string_view default_value;
  std::string_view help;
};

// The one place where every option and its default is declared.
std::span<const OptionSpec> option_specs();

// The nodes of the box, in start order. Each has a [node] section.
std::span<const std::string_view> node_names();

class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Config {
 public:
  using Overrides = std::map<std::string, std::string, std::less<>>;

  // Defaults, then the file's values, then the overrides (e.g. --data-dir).
  static Config load(const std::filesystem::path& file, const Overrides& overrides = {});
  static Config parse(std::string_view ini_text, std::string_view source_name,
                      const Overrides& overrides = {});
  static Config defaults(const Overrides& overrides = {});

  const std::string& str(std::string_view key) const;
  std::uint16_t port(std::string_view key) const;
  std::int64_t integer(std::string_view key) const;
  bool flag(std::string_view key) const;
  LogLevel log_level() const;
  // global.data_dir with "~/" expanded, made absolute.
  std::filesystem::path data_dir() const;
  // A path option resolved against the data dir.
  std::filesystem::path path(std::string_view key) const;
  std::string_view domain() const { return str("global.domain"); }

  // INI text of every option with its help. With commented_defaults, options
  // still at their default are written commented out (the file `imsbox up`
  // writes), otherwise every effective value is shown (`imsbox config show`).
  std::string render(bool commented_defaults) const;

 private:
  static Config build(const std::map<std::string, std::string, std::less<>>& file_values,
                      std::string_view source_name, const Overrides& overrides);
  void validate(std::string_view source_name) const;
  std::map<std::string, std::string, std::less<>> values_;
  std::map<std::string, std::string, std::less<>> explicit_;  // set by file or override
};

// The rule every imsbox program follows to find its configuration:
// --data-dir (when given) overrides global.data_dir; the file read is
// --config when given, else <data dir>/imsbox.conf when it exists, else none
// (built-in defaults). Throws ConfigError.
struct ResolvedConfig {
  Config config;
  std::optional<std::filesystem::path> file;  // absolute
};
ResolvedConfig resolve_config(const std::string& config_file, const std::string& data_dir);

// A DNS name: dot-separated labels of letters, digits and inner hyphens,
// 1-63 characters each, 253 in all, no trailing dot.
bool is_domain_name(std::string_view s);

// Validates one value against a type; returns an error text or nothing.
std::optional<std::string> check_value(OptionType type, std::string_view value);

}  // namespace imsbox::runtime
