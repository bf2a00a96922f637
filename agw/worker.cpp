#include "agw/worker.h"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <optional>
#include <random>

#include "agw/call_table.h"
#include "agw/port_pool.h"
#include "runtime/clock.h"
#include "runtime/log.h"
#include "runtime/metrics.h"

namespace imsbox::agw {

namespace asio = boost::asio;

namespace {
constexpr std::chrono::milliseconds kTick{20};
constexpr std::chrono::seconds kHousekeeping{1};
}  // namespace

struct Worker::Impl {
  Impl(WorkerSettings s, std::shared_ptr<const webrtc::DtlsContext> dtls, const runtime::Clock& clock)
      : settings(std::move(s)),
        clock(clock),
        log("agw", static_cast<runtime::LogLevel>(settings.log_level), settings.log_path, clock),
        ports(settings.port_min, settings.port_max),
        random(std::random_device{}()),
        work(asio::make_work_guard(io)),
        tick_timer(io),
        housekeeping_timer(io),
        context{io,
                log,
                clock,
                ports,
                std::move(dtls),
                settings.bind_address,
                settings.browser_bind_address,
                settings.advertised_address,
                settings.media,
                settings.media_timeout,
                random,
                settings.media_timeouts,
                settings.transcoded_calls,
                settings.prompts.get()},
        table(std::make_unique<CallTable>(context)) {}

  WorkerSettings settings;
  const runtime::Clock& clock;
  runtime::Logger log;
  PortPool ports;
  std::mt19937 random;
  asio::io_context io{1};
  asio::executor_work_guard<asio::io_context::executor_type> work;
  asio::steady_timer tick_timer;
  asio::steady_timer housekeeping_timer;
  WorkerContext context;
  std::unique_ptr<CallTable> table;
  std::chrono::steady_clock::time_point next_tick;
  std::thread thread;
  std::atomic<std::size_t> calls{0};
  bool stopped = false;

  void update_calls() {
    const std::size_t n = table ? table->size() : 0;
    const std::size_t before = calls.exchange(n);
    if (settings.calls != nullptr && n != before) {
      settings.calls->add(static_cast<double>(n) - static_cast<double>(before));
    }
  }

  void schedule_tick() {
    next_tick += kTick;
    const auto now = std::chrono::steady_clock::now();
    if (next_tick < now - 5 * kTick) next_tick = now;  // fell far behind: do not burst to catch up
    tick_timer.expires_at(next_tick);
    tick_timer.async_wait([this](const boost::system::error_code& ec) {
      if (ec || !table) return;
      table->tick();
      schedule_tick();
    });
  }

  void schedule_housekeeping() {
    housekeeping_timer.expires_after(kHousekeeping);
    housekeeping_timer.async_wait([this](const boost::system::error_code& ec) {
      if (ec || !table) return;
      table->housekeeping();
      update_calls();
      schedule_housekeeping();
    });
  }

  void run() {
    next_tick = std::chrono::steady_clock::now();
    schedule_tick();
    schedule_housekeeping();
    for (;;) {
      try {
        io.run();
        return;
      } catch (const std::exception& e) {
        // a handler threw: log it and keep the worker's calls running
        log.log(runtime::LogLevel::error, "worker " + std::to_string(settings.index) + ": " + e.what());
      }
    }
  }
};

Worker::Worker(WorkerSettings settings, std::shared_ptr<const webrtc::DtlsContext> dtls, const runtime::Clock& clock)
    : impl_(std::make_shared<Impl>(std::move(settings), std::move(dtls), clock)) {}

Worker::~Worker() { stop(); }

void Worker::start() {
  impl_->thread = std::thread([impl = impl_.get()] { impl->run(); });
}

void Worker::stop() {
  if (impl_->stopped) return;
  impl_->stopped = true;
  asio::post(impl_->io, [impl = impl_.get()] {
    impl->tick_timer.cancel();
    impl->housekeeping_timer.cancel();
    impl->table.reset();  // the legs close their sockets on this thread
    impl->update_calls();
    impl->work.reset();
  });
  if (impl_->thread.joinable()) {
    impl_->thread.join();
  } else {
    impl_->io.run();  // never started: run the clean-up here
  }
}

void Worker::post(ng::NgRequest request, ng::NgServer::Responder respond) {
  asio::post(impl_->io, [impl = impl_.get(), request = std::move(request), respond = std::move(respond)] {
    if (!impl->table) {
      respond(ng::NgReply::error("the AGW is stopping"));
      return;
    }
    ng::NgReply reply = impl->table->handle(request);
    impl->update_calls();
    respond(std::move(reply));
  });
}

void Worker::reopen_log() {
  asio::post(impl_->io, [impl = impl_.get()] { impl->log.reopen(); });
}

std::size_t Worker::index() const { return impl_->settings.index; }

std::size_t Worker::calls() const { return impl_->calls.load(); }

}  // namespace imsbox::agw
