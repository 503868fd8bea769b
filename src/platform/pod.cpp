#include "platform/pod.hpp"

#include <unistd.h>

#include <csignal>
#include <fstream>
#include <sstream>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include "http/client.hpp"
#include "platform/probe.hpp"
#include "process/process.hpp"

namespace lf::platform {

int PodStatus::restarts() const {
  int total = 0;
  for (const auto& c : containers) total += c.restarts;
  return total;
}

const ContainerStatus* PodStatus::container(const std::string& name) const {
  for (const auto& c : containers)
    if (c.name == name) return &c;
  return nullptr;
}

namespace {

ProbeOutcome tcp_socket_probe(int port, Duration timeout) {
  boost::asio::io_context io;
  boost::asio::ip::tcp::socket socket(io);
  boost::asio::steady_timer deadline(io, timeout);
  boost::system::error_code connect_result = boost::asio::error::timed_out;
  socket.async_connect({boost::asio::ip::address_v4::loopback(), static_cast<std::uint16_t>(port)},
                       [&](const boost::system::error_code& ec) {
                         connect_result = ec;
                         deadline.cancel();
                       });
  deadline.async_wait([&](const boost::system::error_code& ec) {
    if (!ec) socket.close();
  });
  io.run();
  if (!connect_result) return {true, ""};
  return {false, "dial tcp 127.0.0.1:" + std::to_string(port) + ": " +
                     (connect_result == boost::asio::error::timed_out ? std::string("i/o timeout")
                                                                      : "connect: " + connect_result.message())};
}

ProbeOutcome exec_probe(const std::vector<std::string>& command, const ContainerLaunch& container, Duration timeout) {
  if (command.empty()) return {false, "exec probe without a command"};
  process::SpawnOptions options;
  options.argv = command;
  options.env = container.env;
  options.working_dir = container.working_dir;
  options.output = process::Output::discard;
  auto spawned = process::Process::spawn(options);
  if (!spawned) return {false, spawned.error().message};
  auto status = spawned->wait_for(timeout);
  if (!status) {
    (void)spawned->stop(Duration::zero());  // a timed-out probe command is killed, as the kubelet does
    return {false, "command \"" + command.front() + "\" timed out"};
  }
  if (status->exited && status->code == 0) return {true, ""};
  return {false, "command \"" + command.front() + "\" failed: " + status->describe()};
}

}  // namespace

ProbeOutcome run_probe(const k8s::Probe& probe, const ContainerLaunch& container) {
  const Duration timeout = std::chrono::seconds(std::max(1, probe.timeout_seconds));
  if (probe.http_get) {
    const std::string url = "http://127.0.0.1:" + std::to_string(probe.http_get->port.number) + probe.http_get->path;
    auto response = http::fetch(url, {}, timeout);
    if (!response) return {false, "Get \"" + url + "\": " + response.error().message};
    if (probe_status_succeeds(response->status)) return {true, ""};
    return {false, "HTTP probe failed with statuscode: " + std::to_string(response->status)};
  }
  if (probe.tcp_socket_port) return tcp_socket_probe(probe.tcp_socket_port->number, timeout);
  if (!probe.exec_command.empty()) return exec_probe(probe.exec_command, container, timeout);
  return {true, ""};
}

std::optional<ProcessUsage> read_process_usage(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  const auto close = text.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream fields(text.substr(close + 2));
  std::string field;
  unsigned long long utime = 0, stime = 0;
  // After "pid (comm) ": state is field 3; utime and stime are fields 14 and 15.
  for (int index = 3; index <= 15 && fields >> field; ++index) {
    if (index == 14) utime = std::stoull(field);
    if (index == 15) stime = std::stoull(field);
  }
  ProcessUsage usage;
  usage.cpu_seconds = static_cast<double>(utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
  std::ifstream statm("/proc/" + std::to_string(pid) + "/statm");
  long long size_pages = 0, resident_pages = 0;
  if (statm >> size_pages >> resident_pages) usage.rss_bytes = resident_pages * ::sysconf(_SC_PAGESIZE);
  return usage;
}

struct Pod::Container {
  ContainerLaunch launch;
  std::optional<process::Process> process;
  SteadyTime started{};
  SteadyTime restart_at{};
  bool ever_started = false;
  RestartBackOff backoff;
  std::optional<ProbeTracker> startup;
  std::optional<ProbeTracker> readiness;
  std::optional<ProbeTracker> liveness;
  int restarts = 0;
  double cpu_previous_runs = 0;
  double cpu_current_run = 0;
  long long memory = 0;
  std::string last_exit;

  // The kubelet runs neither liveness nor readiness probes until the startup probe has succeeded.
  bool started_up() const { return !startup || startup->passing(); }
  bool ready() const { return process && started_up() && (!readiness || readiness->passing()); }

  void note(const std::string& line) const {
    std::ofstream out(launch.log_path, std::ios::app);
    out << "[learnflow] " << line << "\n";
  }

  // Like the kubelet's "Unhealthy" events, in the container's log: a failure is written when its
  // reason differs from the last one written, and the first success after it, so a probe that
  // fails every period for the same reason adds one line, not one per period.
  void note_probe(const ProbeTracker& tracker, const ProbeOutcome& outcome) {
    static constexpr const char* kNames[] = {"Startup", "Readiness", "Liveness"};
    const auto kind = static_cast<std::size_t>(tracker.kind());
    std::string& noted = noted_probe_failure[kind];
    if (outcome.success) {
      if (!noted.empty()) note(std::string(kNames[kind]) + " probe succeeded");
      noted.clear();
    } else if (const std::string reason = outcome.failure.empty() ? "failed" : outcome.failure; reason != noted) {
      noted = reason;
      note(std::string(kNames[kind]) + " probe failed: " + noted);
    }
  }
  std::string noted_probe_failure[3];
};

Pod::Pod(PodLaunch launch, ProbeRunner probe) : launch_(std::move(launch)), probe_(std::move(probe)) {
  for (const auto& c : launch_.containers) {
    auto container = std::make_unique<Container>();
    container->launch = c;
    containers_.push_back(std::move(container));
  }
  status_.name = launch_.name;
}

Pod::~Pod() { stop(); }

void Pod::start() {
  {
    std::lock_guard lock(mutex_);
    status_.start_time = std::chrono::steady_clock::now();
    status_.start_wall = std::chrono::system_clock::now();
  }
  worker_ = std::thread([this] { run(); });
}

void Pod::begin_stop() {
  {
    std::lock_guard lock(mutex_);
    status_.terminating = true;
    status_.ready = false;
  }
  stopping_ = true;
}

void Pod::stop() {
  begin_stop();
  if (worker_.joinable()) worker_.join();
}

PodStatus Pod::status() const {
  std::lock_guard lock(mutex_);
  return status_;
}

void Pod::run() {
  auto on_exit = [](Container& c, SteadyTime now, const std::string& how) {
    c.last_exit = how;
    c.cpu_previous_runs += c.cpu_current_run;
    c.cpu_current_run = 0;
    c.process.reset();
    c.startup.reset();
    c.readiness.reset();
    c.liveness.reset();
    for (auto& noted : c.noted_probe_failure) noted.clear();  // the next run's failures are news again
    c.restart_at = c.backoff.restart_at(c.started, now);
    c.note("container " + c.launch.name + " exited (" + how + "); restarting in " +
           std::to_string(std::chrono::duration_cast<std::chrono::seconds>(c.restart_at - now).count()) + "s");
  };

  while (!stopping_) {
    const SteadyTime now = std::chrono::steady_clock::now();
    for (auto& holder : containers_) {
      Container& c = *holder;
      if (c.process && !c.process->is_running()) {
        const auto status = c.process->exit_status();
        on_exit(c, now, status ? status->describe() : "exited");
      }
      if (!c.process && now >= c.restart_at && !stopping_) {
        process::SpawnOptions options;
        options.argv = c.launch.argv;
        options.env = c.launch.env;
        options.working_dir = c.launch.working_dir;
        options.output = process::Output::file;
        options.log_path = c.launch.log_path;
        options.die_with_parent = true;  // this worker thread lives until the containers are gone
        auto spawned = process::Process::spawn(options);
        if (c.ever_started) ++c.restarts;
        c.ever_started = true;
        c.started = now;
        if (!spawned) {
          c.note("cannot start " + c.launch.argv.front() + ": " + spawned.error().message);
          c.restart_at = c.backoff.restart_at(now, now);
          continue;
        }
        c.process.emplace(std::move(*spawned));
        if (c.launch.startup) c.startup.emplace(*c.launch.startup, ProbeKind::startup, now);
        if (c.launch.readiness) c.readiness.emplace(*c.launch.readiness, ProbeKind::readiness, now);
        if (c.launch.liveness) c.liveness.emplace(*c.launch.liveness, ProbeKind::liveness, now);
      }
      if (!c.process) continue;
      auto probe_once = [&](ProbeTracker& tracker) {
        const ProbeOutcome outcome =
            c.process->is_running() ? probe_(tracker.spec(), c.launch) : ProbeOutcome{false, "the container is not running"};
        c.note_probe(tracker, outcome);
        return tracker.record(std::chrono::steady_clock::now(), outcome.success);
      };
      auto restart_after = [&](const char* which, const ProbeTracker& tracker) {
        c.note(std::string(which) + " probe failed " + std::to_string(tracker.consecutive_failures()) +
               " times: stopping the container to restart it");
        c.process->stop(launch_.termination_grace);
        on_exit(c, std::chrono::steady_clock::now(), std::string(which) + " probe failed");
      };
      if (!c.started_up()) {
        if (c.startup->due(now)) {
          probe_once(*c.startup);
          if (c.startup->failed()) restart_after("Startup", *c.startup);
        }
        if (!c.process || !c.started_up()) continue;
        // Started: the other probes count their initial delays from now, as the kubelet does.
        if (c.launch.readiness) c.readiness.emplace(*c.launch.readiness, ProbeKind::readiness, now);
        if (c.launch.liveness) c.liveness.emplace(*c.launch.liveness, ProbeKind::liveness, now);
      }
      if (c.liveness && c.liveness->due(now) && probe_once(*c.liveness) && !c.liveness->passing()) {
        restart_after("Liveness", *c.liveness);
        continue;
      }
      if (c.readiness && c.readiness->due(now)) probe_once(*c.readiness);
      if (auto usage = read_process_usage(c.process->pid())) {
        c.cpu_current_run = usage->cpu_seconds;
        c.memory = usage->rss_bytes;
      }
    }

    publish_status(now);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  terminate_all();
  finished_ = true;
}

void Pod::publish_status(SteadyTime now) {
  std::lock_guard lock(mutex_);
  bool all_ready = true;
  status_.containers.clear();
  for (const auto& holder : containers_) {
    const Container& c = *holder;
    ContainerStatus s;
    s.name = c.launch.name;
    s.image = c.launch.image;
    s.running = c.process.has_value();
    s.pid = c.process ? c.process->pid() : 0;
    s.ready = c.ready();
    s.restarts = c.restarts;
    s.cpu_seconds = c.cpu_previous_runs + c.cpu_current_run;
    s.memory_bytes = c.process ? c.memory : 0;
    s.last_exit = c.last_exit;
    all_ready = all_ready && s.ready;
    status_.containers.push_back(std::move(s));
  }
  all_ready = all_ready && !status_.terminating;
  if (!status_.has_ready_condition || all_ready != status_.ready) status_.ready_transition = now;
  status_.has_ready_condition = true;
  status_.ready = all_ready;
}

// SIGTERM to every container at once; SIGKILL (the Process destructor, whole group) to what is
// left when the grace period ends.
void Pod::terminate_all() {
  for (auto& c : containers_)
    if (c->process) (void)c->process->signal(SIGTERM);
  const SteadyTime deadline = std::chrono::steady_clock::now() + launch_.termination_grace;
  for (;;) {
    bool any_running = false;
    for (auto& c : containers_)
      if (c->process && c->process->is_running()) any_running = true;
    if (!any_running || std::chrono::steady_clock::now() >= deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  for (auto& c : containers_) {
    if (c->process && c->process->is_running()) c->note("grace period over: SIGKILL");
    c->process.reset();
  }
  std::lock_guard lock(mutex_);
  for (auto& s : status_.containers) {
    s.running = false;
    s.ready = false;
    s.pid = 0;
  }
}

}  // namespace lf::platform
