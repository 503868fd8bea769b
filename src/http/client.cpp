#include "http/client.hpp"

#include <atomic>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>

#include "core/strings.hpp"
#include "http/detail/serializer.hpp"
#include "http/detail/deadline.hpp"
#include "http/detail/net.hpp"
#include "http/detail/read_message.hpp"
#include "http/detail/write.hpp"
#include "http/url.hpp"

namespace lf::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;
constexpr auto use_awaitable = asio::use_awaitable;

struct PooledConnection {
  explicit PooledConnection(const asio::any_io_executor& executor) : socket(executor) {
    buffer.reserve(detail::kConnectionReadBuffer);
  }
  tcp::socket socket;
  detail::SocketDeadline deadline{socket};  // declared after the socket: detaches before it closes
  beast::flat_buffer buffer;
  bool connected = false;
  SteadyTime idle_since{};
  std::string addresses;  // "local->remote" as Go prints it in read/write errors
};

// Outcome of one try on one connection.
struct Attempt {
  std::optional<Response> response;
  ClientError error;
  bool response_started = false;  // some response byte arrived before the failure
  bool keep_alive = false;
};

ClientError make_error(ClientError::Kind kind, std::string message) { return ClientError{kind, std::move(message)}; }

ClientError deadline_exceeded() { return make_error(ClientError::timeout, "context deadline exceeded"); }

ClientError connect_error(const beast::error_code& ec, const Endpoint& endpoint) {
  auto kind = ec == asio::error::connection_refused ? ClientError::connect_refused : ClientError::connect_failed;
  return make_error(kind, "dial tcp " + detail::format_host_port(endpoint.host, endpoint.port) +
                              ": connect: " + to_lower(ec.message()));
}

// Maps a socket failure while writing the request or reading the response.
ClientError exchange_error(const beast::error_code& ec, const PooledConnection& connection, bool writing,
                           bool response_started) {
  if (connection.deadline.expired()) return deadline_exceeded();
  const char* op = writing ? "write" : "read";
  auto kind = response_started || ec == asio::error::connection_reset || ec == asio::error::broken_pipe ||
                      ec == asio::error::connection_aborted
                  ? ClientError::connection_reset
                  : ClientError::protocol;
  return make_error(kind, std::string(op) + " tcp " + connection.addresses + ": " + op + ": " + to_lower(ec.message()));
}

// Maps a response the parser rejected, in the words Go's net/http uses.
ClientError response_error(const ParseError& error, const PooledConnection& connection, bool response_started) {
  if (connection.deadline.expired()) return deadline_exceeded();
  switch (error.kind) {
    case ParseError::Kind::body_too_large:
      return make_error(ClientError::body_too_large, "http: response body too large");
    case ParseError::Kind::incomplete:
      return make_error(ClientError::connection_reset, response_started ? "unexpected EOF" : "EOF");
    case ParseError::Kind::malformed:
    case ParseError::Kind::headers_too_large:
      break;
  }
  return make_error(ClientError::protocol, "malformed HTTP response: " + error.message);
}

std::string pool_key(const Endpoint& endpoint) { return endpoint.host + "|" + std::to_string(endpoint.port); }

}  // namespace

const char* to_string(ClientError::Kind kind) {
  switch (kind) {
    case ClientError::connect_refused: return "connect_refused";
    case ClientError::connect_failed: return "connect_failed";
    case ClientError::timeout: return "timeout";
    case ClientError::connection_reset: return "connection_reset";
    case ClientError::protocol: return "protocol";
    case ClientError::body_too_large: return "body_too_large";
  }
  return "unknown";
}

struct Client::State {
  State(asio::io_context& io, ClientOptions options) : io(io), options(std::move(options)) {}

  asio::io_context& io;
  const ClientOptions options;
  std::atomic<std::uint64_t> opened{0};
  std::atomic<std::uint64_t> reused{0};
  std::atomic<std::uint64_t> retries{0};

  asio::any_io_executor connection_executor() const {
    if (options.single_threaded_io) return io.get_executor();
    return asio::make_strand(io);
  }

  mutable std::mutex mutex;  // guards idle
  std::unordered_map<std::string, std::vector<std::shared_ptr<PooledConnection>>> idle;

  std::shared_ptr<PooledConnection> take(const std::string& key) {
    const SteadyTime now = std::chrono::steady_clock::now();
    std::lock_guard lock(mutex);
    auto found = idle.find(key);
    if (found == idle.end()) return nullptr;
    auto& connections = found->second;
    // Most recently used first: it is the least likely to have been closed by the server.
    while (!connections.empty()) {
      auto connection = std::move(connections.back());
      connections.pop_back();
      if (now - connection->idle_since <= options.idle_timeout) return connection;
    }
    return nullptr;
  }

