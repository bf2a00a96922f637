#include "hss/cx_service.h"

#include <algorithm>

#include <boost/algorithm/string/predicate.hpp>

#include "hss/user_profile.h"
#include "runtime/log.h"
#include "store/database.h"
#include "store/registration_table.h"
#include "store/service_data_table.h"
#include "store/subscriber_table.h"

namespace imsbox::hss {

using namespace diameter;
using store::RegistrationRow;
using store::RegistrationState;

namespace {

constexpr std::string_view kAkaV1 = "Digest-AKAv1-MD5";
constexpr std::string_view kAkaV2 = "Digest-AKAv2-MD5";
constexpr std::string_view kSipDigest = "SIP Digest";
constexpr std::string_view kUnknown = "Unknown";

Result experimental(std::uint32_t code) { return Result::experimental_code(code); }
Result base(std::uint32_t code) { return Result::base(code); }

// The registration rows of an implicit set, by IMPU.
std::optional<RegistrationRow> registration_of(store::Database& db, const std::string& impu) {
  return store::RegistrationTable(db).find(impu);
}

bool has_scscf(const std::optional<RegistrationRow>& r) { return r && !r->scscf_name.empty(); }

// A Diameter origin, or none when the request came another way (the SBI).
std::optional<std::string> present(const std::string& s) {
  if (s.empty()) return std::nullopt;
  return s;
}

// TS 29.228 §6.1.1.1 step 3: a barred IMPU may still register when its
// implicit set holds one that is not barred.
bool registration_barred(const ImplicitSet& set) {
  return std::all_of(set.identities.begin(), set.identities.end(), [](const auto& i) { return i.barred; });
}

// Whether the IMPU has services for the unregistered state (an iFC that
// applies when unregistered), which make LIR answer UNREGISTERED_SERVICE.
bool has_unregistered_services(store::Database& db, const store::PublicIdentityRow& identity) {
  if (!identity.service_profile) return false;
  const auto ifcs = store::ServiceDataTable(db).ifcs(*identity.service_profile);
  return std::any_of(ifcs.begin(), ifcs.end(), [](const auto& i) {
    return !i.profile_part_indicator || *i.profile_part_indicator == 1;
  });
}

SipAuthDataItem aka_item(const AkaVector& v, std::uint32_t number, std::string_view scheme) {
  SipAuthDataItem item;
  item.item_number = number;
  item.authentication_scheme = std::string(scheme);
  const auto challenge = v.sip_authenticate();
  item.sip_authenticate.assign(challenge.begin(), challenge.end());
  item.sip_authorization = runtime::SecretBytes(std::vector<std::uint8_t>(v.xres.begin(), v.xres.end()));
  item.confidentiality_key = runtime::SecretBytes(std::vector<std::uint8_t>(v.ck.begin(), v.ck.end()));
  item.integrity_key = runtime::SecretBytes(std::vector<std::uint8_t>(v.ik.begin(), v.ik.end()));
  return item;
}

SipAuthDataItem digest_item(const store::DigestCredentials& d, std::uint32_t number, bool sha256) {
  SipAuthDataItem item;
  item.item_number = number;
  item.authentication_scheme = std::string(kSipDigest);
  item.digest = SipDigestAuthenticate{d.realm, sha256 ? "SHA-256" : "MD5", "auth",
                                      sha256 ? d.ha1_sha256 : d.ha1_md5};
  return item;
}

// The same for the IMPI's bare user name (Digest-Username, our extension):
// for clients that digest with "alice" rather than "alice@realm".
SipAuthDataItem username_digest_item(const store::DigestCredentials& d, std::string_view impi, std::uint32_t number,
                                     bool sha256) {
  SipAuthDataItem item;
  item.item_number = number;
  item.authentication_scheme = std::string(kSipDigest);
  item.digest = SipDigestAuthenticate{d.realm, sha256 ? "SHA-256" : "MD5", "auth",
                                      sha256 ? d.username_ha1_sha256 : d.username_ha1_md5,
                                      std::string(impi.substr(0, impi.rfind('@')))};
  return item;
}

}  // namespace

CxService::CxService(store::Database& db, AuthenticationCentre& auc, Options options,
                     std::function<std::int64_t()> now_unix, runtime::Logger& log)
    : db_(db), auc_(auc), options_(options), now_(std::move(now_unix)), log_(log) {}

// Every entry point: the store may fail (busy, full disk); the peer then
// gets 5012 and the HSS stays up.
template <class Answer, class Fn>
Answer guarded(runtime::Logger& log, std::string_view what, Fn&& fn) {
  try {
    return fn();
  } catch (const std::exception& e) {
    log.error(std::string(what) + " failed: " + e.what());
    Answer a;
    a.header.result = Result::base(result_code::unable_to_comply);
    return a;
  }
}

// One line per Cx request answered: what was asked, by whom, and the result.
template <class Answer>
Answer logged(runtime::Logger& log, const RequestHeader& h, const std::string& what, Answer a) {
  const auto& res = a.header.result;
  log.info(what + " from " + h.origin_host + ": " + (res.experimental ? "experimental result " : "result ") +
           std::to_string(res.code));
  return a;
}

UserAuthorizationAnswer CxService::user_authorization(const UserAuthorizationRequest& r) {
  const auto type = static_cast<int>(r.authorization_type.value_or(UserAuthorizationType::registration));
  return logged(log_, r.header, "UAR " + r.public_identity + " (" + r.user_name + ") type " + std::to_string(type),
                guarded<UserAuthorizationAnswer>(log_, "UAR", [&] { return uar(r); }));
}
MultimediaAuthAnswer CxService::multimedia_auth(const MultimediaAuthRequest& r) {
  const bool resync = !r.auth_data_item.sip_authorization.empty();
  return logged(log_, r.header,
                "MAR " + r.public_identity + " (" + r.user_name + ") scheme '" +
                    r.auth_data_item.authentication_scheme + "'" + (resync ? " with resynchronisation" : ""),
                guarded<MultimediaAuthAnswer>(log_, "MAR", [&] { return mar(r); }));
}
ServerAssignmentAnswer CxService::server_assignment(const ServerAssignmentRequest& r) {
  const auto first = r.public_identities.empty() ? std::string("-") : r.public_identities.front();
  return logged(log_, r.header,
                "SAR " + first + " (" + r.user_name + ") type " +
                    std::to_string(static_cast<int>(r.server_assignment_type)),
                guarded<ServerAssignmentAnswer>(log_, "SAR", [&] { return sar(r); }));
}
LocationInfoAnswer CxService::location_info(const LocationInfoRequest& r) {
  return logged(log_, r.header, "LIR " + r.public_identity,
                guarded<LocationInfoAnswer>(log_, "LIR", [&] { return lir(r); }));
}

// TS 29.228 §6.1.1.1
UserAuthorizationAnswer CxService::uar(const UserAuthorizationRequest& r) {
  UserAuthorizationAnswer a;
  const auto set = implicit_set_of(db_, r.public_identity);
  if (!set || !store::SubscriberTable(db_).exists(r.user_name)) {
    a.header.result = experimental(experimental_result::error_user_unknown);
    return a;
  }
  if (set->impi != r.user_name) {
    a.header.result = experimental(experimental_result::error_identities_dont_match);
    return a;
  }
  const auto type = r.authorization_type.value_or(UserAuthorizationType::registration);
  if (type != UserAuthorizationType::de_registration && registration_barred(*set)) {
    a.header.result = base(5003);  // DIAMETER_AUTHORIZATION_REJECTED (RFC 6733)
    return a;
  }
  // Roaming (step 4): every visited network may register here; a lab box has
  // no roaming agreements to check.
  const auto reg = registration_of(db_, r.public_identity);
  if (type == UserAuthorizationType::de_registration) {
    if (has_scscf(reg)) {
      a.header.result = base(result_code::success);
      a.server_name = reg->scscf_name;
    } else {
      a.header.result = experimental(experimental_result::error_identity_not_registered);
    }
    return a;
  }
  if (type == UserAuthorizationType::registration && has_scscf(reg)) {
    a.header.result = experimental(experimental_result::subsequent_registration);
    a.server_name = reg->scscf_name;
    return a;
  }
  // No S-CSCF yet, or the I-CSCF asks for capabilities to choose another:
  // every S-CSCF qualifies (no mandatory capabilities).
  a.header.result = experimental(experimental_result::first_registration);
  a.server_capabilities = ServerCapabilities{};
  return a;
}

// TS 29.228 §6.3.1
MultimediaAuthAnswer CxService::mar(const MultimediaAuthRequest& r) {
  MultimediaAuthAnswer a;
  a.user_name = r.user_name;
  a.public_identity = r.public_identity;
  store::SubscriberTable subscribers(db_);
  const auto subscriber = subscribers.credentials(r.user_name);
  const auto identity = store::ServiceDataTable(db_).public_identity(r.public_identity);
  if (!subscriber || !identity) {
    a.header.result = experimental(experimental_result::error_user_unknown);
    return a;
  }
  if (identity->impi != r.user_name) {
    a.header.result = experimental(experimental_result::error_identities_dont_match);
    return a;
  }
  // What the credentials allow, narrowed by the subscriber's allowed schemes.
  const auto usable = [&](std::string_view s) {
    const auto& allowed = subscriber->auth_schemes;
    if (!allowed.empty() && std::find(allowed.begin(), allowed.end(), s) == allowed.end()) return false;
    return s == kSipDigest ? subscriber->digest.has_value() : (s == kAkaV1 || s == kAkaV2) && subscriber->sim;
  };
  std::string scheme = r.auth_data_item.authentication_scheme;
  // "Unknown" lets the HSS choose (TS 29.229 §6.3.9); some S-CSCFs (Kamailio)
  // send it in lower case.
  if (scheme.empty() || boost::algorithm::iequals(scheme, kUnknown)) {
    for (const auto candidate : {kAkaV1, kAkaV2, kSipDigest}) {
      if (usable(candidate)) {
        scheme = std::string(candidate);
        break;
      }
    }
  }
  const bool aka = scheme == kAkaV1 || scheme == kAkaV2;
  if (!usable(scheme)) {
    a.header.result = experimental(experimental_result::error_auth_scheme_not_supported);
    return a;
  }
  // The S-CSCF that authenticates is the one the user is assigned to from
  // now on (step 3); the registration state itself changes with the SAR.
  if (!r.server_name.empty()) {
    store::Database::Transaction tx(db_);
    store::RegistrationTable table(db_);
    RegistrationRow row;
    row.impu = r.public_identity;
    row.impi = r.user_name;
    if (auto found = table.find(r.public_identity)) row = std::move(*found);
    if (row.scscf_name != r.server_name) {
      row.scscf_name = r.server_name;
      row.origin_host = present(r.header.origin_host);
      row.origin_realm = present(r.header.origin_realm);
      row.updated_at = now_();
      table.put(row);
    }
    tx.commit();
  }
  const std::uint32_t wanted = std::clamp<std::uint32_t>(r.number_auth_items, 1, options_.max_auth_items);
  if (!aka) {
    // MD5, SHA-256 (RFC 8760), then the same two for the bare user name when
    // the store has them: an S-CSCF that asks for one or two items (as
    // Kamailio does) gets what TS 29.229 describes; ours asks for more.
    const auto& d = *subscriber->digest;
    a.auth_data_items.push_back(digest_item(d, 1, false));
    if (wanted > 1) a.auth_data_items.push_back(digest_item(d, 2, true));
    if (wanted > 2 && !d.username_ha1_md5.reveal().empty()) {
      a.auth_data_items.push_back(username_digest_item(d, r.user_name, 3, false));
    }
    if (wanted > 3 && !d.username_ha1_sha256.reveal().empty()) {
      a.auth_data_items.push_back(username_digest_item(d, r.user_name, 4, true));
    }
    a.number_auth_items = static_cast<std::uint32_t>(a.auth_data_items.size());
    a.header.result = base(result_code::success);
    return a;
  }
  const auto& resync = r.auth_data_item.sip_authorization.reveal();
  if (!resync.empty()) {
    // SIP-Authorization = RAND || AUTS (TS 29.229 §6.3.15, TS 33.203 §6.1.2)
    if (resync.size() != 30) {
      a.header.result = base(result_code::invalid_avp_value);
      return a;
    }
    aka::Block rand{};
    aka::Auts auts{};
    std::copy_n(resync.begin(), 16, rand.begin());
    std::copy_n(resync.begin() + 16, 14, auts.begin());
    if (auc_.resynchronise(r.user_name, rand, auts) != AuthenticationCentre::Outcome::ok) {
      log_.warning("MAR: resynchronisation of " + r.user_name + " failed: MAC-S in AUTS is wrong");
      a.header.result = base(result_code::unable_to_comply);
      return a;
    }
    log_.info("MAR: " + r.user_name + " resynchronised its SQN");
  }
  const auto issued = auc_.issue(r.user_name, wanted);
  if (issued.outcome != AuthenticationCentre::Outcome::ok) {
    log_.error("MAR: no vectors for " + r.user_name +
               (issued.outcome == AuthenticationCentre::Outcome::sqn_exhausted ? ": its SQN is exhausted" : ""));
    a.header.result = base(result_code::unable_to_comply);
    return a;
  }
  std::uint32_t n = 1;
  for (const auto& v : issued.vectors) a.auth_data_items.push_back(aka_item(v, n++, scheme));
  a.number_auth_items = static_cast<std::uint32_t>(a.auth_data_items.size());
  a.header.result = base(result_code::success);
  return a;
}

// TS 29.228 §6.1.2.1
ServerAssignmentAnswer CxService::sar(const ServerAssignmentRequest& r) {
  ServerAssignmentAnswer a;
  if (r.public_identities.empty()) {
    a.header.result = base(result_code::missing_avp);
    return a;
  }
  const auto set = implicit_set_of(db_, r.public_identities.front());
  if (!set) {
    a.header.result = experimental(experimental_result::error_user_unknown);
    return a;
  }
  if (!r.user_name.empty() && set->impi != r.user_name) {
    a.header.result = experimental(experimental_result::error_identities_dont_match);
    return a;
  }
  a.user_name = set->impi;
  a.associated_identities = {set->impi};
  const auto type = r.server_assignment_type;
  store::Database::Transaction tx(db_);
  store::RegistrationTable table(db_);
  const auto current = table.find(r.public_identities.front());
  const bool registered = current && current->state == RegistrationState::registered;
  // Where RTR and PPR for this S-CSCF go: the SAR's Diameter origin, else
  // (a registration over the SBI) what an earlier Cx request of the same
  // S-CSCF left.
  auto origin_host = present(r.header.origin_host);
  auto origin_realm = present(r.header.origin_realm);
  if (!origin_host && current && current->scscf_name == r.server_name) {
    origin_host = current->origin_host;
    origin_realm = current->origin_realm;
  }
  // Writes the same state for every IMPU of the implicit set.
  const auto set_state = [&](std::optional<RegistrationState> state) {
    for (const auto& identity : set->identities) {
      if (!state) {
        table.erase(identity.impu);
        continue;
      }
      table.put(RegistrationRow{identity.impu, *state, set->impi, r.server_name, origin_host, origin_realm, now_()});
    }
  };
  bool send_user_data = false;
  switch (type) {
    case ServerAssignmentType::no_assignment:
      if (!has_scscf(current) || current->scscf_name != r.server_name) {
        a.header.result = base(result_code::unable_to_comply);
        return a;
      }
      send_user_data = true;
      break;
    case ServerAssignmentType::registration:
    case ServerAssignmentType::re_registration:
      set_state(RegistrationState::registered);
      send_user_data = r.user_data_already_available != UserDataAlreadyAvailable::user_data_already_available;
      break;
    case ServerAssignmentType::unregistered_user:
      if (!registered) set_state(RegistrationState::unregistered);
      send_user_data = true;
      break;
    case ServerAssignmentType::restoration:
      if (registered) set_state(RegistrationState::registered);
      send_user_data = true;
      break;
    case ServerAssignmentType::timeout_deregistration:
    case ServerAssignmentType::user_deregistration:
    case ServerAssignmentType::deregistration_too_much_data:
    case ServerAssignmentType::administrative_deregistration:
      set_state(std::nullopt);
      break;
    case ServerAssignmentType::timeout_deregistration_store_server_name:
    case ServerAssignmentType::user_deregistration_store_server_name:
      set_state(RegistrationState::not_registered);  // the S-CSCF name is kept
      break;
    case ServerAssignmentType::authentication_failure:
    case ServerAssignmentType::authentication_timeout:
      // the S-CSCF assigned for the authentication is released unless the
      // user is registered there already
      if (!registered && current && current->state == RegistrationState::not_registered) set_state(std::nullopt);
      break;
    default:  // AAA_USER_DATA_REQUEST, PGW_UPDATE: not Cx business (SWx)
      a.header.result = base(result_code::unable_to_comply);
      return a;
  }
  if (send_user_data && (type == ServerAssignmentType::registration ||
                         type == ServerAssignmentType::re_registration)) {
    // This answer carries the current profile: a change made before it is not
    // to be pushed (PPR) once more to the S-CSCF that just got it, unless
    // another implicit set of the IMPI is registered and holds an older one.
    if (!table.other_set_held(set->impi, set->identities.front().implicit_set)) db_.cached("DELETE FROM hss_profile_change WHERE impi = ?")->bind(1, set->impi).run();
  }
  tx.commit();
  if (send_user_data) a.user_data = ims::to_xml(subscription_of(db_, *set));
  if (!r.server_name.empty()) a.server_name = r.server_name;
  a.header.result = base(result_code::success);
  return a;
}

// TS 29.228 §6.1.4.1 (location information)
LocationInfoAnswer CxService::lir(const LocationInfoRequest& r) {
  LocationInfoAnswer a;
  const auto identity = store::ServiceDataTable(db_).public_identity(r.public_identity);
  if (!identity) {
    a.header.result = experimental(experimental_result::error_user_unknown);
    return a;
  }
  const auto reg = registration_of(db_, r.public_identity);
  if (has_scscf(reg)) {
    a.header.result = base(result_code::success);
    a.server_name = reg->scscf_name;
    return a;
  }
  if (has_unregistered_services(db_, *identity)) {
    a.header.result = experimental(experimental_result::unregistered_service);
    a.server_capabilities = ServerCapabilities{};
    return a;
  }
  a.header.result = experimental(experimental_result::error_identity_not_registered);
  return a;
}

}  // namespace imsbox::hss
