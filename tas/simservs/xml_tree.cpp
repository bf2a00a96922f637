#include "tas/simservs/xml_tree.h"

#include <libxml/parser.h>
#include <libxml/xmlerror.h>

#include "ims/xml.h"

namespace imsbox::tas::simservs {

namespace {

using ims::xml::as_view;

std::string trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  const auto last = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(first, last - first + 1));
}

bool has_colon(std::string_view name) { return name.find(':') != std::string_view::npos; }

// libxml2's node into ours; an error text when it holds what we refuse.
std::string convert(const xmlNode* in, Node& out) {
  out.kind = NodeKind::element;
  out.name = std::string(as_view(in->name));
  if (in->ns != nullptr) {
    out.ns = std::string(as_view(in->ns->href));
    out.prefix = std::string(as_view(in->ns->prefix));
  } else if (has_colon(out.name)) {
    return "the namespace prefix of element <" + out.name + "> is not declared";
  }
  for (const xmlNs* ns = in->nsDef; ns != nullptr; ns = ns->next) {
    out.namespaces.push_back({std::string(as_view(ns->prefix)), std::string(as_view(ns->href))});
  }
  for (const xmlAttr* a = in->properties; a != nullptr; a = a->next) {
    Attribute attr;
    attr.name = std::string(as_view(a->name));
    if (a->ns != nullptr) {
      attr.ns = std::string(as_view(a->ns->href));
      attr.prefix = std::string(as_view(a->ns->prefix));
    } else if (has_colon(attr.name)) {
      return "the namespace prefix of attribute " + attr.name + " is not declared";
    }
    const auto value = ims::xml::text_content(reinterpret_cast<const xmlNode*>(a));
    if (!value) return "attribute " + attr.name + " holds an entity reference";
    attr.value = *value;
    out.attributes.push_back(std::move(attr));
  }
  for (const xmlNode* c = in->children; c != nullptr; c = c->next) {
    Node child;
    switch (c->type) {
      case XML_ELEMENT_NODE:
        if (auto error = convert(c, child); !error.empty()) return error;
        break;
      case XML_TEXT_NODE:
        child.kind = NodeKind::text;
        child.text = std::string(as_view(c->content));
        break;
      case XML_CDATA_SECTION_NODE:
        child.kind = NodeKind::cdata;
        child.text = std::string(as_view(c->content));
        break;
      case XML_COMMENT_NODE:
        child.kind = NodeKind::comment;
        child.text = std::string(as_view(c->content));
        break;
      case XML_PI_NODE:
        child.kind = NodeKind::processing_instruction;
        child.name = std::string(as_view(c->name));
        child.text = std::string(as_view(c->content));
        break;
      case XML_ENTITY_REF_NODE: return "entity references are not accepted (&" + std::string(as_view(c->name)) + ";)";
      default: return "unexpected XML node type " + std::to_string(static_cast<int>(c->type));
    }
    // adjacent text nodes (libxml2 splits around character references) become one
    if (child.kind == NodeKind::text && !out.children.empty() && out.children.back().kind == NodeKind::text) {
      out.children.back().text += child.text;
    } else {
      out.children.push_back(std::move(child));
    }
  }
  return {};
}

void escape(std::string& out, std::string_view text, bool attribute) {
  for (const char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"':
        if (attribute) out += "&quot;";
        else out += c;
        break;
      case '\t':
        if (attribute) out += "&#9;";
        else out += c;
        break;
      case '\n':
        if (attribute) out += "&#10;";
        else out += c;
        break;
      case '\r': out += "&#13;"; break;
      default: out += c;
    }
  }
}

void qualified(std::string& out, const std::string& prefix, const std::string& name) {
  if (!prefix.empty()) {
    out += prefix;
    out += ':';
  }
  out += name;
}

void write(std::string& out, const Node& node) {
  switch (node.kind) {
    case NodeKind::text: escape(out, node.text, false); return;
    case NodeKind::cdata:
      out += "<![CDATA[";
      out += node.text;
      out += "]]>";
      return;
    case NodeKind::comment:
      out += "<!--";
      out += node.text;
      out += "-->";
      return;
    case NodeKind::processing_instruction:
      out += "<?";
      out += node.name;
      if (!node.text.empty()) {
        out += ' ';
        out += node.text;
      }
      out += "?>";
      return;
    case NodeKind::element: break;
  }
  out += '<';
  qualified(out, node.prefix, node.name);
  for (const auto& ns : node.namespaces) {
    out += ns.prefix.empty() ? " xmlns" : " xmlns:" + ns.prefix;
    out += "=\"";
    escape(out, ns.uri, true);
    out += '"';
  }
  for (const auto& a : node.attributes) {
    out += ' ';
    qualified(out, a.prefix, a.name);
    out += "=\"";
    escape(out, a.value, true);
    out += '"';
  }
  if (node.children.empty()) {
    out += "/>";
    return;
  }
  out += '>';
  for (const auto& c : node.children) write(out, c);
  out += "</";
  qualified(out, node.prefix, node.name);
  out += '>';
}

}  // namespace

const std::string* Node::attribute(std::string_view local_name, std::string_view namespace_uri) const {
  for (const auto& a : attributes) {
    if (a.name == local_name && a.ns == namespace_uri) return &a.value;
  }
  return nullptr;
}

std::string Node::trimmed_text() const {
  std::string value;
  for (const auto& c : children) {
    if (c.kind == NodeKind::text || c.kind == NodeKind::cdata) {
      value += c.text;
    } else if (c.kind == NodeKind::element) {
      return {};
    }
  }
  return trim(value);
}

std::vector<const Node*> Node::elements() const {
  std::vector<const Node*> out;
  for (const auto& c : children) {
    if (c.kind == NodeKind::element) out.push_back(&c);
  }
  return out;
}

std::variant<Node, std::string> parse_xml(std::string_view text, std::size_t max_size) {
  if (text.empty()) return std::string("the document is empty");
  if (text.size() > max_size) {
    return "the document is larger than " + std::to_string(max_size) + " bytes";
  }
  xmlResetLastError();
  const auto doc = ims::xml::read(text, max_size, "simservs");
  if (!doc) {
    const xmlError* e = xmlGetLastError();
    std::string reason = "not well-formed XML";
    if (e != nullptr && e->message != nullptr) {
      reason += " (line " + std::to_string(e->line) + "): " + trim(e->message);
    }
    return reason;
  }
  if (doc->intSubset != nullptr || doc->extSubset != nullptr) {
    return std::string("a document type declaration (DTD) is not accepted");
  }
  const xmlNode* root = xmlDocGetRootElement(doc.get());
  if (root == nullptr) return std::string("the document has no root element");
  Node out;
  if (auto error = convert(root, out); !error.empty()) return error;
  return out;
}

std::string write_fragment(const Node& element) {
  std::string out;
  write(out, element);
  return out;
}

std::string write_document(const Node& root) {
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  write(out, root);
  return out;
}

}  // namespace imsbox::tas::simservs
