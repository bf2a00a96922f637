// The h2c server: an acceptor and one ServerSession per connection. A
// session collects each stream's request (headers, then body up to the cap),
// and once the request is complete, after nghttp2 has finished with the
// input, routes it and calls the handler; the handler's Responder finds the
// stream again by id through a weak pointer to the session, so an answer
// for a stream or connection that is gone is simply dropped.
#include "sbi/http2_server.h"

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <charconv>
#include <stdexcept>
#include <unordered_map>
#include <vector>

#include "runtime/log.h"
#include "runtime/metrics.h"
#include "sbi/h2_connection.h"
#include "sbi/problem.h"

namespace imsbox::sbi {

using detail::CloseKind;
using detail::tcp;
namespace asio = boost::asio;

namespace {
class ServerSession;
}

struct Http2Server::Impl : std::enable_shared_from_this<Http2Server::Impl> {
  Impl(asio::io_context& io_, tcp::endpoint ep, Http2ServerConfig c, runtime::Logger& l, runtime::Metrics& m)
      : io(io_),
        acceptor(io_),
        accept_retry(io_),
        endpoint(ep),
        config(std::move(c)),
        log(l),
        metrics(m),
        labels{{"server", config.name}},
        connections(m.gauge("sbi_server_connections", "Open HTTP/2 server connections", labels)),
        accepted(m.counter("sbi_server_connections_total", "HTTP/2 server connections accepted", labels)),
        refused(m.counter("sbi_server_connections_refused_total",
                          "HTTP/2 connections closed at once: max_connections reached", labels)),
        protocol_errors(m.counter("sbi_server_protocol_errors_total",
                                  "HTTP/2 connections closed for a protocol error (bad preface, flood, ...)", labels)),
        requests(m.counter("sbi_server_requests_total", "HTTP/2 requests received complete", labels)),
        dropped(m.counter("sbi_server_responses_dropped_total",
                          "Responses dropped: the stream was gone when the handler answered", labels)),
        handler_errors(m.counter("sbi_server_handler_errors_total", "Handlers that threw (answered 500)", labels)) {}

  void accept();
  void on_accept(tcp::socket socket);
  runtime::Counter& responses(int status) {
    auto& c = response_counters[status];
    if (!c) {
      auto l = labels;
      l.emplace_back("status", std::to_string(status));
      c = &metrics.counter("sbi_server_responses_total", "HTTP/2 responses sent, by status", l);
    }
    return *c;
  }
  std::string prefix() const { return "sbi server " + config.name + ": "; }

  asio::io_context& io;
  tcp::acceptor acceptor;
  asio::steady_timer accept_retry;
  tcp::endpoint endpoint;
  std::uint16_t bound_port = 0;
  Http2ServerConfig config;
  Router router;
  runtime::Logger& log;
  runtime::Metrics& metrics;
  runtime::Labels labels;
  runtime::Gauge& connections;
  runtime::Counter& accepted;
  runtime::Counter& refused;
  runtime::Counter& protocol_errors;
  runtime::Counter& requests;
  runtime::Counter& dropped;
  runtime::Counter& handler_errors;
  std::unordered_map<int, runtime::Counter*> response_counters;
  std::unordered_map<ServerSession*, std::weak_ptr<ServerSession>> sessions;
  bool stopped = false;
};

namespace {

std::string endpoint_text(const tcp::endpoint& ep) {
  const auto a = ep.address();
  return (a.is_v6() ? "[" + a.to_string() + "]" : a.to_string()) + ":" + std::to_string(ep.port());
}

class ServerSession final : public detail::H2Connection {
 public:
  ServerSession(tcp::socket socket, std::shared_ptr<Http2Server::Impl> server)
      : H2Connection(std::move(socket)), server_(std::move(server)), idle_timer_(executor()) {
    boost::system::error_code ec;
    const auto remote = this->socket().remote_endpoint(ec);
    peer_ = ec ? std::string("?") : endpoint_text(remote);
  }
  ~ServerSession() override { delete_session(); }

  void start();
  void respond(std::int32_t stream_id, Response&& response);

 private:
  struct Stream {
    Request request;
    std::size_t header_bytes = 0;
    bool headers_too_large = false;
    bool body_too_large = false;
    bool request_complete = false;  // END_STREAM received
    bool queued = false;            // for dispatch (at most once)
    bool responded = false;
    bool head = false;
    std::size_t discarded = 0;  // body bytes dropped after the cap or an early answer
    bool reset = false;         // we sent RST_STREAM
    detail::BodySource response_body;
  };

