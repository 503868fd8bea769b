// Scenario 6, the task list's done criterion: the sidecar logs show the policies loaded and applied.
#include "verify/scenario_support.hpp"

#include <algorithm>
#include <set>

namespace lf::verify {
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

// The scenarios of this run before done-criterion (all of them when none was chosen).
std::vector<std::string> scenarios_before(const ScenarioOptions& o, const std::string& self) {
  std::vector<std::string> ran;
  for (const auto& scenario : scenarios()) {
    if (scenario.name == self) break;
    if (o.chosen_scenarios.empty() ||
        std::find(o.chosen_scenarios.begin(), o.chosen_scenarios.end(), scenario.name) != o.chosen_scenarios.end())
      ran.push_back(scenario.name);
  }
  return ran;
}

bool contains(const std::vector<std::string>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

struct PodLog {
  int loaded = 0;
  int component_retries = 0;  // "Error processing operation component[<name>] …": pub/sub and other components
  int endpoint_retries = 0;   // "Error processing operation endpoint[<app>, <app>:<method>]": invocations
  std::vector<BreakerTransition> transitions;
};

PodLog read_pod_log(const PlatformSession& s, const std::string& pod) {
  PodLog log;
  for (const auto& text : s.log_lines(pod, "daprd")) {
    log.loaded += text.find(resiliency_loaded_marker) != std::string::npos;
    if (text.find(retry_marker) != std::string::npos) {
      log.component_retries += text.find("operation component[") != std::string::npos;
      log.endpoint_retries += text.find("operation endpoint[") != std::string::npos;
    }
    if (text.find(breaker_marker) != std::string::npos)
      if (auto line = parse_daprd_line(text))
        if (auto t = parse_breaker_transition(*line)) log.transitions.push_back(*t);
  }
  return log;
}

}  // namespace

void done_criterion(PlatformSession& s, const ScenarioOptions& o, ScenarioResult& r) {
  const auto ran = scenarios_before(o, r.name);
  r.evidence["scenarios_run"] = ran;
  const auto status = s.status();
  int sidecars = 0, loaded = 0, component_retries = 0, endpoint_retries = 0, breaker_lines = 0;
  json per_pod = json::object();
  std::vector<std::string> cycles;  // "<pod>: <breaker>" with closed -> open -> half-open -> closed in order
  if (status["pods"].is_array())
    for (const auto& pod : status["pods"]) {
      const std::string name = pod.value("name", "");
      if (pod.value("sidecar_pid", 0) <= 0) continue;
      ++sidecars;
      const PodLog log = read_pod_log(s, name);
      loaded += log.loaded > 0;
      component_retries += log.component_retries;
      endpoint_retries += log.endpoint_retries;
      breaker_lines += static_cast<int>(log.transitions.size());
      std::set<std::string> breakers;
      for (const auto& t : log.transitions) breakers.insert(t.breaker);
      for (const auto& breaker : breakers)
        if (judge_breaker_cycle(log.transitions, breaker, 0, 0).passed) cycles.push_back(name + ": " + breaker);
      per_pod[name] = {{"resiliency_loaded", log.loaded},
                       {"component_retry_lines", log.component_retries},
                       {"endpoint_retry_lines", log.endpoint_retries},
                       {"breaker_lines", log.transitions.size()}};
    }
  r.evidence["sidecar_logs"] = per_pod;
  r.evidence["breaker_lines"] = breaker_lines;
  r.evidence["breaker_cycles"] = cycles;
  r.check("every sidecar logged \"Loading Resiliency configuration:\"", sidecars > 0 && loaded == sidecars,
          std::to_string(loaded) + "/" + std::to_string(sidecars) + " sidecars");

  // Each fault scenario of this run must have left its policy's lines; without one, any retry line will do.
  const bool kafka_ran = contains(ran, "kafka-unavailable");
  const bool dependency_ran = contains(ran, "failing-dependency");
  if (kafka_ran)
    r.check("pub/sub retries applied (kafka-unavailable)", component_retries > 0,
            std::to_string(component_retries) + " component retry lines");
  if (dependency_ran) {
    r.check("invocation retries applied (failing-dependency)", endpoint_retries > 0,
            std::to_string(endpoint_retries) + " endpoint retry lines");
    std::string detail = std::to_string(cycles.size()) + " breaker(s) went closed -> open -> half-open -> closed";
    for (const auto& c : cycles) detail += "; " + c;
    r.check("breaker transitions applied (failing-dependency)", !cycles.empty(), detail);
  }
  if (!kafka_ran && !dependency_ran)
    r.check("retry lines logged during the scenarios", component_retries + endpoint_retries > 0,
            std::to_string(component_retries + endpoint_retries) + " lines (no fault scenario with retries ran: " +
                std::to_string(ran.size()) + " scenario(s) before this one)");
}

}  // namespace lf::verify
