// Light checks for the Prometheus Operator resources and the kustomization in deploy/: the fields
// kube-prometheus-stack needs (kubernetes.md §6) and that every listed resource exists.
#include <algorithm>
#include <filesystem>

#include "lint/manifests.hpp"
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

namespace {
bool is_kustomization_file(const std::filesystem::path& p) {
  auto name = p.filename().string();
  return name == "kustomization.yaml" || name == "kustomization.yml" || name == "Kustomization";
}

// YAML manifests under `dir` that a kustomization there would be expected to list: sub-folders
// with their own kustomization are separate bases and are skipped.
void collect_manifests(const std::filesystem::path& dir, bool top, std::vector<std::filesystem::path>& out) {
  namespace fs = std::filesystem;
  std::error_code ec;
  std::vector<fs::path> entries;
  for (auto it = fs::directory_iterator(dir, ec); !ec && it != fs::directory_iterator(); it.increment(ec))
    entries.push_back(it->path());
  if (!top && std::any_of(entries.begin(), entries.end(), [](const fs::path& p) { return is_kustomization_file(p); }))
    return;
  for (const auto& p : entries) {
    if (fs::is_directory(p, ec)) collect_manifests(p, false, out);
    else if ((p.extension() == ".yaml" || p.extension() == ".yml") && !is_kustomization_file(p)) out.push_back(p);
  }
}
}  // namespace

void check_kustomization(const yaml::Document& doc, Diagnostics& diags) {
  namespace fs = std::filesystem;
  FieldReader reader(doc, diags);
  auto base = fs::path(doc.file).parent_path();
  if (base.empty()) base = ".";
  std::vector<fs::path> listed;
  auto list = reader.sequence(doc.root, "resources", "resources");
  for (std::size_t i = 0; list.IsDefined() && i < list.size(); ++i) {
    auto entry = yaml::scalar(list[i]);
    if (!entry) {
      reader.error(reader.at(list[i]), index_path("resources", i) + " must be a path");
      continue;
    }
    if (entry->find("://") != std::string::npos) continue;
    std::error_code ec;
    auto path = fs::weakly_canonical(base / *entry, ec);
    if (!fs::exists(path, ec)) reader.error(reader.at(list[i]), "kustomization resource " + *entry + " does not exist");
    listed.push_back(path);
  }
  std::vector<fs::path> present;
  collect_manifests(base, true, present);
  std::sort(present.begin(), present.end());
  for (const auto& file : present) {
    std::error_code ec;
    auto canonical = fs::weakly_canonical(file, ec);
    bool covered = std::any_of(listed.begin(), listed.end(), [&](const fs::path& l) {
      auto rel = canonical.lexically_relative(l);
      return canonical == l || (!rel.empty() && *rel.begin() != "..");
    });
    if (!covered)
      reader.warning(reader.key_at(doc.root, "resources"),
                     "kustomization does not list " + fs::relative(file, base, ec).string() +
                         ": kubectl apply -k skips it",
                     "add it to resources");
  }
}

}  // namespace lf::lint
