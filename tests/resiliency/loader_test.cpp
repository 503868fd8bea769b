#include "resiliency/loader.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include <unistd.h>

#include "log/log.hpp"
#include "metrics/metrics.hpp"
#include "resiliency/telemetry.hpp"

namespace lf::resiliency {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;

struct TempDir {
  fs::path path;
  TempDir() {
    static int counter = 0;
    path = fs::temp_directory_path() /
           ("lf-resiliency-" + std::to_string(::getpid()) + "-" + std::to_string(++counter));
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  void write(const std::string& name, const std::string& text) const {
    fs::create_directories((path / name).parent_path());
    std::ofstream(path / name) << text;
  }
};

std::string resiliency(const std::string& name, const std::string& extra = "") {
  return "apiVersion: dapr.io/v1alpha1\nkind: Resiliency\nmetadata:\n  name: " + name +
         "\nspec:\n  policies:\n    timeouts:\n      t: 1s\n" + extra;
}

TEST(Loader, ReadsTopLevelYamlFilesInNameOrder) {
  TempDir one, two;
  one.write("b.yaml", resiliency("second"));
  one.write("a.yml", resiliency("first") + "---\n" + resiliency("first-doc2"));
  one.write("component.yaml", "apiVersion: dapr.io/v1alpha1\nkind: Component\nmetadata:\n  name: pubsub\n");
  one.write("notes.txt", "hello");
  one.write("broken.yaml", "kind: Resiliency\nspec: [1,\n");
  one.write("invalid.yaml", resiliency("invalid", "    retries:\n      r: {policy: linear}\n"));
  one.write("nested/deeper.yaml", resiliency("nested"));
  two.write("z.yaml", resiliency("third"));

  log::CaptureSink logs;
  metrics::Registry registry;
  TelemetryObserver observer("course-agent", registry);
  Diagnostics diags;
  auto loaded = load_resiliency({one.path.string(), two.path.string()}, &observer, &diags);
  std::vector<std::string> names;
  for (const auto& r : loaded) names.push_back(r.name);
  EXPECT_THAT(names, ElementsAre("first", "first-doc2", "second", "third"));
  EXPECT_EQ(loaded.front().file, (one.path / "a.yml").string());

  EXPECT_TRUE(logs.contains("level=warning msg=\"A non-YAML resiliency file " + (one.path / "notes.txt").string() +
                            " was detected, it will not be loaded\""));
  EXPECT_TRUE(logs.contains("level=error msg=\"Could not parse resiliency file " + (one.path / "broken.yaml").string() +
                            ": " + (one.path / "broken.yaml").string() + ":3:1: YAML syntax error"));
  EXPECT_TRUE(logs.contains("level=error msg=\"Could not read resiliency policy invalid: " +
                            (one.path / "invalid.yaml").string() +
                            ":10:19: spec.policies.retries.r.policy \\\"linear\\\" is not a retry policy\""));
  EXPECT_EQ(diags.error_count(), 2u);
}

}  // namespace
}  // namespace lf::resiliency
