// End to end (issue 5, "Must show"): `learnflow up -d` on deploy/ with a temporary state directory;
// lessons generated through the frontend Service are persisted; Prometheus reports up == 1 for
// every target and has the Dapr and platform series; a replica killed with SIGKILL is restarted
// while requests through its Service keep succeeding; `learnflow down` leaves no process behind;
// a second `up` finds the earlier lessons.
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "http/client.hpp"
#include "kafka/broker.hpp"
#include "process/process.hpp"

namespace {
namespace fs = std::filesystem;
using nlohmann::json;
using namespace std::chrono_literals;

std::string env_or(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v && *v ? v : fallback;
}

struct Run {
  int code = -1;
  std::string output;
};

// Runs a command to completion with its output captured (never through a shell).
Run run(const std::vector<std::string>& argv, std::chrono::seconds timeout = 240s) {
  auto p = lf::process::Process::spawn({.argv = argv, .output = lf::process::Output::pipe});
  if (!p) return {-1, p.error().message};
  Run r;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (p->is_running() && std::chrono::steady_clock::now() < deadline) {
    r.output += p->read_available_output();
    std::this_thread::sleep_for(50ms);
  }
  r.output += p->read_available_output();
  auto status = p->wait_for(1s);
  r.code = status && status->exited ? status->code : -1;
  return r;
}

class Platform {
 public:
  Platform() {
    char tmpl[] = "/tmp/lf-up-e2e-XXXXXX";
    dir_ = ::mkdtemp(tmpl);
    state_ = dir_ + "/.learnflow";
    bin_ = env_or("LEARNFLOW_PLATFORM_BIN_DIR", env_or("LEARNFLOW_BIN_DIR", ""));
    learnflow_ = env_or("LEARNFLOW_BIN_DIR", "") + "/learnflow";
    deploy_ = env_or("LEARNFLOW_SOURCE_DIR", ".") + "/deploy";
  }
  // Whatever happened, nothing is left running.
  ~Platform() {
    (void)run({learnflow_, "down", "--state-dir", state_});
    fs::remove_all(dir_);
  }
  std::string missing_prerequisite() const {
    for (const char* b : {"learnflow-sidecar", "course-agent", "user-progress", "learnflow-frontend"})
      if (::access((bin_ + "/" + b).c_str(), X_OK) != 0) return bin_ + "/" + b + " is not built";
    if (::access(learnflow_.c_str(), X_OK) != 0) return learnflow_ + " is not built";
    if (!fs::exists(lf::kafka::default_classpath_file())) return "the Kafka jars are not fetched (scripts/fetch-kafka.sh)";
    if (::access("/usr/bin/prometheus", X_OK) != 0) return "prometheus is not installed";
    return {};
  }
  Run up() {
    return run({learnflow_, "up", "-d", "-f", deploy_, "--state-dir", state_, "--bin-dir", bin_, "--frontend-port", "0",
                "--prometheus-port", "0", "--ready-timeout", "120"});
  }
  Run cli(std::vector<std::string> args) {
    args.insert(args.begin(), learnflow_);
    args.insert(args.end(), {"--state-dir", state_});
    return run(args, 150s);
  }
  json status() {
    auto r = cli({"status", "-o", "json"});
    return json::parse(r.output, nullptr, false);
  }
  const std::string& state() const { return state_; }

 private:
  std::string dir_, state_, bin_, learnflow_, deploy_;
};

std::string service_url(const json& status, const std::string& name) {
  for (const auto& s : status["services"])
    if (s["name"] == name) return s["url"];
  return {};
}

std::string infrastructure_url(const json& status, const std::string& name) {
  for (const auto& i : status["infrastructure"])
    if (i["name"] == name) return i.value("url", i.value("address", ""));
  return {};
}

lf::Expected<lf::http::Response, lf::http::ClientError> get(const std::string& url) {
  return lf::http::fetch(url, {}, 5s);
}

json get_json(const std::string& url) {
  auto r = get(url);
  if (!r || r->status != 200) return json();
  return json::parse(r->body, nullptr, false);
}

std::string url_encode(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.') out += static_cast<char>(c);
    else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

// Number of series a PromQL query returns (-1 on error).
int series(const std::string& prometheus, const std::string& query) {
  auto doc = get_json(prometheus + "/api/v1/query?query=" + url_encode(query));
  if (!doc.is_object() || doc["status"] != "success") return -1;
  return static_cast<int>(doc["data"]["result"].size());
}

template <typename Predicate>
bool eventually(Predicate predicate, std::chrono::seconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (predicate()) return true;
    std::this_thread::sleep_for(500ms);
  }
  return predicate();
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
  Platform platform;
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
  const std::string prometheus = infrastructure_url(status, "prometheus");
  ASSERT_FALSE(frontend.empty());
  ASSERT_FALSE(prometheus.empty());

  // Lessons through the frontend Service.
  auto curriculum = get_json(frontend + "/api/curriculum");
  ASSERT_TRUE(curriculum.is_object());
  const std::string topic = curriculum["topics"][0]["id"];
  for (int i = 0; i < 3; ++i) {
    lf::http::Request request;
    request.method = "POST";
    request.headers.set("Content-Type", "application/json");
    request.body = json{{"user_id", "e2e-learner"}, {"topic", topic}, {"difficulty", "beginner"}}.dump();
    auto r = lf::http::fetch(frontend + "/api/lessons", request, 30s);
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
