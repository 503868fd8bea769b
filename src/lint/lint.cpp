#include "lint/lint.hpp"

#include <algorithm>
#include <functional>

#include "lint/manifests.hpp"
#include "resiliency/parse.hpp"

namespace lf::lint {

std::vector<std::string> ManifestSet::dapr_app_ids() const {
  std::vector<std::string> ids;
  for (const auto& d : deployments)
    if (d.value.dapr.enabled && !d.value.dapr.app_id.empty()) ids.push_back(d.value.dapr.app_id);
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  return ids;
}

YAML::Node node_at(const YAML::Node& root, std::initializer_list<std::string_view> path) {
  // reset(), not operator=: assigning a yaml-cpp Node overwrites the node it refers to.
  YAML::Node node = root;
  for (auto key : path) {
    node.reset(yaml::child(node, key));
    if (!node.IsDefined()) break;
  }
  return node;
}

namespace {

template <typename T>
void keep(std::vector<Parsed<T>>& out, std::optional<T> value, const yaml::Document& doc) {
  if (value) out.push_back(Parsed<T>{std::move(*value), doc});
}

struct KindHandler {
  std::string_view api_version;
  std::string_view kind;
  std::function<void(const yaml::Document&, ManifestSet&, Diagnostics&)> check;
};

const std::vector<KindHandler>& handlers() {
  static const std::vector<KindHandler> table = {
      {"dapr.io/v1alpha1", "Component",
       [](const auto& doc, auto& set, auto& d) { keep(set.components, resources::parse_component(doc, d), doc); }},
      {"dapr.io/v1alpha1", "Configuration",
       [](const auto& doc, auto& set, auto& d) { keep(set.configurations, resources::parse_configuration(doc, d), doc); }},
      {"dapr.io/v1alpha1", "Resiliency",
       [](const auto& doc, auto& set, auto& d) { keep(set.resiliencies, resiliency::parse_resource(doc, d), doc); }},
      {"dapr.io/v2alpha1", "Subscription",
       [](const auto& doc, auto& set, auto& d) { keep(set.subscriptions, resources::parse_subscription(doc, d), doc); }},
      {"dapr.io/v1alpha1", "Subscription",
       [](const auto& doc, auto& set, auto& d) { keep(set.subscriptions, resources::parse_subscription(doc, d), doc); }},
      {"apps/v1", "Deployment",
       [](const auto& doc, auto& set, auto& d) { keep(set.deployments, k8s::parse_deployment(doc, d), doc); }},
      {"v1", "Service",
       [](const auto& doc, auto& set, auto& d) { keep(set.services, k8s::parse_service(doc, d), doc); }},
      {"autoscaling/v2", "HorizontalPodAutoscaler",
       [](const auto& doc, auto& set, auto& d) { keep(set.hpas, k8s::parse_hpa(doc, d), doc); }},
      {"monitoring.coreos.com/v1", "PodMonitor", [](const auto& doc, auto&, auto& d) { check_pod_monitor(doc, d); }},
      {"monitoring.coreos.com/v1", "ServiceMonitor",
       [](const auto& doc, auto&, auto& d) { check_service_monitor(doc, d); }},
      {"monitoring.coreos.com/v1", "PrometheusRule",
       [](const auto& doc, auto&, auto& d) { check_prometheus_rule(doc, d); }},
      {"kustomize.config.k8s.io/v1beta1", "Kustomization",
       [](const auto& doc, auto&, auto& d) { check_kustomization(doc, d); }},
  };
  return table;
}

void dispatch(const yaml::Document& doc, ManifestSet& set, Diagnostics& diags) {
  if (!doc.root.IsMap()) {
    diags.error(doc.where(doc.root), "a manifest must be a mapping with apiVersion and kind, not a " +
                                         yaml::kind_name(doc.root));
    return;
  }
  auto api_version = yaml::scalar_at(doc.root, "apiVersion");
  auto kind = yaml::scalar_at(doc.root, "kind");
  if (!api_version || !kind) {
    if (!api_version) diags.error(doc.where(doc.root), "missing apiVersion", "e.g. apiVersion: dapr.io/v1alpha1");
    if (!kind) diags.error(doc.where(doc.root), "missing kind", "e.g. kind: Component");
    return;
  }
  for (const auto& h : handlers()) {
    if (h.kind == *kind && h.api_version == *api_version) {
      h.check(doc, set, diags);
      return;
    }
  }
  for (const auto& h : handlers()) {
    if (h.kind == *kind) {
      diags.error(doc.key_where(doc.root, "apiVersion"),
                  "kind " + *kind + " is checked as apiVersion " + std::string(h.api_version) + ", not " + *api_version,
                  "write apiVersion: " + std::string(h.api_version));
      return;
    }
  }
  diags.warning(doc.key_where(doc.root, "kind"),
                "kind " + *kind + " (apiVersion " + *api_version + ") is not checked by learnflow lint");
}

}  // namespace

ManifestSet load_documents(const std::vector<yaml::Document>& docs, Diagnostics& diags) {
  ManifestSet set;
  for (const auto& doc : docs) dispatch(doc, set, diags);
  check_cross_references(set, diags);
  check_retry_budgets(set, diags);
  return set;
}

ManifestSet load_manifests(const std::vector<std::string>& paths, Diagnostics& diags) {
  std::vector<yaml::Document> docs;
  for (const auto& file : yaml::collect_yaml_files(paths, diags)) {
    auto loaded = yaml::load_file(file, diags);
    docs.insert(docs.end(), loaded.begin(), loaded.end());
  }
  return load_documents(docs, diags);
}

Diagnostics lint_documents(const std::vector<yaml::Document>& docs) {
  Diagnostics diags;
  load_documents(docs, diags);
  return diags;
}

Diagnostics lint(const std::vector<std::string>& paths) {
  Diagnostics diags;
  load_manifests(paths, diags);
  return diags;
}

}  // namespace lf::lint
