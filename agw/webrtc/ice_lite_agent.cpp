#include "agw/webrtc/ice_lite_agent.h"

#include <agent.h>  // libnice
#include <netinet/in.h>
#include <openssl/rand.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <vector>

#include "agw/webrtc/main_context_driver.h"
#include "runtime/log.h"

namespace imsbox::agw::webrtc {

namespace {

constexpr guint kComponent = 1;  // rtcp-mux: RTP and RTCP share component 1

std::string random_ice_chars(std::size_t n) {
  // 64 characters: each random byte's low six bits pick one without bias.
  static constexpr char kIceChars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::array<unsigned char, 64> bytes{};
  if (n > bytes.size() || RAND_bytes(bytes.data(), static_cast<int>(n)) != 1)
    throw std::runtime_error("no random bytes for ICE credentials");
  std::string out(n, 'x');
  for (std::size_t i = 0; i < n; ++i) out[i] = kIceChars[bytes[i] & 0x3f];
  return out;
}

std::string address_string(const NiceAddress& address) {
  char buf[NICE_ADDRESS_STRING_LEN] = "";
  nice_address_to_string(&address, buf);
  return buf;
}

std::string_view type_name(NiceCandidateType type) {
  switch (type) {
    case NICE_CANDIDATE_TYPE_HOST: return "host";
    case NICE_CANDIDATE_TYPE_SERVER_REFLEXIVE: return "srflx";
    case NICE_CANDIDATE_TYPE_PEER_REFLEXIVE: return "prflx";
    case NICE_CANDIDATE_TYPE_RELAYED: return "relay";
  }
  return "?";
}

// Our receive buffer: more than any datagram a browser sends (its MTU); a
// longer one goes to libnice.
constexpr std::size_t kReceiveBuffer = 4096;
// Iterations of the socket's context in a row after which a datagram libnice
// left on the socket is dropped (it gave the socket up after an error).
constexpr int kMaxSlowInARow = 4;
// Failed reads in a row (ICMP errors are reported once each) after which the
// socket is given up: it is broken, and reading on would spin.
constexpr int kMaxErrorsInARow = 16;

bool same_endpoint(const boost::asio::ip::udp::endpoint& endpoint, const sockaddr_storage& b) {
  const auto& a = *reinterpret_cast<const sockaddr_storage*>(endpoint.data());
  if (a.ss_family != b.ss_family) return false;
  if (a.ss_family == AF_INET) {
    const auto& x = reinterpret_cast<const sockaddr_in&>(a);
    const auto& y = reinterpret_cast<const sockaddr_in&>(b);
    return x.sin_port == y.sin_port && x.sin_addr.s_addr == y.sin_addr.s_addr;
  }
  if (a.ss_family == AF_INET6) {
    const auto& x = reinterpret_cast<const sockaddr_in6&>(a);
    const auto& y = reinterpret_cast<const sockaddr_in6&>(b);
    return x.sin6_port == y.sin6_port && std::memcmp(&x.sin6_addr, &y.sin6_addr, sizeof x.sin6_addr) == 0;
  }
  return false;
}

// The UDP socket libnice made for the agent: the one datagram socket among
// the fds `context` polls (it holds nothing else but GLib's wake-up eventfd).
int find_socket_fd(GMainContext* context, std::uint16_t port) {
  if (!g_main_context_acquire(context)) return -1;
  gint priority = 0;
  g_main_context_prepare(context, &priority);
  std::vector<GPollFD> fds(8);
  gint timeout = -1;
  gint n = 0;
  while ((n = g_main_context_query(context, G_MAXINT, &timeout, fds.data(), static_cast<gint>(fds.size()))) >
         static_cast<gint>(fds.size()))
    fds.resize(static_cast<std::size_t>(n));
  g_main_context_release(context);
  for (gint i = 0; i < n; ++i) {
    int type = 0;
    socklen_t type_len = sizeof type;
    sockaddr_storage local{};
    socklen_t local_len = sizeof local;
    if (getsockopt(fds[static_cast<std::size_t>(i)].fd, SOL_SOCKET, SO_TYPE, &type, &type_len) != 0 ||
        type != SOCK_DGRAM ||
        getsockname(fds[static_cast<std::size_t>(i)].fd, reinterpret_cast<sockaddr*>(&local), &local_len) != 0)
      continue;
    const std::uint16_t bound = local.ss_family == AF_INET6 ? ntohs(reinterpret_cast<sockaddr_in6&>(local).sin6_port)
                                                            : ntohs(reinterpret_cast<sockaddr_in&>(local).sin_port);
    if (bound == port) return fds[static_cast<std::size_t>(i)].fd;
  }
  return -1;
}

bool is_ip_literal(const std::string& s) {
  NiceAddress a;
  nice_address_init(&a);
  return nice_address_set_from_string(&a, s.c_str()) != FALSE;
}

}  // namespace

IceCredentials random_ice_credentials() { return {random_ice_chars(8), random_ice_chars(24)}; }

std::string_view to_string(IceState state) {
  switch (state) {
    case IceState::waiting: return "waiting";
    case IceState::connected: return "connected";
    case IceState::failed: return "failed";
  }
  return "?";
}

std::string_view to_string(IceFailure failure) {
  return failure == IceFailure::consent_lost ? "consent lost" : "connectivity checks failed";
}

struct IceLiteAgent::Impl {
  Impl(MainContextDriver& d, IceLiteConfig c, Events& e, runtime::Logger& l)
      : driver(d), config(std::move(c)), events(e), log(l), reader(d.io()), socket_context(g_main_context_new()) {}

