// `imsbox calls [--follow] [-n N]`: the call detail records the S-CSCF keeps
// in the store (scscf_call_record), oldest first; with --follow, each new or
// changed record again as it changes (polled every half second).
#include <boost/program_options.hpp>
#include <chrono>
#include <ctime>
#include <iomanip>
#include <iostream>
#include <map>
#include <sstream>
#include <thread>

#include "ctl/common.h"
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
      std::cout << describe(first) << '\n';
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
        std::cout << describe(q) << '\n';
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
