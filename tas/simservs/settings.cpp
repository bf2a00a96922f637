#include "tas/simservs/settings.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <functional>
#include <initializer_list>
#include <set>
#include <stdexcept>

namespace imsbox::tas::simservs {

namespace {

// The rule ids phones commonly write (and our settings add).
struct ForwardingKind {
  Forwarding service;
  std::string_view name;
  std::string_view rule_id;
  std::string_view condition;  // the event condition element; empty for CFU
};
constexpr std::array<ForwardingKind, 5> kForwardings{{
    {Forwarding::unconditional, "CFU", "call-diversion-unconditional", ""},
    {Forwarding::busy, "CFB", "call-diversion-busy", "busy"},
    {Forwarding::no_reply, "CFNR", "call-diversion-no-reply", "no-answer"},
    {Forwarding::not_logged_in, "CFNL", "call-diversion-not-logged-in", "not-registered"},
    {Forwarding::not_reachable, "CFNRc", "call-diversion-not-reachable", "not-reachable"},
}};

const ForwardingKind& kind_of(Forwarding f) {
  return *std::find_if(kForwardings.begin(), kForwardings.end(), [&](const auto& k) { return k.service == f; });
}

// Conditions other than the events, rule-deactivated and media.
bool has_other_conditions(const Conditions& c) {
  return c.anonymous || c.international || c.international_ex_hc || c.roaming || c.communication_diverted ||
         c.identity || !c.unsupported.empty();
}

// The forwarding service a rule's event conditions name, when exactly one
// (or none: CFU) of them is present.
std::optional<Forwarding> event_of(const Conditions& c) {
  const int events = int(c.busy) + int(c.no_answer) + int(c.not_registered) + int(c.not_reachable);
  if (events > 1) return std::nullopt;
  if (c.busy) return Forwarding::busy;
  if (c.no_answer) return Forwarding::no_reply;
  if (c.not_registered) return Forwarding::not_logged_in;
  if (c.not_reachable) return Forwarding::not_reachable;
  return Forwarding::unconditional;
}

// A forwarding rule of service `f` as a phone or we write it: its event,
// perhaps deactivated or for audio calls (among other media), nothing else.
bool same_kind(const Rule& r, Forwarding f) {
  const auto& m = r.conditions.media;
  return r.actions.forward_to && event_of(r.conditions) == f && !has_other_conditions(r.conditions) &&
         (m.empty() || std::find(m.begin(), m.end(), "audio") != m.end());
}

Node element(std::string_view ns, std::string_view prefix, std::string_view name) {
  Node n;
  n.ns = std::string(ns);
  n.prefix = std::string(prefix);
  n.name = std::string(name);
  return n;
}

Node text_element(std::string_view ns, std::string_view prefix, std::string_view name, std::string_view text) {
  Node n = element(ns, prefix, name);
  Node t;
  t.kind = NodeKind::text;
  t.text = std::string(text);
  n.children.push_back(std::move(t));
  return n;
}

// The prefixes the elements we add use under `path` (the root first): one
// the scope binds to each namespace, else ss / cp, declared on the added
// element itself; so additions read the same whatever the document binds.
struct Prefixes {
  std::string ss, cp;
  std::vector<NamespaceDeclaration> declarations;  // for the added element
};

Prefixes prefixes_at(std::initializer_list<const Node*> path) {
  std::vector<NamespaceDeclaration> scope;  // innermost last
  for (const Node* n : path) scope.insert(scope.end(), n->namespaces.begin(), n->namespaces.end());
  const auto bound_to = [&](std::string_view prefix) -> std::string_view {
    for (auto it = scope.rbegin(); it != scope.rend(); ++it) {
      if (it->prefix == prefix) return it->uri;
    }
    return {};
  };
  Prefixes p;
  const auto pick = [&](std::string_view ns, std::string_view fallback, std::string& out) {
    for (auto it = scope.rbegin(); it != scope.rend(); ++it) {
      if (it->uri == ns && bound_to(it->prefix) == ns) {
        out = it->prefix;
        return;
      }
    }
    out = std::string(fallback);
    p.declarations.push_back({out, std::string(ns)});
  };
  pick(kSimservsNamespace, "ss", p.ss);
  pick(kCommonPolicyNamespace, "cp", p.cp);
  return p;
}

Node ss_element(const Prefixes& p, std::string_view name) { return element(kSimservsNamespace, p.ss, name); }
Node cp_element(const Prefixes& p, std::string_view name) { return element(kCommonPolicyNamespace, p.cp, name); }
Node ss_text(const Prefixes& p, std::string_view name, std::string_view text) {
  return text_element(kSimservsNamespace, p.ss, name, text);
}
// `n` as the top element added under `path`.
Node added(Node n, const Prefixes& p) {
  n.namespaces = p.declarations;
  return n;
}

void set_attribute(Node& n, std::string_view name, std::string_view value) {
  for (auto& a : n.attributes) {
    if (a.ns.empty() && a.name == name) {
      a.value = std::string(value);
      return;
    }
  }
  n.attributes.push_back({"", "", std::string(name), std::string(value)});
}

Node* child(Node& parent, std::string_view ns, std::string_view name) {
  for (auto& c : parent.children) {
    if (c.is(ns, name)) return &c;
  }
  return nullptr;
}

// The service element under the root, created (active) when missing.
Node& service(Node& root, std::string_view name) {
  if (Node* s = child(root, kSimservsNamespace, name)) return *s;
  const auto p = prefixes_at({&root});
  root.children.push_back(added(ss_element(p, name), p));
  return root.children.back();
}

Node& ruleset(Node& root, Node& service_element) {
  if (Node* r = child(service_element, kCommonPolicyNamespace, "ruleset")) return *r;
  const auto p = prefixes_at({&root, &service_element});
  service_element.children.push_back(added(cp_element(p, "ruleset"), p));
  return service_element.children.back();
}

void remove_rules(Node& root, std::string_view service_name, const std::set<std::string>& ids) {
  if (ids.empty()) return;
  Node* s = child(root, kSimservsNamespace, service_name);
  if (s == nullptr) return;
  Node* r = child(*s, kCommonPolicyNamespace, "ruleset");
  if (r == nullptr) return;
  std::erase_if(r->children, [&](const Node& n) {
    if (!n.is(kCommonPolicyNamespace, "rule")) return false;
    const std::string* id = n.attribute("id");
    return id != nullptr && ids.contains(*id);
  });
}

// An id not used by another rule of the ruleset.
std::string free_id(const Node& ruleset_element, std::string_view wanted) {
  std::string id(wanted);
  for (int n = 2;; ++n) {
    const bool used = std::any_of(ruleset_element.children.begin(), ruleset_element.children.end(), [&](const Node& r) {
      const std::string* other = r.attribute("id");
      return r.is(kCommonPolicyNamespace, "rule") && other != nullptr && *other == id;
    });
    if (!used) return id;
    id = std::string(wanted) + "-" + std::to_string(n);
  }
}

// A rule with `conditions` (element names in the simservs namespace) and one
// action element, added at the end of the ruleset.
void add_rule(Node& root, Node& service_element, Node& ruleset_element, std::string_view wanted_id,
              const std::vector<std::string_view>& conditions, const std::function<Node(const Prefixes&)>& action) {
  const auto p = prefixes_at({&root, &service_element, &ruleset_element});
  Node r = added(cp_element(p, "rule"), p);
  set_attribute(r, "id", free_id(ruleset_element, wanted_id));
  Node c = cp_element(p, "conditions");
  for (auto name : conditions) c.children.push_back(ss_element(p, name));
  Node a = cp_element(p, "actions");
  a.children.push_back(action(p));
  r.children.push_back(std::move(c));
  r.children.push_back(std::move(a));
  ruleset_element.children.push_back(std::move(r));
}

Document rebuilt(Node root) {
  auto result = Document::from_tree(std::move(root));
  // Every edit here keeps a valid document valid; anything else is our bug.
  if (auto* error = std::get_if<std::string>(&result)) throw std::logic_error("simservs setting: " + *error);
  return std::get<Document>(std::move(result));
}

bool uri_like(std::string_view t) {
  if (t.empty() || t.size() > 256) return false;
  if (std::any_of(t.begin(), t.end(), [](unsigned char c) { return c <= ' ' || c == '<' || c == '>' || c == '"'; })) {
    return false;
  }
  for (std::string_view scheme : {"sip:", "sips:", "tel:"}) {
    if (t.size() > scheme.size() && t.substr(0, scheme.size()) == scheme) return true;
  }
  return false;
}

bool digits(std::string_view t) {
  return !t.empty() && std::all_of(t.begin(), t.end(), [](unsigned char c) { return std::isdigit(c); });
}

std::set<std::string> barring_rule_ids(const std::optional<CommunicationBarring>& b, auto&& which) {
  std::set<std::string> ids;
  if (!b) return ids;
  for (const auto& r : b->rules) {
    if (r.actions.allow == false && which(r.conditions)) ids.insert(r.id);
  }
  return ids;
}

Document with_barring_rule(const Document& d, std::string_view service_name, const std::set<std::string>& replaced,
                           std::optional<std::pair<std::string_view, std::vector<std::string_view>>> added) {
  Node root = d.root();
  remove_rules(root, service_name, replaced);
  if (added) {
    Node& s = service(root, service_name);
    set_attribute(s, "active", "true");
    add_rule(root, s, ruleset(root, s), added->first, added->second,
             [](const Prefixes& p) { return ss_text(p, "allow", "false"); });
  }
  return rebuilt(std::move(root));
}

std::string conditions_text(const Conditions& c) {
  std::vector<std::string> parts;
  if (c.busy) parts.push_back("busy");
  if (c.no_answer) parts.push_back("no answer");
  if (c.not_registered) parts.push_back("not registered");
  if (c.not_reachable) parts.push_back("not reachable");
  if (c.anonymous) parts.push_back("anonymous");
  if (c.international) parts.push_back("international");
  if (c.international_ex_hc) parts.push_back("international-exHC");
  if (c.roaming) parts.push_back("roaming");
  if (c.communication_diverted) parts.push_back("diverted");
  for (const auto& m : c.media) parts.push_back("media " + m);
  if (c.identity) parts.push_back("identity");
  for (const auto& u : c.unsupported) parts.push_back(u + " (not evaluated)");
  if (c.rule_deactivated) parts.push_back("rule-deactivated");
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : ", ") + p;
  return out;
}

std::string inactive(bool active) { return active ? "" : " (inactive)"; }

}  // namespace

