// Registrations the network ends (TS 24.229 §5.4.1.4, §5.4.1.5): expiry
// (SAR TIMEOUT_DEREGISTRATION), deregistration by the S-CSCF itself (SAR
// ADMINISTRATIVE_DEREGISTRATION), and the HSS's requests: RTR ends
// registrations, PPR replaces their profile (TS 29.228 §6.1.3, §6.1.4).
#include <algorithm>
#include <memory>
#include <vector>

#include "ims/subscription.h"
#include "runtime/log.h"
#include "scscf/cx_outcome.h"
#include "scscf/scscf_service.h"

namespace imsbox::scscf {

using diameter::CxError;

void ScscfService::rearm_expiry() {
  if (!timers_) return;
  const auto next = registrar_.next_expiry();
  if (expiry_timer_ != 0 && next == expiry_armed_for_) return;  // most changes leave the earliest expiry alone
  if (expiry_timer_ != 0) timers_->cancel(expiry_timer_);
  expiry_timer_ = 0;
  if (!next) return;
  expiry_armed_for_ = *next;
  const auto delay = std::max(std::chrono::microseconds(0),
                              std::chrono::duration_cast<std::chrono::microseconds>(*next - clock_.now()));
  expiry_timer_ = timers_->schedule_after(delay, [this] {
    expiry_timer_ = 0;
    on_expiry();
  });
}

void ScscfService::on_expiry() {
  const auto now = clock_.now();
  // Registrations losing some contacts but not all: NOTIFY the change.
  std::vector<std::string> changed;
  const auto gone = registrar_.expire(now, &changed);
  for (const auto& key : changed) {
    log_.info("registration of " + key + ": contact(s) expired");
    persist(key);
    registration_changed(key, "expired");
  }
  for (const auto& r : gone) {
    log_.info("registration of " + r.impu + " (" + r.impi + ") expired: SAR TIMEOUT_DEREGISTRATION");
    diameter::ServerAssignmentRequest sar;
    sar.user_name = r.impi;
    sar.public_identities = {r.impu};
    sar.server_name = options_.server_name;
    sar.server_assignment_type = diameter::ServerAssignmentType::timeout_deregistration;
    sar.user_data_already_available = diameter::UserDataAlreadyAvailable::user_data_already_available;
    std::weak_ptr<int> alive = alive_;
    const auto impu = r.impu;
    cx_.server_assignment(std::move(sar), [this, alive, impu](auto answer) {
      if (alive.expired()) return;
      if (const auto* e = std::get_if<CxError>(&answer)) {
        log_.warning("SAR TIMEOUT_DEREGISTRATION of " + impu + " failed: " + cx_error_text(*e));
      } else if (!std::get<diameter::ServerAssignmentAnswer>(answer).header.result.is_success()) {
        log_.warning("SAR TIMEOUT_DEREGISTRATION of " + impu + ": " +
                     result_text(std::get<diameter::ServerAssignmentAnswer>(answer).header.result));
      }
    });
    forget(r.impu);
    registration_ended(r, "expired");
    third_party_register(r, ims::RegistrationType::de_registration, nullptr, nullptr, 0);
  }
  rearm_expiry();
}

void ScscfService::network_deregistration(const std::string& impu) {
  auto reg = registrar_.remove(impu);
  if (!reg) return;
  forget(reg->impu);
  registration_ended(*reg, "deactivated");
  diameter::ServerAssignmentRequest sar;
  sar.user_name = reg->impi;
  sar.public_identities = {reg->impu};
  sar.server_name = options_.server_name;
  sar.server_assignment_type = diameter::ServerAssignmentType::administrative_deregistration;
  sar.user_data_already_available = diameter::UserDataAlreadyAvailable::user_data_already_available;
  std::weak_ptr<int> alive = alive_;
  cx_.server_assignment(std::move(sar), [this, alive, impu](auto answer) {
    if (alive.expired()) return;
    if (const auto* e = std::get_if<CxError>(&answer)) {
      log_.warning("SAR ADMINISTRATIVE_DEREGISTRATION of " + impu + " failed: " + cx_error_text(*e));
    }
  });
  third_party_register(*reg, ims::RegistrationType::de_registration, nullptr, nullptr, 0);
  rearm_expiry();
  log_.info("registration " + impu + " ended by the network");
}

diameter::RegistrationTerminationAnswer ScscfService::registration_termination(
    const diameter::RegistrationTerminationRequest& r) {
  diameter::RegistrationTerminationAnswer a;
  std::vector<std::string> keys;
  if (r.public_identities.empty()) {
    keys = registrar_.keys_of_impi(r.user_name);
    for (const auto& impi : r.associated_identities) {
      auto more = registrar_.keys_of_impi(impi);
      keys.insert(keys.end(), more.begin(), more.end());
    }
  } else {
    for (const auto& impu : r.public_identities) {
      if (const auto* reg = registrar_.find(impu)) keys.push_back(reg->impu);
    }
  }
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  for (const auto& key : keys) {
    if (auto reg = registrar_.remove(key)) {
      forget(reg->impu);
      registration_ended(*reg, "deactivated");
      third_party_register(*reg, ims::RegistrationType::de_registration, nullptr, nullptr, 0);
    }
  }
  log_.info("RTR for " + r.user_name + " (reason " + std::to_string(static_cast<int>(r.deregistration_reason.reason_code)) +
            "): " + std::to_string(keys.size()) + " registration(s) removed");
  rearm_expiry();
  a.header.result = diameter::Result::base(diameter::result_code::success);
  return a;
}

diameter::PushProfileAnswer ScscfService::push_profile(const diameter::PushProfileRequest& r) {
  diameter::PushProfileAnswer a;
  if (registrar_.keys_of_impi(r.user_name).empty()) {
    log_.info("PPR for " + r.user_name + ": not registered here");
    a.header.result = diameter::Result::experimental_code(diameter::experimental_result::error_user_unknown);
    return a;
  }
  if (!r.user_data.empty()) {
    const auto profile = ims::parse_ims_subscription(r.user_data);
    if (!profile) {
      log_.warning("PPR for " + r.user_name + ": User-Data does not parse");
      a.header.result = diameter::Result::base(diameter::result_code::unable_to_comply);
      return a;
    }
    const auto keys = registrar_.update_profile(r.user_name, *profile);
    log_.info("PPR for " + r.user_name + ": profile of " + std::to_string(keys.size()) + " registration(s) replaced");
    for (const auto& key : keys) {
      persist(key);
      registration_changed(key, "registered");
    }
  } else {
    log_.info("PPR for " + r.user_name + ": no User-Data");
  }
  a.header.result = diameter::Result::base(diameter::result_code::success);
  return a;
}

}  // namespace imsbox::scscf
