#include "platform/hpa_controller.hpp"

#include <algorithm>
#include <climits>
#include <cmath>
#include <map>

namespace lf::platform {
namespace {

bool within(double ratio, double tolerance_down, double tolerance_up) {
  return (1.0 - tolerance_down) <= ratio && ratio <= (1.0 + tolerance_up);
}

// metricsclient.GetResourceUtilizationRatio: integer utilization from the ratio of sums.
struct Utilization {
  double ratio = 0;
  int percent = 0;
  long long average = 0;
};
Expected<Utilization, std::string> utilization_ratio(const std::map<std::string, long long>& usage,
                                                     const std::map<std::string, long long>& requests,
                                                     int target) {
  long long usage_total = 0, request_total = 0, entities = 0;
  for (const auto& [pod, value] : usage) {
    auto request = requests.find(pod);
    if (request == requests.end()) continue;
    usage_total += value;
    request_total += request->second;
    ++entities;
  }
  if (request_total == 0) return unexpected(std::string("no metrics returned matched known pods"));
  Utilization u;
  u.percent = static_cast<int>((usage_total * 100) / request_total);
  u.ratio = static_cast<double>(u.percent) / static_cast<double>(target);
  u.average = usage_total / entities;
  return u;
}

Condition condition(bool status, std::string reason, std::string message = {}) {
  return Condition{status, std::move(reason), std::move(message)};
}

}  // namespace

Expected<ReplicaProposal, std::string> cpu_utilization_replicas(SteadyTime now, int current_replicas,
                                                                 int target_utilization,
                                                                 const std::vector<HpaPod>& pods,
                                                                 double tolerance_down, double tolerance_up,
                                                                 const HpaControllerFlags& flags) {
  // groupPods (kubernetes.md §1.2).
  std::map<std::string, long long> usage;
  std::vector<std::string> unready, missing;
  int ready_count = 0;
  for (const auto& pod : pods) {
    if (pod.deleting || pod.failed) continue;
    if (pod.pending) {
      unready.push_back(pod.name);
      continue;
    }
    if (!pod.sample) {
      missing.push_back(pod.name);
      continue;
    }
    bool is_unready = false;
    if (!pod.ready.has_value() || !pod.start_time) {
      is_unready = true;
    } else if (*pod.start_time + flags.cpu_initialization_period > now) {
      is_unready = !*pod.ready || pod.sample->timestamp < pod.ready_transition + pod.sample->window;
    } else {
      is_unready = !*pod.ready && *pod.start_time + flags.initial_readiness_delay > pod.ready_transition;
    }
    if (is_unready) {
      unready.push_back(pod.name);
      continue;
    }
    usage[pod.name] = pod.sample->usage_milli;
    ++ready_count;
  }
  if (usage.empty()) return unexpected(std::string("did not receive metrics for targeted pods (pods might be unready)"));

  // calculatePodRequests: every pod of the list, every container.
  std::map<std::string, long long> requests;
  for (const auto& pod : pods) {
    if (!pod.request_milli)
      return unexpected("missing request for cpu in container " + pod.container_without_request + " of Pod " +
                        pod.name);
    requests[pod.name] = *pod.request_milli;
  }

  auto first = utilization_ratio(usage, requests, target_utilization);
  if (!first) return unexpected(first.error());
  ReplicaProposal proposal{current_replicas, first->percent, first->average};
  const double ratio = first->ratio;
  const bool scale_up_with_unready = !unready.empty() && ratio > 1.0;
  if (!scale_up_with_unready && missing.empty()) {
    if (!within(ratio, tolerance_down, tolerance_up))
      proposal.replicas = static_cast<int>(std::ceil(ratio * static_cast<double>(ready_count)));
    return proposal;
  }
  if (!missing.empty()) {
    for (const auto& name : missing) {
      if (ratio < 1.0)
        usage[name] = requests[name] * std::max(100, target_utilization) / 100;
      else if (ratio > 1.0)
        usage[name] = 0;
    }
  }
  if (scale_up_with_unready)
    for (const auto& name : unready) usage[name] = 0;
  auto second = utilization_ratio(usage, requests, target_utilization);
  if (!second) return unexpected(second.error());
  const double new_ratio = second->ratio;
  if (within(new_ratio, tolerance_down, tolerance_up) || (ratio < 1.0 && new_ratio > 1.0) ||
      (ratio > 1.0 && new_ratio < 1.0))
    return proposal;
  const int replicas = static_cast<int>(std::ceil(new_ratio * static_cast<double>(usage.size())));
  if ((new_ratio < 1.0 && replicas > current_replicas) || (new_ratio > 1.0 && replicas < current_replicas))
    return proposal;
  proposal.replicas = replicas;
  return proposal;
}

HpaController::HpaController(k8s::HorizontalPodAutoscaler spec, HpaControllerFlags flags)
    : spec_(std::move(spec)), flags_(flags) {}

double HpaController::tolerance_up() const {
  if (spec_.behavior && spec_.behavior->scale_up.tolerance) return spec_.behavior->scale_up.tolerance->as_double();
  return flags_.tolerance;
}

double HpaController::tolerance_down() const {
  if (spec_.behavior && spec_.behavior->scale_down.tolerance)
    return spec_.behavior->scale_down.tolerance->as_double();
  return flags_.tolerance;
}

// stabilizeRecommendation: the legacy window keeps items not older than the cutoff (inclusive).
int HpaController::stabilize_legacy(SteadyTime now, int desired) {
  const SteadyTime cutoff = now - flags_.downscale_stabilization;
  int highest = desired;
  std::optional<std::size_t> old_slot;
  for (std::size_t i = 0; i < recommendations_.size(); ++i) {
    if (recommendations_[i].at < cutoff)
      old_slot = i;
    else
      highest = std::max(highest, recommendations_[i].value);
  }
  if (old_slot)
    recommendations_[*old_slot] = {desired, now};
  else
    recommendations_.push_back({desired, now});
  return highest;
}

// stabilizeRecommendationWithBehaviors: strict `>` cutoffs (an item exactly one window old is out).
int HpaController::stabilize_with_behavior(SteadyTime now, int current, int desired) {
  const auto& behavior = *spec_.behavior;
  const SteadyTime up_cutoff = now - std::chrono::seconds(behavior.scale_up.stabilization_window_seconds);
  const SteadyTime down_cutoff = now - std::chrono::seconds(behavior.scale_down.stabilization_window_seconds);
  int up = desired, down = desired;
  std::optional<std::size_t> old_slot;
  for (std::size_t i = 0; i < recommendations_.size(); ++i) {
    const auto& rec = recommendations_[i];
    if (rec.at > up_cutoff) up = std::min(up, rec.value);
    if (rec.at > down_cutoff) down = std::max(down, rec.value);
    if (rec.at < up_cutoff && rec.at < down_cutoff) old_slot = i;
  }
  int recommendation = current;
  if (recommendation < up) recommendation = up;
  if (recommendation > down) recommendation = down;
  if (old_slot)
    recommendations_[*old_slot] = {desired, now};
  else
    recommendations_.push_back({desired, now});
  return recommendation;
}

int HpaController::change_in_period(const std::vector<Timestamped>& events, SteadyTime now, int period_seconds) const {
  const SteadyTime cutoff = now - std::chrono::seconds(period_seconds);
  int replicas = 0;
  for (const auto& event : events)
    if (event.at > cutoff) replicas += event.value;
  return replicas;
}

int HpaController::rate_limit_with_behavior(SteadyTime now, int current, int stabilized, Condition& limited) const {
  const auto& behavior = *spec_.behavior;
  const bool up = stabilized > current;
  const bool down = stabilized < current;
  if (!up && !down) {
    limited = condition(false, "DesiredWithinRange", "the desired count is within the acceptable range");
    return stabilized;
  }
  const k8s::ScalingRules& rules = up ? behavior.scale_up : behavior.scale_down;
  int limit = current;
  if (rules.select_policy != "Disabled") {
    // Scale-up: Max picks the largest limit. Scale-down: Max (most change) picks the smallest.
    const bool pick_largest = up == (rules.select_policy != "Min");
    limit = pick_largest ? INT_MIN : INT_MAX;
    for (const auto& policy : rules.policies) {
      const int added = change_in_period(scale_up_events_, now, policy.period_seconds);
      const int removed = change_in_period(scale_down_events_, now, policy.period_seconds);
      const int period_start = current - added + removed;
      int proposed = 0;
      if (policy.type == "Pods")
        proposed = up ? period_start + policy.value : period_start - policy.value;
      else if (up)
        proposed = static_cast<int>(std::ceil(static_cast<double>(period_start) * (1 + static_cast<double>(policy.value) / 100)));
      else
        proposed = static_cast<int>(static_cast<double>(period_start) * (1 - static_cast<double>(policy.value) / 100));
      limit = pick_largest ? std::max(limit, proposed) : std::min(limit, proposed);
    }
  }
  if (up) {
    if (limit < current) limit = current;
    int max_allowed = spec_.max_replicas;
    std::string reason = "TooManyReplicas";
    std::string message = "the desired replica count is more than the maximum replica count";
    if (max_allowed > limit) {
      max_allowed = limit;
      reason = "ScaleUpLimit";
      message = "the desired replica count is increasing faster than the maximum scale rate";
    }
    if (stabilized > max_allowed) {
      limited = condition(true, reason, message);
      return max_allowed;
    }
  } else {
    if (limit > current) limit = current;
    int min_allowed = spec_.min_replicas;
    std::string reason = "TooFewReplicas";
    std::string message = "the desired replica count is less than the minimum replica count";
    if (min_allowed < limit) {
      min_allowed = limit;
      reason = "ScaleDownLimit";
      message = "the desired replica count is decreasing faster than the maximum scale rate";
    }
    if (stabilized < min_allowed) {
      limited = condition(true, reason, message);
      return min_allowed;
    }
  }
  limited = condition(false, "DesiredWithinRange", "the desired count is within the acceptable range");
  return stabilized;
}

// convertDesiredReplicasWithRules: an absolute per-sync cap of max(2×current, 4), no scale-down limit.
int HpaController::limit_legacy(int current, int stabilized, Condition& limited) const {
  const int scale_up_limit = std::max(2 * current, 4);
  int max_allowed = spec_.max_replicas;
  std::string reason = "TooManyReplicas";
  if (max_allowed > scale_up_limit) {
    max_allowed = scale_up_limit;
    reason = "ScaleUpLimit";
  }
  const int min_allowed = spec_.min_replicas == 0 ? 1 : spec_.min_replicas;
  int result = stabilized;
  if (stabilized < min_allowed) {
    result = min_allowed;
    reason = "TooFewReplicas";
  } else if (stabilized > max_allowed) {
    result = max_allowed;
  } else {
    reason = "DesiredWithinRange";
  }
  limited = condition(result != stabilized, reason);
  return result;
}

void HpaController::store_scale_event(SteadyTime now, int previous, int next) {
  if (!spec_.behavior || previous == next) return;
  auto& events = next > previous ? scale_up_events_ : scale_down_events_;
  const auto& rules = next > previous ? spec_.behavior->scale_up : spec_.behavior->scale_down;
  int longest = 0;
  for (const auto& policy : rules.policies) longest = std::max(longest, policy.period_seconds);
  const SteadyTime cutoff = now - std::chrono::seconds(longest);
  Timestamped event{std::abs(next - previous), now};
  for (auto& slot : events)
    if (slot.at <= cutoff) {
      slot = event;
      return;
    }
  events.push_back(event);
}

HpaSyncResult HpaController::sync(SteadyTime now, int current, const std::vector<HpaPod>& pods) {
  HpaSyncResult r;
  r.current_replicas = current;
  r.desired_replicas = current;
  r.able_to_scale = condition(true, "SucceededGetScale", "the HPA controller was able to get the target's current scale");
  if (!seeded_) {
    recommendations_.push_back({current, now});
    seeded_ = true;
  }
  const int min_replicas = spec_.min_replicas;
  if (current == 0 && min_replicas != 0) {
    r.scaling_active = condition(false, "ScalingDisabled", "scaling is disabled since the replica count of the target is zero");
    last_ = r;
    return r;
  }
  int desired = current;
  if (current > spec_.max_replicas) {
    desired = spec_.max_replicas;
    r.rescale_reason = "Current number of replicas above Spec.MaxReplicas";
  } else if (current < min_replicas) {
    desired = min_replicas;
    r.rescale_reason = "Current number of replicas below Spec.MinReplicas";
  } else {
    // Every metric of the spec is a CPU Utilization metric here; others are reported invalid.
    std::optional<int> proposal;
    std::string error;
    for (const auto& metric : spec_.metrics) {
      if (metric.type != "Resource" || metric.resource_name != "cpu" || !metric.target.average_utilization) {
        error = "unsupported metric " + metric.type + "/" + metric.resource_name + " (only Resource cpu Utilization)";
        continue;
      }
      auto computed = cpu_utilization_replicas(now, current, *metric.target.average_utilization, pods,
                                               tolerance_down(), tolerance_up(), flags_);
      if (!computed) {
        error = computed.error();
        continue;
      }
      r.current_utilization = computed->utilization;
      r.average_usage_milli = computed->average_usage_milli;
      if (!proposal || computed->replicas > *proposal) proposal = computed->replicas;
    }
    // §1.3: all invalid → no scaling; some invalid and the max is below current → no scaling.
    if (!proposal || (!error.empty() && *proposal < current)) {
      r.scaling_active = condition(false, "FailedGetResourceMetric",
                                   "the HPA was unable to compute the replica count: " + error);
      last_ = r;
      return r;
    }
    r.scaling_active = condition(true, "ValidMetricFound",
                                 "the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)");
    r.metric_proposal = *proposal;
    const int stabilized = spec_.behavior ? stabilize_with_behavior(now, current, *proposal)
                                          : stabilize_legacy(now, *proposal);
    r.stabilized = stabilized;
    if (stabilized != *proposal)
      r.able_to_scale = condition(true, *proposal >= current ? "ScaleUpStabilized" : "ScaleDownStabilized",
                                  "recent recommendations were " + std::string(*proposal >= current ? "lower" : "higher") +
                                      " than current one, applying the " + (*proposal >= current ? "lowest" : "highest") +
                                      " recent recommendation");
    else
      r.able_to_scale = condition(true, "ReadyForNewScale", "recommended size matches current size");
    desired = spec_.behavior ? rate_limit_with_behavior(now, current, stabilized, r.scaling_limited)
                             : limit_legacy(current, stabilized, r.scaling_limited);
    r.rescale_reason = desired > current ? "cpu resource utilization (percentage of request) above target"
                                         : "All metrics below target";
  }
  r.desired_replicas = desired;
  if (desired != current) {
    r.rescaled = true;
    store_scale_event(now, current, desired);
    r.able_to_scale = condition(true, "SucceededRescale", "the HPA controller was able to update the target scale to " +
                                                              std::to_string(desired));
  } else {
    r.rescale_reason.clear();
  }
  last_ = r;
  return r;
}

}  // namespace lf::platform
