#include "scscf/cx_outcome.h"

namespace imsbox::scscf {

using diameter::CxError;

std::string cx_error_text(const CxError& e) { return std::string(diameter::to_string(e.kind)); }

std::pair<int, std::string> hss_failure(const CxError& e) {
  if (e.kind == CxError::Kind::timeout) return {504, "Server Time-out (HSS)"};
  return {500, "Server Internal Error (HSS unreachable)"};
}

std::string result_text(const diameter::Result& r) {
  return (r.experimental ? "experimental result " : "result ") + std::to_string(r.code);
}

}  // namespace imsbox::scscf
