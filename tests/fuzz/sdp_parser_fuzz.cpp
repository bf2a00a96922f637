// libFuzzer target for the SDP parser, writer and typed attribute views.
//
// Besides "never crash, never hang, never leak" it checks these properties:
//   * a body parse() accepts is written by write() to a body that parses to
//     an equal model, and writing that again gives the same bytes;
//   * every typed attribute that parses formats back to a value that parses
//     to the same thing;
//   * the AGW's edits (keep one format, add one, set the direction) leave a
//     parsed model writable.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "sdp/amr.h"
#include "sdp/attributes.h"
#include "sdp/candidate.h"
#include "sdp/crypto.h"
#include "sdp/formats.h"
#include "sdp/parser.h"
#include "sdp/writer.h"

namespace {

using namespace imsbox::sdp;

void check(bool ok) {
  if (!ok) std::abort();
}

// parse_X(format(x)) == x for what parse_X accepted
template <typename Parse>
void round_trip(std::string_view value, Parse parse) {
  const auto x = parse(value);
  if (!x) return;
  const auto again = parse(format(*x));
  check(again.has_value() && *again == *x);
}

void touch_attributes(const Attributes& attributes) {
  for (const auto& a : attributes) {
    const std::string_view v = a.value ? std::string_view(*a.value) : std::string_view{};
    const std::string_view n = a.name;
    if (n == "rtpmap") {
      round_trip(v, parse_rtpmap);
      if (auto r = parse_rtpmap(v)) (void)amr_kind(*r);
    } else if (n == "fmtp") {
      round_trip(v, parse_fmtp);
      if (auto f = parse_fmtp(v)) {
        (void)parse_amr_parameters(*f, AmrKind::amr);
        (void)parse_amr_parameters(*f, AmrKind::amr_wb);
      }
    } else if (n == "candidate") {
      round_trip(v, parse_candidate);
      if (auto c = parse_candidate(v)) (void)c->is_mdns();
    } else if (n == "fingerprint") {
      round_trip(v, parse_fingerprint);
    } else if (n == "rtcp") {
      round_trip(v, parse_rtcp);
    } else if (n == "group") {
      round_trip(v, parse_group);
    } else if (n == "rtcp-fb") {
      round_trip(v, parse_rtcp_fb);
    } else if (n == "extmap") {
      round_trip(v, parse_extmap);
    } else if (n == "ssrc") {
      round_trip(v, parse_ssrc);
    } else if (n == "msid") {
      round_trip(v, parse_msid);
    } else if (n == "crypto") {
      (void)parse_crypto(v);
    } else if (n == "ptime" || n == "maxptime") {
      (void)parse_ptime(v);
    } else if (n == "setup") {
      (void)parse_setup(v);
    } else if (n == "mid") {
      (void)parse_mid(v);
    } else if (n == "ice-ufrag") {
      (void)is_ice_ufrag(v);
    } else if (n == "ice-pwd") {
      (void)is_ice_pwd(v);
    } else if (n == "ice-options") {
      (void)parse_ice_options(v);
    }
  }
}

void edit(const SessionDescription& d) {
  // the first section only: each edit copies the model (keeps runs fast)
  for (std::size_t i = 0; i < d.media.size() && i < 1; ++i) {
    const auto& m = d.media[i];
    (void)direction(d, m);
    (void)connection_of(d, m);
    for (const auto& f : m.formats) {
      (void)rtpmap_for(m, f);
      (void)fmtp_for(m, f);
      (void)rtcp_fb_for(m, f);
    }
    // writable() is about the default limits: leave room for what we add
    if (m.attributes.size() + 3 > Limits{}.max_attributes) continue;
    SessionDescription copy = d;
    auto& cm = copy.media[i];
    const std::string first = cm.formats.front();
    retain_formats(cm, [&](std::string_view f) { return f == first; });
    check(writable(copy));
    if (auto pt = free_dynamic_payload_type(cm)) {
      // an rtpmap of this section, under a payload type it does not use yet
      for (const auto v : cm.attributes.values("rtpmap")) {
        if (auto r = parse_rtpmap(v)) {
          r->payload_type = *pt;
          add_format(cm, *r, parse_fmtp(std::to_string(*pt) + " a=1;b"));
          prefer_format(cm, std::to_string(*pt));
          check(writable(copy));
          break;
        }
      }
    }
    set_direction(cm.attributes, Direction::inactive);
    check(writable(copy));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  // tight limits: the limit paths get exercised too
  Limits tight;
  tight.max_media = 2;
  tight.max_attributes = 8;
  tight.max_formats = 4;
  tight.max_repeated_lines = 2;
  (void)parse(bytes, tight);

  const auto r = parse(bytes);
  check(r.ok() == r.reason.empty());
  if (!r.ok()) return 0;
  const SessionDescription& d = *r.description;
  const std::string written = write(d);
  const auto again = parse(written);
  check(again.ok() && *again.description == d);
  check(write(*again.description) == written);

  touch_attributes(d.attributes);
  for (const auto& m : d.media) touch_attributes(m.attributes);
  (void)find_group(d.attributes, "BUNDLE");
  edit(d);
  return 0;
}
