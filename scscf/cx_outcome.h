#pragma once
// How the S-CSCF reads a Cx outcome: a Cx failure (no answer, no peer) as
// text and as the SIP answer the UE gets, a Diameter result as text.
#include <string>
#include <utility>

#include "diameter/diameter_stack.h"

namespace imsbox::scscf {

std::string cx_error_text(const diameter::CxError& e);

// The answer to the UE when the HSS could not be asked or did not answer
// (TS 24.229 §5.4.1.2: no registration; a timely 5xx so that the UE retries).
std::pair<int, std::string> hss_failure(const diameter::CxError& e);

// "result 2001", "experimental result 5001"
std::string result_text(const diameter::Result& r);

}  // namespace imsbox::scscf
