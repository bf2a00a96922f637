#include "tas/simservs/node_selector.h"

#include <cctype>

namespace imsbox::tas::simservs {

namespace {

constexpr std::string_view kXcapErrorNamespace = "urn:ietf:params:xml:ns:xcap-error";

XcapError error(XcapErrorKind kind, std::string phrase, std::string ancestor = {}) {
  return XcapError{kind, std::move(phrase), std::move(ancestor)};
}

XcapError bad(std::string_view selector, std::string_view why) {
  return error(XcapErrorKind::bad_selector, "node selector \"" + std::string(selector) + "\": " + std::string(why));
}

void escape_attribute(std::string& out, std::string_view text) {
  for (const char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
}

bool is_name_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '_' || c == '.' ||
         static_cast<unsigned char>(c) >= 0x80;
}

bool is_ncname(std::string_view s) {
  if (s.empty() || std::isdigit(static_cast<unsigned char>(s[0])) != 0 || s[0] == '-' || s[0] == '.') return false;
  for (const char c : s) {
    if (!is_name_char(c)) return false;
  }
  return true;
}

using Bindings = std::vector<NamespaceDeclaration>;

const std::string* lookup(const Bindings& bindings, std::string_view prefix) {
  for (auto it = bindings.rbegin(); it != bindings.rend(); ++it) {
    if (it->prefix == prefix) return &it->uri;
  }
  return nullptr;
}

// RFC 4825 §6.4: xmlns(prefix=uri) pointer parts.
std::optional<Bindings> parse_query(std::string_view query) {
  Bindings out;
  while (!query.empty()) {
    if (query.front() == ' ' || query.front() == '&') {
      query.remove_prefix(1);
      continue;
    }
    if (!query.starts_with("xmlns(")) return std::nullopt;
    query.remove_prefix(6);
    const auto eq = query.find('=');
    const auto close = query.find(')');
    if (eq == std::string_view::npos || close == std::string_view::npos || eq > close) return std::nullopt;
    const std::string_view prefix = query.substr(0, eq);
    const std::string_view uri = query.substr(eq + 1, close - eq - 1);
    if (!is_ncname(prefix) || uri.empty()) return std::nullopt;
    out.push_back({std::string(prefix), std::string(uri)});
    query.remove_prefix(close + 1);
  }
  return out;
}

// Splits at '/' outside brackets and quotes.
std::optional<std::vector<std::string_view>> split_steps(std::string_view path) {
  std::vector<std::string_view> steps;
  std::size_t start = 0;
  int depth = 0;
  char quote = 0;
  for (std::size_t i = 0; i < path.size(); ++i) {
    const char c = path[i];
    if (quote != 0) {
      if (c == quote) quote = 0;
    } else if (c == '"' || c == '\'') {
      quote = c;
    } else if (c == '[') {
      if (++depth > 1) return std::nullopt;
    } else if (c == ']') {
      if (--depth < 0) return std::nullopt;
    } else if (c == '/' && depth == 0) {
      steps.push_back(path.substr(start, i - start));
      start = i + 1;
    }
  }
  if (quote != 0 || depth != 0) return std::nullopt;
  steps.push_back(path.substr(start));
  return steps;
}

// prefix:local or local or "*" into (namespace, local name).
std::optional<std::pair<std::string, std::string>> resolve_qname(std::string_view qname, const Bindings& bindings,
                                                                 bool attribute) {
  if (qname == "*" && !attribute) return std::pair<std::string, std::string>{"*", "*"};
  const auto colon = qname.find(':');
  if (colon == std::string_view::npos) {
    if (!is_ncname(qname)) return std::nullopt;
    if (attribute) return std::pair<std::string, std::string>{"", std::string(qname)};
    const std::string* uri = lookup(bindings, "");
    return std::pair<std::string, std::string>{uri == nullptr ? "" : *uri, std::string(qname)};
  }
  const auto prefix = qname.substr(0, colon);
  const auto local = qname.substr(colon + 1);
  if (!is_ncname(prefix) || !is_ncname(local)) return std::nullopt;
  const std::string* uri = lookup(bindings, prefix);
  if (uri == nullptr) return std::nullopt;
  return std::pair<std::string, std::string>{*uri, std::string(local)};
}

std::optional<Step> parse_step(std::string_view text, const Bindings& bindings) {
  Step step;
  step.text = std::string(text);
  const auto bracket = text.find('[');
  const auto name = resolve_qname(text.substr(0, bracket), bindings, false);
  if (!name) return std::nullopt;
  step.ns = name->first;
  step.name = name->second;
  std::string_view rest = bracket == std::string_view::npos ? std::string_view{} : text.substr(bracket);
  while (!rest.empty()) {
    if (rest.front() != '[') return std::nullopt;
    const auto close = rest.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    const std::string_view predicate = rest.substr(1, close - 1);
    rest.remove_prefix(close + 1);
    if (!predicate.empty() && predicate.front() == '@') {
      if (step.attribute_name) return std::nullopt;
      const auto eq = predicate.find('=');
      if (eq == std::string_view::npos) return std::nullopt;
      const auto attr = resolve_qname(predicate.substr(1, eq - 1), bindings, true);
      std::string_view value = predicate.substr(eq + 1);
      if (!attr || value.size() < 2 || (value.front() != '"' && value.front() != '\'') || value.back() != value.front()) {
        return std::nullopt;
      }
      const char quote = value.front();
      value = value.substr(1, value.size() - 2);
      if (value.find(quote) != std::string_view::npos) return std::nullopt;
      step.attribute_ns = attr->first;
      step.attribute_name = attr->second;
      step.attribute_value = std::string(value);
    } else {
      // by-pos must come before the attribute test (RFC 4825 by-pos-attr)
      if (step.position || step.attribute_name || predicate.empty() || predicate.size() > 6) return std::nullopt;
      std::size_t position = 0;
      for (const char c : predicate) {
        if (std::isdigit(static_cast<unsigned char>(c)) == 0) return std::nullopt;
        position = position * 10 + static_cast<std::size_t>(c - '0');
      }
      if (position == 0) return std::nullopt;
      step.position = position;
    }
  }
  return step;
}

bool name_matches(const Node& n, const Step& s) {
  if (n.kind != NodeKind::element) return false;
  if (s.name == "*") return true;
  return n.name == s.name && n.ns == s.ns;
}

bool attribute_matches(const Node& n, const Step& s) {
  if (!s.attribute_name) return true;
  const std::string* value = n.attribute(*s.attribute_name, s.attribute_ns);
  return value != nullptr && *value == s.attribute_value;
}

// The index in parent.children of the one element `step` selects; nothing
// when none does; `ambiguous` when several do.
std::optional<std::size_t> select_child(const Node& parent, const Step& step, bool& ambiguous) {
  ambiguous = false;
  std::optional<std::size_t> found;
  std::size_t position = 0;
  for (std::size_t i = 0; i < parent.children.size(); ++i) {
    const Node& c = parent.children[i];
    if (!name_matches(c, step)) continue;
    ++position;
    if (step.position && position != *step.position) continue;
    if (!attribute_matches(c, step)) continue;
    if (found) {
      ambiguous = true;
      return std::nullopt;
    }
    found = i;
  }
  return found;
}

bool root_matches(const Node& root, const Step& step) {
  return name_matches(root, step) && (!step.position || *step.position == 1) && attribute_matches(root, step);
}

// Where a selector leads: the child indices from the root, as far as they go.
struct Location {
  std::vector<std::size_t> path;  // indices below the root, one per step after the first
  bool root_found = false;
  bool complete = false;
  bool ambiguous = false;
};

Location locate(const Node& root, const NodeSelector& selector) {
  Location loc;
  if (selector.steps.empty() || !root_matches(root, selector.steps.front())) return loc;
  loc.root_found = true;
  const Node* node = &root;
  for (std::size_t i = 1; i < selector.steps.size(); ++i) {
    const auto index = select_child(*node, selector.steps[i], loc.ambiguous);
    if (!index) return loc;
    loc.path.push_back(*index);
    node = &node->children[*index];
  }
  loc.complete = true;
  return loc;
}

template <typename N>
N& at(N& root, const std::vector<std::size_t>& path, std::size_t depth) {
  N* node = &root;
  for (std::size_t i = 0; i < depth; ++i) node = &node->children[path[i]];
  return *node;
}

std::string selector_prefix(const NodeSelector& selector, std::size_t steps) {
  std::string out;
  for (std::size_t i = 0; i < steps && i < selector.steps.size(); ++i) {
    if (i > 0) out += '/';
    out += selector.steps[i].text;
  }
  return out;
}

XcapError invalid_document(std::string reason) {
  // RFC 4745 §6: rule ids are unique within a ruleset.
  const bool duplicate = reason.find("two rules with id") != std::string::npos;
  return error(duplicate ? XcapErrorKind::uniqueness_failure : XcapErrorKind::schema_validation_error,
               std::move(reason));
}

// Declarations in scope at the element `depth` steps down `path`.
Bindings in_scope(const Node& root, const std::vector<std::size_t>& path, std::size_t depth) {
  Bindings out;
  const Node* node = &root;
  for (std::size_t i = 0;; ++i) {
    for (const auto& ns : node->namespaces) out.push_back(ns);
    if (i == depth) break;
    node = &node->children[path[i]];
  }
  return out;
}

// The one element of an XCAP PUT body, read with the bindings of its place.
std::variant<Node, XcapError> parse_fragment(std::string_view body, const Bindings& bindings) {
  std::string_view content = body;
  while (!content.empty() && std::isspace(static_cast<unsigned char>(content.front())) != 0) content.remove_prefix(1);
  if (content.starts_with("<?xml")) {  // tolerated: an XML declaration before the element
    const auto end = content.find("?>");
    if (end == std::string_view::npos) return error(XcapErrorKind::not_well_formed, "unterminated XML declaration");
    content.remove_prefix(end + 2);
  }
  std::string wrapped = "<xcap-fragment";
  for (const auto& ns : bindings) {
    wrapped += ns.prefix.empty() ? " xmlns" : " xmlns:" + ns.prefix;
    wrapped += "=\"";
    escape_attribute(wrapped, ns.uri);
    wrapped += '"';
  }
  wrapped += '>';
  wrapped += content;
  wrapped += "</xcap-fragment>";
  auto tree = parse_xml(wrapped, kMaxDocumentSize + 4096);
  if (auto* why = std::get_if<std::string>(&tree)) return error(XcapErrorKind::not_well_formed, *why);
  Node& wrapper = std::get<Node>(tree);
  std::optional<std::size_t> element;
  for (std::size_t i = 0; i < wrapper.children.size(); ++i) {
    const Node& c = wrapper.children[i];
    if (c.kind == NodeKind::element) {
      if (element) return error(XcapErrorKind::not_xml_frag, "the body holds more than one element");
      element = i;
    } else if (c.kind != NodeKind::text || c.text.find_first_not_of(" \t\r\n") != std::string::npos) {
      return error(XcapErrorKind::not_xml_frag, "the body holds more than one element");
    }
  }
  if (!element) return error(XcapErrorKind::not_xml_frag, "the body holds no element");
  return std::move(wrapper.children[*element]);
}

}  // namespace

int XcapError::status() const {
  switch (kind) {
    case XcapErrorKind::bad_selector: return 400;
    case XcapErrorKind::not_found: return 404;
    default: return 409;
  }
}

std::string XcapError::body(std::string_view document_uri) const {
  std::string element;
  switch (kind) {
    case XcapErrorKind::bad_selector:
    case XcapErrorKind::not_found: return {};
    case XcapErrorKind::not_well_formed: element = "not-well-formed"; break;
    case XcapErrorKind::not_xml_frag: element = "not-xml-frag"; break;
    case XcapErrorKind::no_parent: element = "no-parent"; break;
    case XcapErrorKind::cannot_insert: element = "cannot-insert"; break;
    case XcapErrorKind::cannot_delete: element = "cannot-delete"; break;
    case XcapErrorKind::schema_validation_error: element = "schema-validation-error"; break;
    case XcapErrorKind::uniqueness_failure: element = "uniqueness-failure"; break;
  }
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<xcap-error xmlns=\"";
  out += kXcapErrorNamespace;
  out += "\"><" + element;
  if (!phrase.empty()) {
    out += " phrase=\"";
    escape_attribute(out, phrase);
    out += '"';
  }
  if (kind == XcapErrorKind::no_parent && !ancestor.empty()) {
    out += "><ancestor>";
    std::string uri = document_uri.empty() ? ancestor : std::string(document_uri) + "/~~/" + ancestor;
    std::string escaped;
    for (const char c : uri) {
      if (c == '&') escaped += "&amp;";
      else if (c == '<') escaped += "&lt;";
      else escaped += c;
    }
    out += escaped + "</ancestor></" + element + ">";
  } else if (kind == XcapErrorKind::uniqueness_failure) {
    out += "><exists field=\"cp:rule/@id\"/></" + element + ">";
  } else {
    out += "/>";
  }
  out += "</xcap-error>";
  return out;
}

std::optional<std::string> percent_decode(std::string_view text) {
  const auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    if (i + 2 >= text.size()) return std::nullopt;
    const int hi = hex(text[i + 1]), lo = hex(text[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return out;
}

std::variant<NodeSelector, XcapError> parse_node_selector(std::string_view path, std::string_view query) {
  if (path.empty()) return bad(path, "empty");
  if (path.size() > 1024) return bad(path.substr(0, 64), "too long");
  Bindings bindings = {{"", std::string(kSimservsNamespace)},
                       {"ss", std::string(kSimservsNamespace)},
                       {"cp", std::string(kCommonPolicyNamespace)}};
  const auto declared = parse_query(query);
  if (!declared) return bad(path, "the query is not xmlns(prefix=namespace)...");
  bindings.insert(bindings.end(), declared->begin(), declared->end());
  const auto parts = split_steps(path);
  if (!parts) return bad(path, "unbalanced brackets or quotes");
  NodeSelector selector;
  selector.text = std::string(path);
  for (const auto part : *parts) {
    if (part.empty()) return bad(path, "an empty step");
    if (part.front() == '@' || part.starts_with("namespace::")) {
      return bad(path, "attribute and namespace selectors are not supported");
    }
    auto step = parse_step(part, bindings);
    if (!step) return bad(path, "step \"" + std::string(part) + "\" is not a name, [position] or [@attribute=\"value\"] "
                                "with a bound prefix");
    selector.steps.push_back(std::move(*step));
  }
  return selector;
}

std::variant<std::string, XcapError> get_element(const Document& document, const NodeSelector& selector) {
  const Location loc = locate(document.root(), selector);
  if (!loc.complete) return error(XcapErrorKind::not_found, "no element selected by " + selector.text);
  return write_fragment(at(document.root(), loc.path, loc.path.size()));
}

std::variant<PutOutcome, XcapError> put_element(Document& document, const NodeSelector& selector,
                                                std::string_view body) {
  if (selector.steps.empty()) return error(XcapErrorKind::cannot_insert, "empty selector");
  Node root = document.root();
  const Location loc = locate(root, selector);
  if (loc.ambiguous) return error(XcapErrorKind::cannot_insert, selector.text + " selects more than one element");
  const std::size_t steps = selector.steps.size();
  if (!loc.root_found) {
    return error(steps == 1 ? XcapErrorKind::cannot_insert : XcapErrorKind::no_parent,
                 "the document's root is not " + selector.steps.front().text);
  }
  // the parent is the element `parent_depth` steps below the root
  const std::size_t parent_depth = steps >= 2 ? steps - 2 : 0;
  if (!loc.complete && loc.path.size() < parent_depth) {
    return error(XcapErrorKind::no_parent, "no parent for " + selector.text,
                 selector_prefix(selector, loc.path.size() + 1));
  }
  const bool replace = loc.complete;
  auto fragment = parse_fragment(body, steps == 1 ? Bindings{} : in_scope(root, loc.path, parent_depth));
  if (auto* e = std::get_if<XcapError>(&fragment)) return std::move(*e);
  Node element = std::move(std::get<Node>(fragment));

  std::vector<std::size_t> new_path;
  if (steps == 1) {
    root = std::move(element);
  } else {
    new_path.assign(loc.path.begin(), loc.path.begin() + static_cast<std::ptrdiff_t>(parent_depth));
    Node& parent = at(root, loc.path, parent_depth);
    if (replace) {
      parent.children[loc.path[parent_depth]] = std::move(element);
      new_path.push_back(loc.path[parent_depth]);
    } else {
      parent.children.push_back(std::move(element));
      new_path.push_back(parent.children.size() - 1);
    }
  }
  const Location check = locate(root, selector);
  if (!check.complete || check.path != new_path) {
    return error(XcapErrorKind::cannot_insert, "the body is not what " + selector.text + " selects");
  }
  auto updated = Document::from_tree(std::move(root));
  if (auto* why = std::get_if<std::string>(&updated)) return invalid_document(std::move(*why));
  document = std::move(std::get<Document>(updated));
  return replace ? PutOutcome::replaced : PutOutcome::created;
}

std::optional<XcapError> delete_element(Document& document, const NodeSelector& selector) {
  Node root = document.root();
  const Location loc = locate(root, selector);
  if (!loc.complete) return error(XcapErrorKind::not_found, "no element selected by " + selector.text);
  if (loc.path.empty()) return error(XcapErrorKind::cannot_delete, "the root element cannot be deleted");
  Node& parent = at(root, loc.path, loc.path.size() - 1);
  parent.children.erase(parent.children.begin() + static_cast<std::ptrdiff_t>(loc.path.back()));
  if (locate(root, selector).complete) {
    return error(XcapErrorKind::cannot_delete, selector.text + " would select another element afterwards");
  }
  auto updated = Document::from_tree(std::move(root));
  if (auto* why = std::get_if<std::string>(&updated)) return invalid_document(std::move(*why));
  document = std::move(std::get<Document>(updated));
  return std::nullopt;
}

}  // namespace imsbox::tas::simservs
