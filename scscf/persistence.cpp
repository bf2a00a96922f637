// The S-CSCF's state in the store (registration_store.h): registrations and
// reg-event subscriptions read back at start, changes written in batches
// (kStoreDelay) with the call records; a REGISTER's new binding at the next
// loop turn, its 200 OK held until then (after_commit).
#include <exception>
#include <set>
#include <type_traits>
#include <utility>
#include <vector>

#include "runtime/log.h"
#include "scscf/scscf_service.h"

namespace imsbox::scscf {

namespace {

// One batch of a store's changes: the records `find` still has (by key) are
// saved, the others erased, in one write; a failure is logged (false).
template <typename Store, typename Find>
bool write_changes(Store& store, const std::set<std::string>& keys, const runtime::Clock& clock, runtime::Logger& log,
                   std::string_view what, Find find) {
  if (keys.empty()) return true;
  std::vector<std::remove_cvref_t<decltype(*find(*keys.begin()))>> saved;
  std::vector<std::string> erased;
  for (const auto& key : keys) {
    if (const auto* record = find(key)) {
      saved.push_back(*record);
    } else {
      erased.push_back(key);
    }
  }
  try {
    store.write(saved, erased, clock.now(), clock.wall_now());
    return true;
  } catch (const std::exception& e) {
    log.error("storing " + std::to_string(keys.size()) + " " + std::string(what) + " change(s) failed: " + e.what());
    return false;
  }
}

}  // namespace

std::size_t ScscfService::restore() {
  if (!store_) return 0;
  std::size_t n = 0;
  try {
    for (auto& r : store_->load(clock_.now(), clock_.wall_now())) {
      registrar_.insert(std::move(r));
      ++n;
    }
  } catch (const std::exception& e) {
    log_.error(std::string("reading the registrations from the store failed: ") + e.what());
  }
  rearm_expiry();
  if (!subscription_store_) return n;
  try {
    std::size_t subs = 0;
    for (auto& s : subscription_store_->load(clock_.now(), clock_.wall_now())) {
      if (!registrar_.find(s.key)) continue;  // its registration is gone: so is the subscription
      const auto id = add_subscription(std::move(s));
      auto& restored = subscriptions_[id];
      if (timers_) {
        const auto delay = std::max(std::chrono::microseconds(0), std::chrono::duration_cast<std::chrono::microseconds>(
                                                                       restored.expires_at - clock_.now()));
        restored.timer = timers_->schedule_after(delay, [this, id] { on_subscription_expiry(id); });
      }
      ++subs;
    }
    if (subs > 0) log_.info(std::to_string(subs) + " reg-event subscription(s) restored");
  } catch (const std::exception& e) {
    log_.error(std::string("reading the reg-event subscriptions from the store failed: ") + e.what());
  }
  return n;
}

void ScscfService::persist_subscription(const std::string& id) {
  if (!subscription_store_) return;
  unsaved_subscriptions_.insert(id);
  schedule_store_flush();
}

void ScscfService::persist(const std::string& key) {
  if (!store_) return;
  unsaved_.insert(key);
  schedule_store_flush();
}

void ScscfService::schedule_store_flush() {
  if (!timers_) return flush_store();
  if (store_timer_ == 0) {
    store_timer_ = timers_->schedule_after(kStoreDelay, [this] {
      store_timer_ = 0;
      flush_store();
    });
  }
}

void ScscfService::after_commit(std::function<void(bool stored)> then) {
  awaiting_commit_.push_back(std::move(then));
  if (!timers_) return flush_store();
  if (commit_timer_ == 0) {
    commit_timer_ = timers_->schedule_after(std::chrono::milliseconds(0), [this] {
      commit_timer_ = 0;
      flush_store();
    });
  }
}

void ScscfService::flush_store() {
  if (auto records = calls_.take_changed(); call_store_ && !records.empty()) {
    try {
      call_store_->write(records);
    } catch (const std::exception& e) {
      log_.error("storing " + std::to_string(records.size()) + " call record change(s) failed: " + e.what());
    }
  }
  if (subscription_store_) {
    write_changes(*subscription_store_, std::exchange(unsaved_subscriptions_, {}), clock_, log_, "subscription",
                  [this](const std::string& id) -> const RegSubscription* {
                    const auto it = subscriptions_.find(id);
                    return it == subscriptions_.end() ? nullptr : &it->second;
                  });
  }
  bool stored = true;
  if (store_) {
    stored = write_changes(*store_, std::exchange(unsaved_, {}), clock_, log_, "registration",
                           [this](const std::string& key) -> const Registration* {
                             const auto* r = registrar_.find(key);
                             return r && r->impu == key ? r : nullptr;
                           });
  }
  for (auto& then : std::exchange(awaiting_commit_, {})) then(stored);
}

}  // namespace imsbox::scscf
