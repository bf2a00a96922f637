#pragma once
// ESP in the kernel (issue 17's kernel backend): each SA becomes an XFRM
// state in transport mode and a policy with the same selector (exact
// addresses and ports, any protocol) and direction, tagged as the P-CSCF's
// (xfrm_sa.h's XfrmTag), over netlink (xfrm_kernel.h). The kernel then
// encrypts what the protected sockets send and refuses plaintext that
// matches an inbound policy. At start the states and policies an earlier
// run left behind (tagged) are removed.
#include <memory>
#include <span>
#include <string>

#include "pcscf/ipsec/security_association.h"
#include "pcscf/ipsec/xfrm_sa.h"

namespace imsbox::runtime {
class Logger;
}

namespace imsbox::pcscf::ipsec {

class XfrmKernel;

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
};

}  // namespace imsbox::pcscf::ipsec
