#include "k8s/workload.hpp"

#include <algorithm>

#include "core/strings.hpp"

namespace lf::k8s {

using resources::FieldReader;
using resources::index_path;

const ContainerPort* Container::port_named(const std::string& port_name) const {
  for (const auto& p : ports)
    if (p.name == port_name) return &p;
  return nullptr;
}

bool selector_matches(const std::map<std::string, std::string>& selector,
                      const std::map<std::string, std::string>& labels) {
  if (selector.empty()) return false;
  return std::all_of(selector.begin(), selector.end(), [&](const auto& kv) {
    auto it = labels.find(kv.first);
    return it != labels.end() && it->second == kv.second;
  });
}

void check_string_values(const YAML::Node& map, const std::string& path, FieldReader& reader) {
  if (!map.IsDefined() || !map.IsMap()) return;
  for (auto it = map.begin(); it != map.end(); ++it) {
    const YAML::Node value = it->second;
    if (!value.IsScalar() || value.Tag() != "?") continue;  // quoted or non-scalar: fine / reported elsewhere
    const std::string& text = value.Scalar();
    long long number = 0;
    bool looks_typed = parse_int64(text, number) || iequals(text, "true") || iequals(text, "false") ||
                       iequals(text, "yes") || iequals(text, "no") || iequals(text, "null");
    if (!looks_typed) continue;
    auto key = yaml::scalar(it->first).value_or("");
    reader.error(reader.at(value), path + "[" + key + "] must be a string: the API server rejects an unquoted " + text,
                 "quote it: \"" + text + "\"");
  }
}

std::optional<PortRef> parse_port_ref(const YAML::Node& map, std::string_view key, const std::string& path,
                                      FieldReader& reader) {
  auto node = yaml::child(map, key);
  if (!node.IsDefined() || node.IsNull()) return std::nullopt;
  if (!node.IsScalar() || node.Scalar().empty()) {
    reader.error(reader.at(node), path + " must be a port number or a port name");
    return std::nullopt;
  }
  PortRef ref;
  long long number = 0;
  if (node.Tag() == "?" && parse_int64(node.Scalar(), number)) {
    if (number < 1 || number > 65535) {
      reader.error(reader.at(node), path + " must be between 1 and 65535, got " + node.Scalar());
      return std::nullopt;
    }
    ref.number = static_cast<int>(number);
  } else {
    ref.name = node.Scalar();
  }
  return ref;
}

std::optional<Quantity> parse_quantity_field(const YAML::Node& map, std::string_view key, const std::string& path,
                                             FieldReader& reader) {
  auto text = reader.string(map, key, path);
  if (!text) return std::nullopt;
  auto q = parse_quantity(*text);
  if (!q) {
    reader.error(reader.value_at(map, key), path + ": " + q.error().message);
    return std::nullopt;
  }
  if (q->milli < 0) {
    reader.error(reader.value_at(map, key), path + " must not be negative, got " + *text);
    return std::nullopt;
  }
  return *q;
}

std::optional<Probe> parse_probe(const YAML::Node& map, std::string_view key, const std::string& path,
                                 FieldReader& reader) {
  auto node = reader.mapping(map, key, path);
  if (!node.IsDefined()) return std::nullopt;
  reader.unknown_keys(node, {"httpGet", "tcpSocket", "exec", "grpc", "initialDelaySeconds", "periodSeconds",
                             "timeoutSeconds", "successThreshold", "failureThreshold", "terminationGracePeriodSeconds"},
                      path, "the API server drops it");
  Probe probe;
  int handlers = 0;
  if (auto http = reader.mapping(node, "httpGet", path + ".httpGet"); http.IsDefined()) {
    ++handlers;
    reader.unknown_keys(http, {"path", "port", "scheme", "host", "httpHeaders"}, path + ".httpGet",
                        "the API server drops it");
    HttpGetAction action;
    action.path = reader.string(http, "path", path + ".httpGet.path").value_or("/");
    action.scheme = reader.string(http, "scheme", path + ".httpGet.scheme").value_or("HTTP");
    action.host = reader.string(http, "host", path + ".httpGet.host").value_or("");
    if (auto port = parse_port_ref(http, "port", path + ".httpGet.port", reader)) action.port = *port;
    else reader.require(http, "port", path + ".httpGet.port", "a port number or a container port name");
    probe.http_get = action;
  }
  if (auto tcp = reader.mapping(node, "tcpSocket", path + ".tcpSocket"); tcp.IsDefined()) {
    ++handlers;
    probe.tcp_socket_port = parse_port_ref(tcp, "port", path + ".tcpSocket.port", reader);
    if (!probe.tcp_socket_port) reader.require(tcp, "port", path + ".tcpSocket.port");
  }
  if (auto exec = reader.mapping(node, "exec", path + ".exec"); exec.IsDefined()) {
    ++handlers;
    probe.exec_command = reader.string_list(exec, "command", path + ".exec.command");
  }
  if (yaml::child(node, "grpc").IsDefined()) ++handlers;
  if (handlers != 1)
    reader.error(reader.key_at(map, key), path + " must have exactly one handler (httpGet, tcpSocket, exec or grpc)");
  probe.initial_delay_seconds =
      static_cast<int>(reader.integer(node, "initialDelaySeconds", path + ".initialDelaySeconds").value_or(0));
  probe.period_seconds = static_cast<int>(reader.integer(node, "periodSeconds", path + ".periodSeconds", 1).value_or(10));
  probe.timeout_seconds =
      static_cast<int>(reader.integer(node, "timeoutSeconds", path + ".timeoutSeconds", 1).value_or(1));
  probe.success_threshold =
      static_cast<int>(reader.integer(node, "successThreshold", path + ".successThreshold", 1).value_or(1));
  probe.failure_threshold =
      static_cast<int>(reader.integer(node, "failureThreshold", path + ".failureThreshold", 1).value_or(3));
  if (key != "readinessProbe" && probe.success_threshold != 1)
    reader.error(reader.value_at(node, "successThreshold"), path + ".successThreshold must be 1 for " +
                                                                std::string(key));
  return probe;
}

namespace {

ResourceList parse_resource_list(const YAML::Node& resources, std::string_view key, const std::string& path,
                                 FieldReader& reader) {
  ResourceList list;
  auto node = reader.mapping(resources, key, path);
  if (!node.IsDefined()) return list;
  list.cpu = parse_quantity_field(node, "cpu", path + ".cpu", reader);
  list.memory = parse_quantity_field(node, "memory", path + ".memory", reader);
  return list;
}

Container parse_container(const YAML::Node& node, const std::string& path, FieldReader& reader) {
  reader.unknown_keys(node, {"name", "image", "command", "args", "workingDir", "ports", "envFrom", "env", "resources",
                             "resizePolicy", "restartPolicy", "volumeMounts", "volumeDevices", "livenessProbe",
                             "readinessProbe", "startupProbe", "lifecycle", "terminationMessagePath",
                             "terminationMessagePolicy", "imagePullPolicy", "securityContext", "stdin", "stdinOnce",
                             "tty"},
                      path, "the API server drops it");
  Container c;
  c.name = reader.string(node, "name", path + ".name").value_or("");
  if (c.name.empty()) reader.require(node, "name", path + ".name");
  c.image = reader.string(node, "image", path + ".image").value_or("");
  if (c.image.empty()) reader.require(node, "image", path + ".image", "e.g. learnflow/course-agent:latest");
  c.command = reader.string_list(node, "command", path + ".command");
  c.args = reader.string_list(node, "args", path + ".args");
  if (auto env = reader.sequence(node, "env", path + ".env"); env.IsDefined()) {
    for (std::size_t i = 0; i < env.size(); ++i) {
      const std::string p = index_path(path + ".env", i);
      EnvVar var;
      var.name = reader.string(env[i], "name", p + ".name").value_or("");
      if (var.name.empty()) reader.require(env[i], "name", p + ".name");
      var.value = reader.string(env[i], "value", p + ".value").value_or("");
      const auto value_from = yaml::child(env[i], "valueFrom");
      var.from_source = value_from.IsDefined();
      if (auto field_ref = yaml::child(value_from, "fieldRef"); field_ref.IsDefined())
        var.field_path = reader.string(field_ref, "fieldPath", p + ".valueFrom.fieldRef.fieldPath").value_or("");
      c.env.push_back(std::move(var));
    }
  }
  if (auto ports = reader.sequence(node, "ports", path + ".ports"); ports.IsDefined()) {
    for (std::size_t i = 0; i < ports.size(); ++i) {
      const std::string p = index_path(path + ".ports", i);
      ContainerPort port;
      port.name = reader.string(ports[i], "name", p + ".name").value_or("");
      if (port.name.size() > 15)
        reader.error(reader.value_at(ports[i], "name"), p + ".name must be at most 15 characters: " + port.name);
      port.container_port =
          static_cast<int>(reader.integer(ports[i], "containerPort", p + ".containerPort", 1, 65535).value_or(0));
      if (port.container_port == 0) reader.require(ports[i], "containerPort", p + ".containerPort");
      port.protocol = reader.string(ports[i], "protocol", p + ".protocol").value_or("TCP");
      c.ports.push_back(std::move(port));
    }
  }
  if (auto res = reader.mapping(node, "resources", path + ".resources"); res.IsDefined()) {
    c.resources.requests = parse_resource_list(res, "requests", path + ".resources.requests", reader);
    c.resources.limits = parse_resource_list(res, "limits", path + ".resources.limits", reader);
    // Kubernetes defaults a missing request to the limit.
    if (!c.resources.requests.cpu) c.resources.requests.cpu = c.resources.limits.cpu;
    if (!c.resources.requests.memory) c.resources.requests.memory = c.resources.limits.memory;
  }
  c.readiness_probe = parse_probe(node, "readinessProbe", path + ".readinessProbe", reader);
  c.liveness_probe = parse_probe(node, "livenessProbe", path + ".livenessProbe", reader);
  c.startup_probe = parse_probe(node, "startupProbe", path + ".startupProbe", reader);
  for (const auto* probe : {&c.readiness_probe, &c.liveness_probe, &c.startup_probe}) {
    if (*probe && (*probe)->http_get && (*probe)->http_get->port.is_name() &&
        !c.port_named((*probe)->http_get->port.name))
      reader.error(reader.at(node), path + ": probe port \"" + (*probe)->http_get->port.name +
                                        "\" is not a port name of container " + c.name);
  }
  return c;
}

void parse_strategy(Deployment& d, const YAML::Node& spec, FieldReader& reader) {
  auto node = reader.mapping(spec, "strategy", "spec.strategy");
  if (!node.IsDefined()) return;
  d.strategy.type = reader.string(node, "type", "spec.strategy.type").value_or("RollingUpdate");
  if (d.strategy.type != "RollingUpdate" && d.strategy.type != "Recreate")
    reader.error(reader.value_at(node, "type"), "spec.strategy.type must be RollingUpdate or Recreate");
  if (auto rolling = reader.mapping(node, "rollingUpdate", "spec.strategy.rollingUpdate"); rolling.IsDefined()) {
    d.strategy.max_surge = yaml::scalar_at(rolling, "maxSurge").value_or("25%");
    d.strategy.max_unavailable = yaml::scalar_at(rolling, "maxUnavailable").value_or("25%");
    auto is_zero = [](const std::string& v) { return v == "0" || v == "0%"; };
    if (is_zero(d.strategy.max_surge) && is_zero(d.strategy.max_unavailable))
      reader.error(reader.at(rolling), "spec.strategy.rollingUpdate: maxSurge and maxUnavailable may not both be 0");
  }
}

// daprd shares the pod's network namespace: its ports must not collide with the app's, and
// dapr.io/app-port should be a port the app declares.
void check_dapr_ports(const Deployment& d, const YAML::Node& annotations, FieldReader& reader) {
  if (!d.dapr.enabled) return;
  const std::pair<const char*, int> sidecar_ports[] = {{"dapr.io/http-port", d.dapr.http_port},
                                                      {"dapr.io/grpc-port", d.dapr.grpc_port},
                                                      {"dapr.io/internal-grpc-port", d.dapr.internal_grpc_port},
                                                      {"dapr.io/metrics-port", d.dapr.metrics_port}};
  bool app_port_declared = false;
  for (const auto& c : d.containers) {
    for (const auto& p : c.ports) {
      if (d.dapr.app_port && p.container_port == *d.dapr.app_port) app_port_declared = true;
      for (auto [annotation, port] : sidecar_ports) {
        if (p.container_port != port) continue;
        auto where = yaml::child(annotations, annotation).IsDefined() ? reader.value_at(annotations, annotation)
                                                                      : reader.key_at(annotations, "dapr.io/enabled");
        reader.warning(where, "container " + c.name + " port " + std::to_string(port) + " collides with daprd's " +
                                  annotation + " in the same pod",
                       "pick another port for the app or set " + std::string(annotation));
      }
    }
  }
  bool any_ports = std::any_of(d.containers.begin(), d.containers.end(), [](const Container& c) { return !c.ports.empty(); });
  if (d.dapr.app_port && any_ports && !app_port_declared)
    reader.warning(reader.value_at(annotations, "dapr.io/app-port"),
                   "dapr.io/app-port " + std::to_string(*d.dapr.app_port) + " is not a containerPort of any container",
                   "daprd calls the app on this port: declare it or fix the annotation");
}

}  // namespace

std::optional<Deployment> parse_deployment(const yaml::Document& doc, Diagnostics& diags) {
  FieldReader reader(doc, diags);
  Deployment d;
  d.metadata = reader.object_meta(doc.root);
  auto spec = reader.mapping(doc.root, "spec", "spec");
  if (!spec.IsDefined()) {
    reader.require(doc.root, "spec", "spec");
    return std::nullopt;
  }
  if (auto replicas = reader.integer(spec, "replicas", "spec.replicas", 0)) d.replicas = static_cast<int>(*replicas);
  auto selector = reader.mapping(spec, "selector", "spec.selector");
  d.selector = reader.string_map(selector, "matchLabels", "spec.selector.matchLabels");
  if (d.selector.empty())
    reader.error(selector.IsDefined() ? reader.at(selector) : reader.key_at(doc.root, "spec"),
                 "spec.selector.matchLabels is required", "e.g. matchLabels: {app: " + d.metadata.name + "}");
  auto tmpl = reader.mapping(spec, "template", "spec.template");
  if (!tmpl.IsDefined()) {
    reader.require(spec, "template", "spec.template");
    return d;
  }
  auto tmeta = reader.mapping(tmpl, "metadata", "spec.template.metadata");
  auto labels_node = yaml::child(tmeta, "labels");
  auto annotations_node = yaml::child(tmeta, "annotations");
  d.pod_labels = reader.string_map(tmeta, "labels", "spec.template.metadata.labels");
  d.pod_annotations = reader.string_map(tmeta, "annotations", "spec.template.metadata.annotations");
  check_string_values(labels_node, "spec.template.metadata.labels", reader);
  check_string_values(annotations_node, "spec.template.metadata.annotations", reader);
  if (!d.selector.empty() && !selector_matches(d.selector, d.pod_labels))
    reader.error(reader.key_at(spec, "selector"),
                 "spec.selector.matchLabels does not match spec.template.metadata.labels: the API server rejects "
                 "the Deployment",
                 "give the pod template every selector label");
  d.dapr = parse_dapr_annotations(annotations_node, "spec.template.metadata.annotations", reader);
  auto pod = reader.mapping(tmpl, "spec", "spec.template.spec");
  if (!pod.IsDefined()) {
    reader.require(tmpl, "spec", "spec.template.spec");
    return d;
  }
  d.termination_grace_period_seconds = static_cast<int>(
      reader.integer(pod, "terminationGracePeriodSeconds", "spec.template.spec.terminationGracePeriodSeconds")
          .value_or(30));
  auto containers = reader.sequence(pod, "containers", "spec.template.spec.containers");
  for (std::size_t i = 0; containers.IsDefined() && i < containers.size(); ++i)
    d.containers.push_back(parse_container(containers[i], index_path("spec.template.spec.containers", i), reader));
  if (d.containers.empty())
    reader.error(reader.key_at(pod, "containers"), "spec.template.spec.containers must list at least one container");
  parse_strategy(d, spec, reader);
  d.min_ready_seconds = static_cast<int>(reader.integer(spec, "minReadySeconds", "spec.minReadySeconds").value_or(0));
  d.revision_history_limit =
      static_cast<int>(reader.integer(spec, "revisionHistoryLimit", "spec.revisionHistoryLimit").value_or(10));
  d.progress_deadline_seconds =
      static_cast<int>(reader.integer(spec, "progressDeadlineSeconds", "spec.progressDeadlineSeconds", 1).value_or(600));
  check_dapr_ports(d, annotations_node, reader);
  if (d.dapr.graceful_shutdown_seconds && *d.dapr.graceful_shutdown_seconds > d.termination_grace_period_seconds)
    reader.warning(reader.value_at(annotations_node, "dapr.io/graceful-shutdown-seconds"),
                   "dapr.io/graceful-shutdown-seconds exceeds terminationGracePeriodSeconds: the pod is killed first");
  return d;
}

}  // namespace lf::k8s
