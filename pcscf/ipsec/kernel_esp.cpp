#include "pcscf/ipsec/kernel_esp.h"

#include <stdexcept>
#include <vector>

#include "pcscf/ipsec/xfrm_kernel.h"
#include "runtime/log.h"

namespace imsbox::pcscf::ipsec {

namespace {

IpAddress ip(const boost::asio::ip::address& a) {
  return a.is_v4() ? IpAddress::v4(a.to_v4().to_bytes()) : IpAddress::v6(a.to_v6().to_bytes());
}

}  // namespace

PolicyOwners::Key PolicyOwners::key(const SecurityAssociation& sa) {
  return {static_cast<int>(sa.direction), sa.source.to_string(), sa.destination.to_string(), sa.source_port,
          sa.destination_port};
}

PolicyOwners::Step PolicyOwners::take(const SecurityAssociation& sa) {
  auto [it, added] = owner_.try_emplace(key(sa), sa.spi);
  if (added) return Step::add;
  it->second = sa.spi;
  return Step::update;
}

bool PolicyOwners::release(const SecurityAssociation& sa) {
  const auto it = owner_.find(key(sa));
  if (it == owner_.end() || it->second != sa.spi) return false;
  owner_.erase(it);
  return true;
}

XfrmSa to_xfrm(const SecurityAssociation& sa) {
  XfrmSa x;
  x.src = ip(sa.source);
  x.dst = ip(sa.destination);
  x.sport = sa.source_port;
  x.dport = sa.destination_port;
  x.spi = sa.spi;
  x.direction = sa.direction == SecurityAssociation::Direction::inbound ? Direction::inbound : Direction::outbound;
  x.auth = sa.keys.integrity;
  x.auth_key = runtime::SecretBytes(std::vector<std::uint8_t>(sa.keys.integrity_key.begin(), sa.keys.integrity_key.end()));
  x.enc = sa.keys.encryption;
  x.enc_key = runtime::SecretBytes(std::vector<std::uint8_t>(sa.keys.encryption_key.begin(), sa.keys.encryption_key.end()));
  x.reqid = sa.spi;
  return x;
}

KernelEsp::KernelEsp(runtime::Logger& log, XfrmTag tag) : log_(log) {
  try {
    kernel_ = std::make_unique<XfrmKernel>(tag);
  } catch (const std::exception& e) {
    throw std::runtime_error(std::string("kernel ESP: no XFRM netlink socket (needs CAP_NET_ADMIN): ") + e.what());
  }
  const auto removed = kernel_->remove_ours();
  if (removed.sas || removed.policies) {
    log_.info("kernel ESP: removed " + std::to_string(removed.sas) + " SA(s) and " +
              std::to_string(removed.policies) + " policy(ies) an earlier run left");
  }
  if (!removed.result) log_.warning("kernel ESP: cleaning up an earlier run's SAs: " + removed.result.describe());
}

KernelEsp::~KernelEsp() = default;

bool KernelEsp::install(std::span<const SecurityAssociation> sas) {
  std::vector<XfrmSa> states;
  std::vector<SecurityAssociation> policies;
  const auto undo = [&] {
    remove(policies);
    for (const auto& x : states) kernel_->delete_sa(x);
  };
  for (const auto& sa : sas) {
    auto x = to_xfrm(sa);
    if (const auto r = kernel_->add_sa(x); !r) {
      log_.error("kernel ESP: the kernel refused the SA " + to_string(sa) + ": " + r.describe());
      undo();
      return false;
    }
    states.push_back(x);
    // a selector another of our SAs has (the UE kept its ports): take its policy over
    auto r = owners_.take(sa) == PolicyOwners::Step::add ? kernel_->add_policy(x) : kernel_->update_policy(x);
    if (!r && r.error == std::errc::file_exists) r = kernel_->update_policy(x);  // left by an earlier run
    policies.push_back(sa);
    if (!r) {
      log_.error("kernel ESP: the kernel refused the policy of " + to_string(sa) + ": " + r.describe());
      undo();
      return false;
    }
  }
  return true;
}

void KernelEsp::remove(std::span<const SecurityAssociation> sas) {
  for (const auto& sa : sas) {
    const auto x = to_xfrm(sa);
    if (owners_.release(sa)) kernel_->delete_policy(x);
    kernel_->delete_sa(x);
  }
}

}  // namespace imsbox::pcscf::ipsec
