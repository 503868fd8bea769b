// Runs the real `learnflow` binary: deploy/ lints clean, the received fixtures report every real
// problem at its line, usage errors exit 2.
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace {

namespace fs = std::filesystem;

struct RunResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr
};

std::string env_or_fail(const char* name) {
  const char* value = std::getenv(name);
  EXPECT_NE(value, nullptr) << name << " is not set (run through ctest)";
  return value ? value : "";
}

std::string source_dir() { return env_or_fail("LEARNFLOW_SOURCE_DIR"); }
std::string fixtures() { return source_dir() + "/../shared/fixtures"; }

RunResult run_learnflow(const std::string& args) {
  std::string command = env_or_fail("LEARNFLOW_BIN_DIR") + "/learnflow " + args + " 2>&1";
  RunResult result;
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) return result;
  std::array<char, 4096> buffer{};
  while (auto n = fread(buffer.data(), 1, buffer.size(), pipe)) result.output.append(buffer.data(), n);
  int status = pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

// Asserts a line "<file>:<line>:<col>: <severity>: ...<needle>..." in the output.
void expect_reported(const RunResult& r, const std::string& file, int line, const std::string& severity,
                     const std::string& needle) {
  std::string prefix = file + ":" + std::to_string(line) + ":";
  std::size_t pos = 0;
  while ((pos = r.output.find(prefix, pos)) != std::string::npos) {
    auto end = r.output.find('\n', pos);
    std::string text = r.output.substr(pos, end - pos);
    if (text.find(": " + severity + ": ") != std::string::npos && text.find(needle) != std::string::npos) return;
    pos = end;
  }
  ADD_FAILURE() << "expected " << severity << " at " << prefix << " mentioning \"" << needle << "\" in:\n" << r.output;
}

TEST(LintCliTest, DeployFolderIsCleanWithOnlyTheSummary) {
  auto r = run_learnflow("lint " + source_dir() + "/deploy");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output, "learnflow lint: 0 errors, 0 warnings\n");
  auto strict = run_learnflow("lint --warnings-as-errors " + source_dir() + "/deploy");
  EXPECT_EQ(strict.exit_code, 0) << strict.output;
}

TEST(LintCliTest, ReceivedResilienceFileSaysToUseKindResiliency) {
  const std::string file = fixtures() + "/received-phase6/resilience.yaml";
  auto r = run_learnflow("lint " + file);
  EXPECT_EQ(r.exit_code, 1) << r.output;
  for (auto [line, type] : {std::pair{6, "middleware.http.resiliency"}, std::pair{32, "middleware.http.outboundRetry"},
                            std::pair{49, "middleware.http.circuitbreaker"}}) {
    expect_reported(r, file, line, "error", type);
    expect_reported(r, file, line, "error", "kind: Resiliency");
  }
  EXPECT_NE(r.output.find("learnflow lint: 3 errors, 0 warnings"), std::string::npos) << r.output;
}

TEST(LintCliTest, ReceivedPhase6FolderReportsEveryProblemAtItsLine) {
  const std::string dir = fixtures() + "/received-phase6";
  auto r = run_learnflow("lint " + dir);
  EXPECT_EQ(r.exit_code, 1) << r.output;
  expect_reported(r, dir + "/dapr-config.yaml", 12, "warning", "serviceInvocationAggregation");
  expect_reported(r, dir + "/dapr-config.yaml", 18, "warning", "AppHealthCheck");
  expect_reported(r, dir + "/dapr-config.yaml", 29, "error", "exporters.zipkin");
  expect_reported(r, dir + "/dapr-config.yaml", 29, "error", "spec.tracing.zipkin");
  expect_reported(r, dir + "/hpa-course-agent.yaml", 10, "warning", "dapr.io/sidecar-cpu-request");
  expect_reported(r, dir + "/hpa-frontend.yaml", 10, "warning", "dapr.io/sidecar-cpu-request");
  expect_reported(r, dir + "/resilience.yaml", 6, "error", "kind: Resiliency");
}

