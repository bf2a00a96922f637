// webrtc-echo: the proof that agw/webrtc works with a real browser. It
// answers a browser's SDP offer (HTTP on loopback, from the test page) with
// an ICE-lite, DTLS-SRTP answer written by hand, and echoes the browser's
// audio back to it: each SRTP packet is decrypted with the receive context,
// given our SSRC, and encrypted again with the send context.
//
//   webrtc-echo --http-port N [--address 127.0.0.1] [--media-port-min A --media-port-max B]
//               [--page FILE] [--log FILE] [--log-level debug|info|warning|error]
//
//   GET  /                 the test page (--page)
//   POST /offer[?srtp=P,P] body: the offer; answer: the answer SDP, header X-Session: ID.
//                          srtp: the SRTP profiles our DTLS server offers, in order
//                          (AEAD_AES_128_GCM, AES_CM_128_HMAC_SHA1_80; default both)
//   POST /call[?srtp=P,P]  we offer (a=setup:actpass): answer: our offer SDP, header X-Session: ID
//   POST /answer/ID        body: the browser's answer to that offer
//   GET  /session/ID       JSON: state, failure, profile, selected pair, counters
//
// One io_context, each leg with its own GMainContext on it: what an AGW worker is. Prints
// "ready PORT" once listening; SIGTERM/SIGINT stop it.
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/json.hpp>
#include <boost/program_options.hpp>
#include <array>
#include <csignal>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <sstream>

#include "agw/webrtc/browser_leg.h"
#include "agw/webrtc/dtls_context.h"
#include "echo_sdp.h"
#include "runtime/clock.h"
#include "runtime/http_server.h"
#include "runtime/log.h"

namespace po = boost::program_options;
namespace json = boost::json;
using namespace imsbox;
using namespace imsbox::agw::webrtc;

namespace {

class Session final : public BrowserLeg::Events {
 public:
  Session(int id, boost::asio::io_context& io, std::shared_ptr<const DtlsContext> dtls, const std::string& address,
          std::uint16_t port, runtime::Logger& log)
      : id_(id),
        ssrc_(std::random_device{}()),
        log_(log),
        leg_(io, std::move(dtls), BrowserLegConfig{address, port, "session " + std::to_string(id)}, *this, log) {}

  BrowserLeg& leg() { return leg_; }
  std::uint32_t ssrc() const { return ssrc_; }

  json::object status() const {
    json::object o;
    o["id"] = id_;
    o["state"] = failure_ ? "failed" : profile_ ? "connected" : "waiting";
    o["failure"] = failure_ ? std::string(to_string(*failure_)) : "";
    o["detail"] = detail_;
    o["profile"] = profile_ ? std::string(to_string(*profile_)) : "";
    if (auto pair = leg_.ice().selected_pair()) {
      o["ice_remote"] = pair->remote_address + ":" + std::to_string(pair->remote_port);
      o["ice_remote_type"] = pair->remote_type;
    }
    const auto& c = leg_.counters();
    o["rtp_received"] = c.rtp_received;
    o["rtp_received_bytes"] = c.rtp_received_bytes;
    o["rtcp_received"] = c.rtcp_received;
    o["rtp_sent"] = c.rtp_sent;
    o["rtp_sent_bytes"] = c.rtp_sent_bytes;
    o["srtp_refused"] = c.srtp_refused;
    o["echo_failed"] = echo_failed_;
    o["dropped"] = c.dropped;
    return o;
  }

 private:
  void on_leg_connected(SrtpProfile profile) override {
    profile_ = profile;
    log_.info("session " + std::to_string(id_) + ": connected, SRTP " + std::string(to_string(profile)));
  }
  void on_rtp(std::span<std::uint8_t> packet) override {
    // Into our own buffer (the leg's is libnice's), with our SSRC: a browser
    // ignores a stream that carries its own.
    if (packet.size() + kSrtpMaxOverhead > buffer_.size()) return;
    std::copy(packet.begin(), packet.end(), buffer_.begin());
    buffer_[8] = static_cast<std::uint8_t>(ssrc_ >> 24);
    buffer_[9] = static_cast<std::uint8_t>(ssrc_ >> 16);
    buffer_[10] = static_cast<std::uint8_t>(ssrc_ >> 8);
    buffer_[11] = static_cast<std::uint8_t>(ssrc_);
    if (!leg_.send_rtp(buffer_, packet.size())) ++echo_failed_;
  }
  void on_rtcp(std::span<std::uint8_t>) override {}
  void on_leg_failed(LegFailure failure, std::string_view detail) override {
    failure_ = failure;
    detail_ = detail;
  }

