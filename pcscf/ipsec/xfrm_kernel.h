#pragma once
// The kernel ESP backend's netlink edge: installs and removes the P-CSCF's XFRM
// states (SAs) and policies over a NETLINK_XFRM socket (libmnl), and tells
// whether the kernel can do ESP at all. The messages are xfrm_messages.h's.
//
// Threading: one object per thread; every call is a blocking request/answer
// with the kernel (microseconds; at most 2 s when the kernel does not answer).
// Needs CAP_NET_ADMIN in the socket's network namespace: the namespace of the
// thread that constructs the object.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <system_error>

#include "pcscf/ipsec/xfrm_sa.h"

namespace imsbox::pcscf::ipsec {

// The kernel's answer to one request.
struct XfrmResult {
  std::error_code error;       // empty on success; else the kernel's errno (system_category)
  std::string kernel_message;  // the kernel's extended ACK text, e.g. "Requested type not found"

  explicit operator bool() const { return !error; }
  // "ok", or the errno text and the kernel's text: "Protocol not supported (Requested type not found)".
  std::string describe() const;
};

class XfrmKernel {
 public:
  // Opens and binds the socket; throws std::system_error when it cannot.
  explicit XfrmKernel(XfrmTag tag = {});
  ~XfrmKernel();
  XfrmKernel(const XfrmKernel&) = delete;
  XfrmKernel& operator=(const XfrmKernel&) = delete;

  // XFRM_MSG_NEWSA: the state for `sa`, tagged. An invalid SA (invalid_reason())
  // is refused here with EINVAL and the reason, without asking the kernel.
  XfrmResult add_sa(const XfrmSa& sa);
  // XFRM_MSG_UPDSA: new lifetimes for an SA in place (temporary -> registration
  // lifetime + 30 s at the 200 OK). ESRCH when there is no such state.
  XfrmResult update_sa(const XfrmSa& sa);
  // XFRM_MSG_DELSA by (dst, SPI, ESP). ESRCH when there is no such state.
  XfrmResult delete_sa(const XfrmSa& sa);
  // XFRM_MSG_NEWPOLICY for sa's direction, selector and template. EEXIST when a
  // policy with this selector (tag included) and direction is in place.
  XfrmResult add_policy(const XfrmSa& sa);
  // XFRM_MSG_UPDPOLICY: the policy for sa's selector and direction, replacing
  // the one in place (or adding it).
  XfrmResult update_policy(const XfrmSa& sa);
  // XFRM_MSG_DELPOLICY by selector (tag included) and direction. ENOENT when none.
  XfrmResult delete_policy(const XfrmSa& sa);

  struct Removed {
    std::size_t sas = 0;       // states deleted
    std::size_t policies = 0;  // policies deleted
    XfrmResult result;         // the first failure (the removal goes on past it)
  };
  // For the start of the P-CSCF: dumps every state and policy and deletes those
  // whose selector carries this object's tag, and no others.
  Removed remove_ours();

 private:
  struct Socket;
  XfrmResult request(std::size_t length);
  template <typename Visit>
  XfrmResult dump(std::size_t length, Visit&& visit);

  XfrmTag tag_;
  std::unique_ptr<Socket> socket_;
  std::uint32_t seq_;
};

// Whether the kernel has ESP, for `pcscf.ipsec_backend = auto`.
struct EspSupport {
  bool available = false;
  std::string reason;  // how it was found out, for the start log line
};
// Tries to install a throw-away ESP SA (HMAC-SHA-1-96 + AES-CBC, TEST-NET
// addresses) in a network namespace made for the purpose, so that the host's
// XFRM state is never touched and the kernel itself answers (modules it can load
// on demand included). Where no namespace can be made (no CAP_SYS_ADMIN) it tries
// in the current namespace, tagged, and deletes the SA at once.
EspSupport probe_kernel_esp(XfrmTag tag = {});

}  // namespace imsbox::pcscf::ipsec
