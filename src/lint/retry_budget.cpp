// Retry budget check. What is checked, precisely:
//   An app A serves calls from other apps through service invocation; callers give up on A after
//   `targets.apps.A.timeout` (per attempt). While serving, A's sidecar may use a component C with an
//   outbound policy (e.g. publishing to Kafka). The component's retry budget is
//     attempts × per-attempt timeout + the sum of the back-off waits
//   (attempts = maxRetries + 1; exponential waits at their upper jitter bound, 1.5 × min(500ms·1.5^k,
//   maxInterval)). When that budget is longer than the callers' timeout for A, the caller times out
//   (and, with an app retry policy, calls again and repeats the work) while A is still retrying C.
//   Applies when the Resiliency holding C's policy is in scope for A and C (if linted) is in scope for A.
//   Budgets are unbounded — and reported — when maxRetries is -1 or omitted (retry forever) and a
//   caller timeout exists; a target without a named timeout has no per-attempt bound and is skipped.
#include <optional>
#include <set>

#include "core/duration.hpp"
#include "lint/manifests.hpp"

namespace lf::lint {
namespace {

struct Budget {
  bool unbounded = false;
  Duration total{};
};

std::optional<Budget> outbound_budget(const resiliency::Resiliency& r, const resiliency::PolicyNames& names) {
  if (names.timeout.empty()) return std::nullopt;
  auto timeout = r.timeouts.find(names.timeout);
  if (timeout == r.timeouts.end()) return std::nullopt;
  Budget budget;
  if (names.retry.empty()) {
    budget.total = timeout->second;
    return budget;
  }
  auto retry = r.retries.find(names.retry);
  if (retry == r.retries.end()) return std::nullopt;
  const auto& policy = retry->second;
  if (policy.max_retries < 0) {
    budget.unbounded = true;
    return budget;
  }
  budget.total = timeout->second * (policy.max_retries + 1);
  Duration base = policy.initial_interval;
  for (std::int64_t k = 0; k < policy.max_retries; ++k) {
    if (policy.kind == resiliency::BackoffKind::constant) {
      budget.total += policy.duration;
    } else {
      Duration wait = std::min(base, policy.max_interval);
      budget.total += wait + wait / 2;
      base = std::chrono::duration_cast<Duration>(base * 1.5);
    }
  }
  return budget;
}

struct CallerTimeout {
  Duration timeout{};
  std::string resiliency_name;
};

// The timeout callers apply to `app` (targets.apps.<app>.timeout), from any Resiliency.
std::optional<CallerTimeout> caller_timeout(const ManifestSet& set, const std::string& app) {
  for (const auto& r : set.resiliencies) {
    auto target = r.value.apps.find(app);
    if (target == r.value.apps.end() || target->second.policies.timeout.empty()) continue;
    auto timeout = r.value.timeouts.find(target->second.policies.timeout);
    if (timeout != r.value.timeouts.end()) return CallerTimeout{timeout->second, r.value.name};
  }
  return std::nullopt;
}

bool component_in_scope(const ManifestSet& set, const std::string& component, const std::string& app) {
  for (const auto& c : set.components)
    if (c.value.metadata.name == component) return c.value.in_scope(app);
  return true;  // not linted: assume every app may load it
}

std::set<std::string> candidate_apps(const ManifestSet& set) {
  std::set<std::string> apps;
  for (const auto& id : set.dapr_app_ids()) apps.insert(id);
  for (const auto& r : set.resiliencies)
    for (const auto& [app, target] : r.value.apps) apps.insert(app);
  return apps;
}

}  // namespace

void check_retry_budgets(const ManifestSet& set, Diagnostics& diags) {
  const auto apps = candidate_apps(set);
  for (const auto& r : set.resiliencies) {
    for (const auto& [component, target] : r.value.components) {
      if (!target.outbound) continue;
      auto budget = outbound_budget(r.value, *target.outbound);
      if (!budget) continue;
      auto outbound = node_at(r.doc.root, {"spec", "targets", "components", component, "outbound"});
      auto where = r.doc.key_where(outbound, target.outbound->retry.empty() ? "timeout" : "retry");
      for (const auto& app : apps) {
        if (!r.value.applies_to(app) || !component_in_scope(set, component, app)) continue;
        auto caller = caller_timeout(set, app);
        if (!caller || (!budget->unbounded && budget->total <= caller->timeout)) continue;
        std::string amount = budget->unbounded ? "unbounded (maxRetries -1 retries forever)"
                                               : format_go_duration(budget->total) + " (attempts × timeout + back-off)";
        diags.warning(where,
                      "the outbound retry budget of component " + component + " is " + amount +
                          ", longer than the " + format_go_duration(caller->timeout) + " timeout callers apply to " +
                          app + " (targets.apps." + app + ".timeout): a caller gives up while " + app +
                          " is still retrying",
                      "lower maxRetries or the per-attempt timeout, or raise the app timeout above the budget");
      }
    }
  }
}

}  // namespace lf::lint