  std::shared_ptr<ServerSession> self() { return std::static_pointer_cast<ServerSession>(shared_from_this()); }
  Stream* find(std::int32_t id) {
    const auto it = streams_.find(id);
    return it == streams_.end() ? nullptr : it->second.get();
  }
  void queue(std::int32_t id, Stream& s) {
    if (s.queued) return;
    s.queued = true;
    ready_.push_back(id);
  }
  void dispatch(std::int32_t id, Stream& s);
  // Body bytes of an answered or refused request we read and drop before
  // resetting its stream.
  std::size_t drain_limit() const {
    return std::max<std::size_t>(1024 * 1024, 4 * server_->config.max_request_body_bytes);
  }
  void arm_idle_timer(std::chrono::steady_clock::time_point at);
  void on_idle_timer();

  void on_input_processed() override;
  void on_activity() override { last_activity_ = std::chrono::steady_clock::now(); }
  void on_closed(const std::string& reason, CloseKind kind) override;

  // nghttp2 callbacks; user_data is the ServerSession.
  static int on_begin_headers(nghttp2_session*, const nghttp2_frame* frame, void* user_data);
  static int on_header(nghttp2_session*, const nghttp2_frame* frame, const std::uint8_t* name, std::size_t namelen,
                       const std::uint8_t* value, std::size_t valuelen, std::uint8_t flags, void* user_data);
  static int on_frame_recv(nghttp2_session*, const nghttp2_frame* frame, void* user_data);
  static int on_data_chunk_recv(nghttp2_session*, std::uint8_t flags, std::int32_t stream_id, const std::uint8_t* data,
                                std::size_t len, void* user_data);
  static int on_stream_close(nghttp2_session*, std::int32_t stream_id, std::uint32_t error_code, void* user_data);
  static int on_frame_send(nghttp2_session*, const nghttp2_frame* frame, void* user_data);

