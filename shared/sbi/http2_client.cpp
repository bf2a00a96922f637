// The h2c client: Impl holds the pending requests' bookkeeping and the
// current ClientSession; a session resolves, connects, submits what waits
// for it and collects responses. A request (Pending) is owned by the session
// carrying it (its queue before connect, its stream map after) and by its
// own timer while that runs; its callback is posted to the loop exactly once.
#include "sbi/http2_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <charconv>
#include <deque>
#include <unordered_map>
#include <vector>

#include "runtime/log.h"
#include "runtime/metrics.h"
#include "sbi/h2_connection.h"

namespace imsbox::sbi {

using detail::CloseKind;
using detail::tcp;
namespace asio = boost::asio;

std::string_view to_string(ClientError e) {
  switch (e) {
    case ClientError::none: return "ok";
    case ClientError::timeout: return "timeout";
    case ClientError::connect_failed: return "connect failed";
    case ClientError::connection_lost: return "connection lost";
    case ClientError::stream_reset: return "stream reset";
    case ClientError::response_too_large: return "response too large";
    case ClientError::too_many_pending: return "too many pending requests";
    case ClientError::invalid_request: return "invalid request";
    case ClientError::stopped: return "stopped";
  }
  return "?";
}

namespace {

class ClientSession;

struct Pending {
  explicit Pending(asio::any_io_executor ex) : timer(std::move(ex)) {}

  std::string method;
  std::string path;
  Headers headers;
  detail::BodySource body;
  Http2Client::Callback done;
  asio::steady_timer timer;
  std::weak_ptr<ClientSession> session;  // carrying it now
  std::int32_t stream_id = -1;           // once submitted
  bool completed = false;
  bool retried = false;  // refused once already
  std::size_t header_bytes = 0;
  Response response;
};

}  // namespace

struct Http2Client::Impl : std::enable_shared_from_this<Http2Client::Impl> {
  Impl(asio::io_context& io_, std::string h, std::uint16_t p, Http2ClientConfig c, runtime::Logger& l,
       runtime::Metrics& m)
      : io(io_),
        host(std::move(h)),
        port(p),
        config(std::move(c)),
        log(l),
        metrics(m),
        labels{{"client", config.name}},
        requests(m.counter("sbi_client_requests_total", "HTTP/2 client requests made", labels)),
        connects(m.counter("sbi_client_connects_total", "HTTP/2 client connection attempts", labels)) {
    if (config.authority.empty()) {
      const bool v6 = host.find(':') != std::string::npos;
      config.authority = (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
    }
  }

  void submit(const std::shared_ptr<Pending>& p);
  void complete(Pending& p, ClientError error, std::string message);
  void complete_ok(Pending& p);
  std::shared_ptr<ClientSession> usable_session();
  std::string prefix() const { return "sbi client " + config.name + ": "; }
  runtime::Counter& failures(ClientError e) {
    auto& c = failure_counters[static_cast<int>(e)];
    if (!c) {
      auto l = labels;
      l.emplace_back("reason", std::string(to_string(e)));
      c = &metrics.counter("sbi_client_failures_total", "HTTP/2 client requests that ended in an error", l);
    }
    return *c;
  }

  asio::io_context& io;
  std::string host;
  std::uint16_t port;
  Http2ClientConfig config;
  runtime::Logger& log;
  runtime::Metrics& metrics;
  runtime::Labels labels;
  runtime::Counter& requests;
  runtime::Counter& connects;
  std::unordered_map<int, runtime::Counter*> failure_counters;
  std::shared_ptr<ClientSession> current;  // the connection new requests go to
  std::unordered_map<ClientSession*, std::weak_ptr<ClientSession>> sessions;  // current and draining ones
  std::size_t pending = 0;
  bool stopped = false;
  bool destroyed = false;  // no callback any more
};

namespace {

class ClientSession final : public detail::H2Connection {
 public:
  ClientSession(asio::io_context& io, std::shared_ptr<Http2Client::Impl> client)
      : H2Connection(tcp::socket(io)), client_(std::move(client)), resolver_(io), connect_timer_(io) {}
  ~ClientSession() override { delete_session(); }

