#include "agw/ng/ng_server.h"

#include <array>
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/post.hpp>
#include <stdexcept>

#include "runtime/clock.h"
#include "runtime/log.h"
#include "runtime/metrics.h"

namespace imsbox::agw::ng {

namespace asio = boost::asio;
using udp = asio::ip::udp;

namespace {

std::string describe(const udp::endpoint& ep) {
  const auto a = ep.address();
  return (a.is_v6() ? "[" + a.to_string() + "]" : a.to_string()) + ":" + std::to_string(ep.port());
}

std::string_view result_name(NgReply::Result r) {
  switch (r) {
    case NgReply::Result::ok: return "ok";
    case NgReply::Result::error: return "error";
    case NgReply::Result::pong: return "pong";
  }
  return "?";
}

}  // namespace

struct NgServer::Impl : std::enable_shared_from_this<NgServer::Impl> {
  Impl(asio::io_context& io, Options o, Handler h, runtime::Logger& l, runtime::Metrics& m, const runtime::Clock& c)
      : io(io),
        options(std::move(o)),
        handler(std::move(h)),
        log(l),
        metrics(m),
        clock(c),
        socket(io),
        cache(options.cache),
        malformed(m.counter("agw_ng_malformed_total", "ng messages refused as malformed")),
        resent(m.counter("agw_ng_resent_total", "ng messages answered from the reply cache")) {}

  void receive() {
    socket.async_receive_from(asio::buffer(buffer), sender,
                              [self = shared_from_this()](const boost::system::error_code& ec, std::size_t n) {
                                self->on_receive(ec, n);
                              });
  }

  void on_receive(const boost::system::error_code& ec, std::size_t n) {
    if (ec == asio::error::operation_aborted || !socket.is_open()) return;
    if (ec) {
      log.warning("ng: receive failed: " + ec.message());
    } else {
      handle(std::string_view(buffer.data(), n), sender);
    }
    receive();
  }

  void handle(std::string_view datagram, const udp::endpoint& from) {
    const std::string peer = describe(from);
    const auto cookie = message_cookie(datagram, options.limits);
    if (cookie.empty()) {
      // nothing to match a reply with, nor to cache: answer with an empty cookie
      const auto parsed = parse_message(datagram, options.limits);
      refuse(peer, from, {}, Format::bencode, parsed.parsed.error, datagram);
      return;
    }
    const std::string key(cookie);  // see reply_cache.h
    const auto found = cache.begin(key, clock.now());
    if (found.state == ReplyCache::Lookup::running) {
      log.info("ng: cookie " + std::string(cookie) + " from " + peer + " again while its command runs: no reply yet");
      resent.inc();
      return;
    }
    if (found.state == ReplyCache::Lookup::answered) {
      log.info("ng: cookie " + std::string(cookie) + " from " + peer + " again: the cached reply");
      resent.inc();
      send(cookie, *found.reply, from);
      return;
    }
    auto message = parse_message(datagram, options.limits);
    if (!message.parsed.request) {
      const std::string body = encode_reply(NgReply::error(message.parsed.error), message.format);
      cache.complete(key, body, clock.now());
      refuse(peer, from, cookie, message.format, message.parsed.error, datagram, &body);
      return;
    }
    auto& request = *message.parsed.request;
    metrics.counter("agw_ng_commands_total", "ng commands received", {{"command", std::string(to_string(request.command))}})
        .inc();
    log.log(runtime::LogLevel::info,
            "ng: " + std::string(to_string(request.command)) + " from " + peer + " cookie " + std::string(cookie),
            request.call_id);
    auto state = std::make_shared<Responder::State>(weak_from_this(), io, key, std::string(cookie), from,
                                                    message.format, request.command, request.call_id);
    handler(std::move(request), Responder(std::move(state)));
  }

  // A malformed message: a log line, a counter, `result: error`.
  void refuse(const std::string& peer, const udp::endpoint& from, std::string_view cookie, Format format,
              const std::string& why, std::string_view datagram, const std::string* body = nullptr) {
    malformed.inc();
    constexpr std::size_t shown = 120;
    log.warning("ng: malformed message from " + peer + ": " + why + " [" + std::string(datagram.substr(0, shown)) +
                (datagram.size() > shown ? "...]" : "]"));
    if (body != nullptr) {
      send(cookie, *body, from);
    } else {
      send(cookie, encode_reply(NgReply::error(why), format), from);
    }
  }

