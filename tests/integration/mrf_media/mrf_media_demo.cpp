// mrf-media-demo: the MRF's media engine (mrf/media/media_engine.h) alone,
// for tests with a peer that is not ours (mrf_media_test.py). Reads an SDP
// offer from a file, prints the answer, then does one thing:
//   mrf-media-demo OFFER PORT_MIN PORT_MAX SECONDS play HZ MS
//   mrf-media-demo OFFER PORT_MIN PORT_MAX SECONDS echo DELAY_MS
// and prints "digit X" for each RFC 4733 digit, "done" when a play ended,
// and "stats sent=N received=M" before it exits after SECONDS.
#include <boost/asio/io_context.hpp>
#include <cmath>
#include <fstream>
#include <iostream>
#include <sstream>

#include "media/tone_detector.h"
#include "mrf/media/media_engine.h"
#include "runtime/clock.h"
#include "runtime/log.h"

int main(int argc, char** argv) {
  using namespace imsbox;
  if (argc < 7) {
    std::cerr << "usage: mrf-media-demo OFFER PORT_MIN PORT_MAX SECONDS play HZ MS | echo DELAY_MS\n";
    return 2;
  }
  std::ifstream file(argv[1]);
  std::stringstream offer;
  offer << file.rdbuf();
  boost::asio::io_context io{1};
  runtime::SystemClock clock;
  runtime::Logger log("mrf", runtime::LogLevel::warning, "", clock);
  mrf::media::RtpEngineSettings settings;
  settings.port_min = static_cast<std::uint16_t>(std::stoi(argv[2]));
  settings.port_max = static_cast<std::uint16_t>(std::stoi(argv[3]));
  mrf::media::RtpMediaEngine engine(io, settings, log);
  auto result = engine.answer(offer.str());
  if (auto* error = std::get_if<std::string>(&result)) {
    std::cout << "refused " << *error << std::endl;
    return 1;
  }
  auto answer = std::get<mrf::MediaEngine::Answer>(std::move(result));
  std::cout << answer.sdp << "END" << std::endl;
  auto& session = *answer.session;
  session.on_digit([](char d) { std::cout << "digit " << d << std::endl; });
  const std::string action = argv[5];
  if (action == "play" && argc >= 8) {
    mrf::PlayRequest request;
    const int rate = session.pcm_rate();
    request.pcm.resize(static_cast<std::size_t>(rate) * std::stoul(argv[7]) / 1000);
    media::generate_tone(request.pcm, rate, std::stod(argv[6]), -6.0);
    session.play(std::move(request), [] { std::cout << "done" << std::endl; });
  } else if (action == "echo") {
    session.echo(std::chrono::milliseconds(std::stoi(argv[6])));
  } else {
    std::cerr << "unknown action " << action << "\n";
    return 2;
  }
  io.run_for(std::chrono::seconds(std::stoi(argv[4])));
  const auto stats = session.stats();
  std::cout << "stats sent=" << stats.packets_sent << " received=" << stats.packets_received << std::endl;
  return 0;
}
