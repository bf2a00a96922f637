// sip-test-proxy: a stateful proxy built on the SIP stack with no services,
// routing by Route and Request-URI. The integration tests put it between
// real peers (sipp, a WebSocket client).
//
//   sip-test-proxy [--udp ADDR:PORT] [--tcp ADDR:PORT] [--tls ADDR:PORT]
//                  [--ws ADDR:PORT] [--wss ADDR:PORT] [--cert PEM --key PEM]
//                  [--record-route]
//
// Prints "ready" on stdout once every listener is bound; SIGTERM/SIGINT stop it.
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/program_options.hpp>
#include <csignal>
#include <iostream>

#include "runtime/clock.h"
#include "runtime/log.h"
#include "runtime/metrics.h"
#include "sip/proxy/proxy_stack.h"

namespace po = boost::program_options;
using namespace imsbox;

int main(int argc, char** argv) {
  std::vector<std::string> udp, tcp, tls, ws, wss;
  std::string cert, key;
  bool record_route = false;
  po::options_description desc("sip-test-proxy");
  desc.add_options()("udp", po::value(&udp), "ADDR:PORT")("tcp", po::value(&tcp), "ADDR:PORT")(
      "tls", po::value(&tls), "ADDR:PORT")("ws", po::value(&ws), "ADDR:PORT")("wss", po::value(&wss), "ADDR:PORT")(
      "cert", po::value(&cert), "PEM")("key", po::value(&key), "PEM")("record-route", po::bool_switch(&record_route), "");
  try {
    po::variables_map vm;
    po::store(po::parse_command_line(argc, argv, desc), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << e.what() << "\n" << desc;
    return 2;
  }
  sip::proxy::ProxyStackConfig config;
  const auto add = [&](const std::vector<std::string>& list, sip::Transport t) {
    for (const auto& a : list) {
      const auto colon = a.rfind(':');
      std::string host = a.substr(0, colon);
      if (host.size() > 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
      config.transport.listeners.push_back({t, host, static_cast<std::uint16_t>(std::stoi(a.substr(colon + 1))), {}});
    }
  };
  add(udp, sip::Transport::udp);
  add(tcp, sip::Transport::tcp);
  add(tls, sip::Transport::tls);
  add(ws, sip::Transport::ws);
  add(wss, sip::Transport::wss);
  config.transport.tls_certificate_file = cert;
  config.transport.tls_private_key_file = key;
  config.proxy.record_route = record_route;

  boost::asio::io_context io(1);
  runtime::SystemClock clock;
  runtime::Logger log("proxy", runtime::LogLevel::info, {}, clock);
  runtime::Metrics metrics;
  sip::proxy::ProxyStack stack(io, std::move(config), {}, log, metrics, clock);
  try {
    stack.start();
  } catch (const std::exception& e) {
    std::cerr << "sip-test-proxy: " << e.what() << "\n";
    return 1;
  }
  boost::asio::signal_set signals(io, SIGTERM, SIGINT);
  signals.async_wait([&](const boost::system::error_code&, int) {
    stack.stop();
    io.stop();
  });
  std::cout << "ready" << std::endl;
  io.run();
  return 0;
}
