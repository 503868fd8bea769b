// The Service load balancer over loopback: round robin over ready endpoints, refused endpoints
// skipped, an endpoint that closes without answering gets an idempotent request replayed on the
// next one (not a POST; any method when the endpoint closed before the request arrived), no
// endpoint = connection closed.
#include "platform/balancer.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <string>
#include <thread>

#include <gtest/gtest.h>

namespace lf::platform {
namespace {

// A loopback server answering each connection by `reply` (empty: close at once without reading).
class Backend {
 public:
  explicit Backend(std::string reply) : reply_(std::move(reply)) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    ::listen(fd_, 16);
    socklen_t len = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] {
      for (;;) {
        int c = ::accept(fd_, nullptr, nullptr);
        if (c < 0) return;
        ++accepted_;
        if (!reply_.empty()) {
          char buf[4096];
          (void)::read(c, buf, sizeof buf);
          (void)::send(c, reply_.data(), reply_.size(), MSG_NOSIGNAL);
        }
        ::close(c);
      }
    });
  }
  ~Backend() {
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    thread_.join();
  }
  int port() const { return port_; }
  int accepted() const { return accepted_; }

 private:
  std::string reply_;
  int fd_ = -1;
  int port_ = 0;
  std::atomic<int> accepted_{0};
  std::thread thread_;
};

// Sends `request` on the connected `fd`, half-closes, reads until the connection closes, closes it.
std::string send_and_read_all(int fd, const std::string& request) {
  (void)::send(fd, request.data(), request.size(), MSG_NOSIGNAL);
  ::shutdown(fd, SHUT_WR);
  std::string out;
  char buf[4096];
  for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) out.append(buf, static_cast<std::size_t>(n));
  ::close(fd);
  return out;
}

// Sends `request` through the balancer on a new connection and reads until the connection closes.
std::string exchange(int port, const std::string& request) {
  int fd = connect_loopback(port);
  if (fd < 0) return "<refused>";
  return send_and_read_all(fd, request);
}

int closed_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);  // bound, never listened: connections are refused
  return ntohs(addr.sin_port);
}

TEST(TcpBalancer, RoundRobinOverEndpointsSkippingRefusedOnes) {
  Backend a("A"), b("B");
  const int dead = closed_port();
  auto balancer = TcpBalancer::start("svc", 0, [&] { return std::vector<int>{a.port(), dead, b.port()}; });
  ASSERT_TRUE(balancer);
  std::string seen;
  for (int i = 0; i < 6; ++i) seen += exchange((*balancer)->port(), "GET / HTTP/1.1\r\n\r\n");
  EXPECT_EQ(a.accepted() + b.accepted(), 6);
  EXPECT_EQ(std::count(seen.begin(), seen.end(), 'A'), a.accepted());
  EXPECT_GE(a.accepted(), 2);
  EXPECT_GE(b.accepted(), 2);
}

TEST(TcpBalancer, IdempotentRequestIsReplayedWhenAnEndpointClosesWithoutAnswer) {
  Backend dying(""), healthy("OK");
  auto balancer = TcpBalancer::start("svc", 0, [&] { return std::vector<int>{dying.port(), healthy.port()}; });
  ASSERT_TRUE(balancer);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(exchange((*balancer)->port(), "GET /status HTTP/1.1\r\n\r\n"), "OK");
  EXPECT_GE(dying.accepted(), 1);
}

// Under load the endpoint's close can reach the balancer before the client's first byte: nothing
// was sent, so even a POST is safe to hand to the next endpoint (CI hit this with a GET).
TEST(TcpBalancer, AnEndpointClosingBeforeTheRequestArrivesHandsTheConnectionOn) {
  Backend dying(""), healthy("OK");
  auto balancer = TcpBalancer::start("svc", 0, [&] { return std::vector<int>{dying.port(), healthy.port()}; });
  ASSERT_TRUE(balancer);
  int fd = connect_loopback((*balancer)->port());
  ASSERT_GE(fd, 0);
  // The balancer has moved on once the healthy endpoint accepted; only then does the request go out.
  for (int i = 0; i < 5000 && healthy.accepted() == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  ASSERT_EQ(healthy.accepted(), 1);
  EXPECT_EQ(dying.accepted(), 1);
  EXPECT_EQ(send_and_read_all(fd, "POST /lessons HTTP/1.1\r\n\r\n"), "OK");
}

TEST(TcpBalancer, PostIsNotReplayed) {
  Backend dying(""), healthy("OK");
  auto balancer = TcpBalancer::start("svc", 0, [&] { return std::vector<int>{dying.port()}; });
  ASSERT_TRUE(balancer);
  EXPECT_EQ(exchange((*balancer)->port(), "POST /lessons HTTP/1.1\r\n\r\n"), "");
  EXPECT_EQ(healthy.accepted(), 0);
}

TEST(TcpBalancer, NoReadyEndpointClosesTheConnection) {
  auto balancer = TcpBalancer::start("svc", 0, [] { return std::vector<int>{}; });
  ASSERT_TRUE(balancer);
  EXPECT_EQ(exchange((*balancer)->port(), "GET / HTTP/1.1\r\n\r\n"), "");
}

TEST(TcpBalancer, APortInUseIsReportedWithWhatToDo) {
  Backend taken("x");
  auto balancer = TcpBalancer::start("learnflow-frontend", taken.port(), [] { return std::vector<int>{}; });
  ASSERT_FALSE(balancer);
  EXPECT_NE(balancer.error().message.find("--frontend-port"), std::string::npos);
}

}  // namespace
}  // namespace lf::platform
