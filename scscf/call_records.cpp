#include "scscf/call_records.h"

#include "ims/identity.h"
#include "sip/header_values.h"
#include "sip/text.h"
#include "store/database.h"

namespace imsbox::scscf {

namespace {

std::string icid_of(const sip::Message& m) {
  const auto* pcv = m.find(sip::HeaderId::p_charging_vector);
  if (!pcv) return {};
  const std::string_view v = pcv->value;
  const auto at = v.find("icid-value=");
  if (at == std::string_view::npos) return {};
  auto value = v.substr(at + 11);
  value = value.substr(0, value.find_first_of("; \t,"));
  if (value.size() >= 2 && value.front() == '"' && value.back() == '"') value = value.substr(1, value.size() - 2);
  return std::string(value);
}

std::string caller_of(const sip::Message& m) {
  if (const auto* pai = m.find(sip::HeaderId::p_asserted_identity)) {
    if (const auto list = sip::parse_name_addr_list(pai->value); list && !list.value.empty()) {
      return std::string(list.value.front().uri);
    }
  }
  return std::string(m.from().uri);
}

std::int64_t unix_ms(WallTime t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

}  // namespace

CallRecord* CallRecorder::find(std::string_view call_id) {
  const auto it = records_.find(call_id);
  return it == records_.end() ? nullptr : &it->second;
}

CallRecord* CallRecorder::find_any(std::string_view call_id) {
  if (auto* r = find(call_id)) return r;
  const auto it = finished_.find(call_id);
  return it == finished_.end() ? nullptr : &it->second;
}

void CallRecorder::media(CallRecord& r, const sip::Message& m, bool caller) {
  if (!r.rtp_party.empty()) return;
  const auto* h = m.find(ims::kRtpStatHeader);
  if (!h) return;
  const auto stat = ims::parse_rtp_stat(h->value);
  if (!stat) return;
  r.rtp = *stat;
  r.rtp_party = caller ? "caller" : "callee";
  changed_.insert(r.call_id);
}

void CallRecorder::invite(const sip::Message& request, WallTime now) {
  const std::string call_id(request.call_id());
  if (records_.contains(call_id)) return;  // the terminating pass of a call we saw originate
  CallRecord r;
  r.call_id = call_id;
  r.icid = icid_of(request);
  r.caller = caller_of(request);
  r.callee = std::string(request.request_uri());
  r.caller_tag = std::string(request.from().tag());
  r.invite_at = now;
  records_.emplace(call_id, std::move(r));
  changed_.insert(call_id);
}

void CallRecorder::end(CallRecord& r, WallTime now, std::string cause, std::string by) {
  r.ended_at = now;
  r.cause = std::move(cause);
  r.ended_by = std::move(by);
  changed_.insert(r.call_id);
}

void CallRecorder::final_response(std::string_view call_id, int status, WallTime now) {
  auto* r = find(call_id);
  if (!r || r->status != 0) return;
  r->status = status;
  changed_.insert(r->call_id);
  if (status >= 200 && status < 300) {
    r->answered_at = now;
    return;
  }
  if (r->ended_at) return;  // cancelled: the 487 is its echo
  // the callee's own refusals, else the network's (not found, unavailable, timeouts, errors)
  const bool callee = status == 486 || status == 600 || status == 603 || status == 606;
  end(*r, now, callee ? "rejected" : "failed", callee ? "callee" : "network");
}

void CallRecorder::cancelled(std::string_view call_id, WallTime now) {
  auto* r = find(call_id);
  if (!r || r->status != 0 || r->ended_at) return;
  end(*r, now, "cancelled", "caller");
}

void CallRecorder::bye(const sip::Message& request, WallTime now) {
  auto* r = find(request.call_id());
  if (!r || r->ended_at) return;
  // A BYE with a SIP Reason (RFC 3326) is a release by the network (the
  // P-CSCF's when a registration ended), not a party hanging up.
  const bool from_caller = request.from().tag() == r->caller_tag;
  media(*r, request, from_caller);
  if (const auto* reason = request.find(sip::HeaderId::reason)) {
    const auto protocol = sip::text::trim(reason->value.substr(0, reason->value.find(';')));
    if (sip::text::iequals(protocol, "SIP")) {
      if (const auto parsed = sip::parse_value_with_params(reason->value)) {
        const auto& params = parsed.value.params;
        if (const auto* cause = sip::find_param(params, "cause"); cause && cause->has_value) {
          if (const auto n = sip::parse_number(cause->value, 999)) r->reason_cause = static_cast<int>(n.value);
        }
        if (const auto* text = sip::find_param(params, "text"); text && text->has_value) {
          r->reason_text = std::string(sip::unquote(text->value));
        }
      }
      return end(*r, now, "released", "network");
    }
  }
  end(*r, now, "normal", from_caller ? "caller" : "callee");
}

void CallRecorder::bye_answered(const sip::Message& response) {
  if (response.status() < 200 || response.status() >= 300) return;
  auto* r = find_any(response.call_id());
  if (!r) return;
  // the BYE's recipient is its To party
  media(*r, response, response.to().tag() == r->caller_tag);
}

std::size_t CallRecorder::expire(WallTime now, std::chrono::seconds max_call, std::chrono::seconds max_attempt) {
  std::erase_if(finished_, [&](const auto& e) { return !e.second.ended_at || now - *e.second.ended_at > kFinishedKept; });
  std::size_t n = 0;
  for (auto& [id, r] : records_) {
    if (r.ended_at) continue;
    const bool lost = r.answered_at ? now - *r.answered_at > max_call : now - r.invite_at > max_attempt;
    if (!lost) continue;
    end(r, now, "lost", "network");
    ++n;
  }
  return n;
}

std::vector<CallRecord> CallRecorder::take_changed() {
  std::vector<CallRecord> out;
  for (const auto& id : changed_) {
    if (const auto f = finished_.find(id); f != finished_.end() && !records_.contains(id)) {
      out.push_back(f->second);  // late media figures of an ended call
      continue;
    }
    const auto it = records_.find(id);
    if (it == records_.end()) continue;
    out.push_back(it->second);
    if (it->second.ended_at) {
      finished_.insert_or_assign(it->first, std::move(it->second));
      records_.erase(it);
    }
  }
  changed_.clear();
  return out;
}

void SqlCallRecordStore::write(const std::vector<CallRecord>& records) {
  if (records.empty()) return;
  store::Database::Transaction tx(db_);
  for (const auto& r : records) {
    auto stmt = db_.cached(
        "INSERT INTO scscf_call_record (call_id, icid, caller, callee, invite_at, answered_at, ended_at, status, "
        "cause, ended_by, reason_cause, reason_text, rtp_party, rtp_packets_sent, rtp_octets_sent, "
        "rtp_packets_received, rtp_octets_received, rtp_packets_lost, rtp_jitter_ms) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19) "
        "ON CONFLICT (call_id) DO UPDATE SET answered_at = excluded.answered_at, ended_at = excluded.ended_at, "
        "status = excluded.status, cause = excluded.cause, ended_by = excluded.ended_by, "
        "reason_cause = excluded.reason_cause, reason_text = excluded.reason_text, rtp_party = excluded.rtp_party, "
        "rtp_packets_sent = excluded.rtp_packets_sent, rtp_octets_sent = excluded.rtp_octets_sent, "
        "rtp_packets_received = excluded.rtp_packets_received, rtp_octets_received = excluded.rtp_octets_received, "
        "rtp_packets_lost = excluded.rtp_packets_lost, rtp_jitter_ms = excluded.rtp_jitter_ms");
    stmt->bind(1, r.call_id).bind(2, r.icid).bind(3, r.caller).bind(4, r.callee).bind(5, unix_ms(r.invite_at));
    if (r.answered_at) {
      stmt->bind(6, unix_ms(*r.answered_at));
    } else {
      stmt->bind_null(6);
    }
    if (r.ended_at) {
      stmt->bind(7, unix_ms(*r.ended_at));
    } else {
      stmt->bind_null(7);
    }
    stmt->bind(8, static_cast<std::int64_t>(r.status)).bind(9, r.cause).bind(10, r.ended_by);
    if (r.reason_cause) {
      stmt->bind(11, static_cast<std::int64_t>(r.reason_cause)).bind(12, r.reason_text);
    } else {
      stmt->bind_null(11).bind_null(12);
    }
    const auto bind_count = [&](int i, const std::optional<std::uint64_t>& v) {
      if (r.rtp_party.empty() || !v) {
        stmt->bind_null(i);
      } else {
        stmt->bind(i, static_cast<std::int64_t>(*v));
      }
    };
    if (r.rtp_party.empty()) {
      stmt->bind_null(13);
    } else {
      stmt->bind(13, r.rtp_party);
    }
    bind_count(14, r.rtp.packets_sent);
    bind_count(15, r.rtp.octets_sent);
    bind_count(16, r.rtp.packets_received);
    bind_count(17, r.rtp.octets_received);
    bind_count(18, r.rtp.packets_lost);
    bind_count(19, r.rtp.jitter_ms);
    stmt->run();
  }
  tx.commit();
}

}  // namespace imsbox::scscf
