#include "diameter/peer_admission.h"

#include <algorithm>
#include <cctype>

namespace imsbox::diameter {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

boost::asio::ip::address plain(const boost::asio::ip::address& a) {
  if (a.is_v6() && a.to_v6().is_v4_mapped())
    return boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, a.to_v6());
  return a;
}

}  // namespace

void PeerAdmission::allow(std::string_view identity, const boost::asio::ip::address& address) {
  auto key = lower(identity);
  auto [it, added] = peers_.try_emplace(key);
  if (added) order_.push_back(key);
  const auto a = plain(address);
  auto& list = it->second.addresses;
  if (std::find(list.begin(), list.end(), a) == list.end()) list.push_back(a);
}

void PeerAdmission::allow_loopback(std::string_view identity) {
  auto key = lower(identity);
  auto [it, added] = peers_.try_emplace(key);
  if (added) order_.push_back(key);
  it->second.loopback = true;
}

bool PeerAdmission::knows(std::string_view identity) const { return peers_.count(lower(identity)) != 0; }

PeerAdmission::Verdict PeerAdmission::check(std::string_view identity, const boost::asio::ip::address& from) const {
  const auto it = peers_.find(lower(identity));
  if (it == peers_.end()) return Verdict::unknown_identity;
  const auto a = plain(from);
  if (it->second.loopback && a.is_loopback()) return Verdict::admitted;
  const auto& list = it->second.addresses;
  return std::find(list.begin(), list.end(), a) != list.end() ? Verdict::admitted : Verdict::wrong_address;
}

std::string PeerAdmission::describe() const {
  std::string out;
  for (const auto& key : order_) {
    const From& f = peers_.at(key);
    std::string from;
    if (f.loopback) from = "loopback";
    for (const auto& a : f.addresses) from += (from.empty() ? "" : ", ") + a.to_string();
    out += (out.empty() ? "" : ", ") + key + " (" + (from.empty() ? "nowhere" : from) + ")";
  }
  return out.empty() ? "none" : out;
}

std::string_view to_string(PeerAdmission::Verdict v) {
  switch (v) {
    case PeerAdmission::Verdict::admitted: return "admitted";
    case PeerAdmission::Verdict::unknown_identity: return "unknown identity";
    case PeerAdmission::Verdict::wrong_address: return "not an address of that identity";
  }
  return "?";
}

std::optional<boost::asio::ip::address> remote_address_of(std::string_view name) {
  // freeDiameter names an accepted connection "<flags> <proto> from [<numeric host>]:<port> (...)".
  constexpr std::string_view marker = " from [";
  const auto start = name.find(marker);
  if (start == std::string_view::npos) return std::nullopt;
  const auto first = start + marker.size();
  const auto end = name.find(']', first);
  if (end == std::string_view::npos) return std::nullopt;  // cut short: refuse rather than guess
  boost::system::error_code ec;
  const auto a = boost::asio::ip::make_address(std::string(name.substr(first, end - first)), ec);
  if (ec) return std::nullopt;
  return plain(a);
}

}  // namespace imsbox::diameter
