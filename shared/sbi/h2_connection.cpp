#include "sbi/h2_connection.h"

#include <algorithm>
#include <boost/asio/write.hpp>
#include <cstring>

namespace imsbox::sbi::detail {

namespace {

ssize_t read_body(nghttp2_session*, std::int32_t, std::uint8_t* buf, std::size_t length, std::uint32_t* data_flags,
                  nghttp2_data_source* source, void*) {
  auto* body = static_cast<BodySource*>(source->ptr);
  const std::size_t n = std::min(length, body->data.size() - body->offset);
  if (n > 0) std::memcpy(buf, body->data.data() + body->offset, n);
  body->offset += n;
  if (body->offset >= body->data.size()) *data_flags |= NGHTTP2_DATA_FLAG_EOF;
  return static_cast<ssize_t>(n);
}

bool is_token_char(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

}  // namespace

nghttp2_data_provider make_data_provider(BodySource& source) {
  nghttp2_data_provider p{};
  p.source.ptr = &source;
  p.read_callback = read_body;
  return p;
}

nghttp2_nv make_nv(std::string_view name, std::string_view value) {
  // nghttp2 copies both (no NO_COPY flags), so the const_casts never write.
  return nghttp2_nv{reinterpret_cast<std::uint8_t*>(const_cast<char*>(name.data())),
                    reinterpret_cast<std::uint8_t*>(const_cast<char*>(value.data())), name.size(), value.size(),
                    NGHTTP2_NV_FLAG_NONE};
}

std::string to_lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool is_reserved_header(std::string_view n) {
  return n == "connection" || n == "keep-alive" || n == "proxy-connection" || n == "transfer-encoding" ||
         n == "upgrade" || n == "te" || n == "content-length" || n == "host";
}

bool is_valid_header(std::string_view name, std::string_view value) {
  if (name.empty() || !std::all_of(name.begin(), name.end(), is_token_char)) return false;
  return value.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

H2Connection::H2Connection(tcp::socket socket) : socket_(std::move(socket)), grace_timer_(socket_.get_executor()) {}

H2Connection::~H2Connection() { delete_session(); }

void H2Connection::delete_session() {
  if (session_) nghttp2_session_del(session_);
  session_ = nullptr;
}

void H2Connection::start_io() {
  flush();
  if (open_) read();
}

void H2Connection::read() {
  socket_.async_read_some(
      asio::buffer(read_buffer_),
      [self = shared_from_this()](const boost::system::error_code& ec, std::size_t n) { self->on_read(ec, n); });
}

void H2Connection::on_read(const boost::system::error_code& ec, std::size_t n) {
  if (!open_) return;
  if (ec) {
    if (ec == asio::error::eof || ec == asio::error::connection_reset) {
      close(terminating_ ? end_reason_ : "closed by the peer",
            terminating_ ? CloseKind::finished : CloseKind::peer_closed);
    } else {
      close("read failed: " + ec.message(), CloseKind::io_error);
    }
    return;
  }
  if (terminating_) {  // GOAWAY is on its way: what the peer still sends is moot
    read();
    return;
  }
  on_activity();
  in_recv_ = true;
  const ssize_t rv = nghttp2_session_mem_recv(session_, read_buffer_.data(), n);
  in_recv_ = false;
  if (!open_) return;  // a callback closed us
  if (rv < 0) {
    const auto code = static_cast<int>(rv);
    if (code == NGHTTP2_ERR_FLOODED) {
      close("peer floods us with frames and does not read", CloseKind::protocol_error);
      return;
    }
    const std::string why = code == NGHTTP2_ERR_BAD_CLIENT_MAGIC
                                ? "not an HTTP/2 connection preface (h2c with prior knowledge expected)"
                                : std::string("HTTP/2 error: ") + nghttp2_strerror(code);
    // Say GOAWAY if nghttp2 still can, then close whatever happens; the
    // end counts as the protocol error it is, not as a clean one.
    protocol_error_ = true;
    terminate(NGHTTP2_PROTOCOL_ERROR, std::chrono::milliseconds(500), why);
    return;
  }
  on_input_processed();
  if (!open_) return;
  flush();
  if (open_) read();
}

void H2Connection::flush() {
  if (!open_ || writing_ || in_recv_ || pumping_ || !session_) return;
  write_buffer_.clear();
  pumping_ = true;
  while (write_buffer_.size() < kMaxWriteChunk) {
    const std::uint8_t* data = nullptr;
    const ssize_t n = nghttp2_session_mem_send(session_, &data);
    if (!open_) {  // a callback closed us
      pumping_ = false;
      return;
    }
    if (n < 0) {
      pumping_ = false;
      close(std::string("HTTP/2 send error: ") + nghttp2_strerror(static_cast<int>(n)), CloseKind::protocol_error);
      return;
    }
    if (n == 0) break;
    write_buffer_.append(reinterpret_cast<const char*>(data), static_cast<std::size_t>(n));
  }
  pumping_ = false;
  if (write_buffer_.empty()) {
    if (!nghttp2_session_want_read(session_) && !nghttp2_session_want_write(session_)) {
      close(end_reason_, protocol_error_ ? CloseKind::protocol_error : CloseKind::finished);
    }
    return;
  }
  writing_ = true;
  asio::async_write(
      socket_, asio::buffer(write_buffer_),
      [self = shared_from_this()](const boost::system::error_code& ec, std::size_t) { self->on_write(ec); });
}

void H2Connection::on_write(const boost::system::error_code& ec) {
  writing_ = false;
  if (!open_) return;
  if (ec) {
    close("write failed: " + ec.message(), CloseKind::io_error);
    return;
  }
  flush();
}

void H2Connection::terminate(std::uint32_t error_code, std::chrono::milliseconds grace, std::string reason) {
  if (!open_ || terminating_) return;
  terminating_ = true;
  end_reason_ = std::move(reason);
  if (!session_ || nghttp2_session_terminate_session(session_, error_code) != 0) {
    close(end_reason_, CloseKind::local);
    return;
  }
  grace_timer_.expires_after(grace);
  grace_timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
    if (ec || !self->open_) return;
    self->close(self->end_reason_ + " (GOAWAY not drained in time)",
                self->protocol_error_ ? CloseKind::protocol_error : CloseKind::timeout);
  });
  flush();
}

void H2Connection::close(std::string reason, CloseKind kind) {
  if (!open_) return;
  open_ = false;
  boost::system::error_code ignored;
  grace_timer_.cancel();
  socket_.shutdown(tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
  on_closed(reason, kind);
}

}  // namespace imsbox::sbi::detail
