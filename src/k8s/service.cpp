#include "k8s/service.hpp"

namespace lf::k8s {

using resources::FieldReader;
using resources::index_path;

std::optional<Service> parse_service(const yaml::Document& doc, Diagnostics& diags) {
  FieldReader reader(doc, diags);
  Service s;
  s.metadata = reader.object_meta(doc.root);
  auto spec = reader.mapping(doc.root, "spec", "spec");
  if (!spec.IsDefined()) {
    reader.require(doc.root, "spec", "spec");
    return std::nullopt;
  }
  s.type = reader.string(spec, "type", "spec.type").value_or("ClusterIP");
  if (s.type != "ClusterIP" && s.type != "NodePort" && s.type != "LoadBalancer" && s.type != "ExternalName")
    reader.error(reader.value_at(spec, "type"), "spec.type must be ClusterIP, NodePort, LoadBalancer or ExternalName");
  s.selector = reader.string_map(spec, "selector", "spec.selector");
  check_string_values(yaml::child(spec, "selector"), "spec.selector", reader);
  auto ports = reader.sequence(spec, "ports", "spec.ports");
  for (std::size_t i = 0; ports.IsDefined() && i < ports.size(); ++i) {
    const std::string p = index_path("spec.ports", i);
    ServicePort port;
    port.name = reader.string(ports[i], "name", p + ".name").value_or("");
    port.port = static_cast<int>(reader.integer(ports[i], "port", p + ".port", 1, 65535).value_or(0));
    if (port.port == 0) reader.require(ports[i], "port", p + ".port");
    port.target_port = parse_port_ref(ports[i], "targetPort", p + ".targetPort", reader).value_or(PortRef{port.port, ""});
    port.protocol = reader.string(ports[i], "protocol", p + ".protocol").value_or("TCP");
    if (auto node_port = reader.integer(ports[i], "nodePort", p + ".nodePort", 1, 65535))
      port.node_port = static_cast<int>(*node_port);
    if (ports.size() > 1 && port.name.empty())
      reader.error(reader.at(ports[i]), p + ".name is required when a Service has several ports");
    s.ports.push_back(std::move(port));
  }
  if (s.ports.empty() && s.type != "ExternalName")
    reader.error(reader.key_at(doc.root, "spec"), "spec.ports must list at least one port");
  return s;
}

}  // namespace lf::k8s
