#include "agw/ng/request.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <functional>

namespace imsbox::agw::ng {

namespace {

struct CommandName {
  std::string_view name;
  Command command;
};
constexpr std::array<CommandName, 8> kCommands{{
    {"ping", Command::ping},
    {"offer", Command::offer},
    {"answer", Command::answer},
    {"delete", Command::delete_},
    {"query", Command::query},
    {"play media", Command::play_media},
    {"stop media", Command::stop_media},
    {"play DTMF", Command::play_dtmf},
}};

std::string hyphenated(std::string_view s) {
  std::string out(s);
  std::replace(out.begin(), out.end(), ' ', '-');
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Reads one request's keys; the first error wins.
class RequestReader {
 public:
  explicit RequestReader(NgRequest& r) : r_(r) {}

  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }

  void read(std::string_view key, const Value& v) {
    if (!ok()) return;
    // strings
    if (is(key, {"call-id", "call-ID", "call id", "call ID"})) return string(key, v, r_.call_id);
    if (is(key, {"from-tag", "from tag"})) return string(key, v, r_.from_tag);
    if (is(key, {"to-tag", "to tag", "to_tag"})) return string(key, v, r_.to_tag);
    if (key == "via-branch") return string(key, v, r_.via_branch);
    if (is(key, {"sdp", "SDP"})) return string(key, v, r_.sdp);
    if (is(key, {"label", "from-label", "from label"})) return string(key, v, r_.label);
    if (is(key, {"transport-protocol", "transport protocol"})) return string(key, v, r_.transport_protocol);
    if (key == "file") return string(key, v, r_.file);
    if (key == "blob") return string(key, v, r_.blob);
    // lists of strings
    if (is(key, {"ICE", "ice"})) return list(key, v, [this](std::string_view s) { r_.ice.emplace_back(s); });
    if (is(key, {"DTLS", "dtls"})) return list(key, v, [this](std::string_view s) { r_.dtls.emplace_back(s); });
    if (is(key, {"rtcp-mux", "RTCP-mux", "rtcp mux", "RTCP mux"})) {
      return list(key, v, [this](std::string_view s) { r_.rtcp_mux.emplace_back(s); });
    }
    if (key == "replace") return list(key, v, [this](std::string_view s) { r_.replace.emplace_back(s); });
    if (key == "flags") return list(key, v, [this](std::string_view s) { flag(s); });
    if (is(key, {"codec", "codecs"})) return codec(key, v);
    if (key == "direction") return direction(key, v);
    if (is(key, {"received-from", "received from"})) return received_from(key, v);
    // integers
    if (is(key, {"repeat-times", "repeat times"})) return integer(key, v, r_.repeat_times);
    if (is(key, {"start-pos", "start pos"})) return integer(key, v, r_.start_pos);
    if (key == "duration") return integer(key, v, r_.duration_ms);
    if (key == "volume") return integer(key, v, r_.volume);
    if (key == "pause") return integer(key, v, r_.pause_ms);
    if (is(key, {"code", "digit"})) return dtmf_code(key, v);
    // anything else: not ours, ignored (rtpengine's many other keys included)
  }

 private:
  static bool is(std::string_view key, std::initializer_list<std::string_view> names) {
    return std::find(names.begin(), names.end(), key) != names.end();
  }

  void fail(std::string_view key, std::string_view want, const Value& v) {
    error_ = "Invalid value for key '" + std::string(key) + "': expected " + std::string(want) + ", got " +
             std::string(to_string(v.type()));
  }

  void string(std::string_view key, const Value& v, std::string& out) {
    if (!v.is_string()) return fail(key, "a string", v);
    out = v.str();
  }

  // A list of strings, or one string of comma-separated items (rtpengine reads both).
  template <typename Add>
  void list(std::string_view key, const Value& v, Add add) {
    if (v.is_string()) {
      std::string_view rest = v.str();
      while (!rest.empty()) {
        const auto comma = rest.find(',');
        const auto item = trim(rest.substr(0, comma));
        if (!item.empty()) add(item);
        if (comma == std::string_view::npos) break;
        rest.remove_prefix(comma + 1);
      }
      return;
    }
    if (!v.is_list()) return fail(key, "a list of strings or a string", v);
    for (const Value item : v.items()) {
      if (!item.is_string()) return fail(key, "a list of strings", item);
      add(item.str());
    }
  }

  void integer(std::string_view key, const Value& v, std::optional<std::int64_t>& out) {
    if (v.is_integer()) {
      out = v.integer();
      return;
    }
    if (v.is_string()) {
      const auto s = v.str();
      std::int64_t n = 0;
      const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
      if (ec == std::errc() && end == s.data() + s.size() && !s.empty()) {
        out = n;
        return;
      }
      error_ = "Invalid value for key '" + std::string(key) + "': '" + std::string(s) + "' is not an integer";
      return;
    }
    fail(key, "an integer", v);
  }

  void dtmf_code(std::string_view key, const Value& v) {
    std::optional<std::int64_t> code;
    if (v.is_string() && v.str().size() == 1) {
      const char c = v.str()[0];
      if (c >= '0' && c <= '9') code = c - '0';
      else if (c == '*') code = 10;
      else if (c == '#') code = 11;
      else if (c >= 'A' && c <= 'D') code = 12 + (c - 'A');
      else if (c >= 'a' && c <= 'd') code = 12 + (c - 'a');
    } else {
      integer(key, v, code);
      if (!ok()) return;
    }
    if (!code || *code < 0 || *code > 15) {
      error_ = "Invalid value for key '" + std::string(key) + "': a DTMF event 0-15 or one of 0-9 * # A-D";
      return;
    }
    r_.code = code;
  }

  void codec(std::string_view key, const Value& v) {
    if (!v.is_dictionary()) return fail(key, "a dictionary", v);
    for (const auto& [op, item] : v.entries()) {
      std::vector<std::string>* target = nullptr;
      if (op == "transcode") target = &r_.codec.transcode;
      else if (op == "mask") target = &r_.codec.mask;
      else if (op == "strip") target = &r_.codec.strip;
      else if (op == "accept") target = &r_.codec.accept;
      if (target == nullptr) continue;  // other codec operations are not ours
      const std::string full = std::string(key) + "." + std::string(op);
      list(full, item, [target](std::string_view s) { target->emplace_back(s); });
      if (!ok()) return;
    }
  }

  void direction(std::string_view key, const Value& v) {
    if (!v.is_list()) return fail(key, "a list of two interface names", v);
    r_.direction.clear();
    for (const Value item : v.items()) {
      if (!item.is_string()) return fail(key, "a list of strings", item);
      if (r_.direction.size() < 2) r_.direction.emplace_back(item.str());
    }
  }

  void received_from(std::string_view key, const Value& v) {
    if (v.is_string()) {
      r_.received_from = ReceivedFrom{{}, std::string(v.str())};
      return;
    }
    if (!v.is_list() || v.size() != 2) return fail(key, "[family, address] or an address", v);
    ReceivedFrom rf;
    int i = 0;
    for (const Value item : v.items()) {
      if (!item.is_string()) return fail(key, "a list of strings", item);
      (i++ == 0 ? rf.family : rf.address) = item.str();
    }
    r_.received_from = std::move(rf);
  }

  // A flag, or another key's value in flag form (rtpengine's prefixes).
  void flag(std::string_view raw) {
    const std::string f = hyphenated(raw);
    const std::string_view s = f;
    struct Prefix {
      std::string_view prefix;
      std::vector<std::string>* target;
    };
    const std::array<Prefix, 7> prefixes{{
        {"codec-transcode-", &r_.codec.transcode},
        {"transcode-", &r_.codec.transcode},
        {"codec-strip-", &r_.codec.strip},
        {"codec-mask-", &r_.codec.mask},
        {"codec-accept-", &r_.codec.accept},
        {"replace-", &r_.replace},
        {"rtcp-mux-", &r_.rtcp_mux},
    }};
    for (const auto& p : prefixes) {
      if (s.size() > p.prefix.size() && s.starts_with(p.prefix)) {
        // the value as sent (a codec name may not contain spaces anyway)
        p.target->emplace_back(raw.substr(p.prefix.size()));
        return;
      }
    }
    r_.flags.insert(f);
  }

  NgRequest& r_;
  std::string error_;
};

// rtpengine's own error texts where it has one, so logs read alike.
std::string missing_key(const NgRequest& r) {
  const bool needs_sdp = r.command == Command::offer || r.command == Command::answer;
  const bool needs_call_id = r.command != Command::ping;
  const bool needs_from_tag = needs_sdp;
  const bool needs_to_tag = r.command == Command::answer;
  if (needs_sdp && r.sdp.empty()) return "No SDP body in message";
  if (needs_call_id && r.call_id.empty()) return "No call-id in message";
  if (needs_from_tag && r.from_tag.empty()) return "No from-tag in message";
  if (needs_to_tag && r.to_tag.empty()) return "No to-tag in message";
  if (r.command == Command::play_dtmf && !r.code) return "No valid DTMF code in message";
  if (r.command == Command::play_media && r.file.empty() && r.blob.empty()) return "No media file or blob given";
  return {};
}

bool is_json_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

}  // namespace

std::string_view to_string(Command c) {
  for (const auto& n : kCommands) {
    if (n.command == c) return n.name;
  }
  return "?";
}

std::optional<Command> parse_command(std::string_view name) {
  for (const auto& n : kCommands) {
    if (n.name == name) return n.command;
  }
  return std::nullopt;
}

bool NgRequest::has_flag(std::string_view flag) const { return flags.contains(hyphenated(flag)); }

ParsedRequest parse_request(const Value& root) {
  ParsedRequest out;
  if (!root.is_dictionary()) {
    out.error = "The message is not a dictionary";
    return out;
  }
  if (const auto id = root.get("call-id"); id && id->is_string()) out.call_id = id->str();
  const auto command = root.get("command");
  if (!command) {
    out.error = "Dictionary contains no key \"command\"";
    return out;
  }
  if (!command->is_string()) {
    out.error = "Invalid value for key 'command': expected a string, got " + std::string(to_string(command->type()));
    return out;
  }
  out.command_name = command->str();
  const auto which = parse_command(command->str());
  if (!which) {
    out.error = "Unrecognized command '" + out.command_name + "'";
    return out;
  }
  NgRequest r;
  r.command = *which;
  RequestReader reader(r);
  for (const auto& [key, value] : root.entries()) reader.read(key, value);
  if (!reader.ok()) {
    out.error = reader.error();
    return out;
  }
  if (auto missing = missing_key(r); !missing.empty()) {
    out.error = std::move(missing);
    return out;
  }
  out.call_id = r.call_id;
  out.request = std::move(r);
  return out;
}

std::string_view message_cookie(std::string_view datagram, const MessageLimits& limits) {
  const auto space = datagram.find(' ');
  if (space == std::string_view::npos || space == 0 || space > limits.max_cookie_bytes) return {};
  const auto cookie = datagram.substr(0, space);
  for (const char c : cookie) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return {};
  }
  return cookie;
}

