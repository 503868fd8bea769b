#include "resiliency/backoff.hpp"

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
