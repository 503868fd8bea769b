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

  const int restarts_after = s.restarts_of("course-agent");
  r.evidence["course_agent_restarts"] = {{"before", restarts_before}, {"after", restarts_after}};
  r.check("course-agent never restarted", restarts_after == restarts_before,
          "restarts " + std::to_string(restarts_before) + " -> " + std::to_string(restarts_after));

  double retries_after = retries_before;
  eventually([&] {
    retries_after = s.prometheus_sum("sum(dapr_resiliency_activations_total{policy=\"retry\"})").value_or(retries_before);
    return retries_after > retries_before;
  }, 30s);
  r.evidence["retry_activations"] = {{"before", retries_before}, {"after", retries_after}};
  r.check("dapr_resiliency_activations_total{policy=\"retry\"} increased", retries_after > retries_before,
          std::to_string(static_cast<long>(retries_before)) + " -> " + std::to_string(static_cast<long>(retries_after)));

  std::vector<LogLine> retry_lines;
  json samples = json::array();
  for (const auto& [pod, start] : log_start) {
    auto lines = s.log_lines(pod, "daprd");
    for (std::size_t i = start; i < lines.size() && samples.size() < 6; ++i)
      if (lines[i].find(retry_marker) != std::string::npos) samples.push_back(lines[i]);
    auto found = matching_lines(lines, start, retry_marker);
    retry_lines.insert(retry_lines.end(), found.begin(), found.end());
  }
  r.evidence["retry_log_samples"] = samples;
  r.check("sidecar log has the retry lines", !retry_lines.empty(), std::to_string(retry_lines.size()) + " lines");
  auto spacing = judge_probe_spacing(probe_start, probe.latency_ms / 1000.0, probe.status, retry_lines, policy->interval_s,
                                     policy->timeout_s, static_cast<int>(policy->max_retries), o.spacing_tolerance_s);
  r.evidence["retry_spacing"] = {{"policy", policy->description},
                                 {"probe_status", spacing.probe_status},
                                 {"probe_latency_s", spacing.latency_s},
                                 {"first_failure_after_s", spacing.first_failure_after_s ? json(*spacing.first_failure_after_s) : json()},
                                 {"implied_interval_s", spacing.implied_interval_s},
                                 {"expected_interval_s", spacing.expected_interval_s},
                                 {"timeout_s", spacing.timeout_s},
                                 {"attempts", spacing.attempts},
                                 {"tolerance_s", spacing.tolerance_s}};
  r.check("retry spacing matches the constant interval", spacing.passed, spacing.detail);

  std::vector<std::string> generated;
  for (const auto& b : load.bodies())
    if (auto id = lesson_id_of(b); !id.empty()) generated.push_back(id);
  ExactlyOnce once;
  eventually([&] {
    auto doc = json::parse(s.get(user_progress + "/status?user_id=" + user).body, nullptr, false);
    std::vector<std::string> persisted;
    if (doc.is_object() && doc["lessons"].is_array())
      for (const auto& l : doc["lessons"]) persisted.push_back(l.value("lesson_id", ""));
    once = judge_exactly_once(generated, persisted);
    return once.passed();
  }, o.settle);
  r.evidence["persisted"] = {{"expected", once.expected}, {"once", once.persisted_once}, {"missing", once.missing},
                             {"duplicated", once.duplicated}};
  r.check("every event persisted exactly once", once.passed(),
          std::to_string(once.persisted_once) + "/" + std::to_string(once.expected) + " once, " +
              std::to_string(once.missing.size()) + " missing, " + std::to_string(once.duplicated.size()) + " twice");

  std::optional<double> depth;
  eventually([&] {
    depth.reset();
    for (const auto& pod : s.pods_of("course-agent")) {
      auto v = scrape_value(s.get("http://127.0.0.1:" + std::to_string(pod.value("app_port", 0)) + "/metrics").body,
                            "learnflow_outbox_depth");
      if (v) depth = depth.value_or(0) + *v;
    }
    return depth && *depth == 0;
  }, o.settle);
  r.evidence["outbox_depth"] = depth ? json(*depth) : json();
  r.check("learnflow_outbox_depth is 0 after recovery", depth && *depth == 0,
          depth ? std::to_string(static_cast<long>(*depth)) : std::string("metric not found"));
}

}  // namespace lf::verify
