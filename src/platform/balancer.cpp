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

namespace {

// GET, HEAD, OPTIONS, PUT, DELETE may be sent again (RFC 9110 §9.2.2), like nginx's proxy_next_upstream.
bool starts_idempotent_request(const std::string& head) {
  for (const char* method : {"GET ", "HEAD ", "OPTIONS ", "PUT ", "DELETE "})
    if (head.rfind(method, 0) == 0) return true;
  return false;
}

bool send_all(int fd, const char* data, std::size_t size) {
  for (std::size_t written = 0; written < size;) {
    const ssize_t w = ::send(fd, data + written, size - written, MSG_NOSIGNAL);
    if (w <= 0) return false;
    written += static_cast<std::size_t>(w);
  }
  return true;
}

}  // namespace

void relay(int client, int upstream, const std::function<int()>& reconnect) {
  constexpr std::size_t kReplayLimit = 64 * 1024;
  bool client_open = true, upstream_open = true;  // whether each side may still send to us
  std::size_t upstream_bytes = 0;  // answered so far: once non-zero, no replay
  std::string sent;                // what the client sent while nothing came back (for a replay)
  int replays = 0;
  char buffer[16384];
  // The endpoint went away before answering. The next endpoint takes over when that is safe: nothing
  // was sent yet (it may have closed before the client's request even arrived), or what was sent is
  // a request that may be repeated.
  auto move_to_next_endpoint = [&]() {
    if (!reconnect || upstream_bytes > 0 || replays >= 2) return false;
    if (sent.empty() ? !client_open : (sent.size() > kReplayLimit || !starts_idempotent_request(sent)))
      return false;
    ++replays;
    const int next = reconnect();
    if (next < 0) return false;
    ::close(upstream);
    upstream = next;
    upstream_open = true;
    if (!send_all(upstream, sent.data(), sent.size())) return false;
    if (!client_open) ::shutdown(upstream, SHUT_WR);
    return true;
  };
  while (client_open || upstream_open) {
    pollfd fds[2] = {{client, static_cast<short>(client_open ? POLLIN : 0), 0},
                     {upstream, static_cast<short>(upstream_open ? POLLIN : 0), 0}};
    if (::poll(fds, 2, 1000) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
      const ssize_t n = ::read(client, buffer, sizeof buffer);
      if (n <= 0) {
        client_open = false;
        ::shutdown(upstream, SHUT_WR);
      } else {
        if (upstream_bytes == 0 && sent.size() <= kReplayLimit) sent.append(buffer, static_cast<std::size_t>(n));
        if (!send_all(upstream, buffer, static_cast<std::size_t>(n)) && !move_to_next_endpoint()) break;
      }
    }
    if (fds[1].revents & (POLLIN | POLLHUP | POLLERR)) {
      const ssize_t n = ::read(upstream, buffer, sizeof buffer);
      if (n <= 0) {
        if (move_to_next_endpoint()) continue;
        upstream_open = false;
        ::shutdown(client, SHUT_WR);
        if (n < 0) break;
      } else {
        upstream_bytes += static_cast<std::size_t>(n);
        if (!send_all(client, buffer, static_cast<std::size_t>(n))) break;
      }
    }
  }
  ::close(client);
  ::close(upstream);
}

int EndpointPicker::connect_next() {
  const auto ports = endpoints();
  for (std::size_t attempt = 0; attempt < ports.size(); ++attempt) {
    const int port = ports[next++ % ports.size()];
    if (int fd = connect_loopback(port); fd >= 0) return fd;
  }
  return -1;
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
    : name_(std::move(name)), listen_fd_(listen_fd), port_(port), picker_(std::make_shared<EndpointPicker>()) {
  picker_->endpoints = std::move(endpoints);
  acceptor_ = std::thread([this] { accept_loop(); });
}

TcpBalancer::~TcpBalancer() {
  stopping_ = true;
  ::shutdown(listen_fd_, SHUT_RDWR);
  if (acceptor_.joinable()) acceptor_.join();
  ::close(listen_fd_);
}

void TcpBalancer::accept_loop() {
  while (!stopping_) {
    pollfd pfd{listen_fd_, POLLIN, 0};
    if (::poll(&pfd, 1, 200) <= 0) continue;
    int client = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) continue;
    const int upstream = picker_->connect_next();
    if (upstream < 0) {
      ::close(client);  // no ready endpoint: refuse, like a Service without endpoints
      continue;
    }
    // The relay thread owns its descriptors and shares only the picker (it may outlive this).
    std::thread([client, upstream, picker = picker_] { relay(client, upstream, [picker] { return picker->connect_next(); }); })
        .detach();
  }
}

}  // namespace lf::platform
