#include "resiliency/circuit_breaker.hpp"

namespace lf::resiliency {

const char* state_name(BreakerState state) {
  switch (state) {
    case BreakerState::closed: return "closed";
    case BreakerState::half_open: return "half-open";
    case BreakerState::open: return "open";
  }
  return "unknown";
}

const char* rejection_text(BreakerRejection rejection) {
  return rejection == BreakerRejection::open ? "circuit breaker is open" : "too many requests";
}

CircuitBreaker::CircuitBreaker(std::string name, const CircuitBreakerPolicy& policy, const Clock& clock,
                               StateChange on_change)
    : name_(std::move(name)),
      max_requests_(policy.max_requests == 0 ? 1 : policy.max_requests),
      interval_(policy.interval > Duration::zero() ? policy.interval : Duration::zero()),
      timeout_(policy.timeout > Duration::zero() ? policy.timeout : Duration(std::chrono::seconds(60))),
      trip_(policy.trip),
      clock_(clock),
      on_change_(std::move(on_change)) {
  new_generation(clock_.now());
}

Expected<std::uint64_t, BreakerRejection> CircuitBreaker::before_request() {
  std::lock_guard lock(mutex_);
  auto state = current_state(clock_.now());
  if (state == BreakerState::open) return unexpected(BreakerRejection::open);
  if (state == BreakerState::half_open && counts_.requests >= max_requests_)
    return unexpected(BreakerRejection::too_many_requests);
  ++counts_.requests;
  return generation_;
}

void CircuitBreaker::after_request(std::uint64_t generation, bool success) {
  std::lock_guard lock(mutex_);
  const auto now = clock_.now();
  auto state = current_state(now);
  if (generation != generation_) return;
  if (success) {
    ++counts_.total_successes;
    ++counts_.consecutive_successes;
    counts_.consecutive_failures = 0;
    if (state == BreakerState::half_open && counts_.consecutive_successes >= max_requests_)
      set_state(BreakerState::closed, now);
    return;
  }
  if (state == BreakerState::closed) {
    ++counts_.total_failures;
    ++counts_.consecutive_failures;
    counts_.consecutive_successes = 0;
    if (ready_to_trip()) set_state(BreakerState::open, now);
  } else if (state == BreakerState::half_open) {
    set_state(BreakerState::open, now);
  }
}

BreakerState CircuitBreaker::state() {
  std::lock_guard lock(mutex_);
  return current_state(clock_.now());
}

TripCounts CircuitBreaker::counts() const {
  std::lock_guard lock(mutex_);
  return counts_;
}

BreakerState CircuitBreaker::current_state(SteadyTime now) {
  // gobreaker compares with time.Before: the transition happens strictly after the expiry.
  if (state_ == BreakerState::closed) {
    if (expiry_ && *expiry_ < now) new_generation(now);
  } else if (state_ == BreakerState::open) {
    if (expiry_ && *expiry_ < now) set_state(BreakerState::half_open, now);
  }
  return state_;
}

void CircuitBreaker::set_state(BreakerState next, SteadyTime now) {
  if (state_ == next) return;
  const auto previous = state_;
  state_ = next;
  new_generation(now);
  if (on_change_) on_change_(name_, previous, next);
}

void CircuitBreaker::new_generation(SteadyTime now) {
  ++generation_;
  counts_ = {};
  switch (state_) {
    case BreakerState::closed:
      expiry_ = interval_ == Duration::zero() ? std::nullopt : std::optional(now + interval_);
      break;
    case BreakerState::open: expiry_ = now + timeout_; break;
    case BreakerState::half_open: expiry_.reset(); break;
  }
}

bool CircuitBreaker::ready_to_trip() const {
  if (!trip_) return counts_.consecutive_failures > 5;
  // Like Dapr: an evaluation error (overflow, division by zero) never trips.
  return trip_->evaluate(counts_).value_or(false);
}

}  // namespace lf::resiliency
