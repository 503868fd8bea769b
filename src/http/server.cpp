#include "http/server.hpp"

#include <atomic>
#include <mutex>
#include <unordered_set>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>

#include "core/strings.hpp"
#include "http/detail/serializer.hpp"
#include "http/detail/deadline.hpp"
#include "http/detail/net.hpp"
#include "http/detail/read_message.hpp"
#include "http/detail/write.hpp"

namespace lf::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = asio::ip::tcp;
using Strand = asio::strand<asio::io_context::executor_type>;
constexpr auto use_awaitable = asio::use_awaitable;

// After an error response the client may still be sending; reading a little before closing
// keeps the kernel from answering with RST, which would destroy the response in flight.
constexpr auto linger_time = std::chrono::milliseconds(500);
constexpr std::size_t linger_max_bytes = 16 * 1024 * 1024;

struct Connection {
  explicit Connection(tcp::socket s) : socket(std::move(s)) { buffer.reserve(detail::kConnectionReadBuffer); }
  tcp::socket socket;
  detail::SocketDeadline deadline{socket};  // declared after the socket: detaches before it closes
  beast::flat_buffer buffer;
  std::string remote_address;
  // Only touched on the connection's strand: true while waiting for a request's first bytes.
  bool awaiting_request = false;

  bool idle() const { return awaiting_request && buffer.size() == 0; }
  void close() { detail::close_socket(socket); }
};

}  // namespace

struct Server::State : std::enable_shared_from_this<Server::State> {
  State(asio::io_context& io, ServerOptions options, Handler handler)
      : io(io),
        options(std::move(options)),
        handler(std::move(handler)),
        control(asio::make_strand(io)),
        acceptor(control),
        drain_timer(control) {}

  asio::io_context& io;
  const ServerOptions options;
  const Handler handler;
  // Serializes the acceptor and the drain timer.
  Strand control;
  tcp::acceptor acceptor;
  asio::steady_timer drain_timer;
  std::uint16_t port = 0;

  std::atomic<bool> stopping{false};
  std::atomic<std::uint64_t> accepted{0};
  std::atomic<std::uint64_t> completed{0};
  std::atomic<std::size_t> in_flight{0};

  mutable std::mutex mutex;  // guards the fields below
  std::unordered_set<std::shared_ptr<Connection>> connections;
  std::function<void()> done;
  bool accepting = false;
  bool shutdown_requested = false;
  bool finished = false;

  // The shared_ptr parameters keep the state alive for as long as the coroutine frame exists.
  asio::awaitable<void> accept_loop(std::shared_ptr<State> keep_alive);
  asio::awaitable<void> serve(std::shared_ptr<State> keep_alive, std::shared_ptr<Connection> connection);
  asio::awaitable<Response> call_handler(Request request);
  asio::awaitable<void> reject(Connection& connection, const ParseError& error);
  void remove(const std::shared_ptr<Connection>& connection);
  void stop_accepting();
  void close_connections(bool idle_only);
  void finish_if_drained(std::unique_lock<std::mutex>& lock);
  void finish(std::unique_lock<std::mutex>& lock);
};

namespace {

// Counts a request as in flight for the lifetime of the guard.
class InFlight {
 public:
  explicit InFlight(std::atomic<std::size_t>& counter) : counter_(counter) { ++counter_; }
  ~InFlight() { --counter_; }
  InFlight(const InFlight&) = delete;
  InFlight& operator=(const InFlight&) = delete;

 private:
  std::atomic<std::size_t>& counter_;
};


}  // namespace

