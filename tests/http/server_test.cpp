// Server behaviour over real loopback sockets (port 0).
#include "http/server.hpp"

#include <gtest/gtest.h>

#include <atomic>

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "http_test_util.hpp"

namespace lf::http {
namespace {

using namespace test;

asio::awaitable<void> sleep_for(Duration duration) {
  asio::steady_timer timer(co_await asio::this_coro::executor, duration);
  co_await timer.async_wait(asio::use_awaitable);
}

// Polls `condition` for up to two seconds (for state that changes on io threads).
template <typename Condition>
bool eventually(Condition condition) {
  for (int i = 0; i < 400; ++i) {
    if (condition()) return true;
    std::this_thread::sleep_for(5ms);
  }
  return condition();
}

std::string body_of(const std::string& raw_response) {
  auto at = raw_response.find("\r\n\r\n");
  return at == std::string::npos ? "" : raw_response.substr(at + 4);
}

TEST(Server, KeepAliveServesTwoRequestsOnOneConnection) {
  TestServer server(echo_handler);
  RawSocket socket(server.port());
  socket.send("POST /first HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc");
  auto first = socket.read_response();
  socket.send("GET /second?q=1 HTTP/1.1\r\nHost: x\r\n\r\n");
  auto second = socket.read_response();

  EXPECT_EQ(first.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << first;
  EXPECT_EQ(body_of(first), "abc");
  EXPECT_NE(second.find("X-Target: /second?q=1\r\n"), std::string::npos) << second;
  EXPECT_EQ(server.server().stats().accepted_connections, 1u);
  // The counter moves once the write completes on the server, which may trail our read.
  EXPECT_TRUE(eventually([&] { return server.server().stats().completed_requests == 2; }));
}

TEST(Server, BodyOverLimitGets413WithJsonError) {
  ServerOptions options;
  options.body_limit = 1024;
  TestServer server(echo_handler, options);
  RawSocket socket(server.port());
  socket.send("POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 2048\r\n\r\n" + std::string(2048, 'a'));
  auto response = socket.read_all();
  EXPECT_EQ(response.rfind("HTTP/1.1 413 ", 0), 0u) << response;
  EXPECT_NE(response.find("Content-Type: application/json\r\n"), std::string::npos);
  EXPECT_NE(response.find("Connection: close\r\n"), std::string::npos);
  EXPECT_EQ(body_of(response), R"({"errorCode":"ERR_REQUEST_TOO_LARGE","message":"request body exceeds the limit"})");
}

TEST(Server, ChunkedBodyOverLimitGets413) {
  ServerOptions options;
  options.body_limit = 8;
  TestServer server(echo_handler, options);
  RawSocket socket(server.port());
  socket.send("POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nabcdef\r\n6\r\nghijkl\r\n0\r\n\r\n");
  EXPECT_EQ(socket.read_all().rfind("HTTP/1.1 413 ", 0), 0u);
}

TEST(Server, OversizeHeadersGet431) {
  ServerOptions options;
  options.header_limit = 1024;
  TestServer server(echo_handler, options);
  RawSocket socket(server.port());
  socket.send("GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(4096, 'b') + "\r\n\r\n");
  auto response = socket.read_all();
  EXPECT_EQ(response.rfind("HTTP/1.1 431 Request Header Fields Too Large\r\n", 0), 0u) << response;
  EXPECT_EQ(body_of(response), R"({"errorCode":"ERR_HEADERS_TOO_LARGE","message":"request headers exceed the limit"})");
}

TEST(Server, GarbageGets400AndTheConnectionCloses) {
  TestServer server(echo_handler);
  RawSocket socket(server.port());
  socket.send("\x16\x03\x01 this is not http\r\n\r\n");
  auto response = socket.read_all();  // returns only once the server closed
  EXPECT_EQ(response.rfind("HTTP/1.1 400 Bad Request\r\n", 0), 0u) << response;
  EXPECT_NE(body_of(response).find(R"("errorCode":"ERR_MALFORMED_REQUEST")"), std::string::npos);
}

TEST(Server, ASmuggledSecondRequestIsNeverHandled) {
  // Content-Length and Transfer-Encoding together: a proxy that reads one framing and a server
  // that reads the other disagree on where the first request ends. We answer 400 and close.
  std::atomic<int> handled{0};
  TestServer server([&handled](Request) -> asio::awaitable<Response> {
    ++handled;
    co_return Response::text(200, "ok");
  });
  RawSocket socket(server.port());
  socket.send("POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"
              "0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n");
  auto response = socket.read_all();  // returns only once the server closed
  EXPECT_EQ(response.rfind("HTTP/1.1 400 Bad Request\r\n", 0), 0u) << response;
  EXPECT_EQ(body_of(response),
            R"({"errorCode":"ERR_MALFORMED_REQUEST","message":"malformed request: both Transfer-Encoding and Content-Length"})");
  EXPECT_EQ(response.find("HTTP/1.1", 1), std::string::npos) << "a second response: " << response;
  EXPECT_EQ(handled, 0);
}

TEST(Server, AcceptsChunkedRequestBody) {
  TestServer server(echo_handler);
  RawSocket socket(server.port());
  socket.send("PUT /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n");
  auto response = socket.read_response();
  EXPECT_EQ(response.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << response;
  EXPECT_EQ(body_of(response), "abcde");
}

TEST(Server, AnswersExpectContinueBeforeReadingTheBody) {
  TestServer server(echo_handler);
  RawSocket socket(server.port());
  socket.send("POST /e HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n");
  EXPECT_EQ(socket.read_until("\r\n\r\n"), "HTTP/1.1 100 Continue\r\n\r\n");
  socket.send("ok");
  auto response = socket.read_response();
  EXPECT_EQ(response.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << response;
  EXPECT_EQ(body_of(response), "ok");
}

TEST(Server, HandlerSeesHeadersCaseInsensitivelyAndRemoteAddress) {
  std::string seen_value;
  std::string remote;
  TestServer server([&](Request request) -> asio::awaitable<Response> {
    seen_value = std::string(request.headers.get("x-custom-header").value_or(""));
    remote = request.remote_address;
    co_return Response::text(200, "ok");
  });
  RawSocket socket(server.port());
  socket.send("GET / HTTP/1.1\r\nHost: x\r\nX-CUSTOM-Header: Value1\r\n\r\n");
  socket.read_response();
  EXPECT_EQ(seen_value, "Value1");
  EXPECT_EQ(remote.rfind("127.0.0.1:", 0), 0u) << remote;
}

TEST(Server, HandlerExceptionBecomes500) {
  TestServer server([](Request) -> asio::awaitable<Response> {
    throw std::runtime_error("boom");
    co_return Response{};
  });
  RawSocket socket(server.port());
  socket.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  auto response = socket.read_response();
  EXPECT_EQ(response.rfind("HTTP/1.1 500 Internal Server Error\r\n", 0), 0u) << response;
  EXPECT_EQ(body_of(response), R"({"errorCode":"ERR_INTERNAL","message":"boom"})");
}

TEST(Server, HeadResponseKeepsContentLengthWithoutBody) {
  TestServer server([](Request) -> asio::awaitable<Response> { co_return Response::text(200, "12345"); });
  RawSocket socket(server.port());
  socket.send("HEAD / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  auto response = socket.read_all();
  EXPECT_NE(response.find("Content-Length: 5\r\n"), std::string::npos) << response;
  EXPECT_EQ(body_of(response), "");
}

TEST(Server, ListenReportsBindFailure) {
  TestServer first(echo_handler);
  IoThreads threads(1);
  ServerOptions options;
  options.port = first.port();
  Server second(threads.io, options, echo_handler);
  auto result = second.listen();
  ASSERT_FALSE(result);
  EXPECT_NE(result.error().message.find("bind: address already in use"), std::string::npos) << result.error().message;
}

TEST(Server, IncompleteRequestIsDroppedAfterReadTimeout) {
  ServerOptions options;
  options.read_timeout = 100ms;
  TestServer server(echo_handler, options);
  RawSocket socket(server.port());
  auto started = std::chrono::steady_clock::now();
  socket.send("GET / HTTP/1.1\r\nHost: x\r\n");  // header never finished
  EXPECT_EQ(socket.read_all(), "");
  auto elapsed = std::chrono::steady_clock::now() - started;
  EXPECT_GE(elapsed, 90ms);
  EXPECT_LT(elapsed, 1500ms);
}

TEST(Server, IdleKeepAliveConnectionClosesAfterIdleTimeout) {
  ServerOptions options;
  options.idle_timeout = 100ms;
  options.read_timeout = 50ms;
  TestServer server(echo_handler, options);
  RawSocket socket(server.port());
  socket.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  socket.read_response();
  auto started = std::chrono::steady_clock::now();
  EXPECT_EQ(socket.read_all(), "");
  auto elapsed = std::chrono::steady_clock::now() - started;
  EXPECT_GE(elapsed, 140ms);  // idle_timeout + read_timeout
  EXPECT_LT(elapsed, 1500ms);
  EXPECT_TRUE(eventually([&] { return server.server().stats().active_connections == 0; }));
}

TEST(Server, Http10RequestGetsResponseAndClose) {
  TestServer server(echo_handler);
  RawSocket socket(server.port());
  socket.send("GET /old HTTP/1.0\r\n\r\n");
  auto response = socket.read_all();
  EXPECT_EQ(response.rfind("HTTP/1.0 200 OK\r\n", 0), 0u) << response;
}

TEST(ServerShutdown, InFlightRequestFinishesWhileNewConnectionsAreRefused) {
  TestServer server([](Request request) -> asio::awaitable<Response> {
    if (request.path == "/slow") co_await sleep_for(400ms);
    co_return Response::text(200, "done");
  });
  IoThreads client_threads(1);
  Client client(client_threads.io);
  auto in_flight = asio::co_spawn(client_threads.io, client.send(server.endpoint(), Request{.method = "GET", .target = "/slow"}, 5s),
                                  asio::use_future);
  ASSERT_TRUE(eventually([&] { return server.server().stats().in_flight_requests == 1; }));

  std::promise<void> done;
  auto started = std::chrono::steady_clock::now();
  server.server().shutdown(5s, [&] { done.set_value(); });

  bool refused = eventually([&] {
    try {
      RawSocket probe(server.port());
      return false;
    } catch (const boost::system::system_error& e) {
      return e.code() == asio::error::connection_refused;
    }
  });
  EXPECT_TRUE(refused);
  EXPECT_EQ(server.server().stats().in_flight_requests, 1u) << "refusal must come before the drain ends";

  auto result = in_flight.get();
  ASSERT_TRUE(result) << result.error().message;
  EXPECT_EQ(result->status, 200);
  EXPECT_EQ(result->body, "done");
  EXPECT_EQ(result->headers.get("connection").value_or(""), "close");
  ASSERT_EQ(done.get_future().wait_for(2s), std::future_status::ready);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 2s) << "done must not wait for the deadline";
  EXPECT_EQ(server.server().stats().active_connections, 0u);
}

TEST(ServerShutdown, ClosesIdleKeepAliveConnectionsAtOnce) {
  TestServer server(echo_handler);
  RawSocket socket(server.port());
  socket.send("GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  socket.read_response();
  std::promise<void> done;
  server.server().shutdown(10s, [&] { done.set_value(); });
  ASSERT_EQ(done.get_future().wait_for(2s), std::future_status::ready);
  EXPECT_EQ(socket.read_all(), "");  // closed without another response
}

TEST(ServerShutdown, RequestStillRunningAtTheDeadlineIsCut) {
  TestServer server([](Request) -> asio::awaitable<Response> {
    co_await sleep_for(3s);
    co_return Response::text(200, "late");
  });
  IoThreads client_threads(1);
  Client client(client_threads.io);
  auto in_flight = asio::co_spawn(client_threads.io, client.send(server.endpoint(), Request{}, 10s), asio::use_future);
  ASSERT_TRUE(eventually([&] { return server.server().stats().in_flight_requests == 1; }));

  std::promise<void> done;
  auto started = std::chrono::steady_clock::now();
  server.server().shutdown(200ms, [&] { done.set_value(); });
  ASSERT_EQ(done.get_future().wait_for(2s), std::future_status::ready);
  auto done_after = std::chrono::steady_clock::now() - started;
  EXPECT_GE(done_after, 190ms);
  EXPECT_LT(done_after, 1500ms);

  auto result = in_flight.get();
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind, ClientError::connection_reset) << result.error().message;
  EXPECT_LT(std::chrono::steady_clock::now() - started, 1500ms);
}

TEST(ServerShutdown, WithoutListeningCompletesImmediately) {
  IoThreads threads(1);
  Server server(threads.io, {}, echo_handler);
  std::promise<void> done;
  server.shutdown(10s, [&] { done.set_value(); });
  EXPECT_EQ(done.get_future().wait_for(1s), std::future_status::ready);
}

}  // namespace
}  // namespace lf::http
