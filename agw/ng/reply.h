#pragma once
// ng replies: what the AGW answers, and how it is written.
//
// `result` is "ok", "error" or "pong"; an error carries `error-reason` and
// nothing else (rtpengine's rule); an ok may carry `warning` and, for offer
// and answer, the rewritten `sdp`. `query` and `delete` replies may carry call
// statistics in rtpengine's shape (docs/ng_control_protocol.md, "query"):
//
//   created, last signal                     integers, UNIX seconds
//   totals: {RTP: {packets, bytes, errors}, RTCP: {...}}
//   tags: {<tag>: {tag, label, created, in dialogue with,
//                  medias: [{index, type, protocol,
//                            streams: [{local port, last packet,
//                                       stats: {packets, bytes, errors, packets lost, jitter}}]}]}}
//   media timeout: "yes"                     (ours, when the AGW timed the media out)
//
// `play media` replies `duration` (ms), `stop media` `last-frame-pos`.
//
// A tag's media counts what the AGW received from that party, so the two tags
// of a call give the two directions. `packets lost` and `jitter` (ms, RFC 3550
// interarrival jitter) are ours, added to rtpengine's per-stream `stats`; a
// reader that knows only rtpengine's keys skips them. The values come from the
// caller (the media engine); this file only writes them.
//
// Pure: no I/O.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "agw/ng/encoder.h"

namespace imsbox::agw::ng {

struct PacketStats {
  std::uint64_t packets = 0;
  std::uint64_t bytes = 0;
  std::uint64_t errors = 0;
};

struct StreamStats {
  std::uint16_t local_port = 0;  // 0: not written
  PacketStats stats;
  std::optional<std::uint64_t> packets_lost;
  std::optional<std::uint32_t> jitter_ms;
  std::optional<std::int64_t> last_packet;  // UNIX seconds of the last packet received (rtpengine's "last packet")
};

struct MediaStats {
  int index = 1;
  std::string type = "audio";
  std::string protocol;             // e.g. "RTP/AVP"; empty: not written
  std::vector<StreamStats> streams;  // RTP, then RTCP when not muxed
};

struct TagStats {
  std::string tag;
  std::string label;
  std::string in_dialogue_with;
  std::int64_t created = 0;
  std::vector<MediaStats> medias;
};

struct CallStats {
  std::int64_t created = 0;
  std::int64_t last_signal = 0;
  PacketStats totals_rtp;
  PacketStats totals_rtcp;
  std::vector<TagStats> tags;
  // The AGW saw no RTP either way for agw.media_timeout_s: written as
  // "media timeout": "yes" (ours; rtpengine deletes such a call instead, so a
  // client of either can also read the streams' "last packet").
  bool media_timeout = false;
};

struct NgReply {
  enum class Result { ok, error, pong };
  Result result = Result::ok;
  std::string error_reason;  // with Result::error
  std::string warning;       // with Result::ok, optional
  std::optional<std::string> sdp;
  std::optional<CallStats> stats;  // query, delete
  std::optional<std::int64_t> duration_ms;     // play media: `duration` (ms of one play)
  std::optional<std::int64_t> last_frame_pos;  // stop media: `last-frame-pos`

  static NgReply ok() { return {}; }
  static NgReply pong() {
    NgReply r;
    r.result = Result::pong;
    return r;
  }
  static NgReply error(std::string reason) {
    NgReply r;
    r.result = Result::error;
    r.error_reason = std::move(reason);
    return r;
  }
  static NgReply with_sdp(std::string sdp) {
    NgReply r;
    r.sdp = std::move(sdp);
    return r;
  }
};

// The dictionary of a reply (without the cookie).
std::string encode_reply(const NgReply& reply, Format format);

}  // namespace imsbox::agw::ng