std::string_view name_of(Forwarding f) { return kind_of(f).name; }

std::optional<Forwarding> forwarding_named(std::string_view name) {
  for (const auto& k : kForwardings) {
    if (k.name.size() == name.size() &&
        std::equal(name.begin(), name.end(), k.name.begin(),
                   [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) ==
                                               std::tolower(static_cast<unsigned char>(b)); })) {
      return k.service;
    }
  }
  return std::nullopt;
}

std::optional<std::string> forwarding_target(std::string_view t, std::string_view domain) {
  if (uri_like(t)) return std::string(t);
  if (t.size() > 1 && t.front() == '+' && digits(t.substr(1)) && t.size() <= 16) return "tel:" + std::string(t);
  if (digits(t) && t.size() <= 32 && !domain.empty()) return "sip:" + std::string(t) + "@" + std::string(domain) + ";user=phone";
  return std::nullopt;
}

std::variant<Document, std::string> set_forwarding(const Document& d, Forwarding f, std::string_view target,
                                                   std::optional<int> no_reply_timer) {
  if (!uri_like(target)) return "the forwarding target \"" + std::string(target) + "\" is not a sip:, sips: or tel: URI";
  if (no_reply_timer && f != Forwarding::no_reply) return "a no-reply timer is for CFNR only";
  if (no_reply_timer && (*no_reply_timer < kMinNoReplyTimer || *no_reply_timer > kMaxNoReplyTimer)) {
    return "the no-reply timer must be " + std::to_string(kMinNoReplyTimer) + " to " + std::to_string(kMaxNoReplyTimer) +
           " s";
  }
  Document cleared = clear_forwarding(d, f);
  Node root = cleared.root();
  Node& s = service(root, "communication-diversion");
  set_attribute(s, "active", "true");
  if (no_reply_timer) {
    const std::string value = std::to_string(*no_reply_timer);
    if (Node* timer = child(s, kSimservsNamespace, "NoReplyTimer")) {
      Node t = text_element(kSimservsNamespace, timer->prefix, "NoReplyTimer", value);
      t.namespaces = timer->namespaces;
      t.attributes = timer->attributes;
      *timer = std::move(t);
    } else {
      const auto p = prefixes_at({&root, &s});
      // TS 24.604's schema: NoReplyTimer before the ruleset.
      auto at = std::find_if(s.children.begin(), s.children.end(),
                             [](const Node& n) { return n.is(kCommonPolicyNamespace, "ruleset"); });
      s.children.insert(at, added(ss_text(p, "NoReplyTimer", value), p));
    }
  }
  const auto& k = kind_of(f);
  std::vector<std::string_view> conditions;
  if (!k.condition.empty()) conditions.push_back(k.condition);
  add_rule(root, s, ruleset(root, s), k.rule_id, conditions, [&](const Prefixes& p) {
    Node forward = ss_element(p, "forward-to");
    forward.children.push_back(ss_text(p, "target", target));
    return forward;
  });
  return rebuilt(std::move(root));
}

