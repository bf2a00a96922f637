#include "diameter/cx_types.h"

namespace imsbox::diameter {

std::string_view request_abbrev(CxCommand c) {
  switch (c) {
    case CxCommand::user_authorization: return "UAR";
    case CxCommand::server_assignment: return "SAR";
    case CxCommand::location_info: return "LIR";
    case CxCommand::multimedia_auth: return "MAR";
    case CxCommand::registration_termination: return "RTR";
    case CxCommand::push_profile: return "PPR";
  }
  return "?";
}

std::string_view answer_abbrev(CxCommand c) {
  switch (c) {
    case CxCommand::user_authorization: return "UAA";
    case CxCommand::server_assignment: return "SAA";
    case CxCommand::location_info: return "LIA";
    case CxCommand::multimedia_auth: return "MAA";
    case CxCommand::registration_termination: return "RTA";
    case CxCommand::push_profile: return "PPA";
  }
  return "?";
}

std::optional<CxCommand> cx_command_from_code(std::uint32_t code) {
  if (code >= 300 && code <= 305) return static_cast<CxCommand>(code);
  return std::nullopt;
}

}  // namespace imsbox::diameter
