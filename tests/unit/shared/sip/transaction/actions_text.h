#pragma once
// Actions as short strings, so that a test states a whole action list at once:
// "send INVITE", "send 180", "start A 500", "cancel B", "tu 200", "tu ACK",
// "timeout", "transport_error", "terminated".
#include <string>
#include <vector>

#include "sip/transaction/action.h"

namespace imsbox::sip::transaction::test {

inline std::string message_text(const Message& m) {
  return m.is_request() ? std::string(m.method()) : std::to_string(m.status());
}

inline std::vector<std::string> text(const Actions& actions) {
  std::vector<std::string> out;
  for (const auto& a : actions) {
    if (const auto* s = std::get_if<action::Send>(&a)) {
      out.push_back("send " + message_text(*s->message));
    } else if (const auto* t = std::get_if<action::StartTimer>(&a)) {
      out.push_back("start " + std::string(to_string(t->timer)) + " " + std::to_string(t->duration.count()));
    } else if (const auto* c = std::get_if<action::CancelTimer>(&a)) {
      out.push_back("cancel " + std::string(to_string(c->timer)));
    } else if (const auto* p = std::get_if<action::PassToTu>(&a)) {
      out.push_back("tu " + message_text(p->message));
    } else if (std::holds_alternative<action::Timeout>(a)) {
      out.push_back("timeout");
    } else if (std::holds_alternative<action::TransportError>(a)) {
      out.push_back("transport_error");
    } else {
      out.push_back("terminated");
    }
  }
  return out;
}

using Texts = std::vector<std::string>;

}  // namespace imsbox::sip::transaction::test
