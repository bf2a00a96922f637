#include "scscf/registration_store.h"

#include "ims/subscription.h"
#include "sip/header_values.h"
#include "store/database.h"

namespace imsbox::scscf {

namespace {

std::int64_t unix_seconds(runtime::Clock::WallTime t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

}  // namespace

void SqlRegistrationStore::save(const Registration& r, Time now, runtime::Clock::WallTime wall_now) {
  store::Database::Transaction tx(db_);
  save_rows(r, now, unix_seconds(wall_now));
  tx.commit();
}

void SqlRegistrationStore::erase(const std::string& impu) {
  store::Database::Transaction tx(db_);
  erase_rows(impu);
  tx.commit();
}

void SqlRegistrationStore::write(const std::vector<Registration>& saved, const std::vector<std::string>& erased,
                                 Time now, runtime::Clock::WallTime wall_now) {
  store::Database::Transaction tx(db_);
  for (const auto& impu : erased) erase_rows(impu);
  for (const auto& r : saved) save_rows(r, now, unix_seconds(wall_now));
  tx.commit();
}

void SqlRegistrationStore::save_rows(const Registration& r, Time now, std::int64_t wall) {
  db_.cached("DELETE FROM scscf_binding WHERE impu = ?1")->bind(1, r.impu).run();
  db_.cached(
         "INSERT INTO scscf_registration (impu, impi, user_data, updated_at) VALUES (?1, ?2, ?3, ?4) "
         "ON CONFLICT (impu) DO UPDATE SET impi = excluded.impi, user_data = excluded.user_data, "
         "updated_at = excluded.updated_at")
      ->bind(1, r.impu)
      .bind(2, r.impi)
      .bind(3, ims::to_xml(r.profile))
      .bind(4, wall)
      .run();
  for (const auto& b : r.bindings) {
    std::string path;
    for (const auto& p : b.path) path += (path.empty() ? "" : ", ") + p;
    const auto left = std::chrono::duration_cast<std::chrono::seconds>(b.expires_at - now).count();
    auto stmt = db_.cached(
        "INSERT OR REPLACE INTO scscf_binding (impu, uri, contact, instance, reg_id, path, call_id, cseq, expires_at) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
    stmt->bind(1, r.impu).bind(2, b.uri).bind(3, b.contact);
    if (b.instance) {
      stmt->bind(4, *b.instance);
    } else {
      stmt->bind_null(4);
    }
    if (b.reg_id) {
      stmt->bind(5, static_cast<std::int64_t>(*b.reg_id));
    } else {
      stmt->bind_null(5);
    }
    stmt->bind(6, path).bind(7, b.call_id).bind(8, static_cast<std::int64_t>(b.cseq)).bind(9, wall + left).run();
  }
}

void SqlRegistrationStore::erase_rows(const std::string& impu) {
  db_.cached("DELETE FROM scscf_binding WHERE impu = ?1")->bind(1, impu).run();
  db_.cached("DELETE FROM scscf_registration WHERE impu = ?1")->bind(1, impu).run();
}

std::vector<Registration> SqlRegistrationStore::load(Time now, runtime::Clock::WallTime wall_now) {
  const auto wall = unix_seconds(wall_now);
  std::vector<Registration> out;
  {
    auto regs = db_.prepare("SELECT impu, impi, user_data FROM scscf_registration ORDER BY impu");
    while (regs.step()) {
      Registration r;
      r.impu = regs.text(0);
      r.impi = regs.text(1);
      if (auto profile = ims::parse_ims_subscription(regs.text(2))) r.profile = std::move(*profile);
      r.identities = implicit_set(r.profile, r.impu);
      out.push_back(std::move(r));
    }
  }
  for (auto& r : out) {
    auto b = db_.prepare(
        "SELECT uri, contact, instance, reg_id, path, call_id, cseq, expires_at FROM scscf_binding "
        "WHERE impu = ?1 AND expires_at > ?2 ORDER BY rowid");
    b.bind(1, r.impu).bind(2, wall);
    while (b.step()) {
      Binding x;
      x.uri = b.text(0);
      x.contact = b.text(1);
      if (!b.is_null(2)) x.instance = b.text(2);
      if (!b.is_null(3)) x.reg_id = static_cast<std::uint32_t>(b.integer(3));
      const auto path = b.text(4);
      if (!path.empty()) {
        const auto list = sip::split_list(path);
        if (list) {
          for (const auto v : list.value) x.path.emplace_back(v);
        }
      }
      x.call_id = b.text(5);
      x.cseq = static_cast<std::uint32_t>(b.integer(6));
      x.expires_at = now + std::chrono::seconds(b.integer(7) - wall);
      r.bindings.push_back(std::move(x));
    }
  }
  std::erase_if(out, [](const Registration& r) { return r.bindings.empty(); });
  return out;
}

void SqlSubscriptionStore::write(const std::vector<RegSubscription>& saved, const std::vector<std::string>& erased,
                                 Time now, runtime::Clock::WallTime wall_now) {
  store::Database::Transaction tx(db_);
  for (const auto& id : erased) db_.cached("DELETE FROM scscf_reg_subscription WHERE id = ?1")->bind(1, id).run();
  const auto wall = unix_seconds(wall_now);
  for (const auto& s : saved) {
    std::string routes;
    for (const auto& r : s.route_set) routes += (routes.empty() ? "" : "\n") + r;
    const auto left = std::chrono::duration_cast<std::chrono::seconds>(s.expires_at - now).count();
    auto st = db_.cached(
        "INSERT OR REPLACE INTO scscf_reg_subscription (id, impu, call_id, local_tag, local_uri, remote, remote_target, "
        "route_set, subscriber, by_user, cseq, version, expires_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, "
        "?11, ?12, ?13)");
    st->bind(1, s.call_id + ";" + s.local_tag).bind(2, s.key).bind(3, s.call_id).bind(4, s.local_tag);
    st->bind(5, s.local_uri).bind(6, s.remote).bind(7, s.remote_target).bind(8, routes).bind(9, s.subscriber);
    st->bind(10, std::int64_t{s.by_user}).bind(11, std::int64_t{s.cseq}).bind(12, std::int64_t{s.version});
    st->bind(13, wall + left);
    st->run();
  }
  tx.commit();
}

std::vector<RegSubscription> SqlSubscriptionStore::load(Time now, runtime::Clock::WallTime wall_now) {
  const auto wall = unix_seconds(wall_now);
  db_.cached("DELETE FROM scscf_reg_subscription WHERE expires_at <= ?1")->bind(1, wall).run();
  auto st = db_.cached(
      "SELECT impu, call_id, local_tag, local_uri, remote, remote_target, route_set, subscriber, by_user, cseq, "
      "version, expires_at FROM scscf_reg_subscription ORDER BY id");
  std::vector<RegSubscription> out;
  while (st->step()) {
    RegSubscription s;
    s.key = st->text(0);
    s.call_id = st->text(1);
    s.local_tag = st->text(2);
    s.local_uri = st->text(3);
    s.remote = st->text(4);
    s.remote_target = st->text(5);
    const auto routes = st->text(6);
    for (std::size_t pos = 0; pos < routes.size();) {
      const auto end = std::min(routes.find('\n', pos), routes.size());
      s.route_set.push_back(routes.substr(pos, end - pos));
      pos = end + 1;
    }
    s.subscriber = st->text(7);
    s.by_user = st->integer(8) != 0;
    s.cseq = static_cast<std::uint32_t>(st->integer(9));
    s.version = static_cast<std::uint32_t>(st->integer(10));
    s.expires_at = now + std::chrono::seconds(st->integer(11) - wall);
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace imsbox::scscf
