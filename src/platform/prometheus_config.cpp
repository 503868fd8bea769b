#include "platform/prometheus_config.hpp"

#include <nlohmann/json.hpp>

namespace lf::platform {

std::string sanitize_label_name(const std::string& name) {
  std::string out;
  for (char c : name) out += (std::isalnum(static_cast<unsigned char>(c)) || c == '_') ? c : '_';
  if (out.empty() || std::isdigit(static_cast<unsigned char>(out.front()))) out.insert(out.begin(), '_');
  return out;
}

std::string prometheus_config_yaml(const PrometheusConfigInput& in) {
  YAML::Emitter out;
  const std::string interval = std::to_string(in.scrape_interval_seconds) + "s";
  out << YAML::BeginMap;
  out << YAML::Key << "global" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "scrape_interval" << YAML::Value << interval;
  out << YAML::Key << "evaluation_interval" << YAML::Value << interval;
  out << YAML::EndMap;
  if (!in.rule_files.empty()) {
    out << YAML::Key << "rule_files" << YAML::Value << YAML::BeginSeq;
    for (const auto& f : in.rule_files) out << f;
    out << YAML::EndSeq;
  }
  out << YAML::Key << "scrape_configs" << YAML::Value << YAML::BeginSeq;
  for (const char* job : {kSidecarJob, kAppJob}) {
    out << YAML::BeginMap;
    out << YAML::Key << "job_name" << YAML::Value << job;
    out << YAML::Key << "metrics_path" << YAML::Value << "/metrics";
    out << YAML::Key << "file_sd_configs" << YAML::Value << YAML::BeginSeq << YAML::BeginMap;
    out << YAML::Key << "files" << YAML::Value << YAML::BeginSeq << (in.targets_dir + "/" + job + ".json") << YAML::EndSeq;
    out << YAML::Key << "refresh_interval" << YAML::Value << "5s";
    out << YAML::EndMap << YAML::EndSeq;
    out << YAML::EndMap;
  }
  struct PlatformJob {
    const char* name;
    const char* path;
    bool honor_labels;
  };
  for (const PlatformJob& job : {PlatformJob{"kube-state-metrics", "/metrics/kube-state-metrics", true},
                                 PlatformJob{"kubelet", "/metrics/cadvisor", true},
                                 PlatformJob{"learnflow-platform", "/metrics", false}}) {
    out << YAML::BeginMap;
    out << YAML::Key << "job_name" << YAML::Value << job.name;
    out << YAML::Key << "metrics_path" << YAML::Value << job.path;
    out << YAML::Key << "honor_labels" << YAML::Value << job.honor_labels;
    out << YAML::Key << "static_configs" << YAML::Value << YAML::BeginSeq << YAML::BeginMap;
    out << YAML::Key << "targets" << YAML::Value << YAML::BeginSeq << in.platform_address << YAML::EndSeq;
    out << YAML::EndMap << YAML::EndSeq;
    // kube-prometheus-stack copies __metrics_path__ into metrics_path for kubelet series; rules filter on it.
    out << YAML::Key << "relabel_configs" << YAML::Value << YAML::BeginSeq << YAML::BeginMap;
    out << YAML::Key << "source_labels" << YAML::Value << YAML::Flow << YAML::BeginSeq << "__metrics_path__" << YAML::EndSeq;
    out << YAML::Key << "target_label" << YAML::Value << "metrics_path";
    out << YAML::EndMap << YAML::EndSeq;
    out << YAML::EndMap;
  }
  out << YAML::EndSeq;
  out << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

std::string file_sd_json(const std::vector<ScrapeTarget>& targets) {
  nlohmann::json doc = nlohmann::json::array();
  for (const auto& t : targets) {
    nlohmann::json labels = nlohmann::json::object();
    for (const auto& [k, v] : t.labels) labels[sanitize_label_name(k)] = v;
    doc.push_back({{"targets", {t.address}}, {"labels", labels}});
  }
  return doc.dump(2) + "\n";
}

Result<std::string> prometheus_rule_file(const yaml::Document& rule) {
  YAML::Node groups = yaml::child(yaml::child(rule.root, "spec"), "groups");
  if (!groups.IsSequence()) return fail(rule.file + ": PrometheusRule without spec.groups");
  YAML::Node out;
  out["groups"] = YAML::Clone(groups);
  YAML::Emitter emitter;
  emitter << out;
  return std::string(emitter.c_str()) + "\n";
}

}  // namespace lf::platform
