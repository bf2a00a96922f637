#pragma once
// The P-CSCF's IPsec security associations with its UEs (TS 33.203 §7,
// TS 24.229 §5.2.2): per UE a set of four SAs, made at the 401 (pending),
// in use from the 200 OK to the protected REGISTER (active, for the
// registration's lifetime + 30 s), replaced by a re-registration's set (the
// old one stays until the first request arrives over the new one), gone at
// expiry or de-registration.
//
// Pure: no I/O, time in arguments. Every call that adds or drops sets says
// which, so that the caller installs or removes their SAs with its ESP
// backend. Single-threaded.
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "pcscf/ipsec/security_association.h"
#include "pcscf/registrations.h"
#include "pcscf/sec_agree.h"
#include "sip/peer.h"

namespace imsbox::pcscf {

// Our protected ports (TS 33.203 §7.1): port_pc and port_ps.
struct ProtectedPorts {
  std::uint16_t client = 0;
  std::uint16_t server = 0;
};

struct SecuritySet {
  enum class State : std::uint8_t { pending, active, old };
  std::uint64_t id = 0;
  State state = State::pending;
  boost::asio::ip::address ue;
  boost::asio::ip::address pcscf;
  IpsecMechanism ue_mechanism;               // the UE's SPIs and ports, the chosen algorithms
  IpsecMechanism ours;                       // our SPIs and ports: the Security-Server we sent
  std::vector<IpsecMechanism> client_offer;  // the whole Security-Client it came from
  std::string impi;
  ipsec::EspKeys keys;
  Time expires_at{};
};

std::string_view to_string(SecuritySet::State s);

// The four SAs of a set (TS 33.203 §7.1), each SPI the receiver's:
// UE port_uc -> port_ps (ours: spi_s), port_pc -> UE port_us (the UE's
// spi_s), port_ps -> UE port_uc (its spi_c), UE port_us -> port_pc (our spi_c).
std::vector<ipsec::SecurityAssociation> security_associations(const SecuritySet& set);

class SecurityAssociations;
// One paragraph per set: the UE, its IMPI, state and time left, then its
// four SAs (to_string(SecurityAssociation)); "no SAs" when there is none.
std::string ipsec_status(const SecurityAssociations& table, Time now);

class SecurityAssociations {
 public:
  // SPIs are allocated from [spi_min, spi_max] (RFC 4303: 1..255 reserved).
  SecurityAssociations(ProtectedPorts ports, std::uint32_t spi_min = 0x10000, std::uint32_t spi_max = 0x7FFFFFFF);

  const ProtectedPorts& ports() const { return ports_; }

  // At the 401 to a REGISTER whose Security-Client offered `chosen` (among
  // `offer`): a pending set with two fresh SPIs of ours, never equal to one
  // in use or to the UE's, until `expires_at`. Null when the pool is spent.
  const SecuritySet* add_pending(const boost::asio::ip::address& ue, const boost::asio::ip::address& pcscf,
                                 const IpsecMechanism& chosen, std::vector<IpsecMechanism> offer, std::string impi,
                                 ipsec::EspKeys keys, Time expires_at);

  // The set a message arrived over: from the UE's port_uc to our port_ps, or
  // from its port_us to our port_pc (the newest such set); null for any
  // other source (plaintext, or a stranger on a protected port).
  const SecuritySet* arrived_over(const sip::Peer& source, Time now) const;

  // Where a message to a UE goes (TS 33.203 §7.1): a datagram for a UE's
  // protected flow (its port_uc, from our port_ps) goes from our port_pc to its port_us; a
  // request over TCP too, on a connection from port_pc (opened again from
  // port_pc when lost). Responses over TCP stay on the UE's connection.
  // A flow whose set is gone (replaced by a re-registration on new ports)
  // goes over the UE's newest active set. Other destinations are left alone.
  void route(sip::Peer& to, bool is_request, Time now) const;

  // The 200 OK to the protected REGISTER over set `id`: active until
  // `expires_at`; the other active sets of the UE (same address and IMPI)
  // become old, to be removed when the first request arrives over this one.
  void promote(std::uint64_t id, Time expires_at);
  // A request arrived over set `id`: the old sets of its UE go (returned).
  std::vector<SecuritySet> used(std::uint64_t id);
  // The 200 OK to a re-REGISTER over an active set that made no new one.
  void extend(std::uint64_t id, Time expires_at);
  // Removes a set (returned), or nothing.
  std::optional<SecuritySet> remove(std::uint64_t id);
  // Every set of the UE at `ue` registered as `impi` (a de-registration).
  std::vector<SecuritySet> remove_ue(const boost::asio::ip::address& ue, std::string_view impi);
  // The sets expired at `now`, removed.
  std::vector<SecuritySet> expire(Time now);
  std::optional<Time> next_expiry() const;

  const SecuritySet* find(std::uint64_t id) const;
  const std::map<std::uint64_t, SecuritySet>& sets() const { return sets_; }

 private:
  using UePort = std::pair<boost::asio::ip::address, std::uint16_t>;
  std::optional<std::uint32_t> allocate_spi(const IpsecMechanism& ue);
  SecuritySet take(std::map<std::uint64_t, SecuritySet>::iterator it);
  void set_expiry(SecuritySet& set, Time expires_at);
  // The newest live set indexed under `key` in `index`.
  const SecuritySet* newest(const std::multimap<UePort, std::uint64_t>& index, const UePort& key, Time now) const;

  ProtectedPorts ports_;
  std::uint32_t spi_min_, spi_max_, next_spi_;
  std::uint64_t next_id_ = 1;
  std::map<std::uint64_t, SecuritySet> sets_;
  std::set<std::uint32_t> spis_in_use_;
  std::multimap<UePort, std::uint64_t> by_client_port_;  // (UE, port_uc)
  std::multimap<UePort, std::uint64_t> by_server_port_;  // (UE, port_us)
  std::set<std::pair<Time, std::uint64_t>> expiries_;
};

}  // namespace imsbox::pcscf
