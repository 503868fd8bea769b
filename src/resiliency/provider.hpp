#pragma once
// All Resiliency resources that apply to one app, merged (later wins on duplicate names), and the
// lookups daprd makes: per-target policies with Dapr's default-policy names, built-in retries,
// and the breaker registries (per app+method with an LRU, one per component).
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/clock.hpp"
#include "resiliency/circuit_breaker.hpp"
#include "resiliency/model.hpp"
#include "resiliency/observer.hpp"
#include "resiliency/runner.hpp"

namespace lf::resiliency {

enum class ComponentType { pubsub, statestore, binding, secretstore, configuration, lock, crypto, conversation };
const char* component_type_name(ComponentType type);  // "Pubsub", "Statestore", ...

enum class BuiltInRetry { service, actor, initialization };
const char* builtin_retry_name(BuiltInRetry which);  // "DaprBuiltInServiceRetries", ...
RetryPolicy builtin_retry_default(BuiltInRetry which);

class Provider {
 public:
  Provider(std::string app_id, const Clock& clock, Observer* observer = nullptr);

  // Merges each resource whose scopes include this app (or are empty), in order.
  void load(const std::vector<Resiliency>& resources);
  void add(const Resiliency& resource);

  // Service invocation of `method` on `app_id` (the callee), as the caller's sidecar applies it.
  PolicyDefinition endpoint_policy(const std::string& app_id, const std::string& method);
  // Sidecar -> component (publish, state, output bindings).
  PolicyDefinition component_outbound_policy(const std::string& component, ComponentType type);
  // Component -> app deliveries (subscriptions, input bindings).
  PolicyDefinition component_inbound_policy(const std::string& component, ComponentType type);

  // A built-in retry, or the user's same-name override (raised to at least 3 retries).
  RetryPolicy builtin_retry(BuiltInRetry which) const;
  // DaprBuiltInServiceRetries applies only when the callee has no apps target.
  bool has_app_target(const std::string& app_id) const;

  std::size_t endpoint_breaker_count(const std::string& app_id) const;
  const std::string& app_id() const { return app_id_; }

 private:
  enum class Scope { app, component };
  struct Selected {
    const Duration* timeout = nullptr;
    const RetryPolicy* retry = nullptr;
    const CircuitBreakerPolicy* breaker = nullptr;
    std::string breaker_name;
  };
  // An LRU of breakers for one callee app.
  struct BreakerCache {
    std::size_t capacity = 100;
    std::list<std::pair<std::string, std::shared_ptr<CircuitBreaker>>> entries;  // most recent first
    std::unordered_map<std::string, decltype(entries)::iterator> index;
  };

  Selected select(const PolicyNames* named, const std::vector<std::string>& default_prefixes) const;
  PolicyDefinition component_policy(const std::string& component, ComponentType type, FlowDirection direction);
  PolicyDefinition definition(PolicyTarget target, const Selected& selected) const;
  std::shared_ptr<CircuitBreaker> make_breaker(const std::string& name, const CircuitBreakerPolicy& policy,
                                               const PolicyTarget& target) const;
  PolicyTarget make_target(std::string operation, std::string metric_target, FlowDirection direction) const;
  void report_usage(const PolicyDefinition& def) const;

  const std::string app_id_;
  const Clock& clock_;
  Observer* observer_;

  mutable std::mutex mutex_;
  std::string resource_name_;
  std::string resource_namespace_;
  std::map<std::string, Duration> timeouts_;
  std::map<std::string, RetryPolicy> retries_;
  std::map<std::string, CircuitBreakerPolicy> breakers_;
  std::map<std::string, AppTarget> apps_;
  std::map<std::string, ComponentTarget> components_;
  std::map<std::string, BreakerCache> endpoint_breakers_;
  std::map<std::string, std::shared_ptr<CircuitBreaker>> component_breakers_;
};

}  // namespace lf::resiliency
