// Client behaviour against our server and hand-written raw servers over loopback (port 0).
#include "http/client.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>

#include <boost/asio/read_until.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "http_test_util.hpp"

namespace lf::http {
namespace {

using namespace test;

// Accepts `connections` connections one after another; on each reads one request header and
// writes `reply` (then closes): lets tests play a server that drops keep-alive connections.
class ScriptedServer {
 public:
  ScriptedServer(int connections, std::string reply)
      : acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)), reply_(std::move(reply)) {
    thread_ = std::thread([this, connections] {
      for (int i = 0; i < connections; ++i) {
        tcp::socket socket(io_);
        boost::system::error_code ec;
        acceptor_.accept(socket, ec);
        if (ec || stopping_) return;
        ++accepted;
        asio::streambuf request;
        asio::read_until(socket, request, "\r\n\r\n", ec);
        asio::write(socket, asio::buffer(reply_), ec);
        socket.shutdown(tcp::socket::shutdown_both, ec);
      }
    });
  }
  ~ScriptedServer() {
    // A blocked accept() does not notice close(); wake it with one last connection.
    stopping_ = true;
    boost::system::error_code ignored;
    tcp::socket wake(io_);
    wake.connect(acceptor_.local_endpoint(), ignored);
    thread_.join();
  }
  Endpoint endpoint() const { return {"127.0.0.1", acceptor_.local_endpoint().port()}; }
  std::atomic<int> accepted{0};

 private:
  asio::io_context io_;
  tcp::acceptor acceptor_;
  std::string reply_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

asio::awaitable<void> sleep_for(Duration duration) {
  asio::steady_timer timer(co_await asio::this_coro::executor, duration);
  co_await timer.async_wait(asio::use_awaitable);
}

Request make_request(std::string method, std::string target, std::string body = {}) {
  Request request;
  request.method = std::move(method);
  request.target = std::move(target);
  request.body = std::move(body);
  return request;
}

TEST(Client, ReusesPooledConnection) {
  TestServer server(echo_handler);
  IoThreads threads(2);
  Client client(threads.io);
  for (int i = 0; i < 10; ++i) {
    auto response = threads.run(client.send(server.endpoint(), make_request("POST", "/n", std::to_string(i)), 5s));
    ASSERT_TRUE(response) << response.error().message;
    EXPECT_EQ(response->body, std::to_string(i));
  }
  EXPECT_EQ(server.server().stats().accepted_connections, 1u);
  EXPECT_EQ(client.stats().connections_opened, 1u);
  EXPECT_EQ(client.stats().connections_reused, 9u);
  EXPECT_EQ(client.stats().idle_connections, 1u);
}

TEST(Client, ConcurrentRequestsOpenSeparateConnectionsThenPoolThem) {
  TestServer server([](Request request) -> asio::awaitable<Response> {
    co_await sleep_for(50ms);
    co_return Response::text(200, request.target);
  });
  IoThreads threads(2);
  Client client(threads.io);
  std::vector<std::future<Expected<Response, ClientError>>> pending;
  for (int i = 0; i < 4; ++i) {
    pending.push_back(asio::co_spawn(threads.io, client.send(server.endpoint(), make_request("GET", "/" + std::to_string(i)), 5s),
                                     asio::use_future));
  }
  for (int i = 0; i < 4; ++i) {
    auto response = pending[i].get();
    ASSERT_TRUE(response) << response.error().message;
    EXPECT_EQ(response->body, "/" + std::to_string(i));
  }
  EXPECT_EQ(server.server().stats().accepted_connections, 4u);
  EXPECT_EQ(client.stats().idle_connections, 4u);
}

asio::awaitable<int> send_sequence(Client& client, Endpoint endpoint, int worker, int count) {
  int ok = 0;
  for (int i = 0; i < count; ++i) {
    std::string body = std::to_string(worker) + ":" + std::to_string(i);
    auto response = co_await client.send(endpoint, make_request("POST", "/", body), 5s);
    if (response && response->body == body) ++ok;
  }
  co_return ok;
}

// Eight workers of 100 requests each through one client to one server; every exchange must
// come back intact and every request must have used a pooled or a new connection.
void expect_concurrent_workers_intact(int io_threads, bool single_threaded_io) {
  ServerOptions server_options;
  server_options.single_threaded_io = single_threaded_io;
  TestServer server(echo_handler, server_options, io_threads);
  IoThreads threads(io_threads);
  Client client(threads.io, ClientOptions{.single_threaded_io = single_threaded_io});
  constexpr int workers = 8;
  constexpr int per_worker = 100;
  std::vector<std::future<int>> results;
  for (int w = 0; w < workers; ++w) {
    results.push_back(asio::co_spawn(threads.io, send_sequence(client, server.endpoint(), w, per_worker), asio::use_future));
  }
  for (auto& result : results) EXPECT_EQ(result.get(), per_worker);
  EXPECT_LE(server.server().stats().accepted_connections, static_cast<std::uint64_t>(workers));
  EXPECT_EQ(client.stats().connections_opened + client.stats().connections_reused,
            static_cast<std::uint64_t>(workers * per_worker));
}

// Both sides on two-thread io_contexts: per-connection strands must keep every exchange intact.
TEST(Client, ConcurrentWorkersOnMultiThreadedContexts) { expect_concurrent_workers_intact(2, false); }

// One I/O thread per side without strands (the sidecar's default): the same guarantees.
TEST(Client, ConcurrentWorkersOnSingleThreadedContextsWithoutStrands) { expect_concurrent_workers_intact(1, true); }

TEST(Client, PassesMethodsHeadersAndBodiesThrough) {
  TestServer server(echo_handler);
  IoThreads threads(1);
  Client client(threads.io);
  for (std::string method : {"PUT", "DELETE", "PATCH", "GET"}) {
    auto request = make_request(method, "/items/1?x=%20y", method == "GET" ? "" : "payload");
    request.headers.set("X-Trace", "abc");
    auto response = threads.run(client.send(server.endpoint(), std::move(request), 5s));
    ASSERT_TRUE(response) << response.error().message;
    EXPECT_EQ(response->headers.get("x-method").value_or(""), method);
    EXPECT_EQ(response->headers.get("X-TARGET").value_or(""), "/items/1?x=%20y");
    EXPECT_EQ(response->body, method == "GET" ? "" : "payload");
  }
  auto head = threads.run(client.send(server.endpoint(), make_request("HEAD", "/h"), 5s));
  ASSERT_TRUE(head) << head.error().message;
  EXPECT_EQ(head->headers.get("x-method").value_or(""), "HEAD");
  EXPECT_EQ(head->body, "");
  EXPECT_EQ(server.server().stats().accepted_connections, 1u) << "HEAD must not desynchronise the connection";
}

TEST(Client, DeadlineExpiresOnSlowHandler) {
  TestServer server([](Request) -> asio::awaitable<Response> {
    co_await sleep_for(2s);
    co_return Response::text(200, "late");
  });
  IoThreads threads(1);
  Client client(threads.io);
  auto started = std::chrono::steady_clock::now();
  auto response = threads.run(client.send(server.endpoint(), make_request("GET", "/slow"), 150ms));
  auto elapsed = std::chrono::steady_clock::now() - started;
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().kind, ClientError::timeout);
  EXPECT_EQ(response.error().message, "context deadline exceeded");
  EXPECT_GE(elapsed, 145ms);
  EXPECT_LT(elapsed, 650ms);
  EXPECT_EQ(client.stats().idle_connections, 0u) << "a timed-out connection must not be pooled";
}

