#pragma once
// Typed, located reading of manifest fields shared by the Dapr and Kubernetes models: every
// malformed value becomes a diagnostic at its file:line:col instead of an exception.
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/diagnostics.hpp"
#include "yaml/yaml.hpp"

namespace lf::resources {

// metadata of any Kubernetes-style object (Dapr resources share it).
struct ObjectMeta {
  std::string name;
  std::string namespace_name;  // empty = not given
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> annotations;
};

class FieldReader {
 public:
  FieldReader(const yaml::Document& doc, Diagnostics& diags) : doc_(doc), diags_(diags) {}

  const yaml::Document& doc() const { return doc_; }
  Diagnostics& diags() { return diags_; }
  SourceLocation at(const YAML::Node& node) const { return doc_.where(node); }
  SourceLocation key_at(const YAML::Node& map, std::string_view key) const { return doc_.key_where(map, key); }
  // Location of a key's value when present, else of the key, else of the map.
  SourceLocation value_at(const YAML::Node& map, std::string_view key) const;

  void error(const SourceLocation& where, std::string message, std::string hint = {}) {
    diags_.error(where, std::move(message), std::move(hint));
  }
  void warning(const SourceLocation& where, std::string message, std::string hint = {}) {
    diags_.warning(where, std::move(message), std::move(hint));
  }

  // Each accessor returns nullopt when the key is absent (silently) or malformed (with an error).
  // `path` names the field in messages, e.g. "spec.tracing.samplingRate".
  std::optional<std::string> string(const YAML::Node& map, std::string_view key, const std::string& path);
  std::optional<long long> integer(const YAML::Node& map, std::string_view key, const std::string& path,
                                   long long min = 0, long long max = 2147483647);
  std::optional<bool> boolean(const YAML::Node& map, std::string_view key, const std::string& path);
  std::optional<Duration> duration(const YAML::Node& map, std::string_view key, const std::string& path);
  // Sub-nodes: undefined when absent; an error (and undefined) when of the wrong YAML kind.
  YAML::Node mapping(const YAML::Node& map, std::string_view key, const std::string& path);
  YAML::Node sequence(const YAML::Node& map, std::string_view key, const std::string& path);
  std::map<std::string, std::string> string_map(const YAML::Node& map, std::string_view key, const std::string& path);
  std::vector<std::string> string_list(const YAML::Node& map, std::string_view key, const std::string& path);

  // Error when the key is absent; true when present.
  bool require(const YAML::Node& map, std::string_view key, const std::string& path, std::string hint = {});
  // Warns about keys outside `known`; `consequence` says what the consumer does with them.
  void unknown_keys(const YAML::Node& map, std::initializer_list<std::string_view> known, const std::string& path,
                    const std::string& consequence);

  ObjectMeta object_meta(const YAML::Node& root);

 private:
  const yaml::Document& doc_;
  Diagnostics& diags_;
};

// "a.b" + "c" -> "a.b.c"; "items" + 2 -> "items[2]".
std::string join_path(const std::string& parent, std::string_view key);
std::string index_path(const std::string& parent, std::size_t index);

}  // namespace lf::resources
