#pragma once
// Helpers shared by the resiliency tests: YAML text -> parsed resource with diagnostics.
#include <optional>
#include <string>
#include <vector>

#include "core/diagnostics.hpp"
#include "resiliency/parse.hpp"
#include "yaml/yaml.hpp"

namespace lf::resiliency::test {

struct Parsed {
  std::optional<Resiliency> resource;
  std::vector<std::string> messages;  // Diagnostic::str() of every finding, in order
};

inline Parsed parse_text(const std::string& text, const std::string& file = "res.yaml") {
  Diagnostics diags;
  auto docs = yaml::load_string(text, file, diags);
  Parsed out;
  if (!docs.empty()) out.resource = parse_resource(docs.front(), diags);
  for (const auto& d : diags.all()) out.messages.push_back(d.str());
  return out;
}

inline Resiliency parse_ok(const std::string& text, const std::string& file = "res.yaml") {
  auto parsed = parse_text(text, file);
  return parsed.resource.value_or(Resiliency{});
}

}  // namespace lf::resiliency::test