  std::shared_ptr<Http2Server::Impl> server_;  // keeps router and config alive while we serve
  std::string peer_;
  std::unordered_map<std::int32_t, std::unique_ptr<Stream>> streams_;
  std::vector<std::int32_t> ready_;  // complete (or rejected) requests to dispatch after the input
  asio::steady_timer idle_timer_;
  std::chrono::steady_clock::time_point last_activity_ = std::chrono::steady_clock::now();
  bool protocol_error_counted_ = false;
};

void ServerSession::start() {
  nghttp2_session_callbacks* cbs = nullptr;
  nghttp2_session* session = nullptr;
  if (nghttp2_session_callbacks_new(&cbs) != 0) {
    close("out of memory", CloseKind::local);
    return;
  }
  nghttp2_session_callbacks_set_on_begin_headers_callback(cbs, on_begin_headers);
  nghttp2_session_callbacks_set_on_header_callback(cbs, on_header);
  nghttp2_session_callbacks_set_on_frame_recv_callback(cbs, on_frame_recv);
  nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cbs, on_data_chunk_recv);
  nghttp2_session_callbacks_set_on_stream_close_callback(cbs, on_stream_close);
  nghttp2_session_callbacks_set_on_frame_send_callback(cbs, on_frame_send);
  // nghttp2 refuses streams beyond our SETTINGS_MAX_CONCURRENT_STREAMS
  // (RST_STREAM REFUSED_STREAM), even before the client acknowledged them.
  const int rv = nghttp2_session_server_new(&session, cbs, this);
  nghttp2_session_callbacks_del(cbs);
  if (rv != 0) {
    close("cannot create an HTTP/2 session", CloseKind::local);
    return;
  }
  set_session(session);
  const auto clamp32 = [](std::size_t v) { return static_cast<std::uint32_t>(std::min<std::size_t>(v, 0x7fffffff)); };
  const nghttp2_settings_entry settings[] = {
      {NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, server_->config.max_concurrent_streams},
      {NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, clamp32(server_->config.max_header_list_bytes)},
      {NGHTTP2_SETTINGS_ENABLE_PUSH, 0},
  };
  nghttp2_submit_settings(session, NGHTTP2_FLAG_NONE, settings, std::size(settings));
  arm_idle_timer(last_activity_ + server_->config.idle_timeout);
  start_io();
}

int ServerSession::on_begin_headers(nghttp2_session*, const nghttp2_frame* frame, void* user_data) {
  auto* self = static_cast<ServerSession*>(user_data);
  if (frame->hd.type == NGHTTP2_HEADERS && frame->headers.cat == NGHTTP2_HCAT_REQUEST) {
    self->streams_.emplace(frame->hd.stream_id, std::make_unique<Stream>());
  }
  return 0;
}

int ServerSession::on_header(nghttp2_session*, const nghttp2_frame* frame, const std::uint8_t* name_bytes,
                             std::size_t namelen, const std::uint8_t* value_bytes, std::size_t valuelen, std::uint8_t,
                             void* user_data) {
  auto* self = static_cast<ServerSession*>(user_data);
  if (frame->hd.type != NGHTTP2_HEADERS) return 0;
  Stream* s = self->find(frame->hd.stream_id);
  if (!s) return 0;
  s->header_bytes += namelen + valuelen + 32;
  if (s->header_bytes > self->server_->config.max_header_list_bytes) {
    // Keep decoding (the HPACK state must stay in step) but store no more.
    if (!s->headers_too_large) {
      s->headers_too_large = true;
      s->request.headers.clear();
      s->request.headers.shrink_to_fit();
    }
    return 0;
  }
  if (frame->headers.cat != NGHTTP2_HCAT_REQUEST) return 0;  // trailers: counted, not kept
  const std::string_view name(reinterpret_cast<const char*>(name_bytes), namelen);
  const std::string_view value(reinterpret_cast<const char*>(value_bytes), valuelen);
  if (!name.empty() && name.front() == ':') {
    if (name == ":method") {
      s->request.method = value;
      s->head = value == "HEAD";
    } else if (name == ":path") {
      const auto q = value.find('?');
      s->request.path = value.substr(0, q);
      if (q != std::string_view::npos) s->request.query_string = value.substr(q + 1);
    } else if (name == ":authority") {
      s->request.authority = value;
    }
    return 0;
  }
  s->request.headers.emplace_back(name, value);
  return 0;
}

int ServerSession::on_frame_recv(nghttp2_session*, const nghttp2_frame* frame, void* user_data) {
  auto* self = static_cast<ServerSession*>(user_data);
  if (frame->hd.type != NGHTTP2_HEADERS && frame->hd.type != NGHTTP2_DATA) return 0;
  Stream* s = self->find(frame->hd.stream_id);
  if (!s) return 0;
  if (frame->hd.type == NGHTTP2_HEADERS && frame->headers.cat == NGHTTP2_HCAT_REQUEST) {
    // A declared length over the cap is refused before any body arrives.
    if (const auto cl = s->request.header("content-length")) {
      std::uint64_t n = 0;
      const auto [p, ec] = std::from_chars(cl->data(), cl->data() + cl->size(), n);
      if (ec == std::errc() && p == cl->data() + cl->size() && n > self->server_->config.max_request_body_bytes) {
        s->body_too_large = true;
      }
    }
    if (s->headers_too_large || s->body_too_large) self->queue(frame->hd.stream_id, *s);
  }
  if (frame->hd.flags & NGHTTP2_FLAG_END_STREAM) {
    s->request_complete = true;
    self->queue(frame->hd.stream_id, *s);
  }
  return 0;
}

int ServerSession::on_data_chunk_recv(nghttp2_session* session, std::uint8_t, std::int32_t stream_id,
                                      const std::uint8_t* data, std::size_t len, void* user_data) {
  auto* self = static_cast<ServerSession*>(user_data);
  Stream* s = self->find(stream_id);
  if (!s) return 0;
  if (s->body_too_large || s->responded) {
    // Refused before the request was complete (413, 431). RFC 9113 §8.1
    // lets us reset the stream with NO_ERROR
    // right after the answer, but some clients (curl 7.88) then drop the
    // answer; so we drain a while and reset only a client that keeps going.
    s->discarded += len;
    if (s->discarded > self->drain_limit() && s->responded && !s->reset) {
      s->reset = true;
      nghttp2_submit_rst_stream(session, NGHTTP2_FLAG_NONE, stream_id, NGHTTP2_NO_ERROR);
    }
    return 0;
  }
  auto& body = s->request.body;
  if (body.size() + len > self->server_->config.max_request_body_bytes) {
    s->body_too_large = true;
    s->discarded = body.size() + len;
    std::string().swap(body);
    self->queue(stream_id, *s);
    return 0;
  }
  body.append(reinterpret_cast<const char*>(data), len);
  return 0;
}

int ServerSession::on_stream_close(nghttp2_session*, std::int32_t stream_id, std::uint32_t error_code,
                                   void* user_data) {
  auto* self = static_cast<ServerSession*>(user_data);
  const auto it = self->streams_.find(stream_id);
  if (it == self->streams_.end()) return 0;
  if (!it->second->responded && self->server_->log.enabled(runtime::LogLevel::debug)) {
    self->server_->log.debug(self->server_->prefix() + "stream " + std::to_string(stream_id) + " from " + self->peer_ +
                             " closed before the answer (" + nghttp2_http2_strerror(error_code) + ")");
  }
  self->streams_.erase(it);
  return 0;
}

int ServerSession::on_frame_send(nghttp2_session* session, const nghttp2_frame* frame, void* user_data) {
  auto* self = static_cast<ServerSession*>(user_data);
  if (frame->hd.type == NGHTTP2_GOAWAY && frame->goaway.error_code != NGHTTP2_NO_ERROR &&
      !self->protocol_error_counted_) {
    self->protocol_error_counted_ = true;
    self->server_->protocol_errors.inc();
    self->server_->log.info(self->server_->prefix() + "GOAWAY " + nghttp2_http2_strerror(frame->goaway.error_code) +
                            " to " + self->peer_);
    return 0;
  }
  if ((frame->hd.type == NGHTTP2_HEADERS || frame->hd.type == NGHTTP2_DATA) &&
      (frame->hd.flags & NGHTTP2_FLAG_END_STREAM)) {
    // Answered before the request was complete, and the client already sent
    // more than we drain: RFC 9113 §8.1, reset with NO_ERROR to stop it.
    Stream* s = self->find(frame->hd.stream_id);
    if (s && !s->request_complete && s->discarded > self->drain_limit() && !s->reset) {
      s->reset = true;
      nghttp2_submit_rst_stream(session, NGHTTP2_FLAG_NONE, frame->hd.stream_id, NGHTTP2_NO_ERROR);
    }
  }
  return 0;
}

void ServerSession::on_input_processed() {
  if (ready_.empty()) return;
  std::vector<std::int32_t> ready;
  ready.swap(ready_);
  for (const auto id : ready) {
    if (!is_open() || is_terminating() || server_->stopped) return;
    Stream* s = find(id);
    if (!s) continue;
    dispatch(id, *s);  // may end the stream: look it up again next time
  }
}

void ServerSession::dispatch(std::int32_t id, Stream& s) {
  auto& srv = *server_;
  srv.requests.inc();
  if (s.headers_too_large) {
    respond(id, problem_response(
                    431, cause::unspecified_msg_failure,
                    "request header fields over " + std::to_string(srv.config.max_header_list_bytes) + " bytes"));
    return;
  }
  if (s.body_too_large) {
    respond(id, problem_response(413, cause::unspecified_msg_failure,
                                 "request body over " + std::to_string(srv.config.max_request_body_bytes) + " bytes"));
    return;
  }
  auto match = srv.router.match(s.request.method, s.request.path);
  switch (match.outcome) {
    case Router::Match::Outcome::bad_path:
      respond(id, problem_response(400, cause::invalid_msg_format, "malformed percent-encoding in the path"));
      return;
    case Router::Match::Outcome::not_found:
      respond(id, problem_response(404, cause::resource_uri_structure_not_found, "no resource at " + s.request.path));
      return;
    case Router::Match::Outcome::method_not_allowed: {
      Response r = problem_response(405, {}, s.request.method + " is not allowed on " + s.request.path);
      r.headers.emplace_back("allow", match.allow);
      respond(id, std::move(r));
      return;
    }
    case Router::Match::Outcome::found:
      break;
  }
  auto query = parse_query(s.request.query_string);
  if (!query) {
    respond(id, problem_response(400, cause::invalid_query_param, "malformed percent-encoding in the query"));
    return;
  }
  Request request = std::move(s.request);
  request.params = std::move(match.params);
  request.query = std::move(*query);
  const std::string what = request.method + " " + request.path;
  Responder responder([weak = std::weak_ptr<ServerSession>(self()), id](Response&& r) {
    if (auto session = weak.lock()) session->respond(id, std::move(r));
  });
  try {
    (*match.handler)(std::move(request), responder);
  } catch (const std::exception& e) {
    srv.handler_errors.inc();
    srv.log.error(srv.prefix() + "handler for " + what + " threw: " + e.what());
    responder.send(problem_response(500, cause::system_failure, "internal error"));
  } catch (...) {
    srv.handler_errors.inc();
    srv.log.error(srv.prefix() + "handler for " + what + " threw");
    responder.send(problem_response(500, cause::system_failure, "internal error"));
  }
}

void ServerSession::respond(std::int32_t id, Response&& r) {
  if (!is_open() || is_terminating()) return;  // connection gone or going: drop quietly
  Stream* s = find(id);
  if (!s) {
    server_->dropped.inc();
    server_->log.debug(server_->prefix() + "answer for stream " + std::to_string(id) + " from " + peer_ +
                       " dropped: the stream is gone");
    return;
  }
  if (s->responded) return;
  s->responded = true;
  int status = r.status;
  if (status < 200 || status > 599) {
    server_->log.error(server_->prefix() + "handler answered with status " + std::to_string(status) + "; sending 500");
    r = problem_response(500, cause::system_failure, "internal error");
    status = 500;
  }
  const bool no_content = status == 204 || status == 304;
  const std::string status_text = std::to_string(status);
  const std::string length_text = std::to_string(no_content ? 0 : r.body.size());
  std::vector<std::string> names;
  names.reserve(r.headers.size());
  for (const auto& h : r.headers) names.push_back(detail::to_lower(h.first));
  std::vector<nghttp2_nv> nva;
  nva.reserve(r.headers.size() + 2);
  nva.push_back(detail::make_nv(":status", status_text));
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (names[i].empty() || names[i].front() == ':' || detail::is_reserved_header(names[i]) ||
        !detail::is_valid_header(names[i], r.headers[i].second)) {
      server_->log.warning(server_->prefix() + "handler header '" + r.headers[i].first + "' not sent");
      continue;
    }
    nva.push_back(detail::make_nv(names[i], r.headers[i].second));
  }
  if (!no_content) nva.push_back(detail::make_nv("content-length", length_text));
  if (!no_content && !s->head) s->response_body.data = std::move(r.body);
  auto provider = detail::make_data_provider(s->response_body);
  const int rv = nghttp2_submit_response(session(), id, nva.data(), nva.size(),
                                         s->response_body.data.empty() ? nullptr : &provider);
  if (rv != 0) {
    server_->log.warning(server_->prefix() + "cannot answer stream " + std::to_string(id) + ": " +
                         nghttp2_strerror(rv));
    return;
  }
  server_->responses(status).inc();
  flush();
}

