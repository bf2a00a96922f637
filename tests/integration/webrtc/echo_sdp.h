#pragma once
// The little SDP that webrtc-echo needs, by hand (the project's SDP library
// is being written elsewhere): what it reads from a browser's offer and the
// answer it writes. Test code: one audio m-line, Opus only.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace imsbox::agw::webrtc::echo {

struct Offer {
  std::string ice_ufrag, ice_pwd, fingerprint, setup, mid;
  std::vector<std::string> candidates;  // a=candidate values
  bool rtcp_mux = false;
  int opus_pt = -1;
};

// The first m=audio section of an offer or answer (session-level attributes
// count too). nullopt and `error` set when something we need is missing.
std::optional<Offer> read_offer(std::string_view sdp, std::string& error);

struct AnswerValues {
  std::string address;  // IP literal of our candidate
  std::uint16_t port = 0;
  std::string ice_ufrag, ice_pwd, fingerprint, candidate;
  std::uint32_t ssrc = 0;
};

// Our answer to a browser's offer: a=setup:passive, its mid and Opus payload type.
std::string write_answer(const Offer& offer, const AnswerValues& ours);
// Our offer to a browser: a=setup:actpass (it answers active), mid 0, Opus 111.
std::string write_offer(const AnswerValues& ours);

}  // namespace imsbox::agw::webrtc::echo
