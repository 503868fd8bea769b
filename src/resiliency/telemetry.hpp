#pragma once
// The Observer daprd has: its log lines (scope dapr.runtime) and dapr_resiliency_* metrics.
#include <string>

#include "log/log.hpp"
#include "metrics/metrics.hpp"
#include "resiliency/observer.hpp"

namespace lf::resiliency {

class TelemetryObserver final : public Observer {
 public:
  TelemetryObserver(std::string app_id, metrics::Registry& registry);

  void resource_loaded(const Resiliency& resource) override;
  void resource_rejected(const std::string& name, const std::string& error) override;
  void file_unparsable(const std::string& file, const std::string& error) override;
  void non_yaml_file(const std::string& file) override;
  void builtin_minimum_enforced(const std::string& policy_name) override;
  void policy_used(const PolicyTarget& target, PolicyKind kind, std::optional<BreakerState> state) override;
  void policy_activated(const PolicyTarget& target, PolicyKind kind, std::optional<BreakerState> state) override;
  void breaker_state_changed(const PolicyTarget& target, const std::string& breaker, BreakerState from,
                             BreakerState to) override;
  void retrying(const PolicyTarget& target, const std::string& error, Duration wait) override;
  void recovered(const PolicyTarget& target, int attempts) override;

 private:
  std::vector<std::string> labels(const PolicyTarget& target, PolicyKind kind, std::optional<BreakerState> state) const;
  void set_breaker_gauge(const PolicyTarget& target, BreakerState state);

  log::Logger log_{"dapr.runtime"};
  std::string app_id_;
  metrics::CounterFamily& loaded_;
  metrics::CounterFamily& count_;
  metrics::CounterFamily& activations_;
  metrics::GaugeFamily& breaker_state_;
};

}  // namespace lf::resiliency
