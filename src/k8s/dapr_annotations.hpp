#pragma once
// The `dapr.io/*` pod annotations the sidecar injector reads (kubernetes.md §7), with Dapr's defaults.
#include <map>
#include <optional>
#include <string>

#include "k8s/quantity.hpp"
#include "resources/fields.hpp"

namespace lf::k8s {

struct SidecarProbeSettings {
  int delay_seconds = 3;
  int timeout_seconds = 3;
  int period_seconds = 6;
  int threshold = 3;
};

struct DaprAnnotations {
  bool enabled = false;
  std::string app_id;
  std::optional<int> app_port;
  std::string app_protocol = "http";
  std::string config;  // --config: a Configuration resource name
  bool enable_metrics = true;
  int metrics_port = 9090;
  std::string log_level = "info";
  bool log_as_json = false;
  std::optional<Quantity> sidecar_cpu_request;
  std::optional<Quantity> sidecar_cpu_limit;
  std::optional<Quantity> sidecar_memory_request;
  std::optional<Quantity> sidecar_memory_limit;
  int http_port = 3500;
  int grpc_port = 50001;
  int internal_grpc_port = 50002;
  std::optional<int> graceful_shutdown_seconds;  // unset: daprd's own 5 s
  SidecarProbeSettings liveness;
  SidecarProbeSettings readiness;
  bool enable_app_health_check = false;
  std::string app_health_check_path = "/healthz";
  std::optional<int> app_health_probe_interval_seconds;
  std::optional<int> app_health_probe_timeout_ms;
  std::optional<int> app_health_threshold;
  std::optional<int> app_max_concurrency;
};

// Reads the annotations mapping node (pod template metadata.annotations). Malformed values are
// errors at their line; unknown dapr.io/ keys are warnings. `path` prefixes messages.
DaprAnnotations parse_dapr_annotations(const YAML::Node& annotations, const std::string& path,
                                       resources::FieldReader& reader);

}  // namespace lf::k8s
