#pragma once
// A circuit breaker with sony/gobreaker v0.5.0 semantics: lazy interval clearing while closed,
// lazy open -> half-open after timeout, half-open admits maxRequests, generations so results
// from before a state change are ignored, counters reset on every state change.
#include <functional>
#include <mutex>
#include <optional>
#include <string>

#include "core/clock.hpp"
#include "core/expected.hpp"
#include "resiliency/model.hpp"
#include "resiliency/trip_expr.hpp"

namespace lf::resiliency {

enum class BreakerState { closed, half_open, open };
const char* state_name(BreakerState state);  // "closed", "half-open", "open"

enum class BreakerRejection { open, too_many_requests };
const char* rejection_text(BreakerRejection rejection);  // "circuit breaker is open", "too many requests"

class CircuitBreaker {
 public:
  using StateChange = std::function<void(const std::string& name, BreakerState from, BreakerState to)>;

  CircuitBreaker(std::string name, const CircuitBreakerPolicy& policy, const Clock& clock, StateChange on_change = {});

  // Admits a request (returning its generation) or rejects it.
  Expected<std::uint64_t, BreakerRejection> before_request();
  // Records the outcome of an admitted request; ignored if the breaker changed state since.
  void after_request(std::uint64_t generation, bool success);

  BreakerState state();  // applies due lazy transitions first
  TripCounts counts() const;
  const std::string& name() const { return name_; }

 private:
  BreakerState current_state(SteadyTime now);
  void set_state(BreakerState next, SteadyTime now);
  void new_generation(SteadyTime now);
  bool ready_to_trip() const;

  const std::string name_;
  const std::uint32_t max_requests_;
  const Duration interval_;
  const Duration timeout_;
  const std::optional<TripExpression> trip_;
  const Clock& clock_;
  StateChange on_change_;

  mutable std::mutex mutex_;
  BreakerState state_ = BreakerState::closed;
  std::uint64_t generation_ = 0;
  TripCounts counts_;
  std::optional<SteadyTime> expiry_;  // nullopt = Go's zero time
};

}  // namespace lf::resiliency