  ~Impl() {
    alive.reset();  // a completion of the reader still queued sees it gone
    boost::system::error_code ignored;
    reader.close(ignored);  // our dup of the socket
    if (agent != nullptr) {
      g_signal_handlers_disconnect_by_data(agent, this);
      if (stream_id != 0) nice_agent_attach_recv(agent, stream_id, kComponent, socket_context, nullptr, nullptr);
      g_object_unref(agent);
      // Its timers are gone from the driver's context.
      driver.rescan();
    }
    g_main_context_unref(socket_context);
  }

  void start() {
    if (!is_ip_literal(config.address))
      throw std::invalid_argument("ICE: '" + config.address + "' is not an IP address");
    agent = nice_agent_new_full(driver.context(), NICE_COMPATIBILITY_RFC5245,
                                static_cast<NiceAgentOption>(NICE_AGENT_OPTION_LITE_MODE |
                                                             NICE_AGENT_OPTION_CONSENT_FRESHNESS));
    if (agent == nullptr) throw std::runtime_error("ICE: nice_agent_new_full failed");
    // ICE-lite is always controlled (RFC 8445 §6.1.1). No ICE-TCP; no UPnP
    // (the property exists only when libnice was built with gupnp-igd).
    g_object_set(agent, "controlling-mode", FALSE, "ice-tcp", FALSE, "ice-udp", TRUE, nullptr);
    if (g_object_class_find_property(G_OBJECT_GET_CLASS(agent), "upnp") != nullptr)
      g_object_set(agent, "upnp", FALSE, nullptr);
    g_signal_connect(agent, "component-state-changed", G_CALLBACK(&Impl::on_state), this);
    g_signal_connect(agent, "new-selected-pair-full", G_CALLBACK(&Impl::on_selected_pair), this);
    g_signal_connect(agent, "new-remote-candidate-full", G_CALLBACK(&Impl::on_remote_candidate), this);

    NiceAddress address;
    nice_address_init(&address);
    nice_address_set_from_string(&address, config.address.c_str());
    nice_agent_add_local_address(agent, &address);
    stream_id = nice_agent_add_stream(agent, 1);
    if (stream_id == 0) throw std::runtime_error("ICE: nice_agent_add_stream failed");
    credentials = random_ice_credentials();
    nice_agent_set_local_credentials(agent, stream_id, credentials.ufrag.c_str(), credentials.pwd.c_str());
    if (config.port != 0) nice_agent_set_port_range(agent, stream_id, kComponent, config.port, config.port);
    // The socket's GSource goes on a context of its own that only the slow
    // path iterates: the fast path reads the socket itself (receive).
    nice_agent_attach_recv(agent, stream_id, kComponent, socket_context, &Impl::on_receive, this);
    if (!nice_agent_gather_candidates(agent, stream_id))
      throw std::runtime_error("ICE: cannot bind UDP " + config.address + ":" + std::to_string(config.port));
    GSList* locals = nice_agent_get_local_candidates(agent, stream_id, kComponent);
    for (GSList* i = locals; i != nullptr; i = i->next) {
      auto* c = static_cast<NiceCandidate*>(i->data);
      if (!candidate.empty() || c->type != NICE_CANDIDATE_TYPE_HOST || c->transport != NICE_CANDIDATE_TRANSPORT_UDP)
        continue;
      port = static_cast<std::uint16_t>(nice_address_get_port(&c->addr));
      gchar* sdp = nice_agent_generate_local_candidate_sdp(agent, c);
      std::string_view line = sdp != nullptr ? sdp : "";
      if (line.starts_with("a=")) line.remove_prefix(2);
      candidate = line;
      g_free(sdp);
    }
    g_slist_free_full(locals, reinterpret_cast<GDestroyNotify>(&nice_candidate_free));
    if (candidate.empty())
      throw std::runtime_error("ICE: no host candidate on " + config.address + ":" + std::to_string(config.port));
    const int fd = find_socket_fd(socket_context, port);
    const int copy = fd >= 0 ? dup(fd) : -1;
    if (copy < 0) throw std::runtime_error("ICE: cannot find the socket libnice bound on port " + std::to_string(port));
    boost::system::error_code assigned;
    reader.assign(config.address.find(':') != std::string::npos ? boost::asio::ip::udp::v6()
                                                                 : boost::asio::ip::udp::v4(),
                  copy, assigned);
    if (assigned) {
      close(copy);
      throw std::runtime_error("ICE: cannot watch the socket on port " + std::to_string(port) + ": " +
                               assigned.message());
    }
    receive();
    driver.rescan();
    log.debug(tag() + "ICE-lite agent on " + config.address + ":" + std::to_string(port));
  }

