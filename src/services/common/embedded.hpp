#pragma once
// Files compiled into a binary by src/services/embed.cmake (the curriculum, the web UI).
#include <optional>
#include <span>
#include <string_view>

namespace lf::services {

struct EmbeddedFile {
  std::string_view path;  // relative to the folder it was embedded from, e.g. "index.html"
  std::string_view data;
};

inline std::optional<std::string_view> find_embedded(std::span<const EmbeddedFile> files, std::string_view path) {
  for (const auto& file : files)
    if (file.path == path) return file.data;
  return std::nullopt;
}

}  // namespace lf::services