  void finish(const std::string& key, const std::string& cookie, const udp::endpoint& to, Format format,
              Command command, const std::string& call_id, const NgReply& reply) {
    std::string body = encode_reply(reply, format);
    std::string line = "ng: " + std::string(result_name(reply.result)) + " to " + std::string(to_string(command)) +
                       " cookie " + cookie;
    if (reply.result == NgReply::Result::error) line += ": " + reply.error_reason;
    log.log(runtime::LogLevel::info, line, call_id);
    if (socket.is_open()) send(cookie, body, to);
    cache.complete(key, std::move(body), clock.now());
  }

  void send(std::string_view cookie, std::string_view body, const udp::endpoint& to) {
    static constexpr char space = ' ';
    const std::array<asio::const_buffer, 3> parts{asio::buffer(cookie.data(), cookie.size()),
                                                  asio::buffer(&space, 1), asio::buffer(body.data(), body.size())};
    boost::system::error_code ec;
    socket.send_to(parts, to, 0, ec);
    if (ec) log.warning("ng: reply to " + describe(to) + " not sent: " + ec.message());
  }

  asio::io_context& io;
  Options options;
  Handler handler;
  runtime::Logger& log;
  runtime::Metrics& metrics;
  const runtime::Clock& clock;
  udp::socket socket;
  udp::endpoint sender;
  std::array<char, 65536> buffer{};  // more than any UDP datagram
  ReplyCache cache;
  runtime::Counter& malformed;
  runtime::Counter& resent;
};

struct NgServer::Responder::State {
  State(std::weak_ptr<NgServer::Impl> server, asio::io_context& io, std::string key, std::string cookie,
        udp::endpoint to, Format format, Command command, std::string call_id)
      : server(std::move(server)),
        io(io),
        key(std::move(key)),
        cookie(std::move(cookie)),
        to(std::move(to)),
        format(format),
        command(command),
        call_id(std::move(call_id)) {}
  ~State() {
    if (!answered.load()) deliver(NgReply::error("internal error: the command ended without a reply"));
  }

  void deliver(NgReply reply) {
    asio::post(io, [server = server, key = key, cookie = cookie, to = to, format = format, command = command,
                    call_id = call_id, reply = std::move(reply)] {
      if (const auto impl = server.lock()) impl->finish(key, cookie, to, format, command, call_id, reply);
    });
  }

  std::weak_ptr<NgServer::Impl> server;
  asio::io_context& io;
  std::string key;
  std::string cookie;
  udp::endpoint to;
  Format format;
  Command command;
  std::string call_id;
  std::atomic<bool> answered{false};
};

void NgServer::Responder::operator()(NgReply reply) const {
  if (state_->answered.exchange(true)) return;  // once only
  state_->deliver(std::move(reply));
}

NgServer::Handler NgServer::synchronous(std::function<NgReply(const NgRequest&)> answer) {
  return [answer = std::move(answer)](NgRequest request, Responder respond) { respond(answer(request)); };
}

NgServer::NgServer(asio::io_context& io, Options options, Handler handler, runtime::Logger& log,
                   runtime::Metrics& metrics, const runtime::Clock& clock)
    : impl_(std::make_shared<Impl>(io, std::move(options), std::move(handler), log, metrics, clock)) {}

NgServer::~NgServer() { stop(); }

void NgServer::start() {
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(impl_->options.address, ec);
  const std::string where = impl_->options.address + ":" + std::to_string(impl_->options.port);
  if (ec) throw std::runtime_error("ng: invalid address " + impl_->options.address);
  const udp::endpoint ep(address, impl_->options.port);
  impl_->socket.open(ep.protocol(), ec);
  if (!ec) impl_->socket.bind(ep, ec);
  if (!ec) impl_->socket.non_blocking(true, ec);
  if (ec) {
    impl_->socket.close(ec);
    throw std::runtime_error("ng: cannot listen on UDP " + where + ": " + ec.message());
  }
  impl_->log.info("ng: control protocol on UDP " + describe(impl_->socket.local_endpoint()));
  impl_->receive();
}

void NgServer::stop() {
  boost::system::error_code ec;
  if (impl_->socket.is_open()) impl_->socket.close(ec);
}

std::uint16_t NgServer::local_port() const {
  boost::system::error_code ec;
  const auto ep = impl_->socket.local_endpoint(ec);
  return ec ? 0 : ep.port();
}

}  // namespace imsbox::agw::ng
