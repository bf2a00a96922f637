#pragma once
// The MMTEL supplementary-services document of one public user identity
// (TS 24.623 "simservs", XCAP application usage simservs.ngn.etsi.org) and the
// services of it the TAS acts on:
//   communication-diversion (TS 24.604, CDIV: NoReplyTimer and a common-policy
//     ruleset (RFC 4745) whose rules forward-to a target),
//   incoming- and outgoing-communication-barring (TS 24.611, ICB/OCB, ACR:
//     rules whose action is allow true/false),
//   originating-identity-presentation(-restriction) (TS 24.607, OIP/OIR).
// A Document keeps the whole XML tree (unknown services, elements, attributes
// and extensions are written back unchanged) plus the typed view derived from
// it. A Document always passed validation: parse() and the XCAP operations
// (node_selector.h) yield a valid document or an error, never a partial one.
// Pure: no I/O; a Document is a value (copyable, movable).
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "tas/simservs/xml_tree.h"

namespace imsbox::tas::simservs {

inline constexpr std::string_view kSimservsNamespace = "http://uri.etsi.org/ngn/params/xml/simservs/xcap";
inline constexpr std::string_view kCommonPolicyNamespace = "urn:ietf:params:xml:ns:common-policy";
// The XCAP application usage (TS 24.623) and its document's MIME type.
inline constexpr std::string_view kApplicationUsage = "simservs.ngn.etsi.org";
inline constexpr std::string_view kContentType = "application/simservs+xml";
// Larger documents are refused: a subscriber's settings are a few kB.
inline constexpr std::size_t kMaxDocumentSize = 64 * 1024;

// TS 24.604 §4.9.1.3: the no-reply timer, 20 s unless the user set one;
// operators accept 5..180 s.
inline constexpr int kDefaultNoReplyTimer = 20;
inline constexpr int kMinNoReplyTimer = 5;
inline constexpr int kMaxNoReplyTimer = 180;

// The conditions of a rule (RFC 4745 §7 and the simservs extensions). All
// present conditions must match for a rule to apply. Conditions we cannot
// evaluate (cp:validity, cp:sphere, presence-status, time, vendor ones...) are
// kept in `unsupported`: a rule holding one never matches.
struct Conditions {
  bool rule_deactivated = false;
  // CDIV events (TS 24.604)
  bool busy = false;
  bool no_answer = false;
  bool not_registered = false;
  bool not_reachable = false;
  // TS 24.611 / TS 24.604
  bool anonymous = false;
  bool international = false;
  bool international_ex_hc = false;
  bool roaming = false;
  bool communication_diverted = false;
  std::vector<std::string> media;  // each <media> element: "audio", "video"...
  // cp:identity (RFC 4745 §7.1): the other party is one of `identity_one`
  // (URIs) or in a domain of `identity_many`, and not in `identity_except`.
  bool identity = false;
  std::vector<std::string> identity_one;
  std::vector<std::string> identity_many;
  std::vector<std::string> identity_except;
  std::vector<std::string> unsupported;  // local names
};

// TS 24.604 forward-to.
struct ForwardTo {
  std::string target;
  bool notify_caller = true;
  bool reveal_identity_to_caller = true;
  bool reveal_served_user_identity_to_caller = true;
  bool reveal_identity_to_target = true;
};

struct Actions {
  std::optional<ForwardTo> forward_to;  // CDIV
  std::optional<bool> allow;            // ICB / OCB
};

struct Rule {
  std::string id;
  Conditions conditions;
  Actions actions;
};

struct CommunicationDiversion {
  bool active = true;
  std::optional<int> no_reply_timer;  // as written (validated 1..3600)
  std::vector<Rule> rules;            // document order
  // The timer the TAS uses: the user's, clamped to 5..180 s, else 20 s.
  int effective_no_reply_timer() const;
};

struct CommunicationBarring {
  bool active = true;
  std::vector<Rule> rules;
};

enum class DefaultBehaviour { presentation_restricted, presentation_not_restricted };

struct OriginatingIdentityPresentationRestriction {
  bool active = true;
  DefaultBehaviour default_behaviour = DefaultBehaviour::presentation_restricted;
};

struct OriginatingIdentityPresentation {
  bool active = true;
};

// The services of a document; an absent service is not provisioned.
struct Simservs {
  std::optional<CommunicationDiversion> communication_diversion;
  std::optional<CommunicationBarring> incoming_communication_barring;
  std::optional<CommunicationBarring> outgoing_communication_barring;
  std::optional<OriginatingIdentityPresentationRestriction> originating_identity_presentation_restriction;
  std::optional<OriginatingIdentityPresentation> originating_identity_presentation;
};

class Document {
 public:
  const Node& root() const { return root_; }
  const Simservs& services() const { return services_; }
  // The document as UTF-8 XML with an XML declaration; parse(write()) gives
  // an equal document.
  std::string write() const { return write_document(root_); }

  // The typed view of `root`, or why it is not a valid simservs document.
  static std::variant<Document, std::string> from_tree(Node root);

 private:
  Document(Node root, Simservs services) : root_(std::move(root)), services_(std::move(services)) {}
  Node root_;
  Simservs services_;
};

// The document `xml` is, or an error text fit for a 409 phrase or a log line
// ("not well-formed XML (line 3): ...", "communication-diversion: rule
// without id", ...).
std::variant<Document, std::string> parse(std::string_view xml);

// A document with no service in it (what a new subscriber starts with).
Document empty_document();

}  // namespace imsbox::tas::simservs
