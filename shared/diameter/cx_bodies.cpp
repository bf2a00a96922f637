#include "diameter/cx_bodies.h"

#include <limits>

namespace imsbox::diameter::detail {
namespace {

constexpr std::int32_t kAny = std::numeric_limits<std::int32_t>::max();
constexpr std::int32_t kAnyMin = std::numeric_limits<std::int32_t>::min();
constexpr Need req = Need::required;
constexpr Need opt = Need::optional;

std::string to_string(const std::vector<std::uint8_t>& v) { return std::string(v.begin(), v.end()); }

// ---- grouped AVPs ----

// Capabilities that name nothing are left out rather than sent as an empty
// grouped AVP: the AVP is optional (TS 29.229 §6.1.2, §6.1.6) and some peers
// (Kamailio's cdp) drop a whole answer that carries an AVP without data.
void write_capabilities(AvpWriter& w, const std::optional<ServerCapabilities>& c) {
  if (!c || (c->mandatory_capabilities.empty() && c->optional_capabilities.empty() && c->server_names.empty())) return;
  AvpWriter g = w.group(Avp::server_capabilities);
  for (auto v : c->mandatory_capabilities) g.u32(Avp::mandatory_capability, v);
  for (auto v : c->optional_capabilities) g.u32(Avp::optional_capability, v);
  for (const auto& s : c->server_names) g.str(Avp::server_name, s);
}

std::optional<ServerCapabilities> read_capabilities(AvpReader& r) {
  auto g = r.group(Avp::server_capabilities, opt);
  if (!g) return std::nullopt;
  return ServerCapabilities{g->u32s(Avp::mandatory_capability), g->u32s(Avp::optional_capability),
                            g->strs(Avp::server_name)};
}

void write_auth_item(AvpWriter& w, const SipAuthDataItem& item) {
  AvpWriter g = w.group(Avp::sip_auth_data_item);
  if (item.item_number) g.u32(Avp::sip_item_number, *item.item_number);
  g.str_if(Avp::sip_authentication_scheme, item.authentication_scheme);
  g.bytes_if(Avp::sip_authenticate, item.sip_authenticate);
  g.bytes_if(Avp::sip_authorization, item.sip_authorization.reveal());
  g.bytes_if(Avp::sip_authentication_context, item.authentication_context);
  g.bytes_if(Avp::confidentiality_key, item.confidentiality_key.reveal());
  g.bytes_if(Avp::integrity_key, item.integrity_key.reveal());
  if (item.digest) {
    AvpWriter d = g.group(Avp::sip_digest_authenticate);
    d.str_if(Avp::digest_realm, item.digest->digest_realm);
    d.str_if(Avp::digest_algorithm, item.digest->digest_algorithm);
    d.str_if(Avp::digest_qop, item.digest->digest_qop);
    d.str_if(Avp::digest_ha1, item.digest->digest_ha1.reveal());
    d.str_if(Avp::digest_username, item.digest->digest_username);
  }
}

SipAuthDataItem read_auth_item(AvpReader& g, bool strict) {
  SipAuthDataItem item;
  item.item_number = g.u32(Avp::sip_item_number, opt);
  item.authentication_scheme = g.str(Avp::sip_authentication_scheme, opt);
  item.sip_authenticate = g.bytes(Avp::sip_authenticate, opt);
  item.sip_authorization = runtime::SecretBytes(g.bytes(Avp::sip_authorization, opt));
  item.authentication_context = g.bytes(Avp::sip_authentication_context, opt);
  item.confidentiality_key = runtime::SecretBytes(g.bytes(Avp::confidentiality_key, opt));
  item.integrity_key = runtime::SecretBytes(g.bytes(Avp::integrity_key, opt));
  if (auto d = g.group(Avp::sip_digest_authenticate, opt)) {
    const Need n = strict ? req : opt;
    SipDigestAuthenticate da;
    da.digest_realm = d->str(Avp::digest_realm, n);
    da.digest_algorithm = d->str(Avp::digest_algorithm, opt);
    da.digest_qop = d->str(Avp::digest_qop, n);
    da.digest_ha1 = runtime::SecretString(d->str(Avp::digest_ha1, n));
    da.digest_username = d->str(Avp::digest_username, opt);
    item.digest = std::move(da);
  }
  return item;
}

void write_charging(AvpWriter& w, const std::optional<ChargingInformation>& c) {
  if (!c) return;
  AvpWriter g = w.group(Avp::charging_information);
  g.str_if(Avp::primary_event_charging_function_name, c->primary_event_charging_function_name);
  g.str_if(Avp::secondary_event_charging_function_name, c->secondary_event_charging_function_name);
  g.str_if(Avp::primary_charging_collection_function_name, c->primary_charging_collection_function_name);
  g.str_if(Avp::secondary_charging_collection_function_name, c->secondary_charging_collection_function_name);
}

std::optional<ChargingInformation> read_charging(AvpReader& r) {
  auto g = r.group(Avp::charging_information, opt);
  if (!g) return std::nullopt;
  ChargingInformation c;
  c.primary_event_charging_function_name = g->str(Avp::primary_event_charging_function_name, opt);
  c.secondary_event_charging_function_name = g->str(Avp::secondary_event_charging_function_name, opt);
  c.primary_charging_collection_function_name = g->str(Avp::primary_charging_collection_function_name, opt);
  c.secondary_charging_collection_function_name = g->str(Avp::secondary_charging_collection_function_name, opt);
  return c;
}

void write_waf(AvpWriter& w, const std::optional<AllowedWafWwsfIdentities>& a) {
  if (!a) return;
  AvpWriter g = w.group(Avp::allowed_waf_wwsf_identities);
  for (const auto& s : a->waf_names) g.str(Avp::webrtc_authentication_function_name, s);
  for (const auto& s : a->wwsf_names) g.str(Avp::webrtc_web_server_function_name, s);
}

std::optional<AllowedWafWwsfIdentities> read_waf(AvpReader& r) {
  auto g = r.group(Avp::allowed_waf_wwsf_identities, opt);
  if (!g) return std::nullopt;
  return AllowedWafWwsfIdentities{g->strs(Avp::webrtc_authentication_function_name),
                                  g->strs(Avp::webrtc_web_server_function_name)};
}

void write_associated(AvpWriter& w, const std::vector<std::string>& names) {
  if (names.empty()) return;
  AvpWriter g = w.group(Avp::associated_identities);
  for (const auto& n : names) g.str(Avp::user_name, n);
}

std::vector<std::string> read_associated(AvpReader& r) {
  auto g = r.group(Avp::associated_identities, opt);
  return g ? g->strs(Avp::user_name) : std::vector<std::string>{};
}

template <class E>
std::optional<E> as_enum(std::optional<std::int32_t> v) {
  if (!v) return std::nullopt;
  return static_cast<E>(*v);
}

}  // namespace

void write_supported_features(AvpWriter& w, const std::vector<SupportedFeatures>& list) {
  for (const auto& f : list) {
    AvpWriter g = w.group(Avp::supported_features);
    g.u32(Avp::vendor_id, f.vendor_id);
    g.u32(Avp::feature_list_id, f.feature_list_id);
    g.u32(Avp::feature_list, f.feature_list);
  }
}

std::vector<SupportedFeatures> read_supported_features(AvpReader& r, bool strict) {
  std::vector<SupportedFeatures> out;
  const Need n = strict ? req : opt;
  for (auto& g : r.groups(Avp::supported_features)) {
    SupportedFeatures f;
    f.vendor_id = g.u32(Avp::vendor_id, n).value_or(0);
    f.feature_list_id = g.u32(Avp::feature_list_id, n).value_or(0);
    f.feature_list = g.u32(Avp::feature_list, n).value_or(0);
    out.push_back(f);
  }
  return out;
}

// ---- UAR / UAA ----

void write_body(AvpWriter& w, const UserAuthorizationRequest& m) {
  w.str_if(Avp::user_name, m.user_name);
  w.str_if(Avp::public_identity, m.public_identity);
  w.str_if(Avp::visited_network_identifier, m.visited_network_identifier);
  if (m.authorization_type) w.i32(Avp::user_authorization_type, static_cast<std::int32_t>(*m.authorization_type));
  if (m.uar_flags) w.u32(Avp::uar_flags, *m.uar_flags);
}

void read_body(AvpReader& r, UserAuthorizationRequest& m) {
  m.user_name = r.str(Avp::user_name, req);
  m.public_identity = r.str(Avp::public_identity, req);
  m.visited_network_identifier = r.str(Avp::visited_network_identifier, req);
  m.authorization_type = as_enum<UserAuthorizationType>(r.i32(Avp::user_authorization_type, opt, 0, 2));
  m.uar_flags = r.u32(Avp::uar_flags, opt);
}

void write_body(AvpWriter& w, const UserAuthorizationAnswer& m) {
  w.str_if(Avp::server_name, m.server_name);
  write_capabilities(w, m.server_capabilities);
}

void read_body(AvpReader& r, UserAuthorizationAnswer& m) {
  m.server_name = r.str(Avp::server_name, opt);
  m.server_capabilities = read_capabilities(r);
}

// ---- SAR / SAA ----

void write_body(AvpWriter& w, const ServerAssignmentRequest& m) {
  w.str_if(Avp::user_name, m.user_name);
  for (const auto& p : m.public_identities) w.str(Avp::public_identity, p);
  w.str_if(Avp::wildcarded_public_identity, m.wildcarded_public_identity);
  w.str_if(Avp::server_name, m.server_name);
  w.i32(Avp::server_assignment_type, static_cast<std::int32_t>(m.server_assignment_type));
  w.i32(Avp::user_data_already_available, static_cast<std::int32_t>(m.user_data_already_available));
  if (m.multiple_registration_indication)
    w.i32(Avp::multiple_registration_indication, *m.multiple_registration_indication);
  if (m.session_priority) w.i32(Avp::session_priority, *m.session_priority);
  if (m.sar_flags) w.u32(Avp::sar_flags, *m.sar_flags);
}

void read_body(AvpReader& r, ServerAssignmentRequest& m) {
  m.user_name = r.str(Avp::user_name, opt);
  m.public_identities = r.strs(Avp::public_identity);
  m.wildcarded_public_identity = r.str(Avp::wildcarded_public_identity, opt);
  m.server_name = r.str(Avp::server_name, req);
  if (auto v = r.i32(Avp::server_assignment_type, req, 0, kServerAssignmentTypeMax))
    m.server_assignment_type = static_cast<ServerAssignmentType>(*v);
  if (auto v = r.i32(Avp::user_data_already_available, req, 0, 1))
    m.user_data_already_available = static_cast<UserDataAlreadyAvailable>(*v);
  m.multiple_registration_indication = r.i32(Avp::multiple_registration_indication, opt, 0, 1);
  m.session_priority = r.i32(Avp::session_priority, opt, 0, 4);
  m.sar_flags = r.u32(Avp::sar_flags, opt);
}

void write_body(AvpWriter& w, const ServerAssignmentAnswer& m) {
  w.str_if(Avp::user_name, m.user_name);
  w.str_if(Avp::user_data, m.user_data);
  write_charging(w, m.charging_information);
  write_associated(w, m.associated_identities);
  if (m.loose_route_indication) w.i32(Avp::loose_route_indication, *m.loose_route_indication);
  w.str_if(Avp::server_name, m.server_name);
  w.str_if(Avp::wildcarded_public_identity, m.wildcarded_public_identity);
  if (m.priviledged_sender_indication) w.i32(Avp::priviledged_sender_indication, *m.priviledged_sender_indication);
  write_waf(w, m.allowed_waf_wwsf_identities);
}

void read_body(AvpReader& r, ServerAssignmentAnswer& m) {
  m.user_name = r.str(Avp::user_name, opt);
  m.user_data = to_string(r.bytes(Avp::user_data, opt));
  m.charging_information = read_charging(r);
  m.associated_identities = read_associated(r);
  m.loose_route_indication = r.i32(Avp::loose_route_indication, opt, kAnyMin, kAny);
  m.server_name = r.str(Avp::server_name, opt);
  m.wildcarded_public_identity = r.str(Avp::wildcarded_public_identity, opt);
  m.priviledged_sender_indication = r.i32(Avp::priviledged_sender_indication, opt, kAnyMin, kAny);
  m.allowed_waf_wwsf_identities = read_waf(r);
}

// ---- LIR / LIA ----

void write_body(AvpWriter& w, const LocationInfoRequest& m) {
  if (m.originating_request) w.i32(Avp::originating_request, kOriginating);
  w.str_if(Avp::public_identity, m.public_identity);
  if (m.authorization_type) w.i32(Avp::user_authorization_type, static_cast<std::int32_t>(*m.authorization_type));
  if (m.session_priority) w.i32(Avp::session_priority, *m.session_priority);
}

void read_body(AvpReader& r, LocationInfoRequest& m) {
  m.originating_request = r.i32(Avp::originating_request, opt, kOriginating, kOriginating).has_value();
  m.public_identity = r.str(Avp::public_identity, req);
  m.authorization_type = as_enum<UserAuthorizationType>(r.i32(Avp::user_authorization_type, opt, 0, 2));
  m.session_priority = r.i32(Avp::session_priority, opt, 0, 4);
}

void write_body(AvpWriter& w, const LocationInfoAnswer& m) {
  w.str_if(Avp::server_name, m.server_name);
  write_capabilities(w, m.server_capabilities);
  w.str_if(Avp::wildcarded_public_identity, m.wildcarded_public_identity);
  if (m.lia_flags) w.u32(Avp::lia_flags, *m.lia_flags);
}

void read_body(AvpReader& r, LocationInfoAnswer& m) {
  m.server_name = r.str(Avp::server_name, opt);
  m.server_capabilities = read_capabilities(r);
  m.wildcarded_public_identity = r.str(Avp::wildcarded_public_identity, opt);
  m.lia_flags = r.u32(Avp::lia_flags, opt);
}

// ---- MAR / MAA ----

void write_body(AvpWriter& w, const MultimediaAuthRequest& m) {
  w.str_if(Avp::user_name, m.user_name);
  w.str_if(Avp::public_identity, m.public_identity);
  write_auth_item(w, m.auth_data_item);
  w.u32(Avp::sip_number_auth_items, m.number_auth_items);
  w.str_if(Avp::server_name, m.server_name);
}

void read_body(AvpReader& r, MultimediaAuthRequest& m) {
  m.user_name = r.str(Avp::user_name, req);
  m.public_identity = r.str(Avp::public_identity, req);
  if (auto g = r.group(Avp::sip_auth_data_item, req)) m.auth_data_item = read_auth_item(*g, true);
  m.number_auth_items = r.u32(Avp::sip_number_auth_items, req).value_or(0);
  m.server_name = r.str(Avp::server_name, req);
}

void write_body(AvpWriter& w, const MultimediaAuthAnswer& m) {
  w.str_if(Avp::user_name, m.user_name);
  w.str_if(Avp::public_identity, m.public_identity);
  if (m.number_auth_items) w.u32(Avp::sip_number_auth_items, *m.number_auth_items);
  for (const auto& item : m.auth_data_items) write_auth_item(w, item);
}

void read_body(AvpReader& r, MultimediaAuthAnswer& m) {
  m.user_name = r.str(Avp::user_name, opt);
  m.public_identity = r.str(Avp::public_identity, opt);
  m.number_auth_items = r.u32(Avp::sip_number_auth_items, opt);
  for (auto& g : r.groups(Avp::sip_auth_data_item)) m.auth_data_items.push_back(read_auth_item(g, false));
}

// ---- RTR / RTA ----

void write_body(AvpWriter& w, const RegistrationTerminationRequest& m) {
  w.str_if(Avp::user_name, m.user_name);
  write_associated(w, m.associated_identities);
  for (const auto& p : m.public_identities) w.str(Avp::public_identity, p);
  AvpWriter g = w.group(Avp::deregistration_reason);
  g.i32(Avp::reason_code, static_cast<std::int32_t>(m.deregistration_reason.reason_code));
  g.str_if(Avp::reason_info, m.deregistration_reason.reason_info);
}

void read_body(AvpReader& r, RegistrationTerminationRequest& m) {
  m.user_name = r.str(Avp::user_name, req);
  m.associated_identities = read_associated(r);
  m.public_identities = r.strs(Avp::public_identity);
  if (auto g = r.group(Avp::deregistration_reason, req)) {
    if (auto v = g->i32(Avp::reason_code, req, 0, 3)) m.deregistration_reason.reason_code = static_cast<ReasonCode>(*v);
    m.deregistration_reason.reason_info = g->str(Avp::reason_info, opt);
  }
}

void write_body(AvpWriter& w, const RegistrationTerminationAnswer& m) { write_associated(w, m.associated_identities); }

void read_body(AvpReader& r, RegistrationTerminationAnswer& m) { m.associated_identities = read_associated(r); }

// ---- PPR / PPA ----

void write_body(AvpWriter& w, const PushProfileRequest& m) {
  w.str_if(Avp::user_name, m.user_name);
  w.str_if(Avp::user_data, m.user_data);
  write_charging(w, m.charging_information);
  if (m.auth_data_item) write_auth_item(w, *m.auth_data_item);
  write_waf(w, m.allowed_waf_wwsf_identities);
}

void read_body(AvpReader& r, PushProfileRequest& m) {
  m.user_name = r.str(Avp::user_name, req);
  m.user_data = to_string(r.bytes(Avp::user_data, opt));
  m.charging_information = read_charging(r);
  if (auto g = r.group(Avp::sip_auth_data_item, opt)) m.auth_data_item = read_auth_item(*g, true);
  m.allowed_waf_wwsf_identities = read_waf(r);
}

void write_body(AvpWriter&, const PushProfileAnswer&) {}
void read_body(AvpReader&, PushProfileAnswer&) {}

}  // namespace imsbox::diameter::detail
