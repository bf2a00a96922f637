#pragma once
// A MediaEngine that negotiates but sends no RTP: the SDP answer picks the
// offer's first audio codec the MRF knows (so a bad offer still gets 488),
// and play() reports its end after as long as the audio would have lasted
// (repeat, delay and duration counted). The MRF node uses it until the real
// engine (mrf/media/, issue 19's media half) is wired in through the
// factory in mrf.cpp; the SIP side's tests use it as their fake.
#include <memory>
#include <string>

#include "mrf/media_session.h"
#include "runtime/timer_queue.h"

namespace imsbox::mrf {

class TimedMediaEngine final : public MediaEngine {
 public:
  // `address`: the c= address of the answers (the node's bind address).
  TimedMediaEngine(runtime::TimerQueue& timers, std::string address)
      : timers_(timers), address_(std::move(address)) {}
  std::variant<Answer, std::string> answer(std::string_view offer) override;

  // The answer to `offer` (the first audio stream's first known codec,
  // telephone-event when offered) and its PCM rate, or why not.
  struct Negotiated {
    std::string sdp;
    int pcm_rate = 8000;
    std::string codec;
  };
  static std::variant<Negotiated, std::string> negotiate(std::string_view offer, const std::string& address,
                                                         std::uint16_t port);

 private:
  runtime::TimerQueue& timers_;
  std::string address_;
  std::uint16_t next_port_ = 40000;
};

// How long a play() of `samples` at `rate` lasts (repeat 0 counts as
// `duration`, or an hour when none).
std::chrono::milliseconds play_length(const PlayRequest& request, int rate);

}  // namespace imsbox::mrf