void ServerSession::arm_idle_timer(std::chrono::steady_clock::time_point at) {
  idle_timer_.expires_at(at);
  idle_timer_.async_wait([self = self()](const boost::system::error_code& ec) {
    if (ec || !self->is_open()) return;
    self->on_idle_timer();
  });
}

void ServerSession::on_idle_timer() {
  const auto timeout = server_->config.idle_timeout;
  const auto now = std::chrono::steady_clock::now();
  // A request a handler is working on keeps the connection; one the client
  // started and never finished does not.
  const bool awaiting_handler = std::any_of(streams_.begin(), streams_.end(),
                                            [](const auto& s) { return s.second->queued && !s.second->responded; });
  if (awaiting_handler) {
    arm_idle_timer(now + timeout);
    return;
  }
  if (now - last_activity_ >= timeout) {
    server_->log.debug(server_->prefix() + "idle timeout: closing " + peer_);
    terminate(NGHTTP2_NO_ERROR, server_->config.goaway_grace, "idle timeout");
    return;
  }
  arm_idle_timer(last_activity_ + timeout);
}

void ServerSession::on_closed(const std::string& reason, CloseKind kind) {
  idle_timer_.cancel();
  auto& srv = *server_;
  srv.sessions.erase(this);
  srv.connections.set(static_cast<double>(srv.sessions.size()));
  if (kind == CloseKind::protocol_error || kind == CloseKind::io_error) {
    if (kind == CloseKind::protocol_error && !protocol_error_counted_) {
      protocol_error_counted_ = true;
      srv.protocol_errors.inc();
    }
    srv.log.info(srv.prefix() + "closed " + peer_ + ": " + reason);
  } else if (srv.log.enabled(runtime::LogLevel::debug)) {
    srv.log.debug(srv.prefix() + "closed " + peer_ + ": " + reason);
  }
}

}  // namespace

