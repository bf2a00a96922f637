// ws-sip-client: a minimal SIP UAC over WebSocket (RFC 7118) for the
// integration tests: it places calls (INVITE, ACK, BYE) through a proxy's WS
// or WSS listener to a target behind it, the way a browser would.
//
//   ws-sip-client --url ws://127.0.0.1:PORT|wss://127.0.0.1:PORT --target SIP-URI [--calls N]
//
// Exit 0 when every call got its 200 to the INVITE and to the BYE.
//
//   ws-sip-client --url wss://... --register IMPU --password PW [--impi IMPI]
//                 [--algorithm MD5|SHA-256] [--expires N] [--steps LIST]
//
// registers like a browser (JsSIP): a first REGISTER without Authorization,
// then the digest answer to the challenge of the chosen algorithm. --steps
// goes on over the same connection (comma-separated): "subscribe" (the reg
// event, RFC 3680, through the Service-Route), "reregister", "deregister",
// "wait:N" (the last step: take NOTIFYs until N quiet seconds pass). Prints what the tests check, one
// line each: "challenge: <WWW-Authenticate>", "final: <status line> |
// <Contact, P-Associated-URI, Service-Route, Path>", "notify: <Subscription-State> | <body on one line>".
// Exit 0 when every step got the answer it expects (200; 401 then 200).
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

#include "aka/digest.h"
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
      : io_(io), ws_(secure ? std::variant<PlainWs, SecureWs>(std::in_place_type<SecureWs>, io, tls)
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

  // The next message, within `timeout`; throws Timeout when none came, and
  // the connection is closed then (a cancelled WebSocket read leaves the
  // stream unusable).
  struct Timeout : std::runtime_error {
    Timeout() : std::runtime_error("no message from the proxy in time") {}
  };
  std::string receive(std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    beast::flat_buffer buffer;
    std::optional<beast::error_code> result;
    std::visit([&](auto& ws) { ws.async_read(buffer, [&](beast::error_code ec, std::size_t) { result = ec; }); }, ws_);
    io_.restart();
    io_.run_for(timeout);
    if (!result) {
      std::visit([](auto& ws) { beast::get_lowest_layer(ws).close(); }, ws_);
      io_.restart();
      io_.run();  // the aborted read completes
      throw Timeout();
    }
    if (*result) throw beast::system_error(*result);
    return beast::buffers_to_string(buffer.data());
  }

 private:
  asio::io_context& io_;
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


// ---- registration like a browser ----

struct Registration {
  std::string impu, impi, domain, password, algorithm;
  int expires = 600;
  std::string call_id, tag, contact = "<sip:browser@df7jal23ls0d.invalid;transport=ws>";
  int cseq = 0;
  std::vector<std::string> service_route;
  std::string sub_call_id, sub_tag, sub_remote_tag, sub_target;
  std::vector<std::string> sub_route;
  int sub_cseq = 0;
};

std::string one_line(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '\r') continue;
    out += c == '\n' ? ' ' : c;
  }
  return out;
}

std::string header_values(const imsbox::sip::Message& m, imsbox::sip::HeaderId id) {
  std::string out;
  for (const auto& h : m.headers()) {
    if (h.id == id) out += (out.empty() ? "" : ", ") + std::string(h.value);
  }
  return out;
}

std::string common_headers(const std::string& method, Registration& r, const std::string& branch) {
  std::string m = "Via: SIP/2.0/WSS df7jal23ls0d.invalid;branch=z9hG4bK" + branch + ";rport\r\n";
  m += "Max-Forwards: 70\r\n";
  m += "CSeq: " + std::to_string(method == "REGISTER" ? ++r.cseq : ++r.sub_cseq) + " " + method + "\r\n";
  return m;
}

std::string register_request(Registration& r, int expires, const std::string& authorization) {
  std::string m = "REGISTER sip:" + r.domain + " SIP/2.0\r\n";
  m += common_headers("REGISTER", r, r.call_id + "r" + std::to_string(r.cseq + 1));
  m += "From: <" + r.impu + ">;tag=" + r.tag + "\r\n";
  m += "To: <" + r.impu + ">\r\n";
  m += "Call-ID: " + r.call_id + "\r\n";
  m += "Contact: " + r.contact + ";expires=" + std::to_string(expires) + "\r\n";
  m += "Expires: " + std::to_string(expires) + "\r\n";
  m += "Supported: path, outbound\r\n";
  if (!authorization.empty()) m += "Authorization: " + authorization + "\r\n";
  m += "Content-Length: 0\r\n\r\n";
  return m;
}

