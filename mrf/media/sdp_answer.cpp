#include "mrf/media/sdp_answer.h"

#include <algorithm>
#include <cctype>

#include "sdp/formats.h"
#include "sdp/parser.h"
#include "sdp/writer.h"

namespace imsbox::mrf::media {

namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

bool is_plain_rtp(std::string_view proto) { return proto == "RTP/AVP" || proto == "RTP/AVPF"; }

bool is_secure_rtp(std::string_view proto) { return proto.find("SAVP") != std::string_view::npos; }

// The a=fmtp parameters of `format` as written (after "<format> "), empty when none.
std::string fmtp_text(const sdp::MediaDescription& m, std::string_view format) {
  for (const auto& a : m.attributes) {
    if (!iequals(a.name, "fmtp") || !a.value || sdp::format_of(a) != format) continue;
    const std::string_view v = *a.value;
    const auto space = v.find(' ');
    if (space == std::string_view::npos) return {};
    auto rest = v.substr(space + 1);
    while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
    return std::string(rest);
  }
  return {};
}

// Formats that are not a voice codec of their own.
bool is_auxiliary(std::string_view encoding) {
  return iequals(encoding, "telephone-event") || iequals(encoding, "CN") || iequals(encoding, "red") ||
         iequals(encoding, "ulpfec") || iequals(encoding, "rtx");
}

bool usable_address(std::string_view a) { return !a.empty() && a != "0.0.0.0" && a != "::"; }

}  // namespace

bool Negotiated::we_send() const {
  const bool direction_sends =
      answer_direction == sdp::Direction::sendrecv || answer_direction == sdp::Direction::sendonly;
  return direction_sends && usable_address(remote_address) && remote_port != 0;
}

std::string codec_label(const ChosenCodec& codec) {
  return codec.encoding + "/" + std::to_string(codec.clock_rate);
}

std::variant<Negotiated, std::string> negotiate(std::string_view offer, CodecCheck supported) {
  auto parsed = sdp::parse(offer);
  if (!parsed.ok()) return "malformed SDP: " + parsed.error();
  Negotiated n;
  n.offer = std::move(*parsed.description);
  const auto& session = n.offer;

  std::optional<std::size_t> index;
  bool secure_audio = false;
  bool any_audio = false;
  for (std::size_t i = 0; i < session.media.size(); ++i) {
    const auto& m = session.media[i];
    if (m.media != "audio") continue;
    any_audio = true;
    if (m.port == 0) continue;
    if (is_plain_rtp(m.proto)) {
      index = i;
      break;
    }
    if (is_secure_rtp(m.proto)) secure_audio = true;
  }
  if (!index) {
    if (secure_audio) {
      return std::string("SRTP/DTLS offers are not served (the MRF speaks plain RTP/AVP; browsers reach it "
                         "through the AGW)");
    }
    return std::string(any_audio ? "no usable audio stream (port 0 or not RTP/AVP)" : "no audio m-line in the offer");
  }
  n.media_index = *index;
  const auto& m = session.media[*index];

  const auto* c = sdp::connection_of(session, m);
  if (c == nullptr) return std::string("malformed SDP: the audio stream has no c= line");
  if (c->nettype != "IN" || (c->addrtype != "IP4" && c->addrtype != "IP6")) {
    return "unsupported connection address type " + c->nettype + " " + c->addrtype;
  }
  n.remote_address = c->address;
  n.remote_port = m.port;

  std::string offered;
  bool found = false;
  for (const auto& f : m.formats) {
    const auto map = sdp::rtpmap_for(m, f);
    if (!map) continue;
    if (is_auxiliary(map->encoding)) continue;
    ChosenCodec candidate{map->payload_type, map->encoding, map->clock_rate, map->channels.value_or(1),
                          fmtp_text(m, f)};
    if (!offered.empty()) offered += ", ";
    offered += codec_label(candidate);
    if (supported(candidate)) {
      n.codec = std::move(candidate);
      found = true;
      break;
    }
  }
  if (!found) {
    return "no common codec (offered: " + (offered.empty() ? std::string("none") : offered) +
           "; the MRF has AMR-WB, AMR, PCMU, PCMA, G722, opus)";
  }

  auto te = sdp::find_format(m, "telephone-event", n.codec.clock_rate);
  std::uint32_t te_rate = n.codec.clock_rate;
  if (!te && n.codec.clock_rate != 8000) {
    te = sdp::find_format(m, "telephone-event", 8000);
    te_rate = 8000;
  }
  if (te) {
    const auto map = sdp::rtpmap_for(m, *te);
    if (map) n.telephone_event = TelephoneEventFormat{map->payload_type, te_rate};
  }

  n.offer_direction = sdp::direction(session, m);
  n.answer_direction = sdp::reverse(n.offer_direction);
  n.rtcp_mux = m.attributes.has("rtcp-mux");
  n.remote_rtcp_port = static_cast<std::uint16_t>(m.port + 1);
  if (const auto rtcp = m.attributes.value("rtcp")) {
    if (const auto r = sdp::parse_rtcp(*rtcp)) n.remote_rtcp_port = r->port;
  }
  if (n.rtcp_mux) n.remote_rtcp_port = m.port;
  return n;
}

std::string write_answer(const Negotiated& n, const LocalMedia& local) {
  sdp::SessionDescription a;
  const std::string addrtype = local.address.find(':') == std::string::npos ? "IP4" : "IP6";
  a.origin.username = "imsbox-mrf";
  a.origin.session_id = local.session_id;
  a.origin.session_version = local.session_version;
  a.origin.addrtype = addrtype;
  a.origin.address = local.address;
  a.session_name = "-";
  sdp::Connection c;
  c.addrtype = addrtype;
  c.address = local.address;
  a.connection = c;
  a.timings.push_back(sdp::Timing{});

  for (std::size_t i = 0; i < n.offer.media.size(); ++i) {
    const auto& om = n.offer.media[i];
    sdp::MediaDescription m;
    m.media = om.media;
    m.proto = om.proto;
    if (i != n.media_index) {
      m.port = 0;  // refused (RFC 3264 §6)
      m.formats = om.formats;
      a.media.push_back(std::move(m));
      continue;
    }
    m.port = local.port;
    const auto& codec = n.codec;
    m.formats.push_back(std::to_string(codec.payload_type));
    sdp::Rtpmap map{codec.payload_type, codec.encoding, codec.clock_rate, std::nullopt};
    if (codec.channels > 1) map.channels = codec.channels;  // opus/48000/2 as offered
    m.attributes.add("rtpmap", sdp::format(map));
    if (!codec.fmtp.empty()) m.attributes.add("fmtp", std::to_string(codec.payload_type) + " " + codec.fmtp);
    if (n.telephone_event) {
      const auto pt = n.telephone_event->payload_type;
      m.formats.push_back(std::to_string(pt));
      m.attributes.add("rtpmap", std::to_string(pt) + " telephone-event/" + std::to_string(n.telephone_event->clock_rate));
      m.attributes.add("fmtp", std::to_string(pt) + " 0-15");
    }
    m.attributes.add("ptime", "20");
    if (n.rtcp_mux) m.attributes.add("rtcp-mux");
    m.attributes.add(std::string(sdp::to_string(n.answer_direction)));
    a.media.push_back(std::move(m));
  }
  return sdp::write(a);
}

}  // namespace imsbox::mrf::media
