#include "pcscf/security_associations.h"

#include <algorithm>

namespace imsbox::pcscf {

namespace {

using ipsec::SecurityAssociation;

void erase_one(std::multimap<std::pair<boost::asio::ip::address, std::uint16_t>, std::uint64_t>& index,
               const std::pair<boost::asio::ip::address, std::uint16_t>& key, std::uint64_t id) {
  auto [first, last] = index.equal_range(key);
  for (auto it = first; it != last; ++it) {
    if (it->second == id) {
      index.erase(it);
      return;
    }
  }
}

}  // namespace

std::string_view to_string(SecuritySet::State s) {
  switch (s) {
    case SecuritySet::State::pending: return "pending";
    case SecuritySet::State::active: return "active";
    case SecuritySet::State::old: return "old";
  }
  return "?";
}

std::string ipsec_status(const SecurityAssociations& table, Time now) {
  if (table.sets().empty()) return "no SAs\n";
  std::string out;
  for (const auto& [id, s] : table.sets()) {
    const auto left = std::chrono::duration_cast<std::chrono::seconds>(s.expires_at - now).count();
    out += s.impi + " at " + s.ue.to_string() + ": " + std::string(to_string(s.state)) + ", " +
           to_string(AlgorithmPair{s.ours.alg, s.ours.ealg}) + ", " + std::to_string(left) + " s left\n";
    for (const auto& sa : security_associations(s)) out += "  " + ipsec::to_string(sa) + "\n";
  }
  return out;
}

std::vector<SecurityAssociation> security_associations(const SecuritySet& set) {
  using D = SecurityAssociation::Direction;
  const auto& ue = set.ue_mechanism;
  const auto& us = set.ours;
  return {
      {D::inbound, set.ue, set.pcscf, ue.port_c, us.port_s, us.spi_s, set.keys},
      {D::outbound, set.pcscf, set.ue, us.port_c, ue.port_s, ue.spi_s, set.keys},
      {D::outbound, set.pcscf, set.ue, us.port_s, ue.port_c, ue.spi_c, set.keys},
      {D::inbound, set.ue, set.pcscf, ue.port_s, us.port_c, us.spi_c, set.keys},
  };
}

SecurityAssociations::SecurityAssociations(ProtectedPorts ports, std::uint32_t spi_min, std::uint32_t spi_max)
    : ports_(ports), spi_min_(std::max<std::uint32_t>(spi_min, 256)), spi_max_(std::max(spi_max, spi_min_)),
      next_spi_(spi_min_) {}

std::optional<std::uint32_t> SecurityAssociations::allocate_spi(const IpsecMechanism& ue) {
  const std::uint64_t span = std::uint64_t{spi_max_} - spi_min_ + 1;
  for (std::uint64_t tried = 0; tried < span && tried < 1'000'000; ++tried) {
    const std::uint32_t spi = next_spi_;
    next_spi_ = spi == spi_max_ ? spi_min_ : spi + 1;
    if (spi == ue.spi_c || spi == ue.spi_s || spis_in_use_.contains(spi)) continue;
    spis_in_use_.insert(spi);
    return spi;
  }
  return std::nullopt;
}

const SecuritySet* SecurityAssociations::add_pending(const boost::asio::ip::address& ue,
                                                     const boost::asio::ip::address& pcscf,
                                                     const IpsecMechanism& chosen, std::vector<IpsecMechanism> offer,
                                                     std::string impi, ipsec::EspKeys keys, Time expires_at) {
  const auto spi_c = allocate_spi(chosen);
  if (!spi_c) return nullptr;
  const auto spi_s = allocate_spi(chosen);
  if (!spi_s) {
    spis_in_use_.erase(*spi_c);
    return nullptr;
  }
  SecuritySet set;
  set.id = next_id_++;
  set.ue = ue;
  set.pcscf = pcscf;
  set.ue_mechanism = chosen;
  set.ours = IpsecMechanism{chosen.alg, chosen.ealg, *spi_c, *spi_s, ports_.client, ports_.server};
  set.client_offer = std::move(offer);
  set.impi = std::move(impi);
  set.keys = std::move(keys);
  auto& stored = sets_.emplace(set.id, std::move(set)).first->second;
  set_expiry(stored, expires_at);
  by_client_port_.emplace(UePort{ue, chosen.port_c}, stored.id);
  by_server_port_.emplace(UePort{ue, chosen.port_s}, stored.id);
  return &stored;
}

void SecurityAssociations::set_expiry(SecuritySet& set, Time expires_at) {
  expiries_.erase({set.expires_at, set.id});
  set.expires_at = expires_at;
  expiries_.insert({expires_at, set.id});
}

const SecuritySet* SecurityAssociations::newest(const std::multimap<UePort, std::uint64_t>& index,
                                                const UePort& key, Time now) const {
  const SecuritySet* best = nullptr;
  auto [first, last] = index.equal_range(key);
  for (auto it = first; it != last; ++it) {
    const auto s = sets_.find(it->second);
    if (s == sets_.end() || s->second.expires_at <= now) continue;
    if (!best || s->second.id > best->id) best = &s->second;
  }
  return best;
}

const SecuritySet* SecurityAssociations::arrived_over(const sip::Peer& source, Time now) const {
  if (source.local_port == 0) return nullptr;
  if (source.local_port == ports_.server) return newest(by_client_port_, {source.address, source.port}, now);
  if (source.local_port == ports_.client) return newest(by_server_port_, {source.address, source.port}, now);
  return nullptr;
}

void SecurityAssociations::route(sip::Peer& to, bool is_request, Time now) const {
  // only a UE's flow to our port_ps (its binding, or the source of a request)
  if (sets_.empty() || to.local_port != ports_.server) return;
  if (to.transport != sip::Transport::udp && to.transport != sip::Transport::tcp) return;
  if (to.transport == sip::Transport::tcp && !is_request) return;  // on the UE's own connection
  const auto* set = newest(by_client_port_, {to.address, to.port}, now);
  if (!set) {
    // a binding on the flow of a set that has since been replaced (a
    // re-registration that moved the UE to new ports kept its old contact):
    // the UE is reachable only over its newest active set
    for (const auto& [id, s] : sets_) {
      if (s.ue == to.address && s.state == SecuritySet::State::active && s.expires_at > now &&
          (!set || id > set->id)) {
        set = &s;
      }
    }
    if (!set) return;
  }
  to.port = set->ue_mechanism.port_s;
  to.local_port = ports_.client;
  to.connection = 0;  // TCP: a connection from port_pc to its port_us, opened when there is none
}

void SecurityAssociations::promote(std::uint64_t id, Time expires_at) {
  const auto it = sets_.find(id);
  if (it == sets_.end()) return;
  auto& set = it->second;
  for (auto& [other_id, other] : sets_) {
    if (other_id != id && other.state == SecuritySet::State::active && other.ue == set.ue && other.impi == set.impi) {
      other.state = SecuritySet::State::old;
    }
  }
  set.state = SecuritySet::State::active;
  set_expiry(set, expires_at);
}

void SecurityAssociations::extend(std::uint64_t id, Time expires_at) {
  const auto it = sets_.find(id);
  if (it != sets_.end() && it->second.state == SecuritySet::State::active) set_expiry(it->second, expires_at);
}

std::vector<SecuritySet> SecurityAssociations::used(std::uint64_t id) {
  std::vector<SecuritySet> gone;
  const auto it = sets_.find(id);
  if (it == sets_.end() || it->second.state != SecuritySet::State::active) return gone;
  const auto ue = it->second.ue;
  const auto impi = it->second.impi;
  for (auto o = sets_.begin(); o != sets_.end();) {
    if (o->second.state == SecuritySet::State::old && o->second.ue == ue && o->second.impi == impi) {
      gone.push_back(take(o++));
    } else {
      ++o;
    }
  }
  return gone;
}

SecuritySet SecurityAssociations::take(std::map<std::uint64_t, SecuritySet>::iterator it) {
  SecuritySet set = std::move(it->second);
  sets_.erase(it);
  expiries_.erase({set.expires_at, set.id});
  spis_in_use_.erase(set.ours.spi_c);
  spis_in_use_.erase(set.ours.spi_s);
  erase_one(by_client_port_, {set.ue, set.ue_mechanism.port_c}, set.id);
  erase_one(by_server_port_, {set.ue, set.ue_mechanism.port_s}, set.id);
  return set;
}

std::optional<SecuritySet> SecurityAssociations::remove(std::uint64_t id) {
  const auto it = sets_.find(id);
  if (it == sets_.end()) return std::nullopt;
  return take(it);
}

std::vector<SecuritySet> SecurityAssociations::remove_ue(const boost::asio::ip::address& ue, std::string_view impi) {
  std::vector<SecuritySet> gone;
  for (auto it = sets_.begin(); it != sets_.end();) {
    if (it->second.ue == ue && it->second.impi == impi) {
      gone.push_back(take(it++));
    } else {
      ++it;
    }
  }
  return gone;
}

std::vector<SecuritySet> SecurityAssociations::expire(Time now) {
  std::vector<SecuritySet> gone;
  while (!expiries_.empty() && expiries_.begin()->first <= now) {
    const auto id = expiries_.begin()->second;
    const auto it = sets_.find(id);
    if (it == sets_.end()) {
      expiries_.erase(expiries_.begin());
      continue;
    }
    gone.push_back(take(it));
  }
  return gone;
}

std::optional<Time> SecurityAssociations::next_expiry() const {
  if (expiries_.empty()) return std::nullopt;
  return expiries_.begin()->first;
}

const SecuritySet* SecurityAssociations::find(std::uint64_t id) const {
  const auto it = sets_.find(id);
  return it == sets_.end() ? nullptr : &it->second;
}

}  // namespace imsbox::pcscf
