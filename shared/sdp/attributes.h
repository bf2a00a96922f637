#pragma once
// Typed views of the attributes the AGW reads and writes. Each parse_X()
// takes an attribute's value (what follows "a=X:") and returns nullopt when
// it does not follow its grammar; each format() returns the value to put
// back, and to_attribute() the whole attribute. Pure functions, no state.
//
//   rtpmap, fmtp           RFC 8866 §6.6, §6.15
//   ptime, maxptime        RFC 8866 §6.4, §6.5
//   sendrecv & co          RFC 8866 §6.7 (direction; session level = default)
//   rtcp                   RFC 3605
//   rtcp-mux               RFC 5761 (property: Attributes::has)
//   mid, group             RFC 9143 / RFC 5888
//   ice-ufrag, ice-pwd, ice-options, ice-lite, end-of-candidates  RFC 8839
//   fingerprint            RFC 8122
//   setup                  RFC 4145
//   rtcp-fb                RFC 4585
//   extmap                 RFC 8285
//   ssrc                   RFC 5576
//   msid                   RFC 8830
// candidate is in candidate.h, crypto in crypto.h, AMR's fmtp in amr.h.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sdp/session_description.h"

namespace imsbox::sdp {

// a=rtpmap:<payload type> <encoding name>/<clock rate>[/<encoding parameters>]
struct Rtpmap {
  std::uint8_t payload_type = 0;    // 0..127
  std::string encoding;             // as written ("AMR-WB", "opus"); compare case-insensitively
  std::uint32_t clock_rate = 0;
  std::optional<std::uint32_t> channels;  // audio: number of channels
  bool operator==(const Rtpmap&) const = default;
};
std::optional<Rtpmap> parse_rtpmap(std::string_view value);
std::string format(const Rtpmap& r);
Attribute to_attribute(const Rtpmap& r);

// a=fmtp:<format> <parameters>; parameters are ';'-separated name=value pairs
// (spaces around them ignored: "mode-set=0,2; octet-align=1"), or bare
// values such as telephone-event's "0-15" (name "0-15", no value).
struct FmtpParameter {
  std::string name;
  std::optional<std::string> value;
  bool operator==(const FmtpParameter&) const = default;
};
struct Fmtp {
  std::string format;  // token (a payload type for RTP)
  std::vector<FmtpParameter> parameters;
  // the parameter's value (names compare case-insensitively, RFC 6838 §4.3);
  // nullopt if absent, "" for a bare one
  std::optional<std::string_view> get(std::string_view name) const;
  // replaces the first `name` in place or appends it
  void set(std::string_view name, std::optional<std::string> value);
  bool remove(std::string_view name);
  bool operator==(const Fmtp&) const = default;
};
std::optional<Fmtp> parse_fmtp(std::string_view value);
std::string format(const Fmtp& f);  // "96 a=1;b=2"
Attribute to_attribute(const Fmtp& f);

// a=ptime / a=maxptime: milliseconds (a fraction, "20.0", is cut off)
std::optional<std::uint32_t> parse_ptime(std::string_view value);

// a=sendrecv / sendonly / recvonly / inactive
enum class Direction { sendrecv, sendonly, recvonly, inactive };
std::string_view to_string(Direction d);
std::optional<Direction> parse_direction(std::string_view attribute_name);
// the direction attribute among `attributes` (the last one wins if several)
std::optional<Direction> direction_of(const Attributes& attributes);
// media's own direction, else the session's, else sendrecv (RFC 8866 §6.7)
Direction direction(const SessionDescription& session, const MediaDescription& media);
// replaces the direction attribute(s) with `d` (where the first one stood), or appends it
void set_direction(Attributes& attributes, Direction d);
// the direction seen from the other side (sendonly <-> recvonly)
Direction reverse(Direction d);

// a=rtcp:<port> [<nettype> <addrtype> <connection-address>]
struct Rtcp {
  std::uint16_t port = 0;
  std::optional<std::string> nettype, addrtype, address;  // all three or none
  bool operator==(const Rtcp&) const = default;
};
std::optional<Rtcp> parse_rtcp(std::string_view value);
std::string format(const Rtcp& r);
Attribute to_attribute(const Rtcp& r);

// a=group:<semantics> *(SP <identification-tag>)
struct Group {
  std::string semantics;         // BUNDLE, LS, FID, ...
  std::vector<std::string> mids;
  bool operator==(const Group&) const = default;
};
std::optional<Group> parse_group(std::string_view value);
std::string format(const Group& g);
Attribute to_attribute(const Group& g);
// the first a=group with these semantics (e.g. "BUNDLE") among session attributes
std::optional<Group> find_group(const Attributes& attributes, std::string_view semantics);

// a=mid:<identification-tag> (1*token-char)
std::optional<std::string_view> parse_mid(std::string_view value);

// a=ice-ufrag (4..256 ice-chars) / a=ice-pwd (22..256 ice-chars), RFC 8839 §5.4.
// Chromium's and Firefox's values fit; the length rules are checked.
bool is_ice_ufrag(std::string_view value);
bool is_ice_pwd(std::string_view value);
// a=ice-options: tokens separated by SP ("trickle", "ice2")
std::optional<std::vector<std::string>> parse_ice_options(std::string_view value);

// a=fingerprint:<hash-func> <XX:XX:...> (RFC 8122 §5)
struct Fingerprint {
  std::string hash_function;       // as written; "sha-256", "SHA-256" (case-insensitive)
  std::vector<std::uint8_t> bytes;
  bool operator==(const Fingerprint&) const = default;
};
std::optional<Fingerprint> parse_fingerprint(std::string_view value);
std::string format(const Fingerprint& f);  // upper-case hex, as RFC 8122 writes it
Attribute to_attribute(const Fingerprint& f);

// a=setup:<role> (RFC 4145 §4)
enum class Setup { actpass, active, passive, holdconn };
std::string_view to_string(Setup s);
std::optional<Setup> parse_setup(std::string_view value);

// a=rtcp-fb:<fmt or *> <type> [<parameters>]: "111 transport-cc", "96 nack pli", "* ccm fir"
struct RtcpFb {
  std::string format;  // payload type or "*"
  std::string type;    // ack, nack, trr-int, ccm, goog-remb, transport-cc, ...
  std::optional<std::string> parameters;  // the rest, as written
  bool operator==(const RtcpFb&) const = default;
};
std::optional<RtcpFb> parse_rtcp_fb(std::string_view value);
std::string format(const RtcpFb& f);
Attribute to_attribute(const RtcpFb& f);

// a=extmap:<id>[/<direction>] <uri> [<extension attributes>]
struct Extmap {
  std::uint16_t id = 0;                  // 1..4095 (1..14 one-byte, RFC 8285)
  std::optional<Direction> direction;
  std::string uri;
  std::optional<std::string> attributes;  // the rest, as written
  bool operator==(const Extmap&) const = default;
};
std::optional<Extmap> parse_extmap(std::string_view value);
std::string format(const Extmap& e);
Attribute to_attribute(const Extmap& e);

// a=ssrc:<ssrc-id> <attribute>[:<value>]: "3564713083 cname:6IfHUIxkthOIZLZt"
struct Ssrc {
  std::uint32_t ssrc = 0;
  std::string attribute;
  std::optional<std::string> value;
  bool operator==(const Ssrc&) const = default;
};
std::optional<Ssrc> parse_ssrc(std::string_view value);
std::string format(const Ssrc& s);
Attribute to_attribute(const Ssrc& s);

// a=msid:<stream id> [<track id>] (RFC 8830 §2: 1..64 token chars each)
struct Msid {
  std::string stream_id;
  std::optional<std::string> track_id;
  bool operator==(const Msid&) const = default;
};
std::optional<Msid> parse_msid(std::string_view value);
std::string format(const Msid& m);
Attribute to_attribute(const Msid& m);

// Every value of the attribute `name` that parses with `parse`, in order;
// malformed ones are skipped (ask parse_X() on each value to tell).
template <typename Parse>
auto parse_all(const Attributes& attributes, std::string_view name, Parse parse) {
  std::vector<typename decltype(parse(std::string_view{}))::value_type> out;
  for (const std::string_view v : attributes.values(name)) {
    if (auto x = parse(v)) out.push_back(std::move(*x));
  }
  return out;
}

}  // namespace imsbox::sdp
