// libFuzzer target for what the browser leg reads from the network or from
// SDP itself (agw/webrtc): the a=fingerprint parser, the RFC 7983 sorting,
// SRTP/SRTCP unprotect of junk, and DTLS datagrams into our server. libnice
// parses STUN and OpenSSL parses DTLS; this checks that our handling of
// whatever they pass on neither crashes, hangs nor leaks.
//
// The first byte picks the part; the rest is its input:
//   0  parse_fingerprint(text); what it accepts writes back to the same value
//   1  classify_packet(bytes); RTP/RTCP go through SrtpSession::unprotect (fixed keys)
//   2  DTLS: the rest, cut at each 0xff 0xff, as datagrams into a DtlsSrtpTransport
//   3  SRTP round trip: RTP/RTCP protected by one SrtpSession and unprotected
//      by its peer (both profiles) must come back equal; again it is a
//      replay; with a byte flipped (its position from the last byte) it fails
#include <boost/asio/io_context.hpp>
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "agw/webrtc/dtls_context.h"
#include "agw/webrtc/dtls_srtp_transport.h"
#include "agw/webrtc/fingerprint.h"
#include "agw/webrtc/srtp_session.h"
#include "runtime/clock.h"
#include "runtime/log.h"
#include "rtp/demux.h"

namespace {

using namespace imsbox;
using namespace imsbox::agw::webrtc;

void fingerprint(std::span<const std::uint8_t> in) {
  const std::string_view text(reinterpret_cast<const char*>(in.data()), in.size());
  const auto fp = parse_fingerprint(text);
  if (!fp) return;
  const auto again = parse_fingerprint(fp->to_sdp());
  if (!again || !(*again == *fp)) std::abort();
}

void packet(std::span<const std::uint8_t> in) {
  static const std::vector<std::uint8_t> key(30, 0x42);
  static SrtpSession gcm(SrtpProfile::aead_aes_128_gcm, std::span(key).first(28), std::span(key).first(28));
  static SrtpSession cm(SrtpProfile::aes_cm_128_hmac_sha1_80, key, key);
  const auto kind = rtp::classify_packet(in);
  if (kind != rtp::PacketClass::rtp && kind != rtp::PacketClass::rtcp) return;
  for (SrtpSession* s : {&gcm, &cm}) {
    std::vector<std::uint8_t> copy(in.begin(), in.end());
    std::size_t length = copy.size();
    const auto status = kind == rtp::PacketClass::rtp ? s->unprotect_rtp(copy, length) : s->unprotect_rtcp(copy, length);
    if (status == SrtpStatus::ok && length > in.size()) std::abort();
  }
}

void round_trip(std::span<const std::uint8_t> in) {
  const auto kind = rtp::classify_packet(in);
  if (kind != rtp::PacketClass::rtp && kind != rtp::PacketClass::rtcp) return;
  const bool rtcp = kind == rtp::PacketClass::rtcp;
  static const std::vector<std::uint8_t> a(30, 0x17), b(30, 0x71);
  for (const auto profile : {SrtpProfile::aead_aes_128_gcm, SrtpProfile::aes_cm_128_hmac_sha1_80}) {
    const std::size_t n = master_key_length(profile) + master_salt_length(profile);
    SrtpSession sender(profile, std::span(a).first(n), std::span(b).first(n));
    SrtpSession receiver(profile, std::span(b).first(n), std::span(a).first(n));
    std::vector<std::uint8_t> buffer(in.begin(), in.end());
    buffer.resize(in.size() + kSrtpMaxOverhead);
    std::size_t length = in.size();
    const auto sealed = rtcp ? sender.protect_rtcp(buffer, length) : sender.protect_rtp(buffer, length);
    if (sealed != SrtpStatus::ok) continue;  // too short for its own header, say
    if (length <= in.size() || length > in.size() + kSrtpMaxOverhead) std::abort();
    buffer.resize(length);
    const std::vector<std::uint8_t> wire = buffer;
    auto tampered = wire;
    tampered[in.back() % tampered.size()] ^= 0x01;
    std::size_t tampered_length = tampered.size();
    const auto forged = rtcp ? receiver.unprotect_rtcp(tampered, tampered_length)
                             : receiver.unprotect_rtp(tampered, tampered_length);
    if (forged == SrtpStatus::ok) std::abort();
    const auto opened = rtcp ? receiver.unprotect_rtcp(buffer, length) : receiver.unprotect_rtp(buffer, length);
    if (opened != SrtpStatus::ok || length != in.size() || !std::equal(in.begin(), in.end(), buffer.begin()))
      std::abort();
    auto again = wire;
    length = again.size();
    if ((rtcp ? receiver.unprotect_rtcp(again, length) : receiver.unprotect_rtp(again, length)) != SrtpStatus::replay)
      std::abort();
  }
}

class NullEvents : public DtlsSrtpTransport::Events {
  void send_dtls(std::span<const std::uint8_t>) override {}
  void on_dtls_connected(SrtpProfile) override {}
  void on_dtls_failed(DtlsFailure, std::string_view) override {}
  void on_dtls_closed() override {}
};

void dtls(std::span<const std::uint8_t> in) {
  static runtime::SystemClock clock;
  static runtime::Logger log("fuzz", runtime::LogLevel::error, "/dev/null", clock);
  static auto context = std::make_shared<DtlsContext>(DtlsCertificate::generate());
  boost::asio::io_context io;
  NullEvents events;
  DtlsSrtpTransport transport(io, context, std::nullopt, events, log);
  std::size_t start = 0;
  for (std::size_t i = 0; i + 1 < in.size(); ++i) {
    if (in[i] != 0xff || in[i + 1] != 0xff) continue;
    transport.handle_dtls(in.subspan(start, i - start));
    start = i + 2;
    ++i;
  }
  if (start < in.size()) transport.handle_dtls(in.subspan(start));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::span<const std::uint8_t> rest(data + 1, size - 1);
  switch (data[0] % 4) {
    case 0: fingerprint(rest); break;
    case 1: packet(rest); break;
    case 2: dtls(rest); break;
    case 3: round_trip(rest); break;
  }
  return 0;
}
