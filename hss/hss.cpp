#include "hss/hss.h"

#include <boost/algorithm/string.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <chrono>

#include "diameter/diameter_stack.h"
#include "hss/authentication_centre.h"
#include "hss/cx_service.h"
#include "hss/hss_initiated.h"
#include "hss/provisioning_api.h"
#include "hss/sbi_api.h"
#include "ims/box.h"
#include "runtime/clock.h"
#include "runtime/config.h"
#include "runtime/http_server.h"
#include "runtime/log.h"
#include "runtime/loop_timer.h"
#include "runtime/timer_queue.h"
#include "sbi/http2_server.h"
#include "store/database.h"

namespace imsbox::hss {

namespace {

// How often the store is looked at for profile changes and deregistration
// requests made by other processes (imsbox subscriber ...).
constexpr std::chrono::milliseconds kPollInterval{500};
// How long an S-CSCF has to answer an RTR or PPR.
constexpr std::chrono::seconds kHssInitiatedTimeout{5};

}  // namespace

Hss::Hss(runtime::NodeContext& ctx) : ctx_(ctx) {}

Hss::~Hss() = default;

void Hss::start() {
  ctx_.log.info("Hss ready for domain " + std::string(ctx_.config.domain()));
  timers_ = std::make_unique<runtime::TimerQueue>(ctx_.clock);
  loop_timer_ = std::make_unique<runtime::LoopTimer>(ctx_.io, *timers_);
  start_cx();
  start_sbi();
  start_provisioning_api();
  run_hss_initiated();
}

void Hss::start_cx() {
  const auto& c = ctx_.config;
  const diameter::StackConfig dc = ims::hss_diameter_config(c);
  diameter_ = std::make_unique<diameter::DiameterStack>(ctx_.io, dc, ctx_.log);

  auc_ = std::make_unique<AuthenticationCentre>(ctx_.store, SqnPolicy(static_cast<unsigned>(c.integer("hss.sqn_ind_bits"))),
                                                system_random());
  const auto now = [&clock = ctx_.clock] {
    return std::chrono::duration_cast<std::chrono::seconds>(clock.wall_now().time_since_epoch()).count();
  };
  cx_ = std::make_unique<CxService>(ctx_.store, *auc_,
                                    CxService::Options{static_cast<std::uint32_t>(c.integer("hss.max_auth_items"))},
                                    now, ctx_.log);
  auto& cx = *cx_;
  diameter_->serve<diameter::UserAuthorizationRequest>(
      [&cx](auto r, auto respond) { respond(cx.user_authorization(r)); });
  diameter_->serve<diameter::MultimediaAuthRequest>([&cx](auto r, auto respond) { respond(cx.multimedia_auth(r)); });
  diameter_->serve<diameter::ServerAssignmentRequest>(
      [&cx](auto r, auto respond) { respond(cx.server_assignment(r)); });
  diameter_->serve<diameter::LocationInfoRequest>([&cx](auto r, auto respond) { respond(cx.location_info(r)); });

  CxPeers peers;
  auto& stack = *diameter_;
  peers.push_profile = [&stack](auto request, auto to, auto done) {
    stack.send<diameter::PushProfileRequest>(std::move(request), std::move(to), kHssInitiatedTimeout, std::move(done));
  };
  peers.terminate_registration = [&stack](auto request, auto to, auto done) {
    stack.send<diameter::RegistrationTerminationRequest>(std::move(request), std::move(to), kHssInitiatedTimeout,
                                                         std::move(done));
  };
  hss_initiated_ = std::make_unique<HssInitiated>(ctx_.store, std::move(peers), now, ctx_.log);

  diameter_->start();
  std::vector<std::string> admitted;
  for (const auto& p : dc.allowed_peers) {
    std::vector<std::string> from = p.addresses;
    if (p.loopback) from.insert(from.begin(), "loopback");
    admitted.push_back(p.identity + " from " + boost::join(from, "/"));
  }
  const std::string host = dc.listen_address.find(':') != std::string::npos ? "[" + dc.listen_address + "]"
                                                                            : dc.listen_address;
  ctx_.log.info("Cx (Diameter) as " + dc.identity + " on TCP " + host + ":" + std::to_string(dc.listen_port) +
                ", peers admitted: " + boost::join(admitted, ", "));
}

void Hss::start_sbi() {
  const auto& address = ctx_.config.str("hss.sbi_address");
  sbi_server_ = std::make_unique<sbi::Http2Server>(ctx_.io, address, ctx_.config.port("hss.sbi_port"),
                                                   sbi::Http2ServerConfig{}, ctx_.log, ctx_.metrics);
  SbiApi(*cx_, ctx_.log).install(*sbi_server_);
  sbi_server_->start();
  ctx_.log.info("SBI (HTTP/2, Nhss_ims style) on http://" +
                (address.find(':') != std::string::npos ? "[" + address + "]" : address) + ":" +
                std::to_string(sbi_server_->port()) + "/");
}

void Hss::start_provisioning_api() {
  ProvisioningApiOptions options;
  options.realm = std::string(ctx_.config.domain());
  options.token = ctx_.config.str("hss.api_token");
  options.default_service_profile = ctx_.config.str("hss.default_service_profile");
  options.log = &ctx_.log;
  // a change made through the API is pushed at once, not at the next poll
  options.on_subscriber_changed = [this](const std::string&) {
    boost::asio::post(ctx_.io, [this] {
      if (!stopping_) hss_initiated_->run();
    });
  };
  // the supplementary-services resources write the TAS's table
  services_store_ = std::make_unique<store::Database>(
      store::Database::open(ctx_.config.path("store.path"), "tas",
                            std::chrono::milliseconds(ctx_.config.integer("store.busy_timeout_ms"))));
  options.services_store = services_store_.get();
  // the IVR-menu resources write the MRF's table
  ivr_store_ = std::make_unique<store::Database>(
      store::Database::open(ctx_.config.path("store.path"), "mrf",
                            std::chrono::milliseconds(ctx_.config.integer("store.busy_timeout_ms"))));
  options.ivr_store = ivr_store_.get();
  api_ = std::make_unique<ProvisioningApi>(ctx_.store, ctx_.clock, std::move(options));
  runtime::HttpServerOptions http;
  http.name = "provisioning API";
  http.max_connections = 32;
  const auto& address = ctx_.config.str("hss.api_address");
  api_server_ = std::make_unique<runtime::HttpServer>(
      ctx_.io, address, ctx_.config.port("hss.api_port"),
      [api = api_.get()](const runtime::HttpRequest& request) { return (*api)(request); }, ctx_.log, http);
  api_server_->start();
  const std::string where = (address.find(':') != std::string::npos ? "[" + address + "]" : address) + ":" +
                            std::to_string(api_server_->port());
  if (ctx_.config.str("hss.api_token").empty()) {
    ctx_.log.warning("provisioning API on http://" + where + "/v1/ refuses every request: hss.api_token is empty");
  } else {
    ctx_.log.info("provisioning API on http://" + where + "/v1/");
  }
}

void Hss::run_hss_initiated() {
  if (stopping_) return;
  hss_initiated_->run();
  timers_->schedule_after(kPollInterval, [this] { run_hss_initiated(); });
}

void Hss::stop() {
  ctx_.log.info("Hss stopping");
  stopping_ = true;
  if (api_server_) api_server_->stop();
  if (sbi_server_) sbi_server_->stop();
  if (diameter_) diameter_->stop();
  loop_timer_.reset();  // nothing scheduled runs any more
}

}  // namespace imsbox::hss
