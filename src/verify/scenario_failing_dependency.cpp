// Scenario 3: user-progress stops answering while the frontend calls it (see README.md, "Scenarios that exist").
#include "verify/scenario_support.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <future>
#include <memory>
#include <mutex>
#include <sstream>
#include <thread>

#include "core/duration.hpp"
#include "core/uuid.hpp"
#include "resiliency/loader.hpp"

namespace lf::verify {
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

constexpr const char* kCaller = "learnflow-frontend";
constexpr const char* kDependency = "user-progress";
constexpr const char* kMethod = "status";  // what GET /api/progress invokes; the breaker is per app + method
constexpr double kTripStaggerS = 0.5;      // between the direct calls that trip the breaker
constexpr double kLogTolerance = 0.2;      // a failure and the open line it causes are logged in either order
constexpr int kFailFastCalls = 20;
constexpr int kRecoveredCalls = 5;

// The caller-side policies for invocations of the dependency, read with the sidecar's own loader
// from the files the sidecars load.
struct DependencyPolicy {
  int trip_failures = 0;  // consecutive failures that trip a closed breaker, by evaluating its trip rule
  double breaker_timeout_s = 0;
  double attempt_timeout_s = 0;
  std::string description;
};

int failures_to_trip(const resiliency::CircuitBreakerPolicy& breaker) {
  if (!breaker.trip) return 6;  // Dapr's default rule: consecutiveFailures > 5
  for (std::uint32_t n = 1; n <= 1000; ++n)
    if (breaker.trip->evaluate({.requests = n, .total_failures = n, .consecutive_failures = n}).value_or(false))
      return static_cast<int>(n);
  return 0;
}

std::optional<DependencyPolicy> read_dependency_policy(const std::string& state_dir) {
  for (const auto& resource : resiliency::load_resiliency({state_dir + "/dapr/resources"}, nullptr)) {
    if (!resource.applies_to(kCaller)) continue;
    auto target = resource.apps.find(kDependency);
    if (target == resource.apps.end()) continue;
    const auto& names = target->second.policies;
    auto breaker = resource.circuit_breakers.find(names.circuit_breaker);
    if (breaker == resource.circuit_breakers.end()) continue;
    auto timeout = resource.timeouts.find(names.timeout);
    DependencyPolicy p;
    p.trip_failures = failures_to_trip(breaker->second);
    p.breaker_timeout_s = breaker->second.timeout == Duration::zero() ? 60 : seconds_of(breaker->second.timeout);
    p.attempt_timeout_s = timeout == resource.timeouts.end() ? 0 : seconds_of(timeout->second);
    p.description = std::string("apps.") + kDependency + ": circuitBreaker " + names.circuit_breaker + " (trip " +
                    (breaker->second.trip ? breaker->second.trip->text() : std::string("default")) + ", timeout " +
                    format_go_duration(breaker->second.timeout) + "), timeout " + names.timeout + " (" +
                    (timeout == resource.timeouts.end() ? std::string("none") : format_go_duration(timeout->second)) +
                    "), retry " + (names.retry.empty() ? std::string("none") : names.retry);
    return p;
  }
  return std::nullopt;
}

struct Answer {
  WallTime sent;
  HttpResult result;
};

// Answers of the load through the frontend, kept with their bodies (SteadyLoad keeps no status per body).
class Answers {
 public:
  HttpResult record(WallTime sent, HttpResult result) {
    std::lock_guard lock(mutex_);
    all_.push_back({sent, result});
    return result;
  }
  std::vector<Answer> all() const {
    std::lock_guard lock(mutex_);
    return all_;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<Answer> all_;
};

std::vector<BreakerTransition> transitions_since(const PlatformSession& s, const std::string& pod, std::size_t from) {
  std::vector<BreakerTransition> out;
  for (const auto& line : matching_lines(s.log_lines(pod, "daprd"), from, breaker_marker))
    if (auto t = parse_breaker_transition(line)) out.push_back(*t);
  return out;
}

std::optional<BreakerTransition> find_transition(const std::vector<BreakerTransition>& all, const std::string& breaker,
                                                 const char* from, const char* to, WallTime after = {}) {
  for (const auto& t : all)
    if (t.breaker == breaker && t.from == from && t.to == to && t.time >= after) return t;
  return std::nullopt;
}

double offset_s(WallTime origin, WallTime t) { return std::round(std::chrono::duration<double>(t - origin).count() * 1000) / 1000; }

std::string seconds_text(double v) {
  std::ostringstream out;
  out.setf(std::ios::fixed);
  out.precision(1);
  out << v << "s";
  return out.str();
}

std::string ms(double v) { return std::to_string(static_cast<long>(std::lround(v))) + "ms"; }

// The first error body of each distinct message, so the report shows what a user would read.
json distinct_error_samples(const std::vector<Answer>& answers, std::size_t limit) {
  json samples = json::array();
  std::vector<std::string> seen;
  for (const auto& a : answers) {
    if (a.result.status >= 200 && a.result.status < 300) continue;
    auto doc = json::parse(a.result.body, nullptr, false);
    std::string key = doc.is_object() ? doc.value("message", a.result.body) : a.result.body;
    if (auto colon = key.rfind(": "); colon != std::string::npos) key = key.substr(colon);  // group by the cause
    if (std::find(seen.begin(), seen.end(), key) != seen.end()) continue;
    seen.push_back(key);
    samples.push_back({{"status", a.result.status}, {"latency_ms", std::lround(a.result.latency_ms)},
                       {"body", a.result.body.substr(0, 400)}});
    if (samples.size() >= limit) break;
  }
  return samples;
}

}  // namespace

void failing_dependency(PlatformSession& s, const ScenarioOptions& o, ScenarioResult& r) {
  const std::string frontend = s.service_url(kCaller);
  const auto callers = s.pods_of(kCaller);
  const auto dependency_pods = s.pods_of(kDependency);
  const auto policy = read_dependency_policy(s.state_dir());
  if (frontend.empty() || callers.empty() || dependency_pods.empty() || !policy) {
    r.error = "platform incomplete: frontend Service/pod, user-progress pods or the apps.user-progress circuit breaker "
              "(dapr/resources/resiliency.yaml) missing";
    return;
  }
  // The breaker must open, from per-attempt timeouts, before user-progress's liveness probe would
  // restart the frozen app: the recovery judged here is the thaw, not a restart.
  const double trip_by_s = policy->attempt_timeout_s + policy->trip_failures * kTripStaggerS + 1;
  if (policy->trip_failures <= 0 || policy->attempt_timeout_s <= 0 ||
      trip_by_s > static_cast<double>(o.dependency_freeze_limit.count())) {
    r.error = "policy cannot be tripped by a freeze shorter than " + std::to_string(o.dependency_freeze_limit.count()) +
              "s: " + policy->description;
    return;
  }
  std::vector<int> pids;
  for (const auto& pod : dependency_pods)
    if (int pid = pod.value("pid", 0); pid > 0) pids.push_back(pid);
  const std::string caller_pod = callers.front().value("name", "");
  const std::string user = "verify-dependency-" + uuid_v4().substr(0, 8);
  const std::string invoke_url = "http://127.0.0.1:" + std::to_string(callers.front().value("dapr_http_port", 0)) +
                                 "/v1.0/invoke/" + kDependency + "/method/" + kMethod + "?user_id=" + user;
  const std::string breaker = std::string(kDependency) + ":" + kMethod;
  if (auto baseline = s.get(invoke_url); baseline.status != 200 || pids.size() != dependency_pods.size()) {
    r.error = "before the fault: " + invoke_url + " answered " + std::to_string(baseline.status) + ", " +
              std::to_string(pids.size()) + "/" + std::to_string(dependency_pods.size()) + " user-progress pids known";
    return;
  }
  const std::size_t log_start = log_size(s, caller_pod);
  const int restarts_before = s.restarts_of(kDependency);
  const std::string metric_labels =
      std::string("app_id=\"") + kCaller + "\",policy=\"circuitbreaker\",target=\"app_" + kDependency + "\"";
  const std::string open_activations_query =
      "sum(dapr_resiliency_activations_total{" + metric_labels + ",status=\"open\"})";
  const double activations_before = s.prometheus_sum(open_activations_query).value_or(0);

  Answers frontend_answers;
  SteadyLoad load([&] {
    const WallTime sent = std::chrono::system_clock::now();
    return frontend_answers.record(sent, s.get(frontend + "/api/progress?user_id=" + user, o.frontend_deadline + 10s));
  }, o.progress_period);
  std::this_thread::sleep_for(2s);

  std::vector<std::future<HttpResult>> trip_calls;
  std::optional<BreakerTransition> opened;
  WallTime frozen_at;
  double frozen_for_s = 0;
  bool all_frozen = true;
  {
    std::vector<std::unique_ptr<Frozen>> frozen;
    for (int pid : pids) {
      frozen.push_back(std::make_unique<Frozen>(pid));
      all_frozen = all_frozen && frozen.back()->ok();
    }
    frozen_at = std::chrono::system_clock::now();
    const auto frozen_steady = std::chrono::steady_clock::now();
    s.say("user-progress frozen (" + std::to_string(pids.size()) + " app process(es)); " +
          std::to_string(policy->trip_failures) + " direct calls through " + caller_pod + "'s sidecar");
    // Staggered so their first attempts time out one by one: the open line can be matched to the Nth failure.
    for (int i = 0; all_frozen && i < policy->trip_failures; ++i) {
      trip_calls.push_back(std::async(std::launch::async, [&s, invoke_url] { return s.get(invoke_url, 60s); }));
      std::this_thread::sleep_for(std::chrono::duration<double>(kTripStaggerS));
    }
    const auto limit = frozen_steady + o.dependency_freeze_limit;
    eventually([&] {
      opened = find_transition(transitions_since(s, caller_pod, log_start), breaker, "closed", "open");
      return opened.has_value();
    }, std::chrono::duration_cast<std::chrono::milliseconds>(limit - std::chrono::steady_clock::now()));
    frozen_for_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - frozen_steady).count();
  }
  s.say(opened ? "breaker open; user-progress thawed, the breaker stays open until its timeout"
               : "no open breaker line; user-progress thawed");

