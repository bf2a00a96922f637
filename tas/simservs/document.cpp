#include "tas/simservs/document.h"

#include <algorithm>
#include <charconv>

namespace imsbox::tas::simservs {

namespace {

// Every reader returns an error text; empty means fine.
using Error = std::string;

std::optional<bool> xs_boolean(std::string_view v) {
  if (v == "true" || v == "1") return true;
  if (v == "false" || v == "0") return false;
  return std::nullopt;
}

std::string trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  const auto last = s.find_last_not_of(" \t\r\n");
  return std::string(s.substr(first, last - first + 1));
}

bool ss(const Node& n, std::string_view name) { return n.is(kSimservsNamespace, name); }
bool cp(const Node& n, std::string_view name) { return n.is(kCommonPolicyNamespace, name); }

Error read_active(const Node& service, bool& active) {
  const std::string* value = service.attribute("active");
  if (value == nullptr) return {};  // TS 24.623 simservType: active defaults to true
  const auto b = xs_boolean(trim(*value));
  if (!b) return service.name + ": active=\"" + *value + "\" is not a boolean";
  active = *b;
  return {};
}

Error read_boolean_element(const Node& n, const std::string& where, bool& out) {
  const auto b = xs_boolean(n.trimmed_text());
  if (!b) return where + ": <" + n.name + "> is not true or false";
  out = *b;
  return {};
}

Error read_identity(const Node& identity, Conditions& c, const std::string& where) {
  c.identity = true;
  for (const Node* e : identity.elements()) {
    if (cp(*e, "one")) {
      const std::string* id = e->attribute("id");
      if (id == nullptr || id->empty()) return where + ": cp:one without id";
      c.identity_one.push_back(*id);
    } else if (cp(*e, "many")) {
      const std::string* domain = e->attribute("domain");
      c.identity_many.push_back(domain == nullptr ? std::string() : *domain);  // empty: any domain
      for (const Node* x : e->elements()) {
        if (!cp(*x, "except")) continue;
        if (const std::string* id = x->attribute("id")) c.identity_except.push_back(*id);
        if (const std::string* d = x->attribute("domain")) c.identity_except.push_back("@" + *d);
      }
    }
  }
  return {};
}

Error read_conditions(const Node& conditions, Conditions& c, const std::string& where) {
  for (const Node* e : conditions.elements()) {
    if (e->ns == kSimservsNamespace) {
      const std::string& n = e->name;
      if (n == "rule-deactivated") c.rule_deactivated = true;
      else if (n == "busy") c.busy = true;
      else if (n == "no-answer") c.no_answer = true;
      else if (n == "not-registered") c.not_registered = true;
      else if (n == "not-reachable") c.not_reachable = true;
      else if (n == "anonymous") c.anonymous = true;
      else if (n == "international") c.international = true;
      else if (n == "international-exHC") c.international_ex_hc = true;
      else if (n == "roaming") c.roaming = true;
      else if (n == "communication-diverted") c.communication_diverted = true;
      else if (n == "media") {
        const std::string media = e->trimmed_text();
        if (media.empty()) return where + ": empty <media> condition";
        c.media.push_back(media);
      } else {
        c.unsupported.push_back(n);
      }
    } else if (cp(*e, "identity")) {
      if (auto error = read_identity(*e, c, where); !error.empty()) return error;
    } else {
      c.unsupported.push_back(e->name);
    }
  }
  return {};
}

Error read_forward_to(const Node& forward_to, ForwardTo& f, const std::string& where) {
  bool has_target = false;
  for (const Node* e : forward_to.elements()) {
    if (!e->ns.empty() && e->ns != kSimservsNamespace) continue;
    Error error;
    if (e->name == "target") {
      f.target = e->trimmed_text();
      has_target = !f.target.empty();
    } else if (e->name == "notify-caller") {
      error = read_boolean_element(*e, where, f.notify_caller);
    } else if (e->name == "reveal-identity-to-caller") {
      error = read_boolean_element(*e, where, f.reveal_identity_to_caller);
    } else if (e->name == "reveal-served-user-identity-to-caller") {
      error = read_boolean_element(*e, where, f.reveal_served_user_identity_to_caller);
    } else if (e->name == "reveal-identity-to-target") {
      error = read_boolean_element(*e, where, f.reveal_identity_to_target);
    }
    if (!error.empty()) return error;
  }
  if (!has_target) return where + ": forward-to without a target";
  return {};
}

Error read_actions(const Node& actions, Actions& a, const std::string& where) {
  for (const Node* e : actions.elements()) {
    if (ss(*e, "forward-to")) {
      if (a.forward_to) return where + ": more than one forward-to";
      ForwardTo f;
      if (auto error = read_forward_to(*e, f, where); !error.empty()) return error;
      a.forward_to = std::move(f);
    } else if (ss(*e, "allow")) {
      bool allow = false;
      if (auto error = read_boolean_element(*e, where, allow); !error.empty()) return error;
      a.allow = allow;
    }
  }
  return {};
}

Error read_ruleset(const Node& ruleset, std::vector<Rule>& rules, const std::string& service) {
  for (const Node* e : ruleset.elements()) {
    if (!cp(*e, "rule")) continue;
    Rule rule;
    const std::string* id = e->attribute("id");
    if (id == nullptr || id->empty()) return service + ": cp:rule without id";
    rule.id = *id;
    const std::string where = service + " rule " + rule.id;
    if (std::any_of(rules.begin(), rules.end(), [&](const Rule& r) { return r.id == rule.id; })) {
      return service + ": two rules with id \"" + rule.id + "\"";
    }
    bool seen_conditions = false, seen_actions = false;
    for (const Node* part : e->elements()) {
      if (cp(*part, "conditions")) {
        if (seen_conditions) return where + ": more than one cp:conditions";
        seen_conditions = true;
        if (auto error = read_conditions(*part, rule.conditions, where); !error.empty()) return error;
      } else if (cp(*part, "actions")) {
        if (seen_actions) return where + ": more than one cp:actions";
        seen_actions = true;
        if (auto error = read_actions(*part, rule.actions, where); !error.empty()) return error;
      }
    }
    rules.push_back(std::move(rule));
  }
  return {};
}

Error read_rules_of(const Node& service, std::vector<Rule>& rules) {
  bool seen = false;
  for (const Node* e : service.elements()) {
    if (!cp(*e, "ruleset")) continue;
    if (seen) return service.name + ": more than one cp:ruleset";
    seen = true;
    if (auto error = read_ruleset(*e, rules, service.name); !error.empty()) return error;
  }
  return {};
}

Error read_communication_diversion(const Node& n, CommunicationDiversion& cdiv) {
  if (auto error = read_active(n, cdiv.active); !error.empty()) return error;
  for (const Node* e : n.elements()) {
    if (!ss(*e, "NoReplyTimer")) continue;
    const std::string text = e->trimmed_text();
    int value = -1;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size() || value < 1 || value > 3600) {
      return "communication-diversion: NoReplyTimer \"" + text + "\" is not a number of seconds";
    }
    cdiv.no_reply_timer = value;
  }
  return read_rules_of(n, cdiv.rules);
}

