#pragma once
// XCAP node selectors (RFC 4825 §6.3, §6.4) on a simservs Document: GET, PUT
// (replace or create) and DELETE of one element, e.g.
//   simservs/communication-diversion
//   simservs/communication-diversion/cp:ruleset/cp:rule[@id="rule1"]
// with steps by name, by position ([2]), by attribute ([@id="x"]) or both,
// and "*" for any name. Attribute and namespace terminal selectors are not
// supported (a bad selector). Pure: the XCAP HTTP server maps the typed
// results onto HTTP (status(), body()).
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "tas/simservs/document.h"
#include "tas/simservs/xml_tree.h"

namespace imsbox::tas::simservs {

// RFC 4825 §11 error conditions, plus those that are not 409s.
enum class XcapErrorKind {
  bad_selector,  // the node selector does not parse or uses an unbound prefix: 400
  not_found,     // nothing selected (GET, DELETE): 404, no body
  not_well_formed,
  not_xml_frag,
  no_parent,
  cannot_insert,
  cannot_delete,
  schema_validation_error,
  uniqueness_failure,
};

struct XcapError {
  XcapErrorKind kind = XcapErrorKind::not_found;
  std::string phrase;    // why, in words (the phrase attribute of the body)
  std::string ancestor;  // no-parent: node selector of the closest existing ancestor

  int status() const;  // 400, 404 or 409
  // The application/xcap-error+xml body of a 409 (empty for 400 and 404).
  // `document_uri` (the absolute document URI) prefixes the no-parent
  // ancestor ("<document_uri>/~~/<ancestor>").
  std::string body(std::string_view document_uri = {}) const;
  bool operator==(const XcapError&) const = default;
};

inline constexpr std::string_view kXcapErrorContentType = "application/xcap-error+xml";
inline constexpr std::string_view kXcapElementContentType = "application/xcap-el+xml";

struct Step {
  std::string text;  // as written, for the no-parent ancestor
  std::string ns;    // namespace URI; "*" for any name
  std::string name;  // local name, or "*"
  std::optional<std::size_t> position;  // 1-based, among the siblings the name selects
  std::optional<std::string> attribute_name;  // unprefixed (no namespace)
  std::string attribute_ns;
  std::string attribute_value;
};

struct NodeSelector {
  std::vector<Step> steps;  // from the root element down
  std::string text;         // as given, for messages
};

// `path` is the node selector after "~~/", percent-decoded; `query` the
// URI's query (RFC 4825 §6.4 "xmlns(cp=urn:...)xmlns(...)"), percent-decoded,
// possibly empty. Without a binding, "ss" and unprefixed names are the
// simservs namespace and "cp" is common-policy.
std::variant<NodeSelector, XcapError> parse_node_selector(std::string_view path, std::string_view query = {});

// %XX sequences of a URI component decoded; nothing when one is malformed.
std::optional<std::string> percent_decode(std::string_view text);

// GET: the selected element as an XML fragment (application/xcap-el+xml).
std::variant<std::string, XcapError> get_element(const Document& document, const NodeSelector& selector);

enum class PutOutcome { replaced, created };

// PUT: `body` (one element) replaces the selected element or, when none is
// selected, is inserted as the last child of its parent. Names and prefixes
// of the body resolve with the namespaces in scope at that place. The result
// must select the new element and be a valid document; otherwise the
// document is left unchanged and a 409 error returned.
std::variant<PutOutcome, XcapError> put_element(Document& document, const NodeSelector& selector,
                                                std::string_view body);

// DELETE: removes the selected element (not the root); the result must be a
// valid document.
std::optional<XcapError> delete_element(Document& document, const NodeSelector& selector);

}  // namespace imsbox::tas::simservs
