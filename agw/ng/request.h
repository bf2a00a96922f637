#pragma once
// Typed ng requests: what a P-CSCF (ours, Kamailio's rtpengine module,
// OpenSIPS's) asks of the AGW, parsed from the decoded dictionary.
//
// The subset of rtpengine's ng protocol (docs/ng_control_protocol.md in
// rtpengine) that the AGW serves: the commands `ping`, `offer`, `answer`,
// `delete`, `query`, and for the MRF/TAS `play media`, `stop media`,
// `play DTMF`. Keys are read as rtpengine reads them:
//   * strings: `call-id`, `from-tag`, `to-tag`, `via-branch`, `sdp`, `label`
//     (also `from-label`), `transport-protocol` (also `transport protocol`),
//     `file`, `blob`;
//   * lists of strings, given as a list or as one comma-separated string:
//     `ICE`, `DTLS`, `rtcp-mux`, `replace`, `flags`, the lists of `codec`;
//   * `direction`: a list of (at most) two interface names;
//   * `received-from` (also `received from`): [family, address], or the
//     address alone as a string;
//   * integers, given as an integer or a decimal string: `repeat-times`, `start-pos`,
//     `duration`, `volume`, `pause`; `code`/`digit` also as one character.
// The key variants rtpengine knows (`call id`, `from tag`, `rtcp mux`, ...)
// are accepted too. Keys the AGW does not know are ignored; a known key with a
// value of the wrong type is an error (rtpengine would silently drop it and go
// on with a default, which hides the caller's mistake).
//
// Flags: rtpengine treats a space and a hyphen in a flag alike, so the set
// holds them with hyphens ("trust address" -> "trust-address"). Flags that
// rtpengine reads as another key's value are moved there: `codec-strip-X`,
// `codec-mask-X`, `codec-transcode-X` / `transcode-X`, `codec-accept-X`
// (the codec lists), `replace-X` (replace), `rtcp-mux-X` (rtcp-mux).
//
// Pure: no I/O, no clock. The request owns its strings (it may be handed to
// another thread).
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "agw/ng/encoder.h"
#include "agw/ng/value.h"

namespace imsbox::agw::ng {

enum class Command {
  ping,
  offer,
  answer,
  delete_,  // `delete`
  query,
  play_media,  // `play media`
  stop_media,  // `stop media`
  play_dtmf,   // `play DTMF`
};

std::string_view to_string(Command c);
// The command named by an ng `command` value; nullopt for others.
std::optional<Command> parse_command(std::string_view name);

// `codec` (rtpengine: a dictionary of lists).
struct CodecOptions {
  std::vector<std::string> transcode;
  std::vector<std::string> mask;
  std::vector<std::string> strip;
  std::vector<std::string> accept;
  bool empty() const { return transcode.empty() && mask.empty() && strip.empty() && accept.empty(); }
};

struct ReceivedFrom {
  std::string family;  // "IP4", "IP6", or empty when only the address was given
  std::string address;
};

struct NgRequest {
  Command command = Command::ping;

  std::string call_id;
  std::string from_tag;
  std::string to_tag;
  std::string via_branch;
  std::string sdp;
  std::string label;
  std::string transport_protocol;  // e.g. "RTP/AVP", "UDP/TLS/RTP/SAVPF"; empty: unchanged

  std::vector<std::string> ice;       // e.g. "force", "remove"
  std::vector<std::string> dtls;      // e.g. "passive", "off"
  std::vector<std::string> rtcp_mux;  // e.g. "offer", "require", "demux"
  std::vector<std::string> replace;   // e.g. "origin", "session-connection"
  std::set<std::string> flags;        // spaces as hyphens, see above
  CodecOptions codec;
  std::vector<std::string> direction;  // at most two interface names
  std::optional<ReceivedFrom> received_from;

  // play media / play DTMF (MRF, TAS)
  std::string file;
  std::string blob;
  std::optional<std::int64_t> repeat_times;
  std::optional<std::int64_t> start_pos;  // play media: the first frame (20 ms) played
  std::optional<std::int64_t> code;  // DTMF event 0-15 ('0'-'9' = 0-9, '*' 10, '#' 11, 'A'-'D' 12-15)
  std::optional<std::int64_t> duration_ms;
  std::optional<std::int64_t> volume;
  std::optional<std::int64_t> pause_ms;

  bool has_flag(std::string_view flag) const;  // spaces in `flag` count as hyphens
};

// A request, or why not. `error` is the error-reason for the reply.
struct ParsedRequest {
  std::optional<NgRequest> request;
  std::string error;
  std::string command_name;  // as sent (for logs), when there was one
  std::string call_id;       // as sent (for logs), when there was one
};

// The request in a decoded ng dictionary.
ParsedRequest parse_request(const Value& root);

// One datagram, `<cookie> <dictionary>`, taken apart. The cookie is the bytes
// before the first space (1..max_cookie_bytes, no control characters); the
// dictionary is bencode when it starts with 'd', JSON when with '{'
// (trailing whitespace after either is forgiven: `echo` adds a newline).
struct MessageLimits {
  DecodeLimits decode;
  std::size_t max_cookie_bytes = 256;
};

struct ParsedMessage {
  std::string_view cookie;  // view into the datagram; empty when it had none
  Format format = Format::bencode;  // of the request; the reply uses the same
  ParsedRequest parsed;             // parsed.request empty: parsed.error says why
};

ParsedMessage parse_message(std::string_view datagram, const MessageLimits& limits = {});

// Just the cookie of a datagram (empty when it has none); the reply cache
// looks it up before anything is decoded.
std::string_view message_cookie(std::string_view datagram, const MessageLimits& limits = {});

}  // namespace imsbox::agw::ng
