#pragma once
// Loopback helpers for the HTTP tests: an io_context on background threads, a server bound to
// port 0, and a raw blocking socket for sending hand-written bytes.
#include <sys/socket.h>
#include <sys/time.h>

#include <chrono>
#include <future>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/asio/write.hpp>

#include "http/client.hpp"
#include "http/server.hpp"

namespace lf::http::test {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

// Runs an io_context on `threads` threads until destroyed.
class IoThreads {
 public:
  explicit IoThreads(int threads = 2) : guard_(asio::make_work_guard(io)) {
    for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { io.run(); });
  }
  ~IoThreads() {
    guard_.reset();
    io.stop();
    for (auto& thread : threads_) thread.join();
  }

  template <typename T>
  T run(asio::awaitable<T> work) {
    return asio::co_spawn(io, std::move(work), asio::use_future).get();
  }

  asio::io_context io;

 private:
  asio::executor_work_guard<asio::io_context::executor_type> guard_;
  std::vector<std::thread> threads_;
};

// A Server on its own io threads, listening on an OS-chosen loopback port.
class TestServer {
 public:
  explicit TestServer(Handler handler, ServerOptions options = {}, int threads = 2) : threads_(threads) {
    server_.emplace(threads_.io, std::move(options), std::move(handler));
    auto port = server_->listen();
    if (port) port_ = *port;
  }
  ~TestServer() { server_.reset(); }

  Server& server() { return *server_; }
  std::uint16_t port() const { return port_; }
  Endpoint endpoint() const { return {"127.0.0.1", port_}; }
  std::string url(const std::string& target) const { return "http://127.0.0.1:" + std::to_string(port_) + target; }

 private:
  IoThreads threads_;
  std::optional<Server> server_;
  std::uint16_t port_ = 0;
};

// A blocking loopback socket with a receive timeout, so a broken server fails the test instead of hanging it.
class RawSocket {
 public:
  explicit RawSocket(std::uint16_t port) : socket_(io_) {
    socket_.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    timeval timeout{5, 0};
    ::setsockopt(socket_.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  }

  void send(std::string_view bytes) { asio::write(socket_, asio::buffer(bytes.data(), bytes.size())); }

  // Reads until the peer closes (or the timeout): everything the server sent.
  std::string read_all() {
    std::string out;
    char chunk[4096];
    boost::system::error_code ec;
    for (;;) {
      std::size_t n = socket_.read_some(asio::buffer(chunk), ec);
      if (ec) break;
      out.append(chunk, n);
    }
    return out;
  }

  // Reads byte by byte up to and including `marker` (for interim responses).
  std::string read_until(std::string_view marker) {
    std::string out;
    char byte;
    boost::system::error_code ec;
    while (out.size() < marker.size() || out.compare(out.size() - marker.size(), marker.size(), marker) != 0) {
      if (socket_.read_some(asio::buffer(&byte, 1), ec) == 0 || ec) break;
      out.push_back(byte);
    }
    return out;
  }

  // Reads one response with a Content-Length body (enough for these tests).
  std::string read_response() {
    std::string out;
    char chunk[4096];
    boost::system::error_code ec;
    for (;;) {
      auto header_end = out.find("\r\n\r\n");
      if (header_end != std::string::npos) {
        std::size_t length = 0;
        auto at = out.find("Content-Length: ");
        if (at != std::string::npos && at < header_end) length = std::stoul(out.substr(at + 16));
        if (out.size() >= header_end + 4 + length) return out;
      }
      std::size_t n = socket_.read_some(asio::buffer(chunk), ec);
      if (ec) return out;
      out.append(chunk, n);
    }
  }

 private:
  asio::io_context io_;
  tcp::socket socket_;
};

// A loopback port nobody listens on (bound, then released).
inline std::uint16_t unused_port() {
  asio::io_context io;
  tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  return acceptor.local_endpoint().port();
}

inline asio::awaitable<Response> echo_handler(Request request) {
  Response response;
  response.headers.set("X-Method", request.method);
  response.headers.set("X-Target", request.target);
  response.body = std::move(request.body);
  co_return response;
}

}  // namespace lf::http::test
