#pragma once
// PRIVATE to src/http: reading one message from a connection into a MessageParser.
#include <algorithm>
#include <utility>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>

#include "http/message_parser.hpp"

namespace lf::http::detail {

// Feeds the bytes already buffered (a pipelined request, or what arrived with the previous
// message), then reads until the parser is done, failed, or (with `head_only`) has its head.
// The end of the stream goes to the parser (it completes a body delimited by the close, or
// becomes an incomplete-message error); other socket errors are left in `ec`.
template <class Socket>
boost::asio::awaitable<void> read_message(Socket& socket, boost::beast::flat_buffer& buffer, MessageParser& parser,
                                          bool head_only, boost::system::error_code& ec) {
  for (;;) {
    if (buffer.size() > 0) {
      const auto data = buffer.data();
      buffer.consume(parser.feed(std::string_view(static_cast<const char*>(data.data()), data.size())));
    }
    if (parser.error() || parser.done() || (head_only && parser.head_done())) co_return;
    // Read into the buffer's free capacity, as Beast did, or more when a known body needs it.
    const std::size_t free_space = buffer.capacity() - buffer.size();
    const std::size_t wanted = std::clamp<std::size_t>(parser.body_bytes_wanted(), 512, 64 * 1024);
    auto space = buffer.prepare(std::max(free_space, wanted));
    const std::size_t n = co_await socket.async_read_some(space, boost::asio::redirect_error(boost::asio::use_awaitable, ec));
    buffer.commit(n);
    if (ec == boost::asio::error::eof) {
      ec = {};
      parser.feed_eof();
      co_return;
    }
    if (ec) co_return;
  }
}

}  // namespace lf::http::detail
