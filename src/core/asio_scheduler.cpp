#include "core/asio_scheduler.hpp"

#include <mutex>
#include <unordered_map>

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

namespace lf {

struct AsioScheduler::State {
  boost::asio::any_io_executor executor;
  std::mutex mutex;
  TimerId next_id = 1;
  std::unordered_map<TimerId, std::shared_ptr<boost::asio::steady_timer>> timers;
};

AsioScheduler::AsioScheduler(boost::asio::any_io_executor executor) : state_(std::make_shared<State>()) {
  state_->executor = std::move(executor);
}

AsioScheduler::~AsioScheduler() {
  std::lock_guard lock(state_->mutex);
  for (auto& [id, timer] : state_->timers) timer->cancel();
  state_->timers.clear();
}

Scheduler::TimerId AsioScheduler::schedule_after(Duration delay, std::function<void()> fn) {
  auto timer = std::make_shared<boost::asio::steady_timer>(state_->executor, delay);
  TimerId id;
  {
    std::lock_guard lock(state_->mutex);
    id = state_->next_id++;
    state_->timers.emplace(id, timer);
  }
  std::weak_ptr<State> weak = state_;
  timer->async_wait([weak, id, fn = std::move(fn)](const boost::system::error_code& ec) {
    auto state = weak.lock();
    if (!state) return;
    {
      std::lock_guard lock(state->mutex);
      if (state->timers.erase(id) == 0) return;  // cancelled
    }
    if (!ec) fn();
  });
  return id;
}

bool AsioScheduler::cancel(TimerId id) {
  std::shared_ptr<boost::asio::steady_timer> timer;
  {
    std::lock_guard lock(state_->mutex);
    auto it = state_->timers.find(id);
    if (it == state_->timers.end()) return false;
    timer = it->second;
    state_->timers.erase(it);
  }
  timer->cancel();
  return true;
}

void AsioScheduler::post(std::function<void()> fn) { boost::asio::post(state_->executor, std::move(fn)); }

}  // namespace lf
