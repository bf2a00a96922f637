#pragma once
// What the transactions the S-CSCF answers itself (REGISTER, the reg-event
// SUBSCRIBE) share: one To tag for all their responses, a log line per
// response, sending it. They may ask the HSS first (AskingTsx).
#include <string>
#include <string_view>

#include "runtime/log.h"
#include "scscf/scscf_service.h"
#include "sip/proxy/asking_tsx.h"
#include "sip/response.h"

namespace imsbox::scscf {

class AnsweringTsx : public sip::proxy::AskingTsx {
 protected:
  using Verdict = sip::proxy::Verdict;
  explicit AnsweringTsx(ScscfService& service) : service_(service) {}

  sip::Message response(int status, std::string_view reason) {
    if (to_tag_.empty()) to_tag_ = service_.new_tag();
    return sip::make_response(helper_->request(), status, reason, to_tag_);
  }

  Verdict send(sip::Message r, const std::string& text) {
    log(text);
    helper_->respond(std::move(r));
    return Verdict::done;
  }

  Verdict answer(int status, const std::string& reason, const std::string& why) {
    return send(response(status, reason), std::to_string(status) + " " + reason + " (" + why + ")");
  }

  void log(const std::string& text) {
    service_.log().log(runtime::LogLevel::info, what_ + ": " + text, helper_->request().call_id());
  }

  ScscfService& service_;
  sip::proxy::ProxyTsxHelper* helper_ = nullptr;  // set by on_request()
  std::string what_;                              // "METHOD target" for the log
  std::string to_tag_;
};

}  // namespace imsbox::scscf
