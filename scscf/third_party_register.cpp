// Third-party REGISTER (TS 24.229 §5.4.1.7) to the application servers whose
// iFCs match a registration, deregistration or expiry, with the bodies the
// iFC asks for; an AS that fails one with SESSION_TERMINATED ends it.
#include <optional>
#include <utility>
#include <vector>

#include "runtime/log.h"
#include "scscf/ifc.h"
#include "scscf/scscf_service.h"

namespace imsbox::scscf {

namespace {

// The body of a third-party REGISTER (TS 24.229 §5.4.1.7): the AS's
// service information (application/3gpp-ims+xml), the UE's REGISTER and our
// 200 OK (message/sip) as its iFC asks; several in a multipart/mixed (RFC
// 2046). Body and Content-Type, or nothing.
std::optional<std::pair<std::string, std::string>> third_party_body(const ims::ApplicationServer& as,
                                                                    const sip::Message* request,
                                                                    const sip::Message* response) {
  std::vector<std::pair<std::string, std::string>> parts;  // (body, type)
  if (as.service_info) {
    std::string info;
    for (const char ch : *as.service_info) {
      info += ch == '&' ? std::string("&amp;") : ch == '<' ? std::string("&lt;") : ch == '>' ? std::string("&gt;") : std::string(1, ch);
    }
    parts.emplace_back("<ims-3gpp version=\"1\"><service-info>" + info + "</service-info></ims-3gpp>",
                       "application/3gpp-ims+xml");
  }
  if (as.include_register_request && request) parts.emplace_back(request->serialize(), "message/sip");
  if (as.include_register_response && response) parts.emplace_back(response->serialize(), "message/sip");
  if (parts.empty()) return std::nullopt;
  if (parts.size() == 1) return parts.front();
  constexpr std::string_view kBoundary = "imsbox-third-party-register";
  std::string body;
  for (const auto& [text, type] : parts) {
    body += "--" + std::string(kBoundary) + "\r\nContent-Type: " + type + "\r\n\r\n" + text + "\r\n";
  }
  body += "--" + std::string(kBoundary) + "--\r\n";
  return std::pair{std::move(body), "multipart/mixed;boundary=" + std::string(kBoundary)};
}

}  // namespace

void ScscfService::third_party_register(const Registration& r, ims::RegistrationType type,
                                        const sip::Message* request, const sip::Message* response,
                                        std::uint32_t expires) {
  if (!originator_) return;
  TriggerContext context;
  context.method = "REGISTER";
  context.request = request;
  context.registration_type = type;
  for (const auto& as : register_application_servers(r.profile, r.impu, context)) {
    auto m = sip::Message::request("REGISTER", as.server_name);
    m.append(sip::HeaderId::max_forwards, "70");
    m.append(sip::HeaderId::from, "<" + options_.own_uri + ">;tag=" + new_tag());
    m.append(sip::HeaderId::to, "<" + r.impu + ">");
    const auto call_id = new_tag() + "@" + options_.domain;
    m.append(sip::HeaderId::call_id, call_id);
    m.append(sip::HeaderId::cseq, "1 REGISTER");
    m.append(sip::HeaderId::contact, "<" + options_.own_uri + ">");
    m.append(sip::HeaderId::expires, std::to_string(expires));
    if (auto body = third_party_body(as, request, response)) m.set_body(std::move(body->first), body->second);
    const std::string what = "third-party REGISTER " + r.impu + " to " + as.server_name + " (expires " +
                             std::to_string(expires) + ")";
    std::weak_ptr<int> alive = alive_;
    // SESSION_TERMINATED: an AS that fails the registration ends it
    // (TS 24.229 §5.4.1.7: network-initiated deregistration, §5.4.1.5)
    const bool terminate = as.default_handling == ims::DefaultHandling::session_terminated &&
                           type != ims::RegistrationType::de_registration;
    const std::string impu = r.impu;
    const bool sent = originator_->originate(std::move(m), std::nullopt, [this, alive, what, call_id, terminate, impu](const sip::Message& resp) {
      if (alive.expired()) return;
      const bool failed = resp.status() >= 300;
      log_.log(failed ? runtime::LogLevel::warning : runtime::LogLevel::info,
               what + ": " + std::to_string(resp.status()) +
                   (failed && terminate ? " (default handling SESSION_TERMINATED: deregistered)" : ""),
               call_id);
      if (failed && terminate) network_deregistration(impu);
    });
    if (!sent) log_.log(runtime::LogLevel::warning, what + ": could not be sent", call_id);
  }
}

}  // namespace imsbox::scscf
