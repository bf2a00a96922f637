#include "tas/xcap_server.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <string_view>
#include <variant>
#include <vector>

#include "aka/digest.h"
#include "runtime/clock.h"
#include "runtime/log.h"
#include "runtime/metrics.h"
#include "sip/header_values.h"
#include "store/database.h"
#include "store/simservs_table.h"
#include "store/subscriber_table.h"
#include "tas/simservs/document.h"
#include "tas/simservs/node_selector.h"

namespace imsbox::tas {

namespace {

using runtime::HttpRequest;
using runtime::HttpResponse;

constexpr std::string_view kUsersPrefix = "/simservs.ngn.etsi.org/users/";
constexpr std::string_view kDocumentName = "/simservs.xml";
constexpr std::string_view kSelectorSeparator = "/~~/";

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// What a request-target names.
struct Resource {
  std::string impu;
  std::string document_path;  // the raw path up to and including simservs.xml
  std::optional<std::string> selector;  // decoded node selector after "~~/"
};

// nullopt: not an XCAP resource of ours (404).
std::optional<Resource> parse_resource(const HttpRequest& request) {
  const std::string_view path = request.path;
  const auto users = path.find(kUsersPrefix);
  if (users == std::string_view::npos) return std::nullopt;
  const std::string_view after = path.substr(users + kUsersPrefix.size());
  const auto slash = after.find('/');
  if (slash == std::string_view::npos || slash == 0) return std::nullopt;
  auto impu = runtime::percent_decode(after.substr(0, slash));
  if (!impu || impu->empty()) return std::nullopt;
  std::string_view rest = after.substr(slash);
  if (!rest.starts_with(kDocumentName)) return std::nullopt;
  Resource r;
  r.impu = std::move(*impu);
  r.document_path = std::string(path.substr(0, path.size() - rest.size() + kDocumentName.size()));
  rest.remove_prefix(kDocumentName.size());
  if (rest.empty()) return r;
  if (!rest.starts_with(kSelectorSeparator)) return std::nullopt;
  auto selector = simservs::percent_decode(rest.substr(kSelectorSeparator.size()));
  if (!selector) return std::nullopt;
  r.selector = std::move(*selector);
  return r;
}

std::vector<std::string_view> entity_tags(std::string_view header) {
  std::vector<std::string_view> out;
  while (!header.empty()) {
    const auto comma = header.find(',');
    const auto item = trim(header.substr(0, comma));
    if (!item.empty()) out.push_back(item);
    if (comma == std::string_view::npos) break;
    header.remove_prefix(comma + 1);
  }
  return out;
}

// RFC 7232 §3.1, §3.2 (strong comparison for If-Match, weak for
// If-None-Match): nullopt when the request may go on, else its status.
std::optional<int> failed_precondition(const HttpRequest& request, const std::optional<std::string>& current) {
  if (const auto if_match = request.header("If-Match")) {
    bool matched = false;
    for (const auto tag : entity_tags(*if_match)) {
      if (tag == "*" ? current.has_value() : (current && tag == *current)) matched = true;
    }
    if (!matched) return 412;
  }
  if (const auto if_none_match = request.header("If-None-Match")) {
    bool matched = false;
    for (auto tag : entity_tags(*if_none_match)) {
      if (tag.starts_with("W/")) tag.remove_prefix(2);
      if (tag == "*" ? current.has_value() : (current && tag == *current)) matched = true;
    }
    if (matched) return request.method == "GET" || request.method == "HEAD" ? 304 : 412;
  }
  return std::nullopt;
}

bool content_type_is(const HttpRequest& request, std::initializer_list<std::string_view> accepted) {
  const auto value = request.header("Content-Type");
  if (!value) return true;  // lenient: clients that send none
  const std::string_view media = trim(value->substr(0, value->find(';')));
  return std::any_of(accepted.begin(), accepted.end(), [&](std::string_view a) { return iequals(media, a); });
}

HttpResponse plain(int status, std::string body) {
  HttpResponse r;
  r.status = status;
  r.body = std::move(body);
  if (!r.body.empty() && r.body.back() != '\n') r.body += '\n';
  return r;
}

HttpResponse with_etag(HttpResponse r, const std::string& etag) {
  r.headers.emplace_back("ETag", etag);
  return r;
}

HttpResponse xcap_error(const simservs::XcapError& e, std::string_view document_uri) {
  HttpResponse r;
  r.status = e.status();
  if (r.status == 409) {
    r.content_type = std::string(simservs::kXcapErrorContentType);
    r.body = e.body(document_uri);
  } else {
    r.body = e.phrase.empty() ? std::string() : e.phrase + "\n";
  }
  return r;
}

// RFC 4825 §11: the error condition for a document that does not parse.
simservs::XcapError document_error(const std::string& reason) {
  const bool xml = reason.starts_with("not well-formed") || reason.starts_with("the document is empty");
  return simservs::XcapError{
      xml ? simservs::XcapErrorKind::not_well_formed : simservs::XcapErrorKind::schema_validation_error, reason, {}};
}

// The method as a metric label: the XCAP ones, else "other".
std::string known_method(const std::string& method) {
  for (const char* m : {"GET", "HEAD", "PUT", "DELETE"}) {
    if (method == m) return method;
  }
  return "other";
}

std::string hex_u64(std::uint64_t v) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i, v >>= 4) out[static_cast<std::size_t>(i)] = kHex[v & 0xf];
  return out;
}

}  // namespace