  // While open: direct calls must be refused at once with Dapr's open-breaker error.
  HttpTally fail_fast;
  int open_answers = 0;
  std::string fail_fast_sample;
  for (int i = 0; opened && i < kFailFastCalls; ++i) {
    auto answer = s.get(invoke_url, 5s);
    fail_fast.add(answer.status, answer.latency_ms);
    open_answers += is_open_breaker_answer(answer.status, answer.body);
    if (fail_fast_sample.empty()) fail_fast_sample = answer.body;
    std::this_thread::sleep_for(100ms);
  }
  const std::string open_gauge_query = "sum(dapr_resiliency_cb_state{" + metric_labels + ",status=\"open\"})";
  double open_gauge = 0;
  if (opened)
    eventually([&] {
      open_gauge = s.prometheus_sum(open_gauge_query).value_or(0);
      return open_gauge >= 1;
    }, 12s);

  // After the breaker's timeout the next call is its half-open trial; user-progress answers again.
  std::optional<BreakerTransition> closed;
  json recovery_calls = json::array();
  if (opened) {
    const auto give_up = opened->time + std::chrono::duration_cast<WallTime::duration>(
                                            std::chrono::duration<double>(policy->breaker_timeout_s + 20));
    while (!closed && std::chrono::system_clock::now() < give_up) {
      const WallTime sent = std::chrono::system_clock::now();
      auto answer = s.get(invoke_url, 15s);
      recovery_calls.push_back({{"at_s", offset_s(frozen_at, sent)}, {"status", answer.status},
                                {"latency_ms", std::lround(answer.latency_ms)}});
      closed = find_transition(transitions_since(s, caller_pod, log_start), breaker, "half-open", "closed", opened->time);
      if (!closed) std::this_thread::sleep_for(1s);
    }
  }
  int recovered_ok = 0;
  for (int i = 0; closed && i < kRecoveredCalls; ++i) recovered_ok += s.get(invoke_url).status == 200;
  HttpResult frontend_after;
  if (closed)
    eventually([&] {
      frontend_after = s.get(frontend + "/api/progress?user_id=" + user);
      return frontend_after.status == 200;
    }, 10s);
  (void)load.stop();
  const auto answers = frontend_answers.all();
  json trip_results = json::array();
  for (auto& call : trip_calls) {
    auto answer = call.get();
    trip_results.push_back({{"status", answer.status}, {"latency_ms", std::lround(answer.latency_ms)}});
  }
  double activations_after = activations_before;
  if (opened)
    eventually([&] {
      activations_after = s.prometheus_sum(open_activations_query).value_or(activations_before);
      return activations_after > activations_before;
    }, 15s);

