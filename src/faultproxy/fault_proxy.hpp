#pragma once
// A TCP fault proxy for resilience tests: sits between a client and an upstream (a sidecar and
// Kafka, a sidecar and an app) and injects real network faults — latency, refused connections,
// resets, stalls and a bandwidth limit — switchable while traffic flows.
#include <cstdint>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>

#include "core/clock.hpp"
#include "core/error.hpp"

namespace lf::faultproxy {

struct Faults {
  Duration latency{0};              // added to every chunk, each direction, order kept
  bool refuse = false;              // nothing listens: new connections are refused
  bool reset = false;               // open connections are reset (RST) and new ones reset on accept
  bool stall = false;               // connections stay open but no byte is forwarded
  std::uint64_t bandwidth_bytes_per_second = 0;  // 0: unlimited
  bool operator==(const Faults&) const = default;
};

struct ProxyStats {
  std::uint64_t accepted = 0;
  std::uint64_t reset = 0;
  std::uint64_t bytes_upstream = 0;    // client -> upstream, counted when handed to the socket
  std::uint64_t bytes_downstream = 0;  // upstream -> client, likewise
  std::size_t open = 0;
};

struct ProxyOptions {
  std::string listen_address = "127.0.0.1";
  std::uint16_t listen_port = 0;  // 0: any free port
  std::string upstream_host = "127.0.0.1";
  std::uint16_t upstream_port = 0;
};

class FaultProxy {
 public:
  FaultProxy(boost::asio::io_context& io, ProxyOptions options);
  ~FaultProxy();
  FaultProxy(const FaultProxy&) = delete;
  FaultProxy& operator=(const FaultProxy&) = delete;

  // Binds and starts accepting; returns the port (kept across refuse on/off).
  Result<std::uint16_t> start();
  // Thread-safe; takes effect at once for new and open connections: from another thread it returns
  // once the io thread has applied the faults (if the io_context is stopped, when it runs again).
  void set_faults(const Faults& faults);
  Faults faults() const;
  ProxyStats stats() const;
  std::uint16_t port() const;
  void stop();

 private:
  struct State;
  std::shared_ptr<State> state_;
};

// "latency_ms", "refuse", "reset", "stall", "bandwidth_bytes_per_second" as JSON.
std::string faults_to_json(const Faults& faults);
Result<Faults> faults_from_json(const std::string& json);

}  // namespace lf::faultproxy
