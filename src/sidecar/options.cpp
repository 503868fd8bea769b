#include "sidecar/options.hpp"

#include <cstdlib>

#include <CLI/CLI.hpp>

#include "core/duration.hpp"
#include "core/strings.hpp"

namespace lf::sidecar {

Result<std::size_t> parse_byte_size(const std::string& text) {
  static const std::pair<const char*, unsigned long long> kSuffixes[] = {
      {"Ki", 1ULL << 10}, {"Mi", 1ULL << 20}, {"Gi", 1ULL << 30}, {"k", 1000ULL}, {"K", 1000ULL},
      {"M", 1000000ULL},  {"G", 1000000000ULL}};
  std::string number = text;
  unsigned long long scale = 1;
  for (const auto& [suffix, factor] : kSuffixes) {
    std::string s(suffix);
    if (text.size() > s.size() && text.ends_with(s)) {
      number = text.substr(0, text.size() - s.size());
      scale = factor;
      break;
    }
  }
  long long value = 0;
  if (!parse_int64(number, value) || value < 0) return fail("invalid size \"" + text + "\" (write e.g. 4Mi or 1048576)");
  return static_cast<std::size_t>(value) * scale;
}

namespace {
std::string env_or(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v ? std::string(v) : fallback;
}
}  // namespace

Expected<Options, ParseFailure> parse_options(int argc, const char* const* argv) {
  Options o;
  CLI::App app{"learnflow-sidecar: a Dapr-compatible sidecar (HTTP API, Kafka pub/sub, state, resiliency)"};
  app.set_help_flag("-h,--help");
  std::string log_level = "info", max_body = "4Mi", probe_interval = "5", probe_timeout = "500";
  int graceful_seconds = 5;
  std::vector<std::string> components_paths;
  app.add_option("--app-id", o.app_id, "The id for your application, used for service discovery")->required();
  app.add_option("--app-port", o.app_port, "The port the application is listening on");
  app.add_option("--app-protocol", o.app_protocol, "Protocol for the application: http");
  app.add_option("--app-channel-address", o.app_channel_address, "The network address the application listens on");
  app.add_option("--dapr-http-port", o.dapr_http_port, "HTTP port for the Dapr API");
  app.add_option("--dapr-internal-grpc-port", o.internal_port, "Port for sidecar-to-sidecar invocation (0: any free port)");
  app.add_option("--metrics-port", o.metrics_port, "The port for the metrics server");
  app.add_option("--enable-metrics", o.enable_metrics, "Enable the Prometheus metrics endpoint");
  app.add_option("--dapr-listen-addresses", o.listen_address, "Address the Dapr API listens on");
  app.add_option("--metrics-listen-address", o.metrics_listen_address, "Address the metrics server listens on");
  app.add_option("--resources-path", o.resources_paths, "Path for resources directory (repeatable)");
  app.add_option("--components-path", components_paths, "Deprecated alias of --resources-path");
  app.add_option("--config", o.config_files, "Path to a Configuration file (repeatable)");
  app.add_option("--log-level", log_level, "debug, info, warn, error, fatal");
  app.add_flag("--log-as-json", o.log_as_json, "Print log lines as JSON");
  app.add_option("--enable-app-health-check", o.enable_app_health_check, "Enable health checks for the application");
  app.add_option("--app-health-check-path", o.app_health_check_path, "Path used for health checks (HTTP only)");
  app.add_option("--app-health-probe-interval", probe_interval, "Seconds between app health probes");
  app.add_option("--app-health-probe-timeout", probe_timeout, "Timeout for app health probes in milliseconds");
  app.add_option("--app-health-threshold", o.app_health_threshold, "Failed probes before the app is unhealthy");
  app.add_option("--max-body-size", max_body, "Max size of request bodies (e.g. 4Mi)");
  app.add_option("--app-max-concurrency", o.app_max_concurrency, "Concurrency level for the app (-1: unlimited)");
  app.add_option("--dapr-graceful-shutdown-seconds", graceful_seconds, "Graceful shutdown duration in seconds");
  app.add_option("--threads", o.threads, "I/O threads (LearnFlow extension)");
  app.add_option("--cpu-scheduling", o.cpu_scheduling,
                 "batch (default): do not preempt the process that woke the sidecar; normal (LearnFlow extension)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    return unexpected(ParseFailure{app.help(), 0});
  } catch (const CLI::ParseError& e) {
    return unexpected(ParseFailure{std::string(e.what()) + "\nRun with --help for usage.", 2});
  }
  o.resources_paths.insert(o.resources_paths.end(), components_paths.begin(), components_paths.end());
  if (!log::parse_level(log_level, o.log_level))
    return unexpected(ParseFailure{"invalid --log-level \"" + log_level + "\" (debug, info, warn, error, fatal)"});
  auto body = parse_byte_size(max_body);
  if (!body) return unexpected(ParseFailure{"--max-body-size: " + body.error().message});
  o.max_body_size = *body;
  long long seconds = 0, millis = 0;
  if (!parse_int64(probe_interval, seconds) || seconds <= 0)
    return unexpected(ParseFailure{"--app-health-probe-interval must be a positive number of seconds"});
  if (!parse_int64(probe_timeout, millis) || millis <= 0)
    return unexpected(ParseFailure{"--app-health-probe-timeout must be a positive number of milliseconds"});
  o.app_health_probe_interval = std::chrono::seconds(seconds);
  o.app_health_probe_timeout = std::chrono::milliseconds(millis);
  o.graceful_shutdown = std::chrono::seconds(graceful_seconds);
  if (o.threads < 1) o.threads = 1;
  if (o.cpu_scheduling != "batch" && o.cpu_scheduling != "normal")
    return unexpected(ParseFailure{"invalid --cpu-scheduling \"" + o.cpu_scheduling + "\" (batch, normal)"});
  o.namespace_name = env_or("NAMESPACE", "");
  o.api_token = env_or("DAPR_API_TOKEN", "");
  o.app_api_token = env_or("APP_API_TOKEN", "");
  return o;
}

}  // namespace lf::sidecar
