#include "http/detail/deadline.hpp"

#include <cstdint>
#include <mutex>

#include <boost/asio/steady_timer.hpp>

#include "http/detail/net.hpp"

namespace lf::http::detail {

namespace asio = boost::asio;
constexpr SteadyTime kNever = SteadyTime::max();

struct SocketDeadline::State : std::enable_shared_from_this<SocketDeadline::State> {
  explicit State(asio::ip::tcp::socket& s) : socket(&s), timer(s.get_executor()) {}

  std::mutex mutex;  // the owner and the timer's handler may run on different threads
  asio::ip::tcp::socket* socket;  // null once detached
  asio::steady_timer timer;
  SteadyTime deadline = kNever;
  SteadyTime armed = kNever;     // expiry of the pending wait; kNever when none
  std::uint64_t generation = 0;  // of the pending wait: a superseded wait's handler does nothing
  bool expired = false;

  void arm_locked(SteadyTime at) {
    armed = at;
    const auto wait = ++generation;
    timer.expires_at(at);
    timer.async_wait([weak = weak_from_this(), wait](const boost::system::error_code&) {
      if (auto self = weak.lock()) self->fired(wait);
    });
  }

  void fired(std::uint64_t wait) {
    std::lock_guard lock(mutex);
    if (wait != generation || socket == nullptr) return;
    armed = kNever;
    if (deadline == kNever) return;
    if (std::chrono::steady_clock::now() >= deadline) {
      expired = true;
      close_socket(*socket);
      return;
    }
    arm_locked(deadline);
  }
};

SocketDeadline::SocketDeadline(asio::ip::tcp::socket& socket) : state_(std::make_shared<State>(socket)) {}

SocketDeadline::~SocketDeadline() {
  std::lock_guard lock(state_->mutex);
  state_->socket = nullptr;
  ++state_->generation;
  state_->timer.cancel();
}

void SocketDeadline::expires_at(SteadyTime at) {
  std::lock_guard lock(state_->mutex);
  state_->deadline = at;
  // Later than the pending wait (the usual case): that wait re-arms itself when it fires.
  if (at != kNever && at < state_->armed) state_->arm_locked(at);
}

void SocketDeadline::expires_after(Duration d) { expires_at(std::chrono::steady_clock::now() + d); }

void SocketDeadline::expires_never() { expires_at(kNever); }

void SocketDeadline::disarm() {
  std::lock_guard lock(state_->mutex);
  state_->deadline = kNever;
  if (state_->armed == kNever) return;
  state_->armed = kNever;
  ++state_->generation;
  state_->timer.cancel();
}

bool SocketDeadline::expired() const {
  std::lock_guard lock(state_->mutex);
  return state_->expired;
}

}  // namespace lf::http::detail