  // --- Judgement ---
  r.evidence["policy"] = {{"description", policy->description}, {"trip_failures", policy->trip_failures},
                          {"breaker_timeout_s", policy->breaker_timeout_s}, {"attempt_timeout_s", policy->attempt_timeout_s}};
  r.evidence["fault"] = {{"user_progress_pids", pids}, {"frozen_s", frozen_for_s}, {"caller_pod", caller_pod},
                         {"breaker", breaker}, {"trip_calls", trip_results},
                         {"user_progress_restarts", {{"before", restarts_before}, {"after", s.restarts_of(kDependency)}}}};
  r.check("every user-progress app process frozen, then thawed", all_frozen && !pids.empty(),
          std::to_string(pids.size()) + " pid(s), frozen " + seconds_text(frozen_for_s) + " (limit " +
              std::to_string(o.dependency_freeze_limit.count()) + "s, below the liveness restart)");

  const auto transitions = transitions_since(s, caller_pod, log_start);
  json transition_log = json::array();
  for (const auto& t : transitions)
    transition_log.push_back({{"at_s", offset_s(frozen_at, t.time)}, {"breaker", t.breaker}, {"from", t.from}, {"to", t.to}});
  r.evidence["transitions"] = transition_log;
  std::vector<WallTime> failures;
  for (const auto& line : matching_lines(s.log_lines(caller_pod, "daprd"), log_start, retry_marker))
    if (line.message.find(breaker) != std::string::npos) failures.push_back(line.time);
  if (opened) {
    auto trip = judge_trip(failures, opened->time, policy->trip_failures, kLogTolerance);
    r.evidence["trip"] = {{"opened_at_s", offset_s(frozen_at, opened->time)}, {"failures_by_open", trip.failures_by_open},
                          {"failures_before_open", trip.failures_before_open}};
    r.check("breaker opened per its trip rule", trip.passed,
            "\"" + breaker + "\" closed -> open " + seconds_text(offset_s(frozen_at, opened->time)) + " into the freeze; " + trip.detail);
  } else {
    r.check("breaker opened per its trip rule", false,
            "no `Circuit breaker \"" + breaker + "\" changed state from closed to open` in " + caller_pod + "'s daprd log (" +
                std::to_string(failures.size()) + " failed first attempts logged)");
  }
  r.evidence["metrics"] = {{"open_activations", {{"before", activations_before}, {"after", activations_after}}},
                           {"cb_state_open", open_gauge}};
  r.check("dapr_resiliency metrics show the breaker open", activations_after > activations_before && open_gauge >= 1,
          "activations_total{policy=circuitbreaker,status=open} " + std::to_string(std::lround(activations_before)) +
              " -> " + std::to_string(std::lround(activations_after)) + ", cb_state{status=open} " +
              std::to_string(std::lround(open_gauge)));