asio::awaitable<void> Server::State::accept_loop([[maybe_unused]] std::shared_ptr<State> keep_alive) {
  for (;;) {
    tcp::socket socket(options.single_threaded_io ? asio::any_io_executor(io.get_executor())
                                                  : asio::any_io_executor(asio::make_strand(io)));
    beast::error_code ec;
    co_await acceptor.async_accept(socket, asio::redirect_error(use_awaitable, ec));
    if (ec) {
      if (stopping || !acceptor.is_open()) break;
      if (ec == asio::error::no_descriptors || ec == asio::error::no_buffer_space) {
        // Out of file descriptors: back off instead of spinning.
        asio::steady_timer pause(control, std::chrono::milliseconds(50));
        co_await pause.async_wait(asio::redirect_error(use_awaitable, ec));
      }
      continue;
    }
    socket.set_option(tcp::no_delay(true), ec);
    auto connection = std::make_shared<Connection>(std::move(socket));
    auto remote = connection->socket.remote_endpoint(ec);
    if (!ec) connection->remote_address = detail::format_endpoint(remote);
    ++accepted;
    {
      std::lock_guard lock(mutex);
      connections.insert(connection);
    }
    auto executor = connection->socket.get_executor();
    asio::co_spawn(executor, serve(keep_alive, std::move(connection)), asio::detached);
  }
  std::unique_lock lock(mutex);
  accepting = false;
  finish_if_drained(lock);
}

asio::awaitable<Response> Server::State::call_handler(Request request) {
  try {
    co_return co_await handler(std::move(request));
  } catch (const std::exception& e) {
    co_return error_response(500, error_codes::internal, e.what());
  } catch (...) {
    co_return error_response(500, error_codes::internal, "handler failed");
  }
}

asio::awaitable<void> Server::State::reject(Connection& connection, const ParseError& error) {
  auto wire = detail::wire_response(to_error_response(error), false, false, 11);
  beast::error_code ec;
  connection.deadline.expires_after(options.write_timeout);
  co_await asio::async_write(connection.socket, wire.buffers(), asio::redirect_error(use_awaitable, ec));
  ++completed;
  if (ec) co_return;
  connection.socket.shutdown(tcp::socket::shutdown_send, ec);
  connection.deadline.expires_after(linger_time);
  std::array<char, 8192> discard;
  std::size_t drained = 0;
  while (!ec && drained < linger_max_bytes) {
    drained += co_await connection.socket.async_read_some(asio::buffer(discard), asio::redirect_error(use_awaitable, ec));
  }
}

asio::awaitable<void> Server::State::serve([[maybe_unused]] std::shared_ptr<State> keep_alive,
                                           std::shared_ptr<Connection> connection) {
  auto& socket = connection->socket;
  auto& deadline = connection->deadline;
  const Limits limits = options.limits();
  try {
    for (bool first = true; !stopping; first = false) {
      MessageParser parser(MessageKind::request, limits);
      beast::error_code ec;
      connection->awaiting_request = true;
      deadline.expires_after(first ? options.read_timeout : options.idle_timeout + options.read_timeout);
      co_await detail::read_message(socket, connection->buffer, parser, true, ec);
      connection->awaiting_request = false;
      // A socket error (the deadline closing it, a reset) or a clean close between requests ends
      // the connection silently; a bad or cut-off request gets its 4xx.
      if (ec || (!parser.head_done() && !parser.got_some())) break;
      if (parser.error()) {
        co_await reject(*connection, *parser.error());
        break;
      }

      InFlight in_flight_guard(in_flight);
      if (!parser.done()) {
        if (parser.expects_continue()) {
          static constexpr std::string_view continue_line = "HTTP/1.1 100 Continue\r\n\r\n";
          co_await asio::async_write(socket, asio::buffer(continue_line), asio::redirect_error(use_awaitable, ec));
          if (ec) break;
        }
        deadline.expires_after(options.read_timeout);
        co_await detail::read_message(socket, connection->buffer, parser, false, ec);
        if (ec) break;
        if (parser.error()) {
          co_await reject(*connection, *parser.error());
          break;
        }
      }
      deadline.expires_never();

      bool keep_alive = parser.keep_alive();
      const unsigned version = parser.version();
      const bool head = parser.is_head_request();
      Request request = parser.take_request();
      request.remote_address = connection->remote_address;
      Response response = co_await call_handler(std::move(request));

      keep_alive = keep_alive && !stopping;
      auto wire = detail::wire_response(std::move(response), head, keep_alive, version);
      co_await detail::write_message(socket, wire, ec, [&] { deadline.expires_after(options.write_timeout); });
      ++completed;
      if (ec || !keep_alive) break;
    }
  } catch (...) {
    // Only allocation failures can land here; dropping the connection is all we can do.
  }
  connection->close();
  remove(connection);
}

