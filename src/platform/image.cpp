#include "platform/image.hpp"

#include <unistd.h>

namespace lf::platform {

std::string image_repository(const std::string& image) {
  std::string ref = image.substr(0, image.find('@'));
  const auto slash = ref.rfind('/');
  const auto colon = ref.rfind(':');
  if (colon != std::string::npos && (slash == std::string::npos || colon > slash)) ref.resize(colon);
  return ref;
}

std::string image_short_name(const std::string& image) {
  std::string repo = image_repository(image);
  const auto slash = repo.rfind('/');
  return slash == std::string::npos ? repo : repo.substr(slash + 1);
}

std::string expand_variables(const std::string& text, const std::map<std::string, std::string>& env) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '$' && i + 1 < text.size() && text[i + 1] == '$') {
      out += '$';
      ++i;
      continue;
    }
    if (text[i] == '$' && i + 1 < text.size() && text[i + 1] == '(') {
      const auto close = text.find(')', i + 2);
      if (close != std::string::npos) {
        auto it = env.find(text.substr(i + 2, close - i - 2));
        if (it != env.end()) {
          out += it->second;
          i = close;
          continue;
        }
      }
    }
    out += text[i];
  }
  return out;
}

Result<std::vector<std::string>> container_argv(const k8s::Container& container, const ImageMapping& mapping,
                                               const std::map<std::string, std::string>& env) {
  std::vector<std::string> argv;
  for (const auto& part : container.command) argv.push_back(expand_variables(part, env));
  for (const auto& part : container.args) argv.push_back(expand_variables(part, env));

  std::string executable;
  for (const auto& key : {container.image, image_repository(container.image)}) {
    if (auto it = mapping.overrides.find(key); it != mapping.overrides.end()) executable = it->second;
    if (!executable.empty()) break;
  }
  if (executable.empty()) {
    std::string name = argv.empty() ? image_short_name(container.image) : argv.front();
    executable = name.find('/') == std::string::npos ? mapping.bin_dir + "/" + name : name;
  }
  if (::access(executable.c_str(), X_OK) != 0)
    return fail("container " + container.name + " (image " + container.image + ") maps to " + executable +
                ", which is not an executable file: build it (scripts/build.sh) or pass --bin-dir or --image " +
                image_repository(container.image) + "=PATH");
  if (argv.empty())
    argv.push_back(executable);
  else
    argv.front() = executable;
  return argv;
}

}  // namespace lf::platform
