// `learnflow lint PATH... [--warnings-as-errors] [-o text|json]`
#include <iostream>
#include <memory>

#include <nlohmann/json.hpp>

#include "cli/command.hpp"
#include "lint/lint.hpp"

namespace lf::cli {
namespace {

struct LintOptions {
  std::vector<std::string> paths;
  bool warnings_as_errors = false;
  std::string output = "text";
};

std::string plural(std::size_t n, const std::string& word) {
  return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
}

void print_text(const Diagnostics& diags) {
  for (const auto& d : diags.all()) std::cout << d.str() << "\n";
  std::cout << "learnflow lint: " << plural(diags.error_count(), "error") << ", "
            << plural(diags.warning_count(), "warning") << "\n";
}

void print_json(const Diagnostics& diags) {
  auto list = nlohmann::json::array();
  for (const auto& d : diags.all()) {
    list.push_back({{"file", d.where.file},
                    {"line", d.where.line},
                    {"column", d.where.column},
                    {"severity", d.severity == Severity::error ? "error" : "warning"},
                    {"message", d.message},
                    {"hint", d.hint}});
  }
  nlohmann::json out = {{"diagnostics", list}, {"errors", diags.error_count()}, {"warnings", diags.warning_count()}};
  std::cout << out.dump(2) << "\n";
}

int run_lint(const LintOptions& options) {
  auto diags = lint::lint(options.paths);
  if (options.output == "json") print_json(diags);
  else print_text(diags);
  bool failed = diags.has_errors() || (options.warnings_as_errors && diags.warning_count() > 0);
  return failed ? kExitFailure : kExitOk;
}

const RegisterCommand registration{
    "lint", "Validate Dapr and Kubernetes manifests (files or folders) without any server", [](CLI::App& cmd) {
      auto options = std::make_shared<LintOptions>();
      cmd.add_option("PATH", options->paths, "YAML files or folders (searched recursively)")->required();
      cmd.add_flag("--warnings-as-errors", options->warnings_as_errors, "exit 1 on warnings too");
      cmd.add_option("-o,--output", options->output, "output format")
          ->check(CLI::IsMember({"text", "json"}))
          ->capture_default_str();
      return [options] { return run_lint(*options); };
    }};

}  // namespace
}  // namespace lf::cli
