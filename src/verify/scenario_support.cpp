#include "verify/scenario_support.hpp"

#include <signal.h>

#include <algorithm>
#include <optional>

namespace lf::verify {
using nlohmann::json;

double seconds_of(Duration d) { return std::chrono::duration<double>(d).count(); }

std::string lesson_id_of(const std::string& body) {
  auto doc = json::parse(body, nullptr, false);
  if (!doc.is_object()) return {};
  if (doc["lesson_id"].is_string()) return doc["lesson_id"];
  if (doc["lesson"].is_object() && doc["lesson"]["lesson_id"].is_string()) return doc["lesson"]["lesson_id"];
  return {};
}

std::string first_topic(PlatformSession& s, const std::string& frontend_url) {
  auto curriculum = json::parse(s.get(frontend_url + "/api/curriculum").body, nullptr, false);
  if (!curriculum.is_object() || !curriculum["topics"].is_array() || curriculum["topics"].empty()) return {};
  return curriculum["topics"][0].value("id", "");
}

Frozen::Frozen(int pid) : pid_(pid), ok_(pid > 0 && ::kill(pid, SIGSTOP) == 0) {}
Frozen::~Frozen() { thaw(); }
void Frozen::thaw() {
  if (ok_) ::kill(pid_, SIGCONT);
  ok_ = false;
}

std::size_t log_size(const PlatformSession& s, const std::string& pod) { return s.log_lines(pod, "daprd").size(); }

std::vector<LogLine> matching_lines(const std::vector<std::string>& lines, std::size_t from, const std::string& needle) {
  std::vector<LogLine> out;
  for (std::size_t i = from; i < lines.size(); ++i)
    if (lines[i].find(needle) != std::string::npos)
      if (auto parsed = parse_daprd_line(lines[i])) out.push_back(*parsed);
  return out;
}

int ready_count(const PlatformSession& s, const std::string& deployment) {
  int ready = 0;
  for (const auto& p : s.pods_of(deployment)) ready += p.value("ready", false) ? 1 : 0;
  return ready;
}

void check_no_restart(PlatformSession& s, const std::string& deployment, int before, ScenarioResult& r) {
  const int after = s.restarts_of(deployment);
  std::string key = deployment + "_restarts";
  std::replace(key.begin(), key.end(), '-', '_');
  r.evidence[key] = {{"before", before}, {"after", after}};
  r.check(deployment + " never restarted", after == before,
          "restarts " + std::to_string(before) + " -> " + std::to_string(after));
}

std::vector<LogLine> collect_retry_lines(const PlatformSession& s, const std::map<std::string, std::size_t>& log_start,
                                         ScenarioResult& r, const std::string& check_name) {
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
  r.check(check_name, !retry_lines.empty(), std::to_string(retry_lines.size()) + " lines");
  return retry_lines;
}

json spacing_evidence(const ProbeSpacing& spacing, const std::string& policy_description) {
  return {{"policy", policy_description},
          {"probe_status", spacing.probe_status},
          {"probe_latency_s", spacing.latency_s},
          {"first_failure_after_s", spacing.first_failure_after_s ? json(*spacing.first_failure_after_s) : json()},
          {"implied_interval_s", spacing.implied_interval_s},
          {"expected_interval_s", spacing.expected_interval_s},
          {"timeout_s", spacing.timeout_s},
          {"attempts", spacing.attempts},
          {"tolerance_s", spacing.tolerance_s}};
}

void check_persisted_once(PlatformSession& s, const std::string& user_progress_url, const std::string& user,
                          const std::vector<std::string>& generated, std::chrono::seconds settle, ScenarioResult& r,
                          const std::string& check_name) {
  ExactlyOnce once;
  eventually([&] {
    auto doc = json::parse(s.get(user_progress_url + "/status?user_id=" + user).body, nullptr, false);
    std::vector<std::string> persisted;
    if (doc.is_object() && doc["lessons"].is_array())
      for (const auto& l : doc["lessons"]) persisted.push_back(l.value("lesson_id", ""));
    once = judge_exactly_once(generated, persisted);
    return once.passed();
  }, settle);
  r.evidence["persisted"] = {{"expected", once.expected}, {"once", once.persisted_once}, {"missing", once.missing},
                             {"duplicated", once.duplicated}};
  r.check(check_name, once.passed(),
          std::to_string(once.persisted_once) + "/" + std::to_string(once.expected) + " once, " +
              std::to_string(once.missing.size()) + " missing, " + std::to_string(once.duplicated.size()) + " twice");
}

void check_outbox_drained(PlatformSession& s, std::chrono::seconds settle, ScenarioResult& r, const std::string& check_name) {
  std::optional<double> depth;
  eventually([&] {
    depth.reset();
    for (const auto& pod : s.pods_of("course-agent")) {
      auto v = scrape_value(s.get("http://127.0.0.1:" + std::to_string(pod.value("app_port", 0)) + "/metrics").body,
                            "learnflow_outbox_depth");
      if (v) depth = depth.value_or(0) + *v;
    }
    return depth && *depth == 0;
  }, settle);
  r.evidence["outbox_depth"] = depth ? json(*depth) : json();
  r.check(check_name, depth && *depth == 0, depth ? std::to_string(static_cast<long>(*depth)) : std::string("metric not found"));
}

}  // namespace lf::verify
