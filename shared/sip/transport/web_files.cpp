#include "sip/transport/web_files.h"

#include <algorithm>
#include <array>
#include <system_error>
#include <utility>

#include "sip/text.h"

namespace imsbox::sip {

namespace {

constexpr std::size_t kMaxTargetBytes = 1024;

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// One path segment, already split on the literal '/': decoded, then checked.
// An encoded '/' would make a segment that is two on disk, so it is refused
// like the rest.
bool decode_segment(std::string_view raw, std::string& out, std::string& why) {
  out.clear();
  for (std::size_t i = 0; i < raw.size(); ++i) {
    char c = raw[i];
    if (c == '%') {
      if (i + 2 >= raw.size()) {
        why = "an incomplete %-escape";
        return false;
      }
      const int hi = hex_value(raw[i + 1]);
      const int lo = hex_value(raw[i + 2]);
      if (hi < 0 || lo < 0) {
        why = "a bad %-escape";
        return false;
      }
      c = static_cast<char>(hi * 16 + lo);
      i += 2;
      if (c == '/') {
        why = "an encoded '/'";
        return false;
      }
    }
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) {
      why = "a control character";
      return false;
    }
    if (c == '\\') {
      why = "a backslash";
      return false;
    }
    out.push_back(c);
  }
  if (out.empty()) {
    why = "an empty path segment";
    return false;
  }
  if (out == "." || out == "..") {
    why = "a '" + out + "' segment";
    return false;
  }
  return true;
}

bool is_under(const std::filesystem::path& root, const std::filesystem::path& p) {
  const auto [r, q] = std::mismatch(root.begin(), root.end(), p.begin(), p.end());
  (void)q;
  return r == root.end();
}

}  // namespace

std::optional<std::string> web_relative_path(std::string_view target, std::string& why) {
  if (target.size() > kMaxTargetBytes) {
    why = "a request-target longer than " + std::to_string(kMaxTargetBytes) + " bytes";
    return std::nullopt;
  }
  if (target.empty() || target.front() != '/') {
    why = "not an origin-form request-target";
    return std::nullopt;
  }
  target = target.substr(0, target.find_first_of("?#"));
  std::string relative;
  std::string segment;
  // split on the literal '/', after the leading one
  std::string_view rest = target.substr(1);
  while (!rest.empty()) {
    const auto slash = rest.find('/');
    const auto raw = rest.substr(0, slash);
    if (!decode_segment(raw, segment, why)) return std::nullopt;
    if (!relative.empty()) relative.push_back('/');
    relative += segment;
    if (slash == std::string_view::npos) {
      rest = {};
    } else {
      rest.remove_prefix(slash + 1);
      if (rest.empty()) relative += "/";  // a directory: its index below
    }
  }
  if (relative.empty() || relative.back() == '/') relative += "index.html";
  return relative;
}

std::string_view web_content_type(std::string_view file_name) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 16> kTypes{{
      {"html", "text/html; charset=utf-8"},
      {"htm", "text/html; charset=utf-8"},
      {"js", "text/javascript; charset=utf-8"},
      {"mjs", "text/javascript; charset=utf-8"},
      {"css", "text/css; charset=utf-8"},
      {"json", "application/json"},
      {"map", "application/json"},
      {"txt", "text/plain; charset=utf-8"},
      {"svg", "image/svg+xml"},
      {"png", "image/png"},
      {"jpg", "image/jpeg"},
      {"jpeg", "image/jpeg"},
      {"ico", "image/x-icon"},
      {"wav", "audio/wav"},
      {"ogg", "audio/ogg"},
      {"webmanifest", "application/manifest+json"},
  }};
  const auto slash = file_name.find_last_of('/');
  if (slash != std::string_view::npos) file_name.remove_prefix(slash + 1);
  const auto dot = file_name.find_last_of('.');
  if (dot == std::string_view::npos || dot == 0) return "application/octet-stream";
  const auto ext = file_name.substr(dot + 1);
  for (const auto& [e, type] : kTypes) {
    if (text::iequals(e, ext)) return type;
  }
  return "application/octet-stream";
}

WebFile find_web_file(const std::filesystem::path& root, std::string_view target, std::uintmax_t max_bytes) {
  namespace fs = std::filesystem;
  WebFile f;
  std::string why;
  const auto relative = web_relative_path(target, why);
  if (!relative) {
    f.refusal = why;
    return f;
  }
  std::error_code ec;
  const auto canonical_root = fs::canonical(root, ec);
  if (ec) {
    f.refusal = "the web root " + root.string() + " is not there: " + ec.message();
    return f;
  }
  // canonical() follows every symbolic link on the way, so the comparison
  // below is against where the file really is.
  const auto real = fs::canonical(canonical_root / *relative, ec);
  if (ec) {
    f.refusal = "no such file";
    return f;
  }
  if (!is_under(canonical_root, real)) {
    f.refusal = "a symbolic link out of the web root";
    return f;
  }
  if (!fs::is_regular_file(real, ec)) {
    f.refusal = "not a regular file";
    return f;
  }
  const auto size = fs::file_size(real, ec);
  if (ec) {
    f.refusal = "unreadable: " + ec.message();
    return f;
  }
  if (size > max_bytes) {
    f.refusal = "larger than " + std::to_string(max_bytes) + " bytes";
    return f;
  }
  f.found = true;
  f.path = real;
  f.size = size;
  f.content_type = web_content_type(*relative);
  return f;
}

}  // namespace imsbox::sip
