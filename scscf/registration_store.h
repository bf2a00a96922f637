#pragma once
// Where the S-CSCF keeps its registrations across restarts: the tables
// scscf_registration and scscf_binding of the box's store (migration 4).
// The registrar itself stays in memory (registrar.h); the service writes
// each change through here and reads everything back at start.
//
// Times: the registrar runs on the monotonic clock, the store on wall-clock
// seconds (a restart has a new monotonic epoch); each call gets both "now"s
// to convert. Errors are StoreError exceptions; the service logs them and
// goes on (a registration that is not persisted still works until restart).
#include <string>
#include <vector>

#include "runtime/clock.h"
#include "scscf/reg_event.h"
#include "scscf/registrar.h"

namespace imsbox::store {
class Database;
}

namespace imsbox::scscf {

class RegistrationStore {
 public:
  virtual ~RegistrationStore() = default;
  virtual void save(const Registration& r, Time now, runtime::Clock::WallTime wall_now) = 0;
  virtual void erase(const std::string& impu) = 0;
  // Saves and erases registrations all at once (one transaction in the store).
  virtual void write(const std::vector<Registration>& saved, const std::vector<std::string>& erased, Time now,
                     runtime::Clock::WallTime wall_now) {
    for (const auto& impu : erased) erase(impu);
    for (const auto& r : saved) save(r, now, wall_now);
  }
  // Registrations with at least one binding not yet expired (expired ones are dropped).
  virtual std::vector<Registration> load(Time now, runtime::Clock::WallTime wall_now) = 0;
};

class SqlRegistrationStore final : public RegistrationStore {
 public:
  explicit SqlRegistrationStore(store::Database& db) : db_(db) {}
  void save(const Registration& r, Time now, runtime::Clock::WallTime wall_now) override;
  void erase(const std::string& impu) override;
  void write(const std::vector<Registration>& saved, const std::vector<std::string>& erased, Time now,
             runtime::Clock::WallTime wall_now) override;
  std::vector<Registration> load(Time now, runtime::Clock::WallTime wall_now) override;

 private:
  void save_rows(const Registration& r, Time now, std::int64_t wall);
  void erase_rows(const std::string& impu);
  store::Database& db_;
};

// The reg-event subscriptions, likewise (table scscf_reg_subscription,
// migration 7). The timer ids are not kept: the service arms new ones.
class SubscriptionStore {
 public:
  virtual ~SubscriptionStore() = default;
  // Saves (by Call-ID and our tag) and erases (by that id) all at once.
  virtual void write(const std::vector<RegSubscription>& saved, const std::vector<std::string>& erased, Time now,
                     runtime::Clock::WallTime wall_now) = 0;
  // The subscriptions not yet expired (expired ones are dropped).
  virtual std::vector<RegSubscription> load(Time now, runtime::Clock::WallTime wall_now) = 0;
};

class SqlSubscriptionStore final : public SubscriptionStore {
 public:
  explicit SqlSubscriptionStore(store::Database& db) : db_(db) {}
  void write(const std::vector<RegSubscription>& saved, const std::vector<std::string>& erased, Time now,
             runtime::Clock::WallTime wall_now) override;
  std::vector<RegSubscription> load(Time now, runtime::Clock::WallTime wall_now) override;

 private:
  store::Database& db_;
};

}  // namespace imsbox::scscf
