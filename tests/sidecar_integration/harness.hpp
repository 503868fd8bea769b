#pragma once
// Harness for the sidecar integration tests: real learnflow-sidecar processes on free ports,
// in-process test apps with scriptable answers, resource files in temporary directories, and
// readers for the sidecar's metrics and log. Everything it starts is stopped by RAII.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "http/client.hpp"
#include "http/message.hpp"
#include "http/server.hpp"
#include "process/process.hpp"

namespace lf::sidecar::testing {

using namespace std::chrono_literals;

// A directory under /tmp removed (with its contents) on destruction.
class TempDir {
 public:
  explicit TempDir(const std::string& prefix = "lf-sidecar-it");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  // Writes `content` to path()/relative (parent directories created); returns the full path.
  std::string write(const std::string& relative, const std::string& content) const;
  std::string sub(const std::string& relative) const;  // creates and returns path()/relative

 private:
  std::string path_;
};

// --- resource YAML ----------------------------------------------------------------------------
std::string component_yaml(const std::string& name, const std::string& type,
                           const std::vector<std::pair<std::string, std::string>>& metadata);
// A Configuration whose name resolution is the SQLite registry at registry_file.
std::string configuration_yaml(const std::string& registry_file, const std::string& extra_spec = "");

// --- test app -----------------------------------------------------------------------------------
struct Reply {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
  Duration delay = Duration::zero();
  std::vector<std::pair<std::string, std::string>> headers;
};

// An HTTP app on its own io_context thread. The script decides each answer; every request is
// recorded before the (optional) delay.
class TestApp {
 public:
  using Script = std::function<Reply(const http::Request&)>;
  explicit TestApp(Script script = nullptr);
  ~TestApp();
  TestApp(const TestApp&) = delete;
  TestApp& operator=(const TestApp&) = delete;

  std::uint16_t port() const { return port_; }
  void set_script(Script script);
  std::vector<http::Request> requests() const;
  // Requests whose path equals `path`.
  std::vector<http::Request> requests_to(const std::string& path) const;
  std::size_t count(const std::string& path) const { return requests_to(path).size(); }
  void clear();
  // Closes the listener and every connection at once (the app is "killed").
  void kill();

 private:
  boost::asio::awaitable<http::Response> handle(http::Request request);
  boost::asio::io_context io_;
  std::unique_ptr<http::Server> server_;
  std::thread thread_;
  std::uint16_t port_ = 0;
  mutable std::mutex mutex_;
  Script script_;
  std::vector<http::Request> requests_;
  std::atomic<bool> killed_{false};
};

// --- sidecar process ----------------------------------------------------------------------------
struct SidecarConfig {
  std::string app_id;
  std::uint16_t app_port = 0;
  std::vector<std::string> resources_paths;
  std::string config_file;
  std::string registry_file;  // LEARNFLOW_NAME_RESOLUTION_DB when no config file sets it
  std::vector<std::string> extra_args;
  std::vector<std::pair<std::string, std::string>> env;
};

std::string sidecar_binary();

class Sidecar {
 public:
  // Spawns the sidecar (log in log_dir) and, unless wait is false, waits for /v1.0/healthz.
  Sidecar(SidecarConfig config, std::string log_dir);
  ~Sidecar();
  Sidecar(const Sidecar&) = delete;
  Sidecar& operator=(const Sidecar&) = delete;

  Status start(bool wait_healthy = true, Duration timeout = 20s);
  // SIGTERM and wait (graceful); SIGKILL at once.
  process::ExitStatus stop(Duration grace = 10s);
  void kill();
  void signal(int sig);  // to the sidecar's process group, without waiting
  bool running();
  std::optional<process::ExitStatus> wait_exit(Duration timeout);

  std::uint16_t http_port() const { return http_port_; }
  pid_t pid() const { return process_ ? process_->pid() : -1; }
  std::uint16_t metrics_port() const { return metrics_port_; }
  std::string url(const std::string& path) const;

  http::Response request(const std::string& method, const std::string& path, const std::string& body = "",
                         std::vector<std::pair<std::string, std::string>> headers = {}, Duration timeout = 30s) const;
  std::string metrics() const;
  std::string log() const;
  const std::string& log_path() const { return log_path_; }

 private:
  SidecarConfig config_;
  std::string log_path_;
  std::vector<process::ReservedPort> reserved_ports_;
  std::uint16_t http_port_ = 0, internal_port_ = 0, metrics_port_ = 0;
  std::optional<process::Process> process_;
};

// --- helpers ------------------------------------------------------------------------------------
// Sum of every sample of `name` whose labels include all of `labels` (0 when none).
double metric_sum(const std::string& exposition, const std::string& name,
                  const std::map<std::string, std::string>& labels = {});
bool has_metric(const std::string& exposition, const std::string& name);
// Polls pred every 20 ms until true or timeout.
bool wait_until(const std::function<bool()>& pred, Duration timeout);
std::size_t count_occurrences(const std::string& haystack, const std::string& needle);
// The "message" of a Dapr error body ("" when not one).
std::string error_code(const http::Response& r);
std::string error_message(const http::Response& r);

}  // namespace lf::sidecar::testing