void print_final(const imsbox::sip::Message& m) {
  using imsbox::sip::HeaderId;
  std::cout << "final: SIP/2.0 " << m.status() << " " << m.reason() << " | Contact: " << header_values(m, HeaderId::contact)
            << " | P-Associated-URI: " << header_values(m, HeaderId::p_associated_uri)
            << " | Service-Route: " << header_values(m, HeaderId::service_route)
            << " | Path: " << header_values(m, HeaderId::path) << "\n";
}

void print_notify(const imsbox::sip::Message& m) {
  std::cout << "notify: " << header_values(m, imsbox::sip::HeaderId::subscription_state) << " | " << one_line(m.body())
            << "\n";
}

// Reads until a final response to `method` with our CSeq; answers and prints
// the NOTIFYs that come meanwhile.
imsbox::sip::Message await_final(Connection& c, const std::string& method, int cseq,
                                 std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  while (true) {
    auto r = imsbox::sip::parse_message(c.receive(timeout));
    if (!r.well_formed()) throw std::runtime_error("malformed message from the P-CSCF: " + r.reason);
    auto& m = *r.message;
    if (m.is_request()) {
      if (m.method() == "NOTIFY") {
        print_notify(m);
        std::string ok = "SIP/2.0 200 OK\r\n";
        for (const auto& h : m.headers()) {
          using imsbox::sip::HeaderId;
          if (h.id == HeaderId::via || h.id == HeaderId::from || h.id == HeaderId::to || h.id == HeaderId::call_id ||
              h.id == HeaderId::cseq)
            ok += std::string(imsbox::sip::header_name(h.id)) + ": " + std::string(h.value) + "\r\n";
        }
        c.send(ok + "Content-Length: 0\r\n\r\n");
        continue;
      }
      throw std::runtime_error("unexpected request " + std::string(m.method()));
    }
    if (m.cseq().method == method && m.cseq().number == static_cast<std::uint32_t>(cseq) && m.status() >= 200)
      return std::move(m);
  }
}

// Sends a REGISTER and answers its challenge; the final response.
imsbox::sip::Message do_register(Connection& c, Registration& r, int expires) {
  c.send(register_request(r, expires, ""));
  auto first = await_final(c, "REGISTER", r.cseq);
  if (first.status() != 401) return first;
  std::optional<imsbox::sip::AuthField> chosen;
  std::string chosen_text;
  for (const auto& h : first.headers()) {
    if (h.id != imsbox::sip::HeaderId::www_authenticate) continue;
    std::cout << "challenge: " << h.value << "\n";
    auto a = imsbox::sip::parse_auth(h.value);
    if (!a) continue;
    const auto* alg = imsbox::sip::find_param(a.value.params, "algorithm");
    const std::string name = alg ? std::string(imsbox::sip::unquote(alg->value)) : "MD5";
    if (!chosen && name == r.algorithm) chosen = a.value, chosen_text = std::string(h.value);
  }
  if (!chosen) throw std::runtime_error("no " + r.algorithm + " challenge in the 401");
  const auto param = [&](std::string_view n) {
    const auto* p = imsbox::sip::find_param(chosen->params, n);
    return p ? std::string(imsbox::sip::unquote(p->value)) : std::string();
  };
  const auto algorithm =
      r.algorithm == "SHA-256" ? imsbox::aka::DigestAlgorithm::sha256 : imsbox::aka::DigestAlgorithm::md5;
  const std::string realm = param("realm"), nonce = param("nonce"), opaque = param("opaque");
  const std::string uri = "sip:" + r.domain, nc = "00000001", cnonce = "c" + r.call_id;
  const auto ha1 = imsbox::aka::digest_ha1(algorithm, r.impi, realm, r.password);
  const auto response = imsbox::aka::digest_response(algorithm, ha1, nonce, nc, cnonce, "auth", "REGISTER", uri);
  std::string auth = "Digest username=\"" + r.impi + "\", realm=\"" + realm + "\", nonce=\"" + nonce + "\", uri=\"" +
                     uri + "\", response=\"" + response + "\", algorithm=" + r.algorithm + ", qop=auth, nc=" + nc +
                     ", cnonce=\"" + cnonce + "\"";
  if (!opaque.empty()) auth += ", opaque=\"" + opaque + "\"";
  c.send(register_request(r, expires, auth));
  return await_final(c, "REGISTER", r.cseq);
}