struct XcapHandler::Impl {
  store::Database& db;
  const runtime::Clock& clock;
  Options options;
  runtime::Logger& log;
  runtime::Metrics* metrics;

  // RFC 7616 §3.3 nc: the highest nonce-count accepted per nonce still
  // alive, so that a captured Authorization cannot be sent again. Keys start
  // with the issue time: begin() is the oldest. When the map is full the
  // oldest are dropped and every nonce issued up to then is taken as stale.
  static constexpr std::size_t kMaxTrackedNonces = 4096;
  std::map<std::string, std::uint64_t, std::less<>> nonce_counts;
  std::string oldest_usable;  // nonces sorting at or below this are stale
  std::uint64_t nonce_serial = 0;
  // Password guessing: after kMaxFailures wrong responses in a row an IMPI
  // is refused (401 whatever it sends) for kBlockFor.
  static constexpr unsigned kMaxFailures = 5;
  static constexpr std::int64_t kBlockFor = 60;  // s
  struct Failures {
    unsigned count = 0;
    std::int64_t blocked_until = 0;
  };
  std::map<std::string, Failures, std::less<>> failures;

  void failed(const std::string& impi) {
    if (failures.size() >= kMaxTrackedNonces) {
      std::erase_if(failures, [t = now()](const auto& f) { return f.second.blocked_until <= t; });
    }
    auto& f = failures[impi];
    if (++f.count >= kMaxFailures) {
      f.count = 0;
      f.blocked_until = now() + kBlockFor;
      log.warning("XCAP: " + std::to_string(kMaxFailures) + " wrong passwords for " + impi + ": refused for " +
                  std::to_string(kBlockFor) + " s");
    }
  }

  Impl(store::Database& d, const runtime::Clock& c, Options o, runtime::Logger& l, runtime::Metrics* m)
      : db(d), clock(c), options(std::move(o)), log(l), metrics(m) {}

  std::int64_t now() const {
    return std::chrono::duration_cast<std::chrono::seconds>(clock.wall_now().time_since_epoch()).count();
  }