  // ---- the socket, read on the loop ----
  //
  // What the browser sends once ICE is up is DTLS, SRTP and SRTCP from the
  // selected pair's address, 50 packets a second each way: those we read
  // ourselves (one peek, one discard: two system calls) and hand on; STUN
  // (its checks, consent, the answers to ours), anything from another
  // address, and everything before a pair is selected stay for libnice,
  // which reads them (and whatever follows) when we iterate the socket's
  // context once. Iterating a GMainContext per datagram costs several
  // system calls (GLib unblocks a dispatched source's fds: two eventfd
  // writes, a read, a second round) and most of GLib's bookkeeping.
  //
  // The peek is an Asio receive (MSG_PEEK), not a wait for readiness
  // followed by our own peek: Asio tries a receive at once and waits only
  // when the socket is empty, while every async_wait re-arms the socket in
  // epoll (an epoll_ctl per wake-up: 15,000 a second at 300 calls).

  void receive() {
    reader.async_receive_from(boost::asio::buffer(buffer), from, MSG_PEEK | MSG_TRUNC,
                              [this, token = std::weak_ptr<int>(alive)](const boost::system::error_code& ec,
                                                                        std::size_t length) {
                                if (ec == boost::asio::error::operation_aborted || token.expired()) return;
                                on_peeked(ec, length);
                              });
  }