ParsedMessage parse_message(std::string_view datagram, const MessageLimits& limits) {
  ParsedMessage m;
  m.cookie = message_cookie(datagram, limits);
  if (m.cookie.empty()) {
    const auto space = datagram.find(' ');
    if (space == std::string_view::npos || space == 0) {
      m.parsed.error = "Invalid message: no cookie (expected '<cookie> <dictionary>')";
    } else if (space > limits.max_cookie_bytes) {
      m.parsed.error = "Invalid message: cookie longer than " + std::to_string(limits.max_cookie_bytes) + " bytes";
    } else {
      m.parsed.error = "Invalid message: control characters in the cookie";
    }
    return m;
  }
  std::string_view body = datagram.substr(m.cookie.size() + 1);
  while (!body.empty() && is_json_space(body.back())) body.remove_suffix(1);
  if (body.empty()) {
    m.parsed.error = "Invalid data (no payload)";
    return m;
  }
  DecodeResult decoded;
  if (body.front() == 'd') {
    m.format = Format::bencode;
    decoded = decode_bencode(body, limits.decode);
  } else if (body.front() == '{') {
    m.format = Format::json;
    decoded = decode_json(body, limits.decode);
  } else {
    m.parsed.error = "Invalid NG data format (neither a bencode dictionary nor a JSON object)";
    return m;
  }
  if (!decoded.document) {
    m.parsed.error = "Could not decode the dictionary: " + decoded.error;
    return m;
  }
  m.parsed = parse_request(decoded.document->root());
  return m;
}

}  // namespace imsbox::agw::ng
