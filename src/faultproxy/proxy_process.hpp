#pragma once
// learnflow-faultproxy as a child process in front of a TCP upstream (the platform puts it in front
// of the Kafka broker for `learnflow up --kafka-fault-proxy`). Its faults are switched over HTTP:
// PUT <control_url>/faults, GET <control_url>/stats (see main.cpp).
#include <sys/types.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "process/process.hpp"

namespace lf::faultproxy {

struct ProxyProcessOptions {
  std::string binary;    // the learnflow-faultproxy executable
  std::string upstream;  // host:port it forwards to; need not be listening yet
  // 0 = a free port, chosen before the start so that a broker can advertise it.
  int listen_port = 0;
  int control_port = 0;
  std::string log_path;  // its output
  Duration start_timeout = std::chrono::seconds(15);
  Duration stop_grace = std::chrono::seconds(2);
  bool die_with_parent = true;  // tied to the starting thread (see process::SpawnOptions)
};

class ProxyProcess {
 public:
  // Starts the proxy and returns once its control endpoint answers and its listener accepts.
  static Result<std::unique_ptr<ProxyProcess>> start(ProxyProcessOptions options);
  ~ProxyProcess();  // stops it (SIGTERM, SIGKILL after stop_grace)
  ProxyProcess(const ProxyProcess&) = delete;
  ProxyProcess& operator=(const ProxyProcess&) = delete;

  int port() const { return listen_port_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(listen_port_); }
  std::string control_url() const { return "http://127.0.0.1:" + std::to_string(control_port_); }
  pid_t pid() const;
  bool is_running();
  // GET /stats answers 200 now.
  bool answers_control();
  void stop();

 private:
  explicit ProxyProcess(ProxyProcessOptions options) : options_(std::move(options)) {}
  ProxyProcessOptions options_;
  int listen_port_ = 0;
  int control_port_ = 0;
  std::vector<process::ReservedPort> reserved_ports_;
  std::optional<process::Process> process_;
};

}  // namespace lf::faultproxy