  void connect();
  // Takes a request: submitted now when connected, else when connected.
  void enqueue(const std::shared_ptr<Pending>& p);
  // Forgets a request that completed early (timeout, stop): out of the
  // queue, or its stream reset.
  void cancel(Pending& p);
  // No new requests here (GOAWAY received, or closing).
  bool usable() const { return is_open() && !draining_ && !is_terminating(); }
  bool established() const { return established_ && is_open(); }
  void fail_all(ClientError error, const std::string& message);

 private:
  std::shared_ptr<ClientSession> self() { return std::static_pointer_cast<ClientSession>(shared_from_this()); }
  void on_connected();
  void submit(const std::shared_ptr<Pending>& p);
  Pending* pending_of(std::int32_t stream_id) {
    const auto it = streams_.find(stream_id);
    return it == streams_.end() ? nullptr : it->second.get();
  }
  void reset_stream(Pending& p) {
    if (p.stream_id > 0 && is_open()) {
      nghttp2_submit_rst_stream(session(), NGHTTP2_FLAG_NONE, p.stream_id, NGHTTP2_CANCEL);
      flush();
    }
  }
  void on_closed(const std::string& reason, CloseKind kind) override;
  void retry_or_fail(const std::shared_ptr<Pending>& p, ClientError error, std::string message);

  static int on_header(nghttp2_session*, const nghttp2_frame* frame, const std::uint8_t* name, std::size_t namelen,
                       const std::uint8_t* value, std::size_t valuelen, std::uint8_t flags, void* user_data);
  static int on_frame_recv(nghttp2_session*, const nghttp2_frame* frame, void* user_data);
  static int on_data_chunk_recv(nghttp2_session*, std::uint8_t flags, std::int32_t stream_id, const std::uint8_t* data,
                                std::size_t len, void* user_data);
  static int on_stream_close(nghttp2_session*, std::int32_t stream_id, std::uint32_t error_code, void* user_data);
  static int on_frame_not_send(nghttp2_session*, const nghttp2_frame* frame, int error_code, void* user_data);

