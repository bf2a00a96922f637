#pragma once
// Typed access to what the TAS did to calls (store v11, tas_call_event):
// each diversion and each barring, keyed by the call's Call-ID, for
// `imsbox calls`. The TAS inserts one row per decision on its loop; readers
// (the CLI) take those of the calls they show. Writes need a connection
// opened for the "tas" owner (or the administrative one).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace imsbox::store {

class Database;

struct TasCallEvent {
  std::string call_id;
  std::int64_t at_ms = 0;    // unix milliseconds
  std::string served_user;   // the IMPU whose service acted
  std::string session_case;  // "originating" or "terminating"
  std::string service;       // CFU, CFB, CFNR, CFNL, CFNRc, CD, OCB, ICB, ACR
  int cause = 0;             // diversion: RFC 4458 cause; barring: the status sent
  std::string rule_id;       // empty for communication deflection
  std::optional<std::string> target;  // a diversion's target
  friend bool operator==(const TasCallEvent&, const TasCallEvent&) = default;
};

class CallEventTable {
 public:
  explicit CallEventTable(Database& db) : db_(db) {}

  void add(const TasCallEvent& e);
  // The events of `call_id` in the order they happened.
  std::vector<TasCallEvent> of_call(std::string_view call_id) const;

 private:
  Database& db_;
};

}  // namespace imsbox::store
