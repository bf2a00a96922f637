#include "ims/reginfo.h"


#include <charconv>
#include <climits>
#include <memory>

#include "ims/xml.h"

namespace imsbox::ims {

namespace {

constexpr std::string_view kNamespace = "urn:ietf:params:xml:ns:reginfo";
// A reginfo document of a few hundred contacts is some tens of KiB; anything
// much larger is not ours to parse.
constexpr std::size_t kMaxDocument = 1024 * 1024;

void attribute(std::string& out, std::string_view name, std::string_view value) {
  out.append(" ").append(name).append("=\"");
  xml::append_escaped(out, value);
  out += '"';
}

// --- parsing -----------------------------------------------------------------

bool is(const xmlNode* node, std::string_view local_name, std::string_view ns) {
  if (node->type != XML_ELEMENT_NODE || xml::as_view(node->name) != local_name) return false;
  const std::string_view node_ns = node->ns != nullptr ? xml::as_view(node->ns->href) : std::string_view{};
  return node_ns == ns;
}

// The attribute without a namespace (reginfo's attributes are unqualified).
std::optional<std::string> attr(const xmlNode* node, const char* name) {
  for (const xmlAttr* a = node->properties; a != nullptr; a = a->next) {
    if (a->ns != nullptr || xml::as_view(a->name) != name) continue;
    std::string value;
    for (const xmlNode* c = a->children; c != nullptr; c = c->next) {
      if (c->type != XML_TEXT_NODE) return std::nullopt;  // entity references: not ours
      value += xml::as_view(c->content);
    }
    return value;
  }
  return std::nullopt;
}

std::string_view trim(std::string_view s) {
  constexpr std::string_view ws = " \t\r\n";
  const auto b = s.find_first_not_of(ws);
  if (b == std::string_view::npos) return {};
  return s.substr(b, s.find_last_not_of(ws) - b + 1);
}

std::optional<std::uint32_t> number(std::string_view s) {
  s = trim(s);
  std::uint32_t v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
  return v;
}

// "<urn:uuid:...>" (quoted or not) -> urn:uuid:...
std::string strip_instance(std::string_view v) {
  v = trim(v);
  if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
  if (v.size() >= 2 && v.front() == '<' && v.back() == '>') v = v.substr(1, v.size() - 2);
  return std::string(v);
}

std::optional<RegInfoContact> parse_contact(const xmlNode* node, std::string_view ns) {
  RegInfoContact c;
  auto id = attr(node, "id");
  auto state = attr(node, "state");
  auto event = attr(node, "event");
  if (!id || !state || !event) return std::nullopt;
  if (*state != "active" && *state != "terminated") return std::nullopt;
  c.id = std::move(*id);
  c.state = std::move(*state);
  c.event = std::move(*event);
  if (auto e = attr(node, "expires")) {
    c.expires = number(*e);
    if (!c.expires) return std::nullopt;
  }
  bool have_uri = false;
  for (const xmlNode* child = node->children; child != nullptr; child = child->next) {
    if (is(child, "uri", ns)) {
      auto u = xml::text_content(child);
      if (!u) return std::nullopt;
      c.uri = std::string(trim(*u));
      have_uri = true;
    } else if (is(child, "unknown-param", ns)) {
      auto name = attr(child, "name");
      auto value = xml::text_content(child);
      if (!name || !value) return std::nullopt;
      if (*name == "+sip.instance") {
        c.instance = strip_instance(*value);
      } else if (*name == "reg-id") {
        c.reg_id = number(*value);
        if (!c.reg_id) return std::nullopt;
      }
    } else if (child->type == XML_ENTITY_REF_NODE) {
      return std::nullopt;
    }
  }
  if (!have_uri) return std::nullopt;
  return c;
}

std::optional<RegInfoRegistration> parse_registration(const xmlNode* node, std::string_view ns) {
  RegInfoRegistration r;
  auto aor = attr(node, "aor");
  auto id = attr(node, "id");
  auto state = attr(node, "state");
  if (!aor || !id || !state) return std::nullopt;
  if (*state != "init" && *state != "active" && *state != "terminated") return std::nullopt;
  r.aor = std::move(*aor);
  r.id = std::move(*id);
  r.state = std::move(*state);
  for (const xmlNode* child = node->children; child != nullptr; child = child->next) {
    if (is(child, "contact", ns)) {
      auto c = parse_contact(child, ns);
      if (!c) return std::nullopt;
      r.contacts.push_back(std::move(*c));
    } else if (child->type == XML_ENTITY_REF_NODE) {
      return std::nullopt;
    }
  }
  return r;
}

std::optional<RegInfo> parse_document(const xmlDoc* doc) {
  // reginfo has no DTD; one in the document is at best useless, at worst an
  // entity bomb: refuse it outright.
  if (doc->intSubset != nullptr || doc->extSubset != nullptr) return std::nullopt;
  const xmlNode* root = xmlDocGetRootElement(doc);
  if (root == nullptr || xml::as_view(root->name) != "reginfo") return std::nullopt;
  // The reginfo namespace under any prefix; tolerate a document without one.
  const std::string_view ns = root->ns != nullptr ? xml::as_view(root->ns->href) : std::string_view{};
  if (!ns.empty() && ns != kNamespace) return std::nullopt;
  RegInfo info;
  const auto version = attr(root, "version");
  const auto state = attr(root, "state");
  if (!version || !state) return std::nullopt;
  const auto v = number(*version);
  if (!v) return std::nullopt;
  info.version = *v;
  if (*state == "full") {
    info.full = true;
  } else if (*state == "partial") {
    info.full = false;
  } else {
    return std::nullopt;
  }
  for (const xmlNode* child = root->children; child != nullptr; child = child->next) {
    if (is(child, "registration", ns)) {
      auto r = parse_registration(child, ns);
      if (!r) return std::nullopt;
      info.registrations.push_back(std::move(*r));
    } else if (child->type == XML_ENTITY_REF_NODE) {
      return std::nullopt;
    }
  }
  return info;
}

}  // namespace

std::string to_xml(const RegInfo& info) {
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<reginfo xmlns=\"";
  out.append(kNamespace).append("\"");
  attribute(out, "version", std::to_string(info.version));
  attribute(out, "state", info.full ? "full" : "partial");
  out += ">\n";
  for (const auto& r : info.registrations) {
    out += "  <registration";
    attribute(out, "aor", r.aor);
    attribute(out, "id", r.id);
    attribute(out, "state", r.state);
    out += ">\n";
    for (const auto& c : r.contacts) {
      out += "    <contact";
      attribute(out, "id", c.id);
      attribute(out, "state", c.state);
      attribute(out, "event", c.event);
      if (c.expires) attribute(out, "expires", std::to_string(*c.expires));
      out += ">\n      <uri>";
      xml::append_escaped(out, c.uri);
      out += "</uri>\n";
      // TS 24.229 §5.4.2.1.2 / RFC 5626: the instance ID and reg-id as
      // unknown-param elements, the instance as it appears in Contact.
      if (c.instance) {
        out += "      <unknown-param name=\"+sip.instance\">";
        xml::append_escaped(out, "\"<" + *c.instance + ">\"");
        out += "</unknown-param>\n";
      }
      if (c.reg_id) {
        out += "      <unknown-param name=\"reg-id\">" + std::to_string(*c.reg_id) + "</unknown-param>\n";
      }
      out += "    </contact>\n";
    }
    out += "  </registration>\n";
  }
  out += "</reginfo>\n";
  return out;
}

std::optional<RegInfo> parse_reginfo(std::string_view text) {
  try {
    const auto doc = xml::read(text, kMaxDocument, "reginfo.xml");
    if (!doc) return std::nullopt;
    return parse_document(doc.get());
  } catch (...) {
    return std::nullopt;
  }
}

}  // namespace imsbox::ims
