#pragma once
// Dapr's retry back-off (kit/retry on cenkalti/backoff v4): constant waits, or exponential from
// 500ms ×1.5 clamped at maxInterval with ±50 % jitter, stopping once elapsed + next wait would
// pass maxElapsed (15 min). maxRetries counts retries; negative = unlimited.
#include <functional>
#include <optional>

#include "core/clock.hpp"
#include "resiliency/model.hpp"

namespace lf::resiliency {

// Uniform in [0, 1); injected so tests can pin the jitter.
using RandomSource = std::function<double()>;
RandomSource default_random_source();

// The longest a run under `policy` can take before it gives up, when each attempt takes at most
// `per_attempt` (its timeout; zero to count the waits only): attempts × per_attempt plus every
// wait at its upper jitter bound, capped by the exponential 15-minute rule. nullopt = unbounded
// (unlimited constant retries). For lint's "retry budget longer than the caller's timeout".
std::optional<Duration> retry_budget(const RetryPolicy& policy, Duration per_attempt);

class Backoff {
 public:
  static constexpr double kMultiplier = 1.5;
  static constexpr double kRandomizationFactor = 0.5;

  Backoff(const RetryPolicy& policy, SteadyTime start, RandomSource random);
  // The wait before the next attempt, or nullopt when retrying must stop.
  std::optional<Duration> next(SteadyTime now);

 private:
  RetryPolicy policy_;
  SteadyTime start_;
  RandomSource random_;
  std::int64_t retries_ = 0;
  Duration current_interval_;
};

}  // namespace lf::resiliency
