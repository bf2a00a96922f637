#include "pcscf/ipsec/xfrm_messages.h"

#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/netlink.h>
#include <linux/xfrm.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstring>

namespace imsbox::pcscf::ipsec {
namespace {

// The kernel's names (crypto API) for the ipsec-3gpp algorithms.
const char* xfrm_name(IntegrityAlgorithm alg) {
  return alg == IntegrityAlgorithm::hmac_sha1_96 ? "hmac(sha1)" : "hmac(md5)";
}
const char* xfrm_name(EncryptionAlgorithm ealg) {
  return ealg == EncryptionAlgorithm::aes_cbc ? "cbc(aes)" : "ecb(cipher_null)";
}

constexpr unsigned icv_bits = 96;    // HMAC-SHA-1-96, HMAC-MD5-96 (RFC 2404, RFC 2403)
constexpr std::uint8_t replay_window = 32;  // RFC 4303 §3.4.3: at least 32

std::uint16_t family_of(const IpAddress& a) { return a.is_v4() ? AF_INET : AF_INET6; }

void copy_address(xfrm_address_t& to, const IpAddress& from) {
  std::memset(&to, 0, sizeof to);
  std::memcpy(&to, from.bytes().data(), from.bytes().size());
}

IpAddress address_of(const xfrm_address_t& a, std::uint16_t family) {
  std::array<std::uint8_t, 16> bytes{};
  std::memcpy(bytes.data(), &a, sizeof bytes);
  if (family == AF_INET) return IpAddress::v4({bytes[0], bytes[1], bytes[2], bytes[3]});
  return IpAddress::v6(bytes);
}

std::uint8_t xfrm_direction(Direction d) { return d == Direction::inbound ? XFRM_POLICY_IN : XFRM_POLICY_OUT; }

// Exact addresses and ports, protocol 0: one SA for the port pair's UDP and TCP.
void fill_selector(xfrm_selector& sel, const XfrmSa& sa, XfrmTag tag) {
  copy_address(sel.daddr, sa.dst);
  copy_address(sel.saddr, sa.src);
  sel.dport = htons(sa.dport);
  sel.dport_mask = 0xffff;
  sel.sport = htons(sa.sport);
  sel.sport_mask = 0xffff;
  sel.family = family_of(sa.src);
  const std::uint8_t prefix = sa.src.is_v4() ? 32 : 128;
  sel.prefixlen_d = prefix;
  sel.prefixlen_s = prefix;
  sel.proto = 0;
  sel.ifindex = 0;
  sel.user = tag.value;
}

void no_byte_or_packet_limits(xfrm_lifetime_cfg& lft) {
  lft.soft_byte_limit = XFRM_INF;
  lft.hard_byte_limit = XFRM_INF;
  lft.soft_packet_limit = XFRM_INF;
  lft.hard_packet_limit = XFRM_INF;
}

// A zeroed buffer with a request header, or nullptr when the buffer is too short.
nlmsghdr* start(std::span<std::uint8_t> buf, std::uint16_t type, std::uint16_t flags, std::uint32_t seq) {
  if (buf.size() < xfrm_message_max) return nullptr;
  std::fill(buf.begin(), buf.begin() + xfrm_message_max, 0);
  nlmsghdr* nlh = mnl_nlmsg_put_header(buf.data());
  nlh->nlmsg_type = type;
  nlh->nlmsg_flags = flags;
  nlh->nlmsg_seq = seq;
  nlh->nlmsg_pid = 0;  // the kernel fills in the sender's port
  return nlh;
}

constexpr std::uint16_t request_ack = NLM_F_REQUEST | NLM_F_ACK;

template <typename Algo>
void put_algorithm(nlmsghdr* nlh, std::uint16_t type, Algo head, const std::vector<std::uint8_t>& key) {
  std::vector<std::uint8_t> attr(sizeof head + key.size());
  std::memcpy(attr.data(), &head, sizeof head);
  if (!key.empty()) std::memcpy(attr.data() + sizeof head, key.data(), key.size());
  mnl_attr_put(nlh, type, attr.size(), attr.data());
}

}  // namespace

namespace {

// NEWSA and UPDSA carry the same state.
std::size_t build_sa(std::span<std::uint8_t> buf, std::uint16_t type, const XfrmSa& sa, XfrmTag tag,
                     std::uint32_t seq) {
  if (invalid_reason(sa)) return 0;
  nlmsghdr* nlh = start(buf, type, request_ack, seq);
  if (!nlh) return 0;
  auto* info = static_cast<xfrm_usersa_info*>(mnl_nlmsg_put_extra_header(nlh, sizeof(xfrm_usersa_info)));
  fill_selector(info->sel, sa, tag);
  copy_address(info->id.daddr, sa.dst);
  info->id.spi = htonl(sa.spi);
  info->id.proto = IPPROTO_ESP;
  copy_address(info->saddr, sa.src);
  no_byte_or_packet_limits(info->lft);
  info->lft.soft_add_expires_seconds = static_cast<std::uint64_t>(sa.soft_lifetime.count());
  info->lft.hard_add_expires_seconds = static_cast<std::uint64_t>(sa.hard_lifetime.count());
  info->reqid = sa.reqid;
  info->family = family_of(sa.src);
  info->mode = XFRM_MODE_TRANSPORT;
  info->replay_window = replay_window;

  xfrm_algo_auth auth{};
  std::strncpy(auth.alg_name, xfrm_name(sa.auth), sizeof auth.alg_name - 1);
  auth.alg_key_len = static_cast<unsigned>(sa.auth_key.size() * 8);
  auth.alg_trunc_len = icv_bits;
  put_algorithm(nlh, XFRMA_ALG_AUTH_TRUNC, auth, sa.auth_key.reveal());

  xfrm_algo crypt{};
  std::strncpy(crypt.alg_name, xfrm_name(sa.enc), sizeof crypt.alg_name - 1);
  crypt.alg_key_len = static_cast<unsigned>(sa.enc_key.size() * 8);
  put_algorithm(nlh, XFRMA_ALG_CRYPT, crypt, sa.enc_key.reveal());
  return nlh->nlmsg_len;
}

}  // namespace

std::size_t build_new_sa(std::span<std::uint8_t> buf, const XfrmSa& sa, XfrmTag tag,
                         std::uint32_t seq) {
  return build_sa(buf, XFRM_MSG_NEWSA, sa, tag, seq);
}

std::size_t build_update_sa(std::span<std::uint8_t> buf, const XfrmSa& sa, XfrmTag tag,
                            std::uint32_t seq) {
  return build_sa(buf, XFRM_MSG_UPDSA, sa, tag, seq);
}

std::size_t build_delete_sa(std::span<std::uint8_t> buf, const XfrmSa& sa, std::uint32_t seq) {
  if (sa.src.is_v4() != sa.dst.is_v4()) return 0;
  nlmsghdr* nlh = start(buf, XFRM_MSG_DELSA, request_ack, seq);
  if (!nlh) return 0;
  auto* id = static_cast<xfrm_usersa_id*>(mnl_nlmsg_put_extra_header(nlh, sizeof(xfrm_usersa_id)));
  copy_address(id->daddr, sa.dst);
  id->spi = htonl(sa.spi);
  id->family = family_of(sa.dst);
  id->proto = IPPROTO_ESP;
  xfrm_address_t saddr;
  copy_address(saddr, sa.src);
  mnl_attr_put(nlh, XFRMA_SRCADDR, sizeof saddr, &saddr);
  return nlh->nlmsg_len;
}

namespace {

std::size_t build_policy(std::span<std::uint8_t> buf, std::uint16_t type, const XfrmSa& sa, XfrmTag tag,
                         std::uint32_t seq) {
  if (sa.src.is_v4() != sa.dst.is_v4()) return 0;
  nlmsghdr* nlh = start(buf, type, request_ack, seq);
  if (!nlh) return 0;
  auto* policy =
      static_cast<xfrm_userpolicy_info*>(mnl_nlmsg_put_extra_header(nlh, sizeof(xfrm_userpolicy_info)));
  fill_selector(policy->sel, sa, tag);
  no_byte_or_packet_limits(policy->lft);
  policy->priority = 0;
  policy->dir = xfrm_direction(sa.direction);
  policy->action = XFRM_POLICY_ALLOW;
  policy->share = XFRM_SHARE_ANY;

  xfrm_user_tmpl tmpl{};
  copy_address(tmpl.id.daddr, sa.dst);
  tmpl.id.spi = htonl(sa.spi);
  tmpl.id.proto = IPPROTO_ESP;
  tmpl.family = family_of(sa.src);
  copy_address(tmpl.saddr, sa.src);
  tmpl.reqid = sa.reqid;
  tmpl.mode = XFRM_MODE_TRANSPORT;
  tmpl.share = XFRM_SHARE_ANY;
  tmpl.optional = 0;
  tmpl.aalgos = ~0u;
  tmpl.ealgos = ~0u;
  tmpl.calgos = ~0u;
  mnl_attr_put(nlh, XFRMA_TMPL, sizeof tmpl, &tmpl);
  return nlh->nlmsg_len;
}

}  // namespace

std::size_t build_new_policy(std::span<std::uint8_t> buf, const XfrmSa& sa, XfrmTag tag, std::uint32_t seq) {
  return build_policy(buf, XFRM_MSG_NEWPOLICY, sa, tag, seq);
}

std::size_t build_update_policy(std::span<std::uint8_t> buf, const XfrmSa& sa, XfrmTag tag, std::uint32_t seq) {
  return build_policy(buf, XFRM_MSG_UPDPOLICY, sa, tag, seq);
}

std::size_t build_delete_policy(std::span<std::uint8_t> buf, const XfrmSa& sa, XfrmTag tag,
                                std::uint32_t seq) {
  if (sa.src.is_v4() != sa.dst.is_v4()) return 0;
  nlmsghdr* nlh = start(buf, XFRM_MSG_DELPOLICY, request_ack, seq);
  if (!nlh) return 0;
  auto* id = static_cast<xfrm_userpolicy_id*>(mnl_nlmsg_put_extra_header(nlh, sizeof(xfrm_userpolicy_id)));
  fill_selector(id->sel, sa, tag);
  id->dir = xfrm_direction(sa.direction);
  return nlh->nlmsg_len;
}

std::size_t build_delete_policy_by_index(std::span<std::uint8_t> buf, std::uint32_t index, std::uint8_t xfrm_dir,
                                         std::uint32_t seq) {
  nlmsghdr* nlh = start(buf, XFRM_MSG_DELPOLICY, request_ack, seq);
  if (!nlh) return 0;
  auto* id = static_cast<xfrm_userpolicy_id*>(mnl_nlmsg_put_extra_header(nlh, sizeof(xfrm_userpolicy_id)));
  id->index = index;
  id->dir = xfrm_dir;
  return nlh->nlmsg_len;
}

std::size_t build_dump_sa_request(std::span<std::uint8_t> buf, std::uint32_t seq) {
  nlmsghdr* nlh = start(buf, XFRM_MSG_GETSA, NLM_F_REQUEST | NLM_F_DUMP, seq);
  if (!nlh) return 0;
  // iproute2 always sends an address filter; an empty one (family 0, prefix
  // lengths 0) matches every state (xfrm_state_filter_match).
  xfrm_address_filter filter{};
  mnl_attr_put(nlh, XFRMA_ADDRESS_FILTER, sizeof filter, &filter);
  return nlh->nlmsg_len;
}

std::size_t build_dump_policy_request(std::span<std::uint8_t> buf, std::uint32_t seq) {
  nlmsghdr* nlh = start(buf, XFRM_MSG_GETPOLICY, NLM_F_REQUEST | NLM_F_DUMP, seq);
  if (!nlh) return 0;
  return nlh->nlmsg_len;
}

XfrmDumpChunk parse_dump(std::span<const std::uint8_t> datagram) {
  XfrmDumpChunk chunk;
  int left = static_cast<int>(std::min<std::size_t>(datagram.size(), 1u << 30));
  // libmnl walks the messages; it never reads past `left` (mnl_nlmsg_ok checks each length).
  auto* nlh = reinterpret_cast<const nlmsghdr*>(datagram.data());
  for (; mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left)) {
    const std::size_t payload = mnl_nlmsg_get_payload_len(nlh);
    switch (nlh->nlmsg_type) {
      case NLMSG_DONE:
        chunk.done = true;
        return chunk;
      case NLMSG_ERROR: {
        if (payload < sizeof(nlmsgerr)) {
          ++chunk.skipped;
          break;
        }
        const auto* err = static_cast<const nlmsgerr*>(mnl_nlmsg_get_payload(nlh));
        chunk.error = err->error;
        chunk.done = true;
        return chunk;
      }
      case XFRM_MSG_NEWSA: {
        if (payload < sizeof(xfrm_usersa_info)) {
          ++chunk.skipped;
          break;
        }
        xfrm_usersa_info info;
        std::memcpy(&info, mnl_nlmsg_get_payload(nlh), sizeof info);
        if (info.family != AF_INET && info.family != AF_INET6) {
          ++chunk.skipped;
          break;
        }
        XfrmEntry e;
        e.kind = XfrmEntry::Kind::sa;
        e.seq = nlh->nlmsg_seq;
        e.tag = info.sel.user;
        e.src = address_of(info.saddr, info.family);
        e.dst = address_of(info.id.daddr, info.family);
        e.spi = ntohl(info.id.spi);
        e.protocol = info.id.proto;
        e.sport = ntohs(info.sel.sport);
        e.dport = ntohs(info.sel.dport);
        chunk.entries.push_back(e);
        break;
      }
      case XFRM_MSG_NEWPOLICY: {
        if (payload < sizeof(xfrm_userpolicy_info)) {
          ++chunk.skipped;
          break;
        }
        xfrm_userpolicy_info info;
        std::memcpy(&info, mnl_nlmsg_get_payload(nlh), sizeof info);
        XfrmEntry e;
        e.kind = XfrmEntry::Kind::policy;
        e.seq = nlh->nlmsg_seq;
        e.tag = info.sel.user;
        e.src = address_of(info.sel.saddr, info.sel.family == AF_INET ? AF_INET : AF_INET6);
        e.dst = address_of(info.sel.daddr, info.sel.family == AF_INET ? AF_INET : AF_INET6);
        e.sport = ntohs(info.sel.sport);
        e.dport = ntohs(info.sel.dport);
        e.xfrm_dir = info.dir;
        e.index = info.index;
        chunk.entries.push_back(e);
        break;
      }
      default:
        ++chunk.skipped;
        break;
    }
  }
  return chunk;
}

