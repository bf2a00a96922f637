#include "agw/offer_answer.h"

#include <algorithm>
#include <array>
#include <charconv>

#include "media/codec_factory.h"
#include "runtime/ascii.h"
#include "sdp/amr.h"
#include "sdp/candidate.h"
#include "sdp/formats.h"

namespace imsbox::agw {

using ascii::iequals;

std::string_view to_string(LegKind kind) { return kind == LegKind::browser ? "browser" : "phone"; }

std::string_view protocol_of(LegKind kind) { return kind == LegKind::browser ? "UDP/TLS/RTP/SAVPF" : "RTP/AVP"; }

std::optional<LegKind> kind_of_protocol(std::string_view protocol) {
  if (iequals(protocol, "RTP/AVP") || iequals(protocol, "RTP/AVPF")) return LegKind::phone;
  if (iequals(protocol, "UDP/TLS/RTP/SAVPF") || iequals(protocol, "UDP/TLS/RTP/SAVP")) return LegKind::browser;
  return std::nullopt;
}

bool Codec::is_telephone_event() const { return iequals(encoding, "telephone-event"); }

std::string describe(const Codec& c) {
  std::string s = c.encoding + "/" + std::to_string(c.clock_rate) + " (pt " + std::to_string(c.payload_type);
  if (!c.fmtp.empty()) s += ", " + c.fmtp;
  return s + ")";
}

namespace {

std::optional<sdp::AmrParameters> amr_parameters(const Codec& c, sdp::AmrKind kind) {
  if (c.fmtp.empty()) return sdp::default_amr_parameters();
  const auto fmtp = sdp::parse_fmtp(std::to_string(c.payload_type) + " " + c.fmtp);
  if (!fmtp) return std::nullopt;
  return sdp::parse_amr_parameters(*fmtp, kind);
}

std::optional<sdp::AmrKind> amr_kind_of(const Codec& c) {
  if (iequals(c.encoding, "AMR")) return sdp::AmrKind::amr;
  if (iequals(c.encoding, "AMR-WB")) return sdp::AmrKind::amr_wb;
  return std::nullopt;
}

bool is_opus(const Codec& c) { return iequals(c.encoding, "opus"); }

}  // namespace

bool same_codec(const Codec& a, const Codec& b) {
  if (!iequals(a.encoding, b.encoding) || a.clock_rate != b.clock_rate) return false;
  if (!is_opus(a) && a.channels.value_or(1) != b.channels.value_or(1)) return false;
  if (const auto kind = amr_kind_of(a)) {
    const auto pa = amr_parameters(a, *kind);
    const auto pb = amr_parameters(b, *kind);
    if (!pa || !pb) return a.fmtp == b.fmtp;
    return pa->octet_aligned() == pb->octet_aligned();
  }
  return true;
}

bool transcodable(const Codec& c) {
  if (!media::is_supported_codec(c.encoding, static_cast<int>(c.clock_rate))) return false;
  if (is_opus(c)) return c.channels.value_or(2) <= 2;
  if (c.channels.value_or(1) != 1) return false;
  if (const auto kind = amr_kind_of(c)) {
    const auto p = amr_parameters(c, *kind);
    return p && !p->crc && !p->robust_sorting && !p->interleaving;
  }
  return true;
}

std::vector<Codec> codecs_of(const sdp::MediaDescription& media) {
  std::vector<Codec> out;
  for (const auto& format : media.formats) {
    unsigned pt = 0;
    const auto [end, ec] = std::from_chars(format.data(), format.data() + format.size(), pt);
    if (ec != std::errc() || end != format.data() + format.size() || pt > 127) continue;
    const auto rtpmap = sdp::rtpmap_for(media, format);
    if (!rtpmap) continue;
    Codec c;
    c.payload_type = static_cast<std::uint8_t>(pt);
    c.encoding = rtpmap->encoding;
    c.clock_rate = rtpmap->clock_rate;
    c.channels = rtpmap->channels;
    for (const auto& a : media.attributes) {
      if (!iequals(a.name, "fmtp") || sdp::format_of(a) != format || !a.value) continue;
      const auto space = a.value->find(' ');
      if (space != std::string::npos) c.fmtp = a.value->substr(space + 1);
      break;
    }
    out.push_back(std::move(c));
  }
  return out;
}

bool codec_matches(const Codec& codec, std::string_view entry) {
  if (iequals(entry, "all")) return true;
  std::array<std::string_view, 3> parts{};
  std::size_t n = 0;
  while (n < parts.size()) {
    const auto slash = entry.find('/');
    parts[n++] = entry.substr(0, slash);
    if (slash == std::string_view::npos) break;
    entry.remove_prefix(slash + 1);
  }
  if (!iequals(parts[0], codec.encoding)) return false;
  const auto number = [](std::string_view s) -> std::optional<std::uint32_t> {
    std::uint32_t v = 0;
    const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
    return v;
  };
  if (n > 1 && !parts[1].empty()) {
    const auto rate = number(parts[1]);
    if (!rate || *rate != codec.clock_rate) return false;
  }
  if (n > 2 && !parts[2].empty()) {
    const auto channels = number(parts[2]);
    if (!channels || *channels != codec.channels.value_or(1)) return false;
  }
  return true;
}

namespace {

bool matches_any(const Codec& c, const std::vector<std::string>& entries) {
  return std::any_of(entries.begin(), entries.end(), [&](const std::string& e) { return codec_matches(c, e); });
}

// Attributes about transport, codecs and WebRTC that we write ourselves:
// dropped from what we pass on.
constexpr std::string_view kMediaAttributesWeWrite[] = {
    "rtpmap",   "fmtp",      "rtcp-fb",  "rtcp",     "rtcp-mux", "rtcp-rsize", "rtcp-xr",   "candidate",
    "end-of-candidates",     "ice-ufrag", "ice-pwd", "ice-options", "ice-lite", "fingerprint", "setup",
    "mid",      "extmap",    "extmap-allow-mixed",   "ssrc",     "ssrc-group", "msid",      "crypto",
    "sendrecv", "sendonly",  "recvonly", "inactive", "tcap",     "pcfg",       "acap",      "remote-candidates",
    "ice-mismatch",          "connection", "rtcp-mux-only", "bundle-only",     "ptime",     "maxptime"};
constexpr std::string_view kSessionAttributesWeWrite[] = {
    "group",       "msid-semantic", "ice-ufrag", "ice-pwd",  "ice-options", "ice-lite", "fingerprint",
    "setup",       "extmap",        "extmap-allow-mixed",    "sendrecv",    "sendonly", "recvonly",
    "inactive",    "tcap",          "identity"};

template <std::size_t N>
void remove_named(sdp::Attributes& attributes, const std::string_view (&names)[N]) {
  attributes.remove_if([&](const sdp::Attribute& a) {
    return std::any_of(std::begin(names), std::end(names), [&](std::string_view n) { return iequals(a.name, n); });
  });
}

sdp::Connection connection_for(const std::string& address) {
  sdp::Connection c;
  c.addrtype = address.find(':') != std::string::npos ? "IP6" : "IP4";
  c.address = address;
  return c;
}

void set_origin_address(sdp::Origin& origin, const std::string& address) {
  origin.nettype = "IN";
  origin.addrtype = address.find(':') != std::string::npos ? "IP6" : "IP4";
  origin.address = address;
}

void add_codec(sdp::MediaDescription& m, const Codec& c) {
  sdp::Rtpmap r;
  r.payload_type = c.payload_type;
  r.encoding = c.encoding;
  r.clock_rate = c.clock_rate;
  r.channels = c.channels;
  sdp::add_format(m, r);
  if (c.fmtp.empty()) return;
  // the parameters as written, byte for byte (AMR's mode-set "returned unmodified")
  const std::string pt = std::to_string(c.payload_type);
  std::size_t at = m.attributes.size();
  for (std::size_t i = 0; i < m.attributes.size(); ++i) {
    if (iequals(m.attributes[i].name, "rtpmap") && sdp::format_of(m.attributes[i]) == pt) at = i + 1;
  }
  m.attributes.insert(at, sdp::Attribute{"fmtp", pt + " " + c.fmtp});
}

// A codec a party of this kind may speak, worth keeping for pass-through.
bool may_speak(LegKind kind, const Codec& c) {
  // a browser's telephone-event runs at its audio codecs' clocks (Opus 48 kHz, G.711/G.722 8 kHz):
  // Chromium sends DTMF on an offered /16000 even when its answer drops it, so none is offered
  if (c.is_telephone_event()) return kind != LegKind::browser || c.clock_rate == 48000 || c.clock_rate == 8000;
  if (iequals(c.encoding, "CN") || iequals(c.encoding, "red") || iequals(c.encoding, "rtx") ||
      iequals(c.encoding, "ulpfec") || iequals(c.encoding, "flexfec-03")) {
    return false;
  }
  if (kind == LegKind::browser) {
    return (is_opus(c) && c.clock_rate == 48000) ||
           ((iequals(c.encoding, "PCMU") || iequals(c.encoding, "PCMA") || iequals(c.encoding, "G722")) &&
            c.clock_rate == 8000);
  }
  return true;  // a phone: whatever it may do, pass-through costs nothing
}

Codec make(std::string encoding, std::uint32_t rate, std::optional<std::uint32_t> channels, std::string fmtp) {
  Codec c;
  c.encoding = std::move(encoding);
  c.clock_rate = rate;
  c.channels = channels;
  c.fmtp = std::move(fmtp);
  return c;
}

// What we offer a kind of party beyond the offerer's codecs (issue 16).
std::vector<Codec> our_codecs(LegKind kind) {
  if (kind == LegKind::browser) {
    return {make("opus", 48000, 2, "minptime=10;useinbandfec=1"), make("PCMU", 8000, std::nullopt, ""),
            make("PCMA", 8000, std::nullopt, ""), make("telephone-event", 48000, std::nullopt, "0-15")};
  }
  return {make("AMR-WB", 16000, 1, ""),
          make("AMR-WB", 16000, 1, "octet-align=1"),
          make("AMR", 8000, 1, ""),
          make("AMR", 8000, 1, "octet-align=1"),
          make("PCMU", 8000, std::nullopt, ""),
          make("PCMA", 8000, std::nullopt, ""),
          make("telephone-event", 16000, std::nullopt, "0-15"),
          make("telephone-event", 8000, std::nullopt, "0-15")};
}

// A `codec-transcode` entry as a codec of ours: "AMR-WB", "opus/48000/2", "G722".
std::optional<Codec> codec_from_entry(std::string_view entry) {
  for (LegKind k : {LegKind::phone, LegKind::browser}) {
    for (const auto& c : our_codecs(k)) {
      if (codec_matches(c, entry)) return c;
    }
  }
  Codec g722 = make("G722", 8000, std::nullopt, "");
  if (codec_matches(g722, entry)) return g722;
  return std::nullopt;
}

bool format_used(const sdp::MediaDescription& m, std::uint8_t pt) {
  return std::find(m.formats.begin(), m.formats.end(), std::to_string(pt)) != m.formats.end();
}

std::optional<std::uint8_t> payload_type_for(const sdp::MediaDescription& m, const Codec& c) {
  if (iequals(c.encoding, "PCMU") && c.clock_rate == 8000 && !format_used(m, 0)) return 0;
  if (iequals(c.encoding, "PCMA") && c.clock_rate == 8000 && !format_used(m, 8)) return 8;
  if (iequals(c.encoding, "G722") && c.clock_rate == 8000 && !format_used(m, 9)) return 9;
  return sdp::free_dynamic_payload_type(m);
}

// Drops what a refused (port 0) m-line no longer needs.
void refuse(sdp::MediaDescription& m, const std::string& address, bool keep_connection) {
  m.port = 0;
  m.port_count.reset();
  remove_named(m.attributes, kMediaAttributesWeWrite);
  if (!m.connections.empty() || keep_connection) m.connections = {connection_for(address)};
  m.bandwidths.clear();
}

void add_browser_transport(sdp::MediaDescription& m, const LocalEndpoint& local, std::string_view mid,
                           sdp::Setup setup) {
  m.attributes.add("mid", std::string(mid));
  m.attributes.add("ice-ufrag", local.ice_ufrag);
  m.attributes.add("ice-pwd", local.ice_pwd);
  m.attributes.add("fingerprint", local.fingerprint);
  m.attributes.add("setup", std::string(sdp::to_string(setup)));
  m.attributes.add("rtcp-mux");
  if (!local.candidate.empty()) m.attributes.add("candidate", local.candidate);
  m.attributes.add("end-of-candidates");
}

std::optional<Codec> pick_telephone_event(const std::vector<Codec>& codecs, std::uint32_t clock_rate) {
  std::optional<Codec> first;
  for (const auto& c : codecs) {
    if (!c.is_telephone_event()) continue;
    if (c.clock_rate == clock_rate) return c;
    if (!first) first = c;
  }
  return first;
}

const Codec* find_pt(const std::vector<Codec>& codecs, std::uint8_t pt) {
  for (const auto& c : codecs) {
    if (c.payload_type == pt) return &c;
  }
  return nullptr;
}

}  // namespace

std::optional<RemoteEndpoint> remote_endpoint(const sdp::SessionDescription& sdp, std::size_t index,
                                              std::string& error) {
  if (index >= sdp.media.size()) {
    error = "no m-line " + std::to_string(index + 1);
    return std::nullopt;
  }
  const auto& m = sdp.media[index];
  const auto kind = kind_of_protocol(m.proto);
  if (!kind) {
    error = "transport " + m.proto + " is not supported (RTP/AVP, RTP/AVPF, UDP/TLS/RTP/SAVPF)";
    return std::nullopt;
  }
  RemoteEndpoint r;
  r.kind = *kind;
  r.protocol = m.proto;
  const auto* c = sdp::connection_of(sdp, m);
  if (!c) {
    error = "no c= line for m-line " + std::to_string(index + 1);
    return std::nullopt;
  }
  r.address = c->address;
  r.port = m.port;
  r.rtcp_port = static_cast<std::uint16_t>(m.port + 1);
  if (const auto v = m.attributes.value("rtcp")) {
    if (const auto rtcp = sdp::parse_rtcp(*v)) r.rtcp_port = rtcp->port;
  }
  r.rtcp_mux = m.attributes.has("rtcp-mux");
  if (const auto v = sdp::attribute_value(sdp, m, "ice-ufrag")) r.ice_ufrag = std::string(*v);
  if (const auto v = sdp::attribute_value(sdp, m, "ice-pwd")) r.ice_pwd = std::string(*v);
  for (const auto v : m.attributes.values("candidate")) r.candidates.emplace_back(v);
  if (const auto v = sdp::attribute_value(sdp, m, "fingerprint")) r.fingerprint = std::string(*v);
  if (const auto v = sdp::attribute_value(sdp, m, "setup")) r.setup = sdp::parse_setup(*v);
  if (const auto v = m.attributes.value("mid")) r.mid = std::string(*v);
  r.direction = sdp::direction(sdp, m);
  return r;
}

AnalyzeOfferResult analyze_offer(const sdp::SessionDescription& offer, const OfferOptions& options) {
  AnalyzeOfferResult result;
  std::optional<std::size_t> index;
  for (std::size_t i = 0; i < offer.media.size(); ++i) {
    const auto& m = offer.media[i];
    if (iequals(m.media, "audio") && m.port != 0 && kind_of_protocol(m.proto)) {
      index = i;
      break;
    }
  }
  if (!index) {
    result.error = "no audio stream to anchor (m=audio with RTP/AVP, RTP/AVPF or UDP/TLS/RTP/SAVPF)";
    return result;
  }
  OfferAnalysis a;
  a.media_index = *index;
  auto remote = remote_endpoint(offer, *index, result.error);
  if (!remote) return result;
  a.offerer = std::move(*remote);
  a.answerer_kind = options.answerer_kind.value_or(a.offerer.kind);

  if (a.offerer.kind == LegKind::browser) {
    if (!a.offerer.rtcp_mux) {
      result.error = "a UDP/TLS/RTP/SAVPF offer without a=rtcp-mux";
      return result;
    }
    if (a.offerer.ice_ufrag.empty() || a.offerer.ice_pwd.empty()) {
      result.error = "a UDP/TLS/RTP/SAVPF offer without a=ice-ufrag and a=ice-pwd";
      return result;
    }
    if (!a.offerer.fingerprint) {
      result.error = "a UDP/TLS/RTP/SAVPF offer without a=fingerprint";
      return result;
    }
    if (a.offerer.setup == sdp::Setup::passive) {
      result.error = "a=setup:passive: the AGW is always the DTLS server (offer actpass or active)";
      return result;
    }
    a.offerer_rtcp_mux = true;
  } else {
    a.offerer_rtcp_mux = a.offerer.rtcp_mux && !options.rtcp_mux_reject;
  }
  if (a.answerer_kind == LegKind::browser) {
    if (options.dtls == OfferOptions::Dtls::off) {
      result.error = "DTLS=off is impossible toward UDP/TLS/RTP/SAVPF";
      return result;
    }
    if (options.ice == OfferOptions::Ice::remove) a.warnings.push_back("ICE=remove ignored: a browser needs ICE");
    a.offer_rtcp_mux = true;
  } else {
    if (options.ice == OfferOptions::Ice::force) a.warnings.push_back("ICE=force ignored: no ICE toward RTP/AVP");
    a.offer_rtcp_mux = options.rtcp_mux_offer || options.rtcp_mux_require ||
                       (a.offerer.kind == LegKind::phone && a.offerer.rtcp_mux && !options.rtcp_mux_demux &&
                        !options.rtcp_mux_reject);
  }

  for (auto& c : codecs_of(offer.media[*index])) {
    if (!matches_any(c, options.codec_strip)) a.offerer_codecs.push_back(std::move(c));
  }
  if (std::none_of(a.offerer_codecs.begin(), a.offerer_codecs.end(),
                   [](const Codec& c) { return !c.is_telephone_event(); })) {
    result.error = "no audio codec in the offer";
    return result;
  }
  result.analysis = std::move(a);
  return result;
}

MakeOfferResult make_offer(const sdp::SessionDescription& offer, const OfferAnalysis& analysis,
                           const OfferOptions& options, const LocalEndpoint& local) {
  MakeOfferResult result;
  const std::size_t idx = analysis.media_index;
  sdp::SessionDescription out = offer;
  const sdp::Direction direction = sdp::direction(offer, offer.media[idx]);

  if (options.replace_origin) set_origin_address(out.origin, local.address);
  if (out.connection) out.connection = connection_for(local.address);
  remove_named(out.attributes, kSessionAttributesWeWrite);
  for (std::size_t i = 0; i < out.media.size(); ++i) {
    if (i != idx) refuse(out.media[i], local.address, !out.connection);
  }

  sdp::MediaDescription& m = out.media[idx];
  m.proto = std::string(protocol_of(local.kind));
  m.port = local.port;
  m.port_count.reset();
  if (!m.connections.empty() || !out.connection) m.connections = {connection_for(local.address)};
  m.bandwidths.clear();
  // keep ptime/maxptime of the offerer (removed below with the rest we write)
  const auto ptime = m.attributes.value("ptime");
  const auto maxptime = m.attributes.value("maxptime");
  const std::optional<std::string> ptime_value = ptime ? std::optional<std::string>(*ptime) : std::nullopt;
  const std::optional<std::string> maxptime_value = maxptime ? std::optional<std::string>(*maxptime) : std::nullopt;
  remove_named(m.attributes, kMediaAttributesWeWrite);
  m.formats.clear();

  PendingOffer pending;
  pending.offer = offer;
  pending.options = options;
  pending.analysis = analysis;

  // 1. the offerer's codecs the answerer may also speak: pass-through
  for (const auto& c : analysis.offerer_codecs) {
    if (matches_any(c, options.codec_mask) || !may_speak(local.kind, c)) continue;
    if (format_used(m, c.payload_type)) continue;
    add_codec(m, c);
    pending.offered.push_back({c, c.payload_type});
  }
  // 2. ours, for transcoding, when the offerer has a codec we can transcode
  const bool can_transcode = std::any_of(analysis.offerer_codecs.begin(), analysis.offerer_codecs.end(),
                                         [](const Codec& c) { return !c.is_telephone_event() && transcodable(c); });
  std::vector<Codec> ours;
  if (can_transcode) {
    for (const auto& entry : options.codec_transcode) {
      if (auto c = codec_from_entry(entry)) ours.push_back(std::move(*c));
    }
  }
  for (auto& c : our_codecs(local.kind)) {
    if (can_transcode || c.is_telephone_event()) ours.push_back(std::move(c));
  }
  for (auto& c : ours) {
    if (!c.is_telephone_event() && matches_any(c, options.codec_mask)) continue;
    const bool present = std::any_of(pending.offered.begin(), pending.offered.end(),
                                     [&](const OfferedFormat& f) { return same_codec(f.codec, c); });
    if (present) continue;
    const auto pt = payload_type_for(m, c);
    if (!pt) break;  // 96..127 all taken
    c.payload_type = *pt;
    add_codec(m, c);
    pending.offered.push_back({c, std::nullopt});
  }
  if (std::none_of(pending.offered.begin(), pending.offered.end(),
                   [](const OfferedFormat& f) { return !f.codec.is_telephone_event(); })) {
    result.error = "no codec to offer: the offerer's codecs are masked or stripped, and none can be transcoded";
    return result;
  }

  sdp::set_direction(m.attributes, direction);
  if (local.kind == LegKind::browser) {
    const std::string mid = analysis.offerer.mid.empty() ? "0" : analysis.offerer.mid;
    add_browser_transport(m, local, mid,
                          options.dtls == OfferOptions::Dtls::passive ? sdp::Setup::passive : sdp::Setup::actpass);
    out.attributes.add("ice-lite");
    out.attributes.add("group", "BUNDLE " + mid);
  } else {
    if (analysis.offer_rtcp_mux) m.attributes.add("rtcp-mux");
    if (!options.rtcp_mux_require) m.attributes.add("rtcp", std::to_string(local.rtcp_port));
    m.attributes.add("ptime", ptime_value.value_or("20"));
    if (maxptime_value) m.attributes.add("maxptime", *maxptime_value);
  }
  if (local.kind == LegKind::browser && ptime_value) m.attributes.add("ptime", *ptime_value);

  if (!sdp::writable(out)) {
    result.error = "internal error: the offer we wrote does not parse back";
    return result;
  }
  result.sdp = std::move(out);
  result.pending = std::move(pending);
  return result;
}

std::string describe(const MediaPlan& p) {
  if (!p.active) return "no media (the answer refused the stream)";
  std::string s;
  if (p.transcoding) {
    s = "transcode " + describe(p.offerer_codec) + " <-> " + describe(p.answerer_codec);
  } else {
    s = "relay " + p.offerer_codec.encoding + "/" + std::to_string(p.offerer_codec.clock_rate) + " (pt " +
        std::to_string(p.offerer_codec.payload_type) + " <-> pt " + std::to_string(p.answerer_codec.payload_type) +
        ")";
  }
  s += ", DTMF ";
  if (p.offerer_telephone_event && p.answerer_telephone_event) {
    s += "telephone-event/" + std::to_string(p.offerer_telephone_event->clock_rate) + " (pt " +
         std::to_string(p.offerer_telephone_event->payload_type) + ") <-> telephone-event/" +
         std::to_string(p.answerer_telephone_event->clock_rate) + " (pt " +
         std::to_string(p.answerer_telephone_event->payload_type) + ")";
  } else {
    s += "not negotiated on both sides";
  }
  return s;
}

MakeAnswerResult make_answer(const PendingOffer& pending, const sdp::SessionDescription& answer,
                             const LocalEndpoint& local, bool replace_origin) {
  MakeAnswerResult result;
  const OfferAnalysis& analysis = pending.analysis;
  const std::size_t idx = analysis.media_index;
  MediaPlan& plan = result.plan;
  plan.media_index = idx;
  if (answer.media.size() <= idx) {
    result.error = "the answer has no m-line " + std::to_string(idx + 1);
    return result;
  }
  const sdp::MediaDescription& bm = answer.media[idx];
  plan.active = bm.port != 0;

  // the answerer's codecs in its order (a dynamic payload type without rtpmap: as we offered it)
  std::vector<Codec> b_codecs;
  {
    const std::vector<Codec> listed = codecs_of(bm);
    for (const auto& f : bm.formats) {
      unsigned pt = 0;
      const auto [end, ec] = std::from_chars(f.data(), f.data() + f.size(), pt);
      if (ec != std::errc() || end != f.data() + f.size() || pt > 127) continue;
      if (const Codec* c = find_pt(listed, static_cast<std::uint8_t>(pt))) {
        b_codecs.push_back(*c);
        continue;
      }
      for (const auto& o : pending.offered) {
        if (o.codec.payload_type == pt) {
          b_codecs.push_back(o.codec);
          break;
        }
      }
    }
  }

  const auto match_offered = [&](const Codec& b) -> const OfferedFormat* {
    for (const auto& o : pending.offered) {
      if (o.codec.payload_type == b.payload_type && same_codec(o.codec, b)) return &o;
    }
    for (const auto& o : pending.offered) {
      if (same_codec(o.codec, b)) return &o;
    }
    return nullptr;
  };

  std::vector<std::pair<Codec, Codec>> shared;  // (offerer's, answerer's), answerer's order
  if (plan.active) {
    auto remote = remote_endpoint(answer, idx, result.error);
    if (!remote) return result;
    result.answerer = std::move(*remote);
    if (result.answerer.kind != analysis.answerer_kind) {
      result.error = "the answer is " + result.answerer.protocol + ", the offer was " +
                     std::string(protocol_of(analysis.answerer_kind));
      return result;
    }
    if (result.answerer.kind == LegKind::browser) {
      if (result.answerer.ice_ufrag.empty() || result.answerer.ice_pwd.empty() || !result.answerer.fingerprint) {
        result.error = "a UDP/TLS/RTP/SAVPF answer without a=ice-ufrag, a=ice-pwd and a=fingerprint";
        return result;
      }
      // to our actpass the browser may answer passive (RFC 8842 §5.3): then the AGW is the DTLS client
      const bool we_offered_actpass = pending.options.dtls != OfferOptions::Dtls::passive;
      if (result.answerer.setup && *result.answerer.setup != sdp::Setup::active &&
          !(*result.answerer.setup == sdp::Setup::passive && we_offered_actpass)) {
        result.error = "the answer says a=setup:" + std::string(sdp::to_string(*result.answerer.setup)) +
                       " to our a=setup:" + (we_offered_actpass ? "actpass" : "passive");
        return result;
      }
    }
    const Codec* b_main = nullptr;
    for (const auto& c : b_codecs) {
      if (!c.is_telephone_event()) {
        b_main = &c;
        break;
      }
    }
    if (!b_main) {
      result.error = "the answer has no audio codec";
      return result;
    }
    const OfferedFormat* main_offered = match_offered(*b_main);
    if (!main_offered) {
      result.error = "the answer's codec " + describe(*b_main) + " was not offered";
      return result;
    }
    if (main_offered->offerer_payload_type) {
      for (const auto& b : b_codecs) {
        if (b.is_telephone_event()) continue;
        const OfferedFormat* o = match_offered(b);
        if (!o || !o->offerer_payload_type) continue;
        const Codec* a = find_pt(analysis.offerer_codecs, *o->offerer_payload_type);
        if (!a) continue;
        // one pair per payload type on each side (an answer may name one codec twice)
        const bool taken = std::any_of(shared.begin(), shared.end(), [&](const auto& pair) {
          return pair.first.payload_type == a->payload_type || pair.second.payload_type == b.payload_type;
        });
        if (!taken) shared.emplace_back(*a, b);
      }
      plan.transcoding = false;
      plan.offerer_codec = shared.front().first;
      plan.answerer_codec = shared.front().second;
    } else {
      const Codec* a = nullptr;
      for (const auto& c : analysis.offerer_codecs) {
        if (!c.is_telephone_event() && transcodable(c) && matches_any(c, pending.options.codec_accept)) {
          a = &c;
          break;
        }
      }
      for (const auto& c : analysis.offerer_codecs) {
        if (a) break;
        if (!c.is_telephone_event() && transcodable(c)) a = &c;
      }
      if (!a) {
        result.error = "no codec of the offerer can be transcoded";
        return result;
      }
      plan.transcoding = true;
      plan.offerer_codec = *a;
      plan.answerer_codec = *b_main;
      if (plan.answerer_codec.fmtp.empty()) plan.answerer_codec.fmtp = main_offered->codec.fmtp;
      if (!transcodable(plan.answerer_codec)) {
        result.error = "the answer's codec " + describe(plan.answerer_codec) + " cannot be transcoded";
        return result;
      }
    }
    plan.offerer_telephone_event = pick_telephone_event(analysis.offerer_codecs, plan.offerer_codec.clock_rate);
    plan.answerer_telephone_event = pick_telephone_event(b_codecs, plan.answerer_codec.clock_rate);
    if (plan.transcoding) {
      const auto other_events = [](std::vector<Codec>& into, const std::optional<Codec>& chosen, const Codec& c) {
        if (!c.is_telephone_event() || (chosen && chosen->payload_type == c.payload_type)) return;
        if (std::none_of(into.begin(), into.end(), [&](const Codec& x) { return x.payload_type == c.payload_type; }))
          into.push_back(c);
      };
      for (const auto& c : analysis.offerer_codecs) other_events(plan.offerer_other_events, plan.offerer_telephone_event, c);
      for (const auto& c : b_codecs) other_events(plan.answerer_other_events, plan.answerer_telephone_event, c);
      for (const auto& o : pending.offered) other_events(plan.answerer_other_events, plan.answerer_telephone_event, o.codec);
    }
    if (!plan.transcoding) {
      for (const auto& [a, b] : shared) {
        plan.offerer_to_answerer.set(a.payload_type, b.payload_type);
        plan.answerer_to_offerer.set(b.payload_type, a.payload_type);
      }
    }
    if (plan.offerer_telephone_event && plan.answerer_telephone_event &&
        !plan.offerer_to_answerer.map(plan.offerer_telephone_event->payload_type) &&
        !plan.answerer_to_offerer.map(plan.answerer_telephone_event->payload_type)) {
      plan.offerer_to_answerer.set(plan.offerer_telephone_event->payload_type,
                                   plan.answerer_telephone_event->payload_type);
      plan.answerer_to_offerer.set(plan.answerer_telephone_event->payload_type,
                                   plan.offerer_telephone_event->payload_type);
    }
    plan.offerer_direction = analysis.offerer.direction;
    plan.answerer_direction = result.answerer.direction;
    plan.answerer_rtcp_mux = result.answerer.kind == LegKind::browser || result.answerer.rtcp_mux;
    if (analysis.answerer_kind == LegKind::phone && pending.options.rtcp_mux_require && !result.answerer.rtcp_mux) {
      result.warnings.push_back("rtcp-mux required but not in the answer");
      plan.answerer_rtcp_mux = true;
    }
  }

  // The answer for the offerer: the offer's m-lines, the answerer's session.
  sdp::SessionDescription out;
  out.origin = answer.origin;
  if (replace_origin) set_origin_address(out.origin, local.address);
  out.session_name = answer.session_name;
  out.timings = answer.timings.empty() ? std::vector<sdp::Timing>{sdp::Timing{}} : answer.timings;
  out.connection = connection_for(local.address);
  out.attributes = answer.attributes;
  remove_named(out.attributes, kSessionAttributesWeWrite);
  for (std::size_t i = 0; i < pending.offer.media.size(); ++i) {
    const auto& am = pending.offer.media[i];
    sdp::MediaDescription m;
    m.media = am.media;
    m.proto = am.proto;
    if (i != idx || !plan.active) {
      m.port = 0;
      m.formats = am.formats;
      if (const auto mid = am.attributes.value("mid")) m.attributes.add("mid", std::string(*mid));
      out.media.push_back(std::move(m));
      continue;
    }
    m.port = local.port;
    // relay: the answerer's attributes that describe its codecs' use (ptime)
    if (!plan.transcoding) {
      for (const auto& a : bm.attributes) {
        if (iequals(a.name, "ptime") || iequals(a.name, "maxptime")) m.attributes.add(a.name, a.value);
      }
      for (const auto& [a, b] : shared) {
        Codec c = a;
        c.fmtp = b.fmtp;  // what the answerer stated (its mode-set, useinbandfec, ...), unmodified
        add_codec(m, c);
      }
    } else {
      add_codec(m, plan.offerer_codec);  // as the offerer offered it: AMR mode-set unmodified
      m.attributes.add("ptime", "20");
    }
    // the offerer's telephone-event even when the answerer has none: play DTMF can still reach it
    if (plan.offerer_telephone_event) add_codec(m, *plan.offerer_telephone_event);
    sdp::set_direction(m.attributes, plan.answerer_direction);
    if (local.kind == LegKind::browser) {
      add_browser_transport(m, local, analysis.offerer.mid.empty() ? "0" : analysis.offerer.mid,
                            local.dtls_client ? sdp::Setup::active : sdp::Setup::passive);
    } else {
      if (analysis.offerer_rtcp_mux) {
        m.attributes.add("rtcp-mux");
      } else {
        m.attributes.add("rtcp", std::to_string(local.rtcp_port));
      }
    }
    out.media.push_back(std::move(m));
  }
  if (local.kind == LegKind::browser) {
    out.attributes.add("ice-lite");
    if (plan.active && !analysis.offerer.mid.empty()) {
      if (const auto group = sdp::find_group(pending.offer.attributes, "BUNDLE")) {
        if (std::find(group->mids.begin(), group->mids.end(), analysis.offerer.mid) != group->mids.end()) {
          out.attributes.add("group", "BUNDLE " + analysis.offerer.mid);
        }
      }
    }
  }
  if (!sdp::writable(out)) {
    result.error = "internal error: the answer we wrote does not parse back";
    return result;
  }
  result.sdp = std::move(out);
  return result;
}

}  // namespace imsbox::agw
