#pragma once
// What a scenario returns and how results are shown: a terminal line per scenario, a Markdown
// report and a JSON report with the evidence.
#include <ostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace lf::verify {

struct Check {
  std::string name;
  bool passed = false;
  std::string detail;  // the key numbers behind the verdict
};

struct ScenarioResult {
  std::string name;
  std::string title;
  std::vector<Check> checks;
  nlohmann::json evidence = nlohmann::json::object();
  double seconds = 0;
  std::string error;  // set when the scenario could not run at all (counts as a failure)

  void check(std::string check_name, bool passed, std::string detail);
  bool passed() const;
  std::string key_numbers() const;  // the checks' details, failed ones first
};

std::string table_line(const ScenarioResult& result);  // "PASS  kafka-unavailable  12.3s  ..."
std::string markdown_report(const std::vector<ScenarioResult>& results, const nlohmann::json& run_info);
nlohmann::json json_report(const std::vector<ScenarioResult>& results, const nlohmann::json& run_info);

}  // namespace lf::verify
