#pragma once
// Every manifest of a folder as typed models, each kept with its source document so diagnostics
// can point at lines. `learnflow lint` builds this set; the platform can reuse it to run what it
// linted (load_manifests) instead of parsing the files again.
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "core/diagnostics.hpp"
#include "k8s/hpa.hpp"
#include "k8s/service.hpp"
#include "k8s/workload.hpp"
#include "resiliency/model.hpp"
#include "resources/component.hpp"
#include "resources/configuration.hpp"
#include "resources/subscription.hpp"
#include "yaml/yaml.hpp"

namespace lf::lint {

template <typename T>
struct Parsed {
  T value;
  yaml::Document doc;
};

struct ManifestSet {
  std::vector<Parsed<resources::Component>> components;
  std::vector<Parsed<resources::Configuration>> configurations;
  std::vector<Parsed<resources::Subscription>> subscriptions;
  std::vector<Parsed<resiliency::Resiliency>> resiliencies;
  std::vector<Parsed<k8s::Deployment>> deployments;
  std::vector<Parsed<k8s::Service>> services;
  std::vector<Parsed<k8s::HorizontalPodAutoscaler>> hpas;

  // App ids of the Dapr-enabled Deployments.
  std::vector<std::string> dapr_app_ids() const;
};

// Parses every document under `paths` into models and runs the cross-document checks; every
// finding goes to `diags`. Documents that cannot be parsed at all are left out; callers that run
// the manifests should refuse to when `diags` has errors.
ManifestSet load_manifests(const std::vector<std::string>& paths, Diagnostics& diags);
ManifestSet load_documents(const std::vector<yaml::Document>& docs, Diagnostics& diags);

// The node at a key path from the document root ("spec", "template", ...); undefined when absent.
YAML::Node node_at(const YAML::Node& root, std::initializer_list<std::string_view> path);

// Internal to lf_lint below this line.

// Validators for kinds outside the Dapr and workload models (monitoring.cpp).
void check_pod_monitor(const yaml::Document& doc, Diagnostics& diags);
void check_service_monitor(const yaml::Document& doc, Diagnostics& diags);
void check_prometheus_rule(const yaml::Document& doc, Diagnostics& diags);
void check_kustomization(const yaml::Document& doc, Diagnostics& diags);

// Cross-document checks (cross_checks.cpp, retry_budget.cpp).
void check_cross_references(const ManifestSet& set, Diagnostics& diags);
void check_retry_budgets(const ManifestSet& set, Diagnostics& diags);

}  // namespace lf::lint
