#pragma once
// DTMF carried in SIP INFO (what JsSIP sends by default, and some phones):
// application/dtmf-relay ("Signal=5\r\nDuration=160\r\n", the de facto
// format of Cisco and most phones) and application/dtmf (the digit alone,
// or "Signal=..." as some clients write it there too). Pure.
#include <optional>
#include <string_view>

namespace imsbox::pcscf {

struct DtmfDigit {
  char digit = '0';      // 0-9, *, #, A-D
  int duration_ms = 250;  // as sent, within 100..5000 (the AGW's bounds); 250 when absent
};

// Whether an INFO's Content-Type names DTMF (parameters and case ignored).
bool is_dtmf_content_type(std::string_view content_type);
// The digit of a DTMF INFO body; nothing for a body that names none or an
// unknown one. Signal=10 / 11 (some phones' * and #) are read as * and #.
std::optional<DtmfDigit> parse_dtmf_info(std::string_view content_type, std::string_view body);

}  // namespace imsbox::pcscf
