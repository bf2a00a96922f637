#include "supervisor/supervisor.h"

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <csignal>
#include <cstring>

#include "runtime/log.h"
#include "supervisor/restart_backoff.h"
#include "supervisor/state_file.h"

namespace imsbox::supervisor {

namespace asio = boost::asio;
using namespace std::chrono;

namespace {

std::string describe_exit(int status) {
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    const char* name = sigabbrev_np(WTERMSIG(status));
    return std::string("was killed by SIG") + (name ? name : std::to_string(WTERMSIG(status)).c_str());
  }
  return "ended (status " + std::to_string(status) + ")";
}

std::int64_t unix_now() { return duration_cast<seconds>(system_clock::now().time_since_epoch()).count(); }

}  // namespace

struct Supervisor::Impl {
  struct Child {
    Child(asio::io_context& io, std::string n, const SupervisorOptions& o)
        : name(std::move(n)), backoff(o.backoff_initial, o.backoff_max, o.stable_after), restart_timer(io) {}
    std::string name;
    pid_t pid = 0;
    steady_clock::time_point started;
    std::int64_t started_unix = 0;
    int restarts = 0;
    std::string state = "starting";
    RestartBackoff backoff;
    asio::steady_timer restart_timer;
  };

  Impl(asio::io_context& io, SupervisorOptions o, runtime::Logger& l)
      : io(io), options(std::move(o)), log(l), signals(io, SIGCHLD, SIGTERM, SIGINT), hup(io, SIGHUP), kill_timer(io) {
    for (const auto& n : options.nodes) children.push_back(std::make_unique<Child>(io, n, options));
  }

  void spawn(Child& c) {
    // Everything the child needs is prepared before fork: after it, only
    // async-signal-safe calls.
    const std::string exe = (options.bin_dir / ("ims-" + c.name)).string();
    const std::string log_path = (options.data_dir / "log" / (c.name + ".log")).string();
    std::vector<std::string> args = {exe, "--data-dir", options.data_dir.string()};
    if (options.config_file) {
      args.push_back("--config");
      args.push_back(options.config_file->string());
    }
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    const pid_t parent = getpid();

    const pid_t pid = fork();
    if (pid < 0) {
      log.error("cannot start " + c.name + ": fork: " + std::strerror(errno));
      schedule_restart(c, milliseconds(0));
      return;
    }
    if (pid == 0) {
      prctl(PR_SET_PDEATHSIG, SIGTERM);
      if (getppid() != parent) _exit(1);
      sigset_t none;
      sigemptyset(&none);
      sigprocmask(SIG_SETMASK, &none, nullptr);
      const int in = open("/dev/null", O_RDONLY);
      const int out = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      if (in >= 0) dup2(in, STDIN_FILENO);
      if (out >= 0) {
        dup2(out, STDOUT_FILENO);
        dup2(out, STDERR_FILENO);
      }
      execv(exe.c_str(), argv.data());
      static constexpr char msg[] = "supervisor: exec failed\n";
      (void)!write(STDERR_FILENO, msg, sizeof msg - 1);
      _exit(127);
    }
    c.pid = pid;
    c.started = steady_clock::now();
    c.started_unix = unix_now();
    c.state = "running";
    log.info("started " + c.name + " (pid " + std::to_string(pid) + ")");
    write_state();
  }

  void schedule_restart(Child& c, milliseconds delay) {
    c.state = "restarting";
    c.restart_timer.expires_after(delay);
    c.restart_timer.async_wait([this, &c](const boost::system::error_code& ec) {
      if (ec || stopping) return;
      ++c.restarts;
      spawn(c);
    });
    write_state();
  }

  void reap() {
    int status = 0;
    pid_t pid;
    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
      for (auto& c : children) {
        if (c->pid != pid) continue;
        c->pid = 0;
        const auto ran = duration_cast<milliseconds>(steady_clock::now() - c->started);
        if (stopping) {
          c->state = "stopped";
          log.info(c->name + " stopped");
        } else {
          const auto delay = c->backoff.on_exit(ran);
          log.warning(c->name + " (pid " + std::to_string(pid) + ") " + describe_exit(status) + " after " +
                      std::to_string(ran.count()) + " ms; restarting in " + std::to_string(delay.count()) + " ms");
          schedule_restart(*c, delay);
        }
      }
    }
    if (stopping) {
      write_state();
      finish_if_done();
    }
  }

  void stop(const char* why) {
    if (stopping) return;
    stopping = true;
    log.info(std::string(why) + ": stopping every node");
    for (auto& c : children) {
      c->restart_timer.cancel();
      if (c->pid > 0) {
        kill(c->pid, SIGTERM);
        c->state = "stopping";
      } else {
        c->state = "stopped";
      }
    }
    write_state();
    kill_timer.expires_after(options.stop_timeout);
    kill_timer.async_wait([this](const boost::system::error_code& ec) {
      if (ec) return;
      for (auto& c : children) {
        if (c->pid > 0) {
          log.warning(c->name + " did not stop within " + std::to_string(options.stop_timeout.count()) +
                      " ms; killing it");
          kill(c->pid, SIGKILL);
        }
      }
    });
    finish_if_done();
  }

  void finish_if_done() {
    for (auto& c : children) {
      if (c->pid > 0) return;
    }
    kill_timer.cancel();
    signals.cancel();
    hup.cancel();
    std::error_code ignored;
    std::filesystem::remove(state_path(), ignored);
    log.info("every node stopped");
  }

  void wait_signals() {
    signals.async_wait([this](const boost::system::error_code& ec, int signo) {
      if (ec) return;
      if (signo == SIGCHLD) {
        reap();
      } else {
        stop(signo == SIGTERM ? "SIGTERM" : "SIGINT");
      }
      if (!done()) wait_signals();
    });
  }

  void wait_hup() {
    hup.async_wait([this](const boost::system::error_code& ec, int) {
      if (ec) return;
      for (auto& c : children) {
        if (c->pid > 0) kill(c->pid, SIGHUP);
      }
      log.reopen();
      wait_hup();
    });
  }

  bool done() const {
    if (!stopping) return false;
    for (auto& c : children) {
      if (c->pid > 0) return false;
    }
    return true;
  }

  std::filesystem::path state_path() const { return options.data_dir / "run" / "supervisor.state"; }

  void write_state() {
    std::vector<NodeState> states;
    for (auto& c : children) states.push_back({c->name, c->pid, c->started_unix, c->restarts, c->state});
    for (auto& n : options.disabled_nodes) states.push_back({n, 0, 0, 0, "disabled"});
    try {
      write_state_file(state_path(), states);
    } catch (const std::exception& e) {
      log.error(std::string("cannot write the state file: ") + e.what());
    }
  }

  asio::io_context& io;
  SupervisorOptions options;
  runtime::Logger& log;
  asio::signal_set signals;
  asio::signal_set hup;
  asio::steady_timer kill_timer;
  std::vector<std::unique_ptr<Child>> children;
  bool stopping = false;
};

Supervisor::Supervisor(asio::io_context& io, SupervisorOptions options, runtime::Logger& log)
    : impl_(std::make_unique<Impl>(io, std::move(options), log)) {}

Supervisor::~Supervisor() = default;

void Supervisor::start() {
  impl_->wait_signals();
  impl_->wait_hup();
  for (auto& c : impl_->children) impl_->spawn(*c);
}

}  // namespace imsbox::supervisor
