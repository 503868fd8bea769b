// Scenario 5: observability (see README.md, "Scenarios that exist"). Known traffic through the
// frontend Service, then: every Prometheus target up; per app id the request rate, latency
// quantile and success ratio series exist; the sidecars' raw counters moved by exactly the
// traffic sent; one trace id from the frontend through Kafka to user-progress in the span collector.
#include "verify/scenario_support.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <thread>
#include <tuple>

#include "core/uuid.hpp"
#include "http/client.hpp"
#include "http/url.hpp"

namespace lf::verify {
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

constexpr int kLessons = 6;         // POST /api/lessons through the frontend Service
constexpr int kProgressReads = 6;   // GET /api/progress through the frontend Service
const std::vector<std::string> kApps = {"learnflow-frontend", "course-agent", "user-progress"};

// One counter of the traffic, read from the sidecars of one deployment (their /metrics).
struct CounterProbe {
  std::string name;         // what the check calls it
  std::string deployment;   // whose sidecars are scraped
  std::string metric;
  std::map<std::string, std::string> labels;
  double expected_increase = 0;
};

double read_counter(PlatformSession& s, const CounterProbe& c) {
  double sum = 0;
  for (const auto& pod : s.pods_of(c.deployment))
    sum += sum_series(s.get("http://127.0.0.1:" + std::to_string(pod.value("metrics_port", 0)) + "/metrics", 5s).body,
                        c.metric, c.labels);
  return sum;
}

int scrape_interval_seconds(const PlatformSession& s) {
  std::ifstream in(s.state_dir() + "/prometheus/prometheus.yml");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::smatch m;
  if (std::regex_search(text, m, std::regex(R"(scrape_interval:\s*"?(\d+)s)"))) return std::stoi(m[1]);
  return 5;
}

// The targets the platform gave Prometheus: static ones in prometheus.yml plus every file_sd entry.
int expected_target_count(const PlatformSession& s) {
  const std::string dir = s.state_dir() + "/prometheus";
  std::ifstream config(dir + "/prometheus.yml");
  std::string text((std::istreambuf_iterator<char>(config)), std::istreambuf_iterator<char>());
  const std::regex static_target(R"(^\s+- [0-9.]+:[0-9]+\s*$)", std::regex::multiline);
  int count = static_cast<int>(std::distance(std::sregex_iterator(text.begin(), text.end(), static_target), std::sregex_iterator()));
  std::error_code ec;
  for (const auto& file : std::filesystem::directory_iterator(dir + "/targets", ec)) {
    std::ifstream in(file.path());
    auto groups = json::parse(in, nullptr, false);
    if (!groups.is_array()) continue;
    for (const auto& group : groups)
      if (group.is_object() && group["targets"].is_array()) count += static_cast<int>(group["targets"].size());
  }
  return count;
}

// Prometheus's active targets whose last scrape was not healthy ("job/instance (health)"), and how
// many active targets there are: every target file_sd lists, scraped yet or not ("unknown").
std::pair<int, std::vector<std::string>> targets_down(PlatformSession& s) {
  auto answer = json::parse(s.get(s.infrastructure_field("prometheus", "url") + "/api/v1/targets?state=active", 5s).body,
                            nullptr, false);
  std::vector<std::string> down;
  int targets = 0;
  if (!answer.is_object() || !answer["data"].is_object() || !answer["data"]["activeTargets"].is_array())
    return {0, {"no answer"}};
  for (const auto& target : answer["data"]["activeTargets"]) {
    ++targets;
    const auto& labels = target["labels"];
    const std::string health = target.value("health", "");
    if (health != "up")
      down.push_back((labels.is_object() ? labels.value("job", "?") + "/" + labels.value("instance", "?") : "?") + " (" +
                     health + ")");
  }
  return {targets, down};
}

std::string span_service(const json& span) {
  return span.contains("localEndpoint") ? span["localEndpoint"].value("serviceName", "") : "";
}

// Judges one trace: which of the three apps' sidecars have spans in it, whether the publish
// (PRODUCER, course-agent) and delivery (CONSUMER, user-progress) spans are there and linked, and
// whether every parent id is the caller's span or another span of the trace.
struct TraceJudgement {
  std::set<std::string> services;
  bool producer = false, consumer = false, consumer_under_producer = false, linked = true;
  std::string broken;  // the first span whose parent is missing
  bool passed() const { return services.size() == 3 && producer && consumer && consumer_under_producer && linked; }
  std::string summary() const {
    std::string names;
    for (const auto& n : services) names += (names.empty() ? "" : ",") + n;
    return "services [" + names + "]; publish span " + (producer ? "yes" : "no") + ", delivery span " +
           (consumer ? "yes" : "no") + ", delivery under publish " + (consumer_under_producer ? "yes" : "no") +
           (linked ? ", parents linked" : ", unlinked parent: " + broken);
  }
};

TraceJudgement judge_trace(const json& spans, const std::string& caller_span) {
  TraceJudgement t;
  std::set<std::string> ids, producers;
  for (const auto& span : spans) ids.insert(span.value("id", ""));
  for (const auto& span : spans) {
    const std::string service = span_service(span);
    if (std::find(kApps.begin(), kApps.end(), service) != kApps.end()) t.services.insert(service);
    if (service == "course-agent" && span.value("kind", "") == "PRODUCER") {
      t.producer = true;
      producers.insert(span.value("id", ""));
    }
    const std::string parent = span.value("parentId", "");
    if (!parent.empty() && parent != caller_span && !ids.count(parent) && t.linked) {
      t.linked = false;
      t.broken = service + " " + span.value("name", "") + " (parent " + parent + ")";
    }
  }
  for (const auto& span : spans)
    if (span_service(span) == "user-progress" && span.value("kind", "") == "CONSUMER") {
      t.consumer = true;
      t.consumer_under_producer = t.consumer_under_producer || producers.count(span.value("parentId", ""));
    }
  return t;
}

}  // namespace

void observability(PlatformSession& s, const ScenarioOptions& o, ScenarioResult& r) {
  const std::string frontend = s.service_url("learnflow-frontend");
  const std::string tracing = s.infrastructure_field("tracing", "address");
  if (frontend.empty() || s.infrastructure_field("prometheus", "url").empty() || tracing.empty()) {
    r.error = "platform incomplete: the frontend Service, Prometheus or the span collector (infrastructure \"tracing\") is missing";
    return;
  }
  const std::string topic = first_topic(s, frontend);
  if (topic.empty()) {
    r.error = "GET /api/curriculum gave no topic";
    return;
  }
  const int interval = scrape_interval_seconds(s);
  const std::string window = std::to_string(std::max(4 * interval, 20)) + "s";  // at least four scrapes

  // Right after `up` (or a restart) a target has no `up` sample until its first scrape: wait for it.
  // Prometheus picks up file_sd changes within its refresh interval: wait until it knows them all.
  int targets = 0, expected = 0;
  std::vector<std::string> down;
  eventually([&] {
    expected = expected_target_count(s);
    std::tie(targets, down) = targets_down(s);
    return targets > 0 && targets == expected && down.empty();
  }, std::chrono::seconds(std::max(3 * interval, 30)));
  r.evidence["targets"] = {{"count", targets}, {"expected", expected}, {"down", down}};
  std::string down_list;
  for (const auto& d : down) down_list += " " + d;
  r.check("every Prometheus target is up (/api/v1/targets)", targets > 0 && targets == expected && down.empty(),
          std::to_string(targets) + " of " + std::to_string(expected) + " targets active, " + std::to_string(down.size()) +
              " not up" + down_list);

  // Raw counters before and after (not increase(), which extrapolates): no other traffic runs now.
  const std::vector<CounterProbe> probes = {
      {"frontend sidecar: POST invoke of course-agent generate-lesson", "learnflow-frontend", "dapr_http_server_request_count",
       {{"app_id", "learnflow-frontend"}, {"method", "POST"}, {"path", "/v1.0/invoke/course-agent/method/generate-lesson*"}}, kLessons},
      {"frontend sidecar: GET invoke of user-progress", "learnflow-frontend", "dapr_http_server_request_count",
       {{"app_id", "learnflow-frontend"}, {"method", "GET"}, {"path", "/v1.0/invoke/user-progress/*"}}, kProgressReads},
      {"course-agent sidecar: invocations received from learnflow-frontend", "course-agent",
       "dapr_runtime_service_invocation_req_recv_total", {{"app_id", "course-agent"}, {"src_app_id", "learnflow-frontend"}}, kLessons},
      {"course-agent egress lesson-generated success=true", "course-agent", "dapr_component_pubsub_egress_count",
       {{"app_id", "course-agent"}, {"topic", "lesson-generated"}, {"success", "true"}}, kLessons},
      {"user-progress ingress lesson-generated process_status=success", "user-progress", "dapr_component_pubsub_ingress_count",
       {{"app_id", "user-progress"}, {"topic", "lesson-generated"}, {"process_status", "success"}}, kLessons},
  };
  std::vector<double> before;
  for (const auto& p : probes) before.push_back(read_counter(s, p));

  const std::string user = "verify-obs-" + uuid_v4().substr(0, 8);
  std::string trace_id = uuid_v4();
  trace_id.erase(std::remove(trace_id.begin(), trace_id.end(), '-'), trace_id.end());  // 32 hex digits
  const std::string caller_span = trace_id.substr(0, 16);
  const std::string body = json{{"user_id", user}, {"topic", topic}, {"difficulty", "beginner"}}.dump();
  HttpTally tally;
  for (int i = 0; i < kLessons; ++i) {
    http::Request request;
    request.method = "POST";
    request.headers.set("Content-Type", "application/json");
    if (i == 0) request.headers.set("traceparent", "00-" + trace_id + "-" + caller_span + "-01");
    request.body = body;
    const auto started = std::chrono::steady_clock::now();
    auto answer = http::fetch(frontend + "/api/lessons", std::move(request), 35s);
    tally.add(answer ? answer->status : 0, std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count());
  }
  for (int i = 0; i < kProgressReads; ++i) {
    auto answer = s.get(frontend + "/api/progress?user_id=" + user);
    tally.add(answer.status, answer.latency_ms);
  }
  r.evidence["requests"] = tally.to_json();
  r.check("every request answered 2xx", tally.successes() == kLessons + kProgressReads, tally.summary());

  // Deliveries are asynchronous: wait until the counters reach the traffic (bounded), then two
  // more scrape intervals so Prometheus has seen the increase and nothing more arrives.
  std::vector<double> after = before;
  eventually([&] {
    for (std::size_t i = 0; i < probes.size(); ++i) after[i] = read_counter(s, probes[i]);
    for (std::size_t i = 0; i < probes.size(); ++i)
      if (after[i] - before[i] < probes[i].expected_increase) return false;
    return true;
  }, o.settle);
  std::this_thread::sleep_for(std::chrono::seconds(2 * interval + 1));
  json counters = json::array();
  for (std::size_t i = 0; i < probes.size(); ++i) {
    after[i] = read_counter(s, probes[i]);
    const double increase = after[i] - before[i];
    counters.push_back({{"name", probes[i].name}, {"metric", probes[i].metric}, {"labels", probes[i].labels},
                        {"before", before[i]}, {"after", after[i]}, {"expected_increase", probes[i].expected_increase}});
    r.check(probes[i].name + " increased by exactly " + std::to_string(static_cast<int>(probes[i].expected_increase)),
            increase == probes[i].expected_increase,
            probes[i].metric + ": " + std::to_string(static_cast<long>(before[i])) + " -> " + std::to_string(static_cast<long>(after[i])) +
                " (tolerance 0: raw counters summed over the deployment's sidecars)");
  }
  r.evidence["counters"] = counters;

  // The RED series per app id, as dashboards query them, over a window of at least four scrapes.
  json series = json::object();
  for (const auto& app : kApps) {
    const std::string selector = "{app_id=\"" + app + "\"}";
    const std::string ok_selector = "{app_id=\"" + app + "\",status=~\"2..\"}";
    auto rate = s.prometheus_sum("sum(rate(dapr_http_server_request_count" + selector + "[" + window + "]))");
    auto p99 = s.prometheus_sum("histogram_quantile(0.99, sum by (le) (rate(dapr_http_server_latency_bucket" + selector + "[" + window + "])))");
    auto success = s.prometheus_sum("sum(rate(dapr_http_server_request_count" + ok_selector + "[" + window + "])) / sum(rate(dapr_http_server_request_count" +
                                    selector + "[" + window + "]))");
    series[app] = {{"rate_per_s", rate ? json(*rate) : json()}, {"p99_ms", p99 ? json(*p99) : json()},
                   {"success_ratio", success ? json(*success) : json()}};
    const bool present = rate && *rate > 0 && p99 && *p99 == *p99 && success && *success == *success;
    r.check(app + ": request rate, p99 latency and success ratio series exist", present,
            "rate " + (rate ? std::to_string(*rate) : "none") + "/s, p99 " + (p99 ? std::to_string(*p99) : "none") +
                " ms, success " + (success ? std::to_string(*success) : "none") + " over " + window);
  }
  r.evidence["red_series"] = series;

  // The trace of the first lesson request, from the span collector's Zipkin API.
  const std::string collector = "http://" + tracing;
  json spans;
  eventually([&] {
    auto answer = s.get(collector + "/api/v2/trace/" + trace_id, 5s);
    spans = json::parse(answer.body, nullptr, false);
    return answer.status == 200 && spans.is_array() && judge_trace(spans, caller_span).passed();
  }, std::chrono::seconds(10));
  if (!spans.is_array()) spans = json::array();
  const TraceJudgement whole = judge_trace(spans, caller_span);
  r.evidence["trace"] = {{"trace_id", trace_id}, {"spans", spans.size()}, {"summary", whole.summary()}};
  r.check("one trace id from the frontend through Kafka to user-progress", whole.passed(),
          "trace " + trace_id + ": " + std::to_string(spans.size()) + " spans; " + whole.summary() +
              (spans.empty() ? " (no sidecar span carries this trace id: the frontend app did not pass the traceparent it "
                               "received to its sidecar, which Dapr leaves to apps)"
                             : ""));

  // Where the chain breaks, when it does: the newest trace with user-progress's delivery span
  // shows whether the sidecars link publish → Kafka → delivery, and its root span where it starts.
  auto recent = json::parse(s.get(collector + "/api/v2/traces?serviceName=user-progress&limit=200&lookback=300000", 5s).body,
                            nullptr, false);
  const json* delivery_trace = nullptr;
  if (recent.is_array())
    for (const auto& trace : recent)
      if (trace.is_array() && judge_trace(trace, "").consumer) {
        delivery_trace = &trace;
        break;
      }
  const std::string link_check = "the sidecars link course-agent's publish to user-progress's delivery (same trace, parent id)";
  if (!delivery_trace) {
    r.check(link_check, false, "no trace with user-progress's delivery span in the last 300 s");
    return;
  }
  const TraceJudgement delivery = judge_trace(*delivery_trace, "");
  std::string roots;
  for (const auto& span : *delivery_trace)
    if (span.value("parentId", "").empty()) roots += (roots.empty() ? "" : ", ") + span_service(span) + " \"" + span.value("name", "") + "\"";
  r.evidence["latest_delivery_trace"] = {{"trace_id", (*delivery_trace)[0].value("traceId", "")}, {"summary", delivery.summary()},
                                         {"root_spans", roots}};
  r.check(link_check, delivery.producer && delivery.consumer_under_producer,
          "trace " + (*delivery_trace)[0].value("traceId", "") + ": " + delivery.summary() + "; root span(s): " + roots +
              (roots.find("/v1.0/publish/") != std::string::npos
                   ? " (a root publish API span: the course-agent app published without the traceparent it was called with)"
                   : ""));
}

}  // namespace lf::verify
