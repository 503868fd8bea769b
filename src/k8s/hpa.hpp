#pragma once
// Kubernetes `autoscaling/v2` HorizontalPodAutoscaler. Defaults follow kubernetes.md §1-2: minReplicas 1;
// behavior defaults are filled field by field only when `behavior` is present (no behavior = legacy path).
#include <optional>
#include <string>
#include <vector>

#include "k8s/quantity.hpp"
#include "k8s/workload.hpp"

namespace lf::k8s {

struct CrossVersionObjectReference {
  std::string api_version;
  std::string kind;
  std::string name;
};

struct MetricTarget {
  std::string type;  // Utilization | AverageValue | Value
  std::optional<int> average_utilization;  // percent of request
  std::optional<Quantity> average_value;
  std::optional<Quantity> value;
};

struct MetricSpec {
  std::string type;           // Resource | ContainerResource | Pods | Object | External
  std::string resource_name;  // cpu | memory (Resource, ContainerResource)
  std::string container;      // ContainerResource only
  std::string metric_name;    // Pods / Object / External
  MetricTarget target;
};

struct ScalingPolicy {
  std::string type;  // Pods | Percent
  int value = 0;
  int period_seconds = 0;
};

struct ScalingRules {
  int stabilization_window_seconds = 0;
  std::vector<ScalingPolicy> policies;
  std::string select_policy = "Max";  // Max | Min | Disabled
  std::optional<Quantity> tolerance;  // unset = the controller flag (0.1)
};

struct Behavior {
  ScalingRules scale_up;
  ScalingRules scale_down;
};

struct HorizontalPodAutoscaler {
  ObjectMeta metadata;
  CrossVersionObjectReference scale_target_ref;
  int min_replicas = 1;
  int max_replicas = 0;
  std::vector<MetricSpec> metrics;
  std::optional<Behavior> behavior;  // nullopt = the controller's legacy path

  // True when a metric scales on pod-level CPU Utilization (every container needs a CPU request).
  bool uses_pod_cpu_utilization() const;
};

// Kubernetes' defaults for one direction (pkg/apis/autoscaling/v2/defaults.go).
ScalingRules default_scale_up_rules();
ScalingRules default_scale_down_rules();  // stabilization = the controller flag default, 300 s

std::optional<HorizontalPodAutoscaler> parse_hpa(const yaml::Document& doc, Diagnostics& diags);

}  // namespace lf::k8s
