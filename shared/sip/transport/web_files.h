#pragma once
// The WWSF role of the P-CSCF (TS 23.228 Annex U): the browser client's
// static files, served from one directory to the plain HTTP GET and HEAD
// requests that reach the WS and WSS listeners (so that the page and its
// WebSocket share one origin and one certificate). This is the part that
// decides which file a request names, apart from the connection so that unit
// tests can check the one property that matters: no request reaches a file
// outside the root.
//
// Pure functions, except find_web_file(), which looks at the file system.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace imsbox::sip {

// The path under the root that an origin-form request-target names, or
// nullopt with the reason in `why`. The query and fragment are dropped, the
// path percent-decoded; "/" and any path ending in '/' name that directory's
// index.html. Refused, before any file system access: a target not starting
// with '/', bad or incomplete %-escapes, "." or ".." segments (encoded or
// not), an encoded '/', backslashes, NUL and other control characters, empty
// segments ("//"), and targets longer than 1 KiB.
std::optional<std::string> web_relative_path(std::string_view target, std::string& why);

// The Content-Type for a file name, by its extension (case-insensitive);
// application/octet-stream for unknown ones.
std::string_view web_content_type(std::string_view file_name);

struct WebFile {
  bool found = false;
  std::filesystem::path path;     // the canonical path of the file to send, when found
  std::uintmax_t size = 0;        // its size, when found
  std::string_view content_type;  // when found
  std::string refusal;            // why not, for the log line, when not found
};

// The regular file that `target` names under `root`, at most `max_bytes`
// long. Symbolic links are followed only when the file they lead to is still
// under the canonical root. A file replaced between this check and its
// reading is not guarded against: the root is the operator's directory, not
// one that users can write to.
WebFile find_web_file(const std::filesystem::path& root, std::string_view target, std::uintmax_t max_bytes);

}  // namespace imsbox::sip
