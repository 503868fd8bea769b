#pragma once
// The decoded form of a Dapr `Resiliency` resource (dapr.io/v1alpha1), with Dapr's defaults.
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "resiliency/trip_expr.hpp"

namespace lf::resiliency {

using namespace std::chrono_literals;

enum class BackoffKind { constant, exponential };

// "429,500-504": codes and inclusive ranges.
struct StatusCodeRange {
  int first = 0;
  int last = 0;
};

struct StatusCodeSet {
  std::vector<StatusCodeRange> ranges;
  bool contains(int code) const;
};

struct RetryPolicy {
  BackoffKind kind = BackoffKind::constant;
  Duration duration = 5s;       // constant only
  Duration max_interval = 60s;  // exponential only
  std::int64_t max_retries = -1;  // retries, not attempts; negative = unlimited
  // Not settable from YAML (Dapr's fixed exponential constants), but the built-ins differ.
  Duration initial_interval = 500ms;
  Duration max_elapsed = 15min;
  // Unset = every code matches (is retried).
  std::optional<StatusCodeSet> http_status_codes;
  std::optional<StatusCodeSet> grpc_status_codes;
};

struct CircuitBreakerPolicy {
  std::uint32_t max_requests = 0;  // 0 means 1 (gobreaker)
  Duration interval = 0s;          // 0 = counts never cleared while closed
  Duration timeout = 0s;           // 0 means 60s (gobreaker)
  std::optional<TripExpression> trip;  // unset = consecutiveFailures > 5
};

// The policy names a target refers to; empty = not named.
struct PolicyNames {
  std::string timeout;
  std::string retry;
  std::string circuit_breaker;
};

struct AppTarget {
  PolicyNames policies;
  int circuit_breaker_cache_size = 100;
};

struct ComponentTarget {
  std::optional<PolicyNames> inbound;
  std::optional<PolicyNames> outbound;
};

struct Resiliency {
  std::string name;
  std::string namespace_name;
  std::string file;  // where it was read from, for log lines
  std::vector<std::string> scopes;
  std::map<std::string, Duration> timeouts;
  std::map<std::string, RetryPolicy> retries;
  std::map<std::string, CircuitBreakerPolicy> circuit_breakers;
  std::map<std::string, AppTarget> apps;
  std::map<std::string, ComponentTarget> components;
  std::vector<std::string> actors;  // parsed but unsupported: names only

  // Empty scopes, or listing this app id.
  bool applies_to(const std::string& app_id) const;
};

}  // namespace lf::resiliency
