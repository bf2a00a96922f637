// sbi-test-server: an Http2Server with a few Nhss_ims-shaped routes, for
// the integration test that drives it with a third-party HTTP/2 client
// (curl --http2-prior-knowledge).
//
//   sbi-test-server [--listen ADDR:PORT]     (default 127.0.0.1:0)
//
// Routes:
//   GET  /nhss-ims-uecm/v1/{imsUeId}/registrations   200 JSON (query echoed)
//   PUT  /nhss-ims-uecm/v1/{imsUeId}/registrations   201 JSON: the body with imsUeId added;
//                                                    400 problem+json when not a JSON object
//   POST /nhss-ims-uecm/v1/{imsUeId}/authenticate    same as PUT (a POST route)
//   GET  /slow?ms=N                                  200 after N ms (asynchronous answer)
//
// Prints "ready PORT" on stdout once listening; SIGTERM/SIGINT stop it.
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/json.hpp>
#include <boost/program_options.hpp>
#include <csignal>
#include <iostream>

#include "runtime/clock.h"
#include "runtime/log.h"
#include "runtime/metrics.h"
#include "sbi/http2_server.h"
#include "sbi/problem.h"

namespace po = boost::program_options;
namespace json = boost::json;
using namespace imsbox;

namespace {

void echo_json(sbi::Request req, sbi::Responder respond) {
  boost::system::error_code ec;
  json::value body = json::parse(req.body, ec);
  if (ec || !body.is_object()) {
    respond.send(sbi::problem_response(400, sbi::cause::invalid_msg_format, "the body is not a JSON object"));
    return;
  }
  body.as_object()["imsUeId"] = req.param("imsUeId");
  respond.send(sbi::json_response(201, body));
}

}  // namespace

int main(int argc, char** argv) {
  std::string listen = "127.0.0.1:0";
  po::options_description desc("sbi-test-server");
  desc.add_options()("listen", po::value(&listen), "ADDR:PORT");
  try {
    po::variables_map vm;
    po::store(po::parse_command_line(argc, argv, desc), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << e.what() << "\n" << desc;
    return 2;
  }
  const auto colon = listen.rfind(':');
  if (colon == std::string::npos) {
    std::cerr << "--listen wants ADDR:PORT\n";
    return 2;
  }
  std::string host = listen.substr(0, colon);
  if (host.size() > 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
  const auto port = static_cast<std::uint16_t>(std::stoi(listen.substr(colon + 1)));

  boost::asio::io_context io(1);
  runtime::SystemClock clock;
  runtime::Logger log("sbi-test-server", runtime::LogLevel::info, {}, clock);
  runtime::Metrics metrics;
  sbi::Http2Server server(io, host, port, sbi::Http2ServerConfig{}, log, metrics);
  server.route("GET", "/nhss-ims-uecm/v1/{imsUeId}/registrations", [](sbi::Request req, sbi::Responder respond) {
    json::object o;
    o["imsUeId"] = req.param("imsUeId");
    json::object query;
    for (const auto& [k, v] : req.query) query[k] = v;
    o["query"] = std::move(query);
    o["registrations"] = json::array{json::object{{"scscfName", "sip:scscf.ims.mnc001.mcc001.3gppnetwork.org"}}};
    respond.send(sbi::json_response(200, o));
  });
  server.route("PUT", "/nhss-ims-uecm/v1/{imsUeId}/registrations", echo_json);
  server.route("POST", "/nhss-ims-uecm/v1/{imsUeId}/authenticate", echo_json);
  server.route("GET", "/slow", [&io](sbi::Request req, sbi::Responder respond) {
    const auto ms = std::stoi(std::string(req.query_value("ms").value_or("100")));
    auto timer = std::make_shared<boost::asio::steady_timer>(io, std::chrono::milliseconds(ms));
    timer->async_wait([timer, respond](const boost::system::error_code&) {
      respond.send(sbi::json_response(200, json::object{{"slow", true}}));
    });
  });
  try {
    server.start();
  } catch (const std::exception& e) {
    std::cerr << "sbi-test-server: " << e.what() << "\n";
    return 1;
  }
  boost::asio::signal_set signals(io, SIGTERM, SIGINT);
  signals.async_wait([&](const boost::system::error_code&, int) {
    server.stop();
    io.stop();
  });
  std::cout << "ready " << server.port() << std::endl;
  io.run();
  return 0;
}
