#pragma once
// Authentication of REGISTERs at the S-CSCF (TS 24.229 §5.4.1.2, TS 33.203
// §6.1): challenges made from the HSS's SIP-Auth-Data-Items (MAA) and the
// check of the Authorization that answers them.
//
//   IMS-AKA   Digest-AKAv1-MD5 (RFC 3310): digest with RES as the password;
//             Digest-AKAv2-MD5 (RFC 4169): the password is
//             base64(HMAC-MD5(RES||IK||CK, "http-digest-akav2-password"));
//             nonce = base64(RAND || AUTN || server data).
//   SIP digest (RFC 2617 / RFC 7616, qop=auth, MD5 or SHA-256) from the
//             HSS's H(A1): one challenge per algorithm of
//             Options::digest_algorithms, most preferred first (RFC 7616
//             §3.7); MD5 alone by default, since many clients (JsSIP, libre)
//             fail on a challenge whose algorithm they do not know.
//             The digest username is the IMPI ("alice@realm") or the bare
//             user name ("alice", TS 23.003 §13.3 NAI username), for which
//             the HSS gives HA1s of their own (Digest-Username).
//
// Pure: time comes in as arguments, randomness from an injected source.
// Each challenge (vector, nonce) is used once: accepted or not, a response to
// it consumes it. Per IMPI it counts failed responses and blocks the IMPI
// for a while after too many (see Options).
//
// Secrets (XRES, CK, IK, HA1) stay in runtime::Secret* and never appear in a
// summary or log text produced here.
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "diameter/cx_messages.h"
#include "runtime/clock.h"
#include "runtime/secret.h"
#include "sip/message.h"

namespace imsbox::scscf {

std::string base64_encode(const std::vector<std::uint8_t>& bytes);
std::optional<std::vector<std::uint8_t>> base64_decode(std::string_view text);
std::string to_hex(const std::vector<std::uint8_t>& bytes);

// RFC 4169 §3: the AKAv2 password, base64 of HMAC-MD5 keyed with RES||IK||CK.
std::string akav2_password(const std::vector<std::uint8_t>& res, const std::vector<std::uint8_t>& ik,
                           const std::vector<std::uint8_t>& ck);

enum class Scheme { akav1_md5, akav2_md5, digest_md5, digest_sha256 };
// "AKAv1-MD5", "MD5", ... as in the algorithm parameter.
std::string_view algorithm_name(Scheme s);

// The digest algorithms of a comma-separated list ("SHA-256,MD5": MD5 and
// SHA-256, case-insensitive), in its order. Throws std::invalid_argument
// naming what is wrong: an unknown algorithm, one named twice, none at all.
std::vector<Scheme> parse_digest_algorithms(std::string_view list);

// The Cx Authentication-Scheme a REGISTER's Authorization asks for
// ("Digest-AKAv1-MD5", "SIP Digest", ... or "Unknown").
std::string cx_scheme_for(std::string_view algorithm);

// The Digest Authorization of a REGISTER that is for `realm` (or its only one).
struct DigestCredentials {
  std::string username, realm, nonce, uri, response, algorithm, qop, nc, cnonce, opaque;
  std::optional<std::string> auts;  // base64, present on AKA resynchronisation
};
std::optional<DigestCredentials> find_credentials(const sip::Message& request, std::string_view realm);

class Authenticator {
 public:
  struct Options {
    std::string realm;                             // the home domain
    unsigned max_failures = 5;                     // failed responses before the IMPI is blocked
    std::chrono::seconds block_for{60};            // how long it then stays blocked
    std::chrono::seconds challenge_lifetime{60};   // a nonce not answered by then is forgotten
    std::size_t server_data_bytes = 8;             // random bytes after RAND||AUTN in an AKA nonce
    // Unanswered challenges kept per IMPI, the oldest forgotten first: a
    // client that never answers cannot grow the state without bound. Many,
    // because an IMPI may register many implicit sets at once and, under
    // load, answers take long; memory is bounded anyway by the MAR rate
    // times challenge_lifetime.
    std::size_t max_pending = 256;
    // The SIP digest algorithms challenged with (digest_md5, digest_sha256),
    // most preferred first: the WWW-Authenticate headers come in this order.
    std::vector<Scheme> digest_algorithms{Scheme::digest_md5};
  };
  // Fills a buffer with random bytes (OpenSSL's RAND_bytes in the node).
  using Random = std::function<void(std::uint8_t* out, std::size_t n)>;

