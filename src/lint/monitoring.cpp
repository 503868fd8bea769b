// Light checks for the Prometheus Operator resources and the kustomization in deploy/: the fields
// kube-prometheus-stack needs (kubernetes.md §6) and that every listed resource exists.
#include <filesystem>

#include "lint/manifest_set.hpp"
#include "resources/fields.hpp"

namespace lf::lint {

using resources::FieldReader;
using resources::index_path;

namespace {

// kube-prometheus-stack's Prometheus selects only objects with this label (default Helm values).
void check_release_label(const yaml::Document& doc, FieldReader& reader) {
  auto meta = reader.object_meta(doc.root);
  auto it = meta.labels.find("release");
  if (it == meta.labels.end() || it->second != "kube-prometheus-stack")
    reader.warning(reader.key_at(doc.root, "metadata"),
                   "kube-prometheus-stack's Prometheus ignores this object without the label release: "
                   "kube-prometheus-stack",
                   "add metadata.labels.release: kube-prometheus-stack");
}

YAML::Node require_mapping(const YAML::Node& map, std::string_view key, const std::string& path, FieldReader& reader) {
  auto node = reader.mapping(map, key, path);
  if (!node.IsDefined()) reader.require(map, key, path);
  return node;
}

YAML::Node require_list(const YAML::Node& map, std::string_view key, const std::string& path, FieldReader& reader) {
  auto node = reader.sequence(map, key, path);
  if (!node.IsDefined() || node.size() == 0) {
    reader.require(map, key, path);
    return YAML::Node(YAML::NodeType::Undefined);
  }
  return node;
}

void check_endpoints(const YAML::Node& spec, std::string_view key, bool pod_monitor, FieldReader& reader) {
  const std::string path = "spec." + std::string(key);
  auto endpoints = require_list(spec, key, path, reader);
  for (std::size_t i = 0; endpoints.IsDefined() && i < endpoints.size(); ++i) {
    const std::string p = index_path(path, i);
    bool has_port = yaml::child(endpoints[i], "port").IsDefined() ||
                    (pod_monitor && yaml::child(endpoints[i], "portNumber").IsDefined()) ||
                    yaml::child(endpoints[i], "targetPort").IsDefined();
    if (!has_port)
      reader.error(reader.at(endpoints[i]), p + " needs a port (the container or Service port name)");
    reader.string(endpoints[i], "path", p + ".path");
    reader.duration(endpoints[i], "interval", p + ".interval");
  }
}

}  // namespace

void check_pod_monitor(const yaml::Document& doc, Diagnostics& diags) {
  FieldReader reader(doc, diags);
  check_release_label(doc, reader);
  auto spec = require_mapping(doc.root, "spec", "spec", reader);
  if (!spec.IsDefined()) return;
  require_mapping(spec, "selector", "spec.selector", reader);
  check_endpoints(spec, "podMetricsEndpoints", true, reader);
}

void check_service_monitor(const yaml::Document& doc, Diagnostics& diags) {
  FieldReader reader(doc, diags);
  check_release_label(doc, reader);
  auto spec = require_mapping(doc.root, "spec", "spec", reader);
  if (!spec.IsDefined()) return;
  require_mapping(spec, "selector", "spec.selector", reader);
  check_endpoints(spec, "endpoints", false, reader);
}

void check_prometheus_rule(const yaml::Document& doc, Diagnostics& diags) {
  FieldReader reader(doc, diags);
  check_release_label(doc, reader);
  auto spec = require_mapping(doc.root, "spec", "spec", reader);
  if (!spec.IsDefined()) return;
  auto groups = require_list(spec, "groups", "spec.groups", reader);
  for (std::size_t g = 0; groups.IsDefined() && g < groups.size(); ++g) {
    const std::string gp = index_path("spec.groups", g);
    if (!reader.string(groups[g], "name", gp + ".name")) reader.require(groups[g], "name", gp + ".name");
    reader.duration(groups[g], "interval", gp + ".interval");
    auto rules = require_list(groups[g], "rules", gp + ".rules", reader);
    for (std::size_t r = 0; rules.IsDefined() && r < rules.size(); ++r) {
      const std::string rp = index_path(gp + ".rules", r);
      bool is_record = yaml::child(rules[r], "record").IsDefined();
      bool is_alert = yaml::child(rules[r], "alert").IsDefined();
      if (is_record == is_alert)
        reader.error(reader.at(rules[r]), rp + " needs exactly one of record or alert");
      if (!reader.string(rules[r], "expr", rp + ".expr")) reader.require(rules[r], "expr", rp + ".expr");
      reader.duration(rules[r], "for", rp + ".for");
      reader.string_map(rules[r], "labels", rp + ".labels");
      reader.string_map(rules[r], "annotations", rp + ".annotations");
    }
  }
}

void check_kustomization(const yaml::Document& doc, Diagnostics& diags) {
  namespace fs = std::filesystem;
  FieldReader reader(doc, diags);
  auto base = fs::path(doc.file).parent_path();
  auto list = reader.sequence(doc.root, "resources", "resources");
  for (std::size_t i = 0; list.IsDefined() && i < list.size(); ++i) {
    auto entry = yaml::scalar(list[i]);
    if (!entry) {
      reader.error(reader.at(list[i]), index_path("resources", i) + " must be a path");
      continue;
    }
    std::error_code ec;
    if (entry->find("://") == std::string::npos && !fs::exists(base / *entry, ec))
      reader.error(reader.at(list[i]), "kustomization resource " + *entry + " does not exist");
  }
}

}  // namespace lf::lint
