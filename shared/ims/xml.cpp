#include "ims/xml.h"

#include <libxml/parser.h>

namespace imsbox::ims::xml {

void append_escaped(std::string& out, std::string_view text) {
  for (const char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default: out += c;
    }
  }
}

Document read(std::string_view text, std::size_t max_size, const char* name) {
  if (text.empty() || text.size() > max_size) return nullptr;
  static const bool initialised = [] {
    xmlInitParser();  // once per process, before any thread parses
    return true;
  }();
  (void)initialised;
  // No XML_PARSE_NOENT (no entity substitution), no DTD loading, no network.
  return Document(xmlReadMemory(text.data(), static_cast<int>(text.size()), name, nullptr,
                                XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING));
}

std::string_view as_view(const xmlChar* s) {
  return s == nullptr ? std::string_view{} : std::string_view(reinterpret_cast<const char*>(s));
}

std::optional<std::string> text_content(const xmlNode* node) {
  std::string value;
  for (const xmlNode* c = node->children; c != nullptr; c = c->next) {
    switch (c->type) {
      case XML_TEXT_NODE:
      case XML_CDATA_SECTION_NODE: value += as_view(c->content); break;
      case XML_COMMENT_NODE:
      case XML_PI_NODE: break;
      default: return std::nullopt;
    }
  }
  return value;
}

}  // namespace imsbox::ims::xml
