#include "platform/snapshot.hpp"

#include "metrics/metrics.hpp"

namespace lf::platform {

nlohmann::json snapshot_to_json(const ClusterSnapshot& s) {
  nlohmann::json out;
  out["services"] = nlohmann::json::array();
  for (const auto& svc : s.services) out["services"].push_back({{"name", svc.name}, {"url", svc.url}});
  out["pods"] = nlohmann::json::array();
  for (const auto& p : s.pods) {
    const ContainerView* app = p.containers.empty() ? nullptr : &p.containers.front();
    const ContainerView* sidecar = p.containers.size() > 1 ? &p.containers.back() : nullptr;
    out["pods"].push_back({{"name", p.name},
                           {"deployment", p.deployment},
                           {"app_id", p.app_id},
                           {"ready", p.ready},
                           {"restarts", p.restarts},
                           {"pid", app ? app->status.pid : 0},
                           {"sidecar_pid", sidecar ? sidecar->status.pid : 0},
                           {"app_port", p.app_port},
                           {"dapr_http_port", p.dapr_http_port},
                           {"metrics_port", p.metrics_port},
                           {"namespace", p.namespace_name},
                           {"start_time", p.start_time_seconds},
                           {"cpu_millicores", p.cpu_millicores}});
  }
  out["deployments"] = nlohmann::json::array();
  for (const auto& d : s.deployments)
    out["deployments"].push_back({{"name", d.name}, {"replicas", d.spec_replicas}, {"ready_replicas", d.ready_replicas}});
  out["infrastructure"] = nlohmann::json::array();
  for (const auto& i : s.infrastructure) {
    nlohmann::json item{{"name", i.name}, {"pid", i.pid}, {"ready", i.ready}};
    if (!i.address.empty()) item["address"] = i.address;
    if (!i.url.empty()) item["url"] = i.url;
    out["infrastructure"].push_back(item);
  }
  out["hpas"] = nlohmann::json::array();
  for (const auto& h : s.hpas) {
    nlohmann::json item{{"name", h.name}, {"target", h.target_name}, {"min_replicas", h.min_replicas},
                        {"max_replicas", h.max_replicas}};
    if (h.last) {
      item["current_replicas"] = h.last->current_replicas;
      item["desired_replicas"] = h.last->desired_replicas;
      if (h.last->current_utilization) item["current_utilization"] = *h.last->current_utilization;
    }
    out["hpas"].push_back(item);
  }
  out["metrics_url"] = s.metrics_url;
  out["ready"] = s.ready;
  return out;
}

namespace {

void condition_series(metrics::GaugeFamily& family, const std::vector<std::string>& base, const Condition& c,
                      const std::string& type) {
  for (const char* status : {"true", "false", "unknown"}) {
    auto labels = base;
    labels.push_back(type);
    labels.push_back(status);
    family.with(labels).set((c.status ? "true" : "false") == std::string(status) ? 1 : 0);
  }
}

}  // namespace

std::string render_kube_state_metrics(const ClusterSnapshot& s) {
  metrics::Registry r;
  auto& spec_replicas = r.gauge("kube_deployment_spec_replicas", "Number of desired pods for a deployment.", {"namespace", "deployment"});
  auto& status_replicas = r.gauge("kube_deployment_status_replicas", "The number of replicas per deployment.", {"namespace", "deployment"});
  auto& ready = r.gauge("kube_deployment_status_replicas_ready", "The number of ready replicas per deployment.", {"namespace", "deployment"});
  auto& available = r.gauge("kube_deployment_status_replicas_available", "The number of available replicas per deployment.", {"namespace", "deployment"});
  auto& unavailable = r.gauge("kube_deployment_status_replicas_unavailable", "The number of unavailable replicas per deployment.", {"namespace", "deployment"});
  auto& updated = r.gauge("kube_deployment_status_replicas_updated", "The number of updated replicas per deployment.", {"namespace", "deployment"});
  for (const auto& d : s.deployments) {
    spec_replicas.with({d.namespace_name, d.name}).set(d.spec_replicas);
    status_replicas.with({d.namespace_name, d.name}).set(d.replicas);
    ready.with({d.namespace_name, d.name}).set(d.ready_replicas);
    available.with({d.namespace_name, d.name}).set(d.ready_replicas);
    unavailable.with({d.namespace_name, d.name}).set(std::max(0, d.spec_replicas - d.ready_replicas));
    updated.with({d.namespace_name, d.name}).set(d.replicas);
  }

  auto& info = r.gauge("kube_pod_info", "Information about pod.",
                       {"namespace", "pod", "uid", "host_ip", "pod_ip", "node", "created_by_kind", "created_by_name",
                        "priority_class", "host_network"});
  auto& owner = r.gauge("kube_pod_owner", "Information about the Pod's owner.",
                        {"namespace", "pod", "uid", "owner_kind", "owner_name", "owner_is_controller"});
  auto& phase = r.gauge("kube_pod_status_phase", "The pods current phase.", {"namespace", "pod", "uid", "phase"});
  auto& pod_ready = r.gauge("kube_pod_status_ready", "Describes whether the pod is ready to serve requests.",
                            {"namespace", "pod", "uid", "condition"});
  auto& start = r.gauge("kube_pod_start_time", "Start time in unix timestamp for a pod.", {"namespace", "pod", "uid"});
  auto& requests = r.gauge("kube_pod_container_resource_requests", "The number of requested request resource by a container.",
                           {"namespace", "pod", "uid", "container", "node", "resource", "unit"});
  auto& c_ready = r.gauge("kube_pod_container_status_ready", "Describes whether the containers readiness check succeeded.",
                          {"namespace", "pod", "uid", "container"});
  auto& c_running = r.gauge("kube_pod_container_status_running", "Describes whether the container is currently in running state.",
                            {"namespace", "pod", "uid", "container"});
  auto& c_restarts = r.counter("kube_pod_container_status_restarts_total", "The number of container restarts per container.",
                               {"namespace", "pod", "uid", "container"});
  auto& c_info = r.gauge("kube_pod_container_info", "Information about a container in a pod.",
                         {"namespace", "pod", "uid", "container", "image", "image_id", "container_id"});
  for (const auto& p : s.pods) {
    const std::string& uid = p.name;
    const std::string replicaset = p.name.substr(0, p.name.rfind('-'));
    info.with({p.namespace_name, p.name, uid, "127.0.0.1", "127.0.0.1", p.node, "ReplicaSet", replicaset, "", "true"}).set(1);
    owner.with({p.namespace_name, p.name, uid, "ReplicaSet", replicaset, "true"}).set(1);
    for (const char* ph : {"Pending", "Running", "Succeeded", "Failed", "Unknown"})
      phase.with({p.namespace_name, p.name, uid, ph}).set(std::string(ph) == "Running" ? 1 : 0);
    for (const char* cond : {"true", "false", "unknown"})
      pod_ready.with({p.namespace_name, p.name, uid, cond}).set((p.ready ? "true" : "false") == std::string(cond) ? 1 : 0);
    start.with({p.namespace_name, p.name, uid}).set(p.start_time_seconds);
    for (const auto& c : p.containers) {
      const std::string& name = c.status.name;
      if (c.cpu_request_milli)
        requests.with({p.namespace_name, p.name, uid, name, p.node, "cpu", "core"}).set(static_cast<double>(*c.cpu_request_milli) / 1000.0);
      if (c.memory_request_bytes)
        requests.with({p.namespace_name, p.name, uid, name, p.node, "memory", "byte"}).set(static_cast<double>(*c.memory_request_bytes));
      c_ready.with({p.namespace_name, p.name, uid, name}).set(c.status.ready ? 1 : 0);
      c_running.with({p.namespace_name, p.name, uid, name}).set(c.status.running ? 1 : 0);
      c_restarts.with({p.namespace_name, p.name, uid, name}).inc(c.status.restarts);
      c_info.with({p.namespace_name, p.name, uid, name, c.status.image, c.status.image, "pid://" + std::to_string(c.status.pid)}).set(1);
    }
  }
  // kube_replicaset_owner ties pods to Deployments (namespace_workload_pod:kube_pod_owner:relabel).
  auto& rs_owner = r.gauge("kube_replicaset_owner", "Information about the ReplicaSet's owner.",
                           {"namespace", "replicaset", "owner_kind", "owner_name", "owner_is_controller"});
  for (const auto& p : s.pods)
    rs_owner.with({p.namespace_name, p.name.substr(0, p.name.rfind('-')), "Deployment", p.deployment, "true"}).set(1);
  auto& ns_phase = r.gauge("kube_namespace_status_phase", "kubernetes namespace status phase.", {"namespace", "phase"});
  auto& node_info = r.gauge("kube_node_info", "Information about a cluster node.", {"node", "internal_ip"});
  node_info.with({s.node, "127.0.0.1"}).set(1);
  for (const auto& d : s.deployments) ns_phase.with({d.namespace_name, "Active"}).set(1);

  auto& hpa_info = r.gauge("kube_horizontalpodautoscaler_info", "Information about this autoscaler.",
                           {"namespace", "horizontalpodautoscaler", "scaletargetref_api_version", "scaletargetref_kind", "scaletargetref_name"});
  auto& hpa_min = r.gauge("kube_horizontalpodautoscaler_spec_min_replicas", "Lower limit for the number of pods that can be set by the autoscaler, default 1.", {"namespace", "horizontalpodautoscaler"});
  auto& hpa_max = r.gauge("kube_horizontalpodautoscaler_spec_max_replicas", "Upper limit for the number of pods that can be set by the autoscaler; cannot be smaller than MinReplicas.", {"namespace", "horizontalpodautoscaler"});
  auto& hpa_current = r.gauge("kube_horizontalpodautoscaler_status_current_replicas", "Current number of replicas of pods managed by this autoscaler.", {"namespace", "horizontalpodautoscaler"});
  auto& hpa_desired = r.gauge("kube_horizontalpodautoscaler_status_desired_replicas", "Desired number of replicas of pods managed by this autoscaler.", {"namespace", "horizontalpodautoscaler"});
  auto& hpa_generation = r.gauge("kube_horizontalpodautoscaler_metadata_generation", "The generation observed by the HorizontalPodAutoscaler controller.", {"namespace", "horizontalpodautoscaler"});
  auto& hpa_spec_target = r.gauge("kube_horizontalpodautoscaler_spec_target_metric", "The metric specifications used by this autoscaler when calculating the desired replica count.",
                                  {"namespace", "horizontalpodautoscaler", "metric_name", "metric_target_type", "container"});
  auto& hpa_status_target = r.gauge("kube_horizontalpodautoscaler_status_target_metric", "The current metric status used by this autoscaler when calculating the desired replica count.",
                                    {"namespace", "horizontalpodautoscaler", "metric_name", "metric_target_type", "container"});
  auto& hpa_condition = r.gauge("kube_horizontalpodautoscaler_status_condition", "The condition of this autoscaler.",
                                {"namespace", "horizontalpodautoscaler", "condition", "status"});
  for (const auto& h : s.hpas) {
    hpa_info.with({h.namespace_name, h.name, h.target_api_version, h.target_kind, h.target_name}).set(1);
    hpa_min.with({h.namespace_name, h.name}).set(h.min_replicas);
    hpa_max.with({h.namespace_name, h.name}).set(h.max_replicas);
    hpa_generation.with({h.namespace_name, h.name}).set(1);
    if (h.target_utilization) hpa_spec_target.with({h.namespace_name, h.name, "cpu", "utilization", ""}).set(*h.target_utilization);
    if (!h.last) continue;
    hpa_current.with({h.namespace_name, h.name}).set(h.last->current_replicas);
    hpa_desired.with({h.namespace_name, h.name}).set(h.last->desired_replicas);
    if (h.last->current_utilization) {
      hpa_status_target.with({h.namespace_name, h.name, "cpu", "utilization", ""}).set(*h.last->current_utilization);
      hpa_status_target.with({h.namespace_name, h.name, "cpu", "average", ""})
          .set(static_cast<double>(h.last->average_usage_milli.value_or(0)) / 1000.0);
    }
    condition_series(hpa_condition, {h.namespace_name, h.name}, h.last->able_to_scale, "AbleToScale");
    if (!h.last->scaling_active.reason.empty())
      condition_series(hpa_condition, {h.namespace_name, h.name}, h.last->scaling_active, "ScalingActive");
    if (!h.last->scaling_limited.reason.empty())
      condition_series(hpa_condition, {h.namespace_name, h.name}, h.last->scaling_limited, "ScalingLimited");
  }
  return r.render();
}

std::string render_cadvisor_metrics(const ClusterSnapshot& s) {
  metrics::Registry r;
  const std::vector<std::string> labels{"namespace", "pod", "container", "id", "name", "image", "cpu"};
  auto& cpu = r.counter("container_cpu_usage_seconds_total", "Cumulative cpu time consumed in seconds.", labels);
  auto& memory = r.gauge("container_memory_working_set_bytes", "Current working set in bytes.",
                         {"namespace", "pod", "container", "id", "name", "image"});
  auto& rss = r.gauge("container_memory_rss", "Size of RSS in bytes.", {"namespace", "pod", "container", "id", "name", "image"});
  for (const auto& p : s.pods) {
    double pod_cpu = 0;
    long long pod_memory = 0;
    const std::string pod_id = "/kubepods/pod" + p.name;
    for (const auto& c : p.containers) {
      const std::string id = pod_id + "/" + c.status.name;
      cpu.with({p.namespace_name, p.name, c.status.name, id, c.status.name, c.status.image, "total"}).inc(c.status.cpu_seconds);
      memory.with({p.namespace_name, p.name, c.status.name, id, c.status.name, c.status.image}).set(static_cast<double>(c.status.memory_bytes));
      rss.with({p.namespace_name, p.name, c.status.name, id, c.status.name, c.status.image}).set(static_cast<double>(c.status.memory_bytes));
      pod_cpu += c.status.cpu_seconds;
      pod_memory += c.status.memory_bytes;
    }
    // The pod-level cgroup: container="" and image="" (kubernetes.md §5.2).
    cpu.with({p.namespace_name, p.name, "", pod_id, "", "", "total"}).inc(pod_cpu);
    memory.with({p.namespace_name, p.name, "", pod_id, "", ""}).set(static_cast<double>(pod_memory));
  }
  return r.render();
}

}  // namespace lf::platform
