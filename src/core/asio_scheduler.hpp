#pragma once
#include <memory>

#include <boost/asio/any_io_executor.hpp>

#include "core/clock.hpp"

namespace lf {

// Scheduler on an Asio executor (steady_timer per scheduled call).
class AsioScheduler final : public Scheduler {
 public:
  explicit AsioScheduler(boost::asio::any_io_executor executor);
  ~AsioScheduler() override;
  SteadyTime now() const override { return std::chrono::steady_clock::now(); }
  WallTime wall_now() const override { return std::chrono::system_clock::now(); }
  TimerId schedule_after(Duration delay, std::function<void()> fn) override;
  bool cancel(TimerId id) override;
  void post(std::function<void()> fn) override;

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace lf
