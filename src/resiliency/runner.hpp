#pragma once
// Runs an asynchronous operation as Dapr does: retry(circuitBreaker(timeout(op))).
// - The timeout is per attempt; a timed-out attempt fails with "context deadline exceeded" at
//   once and its cancel signal fires (an operation that ignores it may still finish: its late
//   result is dropped).
// - Every admitted attempt's outcome is recorded by the breaker (all errors count as failures).
// - CodeError outcomes are retried only when they match the policy's `matching`; other errors
//   always are; breaker rejections never are.
// All timing goes through the Scheduler. The operation's completion may be called from any
// thread, at most once per attempt.
#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "resiliency/backoff.hpp"
#include "resiliency/circuit_breaker.hpp"
#include "resiliency/model.hpp"
#include "resiliency/observer.hpp"

namespace lf::resiliency {

struct OpResult {
  enum class Kind {
    success,
    code_error,         // carries a status: HTTP (100-999) or gRPC (0-99), matched against `matching`
    error,              // transport and other errors: always retried
    breaker_rejected,   // "circuit breaker is open" / "too many requests": never retried
    deadline_exceeded,  // the per-attempt timeout fired
    canceled,           // the caller gave up (client disconnect)
  };
  Kind kind = Kind::success;
  int status = 0;
  std::string message;

  static OpResult ok() { return {}; }
  static OpResult code_error(int status, std::string message) { return {Kind::code_error, status, std::move(message)}; }
  static OpResult failure(std::string message) { return {Kind::error, 0, std::move(message)}; }
  static OpResult rejected(BreakerRejection why) { return {Kind::breaker_rejected, 0, rejection_text(why)}; }
  static OpResult deadline_exceeded() { return {Kind::deadline_exceeded, 0, "context deadline exceeded"}; }
  static OpResult canceled() { return {Kind::canceled, 0, "context canceled"}; }
  bool is_ok() const { return kind == Kind::success; }
};

// Fired when an attempt timed out or the run was cancelled; operations may watch it.
class CancelSignal {
 public:
  bool cancelled() const { return cancelled_.load(); }
  // Runs fn at cancellation (at once if already cancelled).
  void on_cancel(std::function<void()> fn);
  void cancel();

 private:
  std::atomic<bool> cancelled_{false};
  std::mutex mutex_;
  std::vector<std::function<void()>> callbacks_;
};

struct AttemptContext {
  int attempt = 1;  // 1-based
  std::shared_ptr<CancelSignal> cancel;
};

using OpCompletion = std::function<void(OpResult)>;
using Operation = std::function<void(const AttemptContext&, OpCompletion)>;

// The policies that apply to one operation, from Provider lookups (or built by hand).
struct PolicyDefinition {
  PolicyTarget target;
  std::optional<Duration> timeout;  // <= 0 means none
  std::optional<RetryPolicy> retry;
  std::shared_ptr<CircuitBreaker> breaker;
  bool has_any() const { return timeout.has_value() || retry.has_value() || breaker != nullptr; }
};

// True when a CodeError with this status may be retried under the policy.
bool status_matches(const RetryPolicy& policy, int status);

class RunHandle {
 public:
  virtual ~RunHandle() = default;
  // Ends the run with "context canceled" (no further attempts); no-op when already finished.
  virtual void cancel() = 0;
};

class Runner {
 public:
  explicit Runner(Scheduler& scheduler, Observer* observer = nullptr, RandomSource random = default_random_source());

  // Starts the first attempt now; `done` runs exactly once with the final outcome.
  std::shared_ptr<RunHandle> run(const PolicyDefinition& policy, Operation operation, OpCompletion done);

  Scheduler& scheduler() { return scheduler_; }

 private:
  Scheduler& scheduler_;
  Observer* observer_;
  RandomSource random_;
};

}  // namespace lf::resiliency
