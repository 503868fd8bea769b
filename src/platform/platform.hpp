#pragma once
// The one-machine platform: runs a folder of Kubernetes + Dapr manifests as local processes with
// real Kafka, Prometheus and (when asked for) PostgreSQL. See README.md for the rules it follows.
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "platform/image.hpp"
#include "platform/manifests.hpp"
#include "platform/snapshot.hpp"

namespace lf::platform {

struct PlatformOptions {
  std::string manifests_dir = "deploy";
  std::string state_dir = ".learnflow";  // made absolute at start
  ImageMapping images{"build/bin", {}};
  std::string sidecar_binary;  // empty: <bin_dir>/learnflow-sidecar
  std::string namespace_name = "default";
  std::string frontend_service = "learnflow-frontend";
  int frontend_port = 8080;  // fixed, documented; 0 = a free port
  bool prometheus = true;
  std::string prometheus_binary = "/usr/bin/prometheus";
  int prometheus_port = 9090;  // 0 = a free port
  int metrics_port = 0;        // the platform's own metrics endpoint; 0 = a free port
  // learnflow-faultproxy in front of Kafka (the broker advertises it; every `brokers` names it).
  bool kafka_fault_proxy = false;
  std::string faultproxy_binary;  // empty: <bin_dir>/learnflow-faultproxy
  int scrape_interval_seconds = 5;
  Duration hpa_sync_period = std::chrono::seconds(15);
  std::function<void(const std::string&)> progress;  // one line per step
};

// Files under the state directory (documented in README.md).
struct StateLayout {
  std::string root;
  std::string status_file() const { return root + "/status.json"; }
  std::string pid_file() const { return root + "/supervisor.pid"; }
  std::string supervisor_log() const { return root + "/logs/supervisor.log"; }
  std::string scale_requests_dir() const { return root + "/control/scale"; }
  std::string pod_log(const std::string& pod, const std::string& container) const {
    return root + "/logs/pods/" + pod + "/" + container + ".log";
  }
  std::string pods_log_dir() const { return root + "/logs/pods"; }
  std::string resources_dir() const { return root + "/dapr/resources"; }
  std::string config_dir() const { return root + "/dapr/config"; }
  std::string kafka_dir() const { return root + "/kafka"; }
  std::string kafka_proxy_log() const { return root + "/logs/kafka-proxy.log"; }
  std::string postgres_dir() const { return root + "/postgresql"; }
  std::string prometheus_dir() const { return root + "/prometheus"; }
  std::string prometheus_log() const { return root + "/logs/prometheus.log"; }
};

// The absolute form of a path (relative to the working directory), without requiring it to exist.
std::string absolute_path(const std::string& path);

// Writes text to path through a temporary file and rename (readers never see half a file).
Status write_file_atomically(const std::string& path, const std::string& text);

class Platform {
 public:
  // Starts infrastructure (each readiness-checked), then every Deployment's pods and every Service.
  static Result<std::unique_ptr<Platform>> start(PlatformOptions options, DesiredState desired);
  ~Platform();
  Platform(const Platform&) = delete;
  Platform& operator=(const Platform&) = delete;

  // One control-loop pass: reap/replace pods to the desired counts, HPA syncs when due, scale
  // requests from the state directory, Prometheus targets, status.json.
  void reconcile();
  // Stops every pod (graceful, in parallel), then Prometheus, PostgreSQL and Kafka.
  void shutdown();

  Status scale(const std::string& deployment, int replicas);
  // Writes status.json now (reconcile writes it every second).
  void write_status() const;
  ClusterSnapshot snapshot() const;
  const PlatformOptions& options() const { return options_; }
  const StateLayout& layout() const { return layout_; }

 private:
  struct Impl;
  explicit Platform(PlatformOptions options);
  PlatformOptions options_;
  StateLayout layout_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace lf::platform
