#include "diameter/cx_dictionary.h"

// freeDiameter's headers are C; libfdcore.h needs freeDiameter-host.h first.
#include <freeDiameter/freeDiameter-host.h>
#include <freeDiameter/libfdcore.h>

#include <cerrno>
#include <cstring>
#include <initializer_list>
#include <stdexcept>
#include <string>

namespace imsbox::diameter {
namespace {

[[noreturn]] void fail(const std::string& what, int err) {
  throw std::runtime_error("Cx dictionary: " + what + ": " + std::strerror(err));
}

dictionary* dict() { return fd_g_config->cnf_dict; }

dict_object* find_avp_model(AvpId id) {
  dict_object* o = nullptr;
  int rc;
  if (id.vendor_id == 0) {
    avp_code_t code = id.code;
    rc = fd_dict_search(dict(), DICT_AVP, AVP_BY_CODE, &code, &o, ENOENT);
  } else {
    dict_avp_request req{id.vendor_id, id.code, nullptr};
    rc = fd_dict_search(dict(), DICT_AVP, AVP_BY_CODE_AND_VENDOR, &req, &o, ENOENT);
  }
  return rc == 0 ? o : nullptr;
}

dict_object* find_type(const char* name) {
  dict_object* t = nullptr;
  if (fd_dict_search(dict(), DICT_TYPE, TYPE_BY_NAME, name, &t, ENOENT) != 0) return nullptr;
  return t;
}

dict_avp_basetype basetype(AvpType t) {
  switch (t) {
    case AvpType::unsigned32: return AVP_TYPE_UNSIGNED32;
    case AvpType::enumerated: return AVP_TYPE_INTEGER32;
    case AvpType::grouped: return AVP_TYPE_GROUPED;
    default: return AVP_TYPE_OCTETSTRING;
  }
}

const char* derived_type_name(AvpType t) {
  switch (t) {
    case AvpType::utf8_string: return "UTF8String";
    case AvpType::diameter_identity: return "DiameterIdentity";
    case AvpType::diameter_uri: return "DiameterURI";
    default: return nullptr;
  }
}

void add_rule(dict_object* parent, dict_object* child, int max, const std::string& where) {
  dict_rule_data r{};
  r.rule_avp = child;
  r.rule_position = RULE_OPTIONAL;
  r.rule_order = 0;
  r.rule_min = -1;
  r.rule_max = max;
  const int rc = fd_dict_new(dict(), DICT_RULE, &r, parent, nullptr);
  if (rc != 0 && rc != EEXIST) fail("rule in " + where, rc);
}

// Defines an AVP of the table that the loaded extensions lack.
dict_object* define_avp(const AvpInfo& info) {
  dict_avp_data d{};
  d.avp_code = info.id.code;
  d.avp_vendor = info.id.vendor_id;
  std::string name(info.name);
  d.avp_name = name.data();
  d.avp_flag_mask = AVP_FLAG_VENDOR | AVP_FLAG_MANDATORY;
  d.avp_flag_val = static_cast<uint8_t>((info.id.vendor_id != 0 ? AVP_FLAG_VENDOR : 0) |
                                        (info.mandatory_bit ? AVP_FLAG_MANDATORY : 0));
  d.avp_basetype = basetype(info.type);
  dict_object* type = nullptr;
  if (const char* tn = derived_type_name(info.type)) {
    type = find_type(tn);
    if (!type) fail(std::string("type ") + tn, ENOENT);
  }
  dict_object* o = nullptr;
  const int rc = fd_dict_new(dict(), DICT_AVP, &d, type, &o);
  if (rc != 0) fail("AVP " + name, rc);
  return o;
}

struct CommandSpec {
  CxCommand command;
  const char* request_name;
  const char* answer_name;
  std::initializer_list<Avp> request_avps;  // one occurrence at most
  std::initializer_list<Avp> request_multi;  // *[AVP]
  std::initializer_list<Avp> answer_avps;
};

// TS 29.229 §6.1, beyond the AVPs every request/answer has (added below).
const CommandSpec kCommands[] = {
    {CxCommand::user_authorization, "User-Authorization-Request", "User-Authorization-Answer",
     {Avp::user_name, Avp::public_identity, Avp::visited_network_identifier, Avp::user_authorization_type,
      Avp::uar_flags},
     {},
     {Avp::server_name, Avp::server_capabilities}},
    {CxCommand::server_assignment, "Server-Assignment-Request", "Server-Assignment-Answer",
     {Avp::user_name, Avp::wildcarded_public_identity, Avp::server_name, Avp::server_assignment_type,
      Avp::user_data_already_available, Avp::multiple_registration_indication, Avp::session_priority,
      Avp::sar_flags},
     {Avp::public_identity},
     {Avp::user_name, Avp::user_data, Avp::charging_information, Avp::associated_identities,
      Avp::loose_route_indication, Avp::server_name, Avp::wildcarded_public_identity,
      Avp::priviledged_sender_indication, Avp::allowed_waf_wwsf_identities}},
    {CxCommand::location_info, "Location-Info-Request", "Location-Info-Answer",
     {Avp::originating_request, Avp::public_identity, Avp::user_authorization_type, Avp::session_priority},
     {},
     {Avp::server_name, Avp::server_capabilities, Avp::wildcarded_public_identity, Avp::lia_flags}},
    {CxCommand::multimedia_auth, "Multimedia-Auth-Request", "Multimedia-Auth-Answer",
     {Avp::user_name, Avp::public_identity, Avp::sip_auth_data_item, Avp::sip_number_auth_items,
      Avp::server_name},
     {},
     {Avp::user_name, Avp::public_identity, Avp::sip_number_auth_items, Avp::sip_auth_data_item}},
    {CxCommand::registration_termination, "Registration-Termination-Request", "Registration-Termination-Answer",
     {Avp::user_name, Avp::associated_identities, Avp::deregistration_reason},
     {Avp::public_identity},
     {Avp::associated_identities}},
    {CxCommand::push_profile, "Push-Profile-Request", "Push-Profile-Answer",
     {Avp::user_name, Avp::user_data, Avp::charging_information, Avp::sip_auth_data_item,
      Avp::allowed_waf_wwsf_identities},
     {},
     {}},
};

constexpr std::initializer_list<Avp> kRequestCommon = {
    Avp::session_id,  Avp::vendor_specific_application_id, Avp::auth_session_state, Avp::origin_host,
    Avp::origin_realm, Avp::destination_host,              Avp::destination_realm};
constexpr std::initializer_list<Avp> kAnswerCommon = {
    Avp::session_id,         Avp::vendor_specific_application_id, Avp::result_code, Avp::experimental_result,
    Avp::auth_session_state, Avp::origin_host,                    Avp::origin_realm, Avp::failed_avp,
    Avp::error_message,      Avp::supported_features};

dict_object* find_or_define_command(const char* name, CxCommand c, bool request, dict_object* app, bool& defined) {
  dict_object* o = nullptr;
  if (fd_dict_search(dict(), DICT_COMMAND, CMD_BY_NAME, name, &o, ENOENT) == 0) {
    defined = false;
    return o;
  }
  dict_cmd_data d{};
  d.cmd_code = static_cast<command_code_t>(c);
  std::string n(name);
  d.cmd_name = n.data();
  // R and P fixed; E fixed (clear) on requests only, since any answer may be an error.
  d.cmd_flag_mask = request ? (CMD_FLAG_REQUEST | CMD_FLAG_PROXIABLE | CMD_FLAG_ERROR)
                            : (CMD_FLAG_REQUEST | CMD_FLAG_PROXIABLE);
  d.cmd_flag_val = request ? (CMD_FLAG_REQUEST | CMD_FLAG_PROXIABLE) : CMD_FLAG_PROXIABLE;
  const int rc = fd_dict_new(dict(), DICT_COMMAND, &d, app, &o);
  if (rc != 0) fail(std::string("command ") + name, rc);
  defined = true;
  return o;
}

}  // namespace

CxDictionary CxDictionary::load() {
  if (!fd_g_config || !fd_g_config->cnf_dict) throw std::runtime_error("Cx dictionary: freeDiameter is not initialized");
  CxDictionary d;

  vendor_id_t vid = kVendor3gpp;
  if (fd_dict_search(dict(), DICT_VENDOR, VENDOR_BY_ID, &vid, &d.vendor_, ENOENT) != 0) {
    dict_vendor_data v{kVendor3gpp, const_cast<char*>("3GPP")};
    if (const int rc = fd_dict_new(dict(), DICT_VENDOR, &v, nullptr, &d.vendor_)) fail("vendor 3GPP", rc);
  }
  application_id_t aid = kCxApplicationId;
  if (fd_dict_search(dict(), DICT_APPLICATION, APPLICATION_BY_ID, &aid, &d.application_, ENOENT) != 0) {
    dict_application_data a{kCxApplicationId, const_cast<char*>("3GPP Cx")};
    if (const int rc = fd_dict_new(dict(), DICT_APPLICATION, &a, d.vendor_, &d.application_))
      fail("application Cx", rc);
  }

  for (std::size_t i = 0; i < kAvpCount; ++i) {
    const AvpInfo& info = avp_info(static_cast<Avp>(i));
    dict_object* o = find_avp_model(info.id);
    if (!o) {
      o = define_avp(info);
      if (info.avp == Avp::allowed_waf_wwsf_identities) {
        // Its children come later in the table: define them now.
        for (Avp child : {Avp::webrtc_authentication_function_name, Avp::webrtc_web_server_function_name}) {
          dict_object* c = find_avp_model(avp_id(child));
          if (!c) c = define_avp(avp_info(child));
          add_rule(o, c, -1, std::string(info.name));
        }
      }
    }
    d.avps_[i] = o;
  }

  for (const auto& spec : kCommands) {
    bool defined_req = false, defined_ans = false;
    dict_object* req = find_or_define_command(spec.request_name, spec.command, true, d.application_, defined_req);
    dict_object* ans = find_or_define_command(spec.answer_name, spec.command, false, d.application_, defined_ans);
    if (defined_req) {
      for (Avp a : kRequestCommon) add_rule(req, d.avp(a), 1, spec.request_name);
      for (Avp a : spec.request_avps) add_rule(req, d.avp(a), 1, spec.request_name);
      for (Avp a : spec.request_multi) add_rule(req, d.avp(a), -1, spec.request_name);
      add_rule(req, d.avp(Avp::supported_features), -1, spec.request_name);
    }
    if (defined_ans) {
      for (Avp a : kAnswerCommon) add_rule(ans, d.avp(a), -1, spec.answer_name);
      for (Avp a : spec.answer_avps) add_rule(ans, d.avp(a), -1, spec.answer_name);
    }
    d.requests_[index(spec.command)] = req;
    d.answers_[index(spec.command)] = ans;
  }
  return d;
}

}  // namespace imsbox::diameter
