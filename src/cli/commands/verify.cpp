// `learnflow verify`: the acceptance scenarios of issue 6 with real faults, judged from evidence
// (src/verify). Starts its own platform on a temporary state directory, or attaches to a running
// one with --state-dir DIR.
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>

#include "cli/command.hpp"
#include "verify/platform_session.hpp"
#include "verify/scenarios.hpp"

namespace lf::cli {
namespace {

struct VerifyOptions {
  std::vector<std::string> scenarios;
  std::string report;
  bool quick = false;
  std::string state_dir;
  std::string manifests = "deploy";
  std::string bin_dir;
  int kafka_outage_s = -1;
  int lesson_period_ms = -1;
  int replica_load_s = -1;
  int replicas = -1;
  double spacing_tolerance_s = -1;
  int kafka_slow_phase_s = -1;
  int kafka_mild_latency_ms = -1;
  int kafka_slow_latency_ms = -1;
  int progress_period_ms = -1;
  int fail_fast_ms = -1;
};

std::string self_executable() {
  std::error_code ec;
  auto path = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::string("learnflow") : path.string();
}

// `learnflow down` SIGKILLs every learnflow process whose command line names the state directory,
// which would include this one when it started the platform there. So the directory moves from
// the command line to the environment (re-exec without --state-dir) before anything starts.
constexpr const char* state_dir_env = "LEARNFLOW_VERIFY_STATE_DIR";

void reexec_without_state_dir(const std::string& state_dir) {
  std::ifstream in("/proc/self/cmdline", std::ios::binary);
  std::vector<std::string> args;
  for (std::string arg; std::getline(in, arg, '\0');) args.push_back(arg);
  std::vector<std::string> kept;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--state-dir") {
      ++i;
      continue;
    }
    if (args[i].rfind("--state-dir=", 0) == 0) continue;
    kept.push_back(args[i]);
  }
  if (kept.empty() || kept.size() == args.size()) return;  // nothing to hide: carry on in this process
  ::setenv(state_dir_env, std::filesystem::absolute(state_dir).c_str(), 1);
  std::vector<char*> argv;
  for (auto& a : kept) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::cout.flush();
  ::execv(self_executable().c_str(), argv.data());  // returns only on failure: carry on here
}

bool write_text(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
  return static_cast<bool>(out);
}

int run_verify(VerifyOptions o) {
  if (o.state_dir.empty())
    if (const char* from_env = std::getenv(state_dir_env)) o.state_dir = from_env;
  for (const auto& name : o.scenarios)
    if (!verify::find_scenario(name)) {
      std::cerr << "learnflow verify: unknown scenario " << name << " (known:";
      for (const auto& s : verify::scenarios()) std::cerr << " " << s.name;
      std::cerr << ")\n";
      return kExitUsage;
    }
  auto options = o.quick ? verify::ScenarioOptions::quick() : verify::ScenarioOptions{};
  if (o.kafka_outage_s >= 0) options.kafka_outage = std::chrono::seconds(o.kafka_outage_s);
  if (o.lesson_period_ms > 0) options.lesson_period = std::chrono::milliseconds(o.lesson_period_ms);
  if (o.replica_load_s >= 0) options.replica_load = std::chrono::seconds(o.replica_load_s);
  if (o.replicas > 0) options.replicas = o.replicas;
  if (o.spacing_tolerance_s >= 0) options.spacing_tolerance_s = o.spacing_tolerance_s;
  if (o.kafka_slow_phase_s > 0) options.kafka_slow_phase = std::chrono::seconds(o.kafka_slow_phase_s);
  if (o.kafka_mild_latency_ms >= 0) options.kafka_mild_latency = std::chrono::milliseconds(o.kafka_mild_latency_ms);
  if (o.kafka_slow_latency_ms > 0) options.kafka_slow_latency = std::chrono::milliseconds(o.kafka_slow_latency_ms);
  if (o.progress_period_ms > 0) options.progress_period = std::chrono::milliseconds(o.progress_period_ms);
  if (o.fail_fast_ms > 0) options.fail_fast_p99 = std::chrono::milliseconds(o.fail_fast_ms);
  options.chosen_scenarios = o.scenarios;

  // An existing running platform in --state-dir is used as is; otherwise one is started there (or
  // in a temporary directory) and stopped at the end.
  const bool attach = !o.state_dir.empty() && std::filesystem::exists(o.state_dir + "/status.json") &&
                      std::filesystem::exists(o.state_dir + "/supervisor.pid");
  if (!attach && !o.state_dir.empty() && !std::getenv(state_dir_env)) reexec_without_state_dir(o.state_dir);
  std::vector<verify::ScenarioResult> results;
  nlohmann::json run_info{{"quick", o.quick},
                          {"attached", attach},
                          {"kafka_outage_s", options.kafka_outage.count()},
                          {"lesson_period_ms", options.lesson_period.count()},
                          {"replica_load_s", options.replica_load.count()},
                          {"replicas", options.replicas},
                          {"spacing_tolerance_s", options.spacing_tolerance_s},
                          {"kafka_slow_phase_s", options.kafka_slow_phase.count()},
                          {"kafka_mild_latency_ms", options.kafka_mild_latency.count()},
                          {"kafka_slow_latency_ms", options.kafka_slow_latency.count()},
                          {"progress_period_ms", options.progress_period.count()},
                          {"fail_fast_p99_ms", options.fail_fast_p99.count()}};
  {
    auto session = verify::PlatformSession::open({.learnflow_binary = self_executable(),
                                                  .state_dir = o.state_dir,
                                                  .manifests_dir = o.manifests,
                                                  .bin_dir = o.bin_dir,
                                                  .attach = attach,
                                                  .progress = &std::cout});
    if (!session) {
      verify::ScenarioResult failed;
      failed.name = "platform";
      failed.title = "start or attach to the platform";
      failed.error = session.error();
      std::cout << verify::table_line(failed) << std::endl;
      results.push_back(std::move(failed));
    } else {
      results = verify::run_scenarios(**session, o.scenarios, options, std::cout);
    }
  }
  const auto report = verify::json_report(results, run_info);
  if (!o.report.empty()) {
    if (!write_text(o.report, verify::markdown_report(results, run_info)) ||
        !write_text(o.report + ".json", report.dump(2) + "\n")) {
      std::cerr << "learnflow verify: cannot write " << o.report << "\n";
      return kExitFailure;
    }
    std::cout << "report: " << o.report << " and " << o.report << ".json\n";
  }
  const bool passed = report.value("passed", false);
  std::cout << (passed ? "verify: all scenarios passed\n" : "verify: FAILED\n");
  return passed ? kExitOk : kExitFailure;
}

