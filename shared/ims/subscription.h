#pragma once
// The IMS subscription of TS 29.228 Annex B (information model) and Annex E
// (the XML the HSS sends as Cx User-Data): service profiles with their public
// identities and initial filter criteria. Plain values; the HSS builds them
// from its store, the S-CSCF from User-Data.
//
// Trigger points also have a JSON form (for provisioning and the store):
//   {"cnf": true, "spt": [{"group": 0, "negated": false, "method": "INVITE"},
//                         {"group": 0, "session_case": 0},
//                         {"group": 1, "request_uri": "sip:.*@ims.test"},
//                         {"group": 1, "header": {"name": "Accept-Contact", "content": "audio"}},
//                         {"group": 2, "sdp": {"line": "m", "content": "audio"}},
//                         {"group": 3, "method": "REGISTER", "registration_type": [0, 2]}]}
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace imsbox::ims {

// TS 29.228 Annex E tSessionCase
enum class SessionCase {
  originating = 0,
  terminating_registered = 1,
  terminating_unregistered = 2,
  originating_unregistered = 3,
  originating_cdiv = 4,
};

// TS 29.228 Annex E tDirectionOfRequest / RegistrationType of an SPT on REGISTER
enum class RegistrationType { initial = 0, re_registration = 1, de_registration = 2 };

struct SipHeaderCondition {
  std::string header;
  std::optional<std::string> content;  // a regular expression; none: the header is present
  friend bool operator==(const SipHeaderCondition&, const SipHeaderCondition&) = default;
};

struct SessionDescriptionCondition {
  std::string line;                    // the SDP line type, e.g. "m"
  std::optional<std::string> content;  // a regular expression over the rest of the line
  friend bool operator==(const SessionDescriptionCondition&, const SessionDescriptionCondition&) = default;
};

struct RequestUriCondition {
  std::string uri;  // a regular expression
  friend bool operator==(const RequestUriCondition&, const RequestUriCondition&) = default;
};

struct MethodCondition {
  std::string method;
  friend bool operator==(const MethodCondition&, const MethodCondition&) = default;
};

// A Service Point Trigger (Annex B.2.2 / F).
struct ServicePointTrigger {
  int group = 0;
  bool negated = false;
  std::variant<MethodCondition, RequestUriCondition, SipHeaderCondition, SessionCase, SessionDescriptionCondition>
      condition;
  std::vector<RegistrationType> registration_types;  // only with method REGISTER; empty: all
  friend bool operator==(const ServicePointTrigger&, const ServicePointTrigger&) = default;
};

struct TriggerPoint {
  // true: Conjunctive Normal Form (AND of groups, each an OR of SPTs);
  // false: Disjunctive Normal Form (OR of groups, each an AND of SPTs).
  bool cnf = true;
  std::vector<ServicePointTrigger> spts;
  friend bool operator==(const TriggerPoint&, const TriggerPoint&) = default;
};

enum class DefaultHandling { session_continued = 0, session_terminated = 1 };

struct ApplicationServer {
  std::string server_name;  // SIP URI
  DefaultHandling default_handling = DefaultHandling::session_continued;
  std::optional<std::string> service_info;
  bool include_register_request = false;
  bool include_register_response = false;
  friend bool operator==(const ApplicationServer&, const ApplicationServer&) = default;
};

enum class ProfilePartIndicator { registered = 0, unregistered = 1 };

struct InitialFilterCriteria {
  int priority = 0;  // lower first
  std::optional<TriggerPoint> trigger_point;  // none: always matches
  ApplicationServer application_server;
  std::optional<ProfilePartIndicator> profile_part_indicator;  // none: both
  friend bool operator==(const InitialFilterCriteria&, const InitialFilterCriteria&) = default;
};

struct PublicIdentity {
  std::string identity;  // sip:, sips: or tel: URI
  bool barred = false;
  std::optional<std::string> display_name;
  friend bool operator==(const PublicIdentity&, const PublicIdentity&) = default;
};

struct ServiceProfile {
  std::vector<PublicIdentity> public_identities;
  std::vector<InitialFilterCriteria> ifcs;  // in priority order
  friend bool operator==(const ServiceProfile&, const ServiceProfile&) = default;
};

struct ImsSubscription {
  std::string private_id;
  std::vector<ServiceProfile> service_profiles;
  friend bool operator==(const ImsSubscription&, const ImsSubscription&) = default;
};

// The User-Data XML of TS 29.228 Annex E (the IMSSubscription element).
std::string to_xml(const ImsSubscription& subscription);

// Parses User-Data (the IMSSubscription XML of Annex E, as to_xml writes it
// and as other HSSs send it: any namespace, unknown elements ignored).
// Nothing when it is not well-formed XML, has a DTD, or is not an
// IMSSubscription with an identity in every PublicIdentity. Never throws,
// never reads files or the network.
std::optional<ImsSubscription> parse_ims_subscription(std::string_view xml);

// JSON form of a trigger point (see above). from_json throws
// std::invalid_argument with a message naming the offending field.
std::string to_json(const TriggerPoint& trigger_point);
TriggerPoint trigger_point_from_json(std::string_view json);

}  // namespace imsbox::ims
