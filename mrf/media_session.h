#pragma once
// The MRF's media (issue 19), as its SIP side sees it: an SDP offer answered
// with an RTP session that plays PCM (prompts, tones), echoes what it hears,
// and reports RFC 4733 digits. The SIP side (mrf.cpp, the services) never
// touches RTP, codecs or sockets; tests of the SIP side use a fake engine.
//
// Threading: everything on the MRF's one event loop; callbacks run on it
// and may call the session again, but must not destroy it from inside a
// callback (post the destruction).
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace imsbox::mrf {

// What one play() sends: `pcm` (16-bit mono at the session's pcm_rate())
// `repeat` times (0: until stopped or `duration`), with `delay` of silence
// between two plays (RFC 4240 §3.2 repeat, delay, duration).
struct PlayRequest {
  std::vector<std::int16_t> pcm;
  int repeat = 1;
  std::chrono::milliseconds delay{0};
  std::optional<std::chrono::milliseconds> duration;  // caps the whole play
};

struct MediaStats {
  std::uint64_t packets_sent = 0, packets_received = 0;
  std::uint64_t bytes_sent = 0, bytes_received = 0;
  std::string codec;  // as in the answer's rtpmap: "AMR-WB/16000"
  // When the last RTP packet of the stream arrived (a media timeout is the
  // SIP side's business); nullopt before the first.
  std::optional<std::chrono::steady_clock::time_point> last_received;
  std::uint64_t digits_received = 0;  // RFC 4733 events reported by on_digit
};

class MediaSession {
 public:
  virtual ~MediaSession() = default;
  // The rate play() takes PCM at: 16000 for AMR-WB, G.722 and Opus, 8000 for
  // AMR, PCMU and PCMA. Prompts are kept at both (prompt_store.h).
  virtual int pcm_rate() const = 0;
  // Replaces what the session sends by `request`; `on_done` runs once it was
  // all sent (not when stop(), play() or echo() replaced it first).
  virtual void play(PlayRequest request, std::function<void()> on_done) = 0;
  // Sends back what it receives, `delay` later (the echo test).
  virtual void echo(std::chrono::milliseconds delay) = 0;
  // Sends silence (comfort noise or nothing, the codec's way).
  virtual void stop() = 0;
  // Each RFC 4733 telephone-event digit received, once per event: '0'-'9',
  // '*', '#', 'A'-'D'. (SIP INFO digits are the SIP side's business.)
  virtual void on_digit(std::function<void(char digit)> handler) = 0;
  // A new offer in the call (re-INVITE, UPDATE: hold, resume, another
  // address): the answer's SDP, or why it is refused (then 488, the session
  // unchanged).
  virtual std::variant<std::string, std::string> update(std::string_view offer) = 0;
  virtual MediaStats stats() const = 0;
};

class MediaEngine {
 public:
  virtual ~MediaEngine() = default;
  struct Answer {
    std::unique_ptr<MediaSession> session;
    std::string sdp;  // the SDP answer
  };
  // Answers an SDP offer: the first audio codec of the offer the MRF has
  // (AMR-WB, AMR, PCMU, PCMA, G722, opus) plus telephone-event at its rate
  // when offered; or why not (no common codec, no audio stream, no free
  // port, malformed SDP): the SIP side answers 488 with that reason logged.
  virtual std::variant<Answer, std::string> answer(std::string_view offer) = 0;
};

}  // namespace imsbox::mrf
