#pragma once
// Runs service coroutines to completion on a private io_context (no sockets, no threads), and
// builds requests the way the HTTP server hands them to a handler.
#include <optional>
#include <stdexcept>
#include <string>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <nlohmann/json.hpp>

#include "http/message.hpp"

namespace lf::testing {

// Runs every ready handler until nothing is left (work queued by FakeScheduler callbacks too).
// Polls rather than run()s: a coroutine suspended until a FakeScheduler timer fires counts as
// outstanding work, and run() would block on it forever; time moves only when the test says so.
inline void settle(boost::asio::io_context& io) {
  io.restart();
  while (io.poll() > 0) io.restart();
}

template <typename T>
T run_awaitable(boost::asio::io_context& io, boost::asio::awaitable<T> work) {
  std::optional<T> result;
  boost::asio::co_spawn(
      io, [&]() -> boost::asio::awaitable<void> { result.emplace(co_await std::move(work)); }, boost::asio::detached);
  settle(io);
  if (!result) throw std::logic_error("run_awaitable: the work is still waiting (advance the FakeScheduler?)");
  return std::move(*result);
}

inline void run_awaitable(boost::asio::io_context& io, boost::asio::awaitable<void> work) {
  boost::asio::co_spawn(io, std::move(work), boost::asio::detached);
  settle(io);
}

inline http::Request make_request(std::string method, std::string target, std::string body = {}) {
  http::Request request;
  request.method = std::move(method);
  request.set_target(std::move(target));
  request.body = std::move(body);
  if (!request.body.empty()) request.headers.set("Content-Type", "application/json");
  return request;
}

inline nlohmann::json body_json(const http::Response& response) {
  return nlohmann::json::parse(response.body, nullptr, /*allow_exceptions=*/false);
}

}  // namespace lf::testing
