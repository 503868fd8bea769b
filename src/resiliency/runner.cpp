#include "resiliency/runner.hpp"

namespace lf::resiliency {

void CancelSignal::on_cancel(std::function<void()> fn) {
  {
    std::lock_guard lock(mutex_);
    if (!cancelled_.load()) {
      callbacks_.push_back(std::move(fn));
      return;
    }
  }
  fn();
}

void CancelSignal::cancel() {
  std::vector<std::function<void()>> callbacks;
  {
    std::lock_guard lock(mutex_);
    if (cancelled_.exchange(true)) return;
    callbacks.swap(callbacks_);
  }
  for (auto& fn : callbacks) fn();
}

bool status_matches(const RetryPolicy& policy, int status) {
  const auto& http = policy.http_status_codes;
  const auto& grpc = policy.grpc_status_codes;
  if (status >= 100 && status < 1000) return !http || http->contains(status);
  if (status >= 0 && status < 100) return !grpc || grpc->contains(status);
  return !http && !grpc;
}

namespace {

// One operation's life: attempts, their timeouts, the waits between them.
class Run final : public RunHandle, public std::enable_shared_from_this<Run> {
 public:
  Run(Scheduler& scheduler, Observer* observer, const PolicyDefinition& policy, Operation operation,
      OpCompletion done, RandomSource random)
      : scheduler_(scheduler), observer_(observer), policy_(policy), operation_(std::move(operation)),
        done_(std::move(done)) {
    if (policy_.retry) backoff_.emplace(*policy_.retry, scheduler_.now(), std::move(random));
  }

  void start_attempt() {
    std::shared_ptr<CancelSignal> signal;
    Operation operation;
    int number = 0;
    {
      std::lock_guard lock(mutex_);
      if (finished_) return;
      operation = operation_;
      number = ++attempt_;
      attempt_open_ = true;
      attempt_started_ = scheduler_.now();
      wait_timer_.reset();
      signal = signal_ = std::make_shared<CancelSignal>();
    }
    if (policy_.breaker) {
      auto admitted = policy_.breaker->before_request();
      if (!admitted) {
        close_attempt(number);
        settle(OpResult::rejected(admitted.error()), false);
        return;
      }
      std::lock_guard lock(mutex_);
      generation_ = *admitted;
    }
    if (policy_.timeout && *policy_.timeout > Duration::zero()) {
      auto id = scheduler_.schedule_after(*policy_.timeout, [self = shared_from_this(), number] { self->timed_out(number); });
      std::lock_guard lock(mutex_);
      if (attempt_open_ && attempt_ == number) timeout_timer_ = id;
    }
    operation(AttemptContext{number, signal},
               [self = shared_from_this(), number](OpResult result) { self->completed(number, std::move(result)); });
  }

  void cancel() override {
    bool was_open = false;
    std::shared_ptr<CancelSignal> signal;
    {
      std::lock_guard lock(mutex_);
      if (finished_) return;
      was_open = attempt_open_;
      attempt_open_ = false;
      cancel_timers();
      signal = signal_;
    }
    if (signal) signal->cancel();
    // Dapr's breaker sees the cancelled attempt's context error as a failure.
    if (was_open && policy_.breaker) policy_.breaker->after_request(generation_, false);
    finish(OpResult::canceled());
  }

 private:
  // Marks the attempt as settled; false if it already was (late result, timeout race).
  bool close_attempt(int number) {
    std::lock_guard lock(mutex_);
    if (finished_ || number != attempt_ || !attempt_open_) return false;
    attempt_open_ = false;
    cancel_timers();
    return true;
  }

  void cancel_timers() {
    if (timeout_timer_) scheduler_.cancel(*timeout_timer_);
    if (wait_timer_) scheduler_.cancel(*wait_timer_);
    timeout_timer_.reset();
    wait_timer_.reset();
  }

