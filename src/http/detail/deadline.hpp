#pragma once
// PRIVATE to src/http: a connection's I/O deadline without a timer operation per read or write.
#include <memory>

#include <boost/asio/ip/tcp.hpp>

#include "core/clock.hpp"

namespace lf::http::detail {

// Beast's tcp_stream starts a timer wait for every read or write and cancels it afterwards; each
// cancelled wait completes through a post, one more trip through the reactor per message. Here
// one wait stays armed: moving the deadline later only updates a field (the timer re-arms itself
// when it fires early), so on a busy keep-alive connection the timer fires about once per
// timeout period, not twice per request. At the deadline the socket is closed, which fails the
// pending I/O; expired() tells that failure apart from others.
// Not thread-safe beyond this: use it from the socket's executor (its strand); destruction may
// happen anywhere.
class SocketDeadline {
 public:
  explicit SocketDeadline(boost::asio::ip::tcp::socket& socket);
  // Detaches from the socket: a wait still pending ends without touching it.
  ~SocketDeadline();
  SocketDeadline(const SocketDeadline&) = delete;
  SocketDeadline& operator=(const SocketDeadline&) = delete;

  void expires_at(SteadyTime at);
  void expires_after(Duration d);
  void expires_never();
  // expires_never() that also ends the pending wait, which otherwise keeps the io_context busy
  // (io_context::run() would not return) until it fires: for connections going idle in a pool.
  // Costs the cancelled wait's completion, a post.
  void disarm();
  // True once the deadline closed the socket.
  bool expired() const;

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace lf::http::detail
