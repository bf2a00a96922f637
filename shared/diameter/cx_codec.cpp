#include "diameter/cx_codec.h"

#include <cstdlib>
#include <cstring>
#include <stdexcept>

#include "diameter/avp_io.h"
#include "diameter/cx_bodies.h"
#include "diameter/cx_dictionary.h"

namespace imsbox::diameter {

using detail::AvpReader;
using detail::AvpWriter;
using detail::check;
using detail::Need;

void MsgDeleter::operator()(msg* m) const {
  if (m) fd_msg_free(m);
}

namespace {

void write_vsai(AvpWriter& w) {
  AvpWriter g = w.group(Avp::vendor_specific_application_id);
  g.u32(Avp::vendor_id, kVendor3gpp);
  g.u32(Avp::auth_application_id, kCxApplicationId);
}

void write_result(AvpWriter& w, const Result& r) {
  if (r.experimental) {
    AvpWriter g = w.group(Avp::experimental_result);
    g.u32(Avp::vendor_id, r.vendor_id);
    g.u32(Avp::experimental_result_code, r.code);
  } else {
    w.u32(Avp::result_code, r.code);
  }
}

void set_error_bit(msg* m) {
  msg_hdr* h = nullptr;
  check(fd_msg_hdr(m, &h), "fd_msg_hdr");
  h->msg_flags |= CMD_FLAG_ERROR;
}

// The model of an AVP seen on the wire, ours or any other in the dictionary.
dict_object* model_of(const CxDictionary& dict, AvpId id) {
  if (const auto a = find_avp(id)) return dict.avp(*a);
  dict_object* o = nullptr;
  dict_avp_request req{id.vendor_id, id.code, nullptr};
  if (fd_dict_search(fd_g_config->cnf_dict, DICT_AVP, AVP_BY_CODE_AND_VENDOR, &req, &o, ENOENT) != 0) return nullptr;
  return o;
}

void write_failed_avp(const CxDictionary& dict, AvpWriter& w, AvpId id, const std::vector<std::uint8_t>& value) {
  dict_object* model = model_of(dict, id);
  if (!model) return;  // not in the dictionary: freeDiameter would have refused it earlier
  AvpWriter g = w.group(Avp::failed_avp);
  g.raw(model, value);
}

// Turns the request into an answer with Session-Id, VSAI, result, Auth-Session-State and Origin-*.
MsgPtr start_answer(const CxDictionary& dict, MsgPtr request, const Result& result, int flags) {
  msg* m = request.release();
  if (const int rc = fd_msg_new_answer_from_req(fd_g_config->cnf_dict, &m, flags)) {
    fd_msg_free(m);
    check(rc, "fd_msg_new_answer_from_req");
  }
  MsgPtr answer(m);
  AvpWriter w(dict, m);
  if (!(flags & MSGFL_ANSW_ERROR)) write_vsai(w);
  write_result(w, result);
  if (!(flags & MSGFL_ANSW_ERROR)) w.i32(Avp::auth_session_state, kNoStateMaintained);
  check(fd_msg_add_origin(m, 0), "fd_msg_add_origin");
  if (!result.experimental && result.code >= 3000 && result.code < 4000) set_error_bit(m);
  return answer;
}

RequestHeader read_request_header(AvpReader& r, bool destination_host_required) {
  RequestHeader h;
  h.session_id = r.str(Avp::session_id, Need::required);
  if (auto g = r.group(Avp::vendor_specific_application_id, Need::required)) {
    const auto vendor = g->u32(Avp::vendor_id, Need::required);
    const auto app = g->u32(Avp::auth_application_id, Need::required);
    if (vendor && *vendor != kVendor3gpp) g->invalid(Avp::vendor_id, "not 10415 (3GPP)");
    if (app && *app != kCxApplicationId) g->invalid(Avp::auth_application_id, "not 16777216 (Cx)");
  }
  r.i32(Avp::auth_session_state, Need::required, kNoStateMaintained, kNoStateMaintained);
  h.origin_host = r.str(Avp::origin_host, Need::required);
  h.origin_realm = r.str(Avp::origin_realm, Need::required);
  h.destination_host = r.str(Avp::destination_host, destination_host_required ? Need::required : Need::optional);
  h.destination_realm = r.str(Avp::destination_realm, Need::required);
  return h;
}

template <class M>
Decoded<CxRequest> read_request(AvpReader& r, std::optional<DecodeError>& error, bool destination_host_required) {
  M m;
  m.header = read_request_header(r, destination_host_required);
  detail::read_body(r, m);
  m.header.supported_features = detail::read_supported_features(r, true);
  if (error) return *error;
  return CxRequest(std::move(m));
}

template <class M>
Decoded<CxAnswer> read_answer(AvpReader& r, std::optional<DecodeError>& error, bool error_bit) {
  M m;
  AnswerHeader& h = m.header;
  h.error_bit = error_bit;
  h.session_id = r.str(Avp::session_id, Need::optional);
  h.origin_host = r.str(Avp::origin_host, Need::optional);
  h.origin_realm = r.str(Avp::origin_realm, Need::optional);
  if (auto code = r.u32(Avp::result_code, Need::optional)) {
    h.result = Result::base(*code);
  } else if (auto g = r.group(Avp::experimental_result, Need::optional)) {
    const auto vendor = g->u32(Avp::vendor_id, Need::required);
    const auto code2 = g->u32(Avp::experimental_result_code, Need::required);
    if (vendor && code2) h.result = Result::experimental_code(*code2, *vendor);
  } else {
    r.invalid(Avp::result_code, "neither Result-Code nor Experimental-Result", result_code::missing_avp);
  }
  if (auto f = r.group(Avp::failed_avp, Need::optional)) h.failed_avp = f->first_id();
  const auto em = r.bytes(Avp::error_message, Need::optional);
  h.error_message.assign(em.begin(), em.end());
  h.supported_features = detail::read_supported_features(r, false);
  detail::read_body(r, m);
  if (error) return *error;
  return CxAnswer(std::move(m));
}

}  // namespace

MsgPtr encode_request(const CxDictionary& dict, const CxRequest& request) {
  const CxCommand cmd = command_of(request);
  msg* m = nullptr;
  check(fd_msg_new(dict.request(cmd), MSGFL_ALLOC_ETEID, &m), "fd_msg_new");
  MsgPtr out(m);
  const RequestHeader& h = header_of(request);
  AvpWriter w(dict, m);
  if (h.session_id.empty()) {
    check(fd_msg_new_session(m, nullptr, 0), "fd_msg_new_session");
  } else {
    w.str(Avp::session_id, h.session_id);
  }
  write_vsai(w);
  w.i32(Avp::auth_session_state, kNoStateMaintained);
  check(fd_msg_add_origin(m, 0), "fd_msg_add_origin");
  w.str_if(Avp::destination_host, h.destination_host);
  w.str_if(Avp::destination_realm, h.destination_realm);
  std::visit([&](const auto& body) { detail::write_body(w, body); }, request);
  detail::write_supported_features(w, h.supported_features);
  return out;
}

Decoded<CxRequest> decode_request(const CxDictionary&, msg* request) {
  try {
    msg_hdr* h = nullptr;
    check(fd_msg_hdr(request, &h), "fd_msg_hdr");
    if (h->msg_appl != kCxApplicationId)
      return DecodeError{result_code::application_unsupported, {}, {}, "not a Cx request"};
    const auto cmd = cx_command_from_code(h->msg_code);
    if (!cmd || !(h->msg_flags & CMD_FLAG_REQUEST))
      return DecodeError{result_code::command_unsupported, {}, {}, "command " + std::to_string(h->msg_code)};
    std::optional<DecodeError> error;
    AvpReader r(request, error);
    switch (*cmd) {
      case CxCommand::user_authorization: return read_request<UserAuthorizationRequest>(r, error, false);
      case CxCommand::server_assignment: return read_request<ServerAssignmentRequest>(r, error, false);
      case CxCommand::location_info: return read_request<LocationInfoRequest>(r, error, false);
      case CxCommand::multimedia_auth: return read_request<MultimediaAuthRequest>(r, error, false);
      case CxCommand::registration_termination:
        return read_request<RegistrationTerminationRequest>(r, error, true);
      case CxCommand::push_profile: return read_request<PushProfileRequest>(r, error, true);
    }
    return DecodeError{result_code::command_unsupported, {}, {}, "command " + std::to_string(h->msg_code)};
  } catch (const std::exception& e) {
    return DecodeError{result_code::unable_to_comply, {}, {}, e.what()};
  }
}

MsgPtr encode_answer(const CxDictionary& dict, MsgPtr request, const CxAnswer& answer) {
  const AnswerHeader& h = header_of(answer);
  MsgPtr out = start_answer(dict, std::move(request), h.result, 0);
  AvpWriter w(dict, out.get());
  std::visit([&](const auto& body) { detail::write_body(w, body); }, answer);
  detail::write_supported_features(w, h.supported_features);
  if (h.failed_avp) write_failed_avp(dict, w, *h.failed_avp, {});
  w.str_if(Avp::error_message, h.error_message);
  return out;
}

MsgPtr encode_error_answer(const CxDictionary& dict, MsgPtr request, const DecodeError& error) {
  msg_hdr* rh = nullptr;
  check(fd_msg_hdr(request.get(), &rh), "fd_msg_hdr");
  const auto cmd = cx_command_from_code(rh->msg_code);
  const bool protocol_error = error.result_code >= 3000 && error.result_code < 4000;
  const Result result = Result::base(error.result_code);
  MsgPtr out = start_answer(dict, std::move(request), result, (protocol_error || !cmd) ? MSGFL_ANSW_ERROR : 0);
  AvpWriter w(dict, out.get());
  if (error.avp.code != 0) write_failed_avp(dict, w, error.avp, error.value);
  w.str_if(Avp::error_message, error.message);
  return out;
}

Decoded<CxAnswer> decode_answer(const CxDictionary&, msg* answer, std::optional<CxCommand> sent) {
  try {
    msg_hdr* h = nullptr;
    check(fd_msg_hdr(answer, &h), "fd_msg_hdr");
    const bool e = (h->msg_flags & CMD_FLAG_ERROR) != 0;
    auto cmd = cx_command_from_code(h->msg_code);
    if (sent && cmd != sent) {
      if (!e)
        return DecodeError{result_code::command_unsupported, {}, {},
                           "answer with command code " + std::to_string(h->msg_code) + " to a " +
                               std::string(request_abbrev(*sent))};
      cmd = sent;
    }
    if (!cmd || (h->msg_flags & CMD_FLAG_REQUEST))
      return DecodeError{result_code::command_unsupported, {}, {}, "not a Cx answer: " + std::to_string(h->msg_code)};
    std::optional<DecodeError> error;
    AvpReader r(answer, error);
    switch (*cmd) {
      case CxCommand::user_authorization: return read_answer<UserAuthorizationAnswer>(r, error, e);
      case CxCommand::server_assignment: return read_answer<ServerAssignmentAnswer>(r, error, e);
      case CxCommand::location_info: return read_answer<LocationInfoAnswer>(r, error, e);
      case CxCommand::multimedia_auth: return read_answer<MultimediaAuthAnswer>(r, error, e);
      case CxCommand::registration_termination: return read_answer<RegistrationTerminationAnswer>(r, error, e);
      case CxCommand::push_profile: return read_answer<PushProfileAnswer>(r, error, e);
    }
    return DecodeError{result_code::command_unsupported, {}, {}, "not a Cx answer"};
  } catch (const std::exception& e) {
    return DecodeError{result_code::unable_to_comply, {}, {}, e.what()};
  }
}

std::vector<std::uint8_t> to_wire(msg* m) {
  std::uint8_t* buf = nullptr;
  std::size_t len = 0;
  check(fd_msg_bufferize(m, &buf, &len), "fd_msg_bufferize");
  std::vector<std::uint8_t> out(buf, buf + len);
  std::free(buf);
  return out;
}

MsgPtr from_wire(const std::vector<std::uint8_t>& bytes) {
  auto* buf = static_cast<std::uint8_t*>(std::malloc(bytes.size()));
  if (!buf) throw std::bad_alloc();
  std::memcpy(buf, bytes.data(), bytes.size());
  msg* m = nullptr;
  if (const int rc = fd_msg_parse_buffer(&buf, bytes.size(), &m)) {
    std::free(buf);
    check(rc, "fd_msg_parse_buffer");
  }
  MsgPtr out(m);
  fd_pei pei{};
  if (const int rc = fd_msg_parse_dict(m, fd_g_config->cnf_dict, &pei)) {
    if (pei.pei_avp_free && pei.pei_avp) fd_msg_free(pei.pei_avp);
    throw std::runtime_error(std::string("fd_msg_parse_dict: ") + (pei.pei_errcode ? pei.pei_errcode : "") + " " +
                             std::strerror(rc));
  }
  return out;
}

}  // namespace imsbox::diameter