  void on_peeked(const boost::system::error_code& ec, std::size_t length) {
    const int fd = reader.native_handle();
    if (ec) {
      // An ICMP error reported on the socket (once), or a broken socket.
      if (++errors_in_a_row > kMaxErrorsInARow) {
        log.error(tag() + "ICE: reading the socket failed " + std::to_string(errors_in_a_row) +
                  " times in a row, the leg reads no more: " + ec.message());
        return;
      }
      return receive();
    }
    errors_in_a_row = 0;
    // MSG_TRUNC: the length is the datagram's, longer than the buffer when it did not fit
    const bool ours = length > 0 && length <= buffer.size() && buffer[0] > 3 /* not STUN (RFC 7983) */ &&
                      state == IceState::connected && same_endpoint(from, selected_address);
    if (!ours) {
      if (++slow_in_a_row > kMaxSlowInARow) {
        // libnice left it there (it dropped its socket after an error):
        // nobody else will take it
        (void)recv(fd, nullptr, 0, MSG_DONTWAIT);
        slow_in_a_row = 0;
        return receive();
      }
      read_through_libnice();
      // libnice reads all that is queued: the count goes on only while it
      // leaves datagrams there (rare: one peek on the slow path)
      char probe = 0;
      if (recv(fd, &probe, sizeof probe, MSG_PEEK | MSG_DONTWAIT) < 0) slow_in_a_row = 0;
      return receive();
    }
    slow_in_a_row = 0;
    if (recv(fd, nullptr, 0, MSG_DONTWAIT) >= 0)  // else taken meanwhile: nothing to hand on
      events.on_ice_datagram(std::span(buffer.data(), length));
    // The next receive tries the socket at once and completes in this turn
    // of the loop when more is queued.
    receive();
  }

  // One iteration of the socket's context: libnice's GSource reads every
  // queued datagram (STUN handled, the rest to on_receive). Then the driver
  // looks again: libnice may have added timers to its context.
  void read_through_libnice() {
    ++slow_path_reads;
    g_main_context_iteration(socket_context, FALSE);
    driver.wake();
  }

  // ---- libnice's callbacks (on the driver's loop, context acquired) ----

  static void on_receive(NiceAgent*, guint, guint, guint len, gchar* buf, gpointer data) {
    auto* self = static_cast<Impl*>(data);
    if (len == 0 || self->state == IceState::failed) return;
    self->events.on_ice_datagram(std::span(reinterpret_cast<std::uint8_t*>(buf), len));
  }

  static void on_selected_pair(NiceAgent*, guint, guint, NiceCandidate* local, NiceCandidate* remote,
                               gpointer data) {
    auto* self = static_cast<Impl*>(data);
    (void)local;
    IceSelectedPair pair{address_string(remote->addr), static_cast<std::uint16_t>(nice_address_get_port(&remote->addr)),
                         std::string(type_name(remote->type))};
    self->log.info(self->tag() + "ICE selected pair: " + self->config.address + ":" + std::to_string(self->port) +
                   " <-> " + pair.remote_address + ":" + std::to_string(pair.remote_port) + " (" + pair.remote_type +
                   ")");
    self->selected = std::move(pair);
    self->selected_address = {};
    nice_address_copy_to_sockaddr(&remote->addr, reinterpret_cast<sockaddr*>(&self->selected_address));
    if (self->state == IceState::waiting) {
      self->state = IceState::connected;
      self->events.on_ice_connected();
    }
  }

  static void on_remote_candidate(NiceAgent*, NiceCandidate* candidate, gpointer data) {
    auto* self = static_cast<Impl*>(data);
    if (candidate->type == NICE_CANDIDATE_TYPE_PEER_REFLEXIVE)
      self->log.debug(self->tag() + "ICE learnt a peer-reflexive candidate " + address_string(candidate->addr) + ":" +
                      std::to_string(nice_address_get_port(&candidate->addr)));
  }

  static void on_state(NiceAgent*, guint, guint, guint nice_state, gpointer data) {
    auto* self = static_cast<Impl*>(data);
    self->log.debug(self->tag() + "ICE component state " + nice_component_state_to_string(
                                                               static_cast<NiceComponentState>(nice_state)));
    if (nice_state != NICE_COMPONENT_STATE_FAILED || self->state == IceState::failed) return;
    const bool was_connected = self->state == IceState::connected;
    self->state = IceState::failed;
    const IceFailure failure = was_connected ? IceFailure::consent_lost : IceFailure::checks_failed;
    const std::string detail = was_connected ? "no answer to our consent checks for 10 s, or the peer revoked consent"
                                             : "no connectivity check succeeded";
    self->log.warning(self->tag() + "ICE failed: " + std::string(to_string(failure)) + ": " + detail);
    self->events.on_ice_failed(failure, detail);
  }

