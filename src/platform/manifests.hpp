#pragma once
// The desired state `learnflow up` runs: the Kubernetes and Dapr objects of a manifests folder,
// and the Dapr resource files handed to the local sidecars (with the local substitutions below).
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "k8s/hpa.hpp"
#include "k8s/service.hpp"
#include "k8s/workload.hpp"
#include "resources/component.hpp"
#include "yaml/yaml.hpp"

namespace lf::platform {

struct DesiredState {
  std::vector<k8s::Deployment> deployments;
  std::vector<k8s::Service> services;
  std::vector<k8s::HorizontalPodAutoscaler> hpas;
  std::vector<resources::Component> components;
  std::vector<yaml::Document> dapr_resources;  // Component, Subscription, Resiliency: --resources-path
  std::map<std::string, yaml::Document> configurations;  // Configuration by name: --config
  std::vector<yaml::Document> prometheus_rules;  // monitoring.coreos.com PrometheusRule

  bool needs_kafka() const;
  bool needs_postgres() const;
  const k8s::Deployment* deployment(const std::string& name) const;
  const k8s::HorizontalPodAutoscaler* hpa_for(const std::string& deployment) const;
};

// Loads every *.yaml / *.yml under `dir` (recursively). Parse errors are returned as one message;
// `learnflow lint` runs before this and reports them at their lines.
Result<DesiredState> load_desired_state(const std::string& dir);

// What the local platform substitutes in the Dapr resources (deploy/README.md):
//  - the `brokers` metadata of every pubsub.kafka component → the local broker;
//  - the `connectionString` of every state.postgresql component → the local PostgreSQL server;
//  - the `spec.tracing.zipkin.endpointAddress` of every Configuration → the local span collector's
//    /api/v2/spans (src/tracecollector);
//  - every string value starting with ".learnflow/" → the same path under the state directory
//    (the manifests name files relative to the default state directory).
struct LocalSubstitutions {
  std::string kafka_bootstrap;
  std::string postgres_connection;
  std::string state_dir;  // absolute
  std::string zipkin_endpoint;
};

// Writes <resources_dir>/NN-<kind>-<name>.yaml for the Dapr resources and
// <config_dir>/<name>.yaml per Configuration. Both directories are emptied first.
Status write_dapr_files(const DesiredState& state, const LocalSubstitutions& subs, const std::string& resources_dir,
                        const std::string& config_dir);

// The manifest's text after substitutions (exposed for tests).
std::string render_substituted(const yaml::Document& doc, const LocalSubstitutions& subs);

}  // namespace lf::platform
