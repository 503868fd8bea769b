// End to end (issue 5, "Must show"): `learnflow up -d` on deploy/ with a temporary state directory;
// lessons generated through the frontend Service are persisted; Prometheus reports up == 1 for
// every target and has the Dapr and platform series; a replica killed with SIGKILL is restarted
// while requests through its Service keep succeeding; `learnflow down` leaves no process behind;
// a second `up` finds the earlier lessons.
#include <signal.h>

#include <gtest/gtest.h>

#include "http/url.hpp"
#include "support/platform_harness.hpp"

namespace {
using namespace lf::testing::platform;

// Number of series a PromQL query returns (-1 on error).
int series(const std::string& prometheus, const std::string& query) {
  auto doc = get_json(prometheus + "/api/v1/query?query=" + lf::http::url::percent_encode(query));
  if (!doc.is_object() || doc["status"] != "success") return -1;
  return static_cast<int>(doc["data"]["result"].size());
}

std::vector<int> pids_of(const json& status) {
  std::vector<int> pids;
  for (const auto& p : status["pods"])
    for (const char* key : {"pid", "sidecar_pid"})
      if (p.value(key, 0) > 0) pids.push_back(p.value(key, 0));
  for (const auto& i : status["infrastructure"])
    if (i.value("pid", 0) > 0) pids.push_back(i.value("pid", 0));
  return pids;
}

TEST(LearnflowUp, EndToEnd) {
  Platform platform("lf-up-e2e");
  if (auto missing = platform.missing_prerequisite(); !missing.empty()) GTEST_SKIP() << missing;

  auto up = platform.up();
  ASSERT_EQ(up.code, 0) << up.output;
  json status = platform.status();
  ASSERT_TRUE(status.is_object()) << "status -o json";
  for (const char* key : {"services", "pods", "deployments", "infrastructure"}) ASSERT_TRUE(status.contains(key)) << key;
  ASSERT_EQ(status["pods"].size(), 3u);
  for (const auto& pod : status["pods"]) {
    EXPECT_TRUE(pod["ready"].get<bool>()) << pod.dump();
    EXPECT_GT(pod["pid"].get<int>(), 0);
    EXPECT_GT(pod["sidecar_pid"].get<int>(), 0);
  }
  for (const auto& i : status["infrastructure"]) EXPECT_TRUE(i["ready"].get<bool>()) << i.dump();
  const std::string frontend = service_url(status, "learnflow-frontend");
  const std::string user_progress = service_url(status, "user-progress");
  const std::string prometheus = infrastructure(status, "prometheus").value("url", "");
  ASSERT_FALSE(frontend.empty());
  ASSERT_FALSE(prometheus.empty());

  // Lessons through the frontend Service.
  auto curriculum = get_json(frontend + "/api/curriculum");
  ASSERT_TRUE(curriculum.is_object());
  const std::string topic = curriculum["topics"][0]["id"];
  for (int i = 0; i < 3; ++i) {
    auto r = post_json(frontend + "/api/lessons", {{"user_id", "e2e-learner"}, {"topic", topic}, {"difficulty", "beginner"}});
    ASSERT_TRUE(r);
    ASSERT_EQ(r->status, 201) << r->body;
  }
  auto lessons = get_json(frontend + "/api/lessons?user_id=e2e-learner");
  ASSERT_EQ(lessons["lessons"].size(), 3u) << lessons.dump();

  // Prometheus: every target up, Dapr and platform series present.
  EXPECT_TRUE(eventually(
      [&] {
        auto targets = get_json(prometheus + "/api/v1/targets");
        if (!targets.is_object()) return false;
        const auto& active = targets["data"]["activeTargets"];
        if (active.size() < 9) return false;  // 3 sidecars, 3 apps, 3 platform paths
        for (const auto& t : active)
          if (t["health"] != "up") return false;
        return series(prometheus, "up == 0") == 0;
      },
      90s))
      << get_json(prometheus + "/api/v1/targets").dump();
  for (const char* query : {"dapr_http_server_request_count", "dapr_component_pubsub_egress_count",
                            "kube_deployment_spec_replicas", "kube_deployment_status_replicas_available",
                            "kube_pod_info{node!=\"\"}", "kube_pod_status_ready{condition=\"true\"}",
                            "kube_pod_container_resource_requests{resource=\"cpu\",unit=\"core\"}",
                            "container_cpu_usage_seconds_total", "container_memory_working_set_bytes",
                            "kube_horizontalpodautoscaler_spec_max_replicas"})
    EXPECT_TRUE(eventually([&] { return series(prometheus, query) > 0; }, 60s)) << query;

  // Replica loss: two user-progress replicas, SIGKILL one, requests through the Service keep succeeding.
  auto scaled = platform.cli({"scale", "deployment/user-progress", "--replicas=2"});
  ASSERT_EQ(scaled.code, 0) << scaled.output;
  auto ready_user_progress = [&](json& s) {
    s = platform.status();
    int ready = 0;
    for (const auto& p : s["pods"])
      if (p["deployment"] == "user-progress" && p["ready"].get<bool>()) ++ready;
    return ready;
  };
  ASSERT_TRUE(eventually([&] { return ready_user_progress(status) == 2; }, 60s)) << status.dump();
  std::string victim;
  int victim_pid = 0;
  for (const auto& p : status["pods"])
    if (p["deployment"] == "user-progress") {
      victim = p["name"];
      victim_pid = p["pid"];
      break;
    }
  ASSERT_EQ(::kill(victim_pid, SIGKILL), 0);
  int ok = 0, failed = 0;
  const auto until = std::chrono::steady_clock::now() + 15s;
  while (std::chrono::steady_clock::now() < until) {
    auto r = get(user_progress + "/status?user_id=e2e-learner");
    (r && r->status == 200) ? ++ok : ++failed;
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_EQ(failed, 0) << ok << " succeeded";
  EXPECT_GE(ok, 20);  // at least a request every 0.75 s, even on a loaded machine
  EXPECT_TRUE(eventually(
      [&] {
        status = platform.status();
        for (const auto& p : status["pods"])
          if (p["name"] == victim) return p["restarts"].get<int>() >= 1 && p["ready"].get<bool>() && p["pid"] != victim_pid;
        return false;
      },
      60s))
      << status.dump();

  // down: nothing left behind.
  status = platform.status();
  const auto pids = pids_of(status);
  auto down = platform.cli({"down"});
  ASSERT_EQ(down.code, 0) << down.output;
  EXPECT_EQ(run({"pgrep", "-f", platform.state()}).code, 1) << "a process still names " << platform.state();
  for (int pid : pids) EXPECT_NE(::kill(pid, 0), 0) << "pid " << pid << " survived down";

  // A second up finds the earlier lessons.
  auto again = platform.up();
  ASSERT_EQ(again.code, 0) << again.output;
  status = platform.status();
  const std::string frontend_again = service_url(status, "learnflow-frontend");
  auto persisted = get_json(frontend_again + "/api/lessons?user_id=e2e-learner");
  EXPECT_EQ(persisted["lessons"].size(), 3u) << persisted.dump();
  auto final_down = platform.cli({"down"});
  EXPECT_EQ(final_down.code, 0) << final_down.output;
  EXPECT_EQ(run({"pgrep", "-f", platform.state()}).code, 1);
}

}  // namespace