  void give_back(const std::string& key, std::shared_ptr<PooledConnection> connection) {
    // Bytes after the response mean the peer does not speak the protocol we expect.
    if (connection->buffer.size() != 0) return;
    connection->idle_since = std::chrono::steady_clock::now();
    std::lock_guard lock(mutex);
    auto& connections = idle[key];
    if (connections.size() < options.max_idle_per_endpoint) connections.push_back(std::move(connection));
  }

  asio::awaitable<beast::error_code> connect(PooledConnection& connection, const Endpoint& endpoint,
                                             SteadyTime deadline, ClientError& error);
  asio::awaitable<Attempt> exchange(std::shared_ptr<PooledConnection> connection, const Endpoint& endpoint,
                                    const detail::WireMessage& request, SteadyTime deadline, bool head);
};

asio::awaitable<beast::error_code> Client::State::connect(PooledConnection& connection, const Endpoint& endpoint,
                                                          SteadyTime deadline, ClientError& error) {
  beast::error_code ec;
  std::vector<tcp::endpoint> targets;
  auto address = asio::ip::make_address(endpoint.host, ec);
  if (!ec) {
    targets.emplace_back(address, endpoint.port);
  } else {
    // Names go through the resolver (a getaddrinfo thread); literal addresses skip it.
    tcp::resolver resolver(connection.socket.get_executor());
    auto results = co_await resolver.async_resolve(endpoint.host, std::to_string(endpoint.port),
                                                   asio::redirect_error(use_awaitable, ec));
    if (ec) {
      std::string reason = ec == asio::error::host_not_found ? "no such host" : to_lower(ec.message());
      error = make_error(ClientError::connect_failed, "dial tcp: lookup " + endpoint.host + ": " + reason);
      co_return ec;
    }
    for (const auto& entry : results) targets.push_back(entry.endpoint());
  }
  connection.deadline.expires_at(deadline);
  co_await asio::async_connect(connection.socket, targets, asio::redirect_error(use_awaitable, ec));
  if (ec) {
    error = connection.deadline.expired() ? deadline_exceeded() : connect_error(ec, endpoint);
    co_return ec;
  }
  auto& socket = connection.socket;
  socket.set_option(tcp::no_delay(true), ec);
  // Connecting left the socket registered with epoll for EPOLLOUT, edge-triggered, for good: every
  // ACK that frees send space would then wake the reactor once more per request. Registering the
  // descriptor afresh leaves only the read events (writes wait for EPOLLOUT only when a send
  // buffer is full, and register it again then).
  const auto protocol = socket.remote_endpoint(ec).protocol();
  if (!ec) {
    auto fd = socket.release(ec);
    if (!ec) socket.assign(protocol, fd, ec);
  }
  if (ec) {
    error = connect_error(ec, endpoint);
    detail::close_socket(socket);
    co_return ec;
  }
  beast::error_code ignored;
  connection.addresses =
      detail::format_endpoint(socket.local_endpoint(ignored)) + "->" + detail::format_endpoint(socket.remote_endpoint(ignored));
  connection.connected = true;
  co_return beast::error_code{};
}

asio::awaitable<Attempt> Client::State::exchange(std::shared_ptr<PooledConnection> connection, const Endpoint& endpoint,
                                                 const detail::WireMessage& request, SteadyTime deadline, bool head) {
  Attempt attempt;
  auto& socket = connection->socket;
  try {
    if (!connection->connected) {
      if (co_await connect(*connection, endpoint, deadline, attempt.error)) co_return attempt;
    }
    beast::error_code ec;
    connection->deadline.expires_at(deadline);
    co_await detail::write_message(socket, request, ec, [] {});
    if (ec) {
      attempt.error = exchange_error(ec, *connection, true, false);
      detail::close_socket(socket);
      co_return attempt;
    }
    const auto response_parser = [&] {
      MessageParser parser(MessageKind::response, Limits{options.response_body_limit, options.response_header_limit});
      if (head) parser.expect_no_body();  // a HEAD answer carries Content-Length but no body
      return parser;
    };
    MessageParser parser = response_parser();
    co_await detail::read_message(socket, connection->buffer, parser, false, ec);
    // Interim answers (100 Continue and the like) precede the real one; 101 would end HTTP.
    while (!ec && parser.done() && parser.status() < 200 && parser.status() != 101) {
      parser = response_parser();
      co_await detail::read_message(socket, connection->buffer, parser, false, ec);
    }
    if (options.io_runs_until_stopped)
      connection->deadline.expires_never();
    else
      connection->deadline.disarm();  // its wait must not keep the io_context running
    if (ec || parser.error()) {
      attempt.response_started = parser.got_some() || connection->buffer.size() > 0;
      attempt.error = ec ? exchange_error(ec, *connection, false, attempt.response_started)
                         : response_error(*parser.error(), *connection, attempt.response_started);
      detail::close_socket(socket);
      co_return attempt;
    }
    attempt.keep_alive = parser.keep_alive();
    attempt.response = parser.take_response();
  } catch (const std::exception& e) {
    attempt.response.reset();
    attempt.response_started = true;  // unknown state: never retry
    attempt.error = make_error(ClientError::protocol, e.what());
    detail::close_socket(socket);
  }
  co_return attempt;
}

