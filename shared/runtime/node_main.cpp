#include "runtime/node_main.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/program_options.hpp>
#include <csignal>
#include <iostream>

#include "runtime/clock.h"
#include "runtime/config.h"
#include "runtime/health_server.h"
#include "runtime/log.h"
#include "runtime/metrics.h"
#include "store/database.h"

namespace imsbox::runtime {

namespace po = boost::program_options;

namespace {

struct CommandLine {
  std::string config_file;
  std::string data_dir;
  std::string log_file;
};

// Throws po::error on a bad command line.
CommandLine parse_command_line(std::string_view name, int argc, char** argv, bool& help) {
  CommandLine cl;
  po::options_description desc("ims-" + std::string(name) + " options");
  desc.add_options()("help,h", "show this help")(
      "config", po::value(&cl.config_file), "imsbox.conf to read (default: <data dir>/imsbox.conf if it exists)")(
      "data-dir", po::value(&cl.data_dir), "data directory (overrides global.data_dir)")(
      "log-file", po::value(&cl.log_file), "log file, '-' for stderr (default: <data dir>/log/<node>.log)");
  po::variables_map vm;
  po::store(po::command_line_parser(argc, argv).options(desc).run(), vm);
  po::notify(vm);
  help = vm.count("help") > 0;
  if (help) std::cout << desc;
  return cl;
}

}  // namespace

int run_node(std::string_view name, int argc, char** argv, const NodeFactory& make_node) {
  const std::string node_name(name);
  CommandLine cl;
  try {
    bool help = false;
    cl = parse_command_line(name, argc, argv, help);
    if (help) return 0;
  } catch (const po::error& e) {
    std::cerr << "ims-" << node_name << ": " << e.what() << "\n";
    return 2;
  }

  std::optional<Config> config;
  try {
    config = resolve_config(cl.config_file, cl.data_dir).config;
  } catch (const ConfigError& e) {
    std::cerr << "ims-" << node_name << ": configuration error: " << e.what() << "\n";
    return 2;
  }

  SystemClock clock;
  const auto data_dir = config->data_dir();
  std::filesystem::path log_path;
  if (cl.log_file != "-") {
    log_path = cl.log_file.empty() ? data_dir / "log" / (node_name + ".log") : std::filesystem::path(cl.log_file);
  }
  std::unique_ptr<Logger> log;
  try {
    if (!log_path.empty()) std::filesystem::create_directories(log_path.parent_path());
    log = std::make_unique<Logger>(node_name, config->log_level(), log_path, clock);
  } catch (const std::exception& e) {
    std::cerr << "ims-" << node_name << ": " << e.what() << "\n";
    return 1;
  }

  try {
    auto db = store::Database::open(config->path("store.path"), node_name,
                                    std::chrono::milliseconds(config->integer("store.busy_timeout_ms")));
    boost::asio::io_context io(1);
    Metrics metrics;
    metrics.gauge("process_start_time_seconds", "Start time of the process since the Unix epoch in seconds")
        .set(static_cast<double>(
            std::chrono::duration_cast<std::chrono::seconds>(clock.wall_now().time_since_epoch()).count()));
    metrics.gauge("imsbox_build_info", "imsbox build; the value is always 1", {{"node", node_name}, {"version", IMSBOX_VERSION}})
        .set(1);
    metrics.gauge("imsbox_store_schema_version", "Schema version of the store this node opened")
        .set(db.schema_version());
    Counter& loop_errors = metrics.counter("imsbox_loop_errors_total",
                                           "Exceptions that escaped a handler of the event loop");

    NodeContext ctx{io, *config, *log, metrics, clock, db};
    auto node = make_node(ctx);

    HealthServer health(
        io, config->str("global.health_address"), config->port(node_name + ".health_port"), metrics,
        [&]() -> std::string {
          try {
            db.prepare("SELECT 1").run();
          } catch (const store::StoreError& e) {
            return std::string("store unavailable: ") + e.what();
          }
          return node->health();
        },
        *log, node->pages());
    health.start();

    bool stopping = false;
    boost::asio::signal_set hup(io, SIGHUP);
    boost::asio::signal_set stop_signals(io, SIGTERM, SIGINT);
    stop_signals.async_wait([&](const boost::system::error_code& ec, int signo) {
      if (ec) return;
      stopping = true;
      log->info(std::string("received ") + (signo == SIGTERM ? "SIGTERM" : "SIGINT") + ", stopping");
      node->stop();
      health.stop();
      hup.cancel();
      io.stop();
    });
    std::function<void()> wait_hup = [&]() {
      hup.async_wait([&](const boost::system::error_code& ec, int) {
        if (ec) return;
        if (log->reopen()) log->info("log file reopened");
        wait_hup();
      });
    };
    wait_hup();

    node->start();
    log->info("started: health and metrics on http://" + config->str("global.health_address") + ":" +
              std::to_string(health.port()) + "/, store schema " + std::to_string(db.schema_version()));
    const auto run_guarded = [&](auto&& run) {
      while (true) {
        try {
          run();
          return;
        } catch (const std::exception& e) {
          // Policy: handlers do not throw. One that does is a bug; count it,
          // log it and keep serving rather than take the node down.
          loop_errors.inc();
          log->error(std::string("event loop handler threw: ") + e.what());
        }
      }
    };
    run_guarded([&] { io.run(); });
    if (stopping) {
      // Let the completions of what stop() closed run, for a bounded time.
      io.restart();
      run_guarded([&] { io.run_for(std::chrono::seconds(2)); });
    }
    log->info("stopped");
    return 0;
  } catch (const std::exception& e) {
    log->error(std::string("cannot start: ") + e.what());
    std::cerr << "ims-" << node_name << ": cannot start: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace imsbox::runtime
