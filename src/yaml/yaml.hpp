#pragma once
// YAML documents that remember where every node came from, so every configuration error can
// name file:line:col. yaml-cpp's exceptions stop here: loading reports into Diagnostics.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "core/diagnostics.hpp"

namespace lf::yaml {

struct Document {
  std::string file;
  int index = 0;  // position in a multi-document file, from 0
  YAML::Node root;
  int line_offset = 0;  // lines of the file before this document's text (marks are per document)

  SourceLocation where(const YAML::Node& node) const;
  // Location of a mapping key (falls back to the mapping itself when the key is absent).
  SourceLocation key_where(const YAML::Node& map, std::string_view key) const;
};

// Parses every document of a file; parse errors become diagnostics and the file yields nothing.
std::vector<Document> load_file(const std::string& path, Diagnostics& diags);
std::vector<Document> load_string(std::string_view text, const std::string& file_name, Diagnostics& diags);

// Safe accessors (never throw).
std::optional<std::string> scalar(const YAML::Node& node);
std::optional<std::string> scalar_at(const YAML::Node& map, std::string_view key);
YAML::Node child(const YAML::Node& map, std::string_view key);  // invalid/undefined node when absent
std::vector<std::string> keys(const YAML::Node& map);
std::string kind_name(const YAML::Node& node);  // "mapping", "sequence", "scalar", "null"

// Collects every *.yaml / *.yml file under each path (files as given, folders recursively, sorted).
std::vector<std::string> collect_yaml_files(const std::vector<std::string>& paths, Diagnostics& diags);

}  // namespace lf::yaml