  std::shared_ptr<Http2Client::Impl> client_;
  tcp::resolver resolver_;
  asio::steady_timer connect_timer_;
  std::deque<std::shared_ptr<Pending>> queue_;  // waiting for the connection
  std::unordered_map<std::int32_t, std::shared_ptr<Pending>> streams_;
  bool established_ = false;
  bool draining_ = false;
};

void ClientSession::connect() {
  auto& c = *client_;
  c.connects.inc();
  connect_timer_.expires_after(c.config.connect_timeout);
  connect_timer_.async_wait([self = self()](const boost::system::error_code& ec) {
    if (ec || !self->is_open() || self->established_) return;
    self->close("connect timeout", CloseKind::timeout);
  });
  resolver_.async_resolve(
      c.host, std::to_string(c.port),
      [self = self()](const boost::system::error_code& ec, const tcp::resolver::results_type& results) {
        if (!self->is_open()) return;
        if (ec) {
          self->close("cannot resolve " + self->client_->host + ": " + ec.message(), CloseKind::io_error);
          return;
        }
        asio::async_connect(self->socket(), results,
                            [self](const boost::system::error_code& cec, const tcp::endpoint&) {
                              if (!self->is_open()) return;
                              if (cec) {
                                self->close("cannot connect to " + self->client_->config.authority + ": " +
                                                cec.message(),
                                            CloseKind::io_error);
                                return;
                              }
                              self->on_connected();
                            });
      });
}

void ClientSession::on_connected() {
  connect_timer_.cancel();
  boost::system::error_code ignored;
  socket().set_option(tcp::no_delay(true), ignored);
  nghttp2_session_callbacks* cbs = nullptr;
  nghttp2_session* session = nullptr;
  if (nghttp2_session_callbacks_new(&cbs) != 0) {
    close("out of memory", CloseKind::local);
    return;
  }
  nghttp2_session_callbacks_set_on_header_callback(cbs, on_header);
  nghttp2_session_callbacks_set_on_frame_recv_callback(cbs, on_frame_recv);
  nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cbs, on_data_chunk_recv);
  nghttp2_session_callbacks_set_on_stream_close_callback(cbs, on_stream_close);
  nghttp2_session_callbacks_set_on_frame_not_send_callback(cbs, on_frame_not_send);
  const int rv = nghttp2_session_client_new(&session, cbs, this);
  nghttp2_session_callbacks_del(cbs);
  if (rv != 0) {
    close("cannot create an HTTP/2 session", CloseKind::local);
    return;
  }
  set_session(session);
  established_ = true;
  const auto clamp32 = [](std::size_t v) { return static_cast<std::uint32_t>(std::min<std::size_t>(v, 0x7fffffff)); };
  const nghttp2_settings_entry settings[] = {
      {NGHTTP2_SETTINGS_ENABLE_PUSH, 0},
      {NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, clamp32(client_->config.max_header_list_bytes)},
  };
  nghttp2_submit_settings(session, NGHTTP2_FLAG_NONE, settings, std::size(settings));
  auto queued = std::move(queue_);
  queue_.clear();
  for (auto& p : queued) {
    if (!p->completed) submit(p);
    if (!is_open()) return;
  }
  start_io();
}

void ClientSession::enqueue(const std::shared_ptr<Pending>& p) {
  p->session = self();
  if (established_) {
    submit(p);
  } else {
    queue_.push_back(p);
  }
}

void ClientSession::submit(const std::shared_ptr<Pending>& p) {
  auto& c = *client_;
  const std::string scheme = "http";
  std::vector<std::string> names;
  names.reserve(p->headers.size());
  for (const auto& h : p->headers) names.push_back(detail::to_lower(h.first));
  const std::string length = std::to_string(p->body.data.size());
  std::vector<nghttp2_nv> nva;
  nva.reserve(p->headers.size() + 5);
  nva.push_back(detail::make_nv(":method", p->method));
  nva.push_back(detail::make_nv(":scheme", scheme));
  nva.push_back(detail::make_nv(":authority", c.config.authority));
  nva.push_back(detail::make_nv(":path", p->path));
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (names[i].empty() || names[i].front() == ':' || detail::is_reserved_header(names[i]) ||
        !detail::is_valid_header(names[i], p->headers[i].second)) {
      continue;
    }
    nva.push_back(detail::make_nv(names[i], p->headers[i].second));
  }
  const bool has_body = !p->body.data.empty();
  if (has_body || p->method == "POST" || p->method == "PUT" || p->method == "PATCH") {
    nva.push_back(detail::make_nv("content-length", length));
  }
  p->body.offset = 0;
  auto provider = detail::make_data_provider(p->body);
  const std::int32_t id =
      nghttp2_submit_request(session(), nullptr, nva.data(), nva.size(), has_body ? &provider : nullptr, p.get());
  if (id < 0) {
    // Stream ids used up (or out of memory): this connection takes no more.
    draining_ = true;
    c.complete(*p, ClientError::connection_lost, std::string("cannot open a stream: ") + nghttp2_strerror(id));
    return;
  }
  p->stream_id = id;
  streams_[id] = p;
  flush();
}

void ClientSession::cancel(Pending& p) {
  for (auto it = queue_.begin(); it != queue_.end(); ++it) {
    if (it->get() == &p) {
      queue_.erase(it);
      return;
    }
  }
  reset_stream(p);  // it stays in streams_ until nghttp2 closes the stream
}

void ClientSession::fail_all(ClientError error, const std::string& message) {
  auto queued = std::move(queue_);
  queue_.clear();
  auto streams = std::move(streams_);
  streams_.clear();
  for (auto& p : queued) client_->complete(*p, error, message);
  for (auto& [_, p] : streams) client_->complete(*p, error, message);
  // The nghttp2 session may still point at these bodies: keep the streams
  // until it goes (it is only deleted with us, after the socket is closed).
  for (auto& [id, p] : streams) streams_.emplace(id, std::move(p));
}

int ClientSession::on_header(nghttp2_session*, const nghttp2_frame* frame, const std::uint8_t* name_bytes,
                             std::size_t namelen, const std::uint8_t* value_bytes, std::size_t valuelen, std::uint8_t,
                             void* user_data) {
  auto* self = static_cast<ClientSession*>(user_data);
  if (frame->hd.type != NGHTTP2_HEADERS) return 0;
  Pending* p = self->pending_of(frame->hd.stream_id);
  if (!p || p->completed) return 0;
  p->header_bytes += namelen + valuelen + 32;
  if (p->header_bytes > self->client_->config.max_header_list_bytes) {
    self->client_->complete(*p, ClientError::response_too_large,
                            "response header fields over " +
                                std::to_string(self->client_->config.max_header_list_bytes) + " bytes");
    nghttp2_submit_rst_stream(self->session(), NGHTTP2_FLAG_NONE, frame->hd.stream_id, NGHTTP2_CANCEL);
    return 0;
  }
  if (frame->headers.cat == NGHTTP2_HCAT_HEADERS && p->response.status >= 200) return 0;  // trailers: not kept
  const std::string_view name(reinterpret_cast<const char*>(name_bytes), namelen);
  const std::string_view value(reinterpret_cast<const char*>(value_bytes), valuelen);
  if (name == ":status") {
    int status = 0;
    std::from_chars(value.data(), value.data() + value.size(), status);
    p->response.status = status;
    p->response.headers.clear();  // a final response after 1xx starts afresh
  } else if (!name.empty() && name.front() != ':') {
    p->response.headers.emplace_back(name, value);
  }
  return 0;
}

int ClientSession::on_frame_recv(nghttp2_session*, const nghttp2_frame* frame, void* user_data) {
  auto* self = static_cast<ClientSession*>(user_data);
  if (frame->hd.type == NGHTTP2_GOAWAY) {
    // Streams above its last stream id get closed REFUSED_STREAM (retried
    // elsewhere); new requests go to a new connection.
    self->draining_ = true;
    if (frame->goaway.error_code != NGHTTP2_NO_ERROR) {
      self->client_->log.info(self->client_->prefix() + "GOAWAY " + nghttp2_http2_strerror(frame->goaway.error_code) +
                              " from " + self->client_->config.authority);
    }
    return 0;
  }
  if ((frame->hd.type == NGHTTP2_HEADERS || frame->hd.type == NGHTTP2_DATA) &&
      (frame->hd.flags & NGHTTP2_FLAG_END_STREAM)) {
    Pending* p = self->pending_of(frame->hd.stream_id);
    if (p && !p->completed) self->client_->complete_ok(*p);
  }
  return 0;
}

int ClientSession::on_data_chunk_recv(nghttp2_session* session, std::uint8_t, std::int32_t stream_id,
                                      const std::uint8_t* data, std::size_t len, void* user_data) {
  auto* self = static_cast<ClientSession*>(user_data);
  Pending* p = self->pending_of(stream_id);
  if (!p || p->completed) return 0;
  auto& body = p->response.body;
  if (body.size() + len > self->client_->config.max_response_body_bytes) {
    self->client_->complete(*p, ClientError::response_too_large,
                            "response body over " + std::to_string(self->client_->config.max_response_body_bytes) +
                                " bytes");
    std::string().swap(body);
    nghttp2_submit_rst_stream(session, NGHTTP2_FLAG_NONE, stream_id, NGHTTP2_CANCEL);
    return 0;
  }
  body.append(reinterpret_cast<const char*>(data), len);
  return 0;
}

int ClientSession::on_stream_close(nghttp2_session*, std::int32_t stream_id, std::uint32_t error_code,
                                   void* user_data) {
  auto* self = static_cast<ClientSession*>(user_data);
  const auto it = self->streams_.find(stream_id);
  if (it == self->streams_.end()) return 0;
  const std::shared_ptr<Pending> p = std::move(it->second);
  self->streams_.erase(it);
  if (p->completed) return 0;
  auto& c = *self->client_;
  const std::string why = std::string("stream reset by the server: ") + nghttp2_http2_strerror(error_code);
  if (error_code == NGHTTP2_REFUSED_STREAM) {
    // Not processed by the server (RFC 9113 §8.7): safe to send again.
    self->retry_or_fail(p, ClientError::stream_reset, why);
  } else {
    c.complete(*p, ClientError::stream_reset, why);
  }
  return 0;
}

void ClientSession::retry_or_fail(const std::shared_ptr<Pending>& p, ClientError error, std::string message) {
  auto& c = *client_;
  if (p->retried || c.stopped) {
    c.complete(*p, error, std::move(message));
    return;
  }
  p->retried = true;
  p->stream_id = -1;
  p->response = Response();
  p->header_bytes = 0;
  // On this connection again if it still takes requests (a refusal about
  // concurrency, which nghttp2 now knows), else on a new one. Posted: we
  // are inside an nghttp2 callback here.
  asio::post(c.io, [client = client_, p] {
    if (p->completed) return;
    if (client->stopped) {
      client->complete(*p, ClientError::stopped, "the client stopped");
      return;
    }
    client->submit(p);
  });
}

int ClientSession::on_frame_not_send(nghttp2_session*, const nghttp2_frame* frame, int error_code, void* user_data) {
  // A request HEADERS that never left: cancelled while nghttp2 held it back
  // for SETTINGS_MAX_CONCURRENT_STREAMS (a timeout), or the session is
  // closing. No stream was opened, so no on_stream_close will come.
  if (frame->hd.type != NGHTTP2_HEADERS) return 0;
  auto* self = static_cast<ClientSession*>(user_data);
  const auto it = self->streams_.find(frame->hd.stream_id);
  if (it == self->streams_.end()) return 0;
  const std::shared_ptr<Pending> p = std::move(it->second);
  self->streams_.erase(it);
  if (p->completed) return 0;
  // Never sent, so never processed: safe to send again (GOAWAY arrived
  // while it waited).
  self->retry_or_fail(p, ClientError::connection_lost,
                      std::string("request not sent: ") + nghttp2_strerror(error_code));
  return 0;
}

void ClientSession::on_closed(const std::string& reason, CloseKind kind) {
  connect_timer_.cancel();
  resolver_.cancel();
  auto& c = *client_;
  c.sessions.erase(this);
  if (c.current.get() == this) c.current.reset();
  if (c.destroyed) return;
  const bool before_connect = !established_;
  if (before_connect || kind == CloseKind::protocol_error || kind == CloseKind::io_error) {
    c.log.info(c.prefix() + "connection to " + c.config.authority + " closed: " + reason);
  } else if (c.log.enabled(runtime::LogLevel::debug)) {
    c.log.debug(c.prefix() + "connection to " + c.config.authority + " closed: " + reason);
  }
  fail_all(before_connect ? ClientError::connect_failed : ClientError::connection_lost, reason);
}

}  // namespace

