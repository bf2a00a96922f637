#include "runtime/http_get.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>

namespace imsbox::runtime {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

HttpResult http_get(const std::string& address, std::uint16_t port, const std::string& target,
                    std::chrono::milliseconds timeout) {
  HttpResult result;
  asio::io_context io;
  beast::tcp_stream stream(io);
  beast::flat_buffer buffer;
  http::request<http::empty_body> req{http::verb::get, target, 11};
  req.set(http::field::host, address);
  req.set(http::field::connection, "close");
  http::response_parser<http::string_body> parser;
  parser.body_limit(16 * 1024 * 1024);

  boost::system::error_code addr_ec;
  const auto ip = asio::ip::make_address(address, addr_ec);
  if (addr_ec) {
    result.error = "bad address " + address;
    return result;
  }
  stream.expires_after(timeout);
  stream.async_connect(asio::ip::tcp::endpoint(ip, port), [&](beast::error_code ec) {
    if (ec) {
      result.error = "connect: " + ec.message();
      return;
    }
    http::async_write(stream, req, [&](beast::error_code ec, std::size_t) {
      if (ec) {
        result.error = "write: " + ec.message();
        return;
      }
      http::async_read(stream, buffer, parser, [&](beast::error_code ec, std::size_t) {
        if (ec) {
          result.error = "read: " + ec.message();
          return;
        }
        result.status = static_cast<int>(parser.get().result_int());
        result.body = parser.get().body();
      });
    });
  });
  io.run();
  return result;
}

}  // namespace imsbox::runtime
