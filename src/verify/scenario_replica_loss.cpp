// Scenario 4: SIGKILL of one of several replicas under load through the Service.
#include "verify/scenario_support.hpp"

#include <signal.h>

#include <algorithm>
#include <chrono>
#include <thread>

namespace lf::verify {
using namespace std::chrono_literals;
using nlohmann::json;

void replica_loss(PlatformSession& s, const ScenarioOptions& o, ScenarioResult& r) {
  const std::string deployment = "user-progress";
  const std::string service = s.service_url(deployment);
  const int original = static_cast<int>(s.pods_of(deployment).size());
  if (service.empty() || original == 0) {
    r.error = "no user-progress Service or pods";
    return;
  }
  const int replicas = std::max(o.replicas, 2);
  if (original != replicas) {
    auto [code, output] = s.learnflow({"scale", "deployment/" + deployment, "--replicas=" + std::to_string(replicas)}, 30s);
    if (code != 0) {
      r.error = "learnflow scale failed: " + output;
      return;
    }
  }
  struct ScaleBack {
    PlatformSession& s;
    std::string deployment;
    int count, current;
    ~ScaleBack() {
      if (count != current) (void)s.learnflow({"scale", "deployment/" + deployment, "--replicas=" + std::to_string(count)}, 30s);
    }
  } scale_back{s, deployment, original, replicas};
  if (!eventually([&] { return ready_count(s, deployment) == replicas; }, o.settle)) {
    r.error = std::to_string(replicas) + " ready user-progress replicas not reached";
    return;
  }
  const auto victim = s.pods_of(deployment).front();
  const std::string victim_name = victim.value("name", "");
  const int victim_pid = victim.value("pid", 0);
  const int victim_restarts = victim.value("restarts", 0);
  const std::string url = service + "/status?user_id=verify-replica";
  SteadyLoad load([&] { return s.get(url, 5s); }, o.replica_request_period);
  std::this_thread::sleep_for(1s);
  const bool killed = victim_pid > 0 && ::kill(victim_pid, SIGKILL) == 0;
  s.say("SIGKILL to " + victim_name + " (pid " + std::to_string(victim_pid) + ")");
  std::this_thread::sleep_for(o.replica_load);
  const HttpTally tally = load.stop();
  r.evidence["victim"] = {{"pod", victim_name}, {"pid", victim_pid}, {"replicas", replicas}};
  r.evidence["requests"] = tally.to_json();
  r.check("SIGKILL delivered", killed, "pid " + std::to_string(victim_pid));
  r.check("every request through the Service succeeded", tally.total() > 0 && tally.successes() == tally.total(),
          tally.summary());
  json restarted;
  const bool back = eventually([&] {
    for (const auto& p : s.pods_of(deployment))
      if (p.value("name", "") == victim_name) {
        restarted = p;
        return p.value("restarts", 0) > victim_restarts && p.value("ready", false) && p.value("pid", 0) != victim_pid;
      }
    return false;
  }, o.settle + 30s);
  r.evidence["victim_after"] = restarted;
  r.check("the replica was restarted and is ready", back,
          "restarts " + std::to_string(victim_restarts) + " -> " + std::to_string(restarted.value("restarts", 0)) +
              ", ready " + (restarted.value("ready", false) ? "yes" : "no"));
}

}  // namespace lf::verify
