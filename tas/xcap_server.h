#pragma once
// The TAS's Ut interface: an XCAP server (RFC 4825) for the simservs
// application usage (TS 24.623) on tas.xcap_port. One document per public
// user identity:
//   [<root>]/simservs.ngn.etsi.org/users/<IMPU>/simservs.xml
//   [<root>]/simservs.ngn.etsi.org/users/<IMPU>/simservs.xml/~~/<node selector>[?xmlns(p=uri)...]
// GET, PUT and DELETE of the whole document (application/simservs+xml) or of
// one element (application/xcap-el+xml); HEAD as GET. Every 200/201 carries
// the document's strong ETag; If-Match and If-None-Match are honoured (412,
// or 304 for a GET whose If-None-Match matches). Bad input gets 409 with an
// application/xcap-error+xml body (RFC 4825 §11) and nothing is stored; a
// bad node selector 400; nothing selected 404. A subscriber without a
// document has none to GET (404); a PUT of an element then starts from the
// empty document (<simservs/>).
//
// Authentication: HTTP digest (RFC 7616: MD5, qop=auth) against the HA1 the
// HSS keeps for password subscribers; the username is the IMPI
// ("alice@realm") or its bare user name ("alice"). The IMPI must own the
// IMPU of the request (hss_public_identity), else 403. Nonces are
// stateless (issue time and a keyed hash) and live Options::nonce_lifetime;
// an expired one gets 401 with stale=true. Each nonce count (nc) is accepted
// once per nonce and must grow (a replayed Authorization gets 401). After 5
// wrong passwords in a row an IMPI is refused for 60 s. SIM-only subscribers (no
// password) cannot use XCAP here: GBA (TS 33.220) is not implemented.
//
// XcapHandler is the request handling as a function of an HttpRequest to an
// HttpResponse (no sockets): the node puts it behind a runtime::HttpServer.
// It reads and writes the store on the caller's thread.
#include <chrono>
#include <memory>
#include <string>

#include "runtime/http_server.h"

namespace imsbox::runtime {
class Clock;
class Logger;
class Metrics;
}  // namespace imsbox::runtime
namespace imsbox::store {
class Database;
}

namespace imsbox::tas {

class XcapHandler {
 public:
  struct Options {
    std::string realm;  // the digest realm: the home domain
    std::chrono::seconds nonce_lifetime{300};
    // Keys the nonces; random per process (system_nonce_secret()).
    std::string nonce_secret;
  };

  // `db` must be a connection that may write tas_ tables (owner "tas" or
  // admin); `metrics` may be null.
  XcapHandler(store::Database& db, const runtime::Clock& clock, Options options, runtime::Logger& log,
              runtime::Metrics* metrics);
  ~XcapHandler();
  XcapHandler(const XcapHandler&) = delete;
  XcapHandler& operator=(const XcapHandler&) = delete;

  runtime::HttpResponse operator()(const runtime::HttpRequest& request);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// 32 random bytes as hex, from the system's random source.
std::string system_nonce_secret();

}  // namespace imsbox::tas
