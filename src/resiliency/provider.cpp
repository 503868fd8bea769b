#include "resiliency/provider.hpp"

namespace lf::resiliency {

const char* component_type_name(ComponentType type) {
  switch (type) {
    case ComponentType::pubsub: return "Pubsub";
    case ComponentType::statestore: return "Statestore";
    case ComponentType::binding: return "Binding";
    case ComponentType::secretstore: return "Secretstore";
    case ComponentType::configuration: return "Configuration";
    case ComponentType::lock: return "Lock";
    case ComponentType::crypto: return "Crypto";
    case ComponentType::conversation: return "Conversation";
  }
  return "Component";
}

const char* builtin_retry_name(BuiltInRetry which) {
  switch (which) {
    case BuiltInRetry::service: return "DaprBuiltInServiceRetries";
    case BuiltInRetry::actor: return "DaprBuiltInActorRetries";
    case BuiltInRetry::initialization: return "DaprBuiltInInitializationRetries";
  }
  return "";
}

RetryPolicy builtin_retry_default(BuiltInRetry which) {
  RetryPolicy policy;
  policy.max_retries = 3;
  if (which == BuiltInRetry::initialization) {
    policy.kind = BackoffKind::exponential;
    policy.initial_interval = 500ms;
    policy.max_interval = 1s;
    policy.max_elapsed = 10s;
  } else {
    policy.kind = BackoffKind::constant;
    policy.duration = 1s;
  }
  return policy;
}

namespace {

constexpr BuiltInRetry kBuiltIns[] = {BuiltInRetry::service, BuiltInRetry::actor, BuiltInRetry::initialization};
constexpr std::int64_t kBuiltInMinimumRetries = 3;

template <typename Map>
const typename Map::mapped_type* find_named(const Map& map, const std::string& name) {
  if (name.empty()) return nullptr;
  auto it = map.find(name);
  return it == map.end() ? nullptr : &it->second;
}

// The first of `<prefix><kind>Policy` that exists, most specific prefix first.
template <typename Map>
std::string find_default(const Map& map, const std::vector<std::string>& prefixes, const char* kind) {
  for (const auto& prefix : prefixes) {
    std::string name = prefix + kind + "Policy";
    if (map.count(name)) return name;
  }
  return {};
}

}  // namespace

Provider::Provider(std::string app_id, const Clock& clock, Observer* observer)
    : app_id_(std::move(app_id)), clock_(clock), observer_(observer) {}

void Provider::load(const std::vector<Resiliency>& resources) {
  for (const auto& resource : resources) add(resource);
}

void Provider::add(const Resiliency& resource) {
  if (!resource.applies_to(app_id_)) return;
  if (observer_) observer_->resource_loaded(resource);
  std::lock_guard lock(mutex_);
  resource_name_ = resource.name;
  resource_namespace_ = resource.namespace_name;
  for (const auto& [name, value] : resource.timeouts) timeouts_.insert_or_assign(name, value);
  for (auto [name, value] : resource.retries) {
    for (auto builtin : kBuiltIns) {
      if (name == builtin_retry_name(builtin) && value.max_retries < kBuiltInMinimumRetries) {
        if (observer_) observer_->builtin_minimum_enforced(name);
        value.max_retries = kBuiltInMinimumRetries;
      }
    }
    retries_.insert_or_assign(name, value);
  }
  for (const auto& [name, value] : resource.circuit_breakers) breakers_.insert_or_assign(name, value);
  for (const auto& [name, value] : resource.apps) apps_.insert_or_assign(name, value);
  for (const auto& [name, value] : resource.components) components_.insert_or_assign(name, value);
}

Provider::Selected Provider::select(const PolicyNames* named, const std::vector<std::string>& default_prefixes) const {
  PolicyNames names;
  if (named) {
    names = *named;  // a target that exists gets no defaults, even for kinds it leaves out
  } else {
    names.timeout = find_default(timeouts_, default_prefixes, "Timeout");
    names.retry = find_default(retries_, default_prefixes, "Retry");
    names.circuit_breaker = find_default(breakers_, default_prefixes, "CircuitBreaker");
  }
  Selected selected;
  selected.timeout = find_named(timeouts_, names.timeout);
  selected.retry = find_named(retries_, names.retry);
  selected.breaker = find_named(breakers_, names.circuit_breaker);
  selected.breaker_name = names.circuit_breaker;
  return selected;
}

PolicyTarget Provider::make_target(std::string operation, std::string metric_target, FlowDirection direction) const {
  return PolicyTarget{std::move(operation), std::move(metric_target), direction, resource_name_, resource_namespace_};
}

PolicyDefinition Provider::definition(PolicyTarget target, const Selected& selected) const {
  PolicyDefinition def;
  def.target = std::move(target);
  if (selected.timeout) def.timeout = *selected.timeout;
  if (selected.retry) def.retry = *selected.retry;
  return def;
}

std::shared_ptr<CircuitBreaker> Provider::make_breaker(const std::string& name, const CircuitBreakerPolicy& policy,
                                                       const PolicyTarget& target) const {
  Observer* observer = observer_;
  return std::make_shared<CircuitBreaker>(
      name, policy, clock_, [observer, target](const std::string& breaker, BreakerState from, BreakerState to) {
        if (!observer) return;
        observer->breaker_state_changed(target, breaker, from, to);
        observer->policy_activated(target, PolicyKind::circuit_breaker, to);
      });
}

void Provider::report_usage(const PolicyDefinition& def) const {
  if (!observer_) return;
  if (def.timeout) observer_->policy_used(def.target, PolicyKind::timeout, std::nullopt);
  if (def.retry) observer_->policy_used(def.target, PolicyKind::retry, std::nullopt);
  if (def.breaker) observer_->policy_used(def.target, PolicyKind::circuit_breaker, def.breaker->state());
}

PolicyDefinition Provider::endpoint_policy(const std::string& app_id, const std::string& method) {
  const std::string endpoint = app_id + ":" + method;
  PolicyDefinition def;
  {
    std::lock_guard lock(mutex_);
    const AppTarget* target = find_named(apps_, app_id);
    Selected selected = select(target ? &target->policies : nullptr, {"DefaultApp", "Default"});
    def = definition(make_target("endpoint[" + app_id + ", " + endpoint + "]", "app_" + app_id, FlowDirection::outbound),
                     selected);
    if (selected.breaker) {
      auto [cache_it, created] = endpoint_breakers_.try_emplace(app_id);
      BreakerCache& cache = cache_it->second;
      if (created) cache.capacity = static_cast<std::size_t>(target ? target->circuit_breaker_cache_size : 100);
      if (auto found = cache.index.find(endpoint); found != cache.index.end()) {
        cache.entries.splice(cache.entries.begin(), cache.entries, found->second);
      } else {
        cache.entries.emplace_front(endpoint, make_breaker(endpoint, *selected.breaker, def.target));
        cache.index[endpoint] = cache.entries.begin();
        if (cache.entries.size() > cache.capacity) {
          cache.index.erase(cache.entries.back().first);
          cache.entries.pop_back();
        }
      }
      def.breaker = cache.entries.front().second;
    }
  }
  report_usage(def);
  return def;
}

PolicyDefinition Provider::component_policy(const std::string& component, ComponentType type,
                                            FlowDirection direction) {
  const bool inbound = direction == FlowDirection::inbound;
  const std::string type_name = component_type_name(type);
  const std::string dir = inbound ? "Inbound" : "Outbound";
  PolicyDefinition def;
  {
    std::lock_guard lock(mutex_);
    const ComponentTarget* target = find_named(components_, component);
    std::optional<PolicyNames> named;
    if (target) named = (inbound ? target->inbound : target->outbound).value_or(PolicyNames{});
    Selected selected = select(named ? &*named : nullptr, {"Default" + type_name + "Component" + dir,
                                                           "DefaultComponent" + dir, "DefaultComponent", "Default"});
    def = definition(make_target("component[" + component + "] " + (inbound ? "input" : "output"),
                                 type_name + "_" + component, direction),
                     selected);
    if (selected.breaker) {
      // One breaker per component, shared by both directions; the first creator's settings win.
      const std::string name = selected.breaker_name + "-" + component;
      auto& slot = component_breakers_[name];
      if (!slot) slot = make_breaker(name, *selected.breaker, def.target);
      def.breaker = slot;
    }
  }
  report_usage(def);
  return def;
}

PolicyDefinition Provider::component_outbound_policy(const std::string& component, ComponentType type) {
  return component_policy(component, type, FlowDirection::outbound);
}

PolicyDefinition Provider::component_inbound_policy(const std::string& component, ComponentType type) {
  return component_policy(component, type, FlowDirection::inbound);
}

RetryPolicy Provider::builtin_retry(BuiltInRetry which) const {
  std::lock_guard lock(mutex_);
  if (auto* override_policy = find_named(retries_, builtin_retry_name(which))) return *override_policy;
  return builtin_retry_default(which);
}

bool Provider::has_app_target(const std::string& app_id) const {
  std::lock_guard lock(mutex_);
  return apps_.count(app_id) > 0;
}

std::size_t Provider::endpoint_breaker_count(const std::string& app_id) const {
  std::lock_guard lock(mutex_);
  auto it = endpoint_breakers_.find(app_id);
  return it == endpoint_breakers_.end() ? 0 : it->second.entries.size();
}

}  // namespace lf::resiliency
