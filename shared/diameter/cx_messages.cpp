#include "diameter/cx_messages.h"

namespace imsbox::diameter {

CxCommand command_of(const CxRequest& r) {
  return std::visit([](const auto& m) { return CxTraits<std::decay_t<decltype(m)>>::command; }, r);
}

CxCommand command_of(const CxAnswer& a) {
  return std::visit([](const auto& m) { return CxTraits<std::decay_t<decltype(m)>>::command; }, a);
}

RequestHeader& header_of(CxRequest& r) {
  return std::visit([](auto& m) -> RequestHeader& { return m.header; }, r);
}
const RequestHeader& header_of(const CxRequest& r) {
  return std::visit([](const auto& m) -> const RequestHeader& { return m.header; }, r);
}
AnswerHeader& header_of(CxAnswer& a) {
  return std::visit([](auto& m) -> AnswerHeader& { return m.header; }, a);
}
const AnswerHeader& header_of(const CxAnswer& a) {
  return std::visit([](const auto& m) -> const AnswerHeader& { return m.header; }, a);
}

CxAnswer answer_with_result(CxCommand c, Result r) {
  CxAnswer a;
  switch (c) {
    case CxCommand::user_authorization: a = UserAuthorizationAnswer{}; break;
    case CxCommand::server_assignment: a = ServerAssignmentAnswer{}; break;
    case CxCommand::location_info: a = LocationInfoAnswer{}; break;
    case CxCommand::multimedia_auth: a = MultimediaAuthAnswer{}; break;
    case CxCommand::registration_termination: a = RegistrationTerminationAnswer{}; break;
    case CxCommand::push_profile: a = PushProfileAnswer{}; break;
  }
  header_of(a).result = r;
  return a;
}

}  // namespace imsbox::diameter
