#include "mrf/timed_media_engine.h"

#include <algorithm>
#include <boost/algorithm/string/predicate.hpp>

#include "sdp/formats.h"
#include "sdp/parser.h"

namespace imsbox::mrf {

namespace {

using std::chrono::milliseconds;

class TimedSession final : public MediaSession {
 public:
  TimedSession(runtime::TimerQueue& timers, int rate, std::string codec, std::string address, std::uint16_t port)
      : timers_(timers), rate_(rate), address_(std::move(address)), port_(port) {
    stats_.codec = std::move(codec);
  }
  ~TimedSession() override { cancel(); }
  int pcm_rate() const override { return rate_; }
  void play(PlayRequest request, std::function<void()> on_done) override {
    cancel();
    timer_ = timers_.schedule_after(play_length(request, rate_), [this, done = std::move(on_done)] {
      timer_.reset();
      if (done) done();
    });
  }
  void echo(std::chrono::milliseconds) override { cancel(); }
  void stop() override { cancel(); }
  void on_digit(std::function<void(char)> handler) override { digit_ = std::move(handler); }
  std::variant<std::string, std::string> update(std::string_view offer) override {
    auto n = TimedMediaEngine::negotiate(offer, address_, port_);
    if (auto* e = std::get_if<std::string>(&n)) return std::variant<std::string, std::string>(std::in_place_index<1>, *e);
    return std::variant<std::string, std::string>(std::in_place_index<0>, std::get<TimedMediaEngine::Negotiated>(n).sdp);
  }
  MediaStats stats() const override { return stats_; }

 private:
  void cancel() {
    if (timer_) timers_.cancel(*timer_);
    timer_.reset();
  }
  runtime::TimerQueue& timers_;
  int rate_;
  std::string address_;
  std::uint16_t port_;
  MediaStats stats_;
  std::optional<runtime::TimerQueue::TimerId> timer_;
  std::function<void(char)> digit_;
};

struct Known {
  const char* encoding;
  std::uint32_t clock;
  int pcm_rate;
};
constexpr Known kKnown[] = {{"AMR-WB", 16000, 16000}, {"AMR", 8000, 8000},   {"PCMU", 8000, 8000},
                            {"PCMA", 8000, 8000},     {"G722", 8000, 16000}, {"opus", 48000, 16000}};

}  // namespace

milliseconds play_length(const PlayRequest& request, int rate) {
  const auto once = milliseconds(rate > 0 ? static_cast<std::int64_t>(request.pcm.size()) * 1000 / rate : 0);
  milliseconds total = request.repeat > 0 ? once * request.repeat + request.delay * (request.repeat - 1)
                                          : std::chrono::hours(1);
  if (request.duration) total = std::min(total, *request.duration);
  return total;
}

std::variant<TimedMediaEngine::Negotiated, std::string> TimedMediaEngine::negotiate(std::string_view offer,
                                                                                   const std::string& address,
                                                                                   std::uint16_t port) {
  const auto parsed = sdp::parse(offer);
  if (!parsed.ok()) return "malformed SDP: " + parsed.error();
  const auto& d = *parsed.description;
  const auto audio = std::find_if(d.media.begin(), d.media.end(),
                                  [](const sdp::MediaDescription& m) { return m.media == "audio" && m.port != 0; });
  if (audio == d.media.end()) return std::string("no audio stream in the offer");
  for (const auto& format : audio->formats) {
    const auto map = sdp::rtpmap_for(*audio, format);
    if (!map) continue;
    const auto known = std::find_if(std::begin(kKnown), std::end(kKnown), [&](const Known& k) {
      return boost::algorithm::iequals(map->encoding, k.encoding) && map->clock_rate == k.clock;
    });
    if (known == std::end(kKnown)) continue;
    Negotiated n;
    n.pcm_rate = known->pcm_rate;
    n.codec = map->encoding + "/" + std::to_string(map->clock_rate);
    std::string formats = format;
    std::string attributes = "a=rtpmap:" + sdp::format(*map) + "\r\n";
    for (const auto value : audio->attributes.values("fmtp")) {
      if (value.starts_with(format + " ")) attributes += "a=fmtp:" + std::string(value) + "\r\n";
    }
    if (const auto te = sdp::find_format(*audio, "telephone-event", map->clock_rate)) {
      formats += " " + *te;
      attributes += "a=rtpmap:" + *te + " telephone-event/" + std::to_string(map->clock_rate) + "\r\n";
    }
    const std::string ip = address.find(':') != std::string::npos ? "IP6" : "IP4";
    n.sdp = "v=0\r\no=imsbox-mrf 1 1 IN " + ip + " " + address + "\r\ns=-\r\nc=IN " + ip + " " + address +
            "\r\nt=0 0\r\nm=audio " + std::to_string(port) + " " + audio->proto + " " + formats + "\r\n" + attributes +
            "a=sendrecv\r\n";
    return n;
  }
  return std::string("no codec in common (the MRF has AMR-WB, AMR, PCMU, PCMA, G722, opus)");
}

std::variant<MediaEngine::Answer, std::string> TimedMediaEngine::answer(std::string_view offer) {
  const std::uint16_t port = next_port_;
  next_port_ = next_port_ >= 60000 ? 40000 : static_cast<std::uint16_t>(next_port_ + 2);
  auto n = negotiate(offer, address_, port);
  if (auto* e = std::get_if<std::string>(&n)) return *e;
  auto& ok = std::get<Negotiated>(n);
  Answer a;
  a.session = std::make_unique<TimedSession>(timers_, ok.pcm_rate, ok.codec, address_, port);
  a.sdp = std::move(ok.sdp);
  return a;
}

}  // namespace imsbox::mrf
