#include "hss/sbi_api.h"

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>
#include <cstdint>
#include <iterator>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "diameter/cx_messages.h"
#include "hss/cx_service.h"
#include "runtime/log.h"
#include "sbi/http2_server.h"
#include "sbi/problem.h"

namespace imsbox::hss {

namespace json = boost::json;
using namespace diameter;

namespace {

// A request this API cannot take (malformed body, missing or wrong member):
// thrown by the readers below and turned into a 400 by answer(); it never
// leaves this file.
struct Invalid {
  std::string_view cause;
  std::string detail;
};

std::string to_hex(const std::uint8_t* bytes, std::size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * n);
  for (std::size_t i = 0; i < n; ++i) {
    out += kDigits[bytes[i] >> 4];
    out += kDigits[bytes[i] & 0xf];
  }
  return out;
}
std::string to_hex(const std::vector<std::uint8_t>& bytes) { return to_hex(bytes.data(), bytes.size()); }

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Exactly `bytes` bytes of hex, either case (TS 29.503's Rand, Auts).
std::optional<std::vector<std::uint8_t>> from_hex(std::string_view hex, std::size_t bytes) {
  if (hex.size() != 2 * bytes) return std::nullopt;
  std::vector<std::uint8_t> out(bytes);
  for (std::size_t i = 0; i < bytes; ++i) {
    const int hi = hex_digit(hex[2 * i]);
    const int lo = hex_digit(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out[i] = static_cast<std::uint8_t>(hi * 16 + lo);
  }
  return out;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

json::object parse_body(const std::string& body) {
  if (body.empty()) throw Invalid{sbi::cause::invalid_msg_format, "the request has no body"};
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec) throw Invalid{sbi::cause::invalid_msg_format, "the body is not valid JSON: " + ec.message()};
  if (!v.is_object()) throw Invalid{sbi::cause::invalid_msg_format, "the body is not a JSON object"};
  return std::move(v.as_object());
}

// Reads the members of one JSON object, naming each by its path in errors
// ("resynchronizationInfo.auts"). A JSON null counts as absent. Inside an
// optional member every fault is OPTIONAL_IE_INCORRECT: the optional IE as
// a whole is wrong.
class Members {
 public:
  explicit Members(const json::object& o, std::string prefix = {}, bool within_optional = false)
      : o_(o), prefix_(std::move(prefix)), within_optional_(within_optional) {}

  std::string path(std::string_view name) const {
    return prefix_.empty() ? std::string(name) : prefix_ + "." + std::string(name);
  }

  std::string mandatory_string(std::string_view name) const {
    const auto* v = present(name);
    if (!v) fail(true, name, "is missing");
    if (!v->is_string() || v->get_string().empty()) fail(false, name, "must be a non-empty string");
    return std::string(v->get_string());
  }
  std::optional<std::string> optional_string(std::string_view name) const {
    const auto* v = present(name);
    if (!v) return std::nullopt;
    if (!v->is_string()) fail_optional(name, "must be a string");
    return std::string(v->get_string());
  }
  std::optional<bool> optional_bool(std::string_view name) const {
    const auto* v = present(name);
    if (!v) return std::nullopt;
    if (!v->is_bool()) fail_optional(name, "must be true or false");
    return v->get_bool();
  }
  // An integer in [minimum, 2^32 - 1].
  std::optional<std::uint32_t> optional_count(std::string_view name, std::uint32_t minimum) const {
    const auto* v = present(name);
    if (!v) return std::nullopt;
    const bool in_range = (v->is_int64() && v->get_int64() >= static_cast<std::int64_t>(minimum) &&
                           v->get_int64() <= std::numeric_limits<std::uint32_t>::max()) ||
                          (v->is_uint64() && v->get_uint64() >= minimum &&
                           v->get_uint64() <= std::numeric_limits<std::uint32_t>::max());
    if (!in_range) {
      fail_optional(name, "must be an integer from " + std::to_string(minimum) + " to 4294967295");
    }
    return static_cast<std::uint32_t>(v->is_int64() ? v->get_int64() : static_cast<std::int64_t>(v->get_uint64()));
  }
  std::optional<Members> optional_object(std::string_view name) const {
    const auto* v = present(name);
    if (!v) return std::nullopt;
    if (!v->is_object()) fail_optional(name, "must be a JSON object");
    return Members(v->get_object(), path(name), true);
  }
  // A mandatory member holding exactly `bytes` bytes in hex.
  std::vector<std::uint8_t> mandatory_hex(std::string_view name, std::size_t bytes) const {
    auto value = from_hex(mandatory_string(name), bytes);
    if (!value) fail(false, name, "must be " + std::to_string(2 * bytes) + " hex digits");
    return std::move(*value);
  }

 private:
  const json::value* present(std::string_view name) const {
    const auto* v = o_.if_contains(name);
    return v && !v->is_null() ? v : nullptr;
  }
  [[noreturn]] void fail(bool missing, std::string_view name, const std::string& what) const {
    const auto cause = within_optional_ ? sbi_cause::optional_ie_incorrect
                       : missing        ? sbi::cause::mandatory_ie_missing
                                        : sbi::cause::mandatory_ie_incorrect;
    throw Invalid{cause, path(name) + " " + what};
  }
  [[noreturn]] void fail_optional(std::string_view name, const std::string& what) const {
    throw Invalid{sbi_cause::optional_ie_incorrect, path(name) + " " + what};
  }

  const json::object& o_;
  std::string prefix_;
  bool within_optional_;
};

// TS 29.562's ImsUeId is "impu-<IMPU>", "impi-<IMPI>" or the bare identity;
// this HSS keeps registrations per IMPU.
std::string impu_of(std::string_view id, std::string_view param) {
  if (id.starts_with("impi-")) {
    throw Invalid{sbi::cause::mandatory_ie_incorrect,
                  std::string(param) + " must be a public identity (IMPU), not an IMPI"};
  }
  if (id.starts_with("impu-")) id.remove_prefix(5);
  return std::string(id);
}

// SipAuthenticationScheme (TS 29.562) <-> Cx's SIP-Authentication-Scheme
// (TS 29.229 §6.3.9). `implemented`: this HSS can issue credentials for it.
struct Scheme {
  std::string_view sbi;
  std::string_view cx;
  bool implemented;
};
constexpr Scheme kSchemes[] = {
    {"DIGEST-AKAV1-MD5", "Digest-AKAv1-MD5", true}, {"DIGEST-AKAV2-MD5", "Digest-AKAv2-MD5", true},
    {"DIGEST-HTTP", "SIP Digest", true},            {"NBA", "NASS-Bundled", false},
    {"GIBA", "Early-IMS-Security", false},          {"UNKNOWN", "Unknown", true},
};
const Scheme* scheme_by_sbi_name(std::string_view name) {
  for (const auto& s : kSchemes) {
    if (iequals(s.sbi, name)) return &s;
  }
  return nullptr;
}
std::string sbi_scheme_name(std::string_view cx) {
  for (const auto& s : kSchemes) {
    if (s.cx == cx) return std::string(s.sbi);
  }
  return std::string(cx);
}

// SipDigestQop / SipDigestAlgorithm spellings of the RFC 2617/7616 tokens.
std::string sbi_qop(std::string_view qop) {
  if (qop == "auth") return "AUTH";
  if (qop == "auth-int") return "AUTH_INT";
  return std::string(qop);
}
std::string sbi_algorithm(std::string_view algorithm) {
  if (iequals(algorithm, "MD5-sess")) return "MD5_SESS";
  return std::string(algorithm);
}

struct RegistrationType {
  std::string_view sbi;
  ServerAssignmentType cx;
  bool answers_profile;  // 200 with the user profile; otherwise 204
};
constexpr RegistrationType kRegistrationTypes[] = {
    {"INITIAL_REGISTRATION", ServerAssignmentType::registration, true},
    {"RE_REGISTRATION", ServerAssignmentType::re_registration, true},
    {"UNREGISTERED_USER", ServerAssignmentType::unregistered_user, true},
    {"TIMEOUT_DEREGISTRATION", ServerAssignmentType::timeout_deregistration, false},
    {"USER_DEREGISTRATION", ServerAssignmentType::user_deregistration, false},
    {"ADMINISTRATIVE_DEREGISTRATION", ServerAssignmentType::administrative_deregistration, false},
    {"AUTHENTICATION_FAILURE", ServerAssignmentType::authentication_failure, false},
    {"AUTHENTICATION_TIMEOUT", ServerAssignmentType::authentication_timeout, false},
    {"TIMEOUT_DEREGISTRATION_STORE_SERVER_NAME", ServerAssignmentType::timeout_deregistration_store_server_name,
     false},
    {"USER_DEREGISTRATION_STORE_SERVER_NAME", ServerAssignmentType::user_deregistration_store_server_name, false},
    {"DEREGISTRATION_TOO_MUCH_DATA", ServerAssignmentType::deregistration_too_much_data, false},
};

sbi::Response problem(int status, std::string_view cause, std::string detail) {
  return sbi::problem_response(status, cause, detail);
}

// A failed Cx answer as an SBI problem (the table in sbi_api.h).
sbi::Response cx_failure(const Result& r, std::string_view command, const std::string& who) {
  if (r.experimental) {
    switch (r.code) {
      case experimental_result::error_user_unknown:
        return problem(404, sbi_cause::user_not_found, "unknown user: " + who);
      case experimental_result::error_identities_dont_match:
        return problem(403, sbi_cause::identities_dont_match,
                       "the private and public identities do not belong together: " + who);
      case experimental_result::error_identity_not_registered:
        return problem(404, sbi_cause::identity_not_registered, "not registered: " + who);
      case experimental_result::error_roaming_not_allowed:
        return problem(403, sbi_cause::roaming_not_allowed, "roaming not allowed: " + who);
      case experimental_result::error_auth_scheme_not_supported:
        return problem(403, sbi_cause::authentication_scheme_not_supported,
                       "the subscriber has no credentials for this authentication scheme: " + who);
      default:
        break;
    }
  } else {
    switch (r.code) {
      case 5003:  // DIAMETER_AUTHORIZATION_REJECTED
        return problem(403, sbi_cause::authorization_rejected,
                       "every public identity of the implicit registration set is barred: " + who);
      case result_code::invalid_avp_value:
        return problem(400, sbi::cause::mandatory_ie_incorrect, "a value was refused (Cx 5004): " + who);
      case result_code::missing_avp:
        return problem(400, sbi::cause::mandatory_ie_missing, "a value is missing (Cx 5005): " + who);
      default:
        break;
    }
  }
  return problem(500, sbi::cause::system_failure,
                 std::string(command) + " for " + who + " failed with Cx " + (r.experimental ? "experimental " : "") +
                     "result " + std::to_string(r.code));
}

// Server-Capabilities as TS 29.562's ScscfSelectionAssistanceInformation.
json::object selection_info(const std::optional<ServerCapabilities>& caps) {
  const auto numbers = [](const std::vector<std::uint32_t>& v) {
    json::array a;
    for (auto n : v) a.emplace_back(n);
    return a;
  };
  json::object list;
  list["mandatoryCapabilityList"] = caps ? numbers(caps->mandatory_capabilities) : json::array();
  list["optionalCapabilityList"] = caps ? numbers(caps->optional_capabilities) : json::array();
  json::object info;
  info["scscfCapabilityList"] = std::move(list);
  if (caps && !caps->server_names.empty()) {
    json::array names;
    for (const auto& n : caps->server_names) names.emplace_back(n);
    info["scscfNames"] = std::move(names);
  }
  return info;
}

json::object digest_json(const SipDigestAuthenticate& d) {
  json::object o;
  o["digestRealm"] = d.digest_realm;
  o["digestAlgorithm"] = sbi_algorithm(d.digest_algorithm.empty() ? "MD5" : d.digest_algorithm);
  o["digestQop"] = sbi_qop(d.digest_qop);
  o["ha1"] = d.digest_ha1.reveal();
  return o;
}

// Runs a handler body: a thrown Invalid becomes its 400; the outcome gets
// one log line (never a body: the answers carry secrets).
template <class Fn>
sbi::Response answer(runtime::Logger& log, std::string_view operation, const std::string& who, Fn&& fn) {
  sbi::Response response;
  try {
    response = fn();
  } catch (const Invalid& e) {
    response = problem(400, e.cause, e.detail);
  }
  const auto level = response.status >= 500   ? runtime::LogLevel::warning
                     : response.status >= 400 ? runtime::LogLevel::info
                                              : runtime::LogLevel::debug;
  if (log.enabled(level)) {
    std::string line = "SBI " + std::string(operation) + " " + who + ": " + std::to_string(response.status);
    if (response.status >= 400) {
      if (const auto p = sbi::parse_problem(response.body)) line += " " + p->cause + " (" + p->detail + ")";
    }
    log.log(level, line);
  }
  return response;
}

}  // namespace

SbiApi::SbiApi(CxService& cx, runtime::Logger& log) : cx_(cx), log_(log) {}

void SbiApi::install(sbi::Http2Server& server) {
  // Each route holds a copy of this object (two references), so the SbiApi
  // itself may be a temporary; the CxService and Logger must outlive the server.
  const auto add = [&](std::string_view method, std::string_view path,
                       sbi::Response (SbiApi::*handler)(const sbi::Request&) const) {
    server.route(method, path, [api = *this, handler](sbi::Request request, sbi::Responder respond) {
      respond.send((api.*handler)(request));
    });
  };
  add("POST", "/nhss-ims-ueau/v1/{impi}/security-information/generate-sip-auth-data",
      &SbiApi::generate_sip_auth_data);
  add("POST", "/nhss-ims-uecm/v1/{impu}/authorize", &SbiApi::authorize);
  add("PUT", "/nhss-ims-uecm/v1/{imsUeId}/scscf-registration", &SbiApi::scscf_registration);
  add("GET", "/nhss-ims-sdm/v1/{imsUeId}/ims-data/location-data/server-name", &SbiApi::server_name);
}

// Nhss_imsUEAU GenerateSipAuthData -> Cx MAR
sbi::Response SbiApi::generate_sip_auth_data(const sbi::Request& request) const {
  const std::string impi(request.param("impi"));
  return answer(log_, "generate-sip-auth-data", impi, [&]() -> sbi::Response {
    const auto body = parse_body(request.body);
    const Members m(body);
    MultimediaAuthRequest mar;
    mar.user_name = impi;
    mar.server_name = m.mandatory_string("cscfServerName");
    const auto scheme_name = m.mandatory_string("sipAuthenticationScheme");
    const Scheme* scheme = scheme_by_sbi_name(scheme_name);
    mar.auth_data_item.authentication_scheme = scheme ? std::string(scheme->cx) : scheme_name;
    if (const auto n = m.optional_count("sipNumberAuthItems", 1)) mar.number_auth_items = *n;
    if (const auto resync = m.optional_object("resynchronizationInfo")) {
      auto rand_auts = resync->mandatory_hex("rand", 16);
      const auto auts = resync->mandatory_hex("auts", 14);
      rand_auts.insert(rand_auts.end(), auts.begin(), auts.end());
      mar.auth_data_item.sip_authorization = runtime::SecretBytes(std::move(rand_auts));
    }
    const auto in_body = m.optional_string("impu");
    const auto in_query = request.query_value("impu");
    if (in_body && in_query && *in_body != *in_query) {
      throw Invalid{sbi_cause::optional_ie_incorrect, "impu differs between the query and the body"};
    }
    if (!in_body && !in_query) throw Invalid{sbi::cause::mandatory_ie_missing, "impu is missing (body or query)"};
    mar.public_identity = in_body ? *in_body : std::string(*in_query);
    if (mar.public_identity.empty()) throw Invalid{sbi::cause::mandatory_ie_incorrect, "impu must not be empty"};

    const auto a = cx_.multimedia_auth(mar);
    const std::string who = impi + " " + mar.public_identity;
    if (!a.header.result.is_success()) {
      if (a.header.result == Result::experimental_code(experimental_result::error_auth_scheme_not_supported) &&
          !(scheme && scheme->implemented)) {
        return problem(501, sbi_cause::authentication_scheme_not_supported,
                       "this HSS does not implement the authentication scheme " + scheme_name);
      }
      return cx_failure(a.header.result, "MAR", who);
    }
    json::object o;
    o["impi"] = a.user_name.empty() ? impi : a.user_name;
    if (!a.auth_data_items.empty()) {
      o["sipAuthenticationScheme"] = sbi_scheme_name(a.auth_data_items.front().authentication_scheme);
    }
    json::array vectors;
    json::array digests;
    for (const auto& item : a.auth_data_items) {
      // HA1s for the bare user name are a Cx extension for our S-CSCF
      if (item.digest && !item.digest->digest_username.empty()) continue;
      if (item.digest) {
        digests.emplace_back(digest_json(*item.digest));
        continue;
      }
      if (item.sip_authenticate.size() != 32) {
        return problem(500, sbi::cause::system_failure, "MAR for " + who + " gave a malformed SIP-Authenticate");
      }
      json::object v;
      v["rand"] = to_hex(item.sip_authenticate.data(), 16);  // SIP-Authenticate = RAND || AUTN
      v["autn"] = to_hex(item.sip_authenticate.data() + 16, 16);
      v["xres"] = to_hex(item.sip_authorization.reveal());
      v["ck"] = to_hex(item.confidentiality_key.reveal());
      v["ik"] = to_hex(item.integrity_key.reveal());
      vectors.emplace_back(std::move(v));
    }
    if (!vectors.empty()) o["3gAkaAvs"] = std::move(vectors);
    if (!digests.empty()) {
      o["digestAuth"] = digests.front();
      if (digests.size() > 1) o["digestAuthList"] = std::move(digests);
    }
    return sbi::json_response(200, o);
  });
}

// Nhss_imsUECM Authorize -> Cx UAR
sbi::Response SbiApi::authorize(const sbi::Request& request) const {
  const std::string impu_param(request.param("impu"));
  return answer(log_, "authorize", impu_param, [&]() -> sbi::Response {
    UserAuthorizationRequest uar;
    uar.public_identity = impu_of(impu_param, "impu");
    const auto body = parse_body(request.body);
    const Members m(body);
    uar.user_name = m.mandatory_string("impi");
    const auto type = m.mandatory_string("authorizationType");
    if (type == "REGISTRATION") {
      uar.authorization_type = UserAuthorizationType::registration;
    } else if (type == "DEREGISTRATION") {
      uar.authorization_type = UserAuthorizationType::de_registration;
    } else if (type == "REGISTRATION_AND_CAPABILITIES") {
      uar.authorization_type = UserAuthorizationType::registration_and_capabilities;
    } else {
      throw Invalid{sbi::cause::mandatory_ie_incorrect,
                    "authorizationType must be REGISTRATION, DEREGISTRATION or REGISTRATION_AND_CAPABILITIES"};
    }
    uar.visited_network_identifier = m.optional_string("visitedNetworkIdentifier").value_or("");
    if (m.optional_bool("emergencyIndicator").value_or(false)) uar.uar_flags = kUarFlagImsEmergencyRegistration;

    const auto a = cx_.user_authorization(uar);
    const auto& result = a.header.result;
    json::object o;
    if (result == Result::experimental_code(experimental_result::first_registration)) {
      o["authorizationResult"] = "FIRST_REGISTRATION";
      o["scscfSelectionAssistanceInfo"] = selection_info(a.server_capabilities);
    } else if (result == Result::experimental_code(experimental_result::subsequent_registration)) {
      o["authorizationResult"] = "SUBSEQUENT_REGISTRATION";
    } else if (result == Result::base(result_code::success)) {
      o["authorizationResult"] = "SUCCESS";
    } else {
      return cx_failure(result, "UAR", uar.user_name + " " + uar.public_identity);
    }
    if (!a.server_name.empty()) o["cscfServerName"] = a.server_name;
    return sbi::json_response(200, o);
  });
}

// Nhss_imsUECM S-CSCF registration (PUT) -> Cx SAR
sbi::Response SbiApi::scscf_registration(const sbi::Request& request) const {
  const std::string id(request.param("imsUeId"));
  return answer(log_, "scscf-registration", id, [&]() -> sbi::Response {
    ServerAssignmentRequest sar;
    sar.public_identities = {impu_of(id, "imsUeId")};
    const auto body = parse_body(request.body);
    const Members m(body);
    const auto type_name = m.mandatory_string("imsRegistrationType");
    const auto type = std::find_if(std::begin(kRegistrationTypes), std::end(kRegistrationTypes),
                                   [&](const RegistrationType& t) { return t.sbi == type_name; });
    if (type == std::end(kRegistrationTypes)) {
      throw Invalid{sbi::cause::mandatory_ie_incorrect, "imsRegistrationType " + type_name + " is not supported"};
    }
    sar.server_assignment_type = type->cx;
    sar.server_name = m.mandatory_string("cscfServerName");
    sar.user_name = m.optional_string("impi").value_or("");
    if (m.optional_bool("userDataAlreadyAvailable").value_or(false)) {
      sar.user_data_already_available = UserDataAlreadyAvailable::user_data_already_available;
    }
    if (const auto multiple = m.optional_bool("multipleRegistrationIndicator")) {
      sar.multiple_registration_indication = *multiple ? 1 : 0;
    }
    if (m.optional_bool("pcscfRestorationIndicator").value_or(false)) {
      sar.sar_flags = kSarFlagPcscfRestorationIndication;
    }

    const auto a = cx_.server_assignment(sar);
    if (!a.header.result.is_success()) {
      return cx_failure(a.header.result, "SAR",
                        (sar.user_name.empty() ? "" : sar.user_name + " ") + sar.public_identities.front());
    }
    if (!type->answers_profile) return sbi::Response{204, {}, {}};
    json::object o;
    o["impi"] = a.user_name;
    o["imsRegistrationType"] = type_name;
    o["cscfServerName"] = a.server_name.empty() ? sar.server_name : a.server_name;
    if (!a.associated_identities.empty()) {
      json::array impis;
      for (const auto& impi : a.associated_identities) impis.emplace_back(impi);
      o["associatedImpis"] = std::move(impis);
    }
    if (!a.user_data.empty()) o["userData"] = a.user_data;
    return sbi::json_response(200, o);
  });
}

// Location of the serving S-CSCF (Nhss_imsSDM server-name) -> Cx LIR
sbi::Response SbiApi::server_name(const sbi::Request& request) const {
  const std::string id(request.param("imsUeId"));
  return answer(log_, "server-name", id, [&]() -> sbi::Response {
    LocationInfoRequest lir;
    lir.public_identity = impu_of(id, "imsUeId");
    const auto a = cx_.location_info(lir);
    json::object o;
    if (a.header.result == Result::base(result_code::success)) {
      o["scscfName"] = a.server_name;
    } else if (a.header.result == Result::experimental_code(experimental_result::unregistered_service)) {
      if (!a.server_name.empty()) o["scscfName"] = a.server_name;
      o["unregisteredServices"] = true;
      o["scscfSelectionAssistanceInfo"] = selection_info(a.server_capabilities);
    } else {
      return cx_failure(a.header.result, "LIR", lir.public_identity);
    }
    return sbi::json_response(200, o);
  });
}

}  // namespace imsbox::hss
