// `learnflow verify --quick` end to end: it starts its own platform on a state directory, runs
// every finished scenario against real faults, exits 0, writes the Markdown and JSON reports, and
// leaves no process behind.
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "kafka/broker.hpp"
#include "process/process.hpp"

namespace {
namespace fs = std::filesystem;
using namespace std::chrono_literals;

std::string env_or(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v && *v ? v : fallback;
}

struct Run {
  int code = -1;
  std::string output;
};

Run run(const std::vector<std::string>& argv, std::chrono::seconds timeout) {
  auto p = lf::process::Process::spawn({.argv = argv, .output = lf::process::Output::pipe});
  if (!p) return {-1, p.error().message};
  Run r;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (p->is_running() && std::chrono::steady_clock::now() < deadline) {
    r.output += p->read_available_output();
    std::this_thread::sleep_for(100ms);
  }
  r.output += p->read_available_output();
  auto status = p->is_running() ? p->stop(5s) : p->wait();
  r.code = status.exited ? status.code : -1;
  return r;
}

// Whatever happens, the platform of the state directory is stopped and the folder removed.
struct Workspace {
  std::string dir, state, learnflow;
  Workspace() {
    char pattern[] = "/tmp/lf-verify-e2e-XXXXXX";
    dir = ::mkdtemp(pattern);
    state = dir + "/.learnflow";
    learnflow = env_or("LEARNFLOW_BIN_DIR", "") + "/learnflow";
  }
  ~Workspace() {
    (void)run({learnflow, "down", "--state-dir", state}, 120s);
    fs::remove_all(dir);
  }
};

TEST(LearnflowVerify, QuickRunPassesWithEvidence) {
  Workspace ws;
  const std::string bin = env_or("LEARNFLOW_BIN_DIR", "");
  for (const char* b : {"learnflow", "learnflow-sidecar", "course-agent", "user-progress", "learnflow-frontend"})
    if (::access((bin + "/" + b).c_str(), X_OK) != 0) GTEST_SKIP() << bin << "/" << b << " is not built";
  if (!fs::exists(lf::kafka::default_classpath_file())) GTEST_SKIP() << "Kafka jars not fetched";
  if (::access("/usr/bin/prometheus", X_OK) != 0) GTEST_SKIP() << "prometheus is not installed";

  const std::string report = ws.dir + "/report.md";
  auto verify = run({ws.learnflow, "verify", "--quick", "--report", report, "--state-dir", ws.state, "--bin-dir", bin, "-f",
                     env_or("LEARNFLOW_SOURCE_DIR", ".") + "/deploy"},
                    480s);
  EXPECT_EQ(verify.code, 0) << verify.output;

  std::ifstream json_in(report + ".json");
  auto doc = nlohmann::json::parse(json_in, nullptr, false);
  ASSERT_TRUE(doc.is_object()) << verify.output;
  EXPECT_TRUE(doc["passed"].get<bool>()) << doc.dump(2);
  EXPECT_TRUE(doc["run"]["quick"].get<bool>());
  std::map<std::string, nlohmann::json> by_name;
  for (const auto& s : doc["scenarios"]) by_name[s["name"]] = s;
  for (const char* name :
       {"kafka-unavailable", "kafka-slow", "failing-dependency", "replica-loss", "observability", "done-criterion"}) {
    ASSERT_TRUE(by_name.count(name)) << name;
    EXPECT_TRUE(by_name[name]["passed"].get<bool>()) << by_name[name].dump(2);
  }
  const auto& kafka = by_name["kafka-unavailable"]["evidence"];
  EXPECT_GT(kafka["requests"]["total"].get<int>(), 0);
  EXPECT_EQ(kafka["requests"]["successes"], kafka["requests"]["total"]);
  EXPECT_GT(kafka["retry_activations"]["after"].get<double>(), kafka["retry_activations"]["before"].get<double>());
  EXPECT_EQ(kafka["retry_spacing"]["probe_status"], 500);
  EXPECT_NEAR(kafka["retry_spacing"]["implied_interval_s"].get<double>(),
              kafka["retry_spacing"]["expected_interval_s"].get<double>(), kafka["retry_spacing"]["tolerance_s"].get<double>());
  EXPECT_EQ(kafka["persisted"]["once"], kafka["persisted"]["expected"]);
  EXPECT_EQ(kafka["outbox_depth"], 0);
  const auto& breaker = by_name["failing-dependency"]["evidence"];
  EXPECT_GE(breaker["trip"]["failures_by_open"].get<int>(), breaker["policy"]["trip_failures"].get<int>());
  EXPECT_TRUE(by_name["observability"]["evidence"]["targets"]["down"].empty());
  const auto& replica = by_name["replica-loss"]["evidence"];
  EXPECT_EQ(replica["requests"]["successes"], replica["requests"]["total"]);
  EXPECT_GE(replica["victim_after"]["restarts"].get<int>(), 1);
  std::ifstream md_in(report);
  std::string markdown((std::istreambuf_iterator<char>(md_in)), std::istreambuf_iterator<char>());
  EXPECT_NE(markdown.find("| kafka-unavailable | PASS |"), std::string::npos) << markdown;

  // verify stopped the platform it started.
  EXPECT_EQ(run({"pgrep", "-f", ws.state}, 10s).code, 1) << "a process still names " << ws.state;
}

}  // namespace
