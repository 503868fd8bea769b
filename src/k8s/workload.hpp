#pragma once
// Kubernetes `apps/v1` Deployment and its pod template, with the API server's defaults filled in
// (kubernetes.md §7), so consumers never re-implement defaulting.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/diagnostics.hpp"
#include "k8s/dapr_annotations.hpp"
#include "k8s/quantity.hpp"
#include "resources/fields.hpp"
#include "yaml/yaml.hpp"

namespace lf::k8s {

using resources::ObjectMeta;

// A port given by number or by container-port name (Service targetPort, probe port).
struct PortRef {
  int number = 0;    // set when given as a number
  std::string name;  // set when given as a name
  bool is_name() const { return !name.empty(); }
  std::string str() const { return is_name() ? name : std::to_string(number); }
};

struct HttpGetAction {
  std::string path = "/";
  PortRef port;
  std::string scheme = "HTTP";
  std::string host;  // empty = the pod IP
};

struct Probe {
  std::optional<HttpGetAction> http_get;
  std::optional<PortRef> tcp_socket_port;
  std::vector<std::string> exec_command;
  int initial_delay_seconds = 0;
  int period_seconds = 10;
  int timeout_seconds = 1;
  int success_threshold = 1;
  int failure_threshold = 3;
};

struct EnvVar {
  std::string name;
  std::string value;
  bool from_source = false;  // valueFrom: resolved by the platform (fieldRef, secretKeyRef, ...)
  std::string field_path;    // valueFrom.fieldRef.fieldPath (the downward API), when that is the source
};

struct ContainerPort {
  std::string name;
  int container_port = 0;
  std::string protocol = "TCP";
};

struct ResourceList {
  std::optional<Quantity> cpu;
  std::optional<Quantity> memory;
};

struct ResourceRequirements {
  ResourceList requests;
  ResourceList limits;
};

struct Container {
  std::string name;
  std::string image;
  std::vector<std::string> command;  // replaces the image ENTRYPOINT
  std::vector<std::string> args;
  std::vector<EnvVar> env;
  std::vector<ContainerPort> ports;
  ResourceRequirements resources;
  std::optional<Probe> readiness_probe;
  std::optional<Probe> liveness_probe;
  std::optional<Probe> startup_probe;

  // The port with this name, or nullptr.
  const ContainerPort* port_named(const std::string& port_name) const;
};

struct DeploymentStrategy {
  std::string type = "RollingUpdate";  // or Recreate
  std::string max_surge = "25%";       // int or percentage, as written
  std::string max_unavailable = "25%";
};

struct Deployment {
  ObjectMeta metadata;
  std::optional<int> replicas;  // unset = 1 (and HPA-owned manifests should leave it unset)
  std::map<std::string, std::string> selector;  // spec.selector.matchLabels
  std::map<std::string, std::string> pod_labels;
  std::map<std::string, std::string> pod_annotations;
  DaprAnnotations dapr;
  std::vector<Container> containers;
  int termination_grace_period_seconds = 30;
  DeploymentStrategy strategy;
  int min_ready_seconds = 0;
  int revision_history_limit = 10;
  int progress_deadline_seconds = 600;

  int desired_replicas() const { return replicas.value_or(1); }
};

// Probe/port helpers shared with Service parsing.
std::optional<PortRef> parse_port_ref(const YAML::Node& map, std::string_view key, const std::string& path,
                                      resources::FieldReader& reader);
std::optional<Probe> parse_probe(const YAML::Node& map, std::string_view key, const std::string& path,
                                 resources::FieldReader& reader);
std::optional<Quantity> parse_quantity_field(const YAML::Node& map, std::string_view key, const std::string& path,
                                             resources::FieldReader& reader);
// Kubernetes labels/annotations are strings: an unquoted number or boolean is rejected by the API server.
void check_string_values(const YAML::Node& map, const std::string& path, resources::FieldReader& reader);

std::optional<Deployment> parse_deployment(const yaml::Document& doc, Diagnostics& diags);

// True when every selector label is present with the same value in `labels` (an empty selector matches nothing).
bool selector_matches(const std::map<std::string, std::string>& selector,
                      const std::map<std::string, std::string>& labels);

}  // namespace lf::k8s
