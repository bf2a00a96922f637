#include "agw/ng/reply_cache.h"

namespace imsbox::agw::ng {

ReplyCache::Found ReplyCache::begin(std::string_view key, Time now) {
  expire(now);
  if (const auto it = entries_.find(std::string(key)); it != entries_.end()) {
    if (!it->second.done) return {Lookup::running, nullptr};
    return {Lookup::answered, &it->second.reply};
  }
  insert(key, now, false, {});
  return {Lookup::fresh, nullptr};
}

void ReplyCache::complete(std::string_view key, std::string reply, Time now) {
  expire(now);
  const auto it = entries_.find(std::string(key));
  if (it == entries_.end()) {
    // evicted or expired while running: keep the reply for the retries to come
    insert(key, now, true, std::move(reply));
    return;
  }
  bytes_ -= it->second.reply.size();
  it->second.done = true;
  it->second.reply = std::move(reply);
  bytes_ += it->second.reply.size();
  while (bytes_ > limits_.max_bytes && !entries_.empty()) evict_oldest();
}

void ReplyCache::insert(std::string_view key, Time now, bool done, std::string reply) {
  while (!entries_.empty() && entries_.size() >= limits_.max_entries) evict_oldest();
  const auto generation = next_generation_++;
  bytes_ += reply.size();
  entries_[std::string(key)] = Entry{now, done, std::move(reply), generation};
  order_.push_back({std::string(key), generation});
  while (bytes_ > limits_.max_bytes && !entries_.empty()) evict_oldest();
}

void ReplyCache::expire(Time now) {
  while (!order_.empty()) {
    const auto& o = order_.front();
    const auto it = entries_.find(o.key);
    if (it == entries_.end() || it->second.generation != o.generation) {
      order_.pop_front();  // a record of an entry already gone
      continue;
    }
    if (now - it->second.started < limits_.ttl) break;
    bytes_ -= it->second.reply.size();
    entries_.erase(it);
    order_.pop_front();
  }
}

void ReplyCache::evict_oldest() {
  while (!order_.empty()) {
    const auto o = std::move(order_.front());
    order_.pop_front();
    const auto it = entries_.find(o.key);
    if (it == entries_.end() || it->second.generation != o.generation) continue;
    bytes_ -= it->second.reply.size();
    entries_.erase(it);
    return;
  }
}

}  // namespace imsbox::agw::ng
