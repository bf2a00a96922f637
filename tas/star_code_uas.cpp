#include "tas/star_code_uas.h"

#include <algorithm>
#include <utility>

#include "runtime/log.h"
#include "sip/response.h"

namespace imsbox::tas {

namespace {

using namespace std::chrono_literals;

std::vector<std::string_view> lines_of(std::string_view text) {
  std::vector<std::string_view> out;
  while (!text.empty()) {
    const auto end = text.find('\n');
    auto line = text.substr(0, end);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    out.push_back(line);
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  return out;
}

std::vector<std::string_view> words_of(std::string_view line) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < line.size()) {
    const auto start = line.find_first_not_of(' ', i);
    if (start == std::string_view::npos) break;
    const auto end = line.find(' ', start);
    out.push_back(line.substr(start, end - start));
    i = end == std::string_view::npos ? line.size() : end;
  }
  return out;
}

}  // namespace

std::string star_code_sdp(std::string_view offer, std::string_view host) {
  const std::string family = host.find(':') != std::string_view::npos ? "IP6" : "IP4";
  std::string address(host);
  if (address.size() > 2 && address.front() == '[') address = address.substr(1, address.size() - 2);
  std::string sdp = "v=0\r\no=- 1 1 IN " + family + " " + address + "\r\ns=-\r\nc=IN " + family + " " + address +
                    "\r\nt=0 0\r\n";
  int media = 0;
  for (const auto line : lines_of(offer)) {
    if (!line.starts_with("m=")) continue;
    const auto words = words_of(line.substr(2));
    if (words.size() < 3) continue;
    // RFC 3264 §6: a rejected stream keeps its media, proto and (at least one) format
    std::string m = "m=" + std::string(words[0]) + " 0 " + std::string(words[2]);
    for (std::size_t i = 3; i < words.size(); ++i) m += " " + std::string(words[i]);
    if (words.size() == 3) m += " 0";
    sdp += m + "\r\n";
    ++media;
  }
  // no offer (or none we could read): ours, one inactive audio stream
  if (media == 0) sdp += "m=audio 9 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=inactive\r\n";
  return sdp;
}

StarCodeUas::StarCodeUas(Io io, runtime::Logger& log) : io_(std::move(io)), log_(log) {}

// The timers and the BYE's callback may outlive us (the proxy stack destroys
// its timer queue and core before its services): they find `alive_` gone and
// do nothing; the queue is not touched here, it may be gone already.
StarCodeUas::~StarCodeUas() = default;

bool StarCodeUas::answer(sip::proxy::ProxyTsxHelper& helper) {
  const auto& invite = helper.request();
  sip::Message ok = sip::make_response(invite, 200, "OK", "sc" + std::to_string(next_tag_++));
  // our Contact: this interface, as its Record-Route would name it, without lr
  std::string contact = helper.inbound().record_route_uri("star-code");
  if (contact.ends_with(";lr>")) contact.replace(contact.size() - 4, 4, ">");
  ok.append(sip::HeaderId::contact, contact);
  ok.append(sip::HeaderId::allow, "INVITE, ACK, BYE, CANCEL");
  const auto* type = invite.find(sip::HeaderId::content_type);
  const bool offer = !invite.body().empty() && type && type->value.find("application/sdp") != std::string_view::npos;
  ok.set_body(star_code_sdp(offer ? invite.body() : std::string_view(), helper.inbound().host), "application/sdp");
  auto dialog = sip::ua::Dialog::from_uas(invite, ok);
  if (!dialog) return false;
  dialog->confirm();
  const auto id = dialog->id();
  Call call{std::move(*dialog), ok.clone(), helper.source(), std::string(invite.call_id()), io_.t1, 0ms, std::nullopt};
  helper.respond(std::move(ok));
  auto [it, inserted] = calls_.insert_or_assign(id, std::move(call));
  schedule(id, it->second);
  return true;
}

void StarCodeUas::schedule(const sip::ua::DialogId& id, Call& call) {
  // the next retransmission, or the end of the 64*T1 wait if that comes first
  const auto delay = std::min(call.interval, 64 * io_.t1 - call.waited);
  call.waited += delay;
  call.timer = io_.timers.schedule_after(delay, [this, alive = std::weak_ptr<int>(alive_), id] {
    if (!alive.expired()) on_timer(id);
  });
}

void StarCodeUas::on_timer(sip::ua::DialogId id) {
  const auto it = calls_.find(id);
  if (it == calls_.end()) return;
  auto& call = it->second;
  call.timer.reset();
  if (call.waited >= 64 * io_.t1) {
    // §13.3.1.4: no ACK within 64*T1: the session ends
    log_.log(runtime::LogLevel::info, "star code call: no ACK for the 200 within 64*T1, BYE", call.call_id);
    send_bye(id, call);
    return;
  }
  io_.send(call.caller, call.ok);
  call.interval = std::min(call.interval * 2, io_.t2);
  schedule(id, call);
}

bool StarCodeUas::on_ack(const sip::Message& ack) {
  const auto id = sip::ua::incoming_dialog_id(ack);
  const auto it = calls_.find(id);
  if (it == calls_.end()) return false;
  auto& call = it->second;
  if (!call.timer) return true;  // a retransmitted ACK: the BYE is out already
  if (ack.cseq().number != call.ok.cseq().number) return false;
  io_.timers.cancel(*call.timer);
  call.timer.reset();
  send_bye(id, call);
  return true;
}

bool StarCodeUas::owns(const sip::Message& request) const {
  return calls_.contains(sip::ua::incoming_dialog_id(request));
}

void StarCodeUas::on_bye(const sip::Message& bye) {
  const auto id = sip::ua::incoming_dialog_id(bye);
  const auto it = calls_.find(id);
  if (it == calls_.end()) return;
  log_.log(runtime::LogLevel::debug, "star code call: the caller hung up first", it->second.call_id);
  forget(id);
}

void StarCodeUas::send_bye(const sip::ua::DialogId& id, Call& call) {
  sip::Message bye = call.dialog.make_request("BYE");
  const std::string call_id = call.call_id;
  const auto done = [this, alive = std::weak_ptr<int>(alive_), id, call_id](const sip::Message& r) {
    if (alive.expired()) return;
    log_.log(runtime::LogLevel::debug, "star code call: BYE answered " + std::to_string(r.status()), call_id);
    forget(id);
  };
  const bool sent = io_.originator.originate(std::move(bye), std::nullopt, done);
  if (!sent) {
    log_.log(runtime::LogLevel::warning, "star code call: the BYE could not be sent (no next hop)", call_id);
    forget(id);
  }
}

void StarCodeUas::forget(const sip::ua::DialogId& id) {
  const auto it = calls_.find(id);
  if (it == calls_.end()) return;
  if (it->second.timer) io_.timers.cancel(*it->second.timer);
  calls_.erase(it);
}

}  // namespace imsbox::tas