TEST(LintCliTest, ReceivedAppFolderReportsEveryProblemAtItsLine) {
  const std::string dir = fixtures() + "/received-app";
  auto r = run_learnflow("lint " + dir);
  EXPECT_EQ(r.exit_code, 1) << r.output;
  expect_reported(r, dir + "/config.yaml", 9, "warning", "/api/v1/spans");
  expect_reported(r, dir + "/config.yaml", 15, "warning", "AppHealthCheck");
  expect_reported(r, dir + "/config.yaml", 20, "error", "defaultAccess \"restricted\"");
  expect_reported(r, dir + "/pubsub.yaml", 11, "warning", "consumer group \"learnflow-consumer-group\"");
  expect_reported(r, dir + "/pubsub.yaml", 15, "warning", "authRequired is deprecated");
  expect_reported(r, dir + "/statestore.yaml", 11, "warning", "metadata table is not a state.postgresql field");
  expect_reported(r, dir + "/statestore.yaml", 13, "warning", "metadata schema is not a state.postgresql field");
  expect_reported(r, dir + "/statestore.yaml", 15, "warning", "actorStateStore");
}

TEST(LintCliTest, WarningsAsErrorsTurnsWarningsIntoExitOne) {
  const std::string file = fixtures() + "/received-app/statestore.yaml";
  EXPECT_EQ(run_learnflow("lint " + file).exit_code, 0);
  EXPECT_EQ(run_learnflow("lint --warnings-as-errors " + file).exit_code, 1);
}

TEST(LintCliTest, JsonOutputIsMachineReadable) {
  const std::string file = fixtures() + "/received-app/config.yaml";
  auto r = run_learnflow("lint -o json " + file);
  EXPECT_EQ(r.exit_code, 1);
  auto json = nlohmann::json::parse(r.output, nullptr, false);
  ASSERT_FALSE(json.is_discarded()) << r.output;
  EXPECT_EQ(json["errors"], 1);
  EXPECT_EQ(json["warnings"], 2);
  ASSERT_EQ(json["diagnostics"].size(), 3u);
  const auto& first = json["diagnostics"][0];
  EXPECT_EQ(first["file"], file);
  EXPECT_EQ(first["line"], 9);
  EXPECT_EQ(first["severity"], "warning");
}

TEST(LintCliTest, UsageErrorsExitTwo) {
  EXPECT_EQ(run_learnflow("").exit_code, 2);
  EXPECT_EQ(run_learnflow("lint").exit_code, 2);
  EXPECT_EQ(run_learnflow("lint -o xml deploy").exit_code, 2);
  EXPECT_EQ(run_learnflow("lint --no-such-flag deploy").exit_code, 2);
  EXPECT_EQ(run_learnflow("frobnicate").exit_code, 2);
  EXPECT_EQ(run_learnflow("--help").exit_code, 0);
}

TEST(LintCliTest, MissingPathIsAnError) {
  auto r = run_learnflow("lint /nonexistent/learnflow-path");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("/nonexistent/learnflow-path: error: no such file or directory"), std::string::npos)
      << r.output;
}

TEST(LintCliTest, NeverCrashesOnHostileFiles) {
  auto dir = fs::temp_directory_path() / ("learnflow-lint-test-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const char* inputs[] = {
      "{{{{",
      "apiVersion: [\nkind: ",
      "---\n---\n",
      "apiVersion: dapr.io/v1alpha1\nkind: Component\nspec: {metadata: 5}\n",
      "apiVersion: apps/v1\nkind: Deployment\nspec: {template: {spec: {containers: [[], 3, {resources: 4}]}}}\n",
      "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nspec: {metrics: [{type: Resource}], behavior: 1}\n",
      "apiVersion: dapr.io/v1alpha1\nkind: Resiliency\nspec: {targets: {components: {x: {outbound: 7}}}}\n",
      "apiVersion: v1\nkind: Service\nspec: {ports: [{port: x, targetPort: []}]}\n",
      "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [missing.yaml, [1]]\n",
      "apiVersion: dapr.io/v1alpha1\nkind: Configuration\nspec: {nameResolution: {component: sqlite, configuration: 3}}\n",
      "\xff\xfe\x00garbage",
  };
  int i = 0;
  for (const char* text : inputs) {
    std::ofstream(dir / ("f" + std::to_string(i++) + ".yaml"), std::ios::binary) << text;
  }
  auto r = run_learnflow("lint " + dir.string());
  fs::remove_all(dir);
  EXPECT_EQ(r.exit_code, 1) << r.output;  // errors, not a crash (a signal would give -1)
  EXPECT_NE(r.output.find("learnflow lint: "), std::string::npos) << r.output;
}

}  // namespace
