#include "platform/manifests.hpp"

#include <filesystem>
#include <fstream>

#include "core/diagnostics.hpp"

namespace lf::platform {
namespace fs = std::filesystem;

bool DesiredState::needs_kafka() const {
  for (const auto& c : components)
    if (c.type == "pubsub.kafka") return true;
  return false;
}

bool DesiredState::needs_postgres() const {
  for (const auto& c : components)
    if (c.type == "state.postgresql") return true;
  return false;
}

const k8s::Deployment* DesiredState::deployment(const std::string& name) const {
  for (const auto& d : deployments)
    if (d.metadata.name == name) return &d;
  return nullptr;
}

const k8s::HorizontalPodAutoscaler* DesiredState::hpa_for(const std::string& deployment) const {
  for (const auto& h : hpas)
    if (h.scale_target_ref.kind == "Deployment" && h.scale_target_ref.name == deployment) return &h;
  return nullptr;
}

Result<DesiredState> load_desired_state(const std::string& dir) {
  Diagnostics diags;
  DesiredState state;
  for (const auto& file : yaml::collect_yaml_files({dir}, diags)) {
    for (auto& doc : yaml::load_file(file, diags)) {
      const std::string kind = yaml::scalar_at(doc.root, "kind").value_or("");
      if (kind == "Deployment") {
        if (auto d = k8s::parse_deployment(doc, diags)) state.deployments.push_back(std::move(*d));
      } else if (kind == "Service") {
        if (auto s = k8s::parse_service(doc, diags)) state.services.push_back(std::move(*s));
      } else if (kind == "HorizontalPodAutoscaler") {
        if (auto h = k8s::parse_hpa(doc, diags)) state.hpas.push_back(std::move(*h));
      } else if (kind == "Component") {
        if (auto c = resources::parse_component(doc, diags)) state.components.push_back(std::move(*c));
        state.dapr_resources.push_back(doc);
      } else if (kind == "Subscription" || kind == "Resiliency") {
        state.dapr_resources.push_back(doc);
      } else if (kind == "Configuration") {
        auto name = yaml::scalar_at(yaml::child(doc.root, "metadata"), "name");
        if (name) state.configurations[*name] = doc;
      } else if (kind == "PrometheusRule") {
        state.prometheus_rules.push_back(doc);
      }
    }
  }
  if (diags.has_errors()) {
    std::string message = "the manifests in " + dir + " have errors (run `learnflow lint " + dir + "`):";
    for (const auto& d : diags.all())
      if (d.severity == Severity::error) message += "\n  " + d.str();
    return fail(message);
  }
  if (state.deployments.empty()) return fail("no Deployment found under " + dir);
  return state;
}

namespace {

void substitute(YAML::Node node, const LocalSubstitutions& subs) {
  if (node.IsMap()) {
    for (auto it = node.begin(); it != node.end(); ++it) substitute(it->second, subs);
  } else if (node.IsSequence()) {
    for (auto child : node) substitute(child, subs);
  } else if (node.IsScalar()) {
    const std::string& text = node.Scalar();
    static const std::string prefix = ".learnflow/";
    if (!subs.state_dir.empty() && text.rfind(prefix, 0) == 0) {
      node = subs.state_dir + "/" + text.substr(prefix.size());
      node.SetTag("!");
    }
  }
}

void substitute_component(YAML::Node root, const LocalSubstitutions& subs) {
  const std::string type = yaml::scalar_at(yaml::child(root, "spec"), "type").value_or("");
  YAML::Node entries = root["spec"]["metadata"];
  if (!entries.IsSequence()) return;
  for (auto entry : entries) {
    const std::string name = yaml::scalar_at(entry, "name").value_or("");
    if (type == "pubsub.kafka" && name == "brokers" && !subs.kafka_bootstrap.empty()) {
      entry["value"] = subs.kafka_bootstrap;
      entry["value"].SetTag("!");
    }
    if (type == "state.postgresql" && name == "connectionString" && !subs.postgres_connection.empty())
    {
      entry["value"] = subs.postgres_connection;
      entry["value"].SetTag("!");
    }
  }
}

void substitute_configuration(YAML::Node root, const LocalSubstitutions& subs) {
  YAML::Node zipkin = yaml::child(yaml::child(yaml::child(root, "spec"), "tracing"), "zipkin");
  if (subs.zipkin_endpoint.empty() || !zipkin.IsDefined() || !zipkin.IsMap() || !yaml::scalar_at(zipkin, "endpointAddress")) return;
  zipkin["endpointAddress"] = subs.zipkin_endpoint;
  zipkin["endpointAddress"].SetTag("!");
}

Status write_text(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
  out.close();
  if (!out) return fail("cannot write " + path.string() + " (disk full or no permission?)");
  return {};
}

Status reset_dir(const std::string& dir) {
  std::error_code ec;
  fs::remove_all(dir, ec);
  fs::create_directories(dir, ec);
  if (ec) return fail("cannot create " + dir + ": " + ec.message());
  return {};
}

// Emits a node keeping quoted scalars quoted: Dapr and Kubernetes treat `"1"` and `1` differently.
void emit(YAML::Emitter& out, const YAML::Node& node) {
  if (node.IsMap()) {
    out << YAML::BeginMap;
    for (auto it = node.begin(); it != node.end(); ++it) {
      out << YAML::Key;
      emit(out, it->first);
      out << YAML::Value;
      emit(out, it->second);
    }
    out << YAML::EndMap;
  } else if (node.IsSequence()) {
    out << YAML::BeginSeq;
    for (const auto& child : node) emit(out, child);
    out << YAML::EndSeq;
  } else if (node.IsScalar()) {
    if (node.Tag() == "!") out << YAML::DoubleQuoted;
    out << node.Scalar();
  } else {
    out << YAML::Null;
  }
}

}  // namespace

std::string render_substituted(const yaml::Document& doc, const LocalSubstitutions& subs) {
  YAML::Node copy = YAML::Clone(doc.root);
  const std::string kind = yaml::scalar_at(copy, "kind").value_or("");
  if (kind == "Component") substitute_component(copy, subs);
  if (kind == "Configuration") substitute_configuration(copy, subs);
  substitute(copy, subs);
  YAML::Emitter out;
  emit(out, copy);
  return std::string(out.c_str()) + "\n";
}

Status write_dapr_files(const DesiredState& state, const LocalSubstitutions& subs, const std::string& resources_dir,
                        const std::string& config_dir) {
  if (auto s = reset_dir(resources_dir); !s) return s;
  if (auto s = reset_dir(config_dir); !s) return s;
  int index = 0;
  for (const auto& doc : state.dapr_resources) {
    const std::string kind = yaml::scalar_at(doc.root, "kind").value_or("resource");
    const std::string name = yaml::scalar_at(yaml::child(doc.root, "metadata"), "name").value_or("unnamed");
    char prefix[16];
    std::snprintf(prefix, sizeof prefix, "%02d-", index++);
    auto s = write_text(fs::path(resources_dir) / (prefix + kind + "-" + name + ".yaml"), render_substituted(doc, subs));
    if (!s) return s;
  }
  for (const auto& [name, doc] : state.configurations) {
    auto s = write_text(fs::path(config_dir) / (name + ".yaml"), render_substituted(doc, subs));
    if (!s) return s;
  }
  return {};
}

}  // namespace lf::platform
