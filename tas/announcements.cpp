#include "tas/announcements.h"

#include <algorithm>
#include <cctype>
#include <type_traits>
#include <variant>

#include "sip/text.h"
#include "sip/uri.h"

namespace imsbox::tas {

std::string announcement_uri(std::string_view mrf_host, std::string_view prompt, std::optional<int> early_status) {
  std::string uri = "sip:annc@" + std::string(mrf_host) + ";play=" + std::string(prompt);
  if (early_status) uri += ";early=" + std::to_string(*early_status);
  return uri;
}

std::string echo_uri(std::string_view mrf_host) { return "sip:echo@" + std::string(mrf_host); }

bool dials_echo_test(std::string_view request_uri, std::string_view domain) {
  const auto dialled = dialled_string(request_uri);
  if (!dialled) return false;
  const bool echo = sip::text::iequals(*dialled, "echo") || *dialled == kEchoShortNumber;
  if (!echo) return false;
  // a tel: number (no host to check; a local one may lack its phone-context)
  if (request_uri.size() > 4 && sip::text::iequals(request_uri.substr(0, 4), "tel:")) {
    return *dialled == kEchoShortNumber;
  }
  const auto parsed = sip::parse_uri(request_uri);
  return parsed.uri && sip::text::iequals(parsed.uri->host, domain);
}

std::string_view star_code_prompt(const StarCode& code) {
  const auto turns_on = [](const StarCodeChange& change) {
    return std::visit(
        [](const auto& c) {
          using T = std::decay_t<decltype(c)>;
          if constexpr (std::is_same_v<T, SetForwarding>) return true;
          if constexpr (std::is_same_v<T, ClearForwarding>) return false;
          if constexpr (std::is_same_v<T, SetOutgoingBarring>) return c.barring != simservs::OutgoingBarring::none;
          if constexpr (std::is_same_v<T, SetIncomingBarring>) return c.all;
          if constexpr (std::is_same_v<T, SetAnonymousCallRejection>) return c.on;
          if constexpr (std::is_same_v<T, SetIdentityRestriction>) return c.on;
        },
        change);
  };
  return std::any_of(code.changes.begin(), code.changes.end(), turns_on) ? "service-set" : "service-cleared";
}

std::function<std::optional<std::string>(const StarCode&)> star_code_confirmation(std::string mrf_host) {
  return [host = std::move(mrf_host)](const StarCode& code) -> std::optional<std::string> {
    return announcement_uri(host, star_code_prompt(code));
  };
}

std::optional<std::string_view> unreachable_prompt(int status) {
  if (status == 404 || status == 408 || status == 480 || (status >= 500 && status < 600)) return "not-reachable";
  return std::nullopt;
}

}  // namespace imsbox::tas
