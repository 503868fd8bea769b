#include "resiliency/telemetry.hpp"

#include "core/duration.hpp"

namespace lf::resiliency {

namespace {
const std::vector<std::string> kPolicyLabels = {"app_id", "name", "namespace", "policy", "flow_direction", "target",
                                                "status"};
}  // namespace

TelemetryObserver::TelemetryObserver(std::string app_id, metrics::Registry& registry)
    : app_id_(std::move(app_id)),
      loaded_(registry.counter("dapr_resiliency_loaded", "Number of resiliency policies loaded.",
                               {"app_id", "name", "namespace"})),
      count_(registry.counter("dapr_resiliency_count",
                              "Number of times a resiliency policyKey has been applied to a building block.",
                              kPolicyLabels)),
      activations_(registry.counter("dapr_resiliency_activations_total",
                                    "Number of times a resiliency policyKey has been activated in a building block "
                                    "after a failure or after a state change.",
                                    kPolicyLabels)),
      breaker_state_(registry.gauge("dapr_resiliency_cb_state",
                                    "A resiliency policy's current CircuitBreakerState state; the current status "
                                    "series is 1.",
                                    kPolicyLabels)) {}

std::vector<std::string> TelemetryObserver::labels(const PolicyTarget& target, PolicyKind kind,
                                                   std::optional<BreakerState> state) const {
  return {app_id_,
          target.resource_name,
          target.resource_namespace,
          policy_label(kind),
          direction_label(target.direction),
          target.metric_target,
          state ? state_name(*state) : ""};
}

void TelemetryObserver::set_breaker_gauge(const PolicyTarget& target, BreakerState state) {
  for (const char* status : {"closed", "half-open", "open", "unknown"}) {
    auto series = labels(target, PolicyKind::circuit_breaker, std::nullopt);
    series.back() = status;
    breaker_state_.with(series).set(std::string_view(status) == state_name(state) ? 1 : 0);
  }
}

void TelemetryObserver::resource_loaded(const Resiliency& resource) {
  log_.info("Loading Resiliency configuration: " + resource.name);
  loaded_.with({app_id_, resource.name, resource.namespace_name}).inc();
}

void TelemetryObserver::resource_rejected(const std::string& name, const std::string& error) {
  log_.error("Could not read resiliency policy " + name + ": " + error);
}

void TelemetryObserver::file_unparsable(const std::string& file, const std::string& error) {
  log_.error("Could not parse resiliency file " + file + ": " + error);
}

void TelemetryObserver::non_yaml_file(const std::string& file) {
  log_.warn("A non-YAML resiliency file " + file + " was detected, it will not be loaded");
}

void TelemetryObserver::builtin_minimum_enforced(const std::string& policy_name) {
  log_.warn("Attempted override of " + policy_name + " did not meet minimum retry count, resetting to 3.");
}

void TelemetryObserver::policy_used(const PolicyTarget& target, PolicyKind kind, std::optional<BreakerState> state) {
  count_.with(labels(target, kind, state)).inc();
  if (kind == PolicyKind::circuit_breaker && state) set_breaker_gauge(target, *state);
}

void TelemetryObserver::policy_activated(const PolicyTarget& target, PolicyKind kind,
                                         std::optional<BreakerState> state) {
  activations_.with(labels(target, kind, state)).inc();
}

void TelemetryObserver::breaker_state_changed(const PolicyTarget& target, const std::string& breaker,
                                              BreakerState from, BreakerState to) {
  log_.info("Circuit breaker \"" + breaker + "\" changed state from " + state_name(from) + " to " + state_name(to));
  set_breaker_gauge(target, to);
}

void TelemetryObserver::retrying(const PolicyTarget& target, const std::string& /*error*/, Duration wait) {
  log_.warn("Error processing operation " + target.operation + ". Retrying in " + format_go_duration(wait) +
            "\xE2\x80\xA6");
}

void TelemetryObserver::recovered(const PolicyTarget& target, int attempts) {
  log_.info("Recovered processing operation " + target.operation + " after " + std::to_string(attempts) +
            " attempts");
}

}  // namespace lf::resiliency
