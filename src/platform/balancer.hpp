#pragma once
// A Service as a local TCP load balancer: it accepts on its own port and relays each connection to
// the next READY endpoint in round-robin order. An endpoint that refuses the connection is
// skipped (the next one is tried), as when a replica died between two readiness updates. When an
// endpoint closes a connection before answering anything and the request is an idempotent HTTP
// method (GET, HEAD, OPTIONS, PUT, DELETE), the request is sent to the next endpoint (at most
// twice), like nginx's proxy_next_upstream: a replica killed with requests in its accept queue
// costs the client nothing. An endpoint that closes before the client sent anything hands the
// connection on for any method, since nothing needs repeating.
#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "core/error.hpp"

namespace lf::platform {

// Round robin over the endpoints; shared with the relay threads.
struct EndpointPicker {
  std::function<std::vector<int>()> endpoints;
  std::atomic<unsigned> next{0};
  // A connected descriptor to the next endpoint that accepts, or -1.
  int connect_next();
};

class TcpBalancer {
 public:
  // The local ports of the ready endpoints, read at each new connection.
  using Endpoints = std::function<std::vector<int>()>;

  // port 0: the OS chooses. Listens on bind_address (127.0.0.1 by default).
  static Result<std::unique_ptr<TcpBalancer>> start(std::string name, int port, Endpoints endpoints,
                                                    std::string bind_address = "127.0.0.1");
  ~TcpBalancer();
  TcpBalancer(const TcpBalancer&) = delete;
  TcpBalancer& operator=(const TcpBalancer&) = delete;

  int port() const { return port_; }
  const std::string& name() const { return name_; }

 private:
  TcpBalancer(std::string name, int listen_fd, int port, Endpoints endpoints);
  void accept_loop();

  std::string name_;
  int listen_fd_;
  int port_;
  std::shared_ptr<EndpointPicker> picker_;
  std::atomic<bool> stopping_{false};
  std::thread acceptor_;
};

// Connects to 127.0.0.1:port; -1 on failure.
int connect_loopback(int port);
// Copies bytes both ways until both directions have ended; closes both descriptors. `reconnect`
// (may be empty) gives another upstream for a replay (see above).
void relay(int client, int upstream, const std::function<int()>& reconnect);

}  // namespace lf::platform
