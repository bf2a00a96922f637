#include "mrf/mrf.h"

#include "ims/box.h"
#include "mrf/mrf_service.h"
#include "mrf/prompt_store.h"
#include "mrf/media/media_engine.h"
#include "mrf/ua_stack.h"
#include "runtime/config.h"
#include "runtime/log.h"
#include "runtime/loop_timer.h"
#include "runtime/timer_queue.h"
#include "store/ivr_menu_table.h"

namespace imsbox::mrf {

MediaEngineFactory default_media_engine() {
  return [](runtime::NodeContext& ctx, runtime::TimerQueue&) -> std::unique_ptr<MediaEngine> {
    return std::make_unique<media::RtpMediaEngine>(ctx.io, media::rtp_engine_settings(ctx.config), ctx.log);
  };
}

Mrf::Mrf(runtime::NodeContext& ctx, MediaEngineFactory engine) : ctx_(ctx), make_engine_(std::move(engine)) {}

Mrf::~Mrf() = default;

void Mrf::start() {
  const auto& c = ctx_.config;
  sip::ua::UaStackConfig sc;
  const auto& address = c.str("global.bind_address");
  const auto port = c.port("mrf.sip_port");
  sc.transport.listeners.push_back({sip::Transport::udp, address, port, {}});
  sc.transport.listeners.push_back({sip::Transport::tcp, address, port, {}});
  sc.advertised_host = ims::advertised_host(c);
  sc.ua.allow = "INVITE, ACK, CANCEL, BYE, OPTIONS, PRACK, UPDATE, INFO, NOTIFY";
  // The config outlives the node (NodeContext): the box's names resolve to it.
  sc.ua.resolve = [&c](std::string_view host) { return ims::resolve_box_host(c, host); };

  MrfServiceDeps deps;
  deps.log = &ctx_.log;
  deps.echo_delay = std::chrono::milliseconds(c.integer("mrf.echo_delay_ms"));
  deps.prompt = [store = prompt_store_of(c)](std::string_view name, int rate) { return store.find(name, rate); };
  deps.menu = [this](std::string_view name) -> std::optional<Menu> {
    const auto stored = store::IvrMenuTable(ctx_.store).find(name);
    if (!stored) return std::nullopt;
    auto menu = parse_menu(stored->definition);
    if (auto* e = std::get_if<std::string>(&menu)) {
      ctx_.log.warning("IVR menu " + std::string(name) + " does not parse: " + *e);
      return std::nullopt;
    }
    return std::get<Menu>(std::move(menu));
  };
  timers_ = std::make_unique<runtime::TimerQueue>(ctx_.clock);
  engine_ = make_engine_(ctx_, *timers_);
  deps.engine = engine_.get();
  deps.timers = timers_.get();
  service_ = std::make_unique<MrfService>(std::move(deps));
  stack_ = std::make_unique<sip::ua::UaStack>(ctx_.io, std::move(sc), *service_, *timers_, ctx_.log, ctx_.metrics);
  stack_->start();
  service_->attach(stack_->user_agent());
  ctx_.log.info("Mrf ready for domain " + std::string(c.domain()) + " as " + ims::node_uri(c, "mrf") +
                ": SIP on " + address + ":" + std::to_string(port) + " (UDP, TCP): annc, echo, ivr at mrf." +
                std::string(c.domain()));
}

void Mrf::stop() {
  ctx_.log.info("Mrf stopping");
  if (service_) service_->shutdown();
  if (stack_) stack_->stop();
}

}  // namespace imsbox::mrf
