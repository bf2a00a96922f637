#include "agw/webrtc/ice_lite_agent.h"

#include <agent.h>  // libnice
#include <openssl/rand.h>

#include <array>
#include <stdexcept>

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
      : driver(d), config(std::move(c)), events(e), log(l) {}

  ~Impl() {
    if (agent == nullptr) return;
    g_signal_handlers_disconnect_by_data(agent, this);
    if (stream_id != 0)
      nice_agent_attach_recv(agent, stream_id, kComponent, driver.context(), nullptr, nullptr);
    g_object_unref(agent);
    // Its socket is closed: its fd number is free for the next agent's.
    driver.rescan();
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
    nice_agent_attach_recv(agent, stream_id, kComponent, driver.context(), &Impl::on_receive, this);
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
    driver.rescan();
    log.debug(tag() + "ICE-lite agent on " + config.address + ":" + std::to_string(port));
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
  return nice_agent_send(impl_->agent, impl_->stream_id, kComponent, static_cast<guint>(datagram.size()),
                         reinterpret_cast<const gchar*>(datagram.data())) == static_cast<gint>(datagram.size());
}

IceState IceLiteAgent::state() const { return impl_->state; }

std::optional<IceSelectedPair> IceLiteAgent::selected_pair() const { return impl_->selected; }

}  // namespace imsbox::agw::webrtc