  int id_;
  std::uint32_t ssrc_;
  runtime::Logger& log_;
  BrowserLeg leg_;
  std::array<std::uint8_t, 2048> buffer_{};
  std::optional<SrtpProfile> profile_;
  std::optional<LegFailure> failure_;
  std::string detail_;
  std::uint64_t echo_failed_ = 0;
};

struct Options {
  std::string address = "127.0.0.1";
  std::uint16_t http_port = 0;
  std::uint16_t media_min = 0, media_max = 0;
  std::string page, log_file, log_level = "info";
};

class EchoServer {
 public:
  EchoServer(boost::asio::io_context& io, Options options, runtime::Logger& log)
      : io_(io), options_(std::move(options)), log_(log), certificate_(DtlsCertificate::generate()) {}

  runtime::HttpResponse handle(const runtime::HttpRequest& req) {
    if (req.method == "GET" && req.path == "/") {
      std::ifstream in(options_.page);
      std::stringstream s;
      s << in.rdbuf();
      return {200, "text/html; charset=utf-8", s.str(), {}};
    }
    if (req.method == "POST" && req.path == "/offer") return offer(req);
    if (req.method == "POST" && req.path == "/call") return call(req);
    if (req.method == "POST" && req.segments.size() == 2 && req.segments[0] == "answer")
      return answer(std::atoi(req.segments[1].c_str()), req.body);
    if (req.method == "GET" && req.segments.size() == 2 && req.segments[0] == "session") {
      const auto it = sessions_.find(std::atoi(req.segments[1].c_str()));
      if (it == sessions_.end()) return {404, "text/plain", "no such session\n", {}};
      return {200, "application/json", json::serialize(it->second->status()), {}};
    }
    return {404, "text/plain", "not found\n", {}};
  }

 private:
  // A session on the next free media port (nullptr when none is left).
  std::unique_ptr<Session> new_session(int id, std::shared_ptr<const DtlsContext> dtls) {
    std::unique_ptr<Session> session;
    for (std::uint32_t port = options_.media_min; !session && port <= options_.media_max; ++port) {
      if (port != 0 && used_ports_.contains(static_cast<std::uint16_t>(port))) continue;
      try {
        session = std::make_unique<Session>(id, io_, dtls, options_.address, static_cast<std::uint16_t>(port), log_);
      } catch (const std::runtime_error& e) {
        log_.info(std::string("port skipped: ") + e.what());
      }
      if (port == 0) break;
    }
    if (session) used_ports_.insert(session->leg().port());
    return session;
  }

  echo::AnswerValues our_values(Session& session) const {
    return echo::AnswerValues{options_.address,
                              session.leg().port(),
                              session.leg().ice_credentials().ufrag,
                              session.leg().ice_credentials().pwd,
                              session.leg().fingerprint().to_sdp(),
                              session.leg().candidate(),
                              session.ssrc()};
  }

  // We offer; the browser's answer comes later (POST /answer/ID), and with
  // it its fingerprint: its ClientHello may well come first.
  runtime::HttpResponse call(const runtime::HttpRequest& req) {
    std::shared_ptr<const DtlsContext> dtls;
    try {
      dtls = context_for(req.query);
    } catch (const std::exception& e) {
      return {400, "text/plain", std::string(e.what()) + "\n", {}};
    }
    const int id = ++last_id_;
    auto session = new_session(id, dtls);
    if (!session) return {503, "text/plain", "no free media port\n", {}};
    const std::string sdp = echo::write_offer(our_values(*session));
    log_.info("session " + std::to_string(id) + ": offer sent from " + options_.address + ":" +
              std::to_string(session->leg().port()));
    sessions_.emplace(id, std::move(session));
    return {200, "application/sdp", sdp, {{"X-Session", std::to_string(id)}}};
  }

  runtime::HttpResponse answer(int id, const std::string& body) {
    const auto it = sessions_.find(id);
    if (it == sessions_.end()) return {404, "text/plain", "no such session\n", {}};
    std::string error;
    const auto answer = echo::read_offer(body, error);
    if (!answer) return {400, "text/plain", error + "\n", {}};
    const auto fingerprint = parse_fingerprint(answer->fingerprint);
    if (!fingerprint) return {400, "text/plain", "unreadable a=fingerprint\n", {}};
    if (answer->setup != "active") return {400, "text/plain", "we offered actpass: the answer must be active\n", {}};
    log_.info("session " + std::to_string(id) + ": answer with " + std::to_string(answer->candidates.size()) +
              " candidates");
    it->second->leg().set_remote(BrowserRemote{answer->ice_ufrag, answer->ice_pwd, fingerprint, answer->candidates});
    return {200, "text/plain", "ok\n", {}};
  }

