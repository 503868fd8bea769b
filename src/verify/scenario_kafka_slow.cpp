// Scenario 2: Kafka is reachable but slow — latency added by learnflow-faultproxy, which the
// platform puts in front of the broker with `learnflow up --kafka-fault-proxy` (README.md).
#include <future>
#include <map>
#include <thread>

#include "core/uuid.hpp"
#include "verify/kafka_slow_judge.hpp"
#include "verify/publish_policy.hpp"
#include "verify/scenario_support.hpp"

namespace lf::verify {
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

// course-agent answers a lesson although its publish outlasts this bound (it then queues the event
// in its outbox): dapr_options.publish_timeout in src/services/common/service_runner.cpp,
// docs/services.md "The lesson-generated event and the outbox".
constexpr double course_agent_publish_bound_s = 3.0;
// The rest of a lesson request around the publish (invocation hops, the two state writes, the
// outbox write) on a loaded 2-core machine.
constexpr double request_allowance_s = 1.0;

// The proxy's latency for a scope: removed whatever happens after it was set.
class ProxyLatency {
 public:
  ProxyLatency(PlatformSession& s, std::string control_url) : s_(s), url_(std::move(control_url) + "/faults") {}
  ~ProxyLatency() { (void)set(0ms); }
  ProxyLatency(const ProxyLatency&) = delete;
  ProxyLatency& operator=(const ProxyLatency&) = delete;
  bool set(std::chrono::milliseconds each_way) {
    return s_.post_json(url_, json{{"latency_ms", each_way.count()}}.dump(), 5s).status == 200;
  }

 private:
  PlatformSession& s_;
  std::string url_;
};

struct PublishActivations {
  double timeouts = 0;
  double retries = 0;
  json to_json() const { return {{"timeout", timeouts}, {"retry", retries}}; }
};

// The outbound activations of the pub/sub component, straight from the course-agent sidecars'
// /metrics (exact at this moment, unlike Prometheus's 5 s scrapes).
PublishActivations publish_activations(PlatformSession& s, const std::string& component) {
  PublishActivations a;
  for (const auto& pod : s.pods_of("course-agent")) {
    const std::string text = s.get("http://127.0.0.1:" + std::to_string(pod.value("metrics_port", 0)) + "/metrics", 5s).body;
    const std::map<std::string, std::string> outbound{{"flow_direction", "outbound"}, {"target", "Pubsub_" + component}};
    auto with_policy = [&](const char* policy) {
      auto labels = outbound;
      labels["policy"] = policy;
      return sum_series(text, "dapr_resiliency_activations_total", labels);
    };
    a.timeouts += with_policy("timeout");
    a.retries += with_policy("retry");
  }
  return a;
}

json proxy_stats(PlatformSession& s, const std::string& control_url) {
  auto doc = json::parse(s.get(control_url + "/stats", 5s).body, nullptr, false);
  return doc.is_object() ? doc : json::object();
}

std::string counts_text(const std::map<std::string, int>& counts) {
  std::string out;
  for (const auto& [status, n] : counts) out += (out.empty() ? "" : ", ") + std::to_string(n) + " " + status;
  return out.empty() ? "no answers" : out;
}

int count_of(const std::map<std::string, int>& counts, const std::string& key) {
  auto it = counts.find(key);
  return it == counts.end() ? 0 : it->second;
}

// One phase of steady lesson load; the caller changes the fault between phases, so every request
// belongs to exactly one phase.
struct PhaseResult {
  HttpTally tally;
  std::vector<std::string> bodies;
};
PhaseResult load_for(PlatformSession& s, const std::string& url, const std::string& body, std::chrono::milliseconds period,
                     const std::function<void()>& during) {
  SteadyLoad load([&] { return s.post_json(url, body); }, period);
  during();
  PhaseResult p;
  p.tally = load.stop();
  p.bodies = load.bodies();
  return p;
}

}  // namespace