std::shared_ptr<ClientSession> Http2Client::Impl::usable_session() {
  if (current && current->usable()) return current;
  current = std::make_shared<ClientSession>(io, shared_from_this());
  sessions.emplace(current.get(), current);
  auto s = current;
  s->connect();
  return s;
}

void Http2Client::Impl::submit(const std::shared_ptr<Pending>& p) {
  usable_session()->enqueue(p);
}

void Http2Client::Impl::complete(Pending& p, ClientError error, std::string message) {
  if (p.completed) return;
  p.completed = true;
  p.timer.cancel();
  --pending;
  if (destroyed) return;  // no callback, and the Metrics may be gone
  failures(error).inc();
  ClientResult result;
  result.error = error;
  result.message = std::move(message);
  asio::post(io, [self = shared_from_this(), done = std::move(p.done), result = std::move(result)]() mutable {
    if (!self->destroyed && done) done(std::move(result));
  });
}

void Http2Client::Impl::complete_ok(Pending& p) {
  if (p.completed) return;
  p.completed = true;
  p.timer.cancel();
  --pending;
  if (destroyed) return;
  ClientResult result;
  result.response = std::move(p.response);
  asio::post(io, [self = shared_from_this(), done = std::move(p.done), result = std::move(result)]() mutable {
    if (!self->destroyed && done) done(std::move(result));
  });
}

