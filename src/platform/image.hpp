#pragma once
// Which local binary runs a container (documented in README.md):
//   1. an override for the image (`--image learnflow/course-agent=/path/bin`, with or without tag);
//   2. else the container's command[0]: a bare name is looked up in the bin dir;
//   3. else the image's last path component without tag or digest:
//      `learnflow/<name>:<tag>` → <bin dir>/<name>.
#include <map>
#include <string>

#include "core/error.hpp"
#include "k8s/workload.hpp"

namespace lf::platform {

// "registry:5000/learnflow/course-agent:1.2@sha256:…" → "course-agent"
std::string image_short_name(const std::string& image);
// The image reference without tag or digest ("learnflow/course-agent").
std::string image_repository(const std::string& image);

struct ImageMapping {
  std::string bin_dir;  // default: build/bin
  std::map<std::string, std::string> overrides;  // image (with or without tag) → executable path
};

// The argv to run for a container: executable, then the rest of command, then args (after $(VAR) expansion).
Result<std::vector<std::string>> container_argv(const k8s::Container& container, const ImageMapping& mapping,
                                               const std::map<std::string, std::string>& env);

// Kubernetes' $(VAR) expansion in command/args: known variables are replaced, $$ escapes, unknown stay.
std::string expand_variables(const std::string& text, const std::map<std::string, std::string>& env);

}  // namespace lf::platform