  r.evidence["fail_fast"] = {{"requests", fail_fast.to_json()}, {"open_breaker_answers", open_answers},
                             {"sample", fail_fast_sample.substr(0, 400)}};
  r.check("while open, calls fail at once with Dapr's open-breaker error",
          fail_fast.total() > 0 && open_answers == fail_fast.total() &&
              fail_fast.percentile_ms(99) <= static_cast<double>(o.fail_fast_p99.count()),
          std::to_string(open_answers) + "/" + std::to_string(fail_fast.total()) +
              " answered 500 ERR_DIRECT_INVOKE \"… circuit breaker is open\", p99 " + ms(fail_fast.percentile_ms(99)) +
              " (bound " + ms(static_cast<double>(o.fail_fast_p99.count())) + ")");

  auto cycle = judge_breaker_cycle(transitions, breaker, policy->breaker_timeout_s, 0.5);
  r.evidence["recovery_calls"] = recovery_calls;
  r.check("half-open after its timeout, closed once user-progress answers", cycle.passed, cycle.detail);
  r.evidence["recovered"] = {{"direct_200", recovered_ok}, {"of", kRecoveredCalls}, {"frontend_status", frontend_after.status}};
  r.check("calls succeed again after the breaker closed", recovered_ok == kRecoveredCalls && frontend_after.status == 200,
          std::to_string(recovered_ok) + "/" + std::to_string(kRecoveredCalls) + " direct calls 200, GET /api/progress " +
              std::to_string(frontend_after.status));

  HttpTally frontend_tally;
  int errors = 0, readable = 0;
  for (const auto& a : answers) {
    frontend_tally.add(a.result.status, a.result.latency_ms);
    if (a.result.status >= 200 && a.result.status < 300) continue;
    ++errors;
    readable += is_readable_error(a.result.status, a.result.body);
  }
  const double bound_ms = 1000.0 * static_cast<double>(o.frontend_deadline.count() + 1);
  r.evidence["frontend"] = {{"requests", frontend_tally.to_json()}, {"deadline_s", o.frontend_deadline.count()},
                            {"error_samples", distinct_error_samples(answers, 4)}};
  r.check("the frontend answered every request within its deadline (no hang)",
          errors > 0 && frontend_tally.by_status.count("error") == 0 && frontend_tally.percentile_ms(100) <= bound_ms,
          frontend_tally.summary() + " (bound " + ms(bound_ms) + ": the frontend's " +
              std::to_string(o.frontend_deadline.count()) + "s call timeout + 1s)");
  r.check("every frontend error is readable JSON with a message", errors > 0 && readable == errors,
          std::to_string(readable) + "/" + std::to_string(errors) + " error answers are 5xx JSON with a message in words");
}

}  // namespace lf::verify