XfrmAck parse_ack(std::span<const std::uint8_t> datagram, std::uint32_t seq) {
  XfrmAck ack;
  int left = static_cast<int>(std::min<std::size_t>(datagram.size(), 1u << 30));
  auto* nlh = reinterpret_cast<const nlmsghdr*>(datagram.data());
  for (; mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left)) {
    if (nlh->nlmsg_type != NLMSG_ERROR || nlh->nlmsg_seq != seq) continue;
    const std::size_t payload = mnl_nlmsg_get_payload_len(nlh);
    if (payload < sizeof(nlmsgerr)) continue;
    nlmsgerr err;
    std::memcpy(&err, mnl_nlmsg_get_payload(nlh), sizeof err);
    ack.found = true;
    ack.error = err.error;
    if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS)) return ack;
    // The TLVs follow the echoed request, which NETLINK_CAP_ACK (NLM_F_CAPPED) leaves out.
    std::size_t offset = sizeof(nlmsgerr);
    if (!(nlh->nlmsg_flags & NLM_F_CAPPED) && err.msg.nlmsg_len >= NLMSG_HDRLEN)
      offset += MNL_ALIGN(err.msg.nlmsg_len - NLMSG_HDRLEN);
    if (offset > payload) return ack;
    const char* tail = static_cast<const char*>(mnl_nlmsg_get_payload_tail(nlh));
    for (auto* attr = static_cast<const nlattr*>(mnl_nlmsg_get_payload_offset(nlh, offset));
         mnl_attr_ok(attr, static_cast<int>(tail - reinterpret_cast<const char*>(attr)));
         attr = mnl_attr_next(attr)) {
      if (mnl_attr_get_type(attr) != NLMSGERR_ATTR_MSG) continue;
      const auto* text = static_cast<const char*>(mnl_attr_get_payload(attr));
      const std::size_t len = mnl_attr_get_payload_len(attr);
      ack.message.assign(text, strnlen(text, len));
    }
    return ack;
  }
  return ack;
}

}  // namespace imsbox::pcscf::ipsec
