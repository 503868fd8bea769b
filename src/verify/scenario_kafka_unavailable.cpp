// Scenario 1: the broker is frozen while lessons are generated (see README.md, "Scenarios that exist").
#include "verify/scenario_support.hpp"

#include <signal.h>

#include <chrono>
#include <map>
#include <thread>

#include "core/uuid.hpp"
#include "verify/publish_policy.hpp"

namespace lf::verify {
using namespace std::chrono_literals;
using nlohmann::json;

void kafka_unavailable(PlatformSession& s, const ScenarioOptions& o, ScenarioResult& r) {
  const std::string frontend = s.service_url("learnflow-frontend");
  const std::string user_progress = s.service_url("user-progress");
  const int kafka_pid = std::atoi(s.infrastructure_field("kafka", "pid").c_str());
  auto agents = s.pods_of("course-agent");
  auto policy = read_publish_policy(s.state_dir());
  if (frontend.empty() || user_progress.empty() || kafka_pid <= 0 || agents.empty() || !policy) {
    r.error = "platform incomplete: frontend/user-progress Service, Kafka pid, course-agent pod or the pub/sub "
              "outbound retry policy (dapr/resources/resiliency.yaml) missing";
    return;
  }
  const std::string topic = first_topic(s, frontend);
  if (topic.empty()) {
    r.error = "GET /api/curriculum gave no topic";
    return;
  }
  const std::string user = "verify-kafka-" + uuid_v4().substr(0, 8);
  const int restarts_before = s.restarts_of("course-agent");
  const double retries_before = s.prometheus_sum("sum(dapr_resiliency_activations_total{policy=\"retry\"})").value_or(0);
  std::map<std::string, std::size_t> log_start;
  for (const auto& pod : agents) log_start[pod.value("name", "")] = log_size(s, pod.value("name", ""));

  const std::string body = json{{"user_id", user}, {"topic", topic}, {"difficulty", "beginner"}}.dump();
  const std::string sidecar_publish_url = "http://127.0.0.1:" + std::to_string(agents.front().value("dapr_http_port", 0)) +
                                          "/v1.0/publish/" + policy->component + "/verify-probe";
  const int attempts = static_cast<int>(policy->max_retries) + 1;
  const auto probe_bound = std::chrono::milliseconds(
      static_cast<long>(1000 * (attempts * policy->timeout_s + (attempts - 1) * policy->interval_s + 5)));
  HttpResult probe;
  WallTime probe_start;
  SteadyLoad load([&] { return s.post_json(frontend + "/api/lessons", body); }, o.lesson_period);
  std::this_thread::sleep_for(2s);
  {
    Frozen broker(kafka_pid);
    if (!broker.ok()) {
      r.error = "could not SIGSTOP the broker (pid " + std::to_string(kafka_pid) + ")";
      return;
    }
    s.say("Kafka (pid " + std::to_string(kafka_pid) + ") frozen for " + std::to_string(o.kafka_outage.count()) + "s");
    const auto frozen_at = std::chrono::steady_clock::now();
    std::this_thread::sleep_for(500ms);
    // One publish straight to course-agent's sidecar: its timing shows the retry spacing (judge.hpp).
    probe_start = std::chrono::system_clock::now();
    probe = s.post_json(sidecar_publish_url, json{{"probe", "learnflow verify"}}.dump(), probe_bound);
    std::this_thread::sleep_until(frozen_at + o.kafka_outage);
  }
  s.say("Kafka resumed; keeping the load up while it recovers");
  std::this_thread::sleep_for(5s);
  const HttpTally tally = load.stop();
  r.evidence["requests"] = tally.to_json();
  r.check("every request answered 2xx", tally.total() > 0 && tally.successes() == tally.total(), tally.summary());

  check_no_restart(s, "course-agent", restarts_before, r);

  double retries_after = retries_before;
  eventually([&] {
    retries_after = s.prometheus_sum("sum(dapr_resiliency_activations_total{policy=\"retry\"})").value_or(retries_before);
    return retries_after > retries_before;
  }, 30s);
  r.evidence["retry_activations"] = {{"before", retries_before}, {"after", retries_after}};
  r.check("dapr_resiliency_activations_total{policy=\"retry\"} increased", retries_after > retries_before,
          std::to_string(static_cast<long>(retries_before)) + " -> " + std::to_string(static_cast<long>(retries_after)));

  auto retry_lines = collect_retry_lines(s, log_start, r, "sidecar log has the retry lines");
  auto spacing = judge_probe_spacing(probe_start, probe.latency_ms / 1000.0, probe.status, retry_lines, policy->interval_s,
                                     policy->timeout_s, static_cast<int>(policy->max_retries), o.spacing_tolerance_s);
  r.evidence["retry_spacing"] = spacing_evidence(spacing, policy->description);
  r.check("retry spacing matches the constant interval", spacing.passed, spacing.detail);

  std::vector<std::string> generated;
  for (const auto& b : load.bodies())
    if (auto id = lesson_id_of(b); !id.empty()) generated.push_back(id);
  check_persisted_once(s, user_progress, user, generated, o.settle, r, "every event persisted exactly once");
  check_outbox_drained(s, o.settle, r, "learnflow_outbox_depth is 0 after recovery");
}

}  // namespace lf::verify
