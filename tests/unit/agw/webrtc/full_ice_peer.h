#pragma once
// A full ICE agent as the browser would be (controlling, full mode), on
// libnice directly, for the tests of IceLiteAgent and the driver. It runs on
// a GMainContext of its own, driven by a MainContextDriver on the same loop.
#include <agent.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "agw/webrtc/main_context_driver.h"

namespace imsbox::agw::webrtc::test {

class FullIcePeer {
 public:
  explicit FullIcePeer(MainContextDriver& driver) : driver_(driver) {
    agent_ = nice_agent_new_full(driver.context(), NICE_COMPATIBILITY_RFC5245, NICE_AGENT_OPTION_CONSENT_FRESHNESS);
    g_object_set(agent_, "controlling-mode", TRUE, "ice-tcp", FALSE, nullptr);
    if (g_object_class_find_property(G_OBJECT_GET_CLASS(agent_), "upnp") != nullptr)
      g_object_set(agent_, "upnp", FALSE, nullptr);
    g_signal_connect(agent_, "component-state-changed", G_CALLBACK(&FullIcePeer::on_state), this);
    NiceAddress a;
    nice_address_init(&a);
    nice_address_set_from_string(&a, "127.0.0.1");
    nice_agent_add_local_address(agent_, &a);
    stream_ = nice_agent_add_stream(agent_, 1);
    nice_agent_attach_recv(agent_, stream_, 1, driver.context(), &FullIcePeer::on_receive, this);
    if (!nice_agent_gather_candidates(agent_, stream_)) throw std::runtime_error("peer gather");
    gchar* u = nullptr;
    gchar* p = nullptr;
    nice_agent_get_local_credentials(agent_, stream_, &u, &p);
    ufrag_ = u;
    pwd_ = p;
    g_free(u);
    g_free(p);
    GSList* locals = nice_agent_get_local_candidates(agent_, stream_, 1);
    for (GSList* i = locals; i; i = i->next) {
      gchar* sdp = nice_agent_generate_local_candidate_sdp(agent_, static_cast<NiceCandidate*>(i->data));
      candidates_.emplace_back(sdp + 2);  // without "a="
      g_free(sdp);
    }
    g_slist_free_full(locals, reinterpret_cast<GDestroyNotify>(&nice_candidate_free));
    driver_.rescan();
  }
  ~FullIcePeer() {
    g_signal_handlers_disconnect_by_data(agent_, this);
    nice_agent_attach_recv(agent_, stream_, 1, driver_.context(), nullptr, nullptr);
    g_object_unref(agent_);
    driver_.rescan();
  }
  FullIcePeer(const FullIcePeer&) = delete;
  FullIcePeer& operator=(const FullIcePeer&) = delete;

  // The lite agent's values, as its SDP would carry them: checks start.
  void connect_to(const std::string& ufrag, const std::string& pwd, const std::string& candidate) {
    nice_agent_set_remote_credentials(agent_, stream_, ufrag.c_str(), pwd.c_str());
    NiceCandidate* c = nice_agent_parse_remote_candidate_sdp(agent_, stream_, ("a=" + candidate).c_str());
    if (c == nullptr) throw std::runtime_error("peer: bad candidate " + candidate);
    GSList list{c, nullptr};
    nice_agent_set_remote_candidates(agent_, stream_, 1, &list);
    nice_candidate_free(c);
    driver_.wake();
  }
  bool send(const std::vector<std::uint8_t>& d) {
    return nice_agent_send(agent_, stream_, 1, static_cast<guint>(d.size()), reinterpret_cast<const gchar*>(d.data())) >
           0;
  }

  const std::string& ufrag() const { return ufrag_; }
  const std::string& pwd() const { return pwd_; }
  const std::vector<std::string>& candidates() const { return candidates_; }
  bool ready() const { return state_ == NICE_COMPONENT_STATE_READY; }
  guint state() const { return state_; }
  const std::vector<std::vector<std::uint8_t>>& received() const { return received_; }
  std::vector<std::vector<std::uint8_t>> take_received() { return std::exchange(received_, {}); }

 private:
  static void on_state(NiceAgent*, guint, guint, guint state, gpointer self) {
    static_cast<FullIcePeer*>(self)->state_ = state;
  }
  static void on_receive(NiceAgent*, guint, guint, guint len, gchar* buf, gpointer self) {
    static_cast<FullIcePeer*>(self)->received_.emplace_back(buf, buf + len);
  }

  MainContextDriver& driver_;
  NiceAgent* agent_ = nullptr;
  guint stream_ = 0;
  guint state_ = NICE_COMPONENT_STATE_DISCONNECTED;
  std::string ufrag_, pwd_;
  std::vector<std::string> candidates_;
  std::vector<std::vector<std::uint8_t>> received_;
};

}  // namespace imsbox::agw::webrtc::test
