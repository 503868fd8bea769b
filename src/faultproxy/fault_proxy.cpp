#include "faultproxy/fault_proxy.hpp"

#include <future>
#include <mutex>
#include <set>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <nlohmann/json.hpp>

namespace lf::faultproxy {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

struct Connection {
  explicit Connection(asio::io_context& io) : client(io), upstream(io) {}
  tcp::socket client;
  tcp::socket upstream;
  void reset() {
    boost::system::error_code ec;
    for (auto* s : {&client, &upstream}) {
      if (!s->is_open()) continue;
      s->set_option(asio::socket_base::linger(true, 0), ec);  // close with RST
      s->close(ec);
    }
  }
  void close() {
    boost::system::error_code ec;
    client.close(ec);
    upstream.close(ec);
  }
};

asio::awaitable<void> sleep_for(Duration d) {
  if (d <= Duration::zero()) co_return;
  asio::steady_timer timer(co_await asio::this_coro::executor, d);
  boost::system::error_code ec;
  co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
}

}  // namespace

struct FaultProxy::State : std::enable_shared_from_this<FaultProxy::State> {
  State(asio::io_context& io, ProxyOptions options) : io(io), options(std::move(options)), acceptor(io) {}

  asio::io_context& io;
  ProxyOptions options;
  tcp::acceptor acceptor;
  std::uint16_t port = 0;
  bool stopped = false;
  mutable std::mutex mutex;  // faults and stats are read from other threads
  Faults faults;
  ProxyStats stats;
  std::set<std::shared_ptr<Connection>> connections;  // touched on the io thread only

  Faults current() const {
    std::lock_guard lock(mutex);
    return faults;
  }

