#pragma once
// The acceptance scenarios of issue 6, each judged only from evidence it collects.
#include <chrono>
#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include "verify/platform_session.hpp"
#include "verify/report.hpp"

namespace lf::verify {

struct ScenarioOptions {
  std::chrono::seconds kafka_outage{30};             // how long the broker is frozen
  std::chrono::milliseconds lesson_period{500};      // one lesson request every period
  std::chrono::seconds replica_load{20};             // load kept up after the SIGKILL
  std::chrono::milliseconds replica_request_period{100};
  int replicas = 2;
  double spacing_tolerance_s = 0.5;                  // allowed distance of the median retry gap
  std::chrono::seconds settle{60};                   // bound for recovery evidence (persisted, outbox 0, restart)
  // kafka-slow (2): latency added by the fault proxy in front of Kafka
  std::chrono::seconds kafka_slow_phase{20};          // mild phase; slow phase (at least until its probe ends)
  std::chrono::milliseconds kafka_mild_latency{150};  // each way, well below the publish timeout
  std::chrono::milliseconds kafka_slow_latency{0};    // each way; 0 = 3/4 of the publish timeout (round trip 1.5x it)
  // failing-dependency (3)
  std::chrono::milliseconds progress_period{250};    // one GET /api/progress through the frontend every period
  std::chrono::milliseconds fail_fast_p99{100};      // bound on invocations refused by the open breaker
  std::chrono::seconds frontend_deadline{6};         // learnflow-frontend's own call timeout (services/common/service_runner.cpp)
  std::chrono::seconds dependency_freeze_limit{18};  // user-progress's liveness probe (10s x 3) restarts a frozen app after ~20s
  std::vector<std::string> chosen_scenarios;         // the --scenario names (empty: all); done-criterion reports them

  static ScenarioOptions quick();
};

struct Scenario {
  std::string name;
  std::string title;
  std::function<void(PlatformSession&, const ScenarioOptions&, ScenarioResult&)> run;
};

// In the order they run.
const std::vector<Scenario>& scenarios();
const Scenario* find_scenario(const std::string& name);

// Runs the chosen scenarios (all when names is empty), printing progress and one line each.
std::vector<ScenarioResult> run_scenarios(PlatformSession& session, const std::vector<std::string>& names,
                                          const ScenarioOptions& options, std::ostream& out);

}  // namespace lf::verify