  std::string tag() const { return config.log_tag.empty() ? std::string() : config.log_tag + ": "; }

  MainContextDriver& driver;
  IceLiteConfig config;
  Events& events;
  runtime::Logger& log;
  NiceAgent* agent = nullptr;
  guint stream_id = 0;
  IceCredentials credentials;
  std::string candidate;
  std::uint16_t port = 0;
  IceState state = IceState::waiting;
  std::optional<IceSelectedPair> selected;
  sockaddr_storage selected_address{};  // the selected pair's remote end, for the fast path
  boost::asio::ip::udp::socket reader;  // a dup of libnice's socket
  boost::asio::ip::udp::endpoint from;  // of the datagram at the head of the socket
  GMainContext* socket_context = nullptr;        // where libnice's socket GSource lives
  std::array<std::uint8_t, kReceiveBuffer> buffer{};
  std::uint64_t slow_path_reads = 0;
  int slow_in_a_row = 0;
  int errors_in_a_row = 0;
  std::shared_ptr<int> alive = std::make_shared<int>(0);
};

IceLiteAgent::IceLiteAgent(MainContextDriver& driver, IceLiteConfig config, Events& events, runtime::Logger& log)
    : impl_(std::make_unique<Impl>(driver, std::move(config), events, log)) {
  impl_->start();
}

IceLiteAgent::~IceLiteAgent() = default;

const IceCredentials& IceLiteAgent::local_credentials() const { return impl_->credentials; }

const std::string& IceLiteAgent::local_candidate() const { return impl_->candidate; }

const std::string& IceLiteAgent::local_address() const { return impl_->config.address; }

std::uint16_t IceLiteAgent::local_port() const { return impl_->port; }

void IceLiteAgent::set_remote_credentials(std::string_view ufrag, std::string_view pwd) {
  const std::string u(ufrag), p(pwd);
  nice_agent_set_remote_credentials(impl_->agent, impl_->stream_id, u.c_str(), p.c_str());
  impl_->driver.wake();
}

bool IceLiteAgent::add_remote_candidate(std::string_view candidate) {
  if (candidate.starts_with("a=")) candidate.remove_prefix(2);
  const std::string line = "a=" + std::string(candidate);
  NiceCandidate* c = nice_agent_parse_remote_candidate_sdp(impl_->agent, impl_->stream_id, line.c_str());
  if (c == nullptr || c->transport != NICE_CANDIDATE_TRANSPORT_UDP || c->component_id != kComponent) {
    impl_->log.debug(impl_->tag() + "ICE candidate skipped (mDNS name, TCP, RTCP or unreadable): " + line);
    if (c != nullptr) nice_candidate_free(c);
    return false;
  }
  GSList list{c, nullptr};
  const int added = nice_agent_set_remote_candidates(impl_->agent, impl_->stream_id, kComponent, &list);
  nice_candidate_free(c);
  impl_->driver.wake();
  return added > 0;
}

bool IceLiteAgent::send(std::span<const std::uint8_t> datagram) {
  if (impl_->state != IceState::connected || datagram.empty()) return false;
  // What nice_agent_send() would do for a UDP pair, without its locking and
  // GIO's per-datagram address conversion: libnice refuses to send once
  // consent is lost, and it tells us (FAILED) in the same call that loses it,
  // so `connected` is that check; the pair is the one it selected last.
  const auto& to = impl_->selected_address;
  const socklen_t length = to.ss_family == AF_INET6 ? sizeof(sockaddr_in6) : sizeof(sockaddr_in);
  for (;;) {
    const ssize_t sent = sendto(impl_->reader.native_handle(), datagram.data(), datagram.size(), MSG_DONTWAIT,
                                reinterpret_cast<const sockaddr*>(&to), length);
    if (sent < 0 && errno == EINTR) continue;
    return sent == static_cast<ssize_t>(datagram.size());
  }
}

IceState IceLiteAgent::state() const { return impl_->state; }

std::optional<IceSelectedPair> IceLiteAgent::selected_pair() const { return impl_->selected; }

}  // namespace imsbox::agw::webrtc
