#include "agw/agw.h"

#include <sys/resource.h>

#include <boost/asio/ip/address.hpp>
#include <boost/asio/signal_set.hpp>
#include <functional>
#include <string>
#include <thread>

#include "agw/descriptor_table.h"
#include "agw/ng/ng_server.h"
#include "agw/port_pool.h"
#include "agw/webrtc/dtls_context.h"
#include "agw/worker.h"
#include "ims/box.h"
#include "mrf/prompt_store.h"
#include "runtime/config.h"
#include "runtime/log.h"
#include "runtime/metrics.h"

namespace imsbox::agw {

namespace {

std::string without_brackets(std::string host) {
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') return host.substr(1, host.size() - 2);
  return host;
}

bool is_ip_literal(const std::string& s) {
  boost::system::error_code ec;
  boost::asio::ip::make_address(s, ec);
  return !ec;
}

bool is_wildcard(const std::string& s) {
  boost::system::error_code ec;
  const auto a = boost::asio::ip::make_address(s, ec);
  return !ec && a.is_unspecified();
}

std::string joined(const auto& items) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : ",") + std::string(i);
  return out;
}

// One line per command, with what the AGW read from it.
void log_request(runtime::Logger& log, const ng::NgRequest& r, std::size_t worker) {
  log.log(runtime::LogLevel::info,
          "ng " + std::string(ng::to_string(r.command)) + ": call-id " + r.call_id + ", from-tag " + r.from_tag +
              (r.to_tag.empty() ? "" : ", to-tag " + r.to_tag) +
              (r.via_branch.empty() ? "" : ", via-branch " + r.via_branch) + ", " + std::to_string(r.sdp.size()) +
              " bytes of SDP, flags [" + joined(r.flags) + "], replace [" + joined(r.replace) + "], ICE [" +
              joined(r.ice) + "], rtcp-mux [" + joined(r.rtcp_mux) + "]" +
              (r.transport_protocol.empty() ? "" : ", transport-protocol " + r.transport_protocol) + " -> worker " +
              std::to_string(worker),
          r.call_id);
}

// Each browser leg holds three descriptors, a phone leg two: lift the soft
// limit to the hard one (Debian's default soft limit of 1024 is a few
// hundred calls).
std::string raise_descriptor_limit() {
  rlimit r{};
  if (getrlimit(RLIMIT_NOFILE, &r) != 0) return "getrlimit failed";
  if (r.rlim_cur >= r.rlim_max) return "open files: " + std::to_string(r.rlim_cur);
  const rlim_t before = r.rlim_cur;
  r.rlim_cur = r.rlim_max;
  if (setrlimit(RLIMIT_NOFILE, &r) != 0) return "open files: " + std::to_string(before) + " (setrlimit failed)";
  return "open files: " + std::to_string(before) + " -> " + std::to_string(r.rlim_cur);
}

// play media by prompt name: the MRF's store (its 16 kHz recordings).
class StorePrompts final : public PromptSource {
 public:
  explicit StorePrompts(mrf::PromptStore store) : store_(std::move(store)) {}
  std::optional<media::WavAudio> find(std::string_view name) const override {
    if (mrf::check_prompt_name(name)) return std::nullopt;  // not a prompt name
    auto samples = store_.find(name, mrf::kPromptRateWideband);
    if (!samples) return std::nullopt;
    media::WavAudio audio;
    audio.sample_rate = mrf::kPromptRateWideband;
    audio.samples = std::move(*samples);
    return audio;
  }

 private:
  mrf::PromptStore store_;
};

}  // namespace

struct Agw::Hangup {
  explicit Hangup(boost::asio::io_context& io) : set(io, SIGHUP) {}
  boost::asio::signal_set set;
};

Agw::Agw(runtime::NodeContext& ctx) : ctx_(ctx) {}

Agw::~Agw() { stop(); }

