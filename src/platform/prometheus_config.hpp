#pragma once
// Configuration of the local Prometheus (Debian's /usr/bin/prometheus): what it scrapes and how
// targets are labelled so that Dapr's dashboards and kube-prometheus PromQL work unchanged.
//
// Jobs:
//   dapr-sidecars       file_sd <targets>/dapr-sidecars.json  every sidecar's metrics port
//   learnflow-apps      file_sd <targets>/learnflow-apps.json every app's /metrics
//   kube-state-metrics  the platform endpoint, /metrics/kube-state-metrics (honor_labels)
//   kubelet             the platform endpoint, /metrics/cadvisor (honor_labels, metrics_path label)
//   learnflow-platform  the platform endpoint, /metrics (its own process metrics)
// Target labels: namespace, pod, container, app_id, service (apps), plus the pod's labels.
#include <map>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "yaml/yaml.hpp"

namespace lf::platform {

struct PrometheusConfigInput {
  std::string targets_dir;           // file_sd files live here
  std::string platform_address;      // host:port of the platform metrics endpoint
  std::vector<std::string> rule_files;
  int scrape_interval_seconds = 5;
};

struct ScrapeTarget {
  std::string address;  // host:port
  std::map<std::string, std::string> labels;
};

inline constexpr const char* kSidecarJob = "dapr-sidecars";
inline constexpr const char* kAppJob = "learnflow-apps";

std::string prometheus_config_yaml(const PrometheusConfigInput& input);

// A file_sd JSON document: [{"targets": ["host:port"], "labels": {...}}, ...]
std::string file_sd_json(const std::vector<ScrapeTarget>& targets);

// The rule file for a PrometheusRule object: its spec.groups under `groups:`; error if it has none.
Result<std::string> prometheus_rule_file(const yaml::Document& prometheus_rule);

// Prometheus label names allow [a-zA-Z_][a-zA-Z0-9_]*: "app.kubernetes.io/part-of" → "app_kubernetes_io_part_of".
std::string sanitize_label_name(const std::string& name);

}  // namespace lf::platform
