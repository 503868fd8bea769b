// `learnflow up [-f DIR] [-d]`: lint, then run the manifests on this machine (src/platform).
// Without -d it stays in the foreground until Ctrl-C and then stops everything. With -d it starts
// a supervisor daemon (this binary with --supervise), follows its progress, and returns once ready.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <thread>

#include "cli/command.hpp"
#include "cli/commands/platform_state.hpp"
#include "core/text_file.hpp"
#include "lint/lint.hpp"
#include "platform/platform.hpp"

namespace lf::cli {
namespace {
namespace fs = std::filesystem;

struct UpOptions {
  std::string manifests = "deploy";
  bool detach = false;
  bool supervise = false;  // internal: the daemon started by -d
  std::string state_dir;
  std::string bin_dir;
  std::vector<std::string> images;
  int frontend_port = 8080;
  int prometheus_port = 9090;
  int metrics_port = 3000;  // dashboards at :3000, where a port-forwarded Grafana would be
  bool no_prometheus = false;
  bool kafka_fault_proxy = false;
  std::string namespace_name = "default";
  int ready_timeout_seconds = 300;
};

std::atomic<bool> g_stop{false};
void on_signal(int) { g_stop = true; }

std::string executable_path() {
  std::error_code ec;
  return fs::read_symlink("/proc/self/exe", ec).string();
}

void print_summary(const platform::ClusterSnapshot& s, std::ostream& out) {
  out << "\nLearnFlow is up.\n";
  for (const auto& svc : s.services) out << "  service/" << svc.name << "  " << svc.url << "\n";
  for (const auto& i : s.infrastructure)
    out << "  " << i.name << "  " << (i.url.empty() ? i.address : i.url) << "\n";
  out << "  platform metrics  " << s.metrics_url << "\n";
  out << "Status: learnflow status    Logs: learnflow logs NAME    Stop: learnflow down\n" << std::flush;
}

// What is not ready, and the end of each unready container's log (its exits and probe failures
// are written there too): enough to see why from a CI log alone.
void print_not_ready(const platform::ClusterSnapshot& s, const platform::StateLayout& layout, std::ostream& out) {
  for (const auto& i : s.infrastructure)
    if (!i.ready) out << "    " << i.name << ": not ready\n";
  for (const auto& d : s.deployments)
    if (d.ready_replicas < d.spec_replicas)
      out << "    deployment/" << d.name << ": " << d.ready_replicas << " of " << d.spec_replicas << " ready\n";
  for (const auto& pod : s.pods) {
    if (pod.ready) continue;
    out << "    pod/" << pod.name << ": not ready, " << pod.restarts << " restart(s)\n";
    for (const auto& c : pod.containers) {
      const auto& status = c.status;
      out << "      container " << status.name << ": " << (status.running ? "running" : "not running") << ", "
          << (status.ready ? "ready" : "not ready");
      if (!status.last_exit.empty()) out << ", last exit: " << status.last_exit;
      out << "\n";
      if (status.ready) continue;
      for (const auto& line : last_lines(layout.pod_log(pod.name, status.name), 8)) out << "        | " << line << "\n";
    }
  }
}

// Runs the platform in this process until SIGINT/SIGTERM.
int run_supervisor(const UpOptions& o) {
  platform::PlatformOptions options;
  options.manifests_dir = o.manifests;
  options.state_dir = o.state_dir;
  options.images.bin_dir = o.bin_dir.empty() ? fs::path(executable_path()).parent_path().string() : o.bin_dir;
  for (const auto& mapping : o.images) {
    const auto eq = mapping.find('=');
    if (eq == std::string::npos) {
      std::cerr << "learnflow up: --image wants IMAGE=PATH, not " << mapping << "\n";
      return kExitUsage;
    }
    options.images.overrides[mapping.substr(0, eq)] = platform::absolute_path(mapping.substr(eq + 1));
  }
  options.frontend_port = o.frontend_port;
  options.prometheus_port = o.prometheus_port;
  options.metrics_port = o.metrics_port;
  options.prometheus = !o.no_prometheus;
  options.kafka_fault_proxy = o.kafka_fault_proxy;
  options.namespace_name = o.namespace_name;
  options.progress = [](const std::string& line) { std::cout << "  " << line << "\n" << std::flush; };

  platform::StateLayout layout{platform::absolute_path(o.state_dir)};
  fs::create_directories(layout.root + "/logs");
  {
    std::ofstream pid(layout.pid_file(), std::ios::trunc);
    pid << ::getpid() << "\n";
  }
  struct sigaction action {};
  action.sa_handler = on_signal;
  ::sigaction(SIGINT, &action, nullptr);
  ::sigaction(SIGTERM, &action, nullptr);

  auto desired = platform::load_desired_state(o.manifests);
  if (!desired) {
    std::cout << "learnflow up: " << desired.error().message << "\n";
    fs::remove(layout.pid_file());
    return kExitFailure;
  }
  auto started = platform::Platform::start(options, std::move(*desired));
  if (!started) {
    std::cout << "learnflow up failed: " << started.error().message << "\n" << std::flush;
    fs::remove(layout.pid_file());
    return kExitFailure;
  }
  auto& platform = *started;
  std::cout << "  waiting for every pod to be ready\n" << std::flush;
  bool announced = false;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(o.ready_timeout_seconds);
  while (!g_stop) {
    platform->reconcile();
    if (!announced) {
      auto snapshot = platform->snapshot();
      if (snapshot.ready) {
        platform->write_status();  // `learnflow status` right after `up -d` sees the ready state
        print_summary(snapshot, std::cout);
        std::cout << "READY\n" << std::flush;
        announced = true;
      } else if (std::chrono::steady_clock::now() > deadline) {
        // The details first: `up -d` stops following at the "learnflow up: " line.
        std::cout << "  not ready after " << o.ready_timeout_seconds << "s:\n";
        print_not_ready(platform->snapshot(), layout, std::cout);
        std::cout << "learnflow up: not every pod became ready within " << o.ready_timeout_seconds
                  << "s; see `learnflow status` and `learnflow logs POD` (still running)\n" << std::flush;
        announced = true;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  std::cout << "stopping every pod and the infrastructure\n" << std::flush;
  platform->shutdown();
  fs::remove(layout.pid_file());
  std::cout << "stopped\n" << std::flush;
  return kExitOk;
}

// Starts the supervisor as a daemon (double fork, own session) with its output in the state
// directory; prints its progress until it reports READY or exits.
int run_detached(const UpOptions& o, const std::vector<std::string>& supervisor_args) {
  platform::StateLayout layout{platform::absolute_path(o.state_dir)};
  fs::create_directories(layout.root + "/logs");
  fs::remove(layout.status_file());
  const std::string log = layout.supervisor_log();
  std::ofstream(log, std::ios::trunc).close();
  const std::string exe = executable_path();

  const pid_t child = ::fork();
  if (child < 0) {
    std::cerr << "learnflow up: fork failed\n";
    return kExitFailure;
  }
  if (child == 0) {
    ::setsid();
    if (::fork() != 0) ::_exit(0);
    int null_fd = ::open("/dev/null", O_RDONLY);
    int log_fd = ::open(log.c_str(), O_WRONLY | O_APPEND | O_CREAT, 0644);
    ::dup2(null_fd, 0);
    ::dup2(log_fd, 1);
    ::dup2(log_fd, 2);
    std::vector<char*> argv;
    argv.push_back(const_cast<char*>(exe.c_str()));
    for (const auto& a : supervisor_args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(exe.c_str(), argv.data());
    ::_exit(127);
  }
  int status = 0;
  ::waitpid(child, &status, 0);

  std::ifstream follow(log);
  std::string line;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(o.ready_timeout_seconds + 120);
  bool saw_pid = false;
  while (std::chrono::steady_clock::now() < deadline) {
    while (std::getline(follow, line)) {
      if (line == "READY") {
        auto pid = running_supervisor(o.state_dir);
        std::cout << "supervisor running in the background (pid " << (pid ? *pid : 0) << "), log " << log << "\n";
        return kExitOk;
      }
      std::cout << line << "\n" << std::flush;
      if (line.rfind("learnflow up failed", 0) == 0 || line.rfind("learnflow up: ", 0) == 0) return kExitFailure;
    }
    follow.clear();
    const bool alive = running_supervisor(o.state_dir).has_value();
    saw_pid = saw_pid || alive;
    if (saw_pid && !alive) {
      std::cout << "learnflow up: the supervisor exited; see " << log << "\n";
      return kExitFailure;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  std::cout << "learnflow up: not ready in time; it keeps running (learnflow status, learnflow down)\n";
  return kExitFailure;
}

int run_up(const UpOptions& o, const std::vector<std::string>& supervisor_args) {
  if (!o.supervise) {
    auto diags = lint::lint({o.manifests});
    if (diags.has_errors()) {
      for (const auto& d : diags.all()) std::cout << d.str() << "\n";
      std::cout << "learnflow up: refusing to start: " << diags.error_count()
                << " error(s) in the manifests (learnflow lint " << o.manifests << ")\n";
      return kExitFailure;
    }
    std::cout << "lint: " << o.manifests << " is clean (" << diags.warning_count() << " warning(s))\n";
    if (auto pid = running_supervisor(o.state_dir)) {
      std::cout << "learnflow up: already running (supervisor pid " << *pid << ") for " << o.state_dir
                << "; run `learnflow down` first\n";
      return kExitFailure;
    }
    if (o.detach) return run_detached(o, supervisor_args);
  }
  return run_supervisor(o);
}

RegisterCommand reg{"up", "Run the manifests on this machine with Kafka and Prometheus", [](CLI::App& cmd) {
  auto o = std::make_shared<UpOptions>();
  cmd.add_option("-f,--filename", o->manifests, "Manifests folder (default deploy)");
  cmd.add_flag("-d,--detach", o->detach, "Return once everything is ready and leave it running");
  add_state_dir_option(cmd, o->state_dir);
  cmd.add_option("--bin-dir", o->bin_dir, "Where images map to binaries (default: this binary's folder, build/bin)");
  cmd.add_option("--image", o->images, "IMAGE=PATH: run PATH for that image (repeatable; tag optional)");
  cmd.add_option("--frontend-port", o->frontend_port, "Port of the learnflow-frontend Service (default 8080; 0 = free)");
  cmd.add_option("--prometheus-port", o->prometheus_port, "Prometheus port (default 9090; 0 = free)");
  cmd.add_option("--metrics-port", o->metrics_port, "Port of the platform endpoint: /dashboards/, /metrics (default 3000; 0 = free)");
  cmd.add_flag("--no-prometheus", o->no_prometheus, "Do not start Prometheus");
  cmd.add_flag("--kafka-fault-proxy", o->kafka_fault_proxy,
               "Put learnflow-faultproxy in front of Kafka (faults over HTTP; see status.json kafka-proxy)");
  cmd.add_option("--namespace", o->namespace_name, "Namespace label of every pod (default default)");
  cmd.add_option("--ready-timeout", o->ready_timeout_seconds, "Seconds to wait for every pod to be ready (default 300)");
  cmd.add_flag("--supervise", o->supervise, "Internal: run as the supervisor daemon started by -d")->group("");
  return [o] {
    std::vector<std::string> args{"up", "--supervise", "-f", platform::absolute_path(o->manifests), "--state-dir",
                                  platform::absolute_path(o->state_dir), "--frontend-port", std::to_string(o->frontend_port),
                                  "--prometheus-port", std::to_string(o->prometheus_port), "--metrics-port",
                                  std::to_string(o->metrics_port), "--namespace", o->namespace_name, "--ready-timeout",
                                  std::to_string(o->ready_timeout_seconds)};
    if (!o->bin_dir.empty()) args.insert(args.end(), {"--bin-dir", platform::absolute_path(o->bin_dir)});
    for (const auto& image : o->images) args.insert(args.end(), {"--image", image});
    if (o->no_prometheus) args.push_back("--no-prometheus");
    if (o->kafka_fault_proxy) args.push_back("--kafka-fault-proxy");
    return run_up(*o, args);
  };
}};

}  // namespace
}  // namespace lf::cli
