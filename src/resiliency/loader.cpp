#include "resiliency/loader.hpp"

#include <algorithm>
#include <filesystem>

#include "resiliency/parse.hpp"
#include "yaml/yaml.hpp"

namespace lf::resiliency {
namespace fs = std::filesystem;

namespace {

std::vector<fs::path> files_in(const std::string& dir, Diagnostics& diags) {
  std::vector<fs::path> files;
  std::error_code ec;
  if (fs::is_regular_file(dir, ec)) return {fs::path(dir)};
  for (auto it = fs::directory_iterator(dir, ec); !ec && it != fs::directory_iterator(); it.increment(ec))
    if (it->is_regular_file(ec)) files.push_back(it->path());
  if (ec) diags.error({dir, 0, 0}, "cannot read resources path: " + ec.message());
  std::sort(files.begin(), files.end());
  return files;
}

bool is_yaml(const fs::path& p) { return p.extension() == ".yaml" || p.extension() == ".yml"; }

// The first error of a failed decode, as daprd's log line carries one error.
std::string first_error(const Diagnostics& diags, std::size_t from) {
  for (std::size_t i = from; i < diags.all().size(); ++i)
    if (diags.all()[i].severity == Severity::error) return diags.all()[i].where.str() + ": " + diags.all()[i].message;
  return "invalid resource";
}

}  // namespace

std::vector<Resiliency> load_resiliency(const std::vector<std::string>& resources_paths, Observer* observer,
                                        Diagnostics* diagnostics) {
  Diagnostics local;
  Diagnostics& diags = diagnostics ? *diagnostics : local;
  std::vector<Resiliency> out;
  for (const auto& dir : resources_paths) {
    for (const auto& file : files_in(dir, diags)) {
      if (!is_yaml(file)) {
        if (observer) observer->non_yaml_file(file.string());
        continue;
      }
      const std::size_t before = diags.all().size();
      auto docs = yaml::load_file(file.string(), diags);
      if (docs.empty() && diags.all().size() > before) {
        if (observer) observer->file_unparsable(file.string(), first_error(diags, before));
        continue;
      }
      for (const auto& doc : docs) {
        if (yaml::scalar_at(doc.root, "kind").value_or("") != "Resiliency") continue;
        const std::size_t start = diags.all().size();
        if (auto resource = parse_resource(doc, diags)) {
          out.push_back(std::move(*resource));
        } else if (observer) {
          auto metadata = yaml::child(doc.root, "metadata");
          observer->resource_rejected(yaml::scalar_at(metadata, "name").value_or(file.string()),
                                      first_error(diags, start));
        }
      }
    }
  }
  return out;
}

}  // namespace lf::resiliency
