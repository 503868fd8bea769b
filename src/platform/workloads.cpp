#include "platform/workloads.hpp"

#include <filesystem>
#include <functional>
#include <random>

#include "process/process.hpp"

namespace lf::platform {
namespace {

constexpr std::string_view kSafeAlphabet = "bcdfghjklmnpqrstvwxz2456789";  // Kubernetes' SafeEncodeString

std::string encode(std::uint64_t value, std::size_t length) {
  std::string out;
  for (std::size_t i = 0; i < length; ++i) {
    out += kSafeAlphabet[value % kSafeAlphabet.size()];
    value /= kSafeAlphabet.size();
  }
  return out;
}

// A local port for the pod, reserved until the pod is gone (PodLaunch::reserved_ports).
Result<int> reserve_port(PodLaunch& pod) {
  auto reserved = process::ReservedPort::reserve();
  if (!reserved) return fail("no free TCP port on 127.0.0.1: " + reserved.error().message);
  const int port = reserved->port();
  pod.reserved_ports.push_back(std::make_shared<const process::ReservedPort>(std::move(*reserved)));
  return port;
}

// A probe's port by name or number → the local port.
void resolve_port(k8s::PortRef& port, const PodLaunch& pod) {
  if (port.is_name()) {
    auto it = pod.named_ports.find(port.name);
    port.number = it == pod.named_ports.end() ? 0 : it->second;
  } else if (auto it = pod.port_map.find(port.number); it != pod.port_map.end()) {
    port.number = it->second;
  }
  port.name.clear();
}

// valueFrom.fieldRef on one machine: every pod's IP and the host's are 127.0.0.1.
std::optional<std::string> downward_api_value(const std::string& field_path, const std::string& pod_name,
                                              const PodLaunch& pod, const PodContext& ctx) {
  if (field_path == "metadata.name") return pod_name;
  if (field_path == "metadata.namespace") return pod.namespace_name;
  if (field_path == "status.podIP" || field_path == "status.hostIP" || field_path == "status.podIPs") return "127.0.0.1";
  if (field_path == "spec.nodeName") return ctx.node_name;
  if (field_path.rfind("metadata.labels['", 0) == 0 && field_path.size() > 19 && field_path.ends_with("']")) {
    auto label = pod.labels.find(field_path.substr(17, field_path.size() - 19));
    return label == pod.labels.end() ? std::string() : label->second;
  }
  return std::nullopt;
}

k8s::Probe resolve_probe(k8s::Probe probe, const PodLaunch& pod) {
  if (probe.http_get) resolve_port(probe.http_get->port, pod);
  if (probe.tcp_socket_port) resolve_port(*probe.tcp_socket_port, pod);
  return probe;
}

k8s::Probe sidecar_probe(const k8s::SidecarProbeSettings& s, int dapr_http_port) {
  k8s::Probe probe;
  probe.http_get = k8s::HttpGetAction{"/v1.0/healthz", k8s::PortRef{dapr_http_port, ""}, "HTTP", ""};
  probe.initial_delay_seconds = s.delay_seconds;
  probe.timeout_seconds = s.timeout_seconds;
  probe.period_seconds = s.period_seconds;
  probe.failure_threshold = s.threshold;
  return probe;
}

}  // namespace

std::string replicaset_name(const k8s::Deployment& deployment) {
  std::string fingerprint = deployment.metadata.name;
  for (const auto& c : deployment.containers) fingerprint += "|" + c.image;
  for (const auto& [k, v] : deployment.pod_annotations) fingerprint += "|" + k + "=" + v;
  return deployment.metadata.name + "-" + encode(std::hash<std::string>{}(fingerprint), 10);
}

std::string new_pod_name(const k8s::Deployment& deployment) {
  static thread_local std::mt19937_64 random{std::random_device{}()};
  return replicaset_name(deployment) + "-" + encode(random(), 5);
}

std::vector<std::string> sidecar_argv(const k8s::DaprAnnotations& dapr, const PodLaunch& pod, const PodContext& ctx) {
  std::vector<std::string> argv{ctx.sidecar_binary,
                                "--app-id", dapr.app_id,
                                "--app-protocol", dapr.app_protocol,
                                "--dapr-http-port", std::to_string(pod.dapr_http_port),
                                "--dapr-internal-grpc-port", std::to_string(pod.dapr_internal_grpc_port),
                                "--metrics-port", std::to_string(pod.metrics_port),
                                "--enable-metrics", dapr.enable_metrics ? "true" : "false",
                                "--resources-path", ctx.resources_dir,
                                "--log-level", dapr.log_level};
  if (dapr.app_port) {
    argv.push_back("--app-port");
    argv.push_back(std::to_string(pod.app_port));
  }
  if (!dapr.config.empty()) {
    argv.push_back("--config");
    argv.push_back(ctx.config_dir + "/" + dapr.config + ".yaml");
  }
  if (dapr.log_as_json) argv.push_back("--log-as-json");
  if (dapr.enable_app_health_check) {
    argv.insert(argv.end(), {"--enable-app-health-check", "true", "--app-health-check-path", dapr.app_health_check_path});
    if (dapr.app_health_probe_interval_seconds)
      argv.insert(argv.end(), {"--app-health-probe-interval", std::to_string(*dapr.app_health_probe_interval_seconds)});
    if (dapr.app_health_probe_timeout_ms)
      argv.insert(argv.end(), {"--app-health-probe-timeout", std::to_string(*dapr.app_health_probe_timeout_ms)});
    if (dapr.app_health_threshold)
      argv.insert(argv.end(), {"--app-health-threshold", std::to_string(*dapr.app_health_threshold)});
  }
  if (dapr.app_max_concurrency)
    argv.insert(argv.end(), {"--app-max-concurrency", std::to_string(*dapr.app_max_concurrency)});
  if (dapr.graceful_shutdown_seconds)
    argv.insert(argv.end(), {"--dapr-graceful-shutdown-seconds", std::to_string(*dapr.graceful_shutdown_seconds)});
  return argv;
}

Result<PodLaunch> build_pod_launch(const k8s::Deployment& d, const std::string& pod_name, const PodContext& ctx) {
  PodLaunch pod;
  pod.name = pod_name;
  pod.deployment = d.metadata.name;
  pod.app_id = d.dapr.enabled ? d.dapr.app_id : d.metadata.name;
  pod.namespace_name = d.metadata.namespace_name.empty() ? ctx.namespace_name : d.metadata.namespace_name;
  pod.labels = d.pod_labels;
  pod.termination_grace = std::chrono::seconds(d.termination_grace_period_seconds);

  // One network namespace per pod, emulated by giving every container port its own local port.
  for (const auto& c : d.containers)
    for (const auto& p : c.ports) {
      if (pod.port_map.count(p.container_port)) continue;
      auto port = reserve_port(pod);
      if (!port) return fail(port.error().message);
      pod.port_map[p.container_port] = *port;
      if (!p.name.empty()) pod.named_ports[p.name] = *port;
    }
  for (int* port : {&pod.dapr_http_port, &pod.dapr_grpc_port, &pod.dapr_internal_grpc_port, &pod.metrics_port}) {
    auto chosen = reserve_port(pod);
    if (!chosen) return fail(chosen.error().message);
    *port = *chosen;
  }
  if (d.dapr.app_port) {
    auto it = pod.port_map.find(*d.dapr.app_port);
    if (it == pod.port_map.end()) {
      auto port = reserve_port(pod);
      if (!port) return fail(port.error().message);
      it = pod.port_map.emplace(*d.dapr.app_port, *port).first;
    }
    pod.app_port = it->second;
  } else if (!pod.port_map.empty()) {
    pod.app_port = pod.port_map.begin()->second;
  }

  for (const auto& c : d.containers) {
    ContainerLaunch launch;
    launch.name = c.name;
    launch.image = c.image;
    launch.log_path = ctx.log_path(pod_name, c.name);
    std::map<std::string, std::string> env;
    for (const auto& var : c.env) {
      std::string value = var.value;
      if (var.from_source) {
        // The downward API's pod fields; other sources (secretKeyRef, configMapKeyRef, resourceFieldRef)
        // have no local counterpart and leave the variable unset (src/platform/README.md).
        auto field = downward_api_value(var.field_path, pod_name, pod, ctx);
        if (!field) continue;
        value = *field;
      }
      // A value naming one of the pod's container ports means that port: use its local number.
      for (const auto& [container_port, local] : pod.port_map)
        if (value == std::to_string(container_port)) value = std::to_string(local);
      env[var.name] = value;
    }
    env["POD_NAME"] = pod_name;
    env["HOSTNAME"] = pod_name;
    env[kStateDirEnv] = ctx.state_dir;
    env["NAMESPACE"] = pod.namespace_name;
    if (pod.app_port) env["APP_PORT"] = std::to_string(pod.app_port);
    if (d.dapr.enabled) {
      env["APP_ID"] = d.dapr.app_id;
      env["DAPR_HTTP_PORT"] = std::to_string(pod.dapr_http_port);
      env["DAPR_GRPC_PORT"] = std::to_string(pod.dapr_grpc_port);
    }
    auto argv = container_argv(c, ctx.images, env);
    if (!argv) return fail(argv.error().message);
    launch.argv = std::move(*argv);
    launch.env.assign(env.begin(), env.end());
    if (c.startup_probe) launch.startup = resolve_probe(*c.startup_probe, pod);
    if (c.readiness_probe) launch.readiness = resolve_probe(*c.readiness_probe, pod);
    if (c.liveness_probe) launch.liveness = resolve_probe(*c.liveness_probe, pod);
    if (c.resources.requests.cpu) launch.cpu_request_milli = c.resources.requests.cpu->milli;
    if (c.resources.requests.memory) launch.memory_request_bytes = c.resources.requests.memory->value();
    pod.containers.push_back(std::move(launch));
  }

  if (d.dapr.enabled) {
    ContainerLaunch daprd;
    daprd.name = "daprd";
    daprd.image = "daprio/daprd";
    daprd.log_path = ctx.log_path(pod_name, "daprd");
    daprd.argv = sidecar_argv(d.dapr, pod, ctx);
    daprd.env = {{"NAMESPACE", pod.namespace_name}, {"POD_NAME", pod_name}, {"DAPR_HOST_IP", "127.0.0.1"},
                 {kStateDirEnv, ctx.state_dir}};
    daprd.readiness = sidecar_probe(d.dapr.readiness, pod.dapr_http_port);
    daprd.liveness = sidecar_probe(d.dapr.liveness, pod.dapr_http_port);
    if (d.dapr.sidecar_cpu_request) daprd.cpu_request_milli = d.dapr.sidecar_cpu_request->milli;
    if (d.dapr.sidecar_memory_request) daprd.memory_request_bytes = d.dapr.sidecar_memory_request->value();
    pod.containers.push_back(std::move(daprd));
  }
  for (const auto& c : pod.containers)
    std::filesystem::create_directories(std::filesystem::path(c.log_path).parent_path());
  return pod;
}

}  // namespace lf::platform
