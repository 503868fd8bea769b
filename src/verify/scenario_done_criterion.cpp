// Scenario 6, the task list's done criterion: the sidecar logs show the policies loaded and applied.
#include "verify/scenario_support.hpp"


namespace lf::verify {
using namespace std::chrono_literals;
using nlohmann::json;

void done_criterion(PlatformSession& s, const ScenarioOptions&, ScenarioResult& r) {
  const auto status = s.status();
  int sidecars = 0, loaded = 0, retry_lines = 0, breaker_lines = 0;
  json per_pod = json::object();
  if (status["pods"].is_array())
    for (const auto& pod : status["pods"]) {
      const std::string name = pod.value("name", "");
      if (pod.value("sidecar_pid", 0) <= 0) continue;
      ++sidecars;
      int pod_loaded = 0, pod_retries = 0, pod_breaker = 0;
      for (const auto& line : s.log_lines(name, "daprd")) {
        pod_loaded += line.find(resiliency_loaded_marker) != std::string::npos;
        pod_retries += line.find(retry_marker) != std::string::npos;
        pod_breaker += line.find(breaker_marker) != std::string::npos;
      }
      loaded += pod_loaded > 0;
      retry_lines += pod_retries;
      breaker_lines += pod_breaker;
      per_pod[name] = {{"resiliency_loaded", pod_loaded}, {"retry_lines", pod_retries}, {"breaker_lines", pod_breaker}};
    }
  r.evidence["sidecar_logs"] = per_pod;
  r.check("every sidecar logged \"Loading Resiliency configuration:\"", sidecars > 0 && loaded == sidecars,
          std::to_string(loaded) + "/" + std::to_string(sidecars) + " sidecars");
  r.check("retry lines logged during the scenarios", retry_lines > 0, std::to_string(retry_lines) + " lines");
  // Breaker lines come from the failing-dependency scenario (3), not implemented yet: reported, not judged.
  r.evidence["breaker_lines"] = breaker_lines;
}

}  // namespace lf::verify
