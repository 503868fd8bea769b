#pragma once
// HTTP/1.1 server on Asio coroutines: keep-alive, size limits with Dapr-style JSON errors,
// graceful shutdown. Safe on an io_context run by several threads: each connection is one
// coroutine on its own strand.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "http/message.hpp"
#include "http/parser.hpp"

namespace lf::http {

struct ServerOptions {
  std::string bind_address = "127.0.0.1";
  std::uint16_t port = 0;  // 0: the OS chooses; listen() returns it
  std::size_t body_limit = 4 * 1024 * 1024;
  std::size_t header_limit = 16 * 1024;
  // Time allowed to receive one request (header and body) once it started.
  Duration read_timeout = std::chrono::seconds(30);
  // Time a keep-alive connection may wait for its next request before it is closed.
  Duration idle_timeout = std::chrono::seconds(60);
  // Time allowed to write one response.
  Duration write_timeout = std::chrono::seconds(30);
  // Set when one thread runs the io_context: connections then skip their strand, which only
  // serializes handlers that one thread already serializes, and whose type-erased executor copies
  // each allocate (about a hundred per proxied request).
  bool single_threaded_io = false;

  Limits limits() const { return {body_limit, header_limit}; }
};

// The handler runs on the connection's strand (or the one I/O thread); it may co_await anything. An exception it throws
// becomes a 500 ERR_INTERNAL response (it never escapes into the server).
using Handler = std::function<boost::asio::awaitable<Response>(Request)>;

struct ServerStats {
  std::size_t active_connections = 0;
  std::size_t in_flight_requests = 0;
  std::uint64_t accepted_connections = 0;  // total since construction
  std::uint64_t completed_requests = 0;    // responses written (including 4xx from the parser)
};

class Server {
 public:
  Server(boost::asio::io_context& io, ServerOptions options, Handler handler);
  // Closes the listener and every connection at once (no drain); prefer shutdown().
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Binds, listens and starts accepting; returns the bound port.
  Expected<std::uint16_t, Error> listen();

  // Graceful stop: the listener closes at once (new connections are refused), idle keep-alive
  // connections are closed, in-flight requests may finish (their connections close afterwards).
  // At drain_deadline whatever is left is force-closed. `done` runs once, on an io_context thread,
  // when every connection has ended or at the deadline, whichever is first. A handler still
  // running at the deadline keeps running to completion, but its response is discarded.
  void shutdown(Duration drain_deadline, std::function<void()> done = {});

  ServerStats stats() const;
  std::uint16_t port() const;

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace lf::http
