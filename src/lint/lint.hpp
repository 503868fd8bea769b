#pragma once
// `learnflow lint`: validates every YAML document under the given files and folders, then checks
// the documents against each other (HPA targets, Service selectors, consumer groups, retry budgets).
#include <string>
#include <vector>

#include "core/diagnostics.hpp"
#include "yaml/yaml.hpp"

namespace lf::lint {

// Lints files and folders (folders recursively, *.yaml / *.yml). Never throws.
Diagnostics lint(const std::vector<std::string>& paths);

// Lints documents already loaded (tests, and callers that hold manifests in memory).
Diagnostics lint_documents(const std::vector<yaml::Document>& docs);

}  // namespace lf::lint
