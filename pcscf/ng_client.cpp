#include "pcscf/ng_client.h"

#include "runtime/log.h"

namespace imsbox::pcscf {

NgAnswer NgAnswer::failed(Status status, std::string reason) {
  NgAnswer a;
  a.status_ = status;
  a.error_ = std::move(reason);
  return a;
}

NgAnswer NgAnswer::decode(std::string_view dictionary) {
  NgAnswer a;
  a.bytes_ = std::make_unique<std::string>(dictionary);
  const std::string_view bytes = *a.bytes_;
  // rtpengine answers in the format it was asked in (bencode from us); a
  // JSON reply is read too
  auto decoded = !bytes.empty() && bytes.front() == '{' ? agw::ng::decode_json(bytes) : agw::ng::decode_bencode(bytes);
  if (!decoded.document) {
    a.status_ = Status::error;
    a.error_ = "malformed reply (" + decoded.error + ")";
    return a;
  }
  a.document_ = std::make_shared<agw::ng::Document>(std::move(*decoded.document));
  const auto root = a.document_->root();
  if (!root.is_dictionary()) {
    a.status_ = Status::error;
    a.error_ = "malformed reply (not a dictionary)";
    return a;
  }
  const auto result = root.get("result");
  const std::string_view r = result ? result->str() : std::string_view();
  if (r == "ok" || r == "pong") {
    a.status_ = Status::ok;
    return a;
  }
  a.status_ = Status::error;
  if (const auto reason = root.get("error-reason"); reason && reason->is_string() && !reason->str().empty()) {
    a.error_ = std::string(reason->str());
  } else if (r.empty()) {
    a.error_ = "reply without a result";
  } else {
    a.error_ = "result " + std::string(r);  // e.g. rtpengine's "load limit"
  }
  return a;
}

std::optional<agw::ng::Value> NgAnswer::root() const {
  if (!document_) return std::nullopt;
  return document_->root();
}

std::optional<agw::ng::Value> NgAnswer::get(std::string_view key) const {
  const auto r = root();
  if (!r || !r->is_dictionary()) return std::nullopt;
  return r->get(key);
}

std::string_view NgAnswer::string(std::string_view key) const {
  const auto v = get(key);
  return v ? v->str() : std::string_view();
}

NgClient::NgClient(NgClientOptions options, Send send, runtime::TimerQueue& timers, runtime::Logger& log,
                   std::string cookie_prefix)
    : options_(std::move(options)),
      send_(std::move(send)),
      timers_(timers),
      log_(log),
      cookie_prefix_(std::move(cookie_prefix)) {
  if (options_.tries == 0) options_.tries = 1;
}

NgClient::~NgClient() {
  for (auto& [id, p] : pending_) timers_.cancel(p.timer);
}

NgClient::RequestId NgClient::request(std::string dictionary, std::string label, std::string call_id, Callback done) {
  const RequestId id = next_id_++;
  Pending p;
  p.datagram = cookie_prefix_ + "_" + std::to_string(id) + " " + dictionary;
  p.label = std::move(label);
  p.call_id = std::move(call_id);
  p.done = std::move(done);
  pending_.emplace(id, std::move(p));
  transmit(id);
  return id;
}

void NgClient::cancel(RequestId id) {
  const auto it = pending_.find(id);
  if (it == pending_.end()) return;
  timers_.cancel(it->second.timer);
  pending_.erase(it);
}

void NgClient::transmit(RequestId id) {
  auto it = pending_.find(id);
  if (it == pending_.end()) return;
  auto& p = it->second;
  if (p.sent >= options_.tries) {
    log_.log(runtime::LogLevel::warning,
             "ng " + p.label + " to the AGW at " + options_.peer + ": no answer after " + std::to_string(p.sent) +
                 " tries",
             p.call_id);
    finish(id, NgAnswer::failed(NgAnswer::Status::timeout, "no answer from the AGW at " + options_.peer));
    return;
  }
  ++p.sent;
  if (!send_(p.datagram)) {
    // the socket refused (no AGW bound on loopback shows as a refused send
    // or an ICMP error later): that is the answer, after a turn of the loop
    log_.log(runtime::LogLevel::warning, "ng " + p.label + " to the AGW at " + options_.peer + ": cannot send",
             p.call_id);
    p.timer = timers_.schedule_after(std::chrono::microseconds(0), [this, id] {
      finish(id, NgAnswer::failed(NgAnswer::Status::error, "cannot send to the AGW at " + options_.peer));
    });
    return;
  }
  p.timer = timers_.schedule_after(options_.retry_interval, [this, id] { transmit(id); });
}

void NgClient::finish(RequestId id, NgAnswer answer) {
  auto it = pending_.find(id);
  if (it == pending_.end()) return;
  timers_.cancel(it->second.timer);
  auto done = std::move(it->second.done);
  pending_.erase(it);
  if (done) done(std::move(answer));
}

void NgClient::on_datagram(std::string_view datagram) {
  const auto space = datagram.find(' ');
  if (space == std::string_view::npos) {
    log_.warning("ng: a datagram from the AGW without a cookie (" + std::to_string(datagram.size()) +
                 " bytes): ignored");
    return;
  }
  const auto cookie = datagram.substr(0, space);
  const std::string prefix = cookie_prefix_ + "_";
  RequestId id = 0;
  if (cookie.size() > prefix.size() && cookie.substr(0, prefix.size()) == prefix) {
    for (const char c : cookie.substr(prefix.size())) {
      if (c < '0' || c > '9' || id > (UINT64_MAX - 9) / 10) {
        id = 0;
        break;
      }
      id = id * 10 + static_cast<RequestId>(c - '0');
    }
  }
  const auto it = id ? pending_.find(id) : pending_.end();
  if (it == pending_.end()) {
    // a second answer to a resent request, or a late one after its timeout
    log_.debug("ng: an answer for no pending request (cookie " + std::string(cookie) + "): ignored");
    return;
  }
  auto answer = NgAnswer::decode(datagram.substr(space + 1));
  if (!answer.ok()) {
    log_.log(runtime::LogLevel::warning,
             "ng " + it->second.label + " to the AGW at " + options_.peer + ": " + answer.error_reason(),
             it->second.call_id);
  } else if (const auto warning = answer.string("warning"); !warning.empty()) {
    log_.log(runtime::LogLevel::info, "ng " + it->second.label + ": warning from the AGW: " + std::string(warning),
             it->second.call_id);
  }
  finish(id, std::move(answer));
}

}  // namespace imsbox::pcscf
