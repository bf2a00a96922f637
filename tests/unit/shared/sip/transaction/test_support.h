#pragma once
// Fakes and message builders shared by the transaction layer's tests: a
// Sender that records, a TransactionUser that records, a layer on a
// ManualClock, and the SIP messages of a call.
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "runtime/clock.h"
#include "runtime/timer_queue.h"
#include "sip/message.h"
#include "unit/shared/sip/sip_test_text.h"
#include "sip/parser.h"
#include "sip/peer.h"
#include "sip/response.h"
#include "sip/transaction/transaction_layer.h"

namespace imsbox::sip::transaction::test {

using namespace std::chrono_literals;
using std::chrono::milliseconds;

using imsbox::sip::testing::parse;
using imsbox::sip::testing::sip_text;

inline Message copy(const Message& m) { return parse(m.serialize()); }

inline Peer peer(Transport t, const char* address, std::uint16_t port, ConnectionId connection = 0) {
  return Peer{t, boost::asio::ip::make_address(address), port, connection};
}

// ---- a call through a P-CSCF: what the P-CSCF sends downstream ----

inline Message invite(std::string_view branch = "z9hG4bKpcscf1", std::string_view transport = "UDP") {
  return parse(sip_text({"INVITE sip:bob@ims.example.org SIP/2.0",
                         "Via: SIP/2.0/" + std::string(transport) + " pcscf.ims.example.org:5060;branch=" +
                             std::string(branch),
                         "Via: SIP/2.0/UDP 192.0.2.10:5060;received=192.0.2.10;branch=z9hG4bKue1",
                         "Route: <sip:scscf.ims.example.org;lr>",
                         "Route: <sip:orig@scscf.ims.example.org;lr>, <sip:tas.ims.example.org;lr>",
                         "Max-Forwards: 69",
                         "From: \"Alice\" <sip:alice@ims.example.org>;tag=a1",
                         "To: <sip:bob@ims.example.org>",
                         "Call-ID: call-1@192.0.2.10",
                         "CSeq: 314 INVITE",
                         "Contact: <sip:alice@192.0.2.10:5060>",
                         "Content-Type: application/sdp"},
                        "v=0\r\no=- 1 1 IN IP4 192.0.2.10\r\ns=-\r\nc=IN IP4 192.0.2.10\r\nt=0 0\r\n"
                        "m=audio 4000 RTP/AVP 0\r\n"));
}

inline Message options(std::string_view branch = "z9hG4bKpcscf2") {
  return parse(sip_text({"OPTIONS sip:bob@ims.example.org SIP/2.0",
                         "Via: SIP/2.0/UDP pcscf.ims.example.org:5060;branch=" + std::string(branch),
                         "Max-Forwards: 70", "From: <sip:alice@ims.example.org>;tag=o1",
                         "To: <sip:bob@ims.example.org>", "Call-ID: options-1@pcscf", "CSeq: 7 OPTIONS"}));
}

// What the next hop answers: the request's Vias, From, To (+tag), Call-ID, CSeq.
inline Message answer(const Message& request, int status, std::string_view to_tag = "b1") {
  return copy(make_response(request, status, {}, status == 100 ? std::string_view() : to_tag));
}

// ---- requests arriving from a UE (server side) ----

inline const Peer ue = peer(Transport::udp, "192.0.2.10", 5060);

inline Message ue_request(std::string_view method, std::string_view branch, std::uint32_t cseq = 1,
                          std::string_view sent_by = "192.0.2.10:5060", std::string_view to_tag = {},
                          std::string_view call_id = "ue-call-1@192.0.2.10") {
  std::string to = "To: <sip:bob@ims.example.org>";
  if (!to_tag.empty()) to += ";tag=" + std::string(to_tag);
  std::string via = "Via: SIP/2.0/UDP " + std::string(sent_by);
  if (!branch.empty()) via += ";branch=" + std::string(branch);
  return parse(sip_text({std::string(method) + " sip:bob@ims.example.org SIP/2.0", via, "Max-Forwards: 70",
                         "From: <sip:alice@ims.example.org>;tag=ue-tag", to,
                         "Call-ID: " + std::string(call_id),
                         "CSeq: " + std::to_string(cseq) + " " + std::string(method),
                         "Contact: <sip:alice@192.0.2.10:5060>"}));
}

// ---- fakes ----

struct Sent {
  Peer to;
  std::string bytes;
  Message message;
  milliseconds at;
};

class FakeSender final : public Sender {
 public:
  explicit FakeSender(const runtime::Clock& clock) : clock_(clock) {}
  bool send(const Peer& to, const Message& message) override {
    const auto at = std::chrono::duration_cast<milliseconds>(clock_.now().time_since_epoch());
    sent.push_back(Sent{to, message.serialize(), copy(message), at});
    return !fail;
  }
  std::vector<Sent> sent;
  bool fail = false;