Http2Client::Http2Client(asio::io_context& io, std::string host, std::uint16_t port, Http2ClientConfig config,
                         runtime::Logger& log, runtime::Metrics& metrics)
    : impl_(std::make_shared<Impl>(io, std::move(host), port, std::move(config), log, metrics)) {}

Http2Client::~Http2Client() {
  auto& impl = *impl_;
  impl.destroyed = true;
  impl.stopped = true;
  std::vector<std::weak_ptr<ClientSession>> sessions;
  for (const auto& [_, weak] : impl.sessions) sessions.push_back(weak);
  for (const auto& weak : sessions) {
    if (auto s = weak.lock()) {
      s->fail_all(ClientError::stopped, "client destroyed");  // stops their timers; no callback runs
      s->close("client destroyed", CloseKind::local);
    }
  }
  impl.current.reset();
}

void Http2Client::request(std::string method, std::string path, Headers headers, std::string body,
                          std::chrono::milliseconds timeout, Callback done) {
  auto& impl = *impl_;
  impl.requests.inc();
  auto p = std::make_shared<Pending>(impl.io.get_executor());
  p->method = std::move(method);
  p->path = std::move(path);
  p->headers = std::move(headers);
  p->body.data = std::move(body);
  p->done = std::move(done);
  ++impl.pending;
  const auto bad_token = [](const std::string& s) {
    return s.empty() || s.find_first_of(" \t\r\n\0:", 0, 6) != std::string::npos;
  };
  if (impl.stopped) {
    impl.complete(*p, ClientError::stopped, "the client is stopped");
    return;
  }
  if (bad_token(p->method) || p->path.empty() || p->path.front() != '/' ||
      p->path.find_first_of(std::string_view(" \r\n\0", 4)) != std::string::npos) {
    impl.complete(*p, ClientError::invalid_request, "cannot send '" + p->method + " " + p->path + "'");
    return;
  }
  if (impl.pending > impl.config.max_pending_requests) {
    impl.complete(*p, ClientError::too_many_pending,
                  "max_pending_requests (" + std::to_string(impl.config.max_pending_requests) + ") reached");
    return;
  }
  p->timer.expires_after(timeout);
  p->timer.async_wait([impl = impl_, p](const boost::system::error_code& ec) {
    if (ec || p->completed) return;
    auto session = p->session.lock();
    impl->complete(*p, ClientError::timeout, "no response within the timeout");
    if (session) session->cancel(*p);
  });
  impl.submit(p);
}

void Http2Client::stop() {
  auto& impl = *impl_;
  if (impl.stopped) return;
  impl.stopped = true;
  std::vector<std::weak_ptr<ClientSession>> sessions;
  for (const auto& [_, weak] : impl.sessions) sessions.push_back(weak);
  for (const auto& weak : sessions) {
    if (auto s = weak.lock()) {
      s->fail_all(ClientError::stopped, "the client stopped");
      if (s->established()) {
        s->terminate(NGHTTP2_NO_ERROR, std::chrono::seconds(1), "client stopped");
      } else {
        s->close("client stopped", CloseKind::local);
      }
    }
  }
  impl.current.reset();
}

bool Http2Client::connected() const { return impl_->current && impl_->current->established(); }

std::size_t Http2Client::pending_count() const { return impl_->pending; }

}  // namespace imsbox::sbi
