// `learnflow down`: stops the supervisor (SIGTERM: every pod gracefully, then Prometheus,
// PostgreSQL and Kafka) and checks that no process it started is left.
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <iostream>
#include <memory>
#include <thread>

#include "cli/command.hpp"
#include "cli/commands/platform_state.hpp"

namespace lf::cli {
namespace {

struct DownOptions {
  std::string state_dir;
  int timeout_seconds = 120;
};

bool alive(pid_t pid) { return ::kill(pid, 0) == 0; }

int run_down(const DownOptions& o) {
  auto supervisor = running_supervisor(o.state_dir);
  if (!supervisor) {
    std::cout << "learnflow down: nothing is running for " << o.state_dir << "\n";
  } else {
    std::cout << "stopping the supervisor (pid " << *supervisor << ")\n" << std::flush;
    ::kill(*supervisor, SIGTERM);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(o.timeout_seconds);
    while (alive(*supervisor) && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (alive(*supervisor)) {
      std::cout << "the supervisor did not stop within " << o.timeout_seconds << "s: sending SIGKILL\n";
      ::kill(*supervisor, SIGKILL);
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
    }
  }
  // Anything left (a crashed supervisor's children) is killed, and said so. Recorded pids are
  // not trusted on their own: after the stop they may belong to unrelated processes.
  auto leftovers = processes_using(o.state_dir);
  for (pid_t pid : leftovers) {
    std::cout << "killing leftover process " << pid << "\n";
    ::kill(pid, SIGKILL);
  }
  std::cout << "down: nothing left running; data kept in " << o.state_dir << "\n";
  return kExitOk;
}

RegisterCommand reg{"down", "Stop everything `learnflow up` started (data is kept)", [](CLI::App& cmd) {
  auto o = std::make_shared<DownOptions>();
  add_state_dir_option(cmd, o->state_dir);
  cmd.add_option("--timeout", o->timeout_seconds, "Seconds to wait for a clean stop before SIGKILL (default 120)");
  return [o] { return run_down(*o); };
}};

}  // namespace
}  // namespace lf::cli