Client::Client(asio::io_context& io, ClientOptions options)
    : state_(std::make_shared<State>(io, std::move(options))) {}

Client::~Client() { close_idle(); }

asio::awaitable<Expected<Response, ClientError>> Client::send(Endpoint endpoint, Request request, Duration deadline) {
  // The request lives in this frame for as long as send_borrowed reads it.
  co_return co_await send_borrowed(std::move(endpoint), request, deadline);
}

asio::awaitable<Expected<Response, ClientError>> Client::send_borrowed(Endpoint endpoint, const Request& request,
                                                                     Duration deadline) {
  auto state = state_;  // the client may be destroyed while this request runs
  const SteadyTime deadline_at = std::chrono::steady_clock::now() + deadline;
  const bool head = request.method == "HEAD";
  const auto wire = detail::wire_request_borrowing(request, detail::format_host_port(endpoint.host, endpoint.port));
  const std::string key = pool_key(endpoint);

  for (int attempt_number = 0;; ++attempt_number) {
    // A retry always uses a fresh connection: other idle ones may be just as stale.
    auto connection = attempt_number == 0 ? state->take(key) : nullptr;
    const bool reused = connection != nullptr;
    if (reused) {
      ++state->reused;
    } else {
      connection = std::make_shared<PooledConnection>(state->connection_executor());
      ++state->opened;
    }
    // Every operation on the connection runs on its strand, so its timer never races the I/O.
    // With one I/O thread there is no strand and the caller's coroutine runs the exchange itself:
    // a co_spawn costs a frame, a post and a dozen type-erased executor copies per request.
    // (No co_await inside ?: : g++ 12 miscompiles it.)
    Attempt attempt;
    if (state->options.single_threaded_io) {
      attempt = co_await state->exchange(connection, endpoint, wire, deadline_at, head);
    } else {
      attempt = co_await asio::co_spawn(connection->socket.get_executor(),
                                        state->exchange(connection, endpoint, wire, deadline_at, head), use_awaitable);
    }
    if (attempt.response) {
      if (attempt.keep_alive) state->give_back(key, std::move(connection));
      co_return std::move(*attempt.response);
    }
    const bool stale_idle_connection =
        reused && !attempt.response_started && attempt.error.kind == ClientError::connection_reset;
    if (stale_idle_connection && attempt_number == 0 && std::chrono::steady_clock::now() < deadline_at) {
      ++state->retries;
      continue;
    }
    co_return unexpected(std::move(attempt.error));
  }
}

void Client::close_idle() {
  std::lock_guard lock(state_->mutex);
  state_->idle.clear();
}

ClientStats Client::stats() const {
  ClientStats stats;
  stats.connections_opened = state_->opened.load();
  stats.connections_reused = state_->reused.load();
  stats.retries = state_->retries.load();
  std::lock_guard lock(state_->mutex);
  for (const auto& [key, connections] : state_->idle) stats.idle_connections += connections.size();
  return stats;
}

namespace {

asio::awaitable<void> fetch_into(Client& client, Endpoint endpoint, Request request, Duration timeout,
                                 std::optional<Expected<Response, ClientError>>& out) {
  out.emplace(co_await client.send(endpoint, std::move(request), timeout));
}

}  // namespace

Expected<Response, ClientError> fetch(const std::string& url, Request request, Duration timeout) {
  auto parsed = url::parse_url(url);
  if (!parsed) return unexpected(make_error(ClientError::protocol, parsed.error().message));
  if (parsed->scheme != "http") {
    return unexpected(make_error(ClientError::protocol, "unsupported protocol scheme \"" + parsed->scheme + "\""));
  }
  request.set_target(parsed->target);
  asio::io_context io;
  std::optional<Expected<Response, ClientError>> result;
  {
    Client client(io);
    asio::co_spawn(io, fetch_into(client, {parsed->host, parsed->port}, std::move(request), timeout, result),
                   asio::detached);
    io.run();
  }
  if (!result) return unexpected(make_error(ClientError::protocol, "request did not complete"));
  return std::move(*result);
}

}  // namespace lf::http
