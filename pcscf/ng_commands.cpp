#include "pcscf/ng_commands.h"

#include <string>

#include "agw/ng/encoder.h"

namespace imsbox::pcscf {

namespace {

using agw::ng::Encoder;
using agw::ng::Format;

void form(Encoder& e, MediaForm toward, bool from_webrtc) {
  if (from_webrtc) e.entry("DTLS-reverse", "passive");
  if (toward == MediaForm::webrtc) {
    e.entry("transport-protocol", "UDP/TLS/RTP/SAVPF");
    e.entry("ICE", "force");
    e.entry("DTLS", "passive");
    e.key("rtcp-mux").begin_list().string("require").end();
  } else {
    e.entry("transport-protocol", "RTP/AVP");
    e.entry("ICE", "remove");
    e.entry("DTLS", "off");
    e.key("rtcp-mux").begin_list().string("demux").end();
  }
  e.key("SDES").begin_list().string("off").end();
  e.key("replace").begin_list().string("origin").string("session-connection").end();
  e.key("flags").begin_list().string("inject DTMF").end();
}

std::string offer_answer(std::string_view command, const OfferAnswerParams& p) {
  Encoder e(Format::bencode);
  e.begin_dictionary();
  e.entry("command", command);
  e.entry("call-id", p.call_id);
  e.entry("from-tag", p.from_tag);
  if (!p.to_tag.empty()) e.entry("to-tag", p.to_tag);
  if (!p.via_branch.empty()) e.entry("via-branch", p.via_branch);
  if (!p.label.empty()) e.entry("label", p.label);
  form(e, p.toward, p.from_webrtc);
  e.entry("sdp", p.sdp);
  e.end();
  return e.take();
}

std::uint64_t count(const std::optional<agw::ng::Value>& v) {
  return v && v->is_integer() && v->integer() > 0 ? static_cast<std::uint64_t>(v->integer()) : 0;
}

// Adds one party's streams (a `tags` entry) to `into`; with the answer's
// `SSRC` dictionary for rtpengine's RTCP-based loss and jitter.
void add_party(const agw::ng::Value& tag, const std::optional<agw::ng::Value>& ssrcs, PartyMedia& into) {
  const auto medias = tag.get("medias");
  if (!medias || !medias->is_list()) return;
  for (const auto media : medias->items()) {
    const auto streams = media.get("streams");
    if (!streams || !streams->is_list()) continue;
    for (const auto stream : streams->items()) {
      const auto stats = stream.get("stats");
      if (!stats || !stats->is_dictionary()) continue;
      into.packets += count(stats->get("packets"));
      into.bytes += count(stats->get("bytes"));
      if (const auto lost = stats->get("packets lost"); lost && lost->is_integer()) {
        into.lost = into.lost.value_or(0) + count(lost);
      }
      if (const auto jitter = stats->get("jitter"); jitter && jitter->is_integer()) {
        into.jitter_ms = std::max<std::uint32_t>(into.jitter_ms.value_or(0), static_cast<std::uint32_t>(count(jitter)));
      }
      // rtpengine: the SSRC received on this stream, and what RTCP said of it
      const auto ssrc = stream.get("SSRC");
      if (!ssrc || !ssrc->is_integer() || !ssrcs || !ssrcs->is_dictionary()) continue;
      const auto entry = ssrcs->get(std::to_string(ssrc->integer()));
      if (!entry || !entry->is_dictionary()) continue;
      if (const auto lost = entry->get("cumulative loss"); lost && lost->is_integer() && !stats->get("packets lost")) {
        into.lost = into.lost.value_or(0) + count(lost);
      }
      if (const auto avg = entry->get("average MOS"); avg && avg->is_dictionary() && !stats->get("jitter")) {
        if (const auto j = avg->get("jitter"); j && j->is_integer()) {
          into.jitter_ms = std::max<std::uint32_t>(into.jitter_ms.value_or(0), static_cast<std::uint32_t>(count(j)));
        }
      }
    }
  }
}

}  // namespace

std::string ng_offer(const OfferAnswerParams& p) { return offer_answer("offer", p); }
std::string ng_answer(const OfferAnswerParams& p) { return offer_answer("answer", p); }

std::string ng_delete(std::string_view call_id, std::string_view from_tag) {
  Encoder e(Format::bencode);
  // delete-delay 0: gone at once (rtpengine keeps a deleted call 30 s by
  // default, for late retransmissions; the P-CSCF sends none)
  e.begin_dictionary()
      .entry("command", "delete")
      .entry("call-id", call_id)
      .entry("from-tag", from_tag)
      .entry("delete-delay", std::int64_t{0})
      .end();
  return e.take();
}

std::string ng_query(std::string_view call_id) {
  Encoder e(Format::bencode);
  e.begin_dictionary().entry("command", "query").entry("call-id", call_id).end();
  return e.take();
}

std::string ng_play_dtmf(std::string_view call_id, std::string_view from_tag, char digit, int duration_ms) {
  Encoder e(Format::bencode);
  e.begin_dictionary()
      .entry("command", "play DTMF")
      .entry("call-id", call_id)
      .entry("from-tag", from_tag)
      .entry("code", std::string_view(&digit, 1))
      .entry("duration", static_cast<std::int64_t>(duration_ms))
      .end();
  return e.take();
}

std::string ng_ping() {
  Encoder e(Format::bencode);
  e.begin_dictionary().entry("command", "ping").end();
  return e.take();
}

std::string ng_call_id(std::string_view sip_call_id, bool originating) {
  return std::string(sip_call_id) + (originating ? ";orig" : ";term");
}

CallMedia read_call_media(const agw::ng::Value& root, std::string_view ue_tag) {
  CallMedia m;
  if (!root.is_dictionary()) return m;
  if (const auto totals = root.get("totals"); totals && totals->is_dictionary()) {
    if (const auto rtp = totals->get("RTP"); rtp && rtp->is_dictionary()) {
      m.rtp_packets = count(rtp->get("packets"));
      m.rtp_bytes = count(rtp->get("bytes"));
    }
  }
  const auto ssrcs = root.get("SSRC");
  const auto tags = root.get("tags");
  if (!tags || !tags->is_dictionary()) return m;
  for (const auto [key, tag] : tags->entries()) {
    if (!tag.is_dictionary()) continue;
    const auto name = tag.get("tag");
    const std::string_view t = name && name->is_string() ? name->str() : key;
    if (t == ue_tag) m.has_tags = true;
    add_party(tag, ssrcs, t == ue_tag ? m.from_ue : m.from_network);
  }
  return m;
}

}  // namespace imsbox::pcscf