void Server::State::remove(const std::shared_ptr<Connection>& connection) {
  std::unique_lock lock(mutex);
  connections.erase(connection);
  finish_if_drained(lock);
}

void Server::State::stop_accepting() {
  asio::post(control, [self = shared_from_this()] {
    beast::error_code ignored;
    self->acceptor.close(ignored);
  });
}

void Server::State::close_connections(bool idle_only) {
  std::vector<std::shared_ptr<Connection>> snapshot;
  {
    std::lock_guard lock(mutex);
    snapshot.assign(connections.begin(), connections.end());
  }
  for (auto& connection : snapshot) {
    // The connection's state is only consistent on its own strand.
    asio::post(connection->socket.get_executor(), [connection, idle_only] {
      if (!idle_only || connection->idle()) connection->close();
    });
  }
}

void Server::State::finish_if_drained(std::unique_lock<std::mutex>& lock) {
  if (shutdown_requested && !finished && !accepting && connections.empty()) finish(lock);
}

void Server::State::finish(std::unique_lock<std::mutex>& lock) {
  finished = true;
  auto callback = std::move(done);
  lock.unlock();
  asio::post(control, [self = shared_from_this()] { self->drain_timer.cancel(); });
  if (callback) callback();
}

Server::Server(asio::io_context& io, ServerOptions options, Handler handler)
    : state_(std::make_shared<State>(io, std::move(options), std::move(handler))) {}

Server::~Server() {
  std::unique_lock lock(state_->mutex);
  if (state_->finished) return;
  state_->finished = true;
  state_->done = nullptr;
  lock.unlock();
  state_->stopping = true;
  state_->stop_accepting();
  state_->close_connections(false);
}

Expected<std::uint16_t, Error> Server::listen() {
  auto& s = *state_;
  beast::error_code ec;
  auto address = asio::ip::make_address(s.options.bind_address, ec);
  if (ec) return fail("listen tcp: invalid bind address \"" + s.options.bind_address + "\"");
  tcp::endpoint endpoint(address, s.options.port);
  const std::string where = "listen tcp " + detail::format_endpoint(endpoint) + ": ";
  s.acceptor.open(endpoint.protocol(), ec);
  if (ec) return fail(where + "socket: " + ec.message());
  s.acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  s.acceptor.bind(endpoint, ec);
  if (ec) return fail(where + "bind: " + to_lower(ec.message()));
  s.acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return fail(where + "listen: " + to_lower(ec.message()));
  s.port = s.acceptor.local_endpoint(ec).port();
  {
    std::lock_guard lock(s.mutex);
    s.accepting = true;
  }
  asio::co_spawn(s.control, s.accept_loop(state_), asio::detached);
  return s.port;
}

void Server::shutdown(Duration drain_deadline, std::function<void()> done) {
  auto& s = *state_;
  {
    std::unique_lock lock(s.mutex);
    if (s.shutdown_requested || s.finished) {
      lock.unlock();
      if (done) asio::post(s.control, std::move(done));
      return;
    }
    s.shutdown_requested = true;
    s.done = std::move(done);
  }
  s.stopping = true;
  s.stop_accepting();
  s.close_connections(true);
  asio::post(s.control, [self = state_, drain_deadline] {
    {
      std::lock_guard lock(self->mutex);
      if (self->finished) return;
    }
    self->drain_timer.expires_after(drain_deadline);
    self->drain_timer.async_wait([self](beast::error_code ec) {
      if (ec) return;
      self->close_connections(false);
      std::unique_lock lock(self->mutex);
      if (!self->finished) self->finish(lock);
    });
  });
  std::unique_lock lock(s.mutex);
  s.finish_if_drained(lock);
}

ServerStats Server::stats() const {
  ServerStats stats;
  {
    std::lock_guard lock(state_->mutex);
    stats.active_connections = state_->connections.size();
  }
  stats.in_flight_requests = state_->in_flight.load();
  stats.accepted_connections = state_->accepted.load();
  stats.completed_requests = state_->completed.load();
  return stats;
}

std::uint16_t Server::port() const { return state_->port; }

}  // namespace lf::http