std::string subscribe_request(Registration& r, int expires) {
  std::string m = "SUBSCRIBE " + (r.sub_target.empty() ? r.impu : r.sub_target) + " SIP/2.0\r\n";
  m += common_headers("SUBSCRIBE", r, r.sub_call_id + "s" + std::to_string(r.sub_cseq + 1));
  for (const auto& route : r.sub_route) m += "Route: " + route + "\r\n";
  m += "From: <" + r.impu + ">;tag=" + r.sub_tag + "\r\n";
  m += "To: <" + r.impu + ">" + (r.sub_remote_tag.empty() ? "" : ";tag=" + r.sub_remote_tag) + "\r\n";
  m += "Call-ID: " + r.sub_call_id + "\r\n";
  m += "Contact: " + r.contact + "\r\n";
  m += "Event: reg\r\nAccept: application/reginfo+xml\r\n";
  m += "Expires: " + std::to_string(expires) + "\r\n";
  m += "P-Preferred-Identity: <" + r.impu + ">\r\n";
  m += "Content-Length: 0\r\n\r\n";
  return m;
}

// Takes NOTIFYs until `seconds` pass without any; the connection is closed
// after that (see Connection::receive).
void take_notifies(Connection& c, int seconds) {
  try {
    await_final(c, "none", -1, std::chrono::seconds(seconds));
  } catch (const Connection::Timeout&) {
    // nothing more came
  }
}

int run_registration(Connection& c, Registration r, const std::string& steps) {
  r.call_id = "wsreg" + std::to_string(::getpid());
  r.tag = "wsr" + std::to_string(::getpid());
  auto expect = [](const imsbox::sip::Message& m, const std::string& what) {
    print_final(m);
    if (m.status() != 200) throw std::runtime_error(what + " got " + std::to_string(m.status()));
  };
  auto ok = do_register(c, r, r.expires);
  expect(ok, "REGISTER");
  for (const auto& h : ok.headers()) {
    if (h.id != imsbox::sip::HeaderId::service_route) continue;
    auto list = imsbox::sip::parse_name_addr_list(h.value);
    if (list) {
      for (const auto& na : list.value) r.service_route.push_back("<" + std::string(na.uri) + ">");
    }
  }
  std::string rest = steps;
  while (!rest.empty()) {
    const auto comma = rest.find(',');
    const auto step = rest.substr(0, comma);
    rest = comma == std::string::npos ? "" : rest.substr(comma + 1);
    std::cout << "step: " << step << "\n";
    if (step == "subscribe") {
      r.sub_call_id = "wssub" + std::to_string(::getpid());
      r.sub_tag = "wss" + std::to_string(::getpid());
      r.sub_route = r.service_route;
      c.send(subscribe_request(r, 600000));
      auto answer = await_final(c, "SUBSCRIBE", r.sub_cseq);
      expect(answer, "SUBSCRIBE");
      r.sub_remote_tag = std::string(answer.to().tag());
    } else if (step == "reregister") {
      expect(do_register(c, r, r.expires), "re-REGISTER");
    } else if (step == "deregister") {
      expect(do_register(c, r, 0), "de-REGISTER");
    } else if (step.starts_with("wait:")) {
      if (!rest.empty()) throw std::runtime_error("wait:N must be the last step");
      take_notifies(c, std::stoi(step.substr(5)));
      return 0;
    } else {
      throw std::runtime_error("unknown step " + step);
    }
  }
  take_notifies(c, 1);  // the NOTIFY of the last change, if it is still on its way
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string url, target;
  int calls = 1;
  Registration reg;
  std::string steps;
  po::options_description desc("ws-sip-client");
  desc.add_options()("url", po::value(&url)->required(), "ws://HOST:PORT or wss://HOST:PORT")(
      "target", po::value(&target), "Request-URI of the calls")("calls", po::value(&calls), "how many")(
      "register", po::value(&reg.impu), "register this IMPU instead of calling")(
      "impi", po::value(&reg.impi), "digest username (default: the IMPU without sip:)")(
      "password", po::value(&reg.password), "digest password")(
      "algorithm", po::value(&reg.algorithm)->default_value("MD5"), "MD5 or SHA-256")(
      "expires", po::value(&reg.expires), "registration expiry (600)")(
      "steps", po::value(&steps), "after registering: subscribe,reregister,deregister,wait:N");
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
    if (!reg.impu.empty()) {
      const auto at = reg.impu.find('@');
      if (at == std::string::npos) throw std::runtime_error("--register needs a sip:user@domain IMPU");
      reg.domain = reg.impu.substr(at + 1);
      if (reg.impi.empty()) reg.impi = reg.impu.substr(reg.impu.find(':') + 1);
      return run_registration(c, std::move(reg), steps);
    }
    if (target.empty()) throw std::runtime_error("--target or --register is needed");
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