void Agw::start() {
  const auto& c = ctx_.config;
  const std::uint16_t port_min = c.port("agw.rtp_port_min");
  const std::uint16_t port_max = c.port("agw.rtp_port_max");
  if (port_max <= port_min) throw runtime::ConfigError("agw.rtp_port_max must be above agw.rtp_port_min");
  const std::int64_t complexity = c.integer("agw.opus_complexity");
  if (complexity > 10) throw runtime::ConfigError("agw.opus_complexity must be 0 to 10");
  std::size_t workers = static_cast<std::size_t>(c.integer("agw.workers"));
  if (workers == 0) workers = std::max(1u, std::thread::hardware_concurrency());
  const auto slices = PortPool::split(port_min, port_max, workers);
  if (slices.empty()) {
    throw runtime::ConfigError("agw.rtp_port_min..agw.rtp_port_max holds fewer port pairs than agw.workers");
  }
  const std::string bind = c.str("global.bind_address");
  const std::string advertised = without_brackets(ims::advertised_host(c));
  if (!is_ip_literal(advertised)) {
    throw runtime::ConfigError("global.advertised_address: the AGW needs an IP address for its SDP, not '" +
                               advertised + "'");
  }

  const std::string limit = raise_descriptor_limit();
  // before the workers start: no offer grows the table (descriptor_table.h)
  const std::size_t table = reserve_descriptor_table(media_descriptors(port_min, port_max));
  auto certificate = webrtc::DtlsCertificate::generate();
  auto dtls = std::make_shared<const webrtc::DtlsContext>(certificate);

  auto& media_timeouts = ctx_.metrics.counter("agw_media_timeouts_total", "Calls whose media timed out");
  auto& transcoded = ctx_.metrics.counter("agw_transcoded_calls_total", "Calls that were transcoded");
  auto& calls = ctx_.metrics.gauge("agw_calls", "Calls the AGW holds");
  const auto prompts = std::make_shared<const StorePrompts>(mrf::prompt_store_of(c));
  for (std::size_t i = 0; i < workers; ++i) {
    WorkerSettings s;
    s.index = i;
    s.port_min = slices[i].first;
    s.port_max = slices[i].second;
    s.bind_address = bind;
    s.browser_bind_address = is_wildcard(bind) ? advertised : bind;
    s.advertised_address = advertised;
    s.media.codecs.opus_complexity = static_cast<int>(complexity);
    s.media.transcode.target_delay = std::chrono::milliseconds(c.integer("agw.jitter_target_ms"));
    s.media.transcode.max_delay = std::max(s.media.transcode.max_delay, 2 * s.media.transcode.target_delay);
    s.media_timeout = std::chrono::seconds(c.integer("agw.media_timeout_s"));
    s.log_path = ctx_.log.path();
    s.log_level = static_cast<int>(c.log_level());
    s.media_timeouts = &media_timeouts;
    s.transcoded_calls = &transcoded;
    s.calls = &calls;
    s.prompts = prompts;
    workers_.push_back(std::make_unique<Worker>(std::move(s), dtls, ctx_.clock));
  }
  for (auto& w : workers_) w->start();

  ng::NgServer::Options options;
  options.port = c.port("agw.ng_port");
  ng_ = std::make_unique<ng::NgServer>(
      ctx_.io, options,
      [this](ng::NgRequest r, ng::NgServer::Responder respond) {
        if (r.command == ng::Command::ping) {
          respond(ng::NgReply::pong());
          return;
        }
        // one worker per Call-ID, always the same one
        const std::size_t i = std::hash<std::string>{}(r.call_id) % workers_.size();
        log_request(ctx_.log, r, i);
        workers_[i]->post(std::move(r), std::move(respond));
      },
      ctx_.log, ctx_.metrics, ctx_.clock);
  ng_->start();

  hup_ = std::make_unique<Hangup>(ctx_.io);
  wait_hup();

  ctx_.log.info("Agw ready for domain " + std::string(c.domain()) + ": " + std::to_string(workers) +
                " workers, media on " + bind + " ports " + std::to_string(port_min) + "-" + std::to_string(port_max) +
                " advertised as " + advertised + ", DTLS fingerprint " + certificate->fingerprint().to_sdp() + ", " +
                limit + ", descriptor table " + std::to_string(table));
}

void Agw::wait_hup() {
  hup_->set.async_wait([this](const boost::system::error_code& ec, int) {
    if (ec) return;
    for (auto& w : workers_) w->reopen_log();
    wait_hup();
  });
}

void Agw::stop() {
  if (stopped_) return;
  stopped_ = true;
  ctx_.log.info("Agw stopping");
  if (hup_) hup_->set.cancel();
  if (ng_) ng_->stop();
  for (auto& w : workers_) w->stop();
}

std::string Agw::health() const { return {}; }

}  // namespace imsbox::agw
