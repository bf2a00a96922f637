#pragma once
// Internal to imsbox_sbi (included only by its .cpp files): what the server
// and client connections share. One TCP socket, one nghttp2 session, and the
// pump between them: every read goes through nghttp2_session_mem_recv, and
// whatever nghttp2 then wants to send goes out with one async_write at a
// time (at most kMaxWriteChunk bytes pulled per write, so a peer that does
// not read holds back nghttp2's queue, whose flood limits then apply).
//
// A session object is kept alive by its own pending operations
// (shared_from_this). close() is final and synchronous: the socket closes,
// on_closed() runs once, and every handler still queued returns at once.
// The nghttp2 session itself lives until the destructor, so nghttp2 may be
// called (and calls back) safely up to then; derived destructors call
// delete_session() first so no callback reaches a half-destroyed object.
#include <nghttp2/nghttp2.h>

#include <array>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace imsbox::sbi::detail {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

// Why a connection closed, for counters and for the client's error codes.
enum class CloseKind {
  finished,        // both sides done: GOAWAY exchanged, or terminate() completed
  peer_closed,     // EOF or reset from the peer
  protocol_error,  // bad preface, a connection error nghttp2 detected, a flood
  io_error,        // a read or write failed
  timeout,         // idle timeout, a connect timeout, or GOAWAY not drained in time
  local,           // closed by our side (stop, destruction)
};

// A body handed to nghttp2 through a data provider. Must stay put until the
// stream closes (nghttp2 reads it as the flow-control window allows).
struct BodySource {
  std::string data;
  std::size_t offset = 0;
};
nghttp2_data_provider make_data_provider(BodySource& source);

// A header field for nghttp2_submit_*; nghttp2 copies name and value.
nghttp2_nv make_nv(std::string_view name, std::string_view value);
std::string to_lower(std::string_view s);
// Fields HTTP/2 forbids (RFC 9113 §8.2.2) and content-length, which we set.
bool is_reserved_header(std::string_view lower_name);
// A name nghttp2 accepts on the wire (RFC 9110 token characters, lower case)
// and a value without CR, LF or NUL.
bool is_valid_header(std::string_view lower_name, std::string_view value);

class H2Connection : public std::enable_shared_from_this<H2Connection> {
 public:
  static constexpr std::size_t kMaxWriteChunk = 64 * 1024;

  explicit H2Connection(tcp::socket socket);
  virtual ~H2Connection();
  H2Connection(const H2Connection&) = delete;
  H2Connection& operator=(const H2Connection&) = delete;

  bool is_open() const { return open_; }
  bool is_terminating() const { return terminating_; }

  // Sends what nghttp2 has queued. A no-op while a write is in flight (its
  // completion flushes again), while nghttp2 is parsing input (the reader
  // flushes afterwards) or while already pumping. When nghttp2 wants
  // neither to read nor to write any more, the connection closes.
  void flush();
  // GOAWAY with `error_code` (nghttp2 picks the last stream id), then closes
  // once it is written, or after `grace` at the latest. Input is ignored
  // from now on.
  void terminate(std::uint32_t error_code, std::chrono::milliseconds grace, std::string reason);
  // Closes now. on_closed(reason, kind) runs once, from inside this call.
  void close(std::string reason, CloseKind kind);

 protected:
  asio::any_io_executor executor() { return socket_.get_executor(); }
  tcp::socket& socket() { return socket_; }
  nghttp2_session* session() const { return session_; }
  // Takes ownership of a new nghttp2 session (created with this object's
  // derived type as user_data).
  void set_session(nghttp2_session* session) { session_ = session; }
  void delete_session();
  // Starts the read loop and sends what is queued (our SETTINGS first).
  // Call once the socket is connected.
  void start_io();

  // After each batch of input has gone through nghttp2 (outside nghttp2's
  // callbacks, so that it may run application code).
  virtual void on_input_processed() {}
  // Bytes arrived (idle timers).
  virtual void on_activity() {}
  virtual void on_closed(const std::string& reason, CloseKind kind) = 0;

 private:
  void read();
  void on_read(const boost::system::error_code& ec, std::size_t n);
  void on_write(const boost::system::error_code& ec);

  tcp::socket socket_;
  asio::steady_timer grace_timer_;
  nghttp2_session* session_ = nullptr;
  std::array<std::uint8_t, 16 * 1024> read_buffer_{};
  std::string write_buffer_;
  std::string end_reason_ = "session ended";
  bool open_ = true;
  bool writing_ = false;
  bool in_recv_ = false;
  bool pumping_ = false;
  bool terminating_ = false;
  bool protocol_error_ = false;  // the end, when it comes, is a protocol error's
};

}  // namespace imsbox::sbi::detail
