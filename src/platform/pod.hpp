#pragma once
// One replica of a Deployment: its app container and its daprd sidecar as local processes, run by
// a worker thread with the kubelet's rules: probes (probe.hpp), restart with back-off, SIGTERM to
// every container then SIGKILL when terminationGracePeriodSeconds has passed.
#include <sys/types.h>

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/clock.hpp"
#include "k8s/workload.hpp"
#include "process/process.hpp"

namespace lf::platform {

struct ContainerLaunch {
  std::string name;
  std::string image;
  std::vector<std::string> argv;
  std::vector<std::pair<std::string, std::string>> env;
  std::string log_path;
  std::string working_dir;
  // Probes with their httpGet/tcpSocket port already resolved to the local port (port.number).
  std::optional<k8s::Probe> startup;
  std::optional<k8s::Probe> readiness;
  std::optional<k8s::Probe> liveness;
  std::optional<long long> cpu_request_milli;
  std::optional<long long> memory_request_bytes;
};

struct PodLaunch {
  std::string name;
  std::string deployment;
  std::string app_id;
  std::string namespace_name = "default";
  std::map<std::string, std::string> labels;
  int app_port = 0;
  int dapr_http_port = 0;
  int dapr_grpc_port = 0;
  int dapr_internal_grpc_port = 0;
  int metrics_port = 0;
  std::map<int, int> port_map;            // containerPort → local port (the pod's network namespace)
  std::map<std::string, int> named_ports;  // container port name → local port
  std::vector<ContainerLaunch> containers;  // the app first, then daprd
  Duration termination_grace = std::chrono::seconds(30);
  // Every local port above, held for as long as the pod exists: a port only chosen could be taken
  // by another process before a container (or its restart) binds it, and the container would
  // then fail at every restart. Shared by copies of this launch.
  std::vector<std::shared_ptr<const process::ReservedPort>> reserved_ports;
};

struct ContainerStatus {
  std::string name;
  std::string image;
  pid_t pid = 0;  // 0 when not running
  bool running = false;
  bool ready = false;
  int restarts = 0;
  double cpu_seconds = 0;  // cumulative over every run of the container
  long long memory_bytes = 0;
  std::string last_exit;  // "exit code 1", "killed by SIGKILL"
};

struct PodStatus {
  std::string name;
  bool ready = false;
  bool has_ready_condition = false;
  SteadyTime start_time{};
  WallTime start_wall{};
  SteadyTime ready_transition{};
  bool terminating = false;
  std::vector<ContainerStatus> containers;
  int restarts() const;
  const ContainerStatus* container(const std::string& name) const;
};

// One probe's result; a failure says why in the kubelet's words ("HTTP probe failed with
// statuscode: 503", "Get \"http://...\": context deadline exceeded", ...).
struct ProbeOutcome {
  bool success = false;
  std::string failure;
};
// Runs one probe of a running container within the probe's timeout.
using ProbeRunner = std::function<ProbeOutcome(const k8s::Probe& probe, const ContainerLaunch& container)>;
// The kubelet's handlers: httpGet (200-399), tcpSocket (the connection opens), exec (the command,
// run with the container's environment and working directory, exits 0). grpc probes are not run
// locally: they pass while the process runs (src/platform/README.md).
ProbeOutcome run_probe(const k8s::Probe& probe, const ContainerLaunch& container);

class Pod {
 public:
  explicit Pod(PodLaunch launch, ProbeRunner probe = run_probe);
  ~Pod();  // stop()
  Pod(const Pod&) = delete;
  Pod& operator=(const Pod&) = delete;

  void start();
  // Marks the pod terminating (it leaves the Service endpoints at once) and begins the stop.
  void begin_stop();
  // begin_stop() and wait until every container is gone.
  void stop();
  bool stopped() const { return finished_.load(); }

  PodStatus status() const;
  const PodLaunch& launch() const { return launch_; }

 private:
  struct Container;
  void run();
  void terminate_all();
  void publish_status(SteadyTime now);

  PodLaunch launch_;
  ProbeRunner probe_;
  std::vector<std::unique_ptr<Container>> containers_;
  mutable std::mutex mutex_;
  PodStatus status_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> finished_{false};
  std::thread worker_;
};

// Cumulative CPU seconds (utime + stime) and resident memory of a process, from /proc.
struct ProcessUsage {
  double cpu_seconds = 0;
  long long rss_bytes = 0;
};
std::optional<ProcessUsage> read_process_usage(pid_t pid);

}  // namespace lf::platform
