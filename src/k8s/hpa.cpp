#include "k8s/hpa.hpp"

namespace lf::k8s {

using resources::FieldReader;
using resources::index_path;

bool HorizontalPodAutoscaler::uses_pod_cpu_utilization() const {
  for (const auto& m : metrics)
    if (m.type == "Resource" && m.resource_name == "cpu" && m.target.type == "Utilization") return true;
  return false;
}

ScalingRules default_scale_up_rules() {
  ScalingRules r;
  r.stabilization_window_seconds = 0;
  r.policies = {{"Pods", 4, 15}, {"Percent", 100, 15}};
  return r;
}

ScalingRules default_scale_down_rules() {
  ScalingRules r;
  r.stabilization_window_seconds = 300;
  r.policies = {{"Percent", 100, 15}};
  return r;
}

namespace {

MetricTarget parse_target(const YAML::Node& parent, const std::string& path, FieldReader& reader) {
  MetricTarget t;
  auto node = reader.mapping(parent, "target", path);
  if (!node.IsDefined()) {
    reader.require(parent, "target", path);
    return t;
  }
  t.type = reader.string(node, "type", path + ".type").value_or("");
  if (auto u = reader.integer(node, "averageUtilization", path + ".averageUtilization", 1))
    t.average_utilization = static_cast<int>(*u);
  t.average_value = parse_quantity_field(node, "averageValue", path + ".averageValue", reader);
  t.value = parse_quantity_field(node, "value", path + ".value", reader);
  auto where = reader.value_at(node, "type");
  if (t.type == "Utilization") {
    if (!t.average_utilization) reader.error(where, path + ": type Utilization needs averageUtilization (percent)");
  } else if (t.type == "AverageValue") {
    if (!t.average_value) reader.error(where, path + ": type AverageValue needs averageValue");
  } else if (t.type == "Value") {
    if (!t.value) reader.error(where, path + ": type Value needs value");
  } else {
    reader.error(where, path + ".type must be Utilization, AverageValue or Value, got \"" + t.type + "\"");
  }
  return t;
}

MetricSpec parse_metric(const YAML::Node& node, const std::string& path, FieldReader& reader) {
  MetricSpec m;
  m.type = reader.string(node, "type", path + ".type").value_or("");
  if (m.type == "Resource" || m.type == "ContainerResource") {
    const std::string key = m.type == "Resource" ? "resource" : "containerResource";
    auto source = reader.mapping(node, key, path + "." + key);
    if (!source.IsDefined()) {
      reader.require(node, key, path + "." + key);
      return m;
    }
    m.resource_name = reader.string(source, "name", path + "." + key + ".name").value_or("");
    if (m.resource_name != "cpu" && m.resource_name != "memory")
      reader.error(reader.value_at(source, "name"), path + "." + key + ".name must be cpu or memory");
    if (m.type == "ContainerResource") {
      m.container = reader.string(source, "container", path + ".containerResource.container").value_or("");
      if (m.container.empty()) reader.require(source, "container", path + ".containerResource.container");
    }
    m.target = parse_target(source, path + "." + key + ".target", reader);
    if (m.target.type == "Value")
      reader.error(reader.key_at(source, "target"), path + ": resource metrics take Utilization or AverageValue");
  } else if (m.type == "Pods" || m.type == "Object" || m.type == "External") {
    std::string key = m.type == "Pods" ? "pods" : (m.type == "Object" ? "object" : "external");
    auto source = reader.mapping(node, key, path + "." + key);
    if (!source.IsDefined()) {
      reader.require(node, key, path + "." + key);
      return m;
    }
    m.metric_name = yaml::scalar_at(yaml::child(source, "metric"), "name").value_or("");
    m.target = parse_target(source, path + "." + key + ".target", reader);
  } else {
    reader.error(reader.value_at(node, "type"),
                 path + ".type must be Resource, ContainerResource, Pods, Object or External, got \"" + m.type + "\"");
  }
  return m;
}

ScalingRules parse_rules(const YAML::Node& behavior, const std::string& key, ScalingRules defaults,
                         FieldReader& reader) {
  const std::string path = "spec.behavior." + key;
  auto node = reader.mapping(behavior, key, path);
  if (!node.IsDefined()) return defaults;
  ScalingRules r = defaults;
  if (auto w = reader.integer(node, "stabilizationWindowSeconds", path + ".stabilizationWindowSeconds", 0, 3600))
    r.stabilization_window_seconds = static_cast<int>(*w);
  if (auto select = reader.string(node, "selectPolicy", path + ".selectPolicy")) {
    if (*select != "Max" && *select != "Min" && *select != "Disabled")
      reader.error(reader.value_at(node, "selectPolicy"), path + ".selectPolicy must be Max, Min or Disabled");
    else
      r.select_policy = *select;
  }
  r.tolerance = parse_quantity_field(node, "tolerance", path + ".tolerance", reader);
  auto policies = reader.sequence(node, "policies", path + ".policies");
  if (policies.IsDefined()) {
    r.policies.clear();  // user policies replace the default list
    for (std::size_t i = 0; i < policies.size(); ++i) {
      const std::string p = index_path(path + ".policies", i);
      ScalingPolicy policy;
      policy.type = reader.string(policies[i], "type", p + ".type").value_or("");
      if (policy.type != "Pods" && policy.type != "Percent")
        reader.error(reader.value_at(policies[i], "type"), p + ".type must be Pods or Percent");
      policy.value = static_cast<int>(reader.integer(policies[i], "value", p + ".value", 1).value_or(0));
      if (policy.value == 0) reader.require(policies[i], "value", p + ".value");
      policy.period_seconds =
          static_cast<int>(reader.integer(policies[i], "periodSeconds", p + ".periodSeconds", 1, 1800).value_or(0));
      if (policy.period_seconds == 0) reader.require(policies[i], "periodSeconds", p + ".periodSeconds");
      r.policies.push_back(policy);
    }
  }
  return r;
}

}  // namespace

std::optional<HorizontalPodAutoscaler> parse_hpa(const yaml::Document& doc, Diagnostics& diags) {
  FieldReader reader(doc, diags);
  HorizontalPodAutoscaler h;
  h.metadata = reader.object_meta(doc.root);
  auto spec = reader.mapping(doc.root, "spec", "spec");
  if (!spec.IsDefined()) {
    reader.require(doc.root, "spec", "spec");
    return std::nullopt;
  }
  if (auto ref = reader.mapping(spec, "scaleTargetRef", "spec.scaleTargetRef"); ref.IsDefined()) {
    h.scale_target_ref.api_version = reader.string(ref, "apiVersion", "spec.scaleTargetRef.apiVersion").value_or("");
    h.scale_target_ref.kind = reader.string(ref, "kind", "spec.scaleTargetRef.kind").value_or("");
    h.scale_target_ref.name = reader.string(ref, "name", "spec.scaleTargetRef.name").value_or("");
    if (h.scale_target_ref.kind.empty()) reader.require(ref, "kind", "spec.scaleTargetRef.kind", "Deployment");
    if (h.scale_target_ref.name.empty()) reader.require(ref, "name", "spec.scaleTargetRef.name");
  } else {
    reader.require(spec, "scaleTargetRef", "spec.scaleTargetRef");
  }
  h.min_replicas = static_cast<int>(reader.integer(spec, "minReplicas", "spec.minReplicas", 0).value_or(1));
  if (h.min_replicas == 0)
    reader.error(reader.value_at(spec, "minReplicas"),
                 "spec.minReplicas: 0 needs the alpha feature gate HPAScaleToZero and an Object or External metric",
                 "use minReplicas: 1");
  h.max_replicas = static_cast<int>(reader.integer(spec, "maxReplicas", "spec.maxReplicas", 1).value_or(0));
  if (h.max_replicas == 0) reader.require(spec, "maxReplicas", "spec.maxReplicas");
  else if (h.max_replicas < h.min_replicas)
    reader.error(reader.value_at(spec, "maxReplicas"), "spec.maxReplicas must be at least minReplicas");
  auto metrics = reader.sequence(spec, "metrics", "spec.metrics");
  for (std::size_t i = 0; metrics.IsDefined() && i < metrics.size(); ++i)
    h.metrics.push_back(parse_metric(metrics[i], index_path("spec.metrics", i), reader));
  if (h.metrics.empty()) {  // the API server's default: 80 % CPU
    MetricSpec cpu;
    cpu.type = "Resource";
    cpu.resource_name = "cpu";
    cpu.target.type = "Utilization";
    cpu.target.average_utilization = 80;
    h.metrics.push_back(cpu);
  }
  if (auto behavior = reader.mapping(spec, "behavior", "spec.behavior"); behavior.IsDefined()) {
    reader.unknown_keys(behavior, {"scaleUp", "scaleDown"}, "spec.behavior", "the API server drops it");
    h.behavior = Behavior{parse_rules(behavior, "scaleUp", default_scale_up_rules(), reader),
                          parse_rules(behavior, "scaleDown", default_scale_down_rules(), reader)};
  }
  return h;
}

}  // namespace lf::k8s
