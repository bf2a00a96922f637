#include "store/call_event_table.h"

#include "store/database.h"

namespace imsbox::store {

void CallEventTable::add(const TasCallEvent& e) {
  auto st = db_.cached(
      "INSERT INTO tas_call_event (call_id, at, served_user, session_case, service, cause, rule_id, target) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)");
  st->bind(1, e.call_id).bind(2, e.at_ms).bind(3, e.served_user).bind(4, e.session_case).bind(5, e.service);
  st->bind(6, static_cast<std::int64_t>(e.cause)).bind(7, e.rule_id);
  if (e.target) {
    st->bind(8, *e.target);
  } else {
    st->bind_null(8);
  }
  st->run();
}

std::vector<TasCallEvent> CallEventTable::of_call(std::string_view call_id) const {
  auto st = db_.cached(
      "SELECT call_id, at, served_user, session_case, service, cause, rule_id, target FROM tas_call_event "
      "WHERE call_id = ?1 ORDER BY id");
  st->bind(1, call_id);
  std::vector<TasCallEvent> out;
  while (st->step()) {
    TasCallEvent e;
    e.call_id = st->text(0);
    e.at_ms = st->integer(1);
    e.served_user = st->text(2);
    e.session_case = st->text(3);
    e.service = st->text(4);
    e.cause = static_cast<int>(st->integer(5));
    e.rule_id = st->text(6);
    if (!st->is_null(7)) e.target = st->text(7);
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace imsbox::store
