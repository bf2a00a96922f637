// imsbox sip-lint FILE|-: parse one SIP message exactly as given and show
// its structure. Exit 0 when it is well formed, 1 with the reason when not.
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

#include "ctl/commands.h"
#include "sip/parser.h"

namespace imsbox::ctl {

namespace {

// Shows control and non-ASCII bytes as escapes so the output stays readable.
std::string printable(std::string_view s) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : s) {
    if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 0xf];
    }
  }
  return out;
}

}  // namespace

int cmd_sip_lint(const Args& args) {
  if (args.size() != 1 || args[0] == "-h" || args[0] == "--help") {
    std::cerr << "usage: imsbox sip-lint FILE|-   (parses one SIP message; exit 0 when well formed)\n";
    return args.size() == 1 ? 0 : 2;
  }
  std::string bytes;
  if (args[0] == "-") {
    bytes.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  } else {
    std::ifstream in(args[0], std::ios::binary);
    if (!in) {
      std::cerr << "imsbox: cannot read " << args[0] << "\n";
      return 2;
    }
    bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  const auto r = sip::parse_message(std::move(bytes));
  if (r.message) {
    const auto& m = *r.message;
    if (m.is_request()) {
      std::cout << "request: " << printable(m.method()) << " " << printable(m.request_uri()) << "\n";
    } else {
      std::cout << "response: " << m.status() << " " << printable(m.reason()) << "\n";
    }
    for (const auto& h : m.headers()) {
      const auto canonical = sip::header_name(h.id);
      std::cout << "  " << (canonical.empty() ? printable(h.name) : std::string(canonical)) << ": "
                << printable(h.value) << "\n";
    }
    std::cout << "body: " << m.body().size() << " bytes\n";
  }
  if (r.well_formed()) {
    std::cout << "well-formed\n";
    return 0;
  }
  std::cout << "malformed: " << r.reason << "\n";
  if (r.status != 0) {
    std::cout << "answer: " << r.status << "\n";
  } else {
    std::cout << "answer: none (dropped)\n";
  }
  return 1;
}

}  // namespace imsbox::ctl
