// cx-load: Multimedia-Auth-Request round trips against an HSS over loopback
// Diameter, `window` requests in flight, until `count` answers came or
// `seconds` passed. Prints "name: value unit" lines like the other
// benchmarks. Run by bench/hss_mar_load.sh.
#include <boost/asio/io_context.hpp>
#include <boost/program_options.hpp>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <unistd.h>

#include "diameter/diameter_stack.h"
#include "runtime/clock.h"
#include "runtime/log.h"

namespace po = boost::program_options;
using namespace imsbox;
using namespace imsbox::diameter;

int main(int argc, char** argv) {
  std::string host = "127.0.0.1", identity, realm = "ims.test", hss;
  int port = 3868, count = 20000, window = 64, subscribers = 100, seconds = 60;
  po::options_description desc("cx-load");
  desc.add_options()("help", "this help")("host", po::value(&host), "the HSS's address")(
      "port", po::value(&port), "the HSS's Diameter port")("hss", po::value(&hss), "the HSS's identity (hss.REALM)")(
      "identity", po::value(&identity), "ours (scscf.REALM)")("realm", po::value(&realm), "the realm")(
      "count", po::value(&count), "MARs to send")("window", po::value(&window), "in flight at once")(
      "subscribers", po::value(&subscribers), "IMPIs load-NNN@REALM, NNN from 0")(
      "seconds", po::value(&seconds), "stop after this long in any case");
  try {
    po::variables_map vm;
    po::store(po::parse_command_line(argc, argv, desc), vm);
    if (vm.count("help")) {
      std::cout << desc;
      return 0;
    }
    po::notify(vm);
  } catch (const std::exception& e) {
    std::cerr << "cx-load: " << e.what() << "\n" << desc;
    return 2;
  }
  if (identity.empty()) identity = "scscf." + realm;
  if (hss.empty()) hss = "hss." + realm;

  StackConfig config;
  config.identity = identity;
  config.realm = realm;
  config.peers = {DiameterPeer{hss, host, static_cast<std::uint16_t>(port)}};
  config.run_dir = std::filesystem::temp_directory_path() / ("cx-load-" + std::to_string(::getpid()));
  boost::asio::io_context io(1);
  runtime::SystemClock clock;
  runtime::Logger log("cx-load", runtime::LogLevel::warning, {}, clock);
  DiameterStack stack(io, config, log);
  stack.start();

  int sent = 0, answered = 0, failed = 0;
  std::chrono::steady_clock::time_point start;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  std::function<void()> send_one = [&] {
    if (sent >= count || std::chrono::steady_clock::now() > deadline) {
      if (answered + failed == sent) stack.stop([&] { io.stop(); });
      return;
    }
    const int n = sent++ % subscribers;
    MultimediaAuthRequest r;
    r.user_name = "load-" + std::to_string(n) + "@" + realm;
    r.public_identity = "sip:load-" + std::to_string(n) + "@" + realm;
    r.auth_data_item.authentication_scheme = "Digest-AKAv1-MD5";
    r.server_name = "sip:" + identity + ":6060";
    stack.send<MultimediaAuthRequest>(std::move(r), Destination{realm, hss}, std::chrono::seconds(5),
                                      [&](AnswerOrError<MultimediaAuthAnswer> a) {
                                        const auto* answer = std::get_if<MultimediaAuthAnswer>(&a);
                                        if (answer && answer->header.result.code == 2001 &&
                                            !answer->auth_data_items.empty()) {
                                          ++answered;
                                        } else {
                                          ++failed;
                                        }
                                        send_one();
                                      });
  };
  stack.wait_for_peer(hss, std::chrono::seconds(10), [&](bool open) {
    if (!open) {
      std::cerr << "cx-load: no connection with " << hss << "\n";
      stack.stop([&] { io.stop(); });
      return;
    }
    start = std::chrono::steady_clock::now();
    for (int i = 0; i < window; ++i) send_one();
  });
  io.run();
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("hss_mar_diameter/answered: %d requests\n", answered);
  std::printf("hss_mar_diameter/failed: %d requests\n", failed);
  if (secs > 0) std::printf("hss_mar_diameter/round_trips: %.0f per second\n", answered / secs);
  std::filesystem::remove_all(config.run_dir);
  return answered > 0 && failed == 0 ? 0 : 1;
}
