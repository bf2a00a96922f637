#pragma once
// ESP in the kernel (issue 17's kernel backend): each SA becomes an XFRM
// state in transport mode and a policy with the same selector (exact
// addresses and ports, any protocol) and direction, tagged as the P-CSCF's
// (xfrm_sa.h's XfrmTag), over netlink (xfrm_kernel.h). The kernel then
// encrypts what the protected sockets send and refuses plaintext that
// matches an inbound policy. At start the states and policies an earlier
// run left behind (tagged) are removed.
#include <cstdint>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <tuple>

#include "pcscf/ipsec/security_association.h"
#include "pcscf/ipsec/xfrm_sa.h"

namespace imsbox::runtime {
class Logger;
}

namespace imsbox::pcscf::ipsec {

class XfrmKernel;

// Which SA each XFRM policy (a selector and a direction) belongs to. A
// re-registration's SA that keeps the UE's ports has the selector of the old
// set's SA: it takes the policy over (XFRM_MSG_UPDPOLICY), and removing the
// old SA later must leave it alone. Pure.
class PolicyOwners {
 public:
  enum class Step : std::uint8_t { add, update };
  // `sa` is to have its selector's policy: add it, or update the one another SA has.
  Step take(const SecurityAssociation& sa);
  // `sa` goes: true when the policy is still its own (delete it).
  bool release(const SecurityAssociation& sa);
  std::size_t size() const { return owner_.size(); }

 private:
  using Key = std::tuple<int, std::string, std::string, std::uint16_t, std::uint16_t>;
  static Key key(const SecurityAssociation& sa);
  std::map<Key, std::uint32_t> owner_;  // the SPI of the SA whose policy it is
};

// The XFRM form of an SA: the SPI doubles as the request id that ties the
// state to its policy's template.
XfrmSa to_xfrm(const SecurityAssociation& sa);

class KernelEsp final : public EspBackend {
 public:
  // Opens the netlink socket and removes what an earlier run left; throws
  // std::runtime_error when there is no XFRM netlink (no CAP_NET_ADMIN).
  KernelEsp(runtime::Logger& log, XfrmTag tag = {});
  ~KernelEsp() override;

  std::string_view name() const override { return "kernel"; }
  // A state and a policy per SA; on the first refusal what was added goes
  // again and the kernel's reason is logged.
  bool install(std::span<const SecurityAssociation> sas) override;
  void remove(std::span<const SecurityAssociation> sas) override;

 private:
  runtime::Logger& log_;
  std::unique_ptr<XfrmKernel> kernel_;
  PolicyOwners owners_;
};

}  // namespace imsbox::pcscf::ipsec
