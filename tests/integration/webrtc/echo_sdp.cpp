#include "echo_sdp.h"

#include <charconv>

namespace imsbox::agw::webrtc::echo {

namespace {

bool take(std::string_view line, std::string_view prefix, std::string& out) {
  if (!line.starts_with(prefix)) return false;
  out = std::string(line.substr(prefix.size()));
  return true;
}

}  // namespace

std::optional<Offer> read_offer(std::string_view sdp, std::string& error) {
  Offer offer;
  bool in_audio = false, seen_media = false;
  while (!sdp.empty()) {
    const auto end = sdp.find('\n');
    std::string_view line = sdp.substr(0, end);
    sdp = end == std::string_view::npos ? std::string_view() : sdp.substr(end + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.starts_with("m=")) {
      in_audio = !seen_media && line.starts_with("m=audio ");
      seen_media = true;
      continue;
    }
    if (seen_media && !in_audio) continue;  // a later m-line: not ours
    std::string value;
    if (take(line, "a=ice-ufrag:", offer.ice_ufrag) || take(line, "a=ice-pwd:", offer.ice_pwd) ||
        take(line, "a=fingerprint:", offer.fingerprint) || take(line, "a=setup:", offer.setup) ||
        take(line, "a=mid:", offer.mid))
      continue;
    if (take(line, "a=candidate:", value)) {
      offer.candidates.push_back("candidate:" + value);
    } else if (line == "a=rtcp-mux") {
      offer.rtcp_mux = true;
    } else if (take(line, "a=rtpmap:", value)) {
      const auto space = value.find(' ');
      if (space != std::string::npos && value.compare(space + 1, 5, "opus/") == 0) {
        int pt = -1;
        std::from_chars(value.data(), value.data() + space, pt);
        if (offer.opus_pt < 0) offer.opus_pt = pt;
      }
    }
  }
  if (!seen_media) error = "no m=audio line";
  else if (offer.ice_ufrag.empty() || offer.ice_pwd.empty()) error = "no a=ice-ufrag/a=ice-pwd";
  else if (offer.fingerprint.empty()) error = "no a=fingerprint";
  else if (!offer.rtcp_mux) error = "no a=rtcp-mux (required)";
  else if (offer.opus_pt < 0) error = "no opus";
  else if (offer.setup == "passive") error = "a=setup:passive: we are always the DTLS server";
  else return offer;
  return std::nullopt;
}

namespace {

std::string write_description(const std::string& mid, int opus_pt, const std::string& setup,
                              const AnswerValues& ours) {
  const std::string ip = ours.address.find(':') == std::string::npos ? "IP4 " : "IP6 ";
  const std::string pt = std::to_string(opus_pt);
  const std::string ssrc = std::to_string(ours.ssrc);
  std::string s;
  s += "v=0\r\n";
  s += "o=- " + ssrc + " 2 IN " + ip + ours.address + "\r\n";
  s += "s=webrtc-echo\r\n";
  s += "t=0 0\r\n";
  if (!mid.empty()) s += "a=group:BUNDLE " + mid + "\r\n";
  s += "a=ice-lite\r\n";
  s += "a=msid-semantic: WMS echo\r\n";
  s += "m=audio " + std::to_string(ours.port) + " UDP/TLS/RTP/SAVPF " + pt + "\r\n";
  s += "c=IN " + ip + ours.address + "\r\n";
  if (!mid.empty()) s += "a=mid:" + mid + "\r\n";
  s += "a=sendrecv\r\n";
  s += "a=rtcp-mux\r\n";
  s += "a=ice-ufrag:" + ours.ice_ufrag + "\r\n";
  s += "a=ice-pwd:" + ours.ice_pwd + "\r\n";
  s += "a=fingerprint:" + ours.fingerprint + "\r\n";
  s += "a=setup:" + setup + "\r\n";
  s += "a=rtpmap:" + pt + " opus/48000/2\r\n";
  s += "a=fmtp:" + pt + " minptime=10;useinbandfec=1\r\n";
  s += "a=ssrc:" + ssrc + " cname:webrtc-echo\r\n";
  s += "a=ssrc:" + ssrc + " msid:echo echo-audio\r\n";
  s += "a=" + ours.candidate + "\r\n";
  s += "a=end-of-candidates\r\n";
  return s;
}

}  // namespace

std::string write_answer(const Offer& offer, const AnswerValues& ours) {
  return write_description(offer.mid, offer.opus_pt, "passive", ours);
}

std::string write_offer(const AnswerValues& ours) { return write_description("0", 111, "actpass", ours); }

}  // namespace imsbox::agw::webrtc::echo