Document clear_forwarding(const Document& d, Forwarding f) {
  std::set<std::string> ids;
  if (const auto& cdiv = d.services().communication_diversion) {
    for (const auto& r : cdiv->rules) {
      if (same_kind(r, f)) ids.insert(r.id);
    }
  }
  if (ids.empty()) return d;
  Node root = d.root();
  remove_rules(root, "communication-diversion", ids);
  return rebuilt(std::move(root));
}

Document set_outgoing_barring(const Document& d, OutgoingBarring b) {
  const auto replaced =
      barring_rule_ids(d.services().outgoing_communication_barring, [](const Conditions&) { return true; });
  using Added = std::pair<std::string_view, std::vector<std::string_view>>;
  std::optional<Added> added;
  if (b == OutgoingBarring::all) added = Added{"bar-all-outgoing", {}};
  if (b == OutgoingBarring::international) added = Added{"bar-international", {"international"}};
  return with_barring_rule(d, "outgoing-communication-barring", replaced, added);
}

Document set_incoming_barring(const Document& d, bool all) {
  const auto replaced = barring_rule_ids(d.services().incoming_communication_barring,
                                         [](const Conditions& c) { return !c.anonymous; });
  using Added = std::pair<std::string_view, std::vector<std::string_view>>;
  return with_barring_rule(d, "incoming-communication-barring", replaced,
                           all ? std::optional<Added>(Added{"bar-all-incoming", {}}) : std::nullopt);
}

