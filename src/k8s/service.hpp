#pragma once
// Kubernetes `v1` Service (the parts a local load balancer needs).
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "k8s/workload.hpp"

namespace lf::k8s {

struct ServicePort {
  std::string name;
  int port = 0;
  PortRef target_port;  // defaults to `port`
  std::string protocol = "TCP";
  std::optional<int> node_port;
};

struct Service {
  ObjectMeta metadata;
  std::string type = "ClusterIP";  // ClusterIP | NodePort | LoadBalancer | ExternalName
  std::map<std::string, std::string> selector;
  std::vector<ServicePort> ports;
};

std::optional<Service> parse_service(const yaml::Document& doc, Diagnostics& diags);

}  // namespace lf::k8s
