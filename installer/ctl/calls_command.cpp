// `imsbox calls [--follow] [-n N]`: the call detail records the S-CSCF keeps
// in the store (scscf_call_record), oldest first; with --follow, each new or
// changed record again as it changes (polled every half second). Under a
// call, what the TAS did to it (tas_call_event): forwarded by whom, where and
// why, or barred by whose service.
#include <boost/program_options.hpp>
#include <chrono>
#include <ctime>
#include <iomanip>
#include <iostream>
#include <map>
#include <sstream>
#include <thread>

#include "ctl/common.h"
#include "store/call_event_table.h"
#include "store/database.h"

namespace imsbox::ctl {

namespace po = boost::program_options;

namespace {

std::string local_time(std::int64_t unix_ms) {
  const std::time_t s = static_cast<std::time_t>(unix_ms / 1000);
  std::tm tm{};
  localtime_r(&s, &tm);
  std::ostringstream o;
  o << std::put_time(&tm, "%Y-%m-%d %H:%M:%S") << '.' << std::setw(3) << std::setfill('0') << unix_ms % 1000;
  return o.str();
}

std::string seconds_between(std::int64_t from_ms, std::int64_t to_ms) {
  std::ostringstream o;
  o << std::fixed << std::setprecision(1) << static_cast<double>(to_ms - from_ms) / 1000.0 << " s";
  return o.str();
}

// One line per record: when, who to whom, how it went.
std::string describe(store::Statement& q) {
  const auto invite_at = q.integer(3);
  std::ostringstream o;
  o << local_time(invite_at) << "  " << q.text(1) << " -> " << q.text(2) << "  ";
  const auto status = q.integer(6);
  if (status == 0) {
    o << "ringing";
  } else if (!q.is_null(4)) {
    o << "answered after " << seconds_between(invite_at, q.integer(4));
    if (!q.is_null(5)) o << ", " << seconds_between(q.integer(4), q.integer(5)) << " talk";
  } else {
    o << status;
  }
  if (!q.is_null(5)) {
    o << ", ended (" << q.text(7) << (q.text(8).empty() ? "" : ", by the " + q.text(8)) << ")";
    if (!q.is_null(11)) o << " with Reason " << q.integer(11) << " \"" << q.text(12) << "\"";
  } else if (status >= 200 && status < 300) {
    o << ", in call";
  }
  o << "  Call-ID " << q.text(0);
  if (!q.text(9).empty()) o << "  icid " << q.text(9);
  if (!q.is_null(13)) o << "  RTP of the " << q.text(13) << " " << q.text(14);
  return o.str();
}

// "busy" for CFB...: why a diversion happened.
std::string_view diversion_reason(std::string_view service) {
  if (service == "CFU") return "unconditional";
  if (service == "CFB") return "busy";
  if (service == "CFNR") return "no reply";
  if (service == "CFNL") return "not logged in";
  if (service == "CFNRc") return "not reachable";
  if (service == "CD") return "deflected";
  return service;
}

// One line per thing the TAS did: "forwarded by sip:bert@d to sip:carl@d
// (busy, CFB, rule call-diversion-busy)", "barred by sip:bert@d's incoming
// barring (603, rule r1)".
std::string describe(const store::TasCallEvent& e) {
  const std::string rule = e.rule_id.empty() ? "" : ", rule " + e.rule_id;
  if (e.target) {
    return "forwarded by " + e.served_user + " to " + *e.target + " (" + std::string(diversion_reason(e.service)) +
           ", " + e.service + rule + ")";
  }
  if (e.service == "ACR") {
    return "rejected by " + e.served_user + "'s anonymous call rejection (" + std::to_string(e.cause) + rule + ")";
  }
  const char* which = e.service == "OCB" ? "outgoing" : e.service == "ICB" ? "incoming" : e.service.c_str();
  return "barred by " + e.served_user + "'s " + which + " barring (" + std::to_string(e.cause) + rule + ")";
}

// The record's line and, under it, the TAS's events of its call.
void print(store::Database& db, store::Statement& q) {
  std::cout << describe(q) << '\n';
  for (const auto& e : store::CallEventTable(db).of_call(q.text(0))) std::cout << "    " << describe(e) << '\n';
}

}  // namespace

int cmd_calls(const Args& args) {
  bool follow = false;
  int last = 50;
  po::options_description desc("imsbox calls");
  desc.add_options()("follow,f", po::bool_switch(&follow), "keep printing calls as they start, are answered and end")(
      "last,n", po::value(&last), "how many of the latest calls to show first (default 50)");
  int code = 0;
  auto rc = parse_command(args, desc, nullptr, "imsbox calls [-f] [-n N] [--data-dir DIR]", code);
  if (!rc) return code;
  try {
    auto db = open_store(rc->config, "ctl");
    const char* columns =
        "call_id, caller, callee, invite_at, answered_at, ended_at, status, cause, ended_by, icid, "
        "max(invite_at, coalesce(answered_at, 0), coalesce(ended_at, 0)) AS changed_at, reason_cause, reason_text, "
        "rtp_party, 'PS=' || coalesce(rtp_packets_sent, '-') || ',OS=' || coalesce(rtp_octets_sent, '-') || "
        "',PR=' || coalesce(rtp_packets_received, '-') || ',OR=' || coalesce(rtp_octets_received, '-') || "
        "',PL=' || coalesce(rtp_packets_lost, '-') || ',JI=' || coalesce(rtp_jitter_ms, '-')";
    auto first = db.prepare(std::string("SELECT * FROM (SELECT ") + columns +
                            " FROM scscf_call_record ORDER BY invite_at DESC LIMIT ?1) ORDER BY invite_at");
    first.bind(1, static_cast<std::int64_t>(std::max(0, last)));
    std::int64_t seen = 0;
    std::size_t shown = 0;
    while (first.step()) {
      print(db, first);
      seen = std::max(seen, first.integer(10));
      ++shown;
    }
    if (!follow) {
      if (shown == 0) std::cout << "no calls yet\n";
      return 0;
    }
    std::cout << std::flush;
    for (;;) {
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
      auto q = db.prepare(std::string("SELECT ") + columns +
                          " FROM scscf_call_record WHERE changed_at > ?1 ORDER BY changed_at");
      q.bind(1, seen);
      while (q.step()) {
        print(db, q);
        seen = std::max(seen, q.integer(10));
      }
      std::cout << std::flush;
    }
  } catch (const std::exception& e) {
    std::cerr << "imsbox: " << e.what() << '\n';
    return 1;
  }
}

}  // namespace imsbox::ctl