  void completed(int number, OpResult result) {
    if (!close_attempt(number)) return;
    // An operation that gives up by itself at its deadline (the Kafka producer's own message
    // timeout) races the timer; in Dapr its context has expired either way, so it is a timeout.
    if (result.kind == OpResult::Kind::error && policy_.timeout &&
        *policy_.timeout > Duration::zero() && scheduler_.now() - attempt_started_ >= *policy_.timeout)
      result = OpResult::deadline_exceeded();
    settle(std::move(result), true);
  }

  void timed_out(int number) {
    std::shared_ptr<CancelSignal> signal;
    {
      std::lock_guard lock(mutex_);
      if (finished_ || number != attempt_ || !attempt_open_) return;
      attempt_open_ = false;
      timeout_timer_.reset();
      signal = signal_;
    }
    signal->cancel();
    settle(OpResult::deadline_exceeded(), true);
  }

  void settle(OpResult result, bool admitted) {
    if (admitted && policy_.breaker) policy_.breaker->after_request(generation_, result.is_ok());
    if (result.kind == OpResult::Kind::deadline_exceeded && !timeout_activated_) {
      timeout_activated_ = true;
      if (observer_) observer_->policy_activated(policy_.target, PolicyKind::timeout, std::nullopt);
    }
    if (result.is_ok()) {
      if (notified_ && observer_) observer_->recovered(policy_.target, attempt_);
      finish(std::move(result));
      return;
    }
    if (!retryable(result)) {
      finish(std::move(result));
      return;
    }
    auto wait = backoff_->next(scheduler_.now());
    if (!wait) {
      finish(std::move(result));
      return;
    }
    if (!notified_) {
      notified_ = true;
      if (observer_) {
        observer_->retrying(policy_.target, result.message, *wait);
        observer_->policy_activated(policy_.target, PolicyKind::retry, std::nullopt);
      }
    }
    auto id = scheduler_.schedule_after(*wait, [self = shared_from_this()] { self->start_attempt(); });
    std::lock_guard lock(mutex_);
    if (finished_)
      scheduler_.cancel(id);
    else
      wait_timer_ = id;
  }

  bool retryable(const OpResult& result) const {
    if (!backoff_) return false;
    switch (result.kind) {
      case OpResult::Kind::code_error: return status_matches(*policy_.retry, result.status);
      case OpResult::Kind::error:
      case OpResult::Kind::deadline_exceeded: return true;
      default: return false;
    }
  }

  void finish(OpResult result) {
    OpCompletion done;
    {
      std::lock_guard lock(mutex_);
      if (finished_) return;
      finished_ = true;
      done.swap(done_);
      // Drop the operation so captures that point back at this run cannot keep it alive.
      operation_ = nullptr;
    }
    if (done) done(std::move(result));
  }

  Scheduler& scheduler_;
  Observer* observer_;
  const PolicyDefinition policy_;
  Operation operation_;
  OpCompletion done_;
  std::optional<Backoff> backoff_;

  std::mutex mutex_;
  int attempt_ = 0;
  bool attempt_open_ = false;
  bool finished_ = false;
  std::uint64_t generation_ = 0;
  std::shared_ptr<CancelSignal> signal_;
  std::optional<Scheduler::TimerId> timeout_timer_;
  SteadyTime attempt_started_{};
  std::optional<Scheduler::TimerId> wait_timer_;
  // Touched only while settling an attempt, which never overlaps the next one.
  bool notified_ = false;
  bool timeout_activated_ = false;
};

}  // namespace

Runner::Runner(Scheduler& scheduler, Observer* observer, RandomSource random)
    : scheduler_(scheduler), observer_(observer), random_(std::move(random)) {}

std::shared_ptr<RunHandle> Runner::run(const PolicyDefinition& policy, Operation operation, OpCompletion done) {
  auto run = std::make_shared<Run>(scheduler_, observer_, policy, std::move(operation), std::move(done), random_);
  run->start_attempt();
  return run;
}

}  // namespace lf::resiliency