void kafka_slow(PlatformSession& s, const ScenarioOptions& o, ScenarioResult& r) {
  const std::string proxy = s.infrastructure_field("kafka-proxy", "url");
  if (proxy.empty()) {
    r.error = "the platform has no Kafka fault proxy (status.json has no kafka-proxy entry): start it with "
              "learnflow up --kafka-fault-proxy, or let verify start its own platform";
    return;
  }
  const std::string frontend = s.service_url("learnflow-frontend");
  const std::string user_progress = s.service_url("user-progress");
  auto agents = s.pods_of("course-agent");
  auto policy = read_publish_policy(s.state_dir());
  if (frontend.empty() || user_progress.empty() || agents.empty() || !policy || policy->timeout_s <= 0) {
    r.error = "platform incomplete: frontend/user-progress Service, course-agent pod or the pub/sub outbound "
              "retry and timeout policy (dapr/resources/resiliency.yaml) missing";
    return;
  }
  const std::string topic = first_topic(s, frontend);
  if (topic.empty()) {
    r.error = "GET /api/curriculum gave no topic";
    return;
  }
  const auto mild = o.kafka_mild_latency;
  // Each way; the round trip of a produce request then takes 1.5 timeouts, so every attempt times out.
  const auto slow = o.kafka_slow_latency.count() > 0
                        ? o.kafka_slow_latency
                        : std::chrono::milliseconds(static_cast<long>(750 * policy->timeout_s));
  const double bound_ms = 1000 * (course_agent_publish_bound_s + request_allowance_s);
  r.evidence["policy"] = policy->description;
  r.evidence["latency_each_way_ms"] = {{"mild", mild.count()}, {"slow", slow.count()}};
  r.evidence["wait_bound"] = {{"bound_ms", bound_ms},
                              {"source", "course-agent publish bound 3 s (services/common/service_runner.cpp "
                                         "publish_timeout, docs/services.md outbox) + 1 s for the rest of the request"}};

  const std::string user = "verify-slow-" + uuid_v4().substr(0, 8);
  const std::string body = json{{"user_id", user}, {"topic", topic}, {"difficulty", "beginner"}}.dump();
  const int restarts_before = s.restarts_of("course-agent");
  std::vector<std::string> generated;
  auto collect_ids = [&generated](const PhaseResult& p) {
    for (const auto& b : p.bodies)
      if (auto id = lesson_id_of(b); !id.empty()) generated.push_back(id);
  };
  ProxyLatency latency(s, proxy);
  // One lesson without latency first: on a fresh platform the first publish also creates the topic
  // and opens the producer's connections, which is not what the mild phase measures.
  const HttpResult warm_up = s.post_json(frontend + "/api/lessons", body);
  if (auto id = lesson_id_of(warm_up.body); !id.empty()) generated.push_back(id);
  r.evidence["warm_up"] = {{"status", warm_up.status}, {"latency_ms", warm_up.latency_ms},
                           {"events", event_statuses({warm_up.body})}};

  // (a) Mild latency: publishes still fit their timeout.
  if (!latency.set(mild)) {
    r.error = "the Kafka fault proxy refused PUT " + proxy + "/faults";
    return;
  }
  s.say("Kafka latency " + std::to_string(mild.count()) + " ms each way for " + std::to_string(o.kafka_slow_phase.count()) + "s");
  const json stats_before = proxy_stats(s, proxy);
  const auto before_mild = publish_activations(s, policy->component);
  auto mild_phase = load_for(s, frontend + "/api/lessons", body, o.lesson_period, [&] { std::this_thread::sleep_for(o.kafka_slow_phase); });
  const auto after_mild = publish_activations(s, policy->component);
  const json stats_after = proxy_stats(s, proxy);
  collect_ids(mild_phase);
  const auto mild_events = event_statuses(mild_phase.bodies);
  r.evidence["mild"] = {{"requests", mild_phase.tally.to_json()},
                        {"events", mild_events},
                        {"activations_before", before_mild.to_json()},
                        {"activations_after", after_mild.to_json()},
                        {"proxy_stats_before", stats_before},
                        {"proxy_stats_after", stats_after}};
  const double bytes_through = stats_after.value("bytes_upstream", 0.0) - stats_before.value("bytes_upstream", 0.0);
  r.check("Kafka traffic goes through the proxy", bytes_through > 0,
          std::to_string(static_cast<long>(bytes_through)) + " bytes to the broker during the mild phase");
  r.check("mild latency: every request 2xx", mild_phase.tally.total() > 0 && mild_phase.tally.successes() == mild_phase.tally.total(),
          mild_phase.tally.summary());
  r.check("mild latency: every event published directly", count_of(mild_events, "published") == mild_phase.tally.total(),
          counts_text(mild_events));
  r.check("mild latency: no publish timeout or retry activations",
          after_mild.timeouts == before_mild.timeouts && after_mild.retries == before_mild.retries,
          "timeout " + std::to_string(static_cast<long>(after_mild.timeouts - before_mild.timeouts)) + ", retry " +
              std::to_string(static_cast<long>(after_mild.retries - before_mild.retries)));

  // (b) Latency above the per-attempt timeout: attempts time out and are retried per the policy.
  std::map<std::string, std::size_t> log_start;
  for (const auto& pod : agents) log_start[pod.value("name", "")] = log_size(s, pod.value("name", ""));
  const auto before_slow = publish_activations(s, policy->component);
  if (!latency.set(slow)) {
    r.error = "the Kafka fault proxy refused PUT " + proxy + "/faults";
    return;
  }
  s.say("Kafka latency " + std::to_string(slow.count()) + " ms each way (publish timeout " +
        std::to_string(static_cast<long>(1000 * policy->timeout_s)) + " ms)");
  const std::string sidecar_publish_url = "http://127.0.0.1:" + std::to_string(agents.front().value("dapr_http_port", 0)) +
                                          "/v1.0/publish/" + policy->component + "/verify-probe";
  const auto probe_bound = std::chrono::milliseconds(static_cast<long>(1000 * (policy->exhausted_after_s() + 5)));
  WallTime probe_start;
  HttpResult probe;
  auto slow_phase = load_for(s, frontend + "/api/lessons", body, o.lesson_period, [&] {
    const auto started = std::chrono::steady_clock::now();
    std::this_thread::sleep_for(500ms);
    // One publish straight to course-agent's sidecar shows the attempts and their spacing (judge.hpp).
    probe_start = std::chrono::system_clock::now();
    probe = s.post_json(sidecar_publish_url, json{{"probe", "learnflow verify kafka-slow"}}.dump(), probe_bound);
    std::this_thread::sleep_until(started + o.kafka_slow_phase);
  });
  const auto after_slow = publish_activations(s, policy->component);
  collect_ids(slow_phase);
  const auto slow_events = event_statuses(slow_phase.bodies);
  const auto wait = judge_wait_bound(slow_phase.tally, bound_ms);
  r.evidence["slow"] = {{"requests", slow_phase.tally.to_json()},
                        {"events", slow_events},
                        {"max_wait_ms", wait.max_ms},
                        {"activations_before", before_slow.to_json()},
                        {"activations_after", after_slow.to_json()}};
  r.check("slow: every request 2xx within the bound", wait.passed, wait.detail);
  r.check("slow: course-agent falls back to its outbox", count_of(slow_events, "queued") > 0, counts_text(slow_events));
  r.check("slow: publish attempts time out (timeout activations increased)", after_slow.timeouts > before_slow.timeouts,
          std::to_string(static_cast<long>(before_slow.timeouts)) + " -> " + std::to_string(static_cast<long>(after_slow.timeouts)));
  r.check("slow: and are retried (retry activations increased)", after_slow.retries > before_slow.retries,
          std::to_string(static_cast<long>(before_slow.retries)) + " -> " + std::to_string(static_cast<long>(after_slow.retries)));
  auto retry_lines = collect_retry_lines(s, log_start, r, "slow: sidecar log has the retry lines");
  auto spacing = judge_probe_spacing(probe_start, probe.latency_ms / 1000.0, probe.status, retry_lines, policy->interval_s,
                                     policy->timeout_s, static_cast<int>(policy->max_retries), o.spacing_tolerance_s);
  r.evidence["probe"] = spacing_evidence(spacing, policy->description);
  r.check("slow: a publish makes every attempt of the policy, each cut at its timeout", spacing.passed, spacing.detail);

  // (c) Latency removed: the outbox drains and every lesson is persisted once.
  (void)latency.set(0ms);
  s.say("Kafka latency removed; keeping the load up while course-agent's outbox drains");
  auto recovered = load_for(s, frontend + "/api/lessons", body, o.lesson_period, [] { std::this_thread::sleep_for(5s); });
  collect_ids(recovered);
  r.evidence["recovered"] = {{"requests", recovered.tally.to_json()}};
  r.check("recovered: every request 2xx", recovered.tally.total() > 0 && recovered.tally.successes() == recovered.tally.total(),
          recovered.tally.summary());

  check_no_restart(s, "course-agent", restarts_before, r);
  check_outbox_drained(s, o.settle, r, "learnflow_outbox_depth drains to 0");
  check_persisted_once(s, user_progress, user, generated, o.settle, r, "every lesson persisted exactly once");
}

}  // namespace lf::verify
