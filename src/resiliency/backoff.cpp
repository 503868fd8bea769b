#include "resiliency/backoff.hpp"

#include <algorithm>
#include <mutex>
#include <random>

namespace lf::resiliency {

RandomSource default_random_source() {
  return [] {
    static std::mutex mutex;
    static std::mt19937_64 engine{std::random_device{}()};
    std::lock_guard lock(mutex);
    return std::uniform_real_distribution<double>(0.0, 1.0)(engine);
  };
}

std::optional<Duration> retry_budget(const RetryPolicy& policy, Duration per_attempt) {
  using Nanos = long double;
  const Nanos limit = static_cast<Nanos>(Duration::max().count());
  auto clamp = [&](Nanos v) { return Duration(static_cast<Duration::rep>(v >= limit ? limit : v)); };
  const Nanos attempt = static_cast<Nanos>(std::max(per_attempt, Duration::zero()).count());
  const bool unlimited = policy.max_retries < 0;
  const Nanos retries = static_cast<Nanos>(unlimited ? 0 : policy.max_retries);
  if (policy.kind == BackoffKind::constant) {
    if (unlimited) return std::nullopt;
    return clamp((retries + 1) * attempt + retries * static_cast<Nanos>(policy.duration.count()));
  }
  // Exponential: the waits grow ×1.5 up to maxInterval, then stay there; sum them in closed form
  // once clamped so tiny intervals cannot make this loop long.
  const bool capped = policy.max_elapsed > Duration::zero();
  if (!capped && unlimited) return std::nullopt;
  const Nanos cap = capped ? static_cast<Nanos>(policy.max_elapsed.count()) + attempt : limit;
  const Nanos max_interval = static_cast<Nanos>(policy.max_interval.count());
  Nanos base = static_cast<Nanos>(policy.initial_interval.count());
  Nanos total = attempt;  // the first attempt
  Nanos done = 0;
  while ((unlimited || done < retries) && base < max_interval && total <= cap) {
    total += (1 + Backoff::kRandomizationFactor) * base + attempt;
    base = base >= max_interval / Backoff::kMultiplier ? max_interval : base * Backoff::kMultiplier;
    ++done;
  }
  if ((unlimited || done < retries) && total <= cap) {
    const Nanos remaining = unlimited ? limit : retries - done;
    total += remaining * ((1 + Backoff::kRandomizationFactor) * max_interval + attempt);
  }
  return clamp(std::min(total, cap));
}

Backoff::Backoff(const RetryPolicy& policy, SteadyTime start, RandomSource random)
    : policy_(policy), start_(start), random_(std::move(random)), current_interval_(policy.initial_interval) {}

std::optional<Duration> Backoff::next(SteadyTime now) {
  if (policy_.max_retries == 0) return std::nullopt;
  if (policy_.max_retries > 0) {
    if (retries_ >= policy_.max_retries) return std::nullopt;
    ++retries_;
  }
  if (policy_.kind == BackoffKind::constant) return policy_.duration;

  const auto current = static_cast<double>(current_interval_.count());
  const double delta = kRandomizationFactor * current;
  const double low = current - delta, high = current + delta;
  // cenkalti's formula, including its +1ns on the range.
  const auto wait = Duration(static_cast<Duration::rep>(low + random_() * (high - low + 1)));
  const auto max_interval = static_cast<double>(policy_.max_interval.count());
  current_interval_ = current >= max_interval / kMultiplier
                          ? policy_.max_interval
                          : Duration(static_cast<Duration::rep>(current * kMultiplier));
  if (policy_.max_elapsed != Duration::zero() && (now - start_) + wait > policy_.max_elapsed) return std::nullopt;
  return wait;
}

}  // namespace lf::resiliency
