#pragma once
// What the IMS XML documents of shared/ims (reginfo, User-Data) share:
// escaping for writing, and safe reading with libxml2 (no entity
// substitution, no DTD loading, no network, a size cap). Internal to
// shared/ims: the callers' headers do not expose libxml2.
#include <libxml/tree.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace imsbox::ims::xml {

// Appends `text` with &, <, >, " and ' escaped.
void append_escaped(std::string& out, std::string_view text);

struct DocFree {
  void operator()(xmlDoc* doc) const { xmlFreeDoc(doc); }
};
using Document = std::unique_ptr<xmlDoc, DocFree>;

// The document `text` is, or null when it is empty, larger than `max_size`
// or not well formed. `name` only labels libxml2's (silenced) errors.
Document read(std::string_view text, std::size_t max_size, const char* name);

std::string_view as_view(const xmlChar* s);

// The content of an element made of text and CDATA only (comments and
// processing instructions skipped); nothing when it holds anything else, such
// as an entity reference.
std::optional<std::string> text_content(const xmlNode* node);

}  // namespace imsbox::ims::xml