 private:
  const runtime::Clock& clock_;
};

struct TuEvent {
  enum class Kind { request, ack, response, stray_response, client_failure, server_failure,
                    client_terminated, server_terminated };
  Kind kind;
  std::uint64_t id = 0;  // client or server transaction id, 0 for strays
  std::optional<Message> message;
  RequestContext context;
  Failure failure = Failure::timeout;
  milliseconds at{};
};

class FakeTu final : public TransactionUser {
 public:
  using Kind = TuEvent::Kind;
  explicit FakeTu(const runtime::Clock& clock) : clock_(clock) {}

  void on_request(ServerTransactionId id, const Message& request, const RequestContext& context) override {
    record(Kind::request, id.value, copy(request)).context = context;
    if (request_hook) request_hook(id, request);
  }
  void on_ack(Message ack, const RequestContext& context) override {
    record(Kind::ack, context.invite ? context.invite->value : 0, std::move(ack)).context = context;
  }
  void on_response(ClientTransactionId id, Message response) override {
    record(Kind::response, id.value, std::move(response));
  }
  void on_stray_response(Message response, const Peer& source) override {
    record(Kind::stray_response, 0, std::move(response)).context.source = source;
  }
  void on_client_failure(ClientTransactionId id, Failure failure, Message response) override {
    record(Kind::client_failure, id.value, std::move(response)).failure = failure;
  }
  void on_server_failure(ServerTransactionId id, Failure failure) override {
    record(Kind::server_failure, id.value, std::nullopt).failure = failure;
  }
  void on_client_terminated(ClientTransactionId id) override { record(Kind::client_terminated, id.value, std::nullopt); }
  void on_server_terminated(ServerTransactionId id) override { record(Kind::server_terminated, id.value, std::nullopt); }

  std::vector<const TuEvent*> of(Kind kind) const {
    std::vector<const TuEvent*> out;
    for (const auto& e : events) {
      if (e.kind == kind) out.push_back(&e);
    }
    return out;
  }
  std::vector<Kind> kinds() const {
    std::vector<Kind> out;
    for (const auto& e : events) out.push_back(e.kind);
    return out;
  }

  std::vector<TuEvent> events;
  std::function<void(ServerTransactionId, const Message&)> request_hook;

 private:
  TuEvent& record(Kind kind, std::uint64_t id, std::optional<Message> m) {
    TuEvent e{kind, id, std::move(m), {}, Failure::timeout,
              std::chrono::duration_cast<milliseconds>(clock_.now().time_since_epoch())};
    events.push_back(std::move(e));
    return events.back();
  }
  const runtime::Clock& clock_;
};

// A layer on a ManualClock that starts at 0 ms.
class LayerTest : public ::testing::Test {
 protected:
  runtime::ManualClock clock;
  runtime::TimerQueue timers{clock};
  FakeSender sender{clock};
  FakeTu tu{clock};
  TransactionLayer layer{sender, tu, timers, TransactionLayer::Options{.timers = {}, .branch_seed = 42}};

  milliseconds now() const { return std::chrono::duration_cast<milliseconds>(clock.now().time_since_epoch()); }

  // Moves the clock forward by d, stopping at every timer deadline on the way
  // so that each timer fires at its own time.
  void run_for(milliseconds d) {
    const auto end = clock.now() + d;
    while (auto next = timers.next_deadline()) {
      if (*next > end) break;
      if (*next > clock.now()) clock.advance(std::chrono::duration_cast<std::chrono::microseconds>(*next - clock.now()));
      timers.fire_due();
    }
    if (end > clock.now()) clock.advance(std::chrono::duration_cast<std::chrono::microseconds>(end - clock.now()));
  }

  std::vector<milliseconds> send_times() const {
    std::vector<milliseconds> out;
    for (const auto& s : sender.sent) out.push_back(s.at);
    return out;
  }
};

}  // namespace imsbox::sip::transaction::test
