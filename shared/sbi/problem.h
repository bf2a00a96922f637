#pragma once
// Problem details (RFC 9457; TS 29.500 §5.2.7, TS 29.571 ProblemDetails) and
// JSON bodies. An SBI error answer is `application/problem+json` with
// {"type"?, "title", "status", "detail"?, "instance"?, "cause"?}; a success
// answer is `application/json`.
//
// Only Boost.JSON's forward declarations are included here; code that builds
// a boost::json::value includes <boost/json.hpp> itself and links Boost::json.
#include <boost/json/fwd.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "sbi/message.h"

namespace imsbox::sbi {

inline constexpr std::string_view kContentTypeJson = "application/json";
inline constexpr std::string_view kContentTypeProblem = "application/problem+json";

// Application error causes common to all SBI APIs (TS 29.500 Table
// 5.2.7.2-1), those this layer uses itself and the usual ones for handlers.
namespace cause {
inline constexpr std::string_view invalid_api = "INVALID_API";
inline constexpr std::string_view invalid_msg_format = "INVALID_MSG_FORMAT";
inline constexpr std::string_view invalid_query_param = "INVALID_QUERY_PARAM";
inline constexpr std::string_view mandatory_query_param_missing = "MANDATORY_QUERY_PARAM_MISSING";
inline constexpr std::string_view mandatory_ie_incorrect = "MANDATORY_IE_INCORRECT";
inline constexpr std::string_view mandatory_ie_missing = "MANDATORY_IE_MISSING";
inline constexpr std::string_view unspecified_msg_failure = "UNSPECIFIED_MSG_FAILURE";
inline constexpr std::string_view resource_uri_structure_not_found = "RESOURCE_URI_STRUCTURE_NOT_FOUND";
inline constexpr std::string_view subscription_not_found = "SUBSCRIPTION_NOT_FOUND";
inline constexpr std::string_view incorrect_length = "INCORRECT_LENGTH";
inline constexpr std::string_view nf_congestion_risk = "NF_CONGESTION_RISK";
inline constexpr std::string_view insufficient_resources = "INSUFFICIENT_RESOURCES";
inline constexpr std::string_view unspecified_nf_failure = "UNSPECIFIED_NF_FAILURE";
inline constexpr std::string_view system_failure = "SYSTEM_FAILURE";
inline constexpr std::string_view nf_congestion = "NF_CONGESTION";
}  // namespace cause

struct ProblemDetails {
  int status = 500;
  std::string title;     // empty: the reason phrase of `status`
  std::string detail;    // human-readable, about this occurrence; omitted when empty
  std::string cause;     // TS 29.500 application error, e.g. cause::system_failure; omitted when empty
  std::string type;      // a URI reference; omitted when empty (RFC 9457: "about:blank")
  std::string instance;  // omitted when empty
};

// "Not Found" for 404; "Unknown" for a code it does not know.
std::string_view reason_phrase(int status);

// The whole answer: status, content-type application/problem+json, body.
Response problem_response(const ProblemDetails& problem);
Response problem_response(int status, std::string_view cause, std::string_view detail = {});
// The body alone, serialized.
std::string to_json(const ProblemDetails& problem);
// Reads a problem+json body (as a client gets it). nullopt when the body is
// not a JSON object with an integer "status"; other members are optional.
std::optional<ProblemDetails> parse_problem(std::string_view body);

// status, content-type application/json, the serialized value.
Response json_response(int status, const boost::json::value& body);

// True for application/json and application/problem+json (parameters such
// as "; charset=utf-8" allowed, case-insensitive).
bool is_json_content_type(std::string_view content_type);

}  // namespace imsbox::sbi
