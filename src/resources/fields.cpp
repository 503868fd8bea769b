#include "resources/fields.hpp"

#include <algorithm>

#include "core/duration.hpp"
#include "core/strings.hpp"

namespace lf::resources {

std::string join_path(const std::string& parent, std::string_view key) {
  if (parent.empty()) return std::string(key);
  return parent + "." + std::string(key);
}

std::string index_path(const std::string& parent, std::size_t index) {
  return parent + "[" + std::to_string(index) + "]";
}

SourceLocation FieldReader::value_at(const YAML::Node& map, std::string_view key) const {
  auto node = yaml::child(map, key);
  if (node.IsDefined() && !node.IsNull()) return at(node);
  return key_at(map, key);
}

namespace {
// yaml-cpp tags quoted scalars "!" and plain ones "?": Kubernetes rejects "3" where a number belongs.
bool is_quoted(const YAML::Node& node) { return node.Tag() == "!"; }
}  // namespace

std::optional<std::string> FieldReader::string(const YAML::Node& map, std::string_view key, const std::string& path) {
  auto node = yaml::child(map, key);
  if (!node.IsDefined() || node.IsNull()) return std::nullopt;
  if (!node.IsScalar()) {
    error(at(node), path + " must be a string, not a " + yaml::kind_name(node));
    return std::nullopt;
  }
  return node.Scalar();
}

std::optional<long long> FieldReader::integer(const YAML::Node& map, std::string_view key, const std::string& path,
                                              long long min, long long max) {
  auto node = yaml::child(map, key);
  if (!node.IsDefined() || node.IsNull()) return std::nullopt;
  long long value = 0;
  if (!node.IsScalar() || is_quoted(node) || !parse_int64(node.Scalar(), value)) {
    error(at(node), path + " must be an integer, got " + (node.IsScalar() ? "\"" + node.Scalar() + "\"" : yaml::kind_name(node)));
    return std::nullopt;
  }
  if (value < min || value > max) {
    error(at(node), path + " must be between " + std::to_string(min) + " and " + std::to_string(max) + ", got " +
                        std::to_string(value));
    return std::nullopt;
  }
  return value;
}

std::optional<bool> FieldReader::boolean(const YAML::Node& map, std::string_view key, const std::string& path) {
  auto node = yaml::child(map, key);
  if (!node.IsDefined() || node.IsNull()) return std::nullopt;
  if (node.IsScalar()) {
    if (iequals(node.Scalar(), "true")) return true;
    if (iequals(node.Scalar(), "false")) return false;
  }
  error(at(node), path + " must be true or false, got " + (node.IsScalar() ? "\"" + node.Scalar() + "\"" : yaml::kind_name(node)));
  return std::nullopt;
}

std::optional<Duration> FieldReader::duration(const YAML::Node& map, std::string_view key, const std::string& path) {
  auto text = string(map, key, path);
  if (!text) return std::nullopt;
  auto parsed = parse_go_duration(*text);
  if (!parsed) {
    error(value_at(map, key), path + " is not a duration: \"" + *text + "\"", "write a Go duration such as 500ms, 5s or 1m30s");
    return std::nullopt;
  }
  return *parsed;
}

YAML::Node FieldReader::mapping(const YAML::Node& map, std::string_view key, const std::string& path) {
  auto node = yaml::child(map, key);
  if (!node.IsDefined() || node.IsNull()) return YAML::Node(YAML::NodeType::Undefined);
  if (!node.IsMap()) {
    error(at(node), path + " must be a mapping, not a " + yaml::kind_name(node));
    return YAML::Node(YAML::NodeType::Undefined);
  }
  return node;
}

YAML::Node FieldReader::sequence(const YAML::Node& map, std::string_view key, const std::string& path) {
  auto node = yaml::child(map, key);
  if (!node.IsDefined() || node.IsNull()) return YAML::Node(YAML::NodeType::Undefined);
  if (!node.IsSequence()) {
    error(at(node), path + " must be a list, not a " + yaml::kind_name(node));
    return YAML::Node(YAML::NodeType::Undefined);
  }
  return node;
}

std::map<std::string, std::string> FieldReader::string_map(const YAML::Node& map, std::string_view key,
                                                           const std::string& path) {
  std::map<std::string, std::string> out;
  auto node = mapping(map, key, path);
  if (!node.IsDefined()) return out;
  for (auto it = node.begin(); it != node.end(); ++it) {
    auto k = yaml::scalar(it->first);
    if (!k) continue;
    if (it->second.IsNull()) {
      out[*k] = "";
    } else if (!it->second.IsScalar()) {
      error(at(it->second), join_path(path, *k) + " must be a string, not a " + yaml::kind_name(it->second));
    } else {
      out[*k] = it->second.Scalar();
    }
  }
  return out;
}

std::vector<std::string> FieldReader::string_list(const YAML::Node& map, std::string_view key, const std::string& path) {
  std::vector<std::string> out;
  auto node = sequence(map, key, path);
  if (!node.IsDefined()) return out;
  for (std::size_t i = 0; i < node.size(); ++i) {
    if (auto s = yaml::scalar(node[i])) {
      out.push_back(*s);
    } else {
      error(at(node[i]), index_path(path, i) + " must be a string, not a " + yaml::kind_name(node[i]));
    }
  }
  return out;
}

bool FieldReader::require(const YAML::Node& map, std::string_view key, const std::string& path, std::string hint) {
  auto node = yaml::child(map, key);
  if (node.IsDefined() && !node.IsNull()) return true;
  error(node.IsDefined() ? key_at(map, key) : at(map), "missing required field " + path, std::move(hint));
  return false;
}

void FieldReader::unknown_keys(const YAML::Node& map, std::initializer_list<std::string_view> known,
                               const std::string& path, const std::string& consequence) {
  for (const auto& key : yaml::keys(map)) {
    if (std::find(known.begin(), known.end(), key) != known.end()) continue;
    warning(key_at(map, key), join_path(path, key) + " is not a known field; " + consequence);
  }
}

ObjectMeta FieldReader::object_meta(const YAML::Node& root) {
  ObjectMeta meta;
  auto node = mapping(root, "metadata", "metadata");
  if (!node.IsDefined()) {
    error(at(root), "missing required field metadata.name");
    return meta;
  }
  if (auto name = string(node, "name", "metadata.name")) {
    meta.name = *name;
  } else {
    require(node, "name", "metadata.name");
  }
  meta.namespace_name = string(node, "namespace", "metadata.namespace").value_or("");
  meta.labels = string_map(node, "labels", "metadata.labels");
  meta.annotations = string_map(node, "annotations", "metadata.annotations");
  return meta;
}

}  // namespace lf::resources
