#pragma once
// The HorizontalPodAutoscaler controller of kube-controller-manager (kubernetes.md §1-§2) as a pure
// state machine: one sync() per 15 s period takes the pods, their CPU samples and the current
// replica count and returns the new scale with the status conditions. It keeps the controller's
// in-memory state (recommendations, scale events) and never reads a clock itself.
#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "k8s/hpa.hpp"

namespace lf::platform {

// kube-controller-manager flags (kubernetes.md §1).
struct HpaControllerFlags {
  double tolerance = 0.1;
  Duration downscale_stabilization = std::chrono::minutes(5);
  Duration cpu_initialization_period = std::chrono::minutes(5);
  Duration initial_readiness_delay = std::chrono::seconds(30);
};

struct CpuSample {
  long long usage_milli = 0;  // mean CPU over the window, millicores
  SteadyTime timestamp{};
  Duration window{};
};

struct HpaPod {
  std::string name;
  bool deleting = false;  // deletionTimestamp set
  bool failed = false;    // phase Failed
  bool pending = false;   // phase Pending
  std::optional<bool> ready;  // the Ready condition; nullopt = no condition yet
  std::optional<SteadyTime> start_time;
  SteadyTime ready_transition{};  // Ready condition lastTransitionTime
  std::optional<CpuSample> sample;
  // Σ requests.cpu over the pod's containers (sidecar included); nullopt when any container has none.
  std::optional<long long> request_milli;
  std::string container_without_request;  // for the error message when request_milli is nullopt
};

struct Condition {
  bool status = false;
  std::string reason;
  std::string message;
};

struct HpaSyncResult {
  int current_replicas = 0;
  int desired_replicas = 0;       // what the scale is set to (== current when nothing changes)
  std::optional<int> metric_proposal;   // replicas the metric asks for, before stabilization
  std::optional<int> stabilized;        // after the stabilization windows
  std::optional<int> current_utilization;  // percent of request (status.currentMetrics)
  std::optional<long long> average_usage_milli;
  bool rescaled = false;
  std::string rescale_reason;  // event text of SuccessfulRescale
  Condition able_to_scale;
  Condition scaling_active;
  Condition scaling_limited;
};

class HpaController {
 public:
  explicit HpaController(k8s::HorizontalPodAutoscaler spec, HpaControllerFlags flags = {});

  // One reconcile at `now` with the target's spec.replicas and its pods (those matching the selector).
  HpaSyncResult sync(SteadyTime now, int current_replicas, const std::vector<HpaPod>& pods);

  const k8s::HorizontalPodAutoscaler& spec() const { return spec_; }
  const std::optional<HpaSyncResult>& last() const { return last_; }

 private:
  struct Timestamped {
    int value = 0;
    SteadyTime at{};
  };

  int stabilize_legacy(SteadyTime now, int desired);
  int stabilize_with_behavior(SteadyTime now, int current, int desired);
  int rate_limit_with_behavior(SteadyTime now, int current, int stabilized, Condition& limited) const;
  int limit_legacy(int current, int stabilized, Condition& limited) const;
  int change_in_period(const std::vector<Timestamped>& events, SteadyTime now, int period_seconds) const;
  void store_scale_event(SteadyTime now, int previous, int next);
  double tolerance_up() const;
  double tolerance_down() const;

  k8s::HorizontalPodAutoscaler spec_;
  HpaControllerFlags flags_;
  bool seeded_ = false;
  std::vector<Timestamped> recommendations_;
  std::vector<Timestamped> scale_up_events_;
  std::vector<Timestamped> scale_down_events_;
  std::optional<HpaSyncResult> last_;
};

// The CPU Utilization replica calculation (replica_calculator.go GetResourceReplicas) for one
// metric: the proposal, or an error message when the metric cannot be computed.
struct ReplicaProposal {
  int replicas = 0;
  int utilization = 0;
  long long average_usage_milli = 0;
};
Expected<ReplicaProposal, std::string> cpu_utilization_replicas(SteadyTime now, int current_replicas,
                                                                 int target_utilization,
                                                                 const std::vector<HpaPod>& pods,
                                                                 double tolerance_down, double tolerance_up,
                                                                 const HpaControllerFlags& flags);

}  // namespace lf::platform