// A pooled connection keeps one timer armed for the first request's long deadline; a later
// request with a shorter one must still end at its own deadline, and one after a request that
// finished early must not be cut by the earlier request's deadline.
TEST(Client, EachRequestOnAPooledConnectionGetsItsOwnDeadline) {
  TestServer server([](Request r) -> asio::awaitable<Response> {
    if (r.path == "/slow") co_await sleep_for(1s);
    co_return Response::text(200, "ok");
  });
  IoThreads threads(1);
  Client client(threads.io);
  ASSERT_TRUE(threads.run(client.send(server.endpoint(), make_request("GET", "/fast"), 30s)));
  auto started = std::chrono::steady_clock::now();
  auto slow = threads.run(client.send(server.endpoint(), make_request("GET", "/slow"), 150ms));
  auto elapsed = std::chrono::steady_clock::now() - started;
  ASSERT_FALSE(slow);
  EXPECT_EQ(slow.error().kind, ClientError::timeout);
  EXPECT_GE(elapsed, 145ms);
  EXPECT_LT(elapsed, 650ms);
  EXPECT_EQ(client.stats().connections_reused, 1u);
  // Short deadlines that were met leave nothing behind for the next, longer request.
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(threads.run(client.send(server.endpoint(), make_request("GET", "/fast"), 100ms)));
  EXPECT_TRUE(threads.run(client.send(server.endpoint(), make_request("GET", "/slow"), 5s)));
}

TEST(Client, ConnectionRefusedLooksLikeGo) {
  IoThreads threads(1);
  Client client(threads.io);
  auto port = unused_port();
  auto response = threads.run(client.send({"127.0.0.1", port}, make_request("GET", "/"), 2s));
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().kind, ClientError::connect_refused);
  EXPECT_EQ(response.error().message, "dial tcp 127.0.0.1:" + std::to_string(port) + ": connect: connection refused");
}

TEST(Client, UnknownHostIsConnectFailed) {
  IoThreads threads(1);
  Client client(threads.io);
  auto response = threads.run(client.send({"no-such-host.invalid", 80}, make_request("GET", "/"), 5s));
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().kind, ClientError::connect_failed);
  EXPECT_EQ(response.error().message.rfind("dial tcp: lookup no-such-host.invalid: ", 0), 0u) << response.error().message;
}

