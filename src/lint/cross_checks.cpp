// Checks that need several documents: HPA ↔ Deployment, Service ↔ Deployment, Kafka consumer groups,
// Subscription scopes, Deployment ↔ Configuration.
#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include "core/strings.hpp"
#include "lint/manifests.hpp"

namespace lf::lint {
namespace {

bool contains(const std::vector<std::string>& items, const std::string& value) {
  return std::find(items.begin(), items.end(), value) != items.end();
}

const Parsed<k8s::Deployment>* find_deployment(const ManifestSet& set, const std::string& name) {
  for (const auto& d : set.deployments)
    if (d.value.metadata.name == name) return &d;
  return nullptr;
}

SourceLocation container_where(const Parsed<k8s::Deployment>& d, std::size_t index) {
  auto containers = node_at(d.doc.root, {"spec", "template", "spec", "containers"});
  if (containers.IsSequence() && index < containers.size()) return d.doc.key_where(containers[index], "name");
  return d.doc.where(d.doc.root);
}

// A CPU Utilization metric needs a CPU request on every container of the pod, daprd included.
void check_hpa_cpu_requests(const Parsed<k8s::HorizontalPodAutoscaler>& hpa, const Parsed<k8s::Deployment>& target,
                            Diagnostics& diags) {
  const auto& d = target.value;
  const std::string pod = d.metadata.name + "-<hash>";
  const std::string intro = "HorizontalPodAutoscaler " + hpa.value.metadata.name + " scales Deployment " +
                            d.metadata.name + " on CPU utilization, but ";
  for (std::size_t i = 0; i < d.containers.size(); ++i) {
    if (d.containers[i].resources.requests.cpu) continue;
    diags.warning(container_where(target, i),
                  intro + "container " + d.containers[i].name + " has no CPU request: the controller fails with "
                  "\"missing request for cpu in container " + d.containers[i].name + " of Pod " + pod + "\"",
                  "set resources.requests.cpu, e.g. 100m");
  }
  if (d.dapr.enabled && !d.dapr.sidecar_cpu_request) {
    auto annotations = node_at(target.doc.root, {"spec", "template", "metadata", "annotations"});
    diags.warning(target.doc.key_where(annotations, "dapr.io/enabled"),
                  intro + "the injected daprd sidecar has no CPU request: the controller fails with \"missing "
                  "request for cpu in container daprd of Pod " + pod + "\"",
                  "add the annotation dapr.io/sidecar-cpu-request: \"100m\", or scale on a ContainerResource metric");
  }
}

void check_container_metric(const Parsed<k8s::HorizontalPodAutoscaler>& hpa, const k8s::MetricSpec& metric,
                            const Parsed<k8s::Deployment>& target, Diagnostics& diags) {
  const auto& containers = target.value.containers;
  auto it = std::find_if(containers.begin(), containers.end(),
                         [&](const k8s::Container& c) { return c.name == metric.container; });
  bool is_daprd = metric.container == "daprd" && target.value.dapr.enabled;
  auto where = hpa.doc.key_where(hpa.doc.root, "spec");
  if (it == containers.end() && !is_daprd) {
    diags.warning(where, "HorizontalPodAutoscaler " + hpa.value.metadata.name + " scales on container " +
                             metric.container + ", which Deployment " + target.value.metadata.name + " does not have");
    return;
  }
  bool has_request = is_daprd ? target.value.dapr.sidecar_cpu_request.has_value()
                              : it->resources.requests.cpu.has_value();
  if (metric.resource_name == "cpu" && metric.target.type == "Utilization" && !has_request)
    diags.warning(where, "HorizontalPodAutoscaler " + hpa.value.metadata.name + " scales on the CPU utilization of "
                             "container " + metric.container + ", which has no CPU request");
}

void check_hpas(const ManifestSet& set, Diagnostics& diags) {
  std::map<std::string, const Parsed<k8s::HorizontalPodAutoscaler>*> owner;
  for (const auto& hpa : set.hpas) {
    const auto& ref = hpa.value.scale_target_ref;
    auto ref_node = node_at(hpa.doc.root, {"spec", "scaleTargetRef"});
    auto where = hpa.doc.key_where(ref_node, "name");
    if (ref.kind.empty() || ref.name.empty()) continue;  // already an error of the HPA itself
    if (ref.kind != "Deployment") {
      diags.warning(hpa.doc.key_where(ref_node, "kind"),
                    "scaleTargetRef kind " + ref.kind + " is not checked; learnflow runs Deployments");
      continue;
    }
    const auto* target = find_deployment(set, ref.name);
    if (!target) {
      std::string cpu_note = hpa.value.uses_pod_cpu_utilization()
                                 ? ": cannot check that every container, including the daprd sidecar "
                                   "(dapr.io/sidecar-cpu-request), has the CPU request that CPU Utilization needs"
                                 : "";
      diags.warning(where, "HorizontalPodAutoscaler " + hpa.value.metadata.name + " targets Deployment " + ref.name +
                               ", which is not among the linted files" + cpu_note,
                    "lint the Deployment together with the HPA");
      continue;
    }
    if (auto [it, fresh] = owner.emplace(ref.name, &hpa); !fresh)
      diags.warning(where, "Deployment " + ref.name + " is targeted by two HPAs (" + it->second->value.metadata.name +
                               " and " + hpa.value.metadata.name + "): they fight over its replicas");
    if (hpa.value.uses_pod_cpu_utilization()) check_hpa_cpu_requests(hpa, *target, diags);
    for (const auto& metric : hpa.value.metrics)
      if (metric.type == "ContainerResource") check_container_metric(hpa, metric, *target, diags);
    if (target->value.replicas) {
      auto spec = node_at(target->doc.root, {"spec"});
      diags.warning(target->doc.key_where(spec, "replicas"),
                    "Deployment " + ref.name + " sets spec.replicas but HorizontalPodAutoscaler " +
                        hpa.value.metadata.name + " owns its replica count: every apply resets the HPA's choice",
                    "remove spec.replicas from the manifest");
    }
  }
}

void check_services(const ManifestSet& set, Diagnostics& diags) {
  for (const auto& svc : set.services) {
    if (svc.value.selector.empty()) continue;  // a selector-less Service has manually managed endpoints
    auto spec = node_at(svc.doc.root, {"spec"});
    std::vector<const Parsed<k8s::Deployment>*> matched;
    for (const auto& d : set.deployments)
      if (k8s::selector_matches(svc.value.selector, d.value.pod_labels)) matched.push_back(&d);
    if (matched.empty()) {
      diags.warning(svc.doc.key_where(spec, "selector"),
                    "Service " + svc.value.metadata.name + " selects no pods of any linted Deployment");
      continue;
    }
    auto ports = yaml::child(spec, "ports");
    for (std::size_t i = 0; i < svc.value.ports.size(); ++i) {
      const auto& target = svc.value.ports[i].target_port;
      if (!target.is_name()) continue;
      for (const auto* d : matched) {
        bool found = std::any_of(d->value.containers.begin(), d->value.containers.end(),
                                 [&](const k8s::Container& c) { return c.port_named(target.name) != nullptr; });
        if (!found)
          diags.warning(svc.doc.key_where(ports[i], "targetPort"),
                        "targetPort " + target.name + " is not a container port name of Deployment " +
                            d->value.metadata.name);
      }
    }
  }
}

// Apps that load a component: its scopes, else every Dapr app among the linted Deployments.
std::vector<std::string> component_apps(const resources::Component& c, const std::vector<std::string>& dapr_apps) {
  return c.scopes.empty() ? dapr_apps : c.scopes;
}

// Dapr resolves templated metadata values at sidecar start: {appID} gives every app its own group;
// {uuid} and {podName} give every replica its own group. Only fixed (or {namespace}) groups are shared.
bool per_app_group(const std::string& group) {
  return group.find("{appID}") != std::string::npos || group.find("{uuid}") != std::string::npos ||
         group.find("{podName}") != std::string::npos;
}

void check_consumer_groups(const ManifestSet& set, Diagnostics& diags) {
  const auto dapr_apps = set.dapr_app_ids();
  std::map<std::string, std::set<std::string>> apps_by_group;
  std::map<std::string, bool> unscoped_group;
  auto fixed_group = [](const resources::Component& c) -> std::optional<std::string> {
    if (c.type != "pubsub.kafka") return std::nullopt;
    auto group = c.get("consumerGroup");
    if (!group || group->empty() || per_app_group(*group)) return std::nullopt;
    return group;
  };
  for (const auto& c : set.components) {
    auto group = fixed_group(c.value);
    if (!group) continue;
    for (const auto& app : component_apps(c.value, dapr_apps)) apps_by_group[*group].insert(app);
    if (c.value.scopes.empty() && dapr_apps.empty()) unscoped_group[*group] = true;
  }
  for (const auto& c : set.components) {
    auto group = fixed_group(c.value);
    if (!group) continue;
    const auto& apps = apps_by_group[*group];
    std::string who;
    if (apps.size() > 1) {
      who = "app ids " + join(apps, ", ") + " all join";
    } else if (unscoped_group[*group]) {
      who = "the component has no scopes, so every app that loads it joins";
    } else {
      continue;
    }
    diags.warning(c.value.entry("consumerGroup")->where,
                  who + " Kafka consumer group \"" + *group + "\": they compete for each topic's messages instead of "
                  "every app receiving them (no fan-out)",
                  "remove consumerGroup (Dapr then uses each app id as its group), write \"{appID}\", or give each "
                  "app its own component");
  }
}

void check_subscriptions(const ManifestSet& set, Diagnostics& diags) {
  const auto dapr_apps = set.dapr_app_ids();
  for (const auto& sub : set.subscriptions) {
    if (!set.deployments.empty()) {
      auto scopes = yaml::child(sub.doc.root, "scopes");
      for (std::size_t i = 0; i < sub.value.scopes.size(); ++i) {
        if (contains(dapr_apps, sub.value.scopes[i])) continue;
        diags.warning(sub.doc.where(scopes[i]),
                      "Subscription " + sub.value.metadata.name + " is scoped to app id " + sub.value.scopes[i] +
                          ", which no linted Deployment has (dapr.io/app-id)",
                      dapr_apps.empty() ? "" : "known app ids: " + join(dapr_apps, ", "));
      }
    }
    if (!set.components.empty()) {
      bool found = std::any_of(set.components.begin(), set.components.end(), [&](const auto& c) {
        return c.value.metadata.name == sub.value.pubsub_name && starts_with(c.value.type, "pubsub.");
      });
      if (!found)
        diags.warning(sub.doc.where(node_at(sub.doc.root, {"spec", "pubsubname"})),
                      "Subscription " + sub.value.metadata.name + " uses pubsub " + sub.value.pubsub_name +
                          ", which is not a pubsub Component among the linted files");
    }
  }
}

void check_dapr_configs(const ManifestSet& set, Diagnostics& diags) {
  for (const auto& d : set.deployments) {
    const auto& name = d.value.dapr.config;
    if (!d.value.dapr.enabled || name.empty()) continue;
    bool found = std::any_of(set.configurations.begin(), set.configurations.end(),
                             [&](const auto& c) { return c.value.metadata.name == name; });
    if (!found) {
      auto annotations = node_at(d.doc.root, {"spec", "template", "metadata", "annotations"});
      diags.warning(d.doc.where(yaml::child(annotations, "dapr.io/config")),
                    "dapr.io/config names Configuration " + name + ", which is not among the linted files");
    }
  }
}

template <typename T>
void check_duplicate_names(const std::vector<Parsed<T>>& items, const std::string& kind, Diagnostics& diags) {
  std::map<std::string, const yaml::Document*> seen;
  for (const auto& item : items) {
    const auto& name = item.value.metadata.name;
    if (name.empty()) continue;
    if (auto [it, fresh] = seen.emplace(name, &item.doc); !fresh)
      diags.warning(item.doc.where(node_at(item.doc.root, {"metadata", "name"})),
                    kind + " " + name + " is defined twice (also in " + it->second->file + "); the later one wins");
  }
}

}  // namespace

void check_cross_references(const ManifestSet& set, Diagnostics& diags) {
  check_duplicate_names(set.components, "Component", diags);
  check_duplicate_names(set.deployments, "Deployment", diags);
  check_duplicate_names(set.services, "Service", diags);
  check_hpas(set, diags);
  check_services(set, diags);
  check_consumer_groups(set, diags);
  check_subscriptions(set, diags);
  check_dapr_configs(set, diags);
}

}  // namespace lf::lint
