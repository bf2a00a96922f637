#include "agw/call_table.h"

#include <algorithm>

#include "runtime/clock.h"
#include "runtime/log.h"

namespace imsbox::agw {

namespace {
constexpr std::chrono::minutes kUnansweredLifetime{10};
}

CallTable::~CallTable() = default;

Call* CallTable::find(const std::string& call_id) {
  const auto it = calls_.find(call_id);
  return it == calls_.end() ? nullptr : it->second.get();
}

ng::NgReply CallTable::unknown(const ng::NgRequest& r) {
  ctx_.log.log(runtime::LogLevel::warning, "ng " + std::string(ng::to_string(r.command)) + ": unknown call", r.call_id);
  return ng::NgReply::error("Unknown call-id");
}

ng::NgReply CallTable::handle(const ng::NgRequest& r) {
  try {
    return run(r);
  } catch (const std::exception& e) {
    ctx_.log.log(runtime::LogLevel::error,
                 "ng " + std::string(ng::to_string(r.command)) + " failed: " + e.what(), r.call_id);
    return ng::NgReply::error(std::string("internal error: ") + e.what());
  }
}

ng::NgReply CallTable::run(const ng::NgRequest& r) {
  if (r.command == ng::Command::ping) return ng::NgReply::pong();
  if (r.call_id.empty()) return ng::NgReply::error("no call-id");
  switch (r.command) {
    case ng::Command::offer: {
      auto it = calls_.find(r.call_id);
      const bool created = it == calls_.end();
      if (created) it = calls_.emplace(r.call_id, std::make_unique<Call>(ctx_, r.call_id)).first;
      ng::NgReply reply = it->second->offer(r);
      // a first offer that failed leaves nothing behind
      if (created && reply.result == ng::NgReply::Result::error) calls_.erase(it);
      return reply;
    }
    case ng::Command::answer: {
      Call* c = find(r.call_id);
      return c ? c->answer(r) : unknown(r);
    }
    case ng::Command::play_dtmf: {
      Call* c = find(r.call_id);
      return c ? c->play_dtmf(r) : unknown(r);
    }
    case ng::Command::play_media: {
      Call* c = find(r.call_id);
      return c ? c->play_media(r) : unknown(r);
    }
    case ng::Command::stop_media: {
      Call* c = find(r.call_id);
      return c ? c->stop_media(r) : unknown(r);
    }
    case ng::Command::query: {
      Call* c = find(r.call_id);
      if (!c) return unknown(r);
      ng::NgReply reply = ng::NgReply::ok();
      reply.stats = c->stats();
      return reply;
    }
    case ng::Command::delete_: {
      const auto it = calls_.find(r.call_id);
      if (it == calls_.end()) return unknown(r);
      ng::NgReply reply = ng::NgReply::ok();
      reply.stats = it->second->stats();
      calls_.erase(it);
      ctx_.log.log(runtime::LogLevel::info, "deleted (ports freed)", r.call_id);
      return reply;
    }
    default: return ng::NgReply::error("not supported");
  }
}

void CallTable::tick() {
  const auto now = ctx_.clock.now();
  for (auto& [id, call] : calls_) {
    if (call->needs_tick()) call->tick(now);
  }
}

void CallTable::housekeeping() {
  const auto now = ctx_.clock.now();
  for (auto it = calls_.begin(); it != calls_.end();) {
    Call& c = *it->second;
    c.housekeeping(now);
    const auto idle = now - std::max(c.last_signal(), c.timed_out() ? c.timed_out_at() : MediaTime{});
    const bool abandoned = (c.timed_out() && idle >= ctx_.media_timeout) ||
                           (!c.media_active() && idle >= kUnansweredLifetime);
    if (abandoned) {
      ctx_.log.log(runtime::LogLevel::warning,
                   std::string(c.timed_out() ? "timed out" : "never answered") +
                       " and no ng command since: deleted (ports freed)",
                   c.call_id());
      it = calls_.erase(it);
    } else {
      ++it;
    }
  }
}

}  // namespace imsbox::agw
