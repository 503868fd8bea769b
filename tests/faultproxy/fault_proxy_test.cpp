// Real loopback sockets: an echo upstream behind the proxy.
#include "faultproxy/fault_proxy.hpp"

#include <thread>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <gtest/gtest.h>

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using namespace std::chrono_literals;
using lf::faultproxy::Faults;

namespace {

asio::awaitable<void> echo_session(tcp::socket s) {
  char buf[4096];
  while (true) {
    boost::system::error_code ec;
    auto n = co_await s.async_read_some(asio::buffer(buf), asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;
    co_await asio::async_write(s, asio::buffer(buf, n), asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;
  }
}

asio::awaitable<void> echo_server(tcp::acceptor& acceptor) {
  while (true) {
    boost::system::error_code ec;
    auto s = co_await acceptor.async_accept(asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;
    asio::co_spawn(acceptor.get_executor(), echo_session(std::move(s)), asio::detached);
  }
}

class FaultProxyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    acceptor_.open(tcp::v4());
    acceptor_.bind({asio::ip::make_address("127.0.0.1"), 0});
    acceptor_.listen();
    asio::co_spawn(io_, echo_server(acceptor_), asio::detached);
    proxy_ = std::make_unique<lf::faultproxy::FaultProxy>(
        io_, lf::faultproxy::ProxyOptions{"127.0.0.1", 0, "127.0.0.1", acceptor_.local_endpoint().port()});
    auto port = proxy_->start();
    ASSERT_TRUE(port) << port.error().message;
    port_ = *port;
    thread_ = std::thread([this] { io_.run(); });
  }
  void TearDown() override {
    proxy_->stop();
    asio::post(io_, [this] { acceptor_.close(); });
    work_.reset();
    io_.stop();
    thread_.join();
  }
  // Sends text through the proxy on a fresh connection and reads the echo; the error if any.
  boost::system::error_code round_trip(const std::string& text, std::string& echoed) {
    asio::io_context client_io;
    tcp::socket s(client_io);
    boost::system::error_code ec;
    s.connect({asio::ip::make_address("127.0.0.1"), port_}, ec);
    if (ec) return ec;
    asio::write(s, asio::buffer(text), ec);
    if (ec) return ec;
    echoed.resize(text.size());
    asio::read(s, asio::buffer(echoed), ec);
    return ec;
  }

  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_ = asio::make_work_guard(io_);
  tcp::acceptor acceptor_{io_};
  std::unique_ptr<lf::faultproxy::FaultProxy> proxy_;
  std::uint16_t port_ = 0;
  std::thread thread_;
};

}  // namespace

TEST_F(FaultProxyTest, ForwardsBothWaysAndCounts) {
  std::string echoed;
  ASSERT_FALSE(round_trip("hello", echoed));
  EXPECT_EQ(echoed, "hello");
  auto stats = proxy_->stats();
  EXPECT_EQ(stats.accepted, 1u);
  EXPECT_EQ(stats.bytes_upstream, 5u);
  EXPECT_EQ(stats.bytes_downstream, 5u);
}

TEST_F(FaultProxyTest, LatencyIsAddedPerDirection) {
  proxy_->set_faults(Faults{.latency = 150ms});
  std::string echoed;
  auto start = std::chrono::steady_clock::now();
  ASSERT_FALSE(round_trip("x", echoed));
  auto took = std::chrono::steady_clock::now() - start;
  EXPECT_GE(took, 300ms);  // 150 ms each way
  EXPECT_LT(took, 2s);
}

TEST_F(FaultProxyTest, RefuseClosesTheListenerAndReopensOnTheSamePort) {
  proxy_->set_faults(Faults{.refuse = true});
  std::string echoed;
  EXPECT_EQ(round_trip("x", echoed), asio::error::connection_refused);
  proxy_->set_faults(Faults{});
  EXPECT_FALSE(round_trip("back", echoed));
  EXPECT_EQ(echoed, "back");
}

TEST_F(FaultProxyTest, ResetSendsRst) {
  proxy_->set_faults(Faults{.reset = true});
  std::string echoed;
  auto ec = round_trip("x", echoed);
  EXPECT_TRUE(ec == asio::error::connection_reset || ec == asio::error::eof || ec == asio::error::broken_pipe) << ec.message();
  EXPECT_GE(proxy_->stats().reset, 1u);
}

TEST_F(FaultProxyTest, BandwidthLimitSlowsTransfers) {
  proxy_->set_faults(Faults{.bandwidth_bytes_per_second = 20000});
  std::string echoed;
  auto start = std::chrono::steady_clock::now();
  ASSERT_FALSE(round_trip(std::string(4000, 'b'), echoed));
  // 4000 bytes each way at 20 kB/s: each direction holds the chunk back 0.2 s.
  EXPECT_GE(std::chrono::steady_clock::now() - start, 390ms);
}

TEST(FaultsJson, RoundTripAndErrors) {
  auto f = lf::faultproxy::faults_from_json(R"({"latency_ms":200,"stall":true})");
  ASSERT_TRUE(f);
  EXPECT_EQ(f->latency, lf::Duration(200ms));
  EXPECT_TRUE(f->stall);
  EXPECT_EQ(*lf::faultproxy::faults_from_json(lf::faultproxy::faults_to_json(*f)), *f);
  EXPECT_EQ(lf::faultproxy::faults_from_json(R"({"latency":1})").error().message,
            "invalid field \"latency\" (latency_ms, bandwidth_bytes_per_second: non-negative integers; refuse, reset, stall: booleans)");
  EXPECT_FALSE(lf::faultproxy::faults_from_json("[]"));
}
