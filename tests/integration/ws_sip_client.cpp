// ws-sip-client: a minimal SIP UAC over WebSocket (RFC 7118) for the
// integration tests: it places calls (INVITE, ACK, BYE) through a proxy's WS
// or WSS listener to a target behind it, the way a browser would.
//
//   ws-sip-client --url ws://127.0.0.1:PORT|wss://127.0.0.1:PORT --target SIP-URI [--calls N]
//
// Exit 0 when every call got its 200 to the INVITE and to the BYE.
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <boost/program_options.hpp>
#include <iostream>
#include <variant>

#include "sip/parser.h"

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace po = boost::program_options;
using tcp = asio::ip::tcp;

namespace {

using PlainWs = websocket::stream<beast::tcp_stream>;
using SecureWs = websocket::stream<beast::ssl_stream<beast::tcp_stream>>;

// One WebSocket, plain or secure, with a blocking read that gives up.
class Connection {
 public:
  Connection(asio::io_context& io, asio::ssl::context& tls, bool secure)
      : ws_(secure ? std::variant<PlainWs, SecureWs>(std::in_place_type<SecureWs>, io, tls)
                   : std::variant<PlainWs, SecureWs>(std::in_place_type<PlainWs>, io)) {}

  void connect(const std::string& host, const std::string& port) {
    tcp::resolver resolver(ws_.index() == 0 ? std::get<PlainWs>(ws_).get_executor() : std::get<SecureWs>(ws_).get_executor());
    const auto endpoints = resolver.resolve(host, port);
    const auto decorate = [] {
      return websocket::stream_base::decorator(
          [](websocket::request_type& req) { req.set(beast::http::field::sec_websocket_protocol, "sip"); });
    };
    if (auto* ws = std::get_if<PlainWs>(&ws_)) {
      beast::get_lowest_layer(*ws).connect(endpoints);
      ws->set_option(decorate());
      ws->handshake(host + ":" + port, "/");
      ws->text(true);
    } else {
      auto& s = std::get<SecureWs>(ws_);
      beast::get_lowest_layer(s).connect(endpoints);
      s.next_layer().handshake(asio::ssl::stream_base::client);
      s.set_option(decorate());
      s.handshake(host + ":" + port, "/");
      s.text(true);
    }
  }

  void send(const std::string& text) {
    std::visit([&](auto& ws) { ws.write(asio::buffer(text)); }, ws_);
  }

  std::string receive() {
    beast::flat_buffer buffer;
    std::visit(
        [&](auto& ws) {
          beast::get_lowest_layer(ws).expires_after(std::chrono::seconds(10));
          ws.read(buffer);
        },
        ws_);
    return beast::buffers_to_string(buffer.data());
  }

 private:
  std::variant<PlainWs, SecureWs> ws_;
};

std::string request(const std::string& method, const std::string& uri, int cseq, const std::string& call_id,
                    const std::string& to_tag, const std::string& target, int call) {
  std::string m = method + " " + uri + " SIP/2.0\r\n";
  m += "Via: SIP/2.0/WSS df7jal23ls0d.invalid;branch=z9hG4bK" + call_id + method + std::to_string(cseq) + ";rport\r\n";
  m += "Max-Forwards: 70\r\n";
  m += "From: <sip:browser@ims.example.org>;tag=ws" + std::to_string(call) + "\r\n";
  m += "To: <" + target + ">" + (to_tag.empty() ? "" : ";tag=" + to_tag) + "\r\n";
  m += "Call-ID: " + call_id + "\r\n";
  m += "CSeq: " + std::to_string(cseq) + " " + method + "\r\n";
  m += "Contact: <sip:browser@df7jal23ls0d.invalid;transport=ws>\r\n";
  m += "Content-Length: 0\r\n\r\n";
  return m;
}

// Reads until a final response to `method`; returns it.
imsbox::sip::Message final_response(Connection& c, const std::string& method) {
  while (true) {
    auto r = imsbox::sip::parse_message(c.receive());
    if (!r.well_formed()) throw std::runtime_error("malformed message from the proxy: " + r.reason);
    auto& m = *r.message;
    if (m.is_request()) throw std::runtime_error("unexpected request " + std::string(m.method()));
    std::cout << "  <- " << m.status() << " " << m.reason() << " (" << m.cseq().method << ")\n";
    if (m.cseq().method == method && m.status() >= 200) return std::move(m);
  }
}

}  // namespace

int main(int argc, char** argv) {
  std::string url, target;
  int calls = 1;
  po::options_description desc("ws-sip-client");
  desc.add_options()("url", po::value(&url)->required(), "ws://HOST:PORT or wss://HOST:PORT")(
      "target", po::value(&target)->required(), "Request-URI of the calls")("calls", po::value(&calls), "how many");
  try {
    po::variables_map vm;
    po::store(po::parse_command_line(argc, argv, desc), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << e.what() << "\n" << desc;
    return 2;
  }
  const bool secure = url.starts_with("wss://");
  const auto hostport = url.substr(secure ? 6 : 5);
  const auto colon = hostport.rfind(':');
  try {
    asio::io_context io;
    asio::ssl::context tls(asio::ssl::context::tls_client);
    tls.set_verify_mode(asio::ssl::verify_none);  // the test proxy's certificate is self-signed
    Connection c(io, tls, secure);
    c.connect(hostport.substr(0, colon), hostport.substr(colon + 1));
    for (int call = 1; call <= calls; ++call) {
      const std::string call_id = "wscall" + std::to_string(call) + "x" + std::to_string(::getpid());
      std::cout << "call " << call << ": INVITE " << target << "\n";
      c.send(request("INVITE", target, 1, call_id, "", target, call));
      auto ok = final_response(c, "INVITE");
      if (ok.status() != 200) throw std::runtime_error("INVITE got " + std::to_string(ok.status()));
      const auto to_tag = std::string(ok.to().tag());
      // the ACK and the BYE go to the callee's Contact, through the proxy (the WS connection)
      const auto contact = imsbox::sip::parse_name_addr(ok.find(imsbox::sip::HeaderId::contact)->value);
      const std::string remote = contact ? std::string(contact.value.uri) : target;
      c.send(request("ACK", remote, 1, call_id, to_tag, target, call));
      c.send(request("BYE", remote, 2, call_id, to_tag, target, call));
      auto bye = final_response(c, "BYE");
      if (bye.status() != 200) throw std::runtime_error("BYE got " + std::to_string(bye.status()));
    }
    std::cout << calls << " calls over " << (secure ? "WSS" : "WS") << " done\n";
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "ws-sip-client: " << e.what() << "\n";
    return 1;
  }
}