RegisterCommand reg{"verify", "Run the resilience acceptance scenarios with real faults", [](CLI::App& cmd) {
  auto o = std::make_shared<VerifyOptions>();
  cmd.add_option("--scenario", o->scenarios, "Scenario to run (repeatable; default all)");
  cmd.add_option("--report", o->report, "Write a Markdown report to FILE and the JSON evidence to FILE.json");
  cmd.add_flag("--quick", o->quick, "Short durations (CI)");
  cmd.add_option("--state-dir", o->state_dir,
                 "A running platform's state directory (used as is), or where to start one (default: a temporary one)");
  cmd.add_option("-f,--filename", o->manifests, "Manifests folder for the platform it starts")->capture_default_str();
  cmd.add_option("--bin-dir", o->bin_dir, "Binaries for the platform it starts");
  cmd.add_option("--kafka-outage", o->kafka_outage_s, "Seconds the broker stays frozen (default 30, quick 10)");
  cmd.add_option("--lesson-period-ms", o->lesson_period_ms, "One lesson request every N ms (default 500, quick 1000)");
  cmd.add_option("--replica-load", o->replica_load_s, "Seconds of load after the SIGKILL (default 20, quick 8)");
  cmd.add_option("--replicas", o->replicas, "Replicas during replica-loss (default 2)");
  cmd.add_option("--spacing-tolerance", o->spacing_tolerance_s, "Seconds allowed around the expected retry gap (0.5)");
  cmd.add_option("--kafka-slow-phase", o->kafka_slow_phase_s, "kafka-slow: seconds of each latency phase (default 20, quick 8)");
  cmd.add_option("--kafka-mild-latency-ms", o->kafka_mild_latency_ms, "kafka-slow: mild latency each way (default 150)");
  cmd.add_option("--kafka-slow-latency-ms", o->kafka_slow_latency_ms,
                 "kafka-slow: latency each way above the publish timeout (default 3/4 of it: 1500)");
  cmd.add_option("--progress-period-ms", o->progress_period_ms,
                 "failing-dependency: one GET /api/progress through the frontend every N ms (250)");
  cmd.add_option("--fail-fast-ms", o->fail_fast_ms, "failing-dependency: p99 bound on calls refused by the open breaker (100)");
  return [o] { return run_verify(*o); };
}};

}  // namespace
}  // namespace lf::cli
