#pragma once
// learnflow-sidecar's command line: daprd's flags where they apply (reference §3.6).
#include <cstdint>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "log/log.hpp"

namespace lf::sidecar {

struct Options {
  std::string app_id;
  std::uint16_t app_port = 0;  // 0: no app (publish/state only)
  std::string app_protocol = "http";
  std::string app_channel_address = "127.0.0.1";
  std::uint16_t dapr_http_port = 3500;
  // Sidecar-to-sidecar invocation port. daprd speaks gRPC here; we speak HTTP (see docs/sidecar.md).
  std::uint16_t internal_port = 0;  // 0: chosen by the OS
  std::uint16_t metrics_port = 9090;
  bool enable_metrics = true;
  std::string listen_address = "127.0.0.1";  // --dapr-listen-addresses
  std::string metrics_listen_address = "127.0.0.1";
  std::vector<std::string> resources_paths;
  std::vector<std::string> config_files;
  log::Level log_level = log::Level::info;
  bool log_as_json = false;
  bool enable_app_health_check = false;
  std::string app_health_check_path = "/healthz";
  Duration app_health_probe_interval = std::chrono::seconds(5);
  Duration app_health_probe_timeout = std::chrono::milliseconds(500);
  int app_health_threshold = 3;
  std::size_t max_body_size = 4 * 1024 * 1024;
  int app_max_concurrency = -1;
  Duration graceful_shutdown = std::chrono::seconds(5);
  int threads = 1;  // I/O threads; blocking component calls use their own pool
  // Linux scheduling policy for every thread of the sidecar (LearnFlow extension): "batch" or
  // "normal". See docs/sidecar.md, "CPU scheduling".
  std::string cpu_scheduling = "batch";
  std::string namespace_name;   // NAMESPACE env
  std::string api_token;        // DAPR_API_TOKEN env
  std::string app_api_token;    // APP_API_TOKEN env
};

// Parses argv (and the environment variables daprd reads). On --help the message is the usage text
// and exit_code is 0.
struct ParseFailure {
  std::string message;
  int exit_code = 2;
};
Expected<Options, ParseFailure> parse_options(int argc, const char* const* argv);

// "4Mi", "512Ki", "1G", "1048576" (Kubernetes quantity suffixes, as daprd's --max-body-size).
Result<std::size_t> parse_byte_size(const std::string& text);

}  // namespace lf::sidecar
