#include "k8s/dapr_annotations.hpp"

#include <functional>
#include <vector>

#include "core/strings.hpp"

namespace lf::k8s {
namespace {

// One annotation: how to store its text, or false when the text is invalid.
struct AnnotationRule {
  std::string_view name;  // without the "dapr.io/" prefix
  std::string_view expected;
  std::function<bool(DaprAnnotations&, const std::string&)> apply;
};

bool to_bool(const std::string& text, bool& out) {
  if (iequals(text, "true")) return out = true, true;
  if (iequals(text, "false")) return out = false, true;
  return false;
}

bool to_int(const std::string& text, int min, int max, int& out) {
  long long v = 0;
  if (!parse_int64(trim(text), v) || v < min || v > max) return false;
  out = static_cast<int>(v);
  return true;
}

auto flag(bool DaprAnnotations::*field) {
  return [field](DaprAnnotations& a, const std::string& t) { return to_bool(t, a.*field); };
}
auto text(std::string DaprAnnotations::*field) {
  return [field](DaprAnnotations& a, const std::string& t) { return a.*field = t, !t.empty(); };
}
auto port(int DaprAnnotations::*field) {
  return [field](DaprAnnotations& a, const std::string& t) { return to_int(t, 1, 65535, a.*field); };
}
auto optional_int(std::optional<int> DaprAnnotations::*field, int min, int max) {
  return [=](DaprAnnotations& a, const std::string& t) {
    int v = 0;
    if (!to_int(t, min, max, v)) return false;
    a.*field = v;
    return true;
  };
}
auto quantity(std::optional<Quantity> DaprAnnotations::*field) {
  return [field](DaprAnnotations& a, const std::string& t) {
    auto q = parse_quantity(t);
    if (!q || q->milli < 0) return false;
    a.*field = *q;
    return true;
  };
}
auto probe(SidecarProbeSettings DaprAnnotations::*probe_field, int SidecarProbeSettings::*field) {
  return [=](DaprAnnotations& a, const std::string& t) { return to_int(t, 0, 3600, (a.*probe_field).*field); };
}

const std::vector<AnnotationRule>& rules() {
  static const std::vector<AnnotationRule> table = {
      {"enabled", "\"true\" or \"false\"", flag(&DaprAnnotations::enabled)},
      {"app-id", "an app id", text(&DaprAnnotations::app_id)},
      {"app-port", "a port number", optional_int(&DaprAnnotations::app_port, 1, 65535)},
      {"app-protocol", "http, https, grpc, grpcs or h2c",
       [](DaprAnnotations& a, const std::string& t) {
         a.app_protocol = t;
         return t == "http" || t == "https" || t == "grpc" || t == "grpcs" || t == "h2c";
       }},
      {"config", "a Configuration name", text(&DaprAnnotations::config)},
      {"enable-metrics", "\"true\" or \"false\"", flag(&DaprAnnotations::enable_metrics)},
      {"metrics-port", "a port number", port(&DaprAnnotations::metrics_port)},
      {"log-level", "debug, info, warn or error",
       [](DaprAnnotations& a, const std::string& t) {
         a.log_level = t;
         return t == "debug" || t == "info" || t == "warn" || t == "error" || t == "fatal";
       }},
      {"log-as-json", "\"true\" or \"false\"", flag(&DaprAnnotations::log_as_json)},
      {"sidecar-cpu-request", "a CPU quantity such as 100m", quantity(&DaprAnnotations::sidecar_cpu_request)},
      {"sidecar-cpu-limit", "a CPU quantity such as 500m", quantity(&DaprAnnotations::sidecar_cpu_limit)},
      {"sidecar-memory-request", "a memory quantity such as 64Mi", quantity(&DaprAnnotations::sidecar_memory_request)},
      {"sidecar-memory-limit", "a memory quantity such as 256Mi", quantity(&DaprAnnotations::sidecar_memory_limit)},
      {"http-port", "a port number", port(&DaprAnnotations::http_port)},
      {"grpc-port", "a port number", port(&DaprAnnotations::grpc_port)},
      {"internal-grpc-port", "a port number", port(&DaprAnnotations::internal_grpc_port)},
      {"graceful-shutdown-seconds", "seconds", optional_int(&DaprAnnotations::graceful_shutdown_seconds, 0, 3600)},
      {"sidecar-liveness-probe-delay-seconds", "seconds", probe(&DaprAnnotations::liveness, &SidecarProbeSettings::delay_seconds)},
      {"sidecar-liveness-probe-timeout-seconds", "seconds", probe(&DaprAnnotations::liveness, &SidecarProbeSettings::timeout_seconds)},
      {"sidecar-liveness-probe-period-seconds", "seconds", probe(&DaprAnnotations::liveness, &SidecarProbeSettings::period_seconds)},
      {"sidecar-liveness-probe-threshold", "a count", probe(&DaprAnnotations::liveness, &SidecarProbeSettings::threshold)},
      {"sidecar-readiness-probe-delay-seconds", "seconds", probe(&DaprAnnotations::readiness, &SidecarProbeSettings::delay_seconds)},
      {"sidecar-readiness-probe-timeout-seconds", "seconds", probe(&DaprAnnotations::readiness, &SidecarProbeSettings::timeout_seconds)},
      {"sidecar-readiness-probe-period-seconds", "seconds", probe(&DaprAnnotations::readiness, &SidecarProbeSettings::period_seconds)},
      {"sidecar-readiness-probe-threshold", "a count", probe(&DaprAnnotations::readiness, &SidecarProbeSettings::threshold)},
      {"enable-app-health-check", "\"true\" or \"false\"", flag(&DaprAnnotations::enable_app_health_check)},
      {"app-health-check-path", "a path", text(&DaprAnnotations::app_health_check_path)},
      {"app-health-probe-interval", "seconds", optional_int(&DaprAnnotations::app_health_probe_interval_seconds, 1, 3600)},
      {"app-health-probe-timeout", "milliseconds", optional_int(&DaprAnnotations::app_health_probe_timeout_ms, 1, 3600000)},
      {"app-health-threshold", "a count", optional_int(&DaprAnnotations::app_health_threshold, 1, 1000)},
      {"app-max-concurrency", "an integer", optional_int(&DaprAnnotations::app_max_concurrency, -1, 1000000)},
  };
  return table;
}

}  // namespace

DaprAnnotations parse_dapr_annotations(const YAML::Node& annotations, const std::string& path,
                                       resources::FieldReader& reader) {
  DaprAnnotations out;
  constexpr std::string_view kPrefix = "dapr.io/";
  for (const auto& key : yaml::keys(annotations)) {
    if (!starts_with(key, kPrefix)) continue;
    std::string_view name = std::string_view(key).substr(kPrefix.size());
    auto value = yaml::scalar_at(annotations, key).value_or("");
    const AnnotationRule* rule = nullptr;
    for (const auto& r : rules())
      if (r.name == name) rule = &r;
    if (!rule) {
      reader.warning(reader.key_at(annotations, key), "annotation " + key + " is not handled by the LearnFlow "
                     "runner; it is ignored");
      continue;
    }
    if (!rule->apply(out, value))
      reader.error(reader.value_at(annotations, key), path + "[" + key + "] must be " + std::string(rule->expected) +
                                                          ", got \"" + value + "\"");
  }
  if (out.enabled && out.app_id.empty())
    reader.error(reader.key_at(annotations, "dapr.io/enabled"),
                 "dapr.io/enabled is \"true\" but dapr.io/app-id is missing", "add dapr.io/app-id: \"<name>\"");
  return out;
}

}  // namespace lf::k8s
