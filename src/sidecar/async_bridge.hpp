#pragma once
// Bridges callback-style boundaries (the resiliency runner, pub/sub publish, the blocking-work
// pool) into coroutines: the callback may fire on any thread; the coroutine resumes on its own
// executor.
#include <memory>
#include <utility>

#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace lf::sidecar {

// start(std::function<void(T)> deliver) must call deliver exactly once.
template <typename T, typename Start>
boost::asio::awaitable<T> await_callback(Start start) {
  auto executor = co_await boost::asio::this_coro::executor;
  co_return co_await boost::asio::async_initiate<decltype(boost::asio::use_awaitable), void(T)>(
      [executor, start = std::move(start)](auto handler) mutable {
        using Handler = decltype(handler);
        auto shared = std::make_shared<Handler>(std::move(handler));
        start([executor, shared](T value) mutable {
          boost::asio::post(executor, [shared, value = std::move(value)]() mutable { std::move (*shared)(std::move(value)); });
        });
      },
      boost::asio::use_awaitable);
}

}  // namespace lf::sidecar