  Authenticator(Options options, Random random);

  // The WWW-Authenticate values for the items of an MAA (one AKA challenge
  // at most; a digest one per algorithm of Options::digest_algorithms that an
  // item gives the IMPI's HA1 for, in that order, with the bare user name's
  // HA1 of the same algorithm when an item has it), remembered as pending
  // challenges of `impi`. Empty when no item is usable. `scheme_text` gets
  // what was offered, for logs.
  std::vector<std::string> challenge(const std::string& impi, const std::string& impu,
                                     const std::vector<diameter::SipAuthDataItem>& items,
                                     runtime::Clock::MonotonicTime now, std::string* scheme_text = nullptr);

  enum class Verdict {
    ok,       // the response is right: authenticated (the challenge is used up)
    stale,    // no pending challenge with that nonce (expired, used, never ours): challenge again
    wrong,    // the response is wrong (a failure counted; the challenge is used up)
    blocked,  // the IMPI is blocked after too many failures
  };
  struct Outcome {
    Verdict verdict;
    std::optional<Scheme> scheme;  // of the challenge answered, when there was one
  };
  // `credentials.username` is `impi` or, without '@', its user part with
  // `impi` = username@realm (the NAI form ims::register_impi gives).
  Outcome verify(const std::string& impi, const DigestCredentials& credentials, std::string_view method,
                 runtime::Clock::MonotonicTime now);

  // SIP-Number-Auth-Items to ask the HSS for when the scheme is SIP Digest
  // or not known yet: our HSS answers MD5, SHA-256 (the IMPI's HA1s), then
  // MD5 and SHA-256 for the bare user name, so 3 without SHA-256 and 4 with.
  // (A SIM subscriber asked with "Unknown" gets that many AKA vectors, of
  // which one is used.)
  std::uint32_t digest_items_to_ask() const;

  // The RAND of the pending AKA challenge with that nonce, for a
  // resynchronisation (MAR with RAND||AUTS); the challenge is used up.
  std::optional<std::vector<std::uint8_t>> take_rand(const std::string& impi, const std::string& nonce,
                                                     runtime::Clock::MonotonicTime now);

  bool blocked(const std::string& impi, runtime::Clock::MonotonicTime now) const;
  unsigned failures(const std::string& impi) const;
  // After a successful registration the count starts again.
  void reset(const std::string& impi);
  std::size_t pending(const std::string& impi) const;
  // IMPIs with state (pending challenges, failures or a block).
  std::size_t tracked() const { return states_.size(); }

 private:
  struct Challenge {
    std::string nonce;
    std::string opaque;
    Scheme scheme;
    std::string realm;
    runtime::SecretString ha1;  // digest: H(A1) from the HSS, for the IMPI as username
    std::string bare_username;          // digest: the IMPI's user part, when the HSS gave its H(A1)
    runtime::SecretString bare_ha1;
    runtime::SecretBytes xres, ck, ik;
    std::vector<std::uint8_t> rand;
    runtime::Clock::MonotonicTime expires_at;
  };
  struct State {
    std::vector<Challenge> challenges;
    unsigned failures = 0;
    std::optional<runtime::Clock::MonotonicTime> blocked_until;
  };
  std::string random_hex(std::size_t bytes);
  void forget_old(State& s, runtime::Clock::MonotonicTime now);
  void fail(State& s, runtime::Clock::MonotonicTime now);
  // Drops the state of IMPIs with nothing pending, failed or blocked.
  void sweep(runtime::Clock::MonotonicTime now);
  std::uint64_t challenges_made_ = 0;

  Options options_;
  Random random_;
  std::map<std::string, State> states_;
};

}  // namespace imsbox::scscf
