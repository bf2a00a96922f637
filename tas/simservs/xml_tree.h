#pragma once
// A namespace-aware XML element tree that keeps everything a document holds
// (unknown elements and attributes, text, comments, CDATA, processing
// instructions, the namespace declarations where they were written) so that a
// phone's document is written back as the same XML. Pure: parsing goes through
// libxml2's safe reader (no entities, no DTD, no network, a size cap), nothing
// of libxml2 shows in this header.
#include <cstddef>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace imsbox::tas::simservs {

// An xmlns declaration as written on an element; an empty prefix is the
// default namespace (xmlns="...").
struct NamespaceDeclaration {
  std::string prefix;
  std::string uri;
};

struct Attribute {
  std::string ns;  // namespace URI; empty for an unprefixed attribute
  std::string prefix;
  std::string name;  // local name
  std::string value;
};

enum class NodeKind { element, text, cdata, comment, processing_instruction };

struct Node {
  NodeKind kind = NodeKind::element;
  // element: namespace URI, prefix as written and local name;
  // processing instruction: `name` is the target.
  std::string ns;
  std::string prefix;
  std::string name;
  std::vector<NamespaceDeclaration> namespaces;
  std::vector<Attribute> attributes;
  std::vector<Node> children;
  std::string text;  // text, CDATA, comment or processing-instruction data

  bool is(std::string_view namespace_uri, std::string_view local_name) const {
    return kind == NodeKind::element && ns == namespace_uri && name == local_name;
  }
  const std::string* attribute(std::string_view local_name, std::string_view namespace_uri = {}) const;
  // The element's text when it holds only text and CDATA (surrounding
  // whitespace removed); empty otherwise.
  std::string trimmed_text() const;
  // The element children, in document order.
  std::vector<const Node*> elements() const;
};

// The XML of `text`, or the reason it is not acceptable: not well formed,
// larger than `max_size`, a DTD or an entity reference, an undeclared
// namespace prefix.
std::variant<Node, std::string> parse_xml(std::string_view text, std::size_t max_size);

// `root` as a document (with an XML declaration), or as a fragment.
std::string write_document(const Node& root);
std::string write_fragment(const Node& element);

// The namespace bindings in scope at an element, outermost first (an inner
// declaration of the same prefix comes later and wins).
using NamespaceBindings = std::vector<NamespaceDeclaration>;

}  // namespace imsbox::tas::simservs
