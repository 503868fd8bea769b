#include "verify/report.hpp"

#include <cstdio>
#include <sstream>

namespace lf::verify {

void ScenarioResult::check(std::string check_name, bool passed, std::string detail) {
  checks.push_back({std::move(check_name), passed, std::move(detail)});
}

bool ScenarioResult::passed() const {
  if (!error.empty() || checks.empty()) return false;
  for (const auto& c : checks)
    if (!c.passed) return false;
  return true;
}

std::string ScenarioResult::key_numbers() const {
  if (!error.empty()) return error;
  std::string failed, rest;
  for (const auto& c : checks) (c.passed ? rest : failed) += (c.passed ? "" : "FAILED ") + c.name + ": " + c.detail + "; ";
  std::string all = failed + rest;
  if (all.size() >= 2) all.resize(all.size() - 2);
  return all;
}

std::string table_line(const ScenarioResult& result) {
  char head[96];
  std::snprintf(head, sizeof head, "%-4s  %-20s %6.1fs  ", result.passed() ? "PASS" : "FAIL", result.name.c_str(),
                result.seconds);
  return head + result.key_numbers();
}

nlohmann::json json_report(const std::vector<ScenarioResult>& results, const nlohmann::json& run_info) {
  nlohmann::json scenarios = nlohmann::json::array();
  bool all_passed = !results.empty();
  for (const auto& r : results) {
    nlohmann::json checks = nlohmann::json::array();
    for (const auto& c : r.checks) checks.push_back({{"name", c.name}, {"passed", c.passed}, {"detail", c.detail}});
    nlohmann::json entry{{"name", r.name},       {"title", r.title},       {"passed", r.passed()},
                         {"seconds", r.seconds}, {"checks", checks},       {"evidence", r.evidence}};
    if (!r.error.empty()) entry["error"] = r.error;
    scenarios.push_back(std::move(entry));
    all_passed = all_passed && r.passed();
  }
  return {{"passed", all_passed}, {"run", run_info}, {"scenarios", scenarios}};
}

std::string markdown_report(const std::vector<ScenarioResult>& results, const nlohmann::json& run_info) {
  std::ostringstream out;
  out << "# learnflow verify\n\n";
  for (const auto& [key, value] : run_info.items()) out << "- " << key << ": `" << value.dump() << "`\n";
  out << "\n| Scenario | Result | Time | Key numbers |\n|---|---|---|---|\n";
  for (const auto& r : results) {
    char seconds[32];
    std::snprintf(seconds, sizeof seconds, "%.1fs", r.seconds);
    out << "| " << r.name << " | " << (r.passed() ? "PASS" : "**FAIL**") << " | " << seconds << " | "
        << (r.error.empty() ? std::to_string(r.checks.size()) + " checks" : r.error) << " |\n";
  }
  for (const auto& r : results) {
    out << "\n## " << r.name << ": " << r.title << " — " << (r.passed() ? "PASS" : "FAIL") << "\n\n";
    if (!r.error.empty()) out << "Could not run: " << r.error << "\n\n";
    for (const auto& c : r.checks) out << "- " << (c.passed ? "✅" : "❌") << " **" << c.name << "**: " << c.detail << "\n";
    out << "\n<details><summary>Evidence</summary>\n\n```json\n" << r.evidence.dump(2) << "\n```\n\n</details>\n";
  }
  return out.str();
}

}  // namespace lf::verify
