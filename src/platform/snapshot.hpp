#pragma once
// A point-in-time view of the running platform: what `learnflow status` prints, what the
// kube-state-metrics / cAdvisor endpoint renders, and what status.json holds.
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "platform/hpa_controller.hpp"
#include "platform/pod.hpp"

namespace lf::platform {

struct ContainerView {
  ContainerStatus status;
  std::optional<long long> cpu_request_milli;
  std::optional<long long> memory_request_bytes;
};

struct PodView {
  std::string name;
  std::string deployment;
  std::string app_id;
  std::string namespace_name;
  std::string node;
  double start_time_seconds = 0;  // Unix time
  bool ready = false;
  bool terminating = false;
  int restarts = 0;
  int app_port = 0;
  int dapr_http_port = 0;
  int metrics_port = 0;
  std::vector<ContainerView> containers;
  double cpu_millicores = 0;  // recent rate, app + sidecar
};

struct DeploymentView {
  std::string name;
  std::string namespace_name;
  int spec_replicas = 0;
  int replicas = 0;
  int ready_replicas = 0;
};

struct HpaView {
  std::string name;
  std::string namespace_name;
  std::string target_api_version, target_kind, target_name;
  int min_replicas = 1, max_replicas = 0;
  std::optional<int> target_utilization;
  std::optional<HpaSyncResult> last;
};

struct ServiceView {
  std::string name;
  std::string url;
  int port = 0;
};

struct InfrastructureView {
  std::string name;
  std::string address;  // host:port (kafka, postgresql)
  std::string url;      // http URL (prometheus)
  int pid = 0;
  bool ready = false;
};

struct ClusterSnapshot {
  std::string node;
  std::vector<PodView> pods;
  std::vector<DeploymentView> deployments;
  std::vector<HpaView> hpas;
  std::vector<ServiceView> services;
  std::vector<InfrastructureView> infrastructure;
  std::string metrics_url;
  bool ready = false;  // every infrastructure part ready and every Deployment at its replicas, all ready
};

// The stable JSON contract of `learnflow status -o json` (issue 5), plus extra fields.
nlohmann::json snapshot_to_json(const ClusterSnapshot& snapshot);
// kube-state-metrics names (kubernetes.md §5.1).
std::string render_kube_state_metrics(const ClusterSnapshot& snapshot);
// cAdvisor names (kubernetes.md §5.2).
std::string render_cadvisor_metrics(const ClusterSnapshot& snapshot);

}  // namespace lf::platform
