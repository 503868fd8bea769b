#pragma once
// HTTP/1.1 client with a per-endpoint keep-alive pool and per-request deadlines.
// Safe on an io_context run by several threads: each pooled connection has its own strand.
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>

#include "core/clock.hpp"
#include "core/expected.hpp"
#include "http/message.hpp"

namespace lf::http {

struct Endpoint {
  std::string host;  // name or literal address ("127.0.0.1", "::1", "localhost")
  std::uint16_t port = 0;
  bool operator==(const Endpoint&) const = default;
};

// Messages follow Go's net/http wording because Dapr surfaces them in its own error messages.
struct ClientError {
  enum Kind {
    connect_refused,   // "dial tcp 127.0.0.1:4000: connect: connection refused"
    connect_failed,    // other dial failures, including name resolution
    timeout,           // "context deadline exceeded"
    connection_reset,  // the peer closed or reset the connection ("EOF", "read tcp ...: connection reset by peer")
    protocol,          // unparseable response, unsupported URL
    body_too_large,    // response body over ClientOptions::response_body_limit
  };
  Kind kind = protocol;
  std::string message;
};

const char* to_string(ClientError::Kind kind);

struct ClientOptions {
  std::size_t max_idle_per_endpoint = 64;
  std::size_t response_body_limit = 64 * 1024 * 1024;
  std::size_t response_header_limit = 64 * 1024;
  // A pooled connection unused for longer than this is discarded instead of reused.
  Duration idle_timeout = std::chrono::seconds(90);
  // Set when one thread runs the io_context: connections then skip their strand, which only
  // serializes handlers that one thread already serializes, and whose type-erased executor copies
  // each allocate (about a hundred per proxied request).
  bool single_threaded_io = false;
  // Set when the io_context runs until it is stopped (a server process). A connection going back
  // to the pool then leaves its deadline timer's wait pending (it fires once, finds no deadline
  // and ends) instead of cancelling it, which costs a post per request. Unset, run() returns as
  // soon as requests are done, as fetch() needs, however many connections sit in the pool.
  bool io_runs_until_stopped = false;
};

struct ClientStats {
  std::uint64_t connections_opened = 0;
  std::uint64_t connections_reused = 0;
  std::uint64_t retries = 0;  // requests re-sent after a stale pooled connection failed
  std::size_t idle_connections = 0;
};

class Client {
 public:
  explicit Client(boost::asio::io_context& io, ClientOptions options = {});
  // Closes idle connections; requests still running keep their connection until they finish.
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Sends one request (target from request.target, or path + "?" + query) and reads the response.
  // `deadline` bounds the whole exchange including connecting. A request that fails on a reused
  // idle connection before any response byte arrived is retried once on a fresh connection.
  // Parameters are taken by value: the coroutine may start after the caller's temporaries are gone.
  boost::asio::awaitable<Expected<Response, ClientError>> send(Endpoint endpoint, Request request, Duration deadline);
  // The same, reading `request` where it is instead of taking a copy: it must stay alive and
  // unchanged until the returned awaitable completes (an invocation resending one request on
  // retries; a caller that owns the request in its own coroutine frame).
  boost::asio::awaitable<Expected<Response, ClientError>> send_borrowed(Endpoint endpoint, const Request& request,
                                                                      Duration deadline);

  // Drops every pooled idle connection.
  void close_idle();
  ClientStats stats() const;

 private:
  struct State;
  std::shared_ptr<State> state_;
};

// Blocking request on a private io_context, for CLIs and tests: fetch("http://127.0.0.1:3500/v1.0/healthz", {}, 5s).
// request.target is taken from the URL; method, headers and body from `request`.
Expected<Response, ClientError> fetch(const std::string& url, Request request = {},
                                      Duration timeout = std::chrono::seconds(30));

}  // namespace lf::http