  // nonce = issue time (16 hex digits) || serial (16 hex digits, unique per
  // process: two clients never share a nonce, so nc counts stay theirs) ||
  // first 32 hex digits of SHA-256(secret ":" time serial ":" realm).
  std::string nonce_mac(std::string_view issued) const {
    return aka::digest_ha1(aka::DigestAlgorithm::sha256, options.nonce_secret, issued, options.realm).substr(0, 32);
  }
  std::string new_nonce() {
    const std::string issued = hex_u64(static_cast<std::uint64_t>(now())) + hex_u64(++nonce_serial);
    return issued + nonce_mac(issued);
  }
  enum class NonceState { valid, stale, invalid };
  NonceState check_nonce(std::string_view nonce) const {
    if (nonce.size() != 64) return NonceState::invalid;
    const std::string_view t = nonce.substr(0, 16);
    if (nonce.substr(32) != nonce_mac(nonce.substr(0, 32))) return NonceState::invalid;
    std::uint64_t issued = 0;
    const auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), issued, 16);
    if (ec != std::errc() || end != t.data() + t.size()) return NonceState::invalid;
    const auto age = now() - static_cast<std::int64_t>(issued);
    if (age < -5 || age > options.nonce_lifetime.count()) return NonceState::stale;
    if (!oldest_usable.empty() && nonce <= oldest_usable) return NonceState::stale;
    return NonceState::valid;
  }

  // Records `nc` for `nonce`; false when it is not above the last one seen.
  bool count_nonce(const std::string& nonce, std::string_view nc) {
    std::uint64_t count = 0;
    const auto [end, ec] = std::from_chars(nc.data(), nc.data() + nc.size(), count, 16);
    if (ec != std::errc() || end != nc.data() + nc.size() || nc.size() != 8) return false;
    // forget the nonces that expired
    const std::string expired_before = hex_u64(static_cast<std::uint64_t>(now() - options.nonce_lifetime.count()));
    nonce_counts.erase(nonce_counts.begin(), nonce_counts.lower_bound(expired_before));
    const auto it = nonce_counts.find(nonce);
    if (it != nonce_counts.end()) {
      if (count <= it->second) return false;
      it->second = count;
      return true;
    }
    while (nonce_counts.size() >= kMaxTrackedNonces) {
      oldest_usable = std::max(oldest_usable, nonce_counts.begin()->first);
      nonce_counts.erase(nonce_counts.begin());
    }
    nonce_counts.emplace(nonce, count);
    return true;
  }

  HttpResponse challenge(bool stale) {
    HttpResponse r = plain(401, "authentication required (HTTP digest with the subscriber's SIP password)");
    std::string value = "Digest realm=\"" + options.realm + "\", qop=\"auth\", algorithm=MD5, nonce=\"" + new_nonce() +
                        "\"";
    if (stale) value += ", stale=true";
    r.headers.emplace_back("WWW-Authenticate", std::move(value));
    return r;
  }

  // The authenticated IMPI, or the response to send (401 / 400).
  std::variant<std::string, HttpResponse> authenticate(const HttpRequest& request) {
    const auto header = request.header("Authorization");
    if (!header) return challenge(false);
    const auto auth = sip::parse_auth(*header);
    if (!auth || !iequals(auth.value.scheme, "Digest")) return challenge(false);
    const auto param = [&](std::string_view name) -> std::string {
      const auto* p = sip::find_param(auth.value.params, name);
      return p == nullptr ? std::string() : std::string(sip::unquote(p->value));
    };
    const std::string username = param("username"), realm = param("realm"), nonce = param("nonce"),
                      uri = param("uri"), response = param("response"), qop = param("qop"), nc = param("nc"),
                      cnonce = param("cnonce"), algorithm = param("algorithm");
    if (username.empty() || nonce.empty() || response.empty()) return plain(400, "incomplete Authorization");
    if (!algorithm.empty() && !iequals(algorithm, "MD5")) {
      log.info("XCAP: " + username + " asked for digest algorithm " + algorithm + ": challenged with MD5");
      return challenge(false);
    }
    if (!iequals(qop, "auth") || nc.empty() || cnonce.empty()) {
      log.info("XCAP: " + username + " answered without qop=auth: challenged again");
      return challenge(false);
    }
    if (uri != request.target) return plain(400, "the digest uri is not the request-target");
    if (realm != options.realm) return challenge(false);
    switch (check_nonce(nonce)) {
      case NonceState::invalid:
        return challenge(false);
      case NonceState::stale:
        return challenge(true);
      case NonceState::valid:
        break;
    }
    // The IMPI ("alice@realm") or its bare user name ("alice", TS 23.003 §13.3).
    const bool bare = username.find('@') == std::string::npos;
    const std::string impi = bare ? username + "@" + options.realm : username;
    const auto record = store::SubscriberTable(db).credentials(impi);
    std::string_view ha1;  // stays in the record's SecretString
    if (record && record->digest) {
      ha1 = bare ? record->digest->username_ha1_md5.reveal() : record->digest->ha1_md5.reveal();
    }
    if (ha1.empty()) {
      log.info("XCAP: " + username + " has no password (SIM-only subscribers would need GBA): 401");
      return challenge(false);
    }
    if (const auto f = failures.find(impi); f != failures.end() && f->second.blocked_until > now()) {
      log.info("XCAP: " + impi + " is blocked after wrong passwords: 401");
      return challenge(false);
    }
    const std::string expected =
        aka::digest_response(aka::DigestAlgorithm::md5, ha1, nonce, nc, cnonce, "auth", request.method, uri);
    if (expected != response) {
      log.info("XCAP: wrong digest response for " + username + ": 401");
      failed(impi);
      return challenge(false);
    }
    if (!count_nonce(nonce, nc)) {
      log.info("XCAP: " + username + " sent a nonce count already used (nc=" + nc + "): 401");
      return challenge(false);
    }
    failures.erase(impi);
    return impi;
  }

  HttpResponse handle(const HttpRequest& request) {
    const bool read = request.method == "GET" || request.method == "HEAD";
    if (!read && request.method != "PUT" && request.method != "DELETE") {
      HttpResponse r = plain(405, "XCAP resources take GET, PUT and DELETE");
      r.headers.emplace_back("Allow", "GET, HEAD, PUT, DELETE");
      return r;
    }
    auto resource = parse_resource(request);
    if (!resource) return plain(404, "not an XCAP resource of this server (/simservs.ngn.etsi.org/users/<IMPU>/simservs.xml)");
    auto who = authenticate(request);
    if (auto* r = std::get_if<HttpResponse>(&who)) return std::move(*r);
    const std::string& impi = std::get<std::string>(who);
    const auto owner = store::SubscriberTable(db).impi_of(resource->impu);
    if (!owner || *owner != impi) {
      log.info("XCAP: " + impi + " may not reach the services of " + resource->impu + ": 403");
      return plain(403, "this public identity is not yours");
    }
    const auto host = request.header("Host");
    const std::string document_uri = "http://" + std::string(host ? *host : "localhost") + resource->document_path;
    return resource->selector ? element(request, *resource, document_uri) : document(request, *resource, document_uri);
  }

  HttpResponse document(const HttpRequest& request, const Resource& resource, const std::string& document_uri) {
    store::SimservsTable table(db);
    // writes read and write under one lock: no other writer between the
    // precondition check and the put
    std::optional<store::Database::Transaction> tx;
    if (request.method != "GET" && request.method != "HEAD") tx.emplace(db);
    const auto stored = table.find(resource.impu);
    const auto current = stored ? std::optional<std::string>(stored->etag) : std::nullopt;
    if (const auto status = failed_precondition(request, current)) {
      return current ? with_etag(plain(*status, ""), *current) : plain(*status, "");
    }
    if (request.method == "GET" || request.method == "HEAD") {
      if (!stored) return plain(404, "no simservs document for " + resource.impu);
      HttpResponse r;
      r.content_type = std::string(simservs::kContentType);
      r.body = stored->document;
      return with_etag(std::move(r), stored->etag);
    }
    if (request.method == "DELETE") {
      if (!stored) return plain(404, "no simservs document for " + resource.impu);
      table.erase(resource.impu);
      tx->commit();
      log.info("XCAP: " + resource.impu + " deleted its simservs document");
      return plain(200, "");
    }
    if (!content_type_is(request, {simservs::kContentType, "application/xml", "text/xml"})) {
      return plain(415, "a simservs document is application/simservs+xml");
    }
    auto parsed = simservs::parse(request.body);
    if (auto* reason = std::get_if<std::string>(&parsed)) {
      log.info("XCAP: refused a simservs document for " + resource.impu + ": " + *reason);
      return xcap_error(document_error(*reason), document_uri);
    }
    const std::string etag = table.put(resource.impu, request.body);
    tx->commit();
    log.info("XCAP: " + resource.impu + " stored its simservs document");
    HttpResponse r = plain(stored ? 200 : 201, "");
    return with_etag(std::move(r), etag);
  }

  HttpResponse element(const HttpRequest& request, const Resource& resource, const std::string& document_uri) {
    auto query = simservs::percent_decode(request.query);
    if (!query) return plain(400, "bad percent-encoding in the query");
    auto selector = simservs::parse_node_selector(*resource.selector, *query);
    if (auto* e = std::get_if<simservs::XcapError>(&selector)) return xcap_error(*e, document_uri);
    const auto& node_selector = std::get<simservs::NodeSelector>(selector);

    store::SimservsTable table(db);
    // writes read and write under one lock: no other writer between the
    // precondition check and the put
    std::optional<store::Database::Transaction> tx;
    if (request.method != "GET" && request.method != "HEAD") tx.emplace(db);
    const auto stored = table.find(resource.impu);
    const auto current = stored ? std::optional<std::string>(stored->etag) : std::nullopt;
    if (const auto status = failed_precondition(request, current)) {
      return current ? with_etag(plain(*status, ""), *current) : plain(*status, "");
    }
    const bool put = request.method == "PUT";
    if (!stored && !put) return plain(404, "no simservs document for " + resource.impu);

    simservs::Document doc = simservs::empty_document();
    if (stored) {
      auto parsed = simservs::parse(stored->document);
      if (auto* reason = std::get_if<std::string>(&parsed)) {
        log.warning("XCAP: the stored simservs document of " + resource.impu + " is unreadable (" + *reason +
                    "): 500");
        return plain(500, "the stored document is unreadable; PUT a whole new one");
      }
      doc = std::get<simservs::Document>(std::move(parsed));
    }

    if (request.method == "GET" || request.method == "HEAD") {
      auto got = simservs::get_element(doc, node_selector);
      if (auto* e = std::get_if<simservs::XcapError>(&got)) return xcap_error(*e, document_uri);
      HttpResponse r;
      r.content_type = std::string(simservs::kXcapElementContentType);
      r.body = std::get<std::string>(std::move(got));
      return with_etag(std::move(r), stored->etag);
    }
    int status = 200;
    if (put) {
      if (!content_type_is(request, {simservs::kXcapElementContentType, "application/xml", "text/xml"})) {
        return plain(415, "an element is application/xcap-el+xml");
      }
      auto outcome = simservs::put_element(doc, node_selector, request.body);
      if (auto* e = std::get_if<simservs::XcapError>(&outcome)) {
        log.info("XCAP: refused a PUT of " + resource.impu + " " + node_selector.text + ": " + e->phrase);
        return xcap_error(*e, document_uri);
      }
      if (std::get<simservs::PutOutcome>(outcome) == simservs::PutOutcome::created) status = 201;
    } else if (const auto e = simservs::delete_element(doc, node_selector)) {
      return xcap_error(*e, document_uri);
    }
    const std::string etag = table.put(resource.impu, doc.write());
    tx->commit();
    log.info("XCAP: " + resource.impu + " " + request.method + " " + node_selector.text);
    return with_etag(plain(status, ""), etag);
  }
};

XcapHandler::XcapHandler(store::Database& db, const runtime::Clock& clock, Options options, runtime::Logger& log,
                         runtime::Metrics* metrics)
    : impl_(std::make_unique<Impl>(db, clock, std::move(options), log, metrics)) {}

XcapHandler::~XcapHandler() = default;

runtime::HttpResponse XcapHandler::operator()(const runtime::HttpRequest& request) {
  HttpResponse response = impl_->handle(request);
  if (impl_->metrics != nullptr) {
    impl_->metrics
        ->counter("tas_xcap_requests_total", "XCAP requests by method and status",
                  {{"method", known_method(request.method)}, {"status", std::to_string(response.status)}})
        .inc();
  }
  return response;
}

std::string system_nonce_secret() {
  std::random_device random;
  std::string out;
  for (int i = 0; i < 4; ++i) out += hex_u64((std::uint64_t{random()} << 32) | random());
  return out;
}

}  // namespace imsbox::tas
