#pragma once
// Deterministic time for unit tests: nothing happens until the test advances the clock.
#include <map>
#include <utility>

#include "core/clock.hpp"

namespace lf::testing {

class FakeScheduler final : public Scheduler {
 public:
  SteadyTime now() const override { return now_; }
  WallTime wall_now() const override { return WallTime{} + (now_ - SteadyTime{}) + std::chrono::hours(24 * 365 * 56); }

  TimerId schedule_after(Duration delay, std::function<void()> fn) override {
    if (delay < Duration::zero()) delay = Duration::zero();
    TimerId id = next_id_++;
    timers_.emplace(std::make_pair(now_ + delay, id), std::move(fn));
    return id;
  }
  bool cancel(TimerId id) override {
    for (auto it = timers_.begin(); it != timers_.end(); ++it)
      if (it->first.second == id) {
        timers_.erase(it);
        return true;
      }
    return false;
  }
  void post(std::function<void()> fn) override { schedule_after(Duration::zero(), std::move(fn)); }

  // Runs everything due now (including work that due work schedules for now).
  void run_due() {
    while (!timers_.empty() && timers_.begin()->first.first <= now_) {
      auto node = timers_.extract(timers_.begin());
      node.mapped()();
    }
  }
  // Moves time forward by d, firing timers in deadline order at their own instants.
  void advance(Duration d) {
    SteadyTime target = now_ + d;
    run_due();
    while (!timers_.empty() && timers_.begin()->first.first <= target) {
      now_ = timers_.begin()->first.first;
      run_due();
    }
    now_ = target;
    run_due();
  }
  // Jumps to the next pending timer and fires it; false when none is pending.
  bool advance_to_next() {
    if (timers_.empty()) return false;
    now_ = std::max(now_, timers_.begin()->first.first);
    run_due();
    return true;
  }
  std::size_t pending() const { return timers_.size(); }
  Duration elapsed() const { return now_ - SteadyTime{}; }

 private:
  SteadyTime now_{};
  TimerId next_id_ = 1;
  std::map<std::pair<SteadyTime, TimerId>, std::function<void()>> timers_;
};

}  // namespace lf::testing
