#include "agw/ng/reply.h"

#include <limits>

namespace imsbox::agw::ng {

namespace {

std::int64_t as_int(std::uint64_t v) {
  // counters beyond int64 do not happen; clamp rather than wrap
  return v > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) ? std::numeric_limits<std::int64_t>::max() : static_cast<std::int64_t>(v);
}

void write_packets(Encoder& e, const PacketStats& s) {
  e.entry("packets", as_int(s.packets)).entry("bytes", as_int(s.bytes)).entry("errors", as_int(s.errors));
}

void write_stream(Encoder& e, const StreamStats& s) {
  e.begin_dictionary();
  if (s.local_port != 0) e.entry("local port", std::int64_t{s.local_port});
  if (s.last_packet) e.entry("last packet", *s.last_packet);
  e.key("stats").begin_dictionary();
  write_packets(e, s.stats);
  if (s.packets_lost) e.entry("packets lost", as_int(*s.packets_lost));
  if (s.jitter_ms) e.entry("jitter", std::int64_t{*s.jitter_ms});
  e.end();
  e.end();
}

void write_media(Encoder& e, const MediaStats& m) {
  e.begin_dictionary();
  e.entry("index", std::int64_t{m.index}).entry("type", m.type);
  if (!m.protocol.empty()) e.entry("protocol", m.protocol);
  e.key("streams").begin_list();
  for (const auto& s : m.streams) write_stream(e, s);
  e.end();
  e.end();
}

void write_stats(Encoder& e, const CallStats& c) {
  e.entry("created", c.created).entry("last signal", c.last_signal);
  if (c.media_timeout) e.entry("media timeout", "yes");
  e.key("totals").begin_dictionary();
  e.key("RTP").begin_dictionary();
  write_packets(e, c.totals_rtp);
  e.end();
  e.key("RTCP").begin_dictionary();
  write_packets(e, c.totals_rtcp);
  e.end();
  e.end();
  e.key("tags").begin_dictionary();
  for (const auto& t : c.tags) {
    e.key(t.tag).begin_dictionary();
    e.entry("tag", t.tag);
    if (!t.label.empty()) e.entry("label", t.label);
    if (!t.in_dialogue_with.empty()) e.entry("in dialogue with", t.in_dialogue_with);
    e.entry("created", t.created);
    e.key("medias").begin_list();
    for (const auto& m : t.medias) write_media(e, m);
    e.end();
    e.end();
  }
  e.end();
}

}  // namespace

std::string encode_reply(const NgReply& reply, Format format) {
  Encoder e(format);
  e.begin_dictionary();
  switch (reply.result) {
    case NgReply::Result::error:
      // rtpengine: "No other keys should be present in the error case."
      e.entry("result", "error").entry("error-reason", reply.error_reason);
      return e.end().take();
    case NgReply::Result::pong: e.entry("result", "pong"); break;
    case NgReply::Result::ok: e.entry("result", "ok"); break;
  }
  if (!reply.warning.empty()) e.entry("warning", reply.warning);
  if (reply.sdp) e.entry("sdp", *reply.sdp);
  if (reply.duration_ms) e.entry("duration", *reply.duration_ms);
  if (reply.last_frame_pos) e.entry("last-frame-pos", *reply.last_frame_pos);
  if (reply.stats) write_stats(e, *reply.stats);
  return e.end().take();
}

}  // namespace imsbox::agw::ng
