#include "hss/hss_initiated.h"

#include <map>
#include <set>

#include "hss/user_profile.h"
#include "runtime/log.h"
#include "store/database.h"
#include "store/registration_table.h"

namespace imsbox::hss {

using namespace diameter;

namespace {

std::string describe(const AnswerHeader& h, const std::string& peer) {
  return std::string(h.result.experimental ? "experimental result " : "result ") + std::to_string(h.result.code) +
         " from " + peer;
}

// The registrations of an IMPI that some S-CSCF holds, one per implicit set
// (its first IMPU stands for the set).
std::vector<store::RegistrationRow> held_sets(store::Database& db, const std::string& impi) {
  std::vector<store::RegistrationRow> out;
  std::set<std::string> covered;
  for (auto& row : store::RegistrationTable(db).of_impi(impi)) {
    if (row.state == store::RegistrationState::not_registered || !row.origin_host || covered.contains(row.impu)) continue;
    if (const auto set = implicit_set_of(db, row.impu)) {
      for (const auto& identity : set->identities) covered.insert(identity.impu);
    }
    out.push_back(std::move(row));
  }
  return out;
}

}  // namespace

HssInitiated::HssInitiated(store::Database& db, CxPeers peers, std::function<std::int64_t()> now_unix,
                           runtime::Logger& log)
    : db_(db), peers_(std::move(peers)), now_(std::move(now_unix)), log_(log) {
  // requests a previous run of the HSS took on but did not finish
  db_.cached("UPDATE hss_deregistration_request SET outcome = NULL WHERE done_at IS NULL")->run();
}

std::size_t HssInitiated::run() {
  try {
    return push_profiles() + terminate_registrations();
  } catch (const std::exception& e) {
    log_.error(std::string("HSS-initiated procedures: ") + e.what());
    return 0;
  }
}

std::size_t HssInitiated::push_profiles() {
  std::vector<std::string> changed;
  {
    store::Database::Transaction tx(db_);
    auto st = db_.cached("DELETE FROM hss_profile_change RETURNING impi");
    while (st->step()) changed.push_back(st->text(0));
    tx.commit();
  }
  std::size_t sent = 0;
  for (const auto& impi : changed) {
    for (const auto& held : held_sets(db_, impi)) {
      const auto set = implicit_set_of(db_, held.impu);
      if (!set) continue;
      PushProfileRequest ppr;
      ppr.user_name = impi;
      ppr.user_data = ims::to_xml(subscription_of(db_, *set));
      const std::string peer = *held.origin_host;
      log_.info("PPR for " + impi + " (" + held.impu + ") to " + peer);
      peers_.push_profile(std::move(ppr), Destination{held.origin_realm.value_or(""), peer},
                          [this, impi, peer](AnswerOrError<PushProfileAnswer> r) {
                            if (const auto* e = std::get_if<CxError>(&r)) {
                              log_.warning("PPR for " + impi + " to " + peer + " failed: " + e->message);
                            } else if (const auto& a = std::get<PushProfileAnswer>(r); !a.header.result.is_success()) {
                              log_.warning("PPR for " + impi + ": " + describe(a.header, peer));
                            }
                          });
      ++sent;
    }
  }
  return sent;
}

std::size_t HssInitiated::terminate_registrations() {
  struct Request {
    std::int64_t id;
    std::string impi;
    std::string reason;
  };
  std::vector<Request> requests;
  {
    store::Database::Transaction tx(db_);
    auto st = db_.cached(
        "UPDATE hss_deregistration_request SET outcome = 'in progress' WHERE done_at IS NULL AND outcome IS NULL "
        "RETURNING id, impi, coalesce(reason, '')");
    while (st->step()) requests.push_back({st->integer(0), st->text(1), st->text(2)});
    tx.commit();
  }
  std::size_t sent = 0;
  for (const auto& request : requests) {
    store::RegistrationTable table(db_);
    std::map<std::string, std::vector<store::RegistrationRow>> by_peer;  // S-CSCF -> what it holds
    for (auto& row : table.of_impi(request.impi)) {
      if (row.origin_host) by_peer[*row.origin_host].push_back(std::move(row));
    }
    if (by_peer.empty()) {
      for (const auto& row : table.of_impi(request.impi)) table.erase(row.impu);
      finish_deregistration(request.id, "not registered");
      continue;
    }
    auto pending = std::make_shared<std::size_t>(by_peer.size());
    auto outcomes = std::make_shared<std::string>();
    for (auto& [peer, rows] : by_peer) {
      RegistrationTerminationRequest rtr;
      rtr.user_name = request.impi;
      for (const auto& row : rows) rtr.public_identities.push_back(row.impu);
      rtr.deregistration_reason = DeregistrationReason{ReasonCode::permanent_termination, request.reason};
      log_.info("RTR for " + request.impi + " to " + peer);
      const auto realm = rows.front().origin_realm.value_or("");
      peers_.terminate_registration(
          std::move(rtr), Destination{realm, peer},
          [this, id = request.id, impi = request.impi, peer = peer, rows = rows, pending,
           outcomes](AnswerOrError<RegistrationTerminationAnswer> r) {
            std::string outcome;
            if (const auto* e = std::get_if<CxError>(&r)) {
              outcome = "RTR to " + peer + " failed: " + e->message;
              log_.warning("RTR for " + impi + ": " + outcome);
            } else {
              outcome = "RTR answered: " + describe(std::get<RegistrationTerminationAnswer>(r).header, peer);
            }
            // TS 29.228 §6.1.3: the HSS de-registers the identities whatever the S-CSCF said
            store::Database::Transaction tx(db_);
            store::RegistrationTable table(db_);
            for (const auto& row : rows) table.erase(row.impu);
            tx.commit();
            *outcomes += (outcomes->empty() ? "" : "; ") + outcome;
            if (--*pending == 0) finish_deregistration(id, *outcomes);
          });
      ++sent;
    }
  }
  return sent;
}

void HssInitiated::finish_deregistration(std::int64_t id, const std::string& outcome) {
  auto st = db_.cached("UPDATE hss_deregistration_request SET done_at = ?2, outcome = ?3 WHERE id = ?1");
  st->bind(1, id).bind(2, now_()).bind(3, outcome);
  st->run();
  log_.info("deregistration request " + std::to_string(id) + ": " + outcome);
}

}  // namespace imsbox::hss