  runtime::HttpResponse offer(const runtime::HttpRequest& req) {
    std::string error;
    const auto offer = echo::read_offer(req.body, error);
    if (!offer) {
      log_.warning("offer refused: " + error);
      return {400, "text/plain", error + "\n", {}};
    }
    const auto fingerprint = parse_fingerprint(offer->fingerprint);
    if (!fingerprint) return {400, "text/plain", "unreadable a=fingerprint\n", {}};
    std::shared_ptr<const DtlsContext> dtls;
    try {
      dtls = context_for(req.query);
    } catch (const std::exception& e) {
      return {400, "text/plain", std::string(e.what()) + "\n", {}};
    }
    const int id = ++last_id_;
    auto session = new_session(id, dtls);
    if (!session) return {503, "text/plain", "no free media port\n", {}};
    session->leg().set_remote(BrowserRemote{offer->ice_ufrag, offer->ice_pwd, fingerprint, offer->candidates});
    const std::string answer = echo::write_answer(*offer, our_values(*session));
    log_.info("session " + std::to_string(id) + ": offer with " + std::to_string(offer->candidates.size()) +
              " candidates, answered from " + options_.address + ":" + std::to_string(session->leg().port()) +
              " (SRTP " + (req.query.empty() ? std::string("default") : req.query) + ")");
    sessions_.emplace(id, std::move(session));
    return {200, "application/sdp", answer, {{"X-Session", std::to_string(id)}}};
  }

  // srtp=AES_CM_128_HMAC_SHA1_80,AEAD_AES_128_GCM: a DTLS context offering those, in that order.
  std::shared_ptr<const DtlsContext> context_for(const std::string& query) {
    std::string list;
    if (query.starts_with("srtp=")) list = query.substr(5);
    auto& slot = contexts_[list];
    if (slot) return slot;
    DtlsContextOptions o;
    if (!list.empty()) {
      o.srtp_profiles.clear();
      std::stringstream s(list);
      for (std::string name; std::getline(s, name, ',');) {
        const auto p = parse_srtp_profile(name);
        if (!p) throw std::invalid_argument("unknown SRTP profile " + name);
        o.srtp_profiles.push_back(*p);
      }
    }
    slot = std::make_shared<DtlsContext>(certificate_, o);
    return slot;
  }

  boost::asio::io_context& io_;
  Options options_;
  runtime::Logger& log_;
  std::shared_ptr<const DtlsCertificate> certificate_;
  std::map<std::string, std::shared_ptr<const DtlsContext>> contexts_;
  std::map<int, std::unique_ptr<Session>> sessions_;
  std::set<std::uint16_t> used_ports_;
  int last_id_ = 0;
};

}  // namespace

int main(int argc, char** argv) {
  Options options;
  po::options_description desc("webrtc-echo");
  desc.add_options()("address", po::value(&options.address), "media address (IP literal)")(
      "http-port", po::value(&options.http_port), "HTTP port on 127.0.0.1 (0: any)")(
      "media-port-min", po::value(&options.media_min), "first media port (0: any)")(
      "media-port-max", po::value(&options.media_max), "last media port")("page", po::value(&options.page),
                                                                          "the test page served at /")(
      "log", po::value(&options.log_file), "log file (default stderr)")("log-level", po::value(&options.log_level),
                                                                        "debug, info, warning, error");
  try {
    po::variables_map vm;
    po::store(po::parse_command_line(argc, argv, desc), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << e.what() << "\n" << desc;
    return 2;
  }
  if (options.media_max < options.media_min) options.media_max = options.media_min;
  const auto level = runtime::parse_log_level(options.log_level);
  if (!level) {
    std::cerr << "bad --log-level\n";
    return 2;
  }
  runtime::SystemClock clock;
  runtime::Logger log("webrtc-echo", *level, options.log_file, clock);
  boost::asio::io_context io;
  EchoServer echo(io, options, log);
  runtime::HttpServer http(
      io, "127.0.0.1", options.http_port, [&](const runtime::HttpRequest& r) { return echo.handle(r); }, log,
      runtime::HttpServerOptions{.name = "webrtc-echo HTTP"});
  try {
    http.start();
  } catch (const std::exception& e) {
    std::cerr << e.what() << "\n";
    return 1;
  }
  boost::asio::signal_set stop(io, SIGTERM, SIGINT);
  stop.async_wait([&](const boost::system::error_code&, int) {
    http.stop();
    io.stop();
  });
  std::cout << "ready " << http.port() << std::endl;
  log.info("webrtc-echo ready on HTTP 127.0.0.1:" + std::to_string(http.port()));
  io.run();
  return 0;
}
