#include "verify/scenarios.hpp"

#include <algorithm>
#include <chrono>

#include "verify/scenario_support.hpp"

namespace lf::verify {
using namespace std::chrono_literals;

ScenarioOptions ScenarioOptions::quick() {
  ScenarioOptions o;
  o.kafka_outage = 10s;
  o.lesson_period = 1000ms;
  o.replica_load = 8s;
  o.settle = 45s;
  o.kafka_slow_phase = 8s;
  return o;
}

const std::vector<Scenario>& scenarios() {
  static const std::vector<Scenario> all{
      {"kafka-unavailable", "Kafka unavailable (broker frozen) while lessons are generated", kafka_unavailable},
      {"kafka-slow", "Kafka slow (latency in front of the broker) while lessons are generated", kafka_slow},
      {"failing-dependency", "user-progress stops answering: the frontend's breaker opens, half-opens, closes", failing_dependency},
      {"replica-loss", "SIGKILL of one of several user-progress replicas under load", replica_loss},
      {"observability", "Targets up, RED series and pub/sub counters match the traffic, one trace frontend -> Kafka -> user-progress", observability},
      {"done-criterion", "Sidecar logs show the resiliency policies loaded and applied", done_criterion},
  };
  return all;
}

const Scenario* find_scenario(const std::string& name) {
  for (const auto& s : scenarios())
    if (s.name == name) return &s;
  return nullptr;
}

std::vector<ScenarioResult> run_scenarios(PlatformSession& session, const std::vector<std::string>& names,
                                          const ScenarioOptions& options, std::ostream& out) {
  std::vector<ScenarioResult> results;
  for (const auto& scenario : scenarios()) {
    if (!names.empty() && std::find(names.begin(), names.end(), scenario.name) == names.end()) continue;
    out << "RUN   " << scenario.name << ": " << scenario.title << std::endl;
    ScenarioResult result;
    result.name = scenario.name;
    result.title = scenario.title;
    const auto started = std::chrono::steady_clock::now();
    try {
      scenario.run(session, options, result);
    } catch (const std::exception& e) {  // a third-party throw ends this scenario only
      result.error = std::string("scenario aborted: ") + e.what();
    }
    result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    out << table_line(result) << std::endl;
    results.push_back(std::move(result));
  }
  return results;
}

}  // namespace lf::verify
