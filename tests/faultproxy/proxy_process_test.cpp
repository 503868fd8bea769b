// learnflow-faultproxy as a child process: readiness, faults over HTTP, stop, and the errors.
#include "faultproxy/proxy_process.hpp"

#include <signal.h>

#include <cstdlib>
#include <thread>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <gtest/gtest.h>

#include "http/client.hpp"

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;

namespace {

std::string proxy_binary() {
  const char* bin_dir = std::getenv("LEARNFLOW_BIN_DIR");
  return bin_dir ? std::string(bin_dir) + "/learnflow-faultproxy" : std::string();
}

// Echoes connections back, one after the other, on its own thread (the proxy's readiness check
// opens and closes one first).
class SerialEcho {
 public:
  SerialEcho() : acceptor_(io_, {asio::ip::make_address("127.0.0.1"), 0}) {
    thread_ = std::thread([this] {
      boost::system::error_code accept_error;
      while (!accept_error) {
        tcp::socket s(io_);
        acceptor_.accept(s, accept_error);
        boost::system::error_code ec = accept_error;
        char buf[256];
        while (!ec) {
          auto n = s.read_some(asio::buffer(buf), ec);
          if (!ec) asio::write(s, asio::buffer(buf, n), ec);
        }
      }
    });
  }
  ~SerialEcho() {
    ::shutdown(acceptor_.native_handle(), SHUT_RDWR);  // wakes the blocking accept; the acceptor closes after
    thread_.join();
  }
  int port() const { return acceptor_.local_endpoint().port(); }

 private:
  asio::io_context io_;
  tcp::acceptor acceptor_;
  std::thread thread_;
};

// Milliseconds for one 5-byte round trip through the proxy.
double echo_round_trip_ms(int port) {
  asio::io_context io;
  tcp::socket s(io);
  s.connect({asio::ip::make_address("127.0.0.1"), static_cast<unsigned short>(port)});
  const auto started = std::chrono::steady_clock::now();
  asio::write(s, asio::buffer(std::string("hello")));
  char buf[5];
  asio::read(s, asio::buffer(buf));
  EXPECT_EQ(std::string(buf, 5), "hello");
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
}

TEST(FaultProxyProcess, StartsReadyTakesFaultsOverHttpAndStops) {
  if (proxy_binary().empty()) GTEST_SKIP() << "LEARNFLOW_BIN_DIR is set by ctest";
  SerialEcho upstream;
  auto proxy = lf::faultproxy::ProxyProcess::start(
      {.binary = proxy_binary(), .upstream = "127.0.0.1:" + std::to_string(upstream.port())});
  ASSERT_TRUE(proxy) << proxy.error().message;
  auto& p = **proxy;
  EXPECT_TRUE(p.is_running());
  EXPECT_TRUE(p.answers_control());
  EXPECT_EQ(p.address(), "127.0.0.1:" + std::to_string(p.port()));

  lf::http::Request put;
  put.method = "PUT";
  put.body = R"({"latency_ms":150})";
  auto set = lf::http::fetch(p.control_url() + "/faults", put, 2s);
  ASSERT_TRUE(set);
  EXPECT_EQ(set->status, 200);
  // 150 ms each way; generous upper tolerance for a loaded machine.
  const double ms = echo_round_trip_ms(p.port());
  EXPECT_GE(ms, 290);
  EXPECT_LT(ms, 1500);
  auto stats = lf::http::fetch(p.control_url() + "/stats", {}, 2s);
  ASSERT_TRUE(stats);
  // The readiness check's connection carried no bytes: these are the echo's 5 each way.
  EXPECT_NE(stats->body.find("\"bytes_upstream\":5,"), std::string::npos) << stats->body;
  EXPECT_NE(stats->body.find("\"bytes_downstream\":5,"), std::string::npos) << stats->body;

  const pid_t pid = p.pid();
  p.stop();
  EXPECT_FALSE(p.is_running());
  EXPECT_NE(::kill(pid, 0), 0) << "no process left";
  EXPECT_FALSE(lf::process::tcp_port_open("127.0.0.1", p.port()));
}

TEST(FaultProxyProcess, DestroyingItStopsTheProcess) {
  if (proxy_binary().empty()) GTEST_SKIP() << "LEARNFLOW_BIN_DIR is set by ctest";
  pid_t pid = -1;
  {
    auto proxy = lf::faultproxy::ProxyProcess::start({.binary = proxy_binary(), .upstream = "127.0.0.1:9"});
    ASSERT_TRUE(proxy) << proxy.error().message;
    pid = (*proxy)->pid();
  }
  EXPECT_NE(::kill(pid, 0), 0);
}

TEST(FaultProxyProcess, MissingBinaryAndTakenPortAreOneSentence) {
  auto missing = lf::faultproxy::ProxyProcess::start({.binary = "/nonexistent/learnflow-faultproxy", .upstream = "127.0.0.1:9"});
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("is missing"), std::string::npos) << missing.error().message;

  if (proxy_binary().empty()) GTEST_SKIP() << "LEARNFLOW_BIN_DIR is set by ctest";
  SerialEcho taken;
  auto clash = lf::faultproxy::ProxyProcess::start(
      {.binary = proxy_binary(), .upstream = "127.0.0.1:9", .listen_port = taken.port()});
  ASSERT_FALSE(clash);
  EXPECT_NE(clash.error().message.find("exited at start"), std::string::npos) << clash.error().message;
}

}  // namespace