Document set_anonymous_call_rejection(const Document& d, bool on) {
  const auto replaced = barring_rule_ids(d.services().incoming_communication_barring,
                                         [](const Conditions& c) { return c.anonymous; });
  using Added = std::pair<std::string_view, std::vector<std::string_view>>;
  return with_barring_rule(d, "incoming-communication-barring", replaced,
                           on ? std::optional<Added>(Added{"anonymous-call-rejection", {"anonymous"}}) : std::nullopt);
}

Document set_identity_restriction(const Document& d, bool on) {
  Node root = d.root();
  Node& s = service(root, "originating-identity-presentation-restriction");
  set_attribute(s, "active", on ? "true" : "false");
  if (on) {
    if (Node* b = child(s, kSimservsNamespace, "default-behaviour")) {
      Node behaviour = text_element(kSimservsNamespace, b->prefix, "default-behaviour", "presentation-restricted");
      behaviour.namespaces = b->namespaces;
      *b = std::move(behaviour);
    } else {
      const auto p = prefixes_at({&root, &s});
      s.children.push_back(added(ss_text(p, "default-behaviour", "presentation-restricted"), p));
    }
  }
  return rebuilt(std::move(root));
}

std::vector<std::string> describe(const Simservs& s) {
  std::vector<std::string> lines;
  if (const auto& cdiv = s.communication_diversion) {
    for (const auto& r : cdiv->rules) {
      if (!r.actions.forward_to) continue;
      const auto event = event_of(r.conditions);
      std::string line;
      if (event && same_kind(r, *event) && r.conditions.media.empty() && !r.conditions.rule_deactivated) {
        line = std::string(name_of(*event)) + " to " + r.actions.forward_to->target;
        if (*event == Forwarding::no_reply) line += " after " + std::to_string(cdiv->effective_no_reply_timer()) + " s";
      } else {
        line = "CDIV rule " + r.id + " (" + conditions_text(r.conditions) + ") to " + r.actions.forward_to->target;
      }
      lines.push_back(line + inactive(cdiv->active));
    }
  }
  const auto barring = [&](const std::optional<CommunicationBarring>& b, std::string_view direction) {
    if (!b) return;
    for (const auto& r : b->rules) {
      if (!r.actions.allow) continue;
      const std::string conditions = conditions_text(r.conditions);
      std::string line;
      if (!*r.actions.allow && direction == "incoming" && r.conditions.anonymous &&
          conditions == "anonymous") {
        line = "anonymous call rejection (ACR)";
      } else {
        line = std::string(direction) + " barring" + (*r.actions.allow ? " exception" : "") + ": " +
               (conditions.empty() ? "all" : conditions);
      }
      lines.push_back(line + inactive(b->active));
    }
  };
  barring(s.outgoing_communication_barring, "outgoing");
  barring(s.incoming_communication_barring, "incoming");
  if (const auto& oir = s.originating_identity_presentation_restriction) {
    if (!oir->active) {
      lines.push_back("OIR: off");
    } else {
      lines.push_back(oir->default_behaviour == DefaultBehaviour::presentation_restricted
                          ? "OIR: number hidden by default"
                          : "OIR: number shown by default");
    }
  }
  if (s.originating_identity_presentation && !s.originating_identity_presentation->active) {
    lines.push_back("OIP: off (callers' numbers not shown)");
  }
  return lines;
}

}  // namespace imsbox::tas::simservs
