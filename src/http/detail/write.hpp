#pragma once
// PRIVATE to src/http: writing a whole message on a connection's stream.
#include <algorithm>

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "http/detail/serializer.hpp"

namespace lf::http::detail {

// Tries one non-blocking send first and falls back to async_write only for what the socket did
// not take. A message of a few KiB almost always fits, and Asio would otherwise complete even an
// immediately successful write through a post: one more trip through the reactor per message.
// `before_waiting` runs only when the write has to wait (it sets the write deadline, which would
// otherwise re-arm the connection's timer on every response).
template <class Socket, class BeforeWaiting>
boost::asio::awaitable<void> write_message(Socket& socket, const WireMessage& message, beast::error_code& ec,
                                           BeforeWaiting before_waiting) {
  auto buffers = message.buffers();
  // Without the user-level flag a synchronous send would block (Asio polls) instead of failing.
  if (!socket.non_blocking()) socket.non_blocking(true, ec);
  std::size_t written = ec ? 0 : socket.write_some(buffers, ec);
  if (!ec && written == message.size()) co_return;
  if (ec && ec != boost::asio::error::would_block && ec != boost::asio::error::try_again) co_return;
  ec = {};
  for (auto& buffer : buffers) {
    auto skip = std::min(written, buffer.size());
    buffer += skip;
    written -= skip;
  }
  before_waiting();
  co_await boost::asio::async_write(socket, buffers, boost::asio::redirect_error(boost::asio::use_awaitable, ec));
}

}  // namespace lf::http::detail