Error read_barring(const Node& n, CommunicationBarring& barring) {
  if (auto error = read_active(n, barring.active); !error.empty()) return error;
  return read_rules_of(n, barring.rules);
}

Error read_oir(const Node& n, OriginatingIdentityPresentationRestriction& oir) {
  if (auto error = read_active(n, oir.active); !error.empty()) return error;
  for (const Node* e : n.elements()) {
    if (!ss(*e, "default-behaviour")) continue;
    const std::string value = e->trimmed_text();
    if (value == "presentation-restricted") {
      oir.default_behaviour = DefaultBehaviour::presentation_restricted;
    } else if (value == "presentation-not-restricted") {
      oir.default_behaviour = DefaultBehaviour::presentation_not_restricted;
    } else {
      return "originating-identity-presentation-restriction: default-behaviour \"" + value + "\" is unknown";
    }
  }
  return {};
}

template <typename Service, typename Reader>
Error read_service(const Node& n, std::optional<Service>& slot, Reader reader) {
  if (slot) return "more than one " + n.name + " element";
  Service service;
  if (auto error = reader(n, service); !error.empty()) return error;
  slot = std::move(service);
  return {};
}

std::variant<Simservs, std::string> read_simservs(const Node& root) {
  if (!ss(root, "simservs")) {
    return "the root element is <" + root.name + "> in namespace \"" + root.ns + "\", not simservs in " +
           std::string(kSimservsNamespace);
  }
  Simservs s;
  for (const Node* e : root.elements()) {
    if (e->ns != kSimservsNamespace) continue;  // extensions are kept, not read
    Error error;
    if (e->name == "communication-diversion") {
      error = read_service(*e, s.communication_diversion, read_communication_diversion);
    } else if (e->name == "incoming-communication-barring") {
      error = read_service(*e, s.incoming_communication_barring, read_barring);
    } else if (e->name == "outgoing-communication-barring") {
      error = read_service(*e, s.outgoing_communication_barring, read_barring);
    } else if (e->name == "originating-identity-presentation-restriction") {
      error = read_service(*e, s.originating_identity_presentation_restriction, read_oir);
    } else if (e->name == "originating-identity-presentation") {
      error = read_service(*e, s.originating_identity_presentation,
                           [](const Node& n, OriginatingIdentityPresentation& oip) { return read_active(n, oip.active); });
    }
    if (!error.empty()) return error;
  }
  return s;
}

}  // namespace

int CommunicationDiversion::effective_no_reply_timer() const {
  if (!no_reply_timer) return kDefaultNoReplyTimer;
  return std::clamp(*no_reply_timer, kMinNoReplyTimer, kMaxNoReplyTimer);
}

std::variant<Document, std::string> Document::from_tree(Node root) {
  auto services = read_simservs(root);
  if (auto* error = std::get_if<std::string>(&services)) return std::move(*error);
  return Document(std::move(root), std::move(std::get<Simservs>(services)));
}

std::variant<Document, std::string> parse(std::string_view xml) {
  auto tree = parse_xml(xml, kMaxDocumentSize);
  if (auto* error = std::get_if<std::string>(&tree)) return std::move(*error);
  return Document::from_tree(std::move(std::get<Node>(tree)));
}

Document empty_document() {
  Node root;
  root.ns = std::string(kSimservsNamespace);
  root.name = "simservs";
  root.namespaces = {{"", std::string(kSimservsNamespace)}, {"cp", std::string(kCommonPolicyNamespace)}};
  return std::get<Document>(Document::from_tree(std::move(root)));
}

}  // namespace imsbox::tas::simservs
