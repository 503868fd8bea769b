#include "platform/balancer.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace lf::platform {

int connect_loopback(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

void relay(int a, int b) {
  bool a_open = true, b_open = true;  // whether each side may still send to us
  char buffer[16384];
  while (a_open || b_open) {
    pollfd fds[2] = {{a, static_cast<short>(a_open ? POLLIN : 0), 0}, {b, static_cast<short>(b_open ? POLLIN : 0), 0}};
    if (::poll(fds, 2, 1000) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    bool failed = false;
    for (int i = 0; i < 2 && !failed; ++i) {
      if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      const int from = i == 0 ? a : b;
      const int to = i == 0 ? b : a;
      const ssize_t n = ::read(from, buffer, sizeof buffer);
      if (n <= 0) {
        if (n < 0 && errno != ECONNRESET) failed = true;
        (i == 0 ? a_open : b_open) = false;
        ::shutdown(to, SHUT_WR);
        if (n < 0) failed = true;
        continue;
      }
      for (ssize_t written = 0; written < n;) {
        const ssize_t w = ::send(to, buffer + written, static_cast<size_t>(n - written), MSG_NOSIGNAL);
        if (w <= 0) {
          failed = true;
          break;
        }
        written += w;
      }
    }
    if (failed) break;
  }
  ::close(a);
  ::close(b);
}

Result<std::unique_ptr<TcpBalancer>> TcpBalancer::start(std::string name, int port, Endpoints endpoints,
                                                        std::string bind_address) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return fail("socket: " + std::string(std::strerror(errno)));
  int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  if (::inet_pton(AF_INET, bind_address.c_str(), &addr.sin_addr) != 1) {
    ::close(fd);
    return fail("Service " + name + ": bad bind address " + bind_address);
  }
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd, 256) != 0) {
    const std::string why = std::strerror(errno);
    ::close(fd);
    return fail("Service " + name + " cannot listen on port " + std::to_string(port) + " (" + why +
                "): free the port or choose another one with --frontend-port");
  }
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  return std::unique_ptr<TcpBalancer>(new TcpBalancer(std::move(name), fd, ntohs(addr.sin_port), std::move(endpoints)));
}

TcpBalancer::TcpBalancer(std::string name, int listen_fd, int port, Endpoints endpoints)
    : name_(std::move(name)), listen_fd_(listen_fd), port_(port), endpoints_(std::move(endpoints)) {
  acceptor_ = std::thread([this] { accept_loop(); });
}

TcpBalancer::~TcpBalancer() {
  stopping_ = true;
  ::shutdown(listen_fd_, SHUT_RDWR);
  if (acceptor_.joinable()) acceptor_.join();
  ::close(listen_fd_);
}

int TcpBalancer::connect_to_next_endpoint() {
  const auto ports = endpoints_();
  for (std::size_t attempt = 0; attempt < ports.size(); ++attempt) {
    const int port = ports[next_++ % ports.size()];
    if (int fd = connect_loopback(port); fd >= 0) return fd;
  }
  return -1;
}

void TcpBalancer::accept_loop() {
  while (!stopping_) {
    pollfd pfd{listen_fd_, POLLIN, 0};
    if (::poll(&pfd, 1, 200) <= 0) continue;
    int client = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) continue;
    // Loopback connects answer at once, so choosing the endpoint here keeps `this` out of the
    // relay threads, which own only their two descriptors.
    const int upstream = connect_to_next_endpoint();
    if (upstream < 0) {
      ::close(client);  // no ready endpoint: refuse, like a Service without endpoints
      continue;
    }
    std::thread(relay, client, upstream).detach();
  }
}

}  // namespace lf::platform