void Http2Server::Impl::accept() {
  acceptor.async_accept([self = shared_from_this()](const boost::system::error_code& ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !self->acceptor.is_open() || self->stopped) return;
    if (ec) {
      // EMFILE and friends: back off a little instead of spinning.
      self->log.warning(self->prefix() + "accept failed: " + ec.message());
      self->accept_retry.expires_after(std::chrono::milliseconds(100));
      self->accept_retry.async_wait([self](const boost::system::error_code& wait_ec) {
        if (!wait_ec && !self->stopped) self->accept();
      });
      return;
    }
    self->on_accept(std::move(socket));
    self->accept();
  });
}

void Http2Server::Impl::on_accept(tcp::socket socket) {
  boost::system::error_code ignored;
  if (sessions.size() >= config.max_connections) {
    refused.inc();
    log.debug(prefix() + "max_connections (" + std::to_string(config.max_connections) + ") reached: closing a new one");
    socket.close(ignored);
    return;
  }
  socket.set_option(tcp::no_delay(true), ignored);
  accepted.inc();
  auto session = std::make_shared<ServerSession>(std::move(socket), shared_from_this());
  sessions.emplace(session.get(), session);
  connections.set(static_cast<double>(sessions.size()));
  session->start();
}

Http2Server::Http2Server(asio::io_context& io, std::string address, std::uint16_t port, Http2ServerConfig config,
                         runtime::Logger& log, runtime::Metrics& metrics) {
  boost::system::error_code ec;
  const auto addr = asio::ip::make_address(address, ec);
  if (ec) throw std::runtime_error("sbi server " + config.name + ": not an IP address: '" + address + "'");
  impl_ = std::make_shared<Impl>(io, tcp::endpoint(addr, port), std::move(config), log, metrics);
}

