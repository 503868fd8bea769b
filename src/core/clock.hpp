#pragma once
#include <chrono>
#include <cstdint>
#include <functional>

namespace lf {

using Duration = std::chrono::nanoseconds;
using SteadyTime = std::chrono::steady_clock::time_point;
using WallTime = std::chrono::system_clock::time_point;

// Time source at the boundary, so policy logic is tested with a fake clock.
class Clock {
 public:
  virtual ~Clock() = default;
  virtual SteadyTime now() const = 0;
  virtual WallTime wall_now() const = 0;
};

class SystemClock final : public Clock {
 public:
  SteadyTime now() const override { return std::chrono::steady_clock::now(); }
  WallTime wall_now() const override { return std::chrono::system_clock::now(); }
  static SystemClock& instance() {
    static SystemClock clock;
    return clock;
  }
};

// Deferred work at a time: the boundary the resiliency engine's timers go through.
// Callbacks run on the scheduler's own thread/executor, never inside schedule().
class Scheduler : public Clock {
 public:
  using TimerId = std::uint64_t;
  virtual TimerId schedule_after(Duration delay, std::function<void()> fn) = 0;
  // Returns false when the timer already fired or was cancelled.
  virtual bool cancel(TimerId id) = 0;
  // Runs fn soon on the scheduler's executor.
  virtual void post(std::function<void()> fn) = 0;
};

}  // namespace lf