  Status open_acceptor() {
    boost::system::error_code ec;
    tcp::endpoint ep(asio::ip::make_address(options.listen_address, ec), port ? port : options.listen_port);
    if (ec) return fail("invalid listen address " + options.listen_address);
    acceptor.open(ep.protocol(), ec);
    acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
    acceptor.bind(ep, ec);
    if (ec) return fail("cannot listen on " + options.listen_address + ":" + std::to_string(ep.port()) + ": " + ec.message());
    acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) return fail("listen failed: " + ec.message());
    port = acceptor.local_endpoint().port();
    asio::co_spawn(io, accept_loop(shared_from_this()), asio::detached);
    return {};
  }

  static asio::awaitable<void> accept_loop(std::shared_ptr<State> self) {
    while (self->acceptor.is_open()) {
      auto conn = std::make_shared<Connection>(self->io);
      boost::system::error_code ec;
      co_await self->acceptor.async_accept(conn->client, asio::redirect_error(asio::use_awaitable, ec));
      if (ec) co_return;
      {
        std::lock_guard lock(self->mutex);
        ++self->stats.accepted;
      }
      if (self->current().reset) {
        {
          std::lock_guard lock(self->mutex);
          ++self->stats.reset;
        }
        conn->reset();
        continue;
      }
      asio::co_spawn(self->io, serve(self, conn), asio::detached);
    }
  }

  static asio::awaitable<void> serve(std::shared_ptr<State> self, std::shared_ptr<Connection> conn) {
    boost::system::error_code ec;
    tcp::resolver resolver(self->io);
    auto endpoints = co_await resolver.async_resolve(self->options.upstream_host, std::to_string(self->options.upstream_port),
                                                     asio::redirect_error(asio::use_awaitable, ec));
    if (!ec) co_await asio::async_connect(conn->upstream, endpoints, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      conn->close();
      co_return;
    }
    conn->client.set_option(tcp::no_delay(true), ec);
    conn->upstream.set_option(tcp::no_delay(true), ec);
    self->connections.insert(conn);
    {
      std::lock_guard lock(self->mutex);
      self->stats.open = self->connections.size();
    }
    asio::co_spawn(self->io, pump(self, conn, true), asio::detached);
    co_await pump(self, conn, false);
  }

  // Copies one direction; when either side ends, both sockets close.
  static asio::awaitable<void> pump(std::shared_ptr<State> self, std::shared_ptr<Connection> conn, bool to_upstream) {
    tcp::socket& from = to_upstream ? conn->client : conn->upstream;
    tcp::socket& to = to_upstream ? conn->upstream : conn->client;
    std::vector<char> buf(16 * 1024);
    while (true) {
      boost::system::error_code ec;
      std::size_t n = co_await from.async_read_some(asio::buffer(buf), asio::redirect_error(asio::use_awaitable, ec));
      if (ec) break;
      auto arrived = std::chrono::steady_clock::now();
      Faults f = self->current();
      while (f.stall && from.is_open()) {
        co_await sleep_for(std::chrono::milliseconds(10));
        f = self->current();
      }
      co_await sleep_for(arrived + f.latency - std::chrono::steady_clock::now());
      // The bandwidth limit holds each chunk back for the time its bytes take at that rate.
      if (f.bandwidth_bytes_per_second > 0)
        co_await sleep_for(std::chrono::nanoseconds(n * 1'000'000'000ULL / f.bandwidth_bytes_per_second));
      {
        // Counted as the chunk is handed over: the peer may read it before this coroutine resumes,
        // and whoever saw the bytes arrive must see them counted.
        std::lock_guard lock(self->mutex);
        (to_upstream ? self->stats.bytes_upstream : self->stats.bytes_downstream) += n;
      }
      co_await asio::async_write(to, asio::buffer(buf.data(), n), asio::redirect_error(asio::use_awaitable, ec));
      if (ec) break;
    }
    conn->close();
    if (self->connections.erase(conn) > 0) {
      std::lock_guard lock(self->mutex);
      self->stats.open = self->connections.size();
    }
  }

  // Runs on the io thread.
  void apply(const Faults& previous, const Faults& now) {
    if (stopped) return;
    if (now.reset) {
      {
        std::lock_guard lock(mutex);
        stats.reset += connections.size();
      }
      for (const auto& c : connections) c->reset();
    }
    if (now.refuse && !previous.refuse) {
      boost::system::error_code ec;
      acceptor.close(ec);
    } else if (!now.refuse && previous.refuse && !acceptor.is_open()) {
      (void)open_acceptor();
    }
  }
};

FaultProxy::FaultProxy(asio::io_context& io, ProxyOptions options) : state_(std::make_shared<State>(io, std::move(options))) {}

FaultProxy::~FaultProxy() { stop(); }

Result<std::uint16_t> FaultProxy::start() {
  if (auto s = state_->open_acceptor(); !s) return fail(s.error().message);
  return state_->port;
}

void FaultProxy::set_faults(const Faults& faults) {
  Faults previous;
  {
    std::lock_guard lock(state_->mutex);
    previous = state_->faults;
    state_->faults = faults;
  }
  if (state_->io.get_executor().running_in_this_thread()) {
    state_->apply(previous, faults);
    return;
  }
  // Callers on other threads (tests, the Kafka launcher test) act right after this returns: the
  // listener must already be closed or the connections reset by then, not merely scheduled.
  auto applied = std::make_shared<std::promise<void>>();
  auto done = applied->get_future();
  asio::post(state_->io, [state = state_, previous, faults, applied] {
    state->apply(previous, faults);
    applied->set_value();
  });
  if (!state_->io.stopped()) done.wait();
}

Faults FaultProxy::faults() const { return state_->current(); }

ProxyStats FaultProxy::stats() const {
  std::lock_guard lock(state_->mutex);
  return state_->stats;
}

std::uint16_t FaultProxy::port() const { return state_->port; }

void FaultProxy::stop() {
  asio::post(state_->io, [state = state_] {
    state->stopped = true;
    boost::system::error_code ec;
    state->acceptor.close(ec);
    for (const auto& c : state->connections) c->close();
    state->connections.clear();
  });
}

std::string faults_to_json(const Faults& f) {
  nlohmann::json j = {{"latency_ms", std::chrono::duration_cast<std::chrono::milliseconds>(f.latency).count()},
                      {"refuse", f.refuse},
                      {"reset", f.reset},
                      {"stall", f.stall},
                      {"bandwidth_bytes_per_second", f.bandwidth_bytes_per_second}};
  return j.dump();
}

Result<Faults> faults_from_json(const std::string& text) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return fail("faults must be a JSON object");
  Faults f;
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& k = it.key();
    if (k == "latency_ms" && it->is_number_unsigned()) f.latency = std::chrono::milliseconds(it->get<std::uint64_t>());
    else if (k == "refuse" && it->is_boolean()) f.refuse = it->get<bool>();
    else if (k == "reset" && it->is_boolean()) f.reset = it->get<bool>();
    else if (k == "stall" && it->is_boolean()) f.stall = it->get<bool>();
    else if (k == "bandwidth_bytes_per_second" && it->is_number_unsigned()) f.bandwidth_bytes_per_second = it->get<std::uint64_t>();
    else return fail("invalid field \"" + k + "\" (latency_ms, bandwidth_bytes_per_second: non-negative integers; refuse, reset, stall: booleans)");
  }
  return f;
}

}  // namespace lf::faultproxy
