#pragma once
// What the engine reports while it works; TelemetryObserver turns it into daprd's log lines
// and dapr_resiliency_* metrics. Every hook has an empty default so tests can override one.
#include <optional>
#include <string>

#include "core/clock.hpp"
#include "resiliency/circuit_breaker.hpp"
#include "resiliency/model.hpp"

namespace lf::resiliency {

enum class PolicyKind { timeout, retry, circuit_breaker };
const char* policy_label(PolicyKind kind);  // "timeout", "retry", "circuitbreaker"

enum class FlowDirection { outbound, inbound };
const char* direction_label(FlowDirection direction);  // "outbound", "inbound"

// Who a looked-up policy is for, as log lines and metric labels name it.
struct PolicyTarget {
  std::string operation;      // "endpoint[orders, orders:neworder]", "component[pubsub] output"
  std::string metric_target;  // "app_orders", "Pubsub_pubsub"
  FlowDirection direction = FlowDirection::outbound;
  // Dapr labels every policy with the last decoded resource's name/namespace.
  std::string resource_name;
  std::string resource_namespace;
};

class Observer {
 public:
  virtual ~Observer() = default;
  virtual void resource_loaded(const Resiliency& /*resource*/) {}
  // Loading from resources paths: a Resiliency with errors, a file that is not valid YAML, a
  // file in a resources path that is not YAML at all.
  virtual void resource_rejected(const std::string& /*name*/, const std::string& /*error*/) {}
  virtual void file_unparsable(const std::string& /*file*/, const std::string& /*error*/) {}
  virtual void non_yaml_file(const std::string& /*file*/) {}
  virtual void builtin_minimum_enforced(const std::string& /*policy_name*/) {}
  // A lookup returned this kind of policy (dapr_resiliency_count); breaker state for CBs.
  virtual void policy_used(const PolicyTarget&, PolicyKind, std::optional<BreakerState> /*state*/) {}
  // dapr_resiliency_activations_total; new state for CB transitions.
  virtual void policy_activated(const PolicyTarget&, PolicyKind, std::optional<BreakerState> /*state*/) {}
  virtual void breaker_state_changed(const PolicyTarget&, const std::string& /*breaker*/, BreakerState /*from*/,
                                     BreakerState /*to*/) {}
  // First failure of an operation that will be retried.
  virtual void retrying(const PolicyTarget&, const std::string& /*error*/, Duration /*wait*/) {}
  // Success after at least one failure.
  virtual void recovered(const PolicyTarget&, int /*attempts*/) {}
};

}  // namespace lf::resiliency