TEST(Client, RetriesOnceWhenPooledConnectionWasClosed) {
  // The server answers with keep-alive but closes every connection after one response.
  ScriptedServer server(2, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
  IoThreads threads(1);
  Client client(threads.io);
  auto first = threads.run(client.send(server.endpoint(), make_request("GET", "/"), 5s));
  ASSERT_TRUE(first) << first.error().message;
  auto second = threads.run(client.send(server.endpoint(), make_request("POST", "/", "x"), 5s));
  ASSERT_TRUE(second) << second.error().message;
  EXPECT_EQ(second->body, "ok");
  EXPECT_EQ(client.stats().retries, 1u);
  EXPECT_EQ(server.accepted, 2);
}

TEST(Client, NoRetryAfterResponseBytesArrived) {
  ScriptedServer server(2, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\npart");
  IoThreads threads(1);
  Client client(threads.io);
  auto response = threads.run(client.send(server.endpoint(), make_request("GET", "/"), 5s));
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().kind, ClientError::connection_reset);
  EXPECT_EQ(response.error().message, "unexpected EOF");
  EXPECT_EQ(client.stats().retries, 0u);
  EXPECT_EQ(server.accepted, 1);
}

TEST(Client, MalformedResponseIsProtocolError) {
  ScriptedServer server(1, "SSH-2.0-OpenSSH\r\n\r\n");
  IoThreads threads(1);
  Client client(threads.io);
  auto response = threads.run(client.send(server.endpoint(), make_request("GET", "/"), 5s));
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().kind, ClientError::protocol) << response.error().message;
}

TEST(Client, SkipsInterimAnswersAndReadsAClosedDelimitedBody) {
  ScriptedServer server(1, "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n"
                           "HTTP/1.1 200 OK\r\nX-Final: yes\r\n\r\nuntil the close");
  IoThreads threads(1);
  Client client(threads.io);
  auto response = threads.run(client.send(server.endpoint(), make_request("POST", "/", "x"), 5s));
  ASSERT_TRUE(response) << response.error().message;
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->headers.get("x-final").value_or(""), "yes");
  EXPECT_EQ(response->body, "until the close");
  EXPECT_EQ(client.stats().idle_connections, 0u);  // a close-delimited answer ends the connection
}

TEST(Client, ResponseBodyOverLimit) {
  TestServer server([](Request) -> asio::awaitable<Response> { co_return Response::text(200, std::string(4096, 'z')); });
  IoThreads threads(1);
  ClientOptions options;
  options.response_body_limit = 1024;
  Client client(threads.io, options);
  auto response = threads.run(client.send(server.endpoint(), make_request("GET", "/"), 5s));
  ASSERT_FALSE(response) << response->status << " " << response->body.size();
  EXPECT_EQ(response.error().kind, ClientError::body_too_large);
}

TEST(Fetch, BlockingRequestByUrl) {
  TestServer server(echo_handler);
  Request request;
  request.method = "POST";
  request.body = "hello";
  auto response = fetch(server.url("/v1.0/x?y=1"), std::move(request), 5s);
  ASSERT_TRUE(response) << response.error().message;
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "hello");
  EXPECT_EQ(response->headers.get("x-target").value_or(""), "/v1.0/x?y=1");

  auto bad = fetch("https://127.0.0.1:1/", {}, 1s);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message, "unsupported protocol scheme \"https\"");
}

// Sanity number for the sidecar hot path (not a benchmark): sequential keep-alive round trips
// with 1 KB bodies, client and server on separate io threads.
TEST(ClientLatency, KeepAliveRoundTrip) {
  TestServer server(echo_handler, {}, 1);
  IoThreads threads(1);
  Client client(threads.io);
  const std::string body(1024, 'x');
  constexpr int warmup = 200;
  constexpr int rounds = 2000;
  std::vector<double> micros;
  micros.reserve(rounds);
  for (int i = 0; i < warmup + rounds; ++i) {
    auto started = std::chrono::steady_clock::now();
    auto response = threads.run(client.send(server.endpoint(), make_request("POST", "/bench", body), 5s));
    auto elapsed = std::chrono::steady_clock::now() - started;
    ASSERT_TRUE(response) << response.error().message;
    if (i >= warmup) micros.push_back(std::chrono::duration<double, std::micro>(elapsed).count());
  }
  std::sort(micros.begin(), micros.end());
  double p50 = micros[micros.size() / 2];
  double p99 = micros[micros.size() * 99 / 100];
  std::printf("keep-alive round trip, 1 KB body: p50 %.1f us, p99 %.1f us, max %.1f us\n", p50, p99, micros.back());
  EXPECT_EQ(server.server().stats().accepted_connections, 1u);
  EXPECT_LT(p50, 5000.0);  // generous: shared 2-core machine
}

}  // namespace
}  // namespace lf::http
