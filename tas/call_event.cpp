#include "tas/call_event.h"

#include "store/call_event_table.h"

namespace imsbox::tas {

namespace {

std::string_view service_of(simservs::DiversionEvent e) {
  switch (e) {
    case simservs::DiversionEvent::none: return "CFU";
    case simservs::DiversionEvent::busy: return "CFB";
    case simservs::DiversionEvent::no_answer: return "CFNR";
    case simservs::DiversionEvent::not_registered: return "CFNL";
    case simservs::DiversionEvent::not_reachable: return "CFNRc";
    case simservs::DiversionEvent::deflection: return "CD";
  }
  return "CDIV";
}

}  // namespace

CallEvent diversion_event(std::string_view call_id, std::string_view served_user, simservs::DiversionEvent event,
                          const simservs::Diversion& d) {
  CallEvent e;
  e.call_id = std::string(call_id);
  e.served_user = std::string(served_user);
  e.session_case = simservs::SessionCase::terminating;
  e.service = std::string(service_of(event));
  e.cause = d.cause;
  e.rule_id = d.rule_id;
  e.target = d.forward_to.target;
  return e;
}

CallEvent barring_event(std::string_view call_id, std::string_view served_user, simservs::SessionCase session_case,
                        const simservs::Barring& b) {
  CallEvent e;
  e.call_id = std::string(call_id);
  e.served_user = std::string(served_user);
  e.session_case = session_case;
  e.service = session_case == simservs::SessionCase::originating ? "OCB" : b.status == 433 ? "ACR" : "ICB";
  e.cause = b.status;
  e.rule_id = b.rule_id;
  return e;
}

void store_call_event(store::CallEventTable& table, const CallEvent& e, std::int64_t at_ms) {
  store::TasCallEvent row;
  row.call_id = e.call_id;
  row.at_ms = at_ms;
  row.served_user = e.served_user;
  row.session_case = std::string(session_case_name(e.session_case));
  row.service = e.service;
  row.cause = e.cause;
  row.rule_id = e.rule_id;
  row.target = e.target;
  table.add(row);
}

std::string_view session_case_name(simservs::SessionCase c) {
  return c == simservs::SessionCase::originating ? "originating" : "terminating";
}

}  // namespace imsbox::tas
