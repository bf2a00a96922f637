#include "pcscf/ipsec/xfrm_kernel.h"

#include <libmnl/libmnl.h>
#include <linux/netlink.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <array>
#include <cerrno>
#include <ctime>
#include <vector>

#include "pcscf/ipsec/network_namespace.h"
#include "pcscf/ipsec/xfrm_messages.h"

namespace imsbox::pcscf::ipsec {
namespace {

std::error_code errno_code(int e) { return {e, std::system_category()}; }

// A dump reply's datagrams can be larger than a page; 32 KiB is what the kernel
// fills at most for a reader with this much room (netlink_dump).
constexpr std::size_t receive_buffer_size = 32768;

}  // namespace

std::string XfrmResult::describe() const {
  if (!error) return "ok";
  std::string text = error.message();
  if (!kernel_message.empty()) text += " (" + kernel_message + ")";
  return text;
}

struct XfrmKernel::Socket {
  mnl_socket* nl = nullptr;
  std::array<std::uint8_t, xfrm_message_max> request{};
  std::vector<std::uint8_t> reply = std::vector<std::uint8_t>(receive_buffer_size);

  ~Socket() {
    if (nl) mnl_socket_close(nl);
  }
};

XfrmKernel::XfrmKernel(XfrmTag tag)
    : tag_(tag), socket_(std::make_unique<Socket>()), seq_(static_cast<std::uint32_t>(std::time(nullptr))) {
  socket_->nl = mnl_socket_open(NETLINK_XFRM);
  if (!socket_->nl) throw std::system_error(errno_code(errno), "netlink XFRM socket");
  if (mnl_socket_bind(socket_->nl, 0, MNL_SOCKET_AUTOPID) < 0)
    throw std::system_error(errno_code(errno), "netlink XFRM bind");
  // The kernel's reason in words (extended ACK), without the request echoed back.
  int on = 1;
  mnl_socket_setsockopt(socket_->nl, NETLINK_EXT_ACK, &on, sizeof on);
  mnl_socket_setsockopt(socket_->nl, NETLINK_CAP_ACK, &on, sizeof on);
  timeval timeout{2, 0};
  setsockopt(mnl_socket_get_fd(socket_->nl), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
}

XfrmKernel::~XfrmKernel() = default;

XfrmResult XfrmKernel::request(std::size_t length) {
  const std::uint32_t seq = seq_;
  if (mnl_socket_sendto(socket_->nl, socket_->request.data(), length) < 0) return {errno_code(errno), {}};
  for (;;) {
    const ssize_t n = mnl_socket_recvfrom(socket_->nl, socket_->reply.data(), socket_->reply.size());
    if (n < 0) return {errno_code(errno == EAGAIN ? ETIMEDOUT : errno), {}};
    const XfrmAck ack = parse_ack({socket_->reply.data(), static_cast<std::size_t>(n)}, seq);
    if (!ack.found) continue;  // an answer to an earlier request that timed out
    if (ack.error == 0) return {};
    return {errno_code(-ack.error), ack.message};
  }
}

template <typename Visit>
XfrmResult XfrmKernel::dump(std::size_t length, Visit&& visit) {
  const std::uint32_t seq = seq_;
  if (mnl_socket_sendto(socket_->nl, socket_->request.data(), length) < 0) return {errno_code(errno), {}};
  for (;;) {
    const ssize_t n = mnl_socket_recvfrom(socket_->nl, socket_->reply.data(), socket_->reply.size());
    if (n < 0) return {errno_code(errno == EAGAIN ? ETIMEDOUT : errno), {}};
    const XfrmDumpChunk chunk = parse_dump({socket_->reply.data(), static_cast<std::size_t>(n)});
    for (const XfrmEntry& e : chunk.entries)
      if (e.seq == seq) visit(e);
    if (chunk.error != 0) return {errno_code(-chunk.error), {}};
    if (chunk.done) return {};
  }
}

XfrmResult XfrmKernel::add_sa(const XfrmSa& sa) {
  if (auto reason = invalid_reason(sa)) return {errno_code(EINVAL), *reason};
  return request(build_new_sa(socket_->request, sa, tag_, ++seq_));
}

XfrmResult XfrmKernel::update_sa(const XfrmSa& sa) {
  if (auto reason = invalid_reason(sa)) return {errno_code(EINVAL), *reason};
  return request(build_update_sa(socket_->request, sa, tag_, ++seq_));
}

XfrmResult XfrmKernel::delete_sa(const XfrmSa& sa) {
  const std::size_t length = build_delete_sa(socket_->request, sa, ++seq_);
  if (length == 0) return {errno_code(EINVAL), "addresses of different families"};
  return request(length);
}

XfrmResult XfrmKernel::add_policy(const XfrmSa& sa) {
  const std::size_t length = build_new_policy(socket_->request, sa, tag_, ++seq_);
  if (length == 0) return {errno_code(EINVAL), "addresses of different families"};
  return request(length);
}

XfrmResult XfrmKernel::update_policy(const XfrmSa& sa) {
  const std::size_t length = build_update_policy(socket_->request, sa, tag_, ++seq_);
  if (length == 0) return {errno_code(EINVAL), "addresses of different families"};
  return request(length);
}

XfrmResult XfrmKernel::delete_policy(const XfrmSa& sa) {
  const std::size_t length = build_delete_policy(socket_->request, sa, tag_, ++seq_);
  if (length == 0) return {errno_code(EINVAL), "addresses of different families"};
  return request(length);
}

XfrmKernel::Removed XfrmKernel::remove_ours() {
  Removed removed;
  auto note = [&](const XfrmResult& r) {
    if (!r && !removed.result.error) removed.result = r;
  };

  std::vector<XfrmEntry> sas;
  note(dump(build_dump_sa_request(socket_->request, ++seq_), [&](const XfrmEntry& e) {
    if (e.tag == tag_.value) sas.push_back(e);
  }));
  for (const XfrmEntry& e : sas) {
    XfrmSa sa;
    sa.src = e.src;
    sa.dst = e.dst;
    sa.spi = e.spi;
    const XfrmResult r = delete_sa(sa);
    if (r) ++removed.sas;
    note(r);
  }

  std::vector<XfrmEntry> policies;
  note(dump(build_dump_policy_request(socket_->request, ++seq_), [&](const XfrmEntry& e) {
    if (e.tag == tag_.value) policies.push_back(e);
  }));
  for (const XfrmEntry& e : policies) {
    const XfrmResult r = request(build_delete_policy_by_index(socket_->request, e.index, e.xfrm_dir, ++seq_));
    if (r) ++removed.policies;
    note(r);
  }
  return removed;
}

namespace {

// An SA no packet will ever use: TEST-NET-1 addresses (RFC 5737), the default algorithms.
XfrmSa probe_sa() {
  XfrmSa sa;
  sa.src = IpAddress::v4({192, 0, 2, 1});
  sa.dst = IpAddress::v4({192, 0, 2, 2});
  sa.sport = 9;
  sa.dport = 9;
  sa.spi = 0x696d7362;
  sa.direction = Direction::outbound;
  sa.auth = IntegrityAlgorithm::hmac_sha1_96;
  sa.auth_key = runtime::SecretBytes(std::vector<std::uint8_t>(key_length(sa.auth), 0x5a));
  sa.enc = EncryptionAlgorithm::aes_cbc;
  sa.enc_key = runtime::SecretBytes(std::vector<std::uint8_t>(key_length(sa.enc), 0xa5));
  return sa;
}

EspSupport probe_with(XfrmKernel& kernel, const std::string& where) {
  const XfrmResult r = kernel.add_sa(probe_sa());
  if (!r) return {false, std::string("an ESP SA ") + where + " was refused: " + r.describe()};
  return {true, std::string("an ESP SA (hmac(sha1), cbc(aes)) ") + where + " was accepted"};
}

}  // namespace

EspSupport probe_kernel_esp(XfrmTag tag) {
  EspSupport support;
  const std::error_code ns = run_in_new_network_namespace([&] {
    try {
      XfrmKernel kernel(tag);
      support = probe_with(kernel, "in a throw-away network namespace");
    } catch (const std::system_error& e) {
      support = {false, std::string("no XFRM netlink socket: ") + e.what()};
    }
  });
  if (!ns) return support;
  // No namespace of our own: ask in this one, and take the SA out again.
  try {
    XfrmKernel kernel(tag);
    support = probe_with(kernel, "in this network namespace (no new one: " + ns.message() + ")");
    if (support.available) kernel.delete_sa(probe_sa());
  } catch (const std::system_error& e) {
    support = {false, std::string("no XFRM netlink socket: ") + e.what()};
  }
  return support;
}

}  // namespace imsbox::pcscf::ipsec