Http2Server::~Http2Server() {
  stop();
  std::vector<std::weak_ptr<ServerSession>> sessions;
  for (const auto& [_, weak] : impl_->sessions) sessions.push_back(weak);
  for (const auto& weak : sessions) {
    if (auto s = weak.lock()) s->close("server destroyed", CloseKind::local);
  }
  // What the handlers captured goes with the server, not with the last
  // session to finish unwinding.
  impl_->router = Router();
}

void Http2Server::route(std::string_view method, std::string_view path_template, Handler handler) {
  impl_->router.add(method, path_template, std::move(handler));
}

Router& Http2Server::router() { return impl_->router; }

void Http2Server::start() {
  auto& a = impl_->acceptor;
  try {
    a.open(impl_->endpoint.protocol());
    a.set_option(tcp::acceptor::reuse_address(true));
    if (impl_->endpoint.address().is_v6()) a.set_option(asio::ip::v6_only(true));
    a.bind(impl_->endpoint);
    a.listen();
    impl_->bound_port = a.local_endpoint().port();
  } catch (const boost::system::system_error& e) {
    boost::system::error_code ignored;
    a.close(ignored);
    throw std::runtime_error(impl_->prefix() + "cannot listen on " + endpoint_text(impl_->endpoint) + ": " +
                             e.code().message());
  }
  impl_->log.info(impl_->prefix() + "listening on " +
                  endpoint_text(tcp::endpoint(impl_->endpoint.address(), impl_->bound_port)) + " (h2c)");
  impl_->accept();
}

void Http2Server::stop() {
  auto& impl = *impl_;
  if (impl.stopped) return;
  impl.stopped = true;
  boost::system::error_code ignored;
  impl.acceptor.close(ignored);
  impl.accept_retry.cancel();
  std::vector<std::weak_ptr<ServerSession>> sessions;
  for (const auto& [_, weak] : impl.sessions) sessions.push_back(weak);
  for (const auto& weak : sessions) {
    if (auto s = weak.lock()) s->terminate(NGHTTP2_NO_ERROR, impl.config.goaway_grace, "server stopping");
  }
}

std::uint16_t Http2Server::port() const { return impl_->bound_port; }

std::size_t Http2Server::connection_count() const { return impl_->sessions.size(); }

}  // namespace imsbox::sbi
