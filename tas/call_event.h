#pragma once
// What the TAS did to a call, as it reports it (TasOptions::record): a
// diversion (CDIV, TS 24.604) or a barring (OCB / ICB / ACR, TS 24.611) of
// one served user, for `imsbox calls`. OIR/OIP change no call's course and
// are not reported. Pure values.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "tas/simservs/rules.h"

namespace imsbox::store {
class CallEventTable;
}

namespace imsbox::tas {

struct CallEvent {
  std::string call_id;
  std::string served_user;  // the IMPU whose service acted
  simservs::SessionCase session_case = simservs::SessionCase::terminating;
  std::string service;      // CFU, CFB, CFNR, CFNL, CFNRc, CD; OCB, ICB, ACR
  int cause = 0;            // diversion: its RFC 4458 cause; barring: the status answered
  std::string rule_id;      // the rule that acted (empty for CD)
  std::optional<std::string> target;  // where a diversion sent the call
};

// The diversion of a terminating call on `event` by `d`.
CallEvent diversion_event(std::string_view call_id, std::string_view served_user, simservs::DiversionEvent event,
                          const simservs::Diversion& d);
// The barring `b` (barred) of a call in `session_case`: OCB originating,
// ACR for a 433, else ICB.
CallEvent barring_event(std::string_view call_id, std::string_view served_user, simservs::SessionCase session_case,
                        const simservs::Barring& b);

// Stores `e` as happened at `at_ms` (unix ms): one row (store v11).
void store_call_event(store::CallEventTable& table, const CallEvent& e, std::int64_t at_ms);

// "originating", "terminating".
std::string_view session_case_name(simservs::SessionCase c);

}  // namespace imsbox::tas
