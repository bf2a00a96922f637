#pragma once
// The AGW's ng control socket: `<cookie> <dictionary>` datagrams over UDP
// (rtpengine's ng protocol), as Kamailio's and OpenSIPS's rtpengine modules
// and our P-CSCF send them.
//
// For each datagram: the reply cache is asked first (a resent cookie gets the
// first reply again and runs nothing; see reply_cache.h); then the message is
// decoded and parsed (request.h). A malformed one (no cookie, bad bencode or
// JSON, no command, a wrong type, too deep, too long) is answered
// `result: error` with an `error-reason`, logged and counted
// (agw_ng_malformed_total), and the handler never sees it; a datagram without
// a cookie gets its reply with an empty one (" d6:result5:error..."). A good one goes to the handler, whose reply is encoded in the
// request's format (bencode or JSON), cached and sent back to the sender.
//
// Threading: the server lives on one io_context and calls the handler on it.
// The handler may answer at once or later, from any thread (the AGW hands a
// call to one of its worker threads): it calls its Responder once. A Responder
// dropped without being called answers `result: error` for it, so a client
// never waits in vain. Replies that come after stop() are dropped. A Responder
// posts to the server's io_context: it must not outlive that io_context.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "agw/ng/reply.h"
#include "agw/ng/reply_cache.h"
#include "agw/ng/request.h"

namespace boost::asio {
class io_context;
}
namespace imsbox::runtime {
class Clock;
class Logger;
class Metrics;
}  // namespace imsbox::runtime

namespace imsbox::agw::ng {

class NgServer {
 public:
  struct Options {
    std::string address = "127.0.0.1";  // the ng protocol has no authentication: loopback
    std::uint16_t port = 2223;          // 0: any free port (tests)
    MessageLimits limits;
    ReplyCache::Limits cache;
  };

  // Answers one request; call it once, from any thread.
  class Responder {
   public:
    void operator()(NgReply reply) const;
    struct State;
    explicit Responder(std::shared_ptr<State> state) : state_(std::move(state)) {}

   private:
    std::shared_ptr<State> state_;
  };

  using Handler = std::function<void(NgRequest request, Responder respond)>;
  // A handler that answers on the spot.
  static Handler synchronous(std::function<NgReply(const NgRequest&)> answer);

  // Everything given must outlive the server.
  NgServer(boost::asio::io_context& io, Options options, Handler handler, runtime::Logger& log,
           runtime::Metrics& metrics, const runtime::Clock& clock);
  ~NgServer();
  NgServer(const NgServer&) = delete;
  NgServer& operator=(const NgServer&) = delete;

  // Binds and starts receiving; throws std::runtime_error naming the address
  // and port when it cannot bind.
  void start();
  // Closes the socket; the pending receive ends on the loop.
  void stop();
  // The bound port (after start()).
  std::uint16_t local_port() const;

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace imsbox::agw::ng
