#include "verify/judge.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <set>
#include <sstream>

namespace lf::verify {
namespace {

// Value of `key=` in a logfmt line: quoted (with \" escapes) or up to the next space.
std::optional<std::string> logfmt_value(std::string_view line, std::string_view key) {
  std::size_t pos = 0;
  while ((pos = line.find(key, pos)) != std::string_view::npos) {
    const bool at_field_start = pos == 0 || line[pos - 1] == ' ';
    const std::size_t value_at = pos + key.size();
    if (!at_field_start || value_at >= line.size() || line[value_at] != '=') {
      pos += key.size();
      continue;
    }
    std::size_t i = value_at + 1;
    std::string value;
    if (i < line.size() && line[i] == '"') {
      for (++i; i < line.size() && line[i] != '"'; ++i) {
        if (line[i] == '\\' && i + 1 < line.size()) ++i;
        value += line[i];
      }
      return value;
    }
    while (i < line.size() && line[i] != ' ') value += line[i++];
    return value;
  }
  return std::nullopt;
}

double seconds_between(WallTime a, WallTime b) { return std::chrono::duration<double>(b - a).count(); }

}  // namespace

std::optional<WallTime> parse_rfc3339(std::string_view text) {
  int year, month, day, hour, minute, second, consumed = 0;
  std::string copy(text.substr(0, 64));
  if (std::sscanf(copy.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &year, &month, &day, &hour, &minute, &second, &consumed) != 6)
    return std::nullopt;
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return std::nullopt;
  std::chrono::nanoseconds fraction{0};
  std::size_t i = static_cast<std::size_t>(consumed);
  if (i < copy.size() && copy[i] == '.') {
    long long scale = 100000000;
    for (++i; i < copy.size() && std::isdigit(static_cast<unsigned char>(copy[i])); ++i, scale /= 10)
      if (scale > 0) fraction += std::chrono::nanoseconds((copy[i] - '0') * scale);
  }
  std::chrono::seconds offset{0};
  if (i < copy.size() && (copy[i] == '+' || copy[i] == '-')) {
    int oh = 0, om = 0;
    if (std::sscanf(copy.c_str() + i + 1, "%2d:%2d", &oh, &om) == 2)
      offset = std::chrono::seconds((oh * 3600 + om * 60) * (copy[i] == '+' ? 1 : -1));
  } else if (i >= copy.size() || copy[i] != 'Z') {
    return std::nullopt;
  }
  const std::time_t utc = ::timegm(&tm);
  return std::chrono::system_clock::from_time_t(utc) - offset +
         std::chrono::duration_cast<std::chrono::system_clock::duration>(fraction);
}

std::optional<LogLine> parse_daprd_line(std::string_view line) {
  std::optional<std::string> time, level, message;
  if (!line.empty() && line.front() == '{') {
    auto doc = nlohmann::json::parse(line, nullptr, false);
    if (!doc.is_object()) return std::nullopt;
    auto text = [&](const char* key) -> std::optional<std::string> {
      if (doc.contains(key) && doc[key].is_string()) return doc[key].get<std::string>();
      return std::nullopt;
    };
    time = text("time");
    level = text("level");
    message = text("msg");
  } else {
    time = logfmt_value(line, "time");
    level = logfmt_value(line, "level");
    message = logfmt_value(line, "msg");
  }
  if (!time || !message) return std::nullopt;
  auto when = parse_rfc3339(*time);
  if (!when) return std::nullopt;
  return LogLine{*when, level.value_or(""), *message};
}

std::optional<double> announced_retry_wait(std::string_view message) {
  constexpr std::string_view marker = "Retrying in ";
  auto at = message.find(marker);
  if (at == std::string_view::npos) return std::nullopt;
  std::string rest(message.substr(at + marker.size(), 32));
  double value = 0;
  int consumed = 0;
  if (std::sscanf(rest.c_str(), "%lf%n", &value, &consumed) != 1) return std::nullopt;
  std::string unit = rest.substr(static_cast<std::size_t>(consumed), 2);
  if (unit.rfind("ms", 0) == 0) return value / 1000.0;
  if (!unit.empty() && unit[0] == 's') return value;
  if (!unit.empty() && unit[0] == 'm') return value * 60;
  return std::nullopt;
}

ProbeSpacing judge_probe_spacing(WallTime probe_start, double latency_s, int probe_status,
                                 const std::vector<LogLine>& retry_lines, double interval_s, double timeout_s,
                                 int max_retries, double tolerance_s) {
  ProbeSpacing r;
  r.probe_status = probe_status;
  r.latency_s = latency_s;
  r.expected_interval_s = interval_s;
  r.timeout_s = timeout_s;
  r.attempts = max_retries + 1;
  r.tolerance_s = tolerance_s;
  // Other operations log their own first failure; the probe's is the one nearest start + T.
  const LogLine* best = nullptr;
  for (const auto& line : retry_lines) {
    const double offset = seconds_between(probe_start, line.time);
    if (offset < 0 || offset > timeout_s + interval_s + tolerance_s) continue;
    if (!best || std::fabs(offset - timeout_s) < std::fabs(seconds_between(probe_start, best->time) - timeout_s))
      best = &line;
  }
  if (best) {
    r.first_failure_after_s = seconds_between(probe_start, best->time);
    auto wait = announced_retry_wait(best->message);
    r.announced_wait_matches = wait && std::fabs(*wait - interval_s) < 1e-3;
  }
  if (r.attempts > 1) r.implied_interval_s = (latency_s - r.attempts * timeout_s) / (r.attempts - 1);
  const bool failed_after_all_attempts = probe_status >= 500;
  const bool first_failure_on_time =
      r.first_failure_after_s && std::fabs(*r.first_failure_after_s - timeout_s) <= tolerance_s;
  const bool interval_on_time = r.attempts > 1 && std::fabs(r.implied_interval_s - interval_s) <= tolerance_s;
  r.passed = failed_after_all_attempts && first_failure_on_time && interval_on_time && r.announced_wait_matches;
  std::ostringstream detail;
  detail.setf(std::ios::fixed);
  detail.precision(2);
  detail << "probe publish answered " << probe_status << " after " << latency_s << "s (" << r.attempts
         << " attempts x " << timeout_s << "s timeout); first failure logged ";
  if (r.first_failure_after_s) detail << *r.first_failure_after_s << "s after the start";
  else detail << "never";
  detail << " (expected " << timeout_s << "s); implied interval " << r.implied_interval_s << "s vs configured "
         << interval_s << "s, tolerance " << tolerance_s << "s"
         << (best && !r.announced_wait_matches ? "; the line does not announce the configured interval" : "");
  r.detail = detail.str();
  return r;
}

ExactlyOnce judge_exactly_once(const std::vector<std::string>& generated_ids, const std::vector<std::string>& persisted_ids) {
  ExactlyOnce r;
  std::map<std::string, int> seen;
  for (const auto& id : persisted_ids) ++seen[id];
  std::set<std::string> unique(generated_ids.begin(), generated_ids.end());
  r.expected = static_cast<int>(unique.size());
  for (const auto& id : unique) {
    auto it = seen.find(id);
    if (it == seen.end()) r.missing.push_back(id);
    else if (it->second > 1) r.duplicated.push_back(id);
    else ++r.persisted_once;
  }
  return r;
}

void HttpTally::add(int status, double latency_ms) {
  ++by_status[status > 0 ? std::to_string(status) : "error"];
  latencies_ms.push_back(latency_ms);
}

int HttpTally::total() const { return static_cast<int>(latencies_ms.size()); }

int HttpTally::successes() const {
  int n = 0;
  for (const auto& [status, count] : by_status)
    if (status.size() == 3 && status[0] == '2') n += count;
  return n;
}

double HttpTally::percentile_ms(double p) const {
  if (latencies_ms.empty()) return 0;
  auto sorted = latencies_ms;
  std::sort(sorted.begin(), sorted.end());
  auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(sorted.size())));
  return sorted[std::clamp<std::size_t>(rank, 1, sorted.size()) - 1];
}

nlohmann::json HttpTally::to_json() const {
  return {{"total", total()},      {"successes", successes()},       {"by_status", by_status},
          {"p50_ms", percentile_ms(50)}, {"p99_ms", percentile_ms(99)}, {"max_ms", percentile_ms(100)}};
}

std::string HttpTally::summary() const {
  std::ostringstream out;
  out << total() << " requests, " << successes() << " 2xx";
  for (const auto& [status, count] : by_status)
    if (!(status.size() == 3 && status[0] == '2')) out << ", " << count << " " << status;
  out << ", p50 " << static_cast<long>(percentile_ms(50)) << "ms, p99 " << static_cast<long>(percentile_ms(99))
      << "ms, max " << static_cast<long>(percentile_ms(100)) << "ms";
  return out.str();
}

namespace {

// `name{a="x",b="y\"z"} value [timestamp]` → labels and value; nullopt for anything else.
struct Sample {
  std::map<std::string, std::string> labels;
  double value = 0;
};

std::optional<Sample> parse_sample(std::string_view line, std::string_view metric) {
  if (line.rfind(metric, 0) != 0 || line.size() == metric.size()) return std::nullopt;
  std::size_t at = metric.size();
  Sample sample;
  if (line[at] == '{') {
    ++at;
    while (at < line.size() && line[at] != '}') {
      const auto eq = line.find('=', at);
      if (eq == std::string_view::npos || eq + 1 >= line.size() || line[eq + 1] != '"') return std::nullopt;
      std::string name(line.substr(at, eq - at));
      std::string value;
      std::size_t i = eq + 2;
      for (; i < line.size() && line[i] != '"'; ++i) {
        if (line[i] == '\\' && i + 1 < line.size()) ++i;
        value += line[i];
      }
      if (i >= line.size()) return std::nullopt;  // unterminated value
      sample.labels[std::move(name)] = std::move(value);
      at = i + 1;
      if (at < line.size() && line[at] == ',') ++at;
    }
    if (at >= line.size()) return std::nullopt;
    ++at;  // '}'
  }
  if (at >= line.size() || line[at] != ' ') return std::nullopt;
  std::string rest(line.substr(at + 1));
  char* end = nullptr;
  sample.value = std::strtod(rest.c_str(), &end);
  if (end == rest.c_str()) return std::nullopt;
  return sample;
}

// Calls `visit` with each sample of `metric`, in order, until it returns false.
template <typename Visit>
void for_each_sample(std::string_view exposition, std::string_view metric, Visit visit) {
  std::size_t start = 0;
  while (start < exposition.size()) {
    std::size_t end = exposition.find('\n', start);
    if (end == std::string_view::npos) end = exposition.size();
    auto sample = parse_sample(exposition.substr(start, end - start), metric);
    start = end + 1;
    if (sample && !visit(*sample)) return;
  }
}

}  // namespace

double sum_series(std::string_view exposition, std::string_view metric, const std::map<std::string, std::string>& labels) {
  double sum = 0;
  for_each_sample(exposition, metric, [&](const Sample& sample) {
    const bool matches = std::all_of(labels.begin(), labels.end(), [&](const auto& wanted) {
      auto it = sample.labels.find(wanted.first);
      if (it == sample.labels.end()) return false;
      const std::string& value = wanted.second;
      if (!value.empty() && value.back() == '*') return it->second.rfind(value.substr(0, value.size() - 1), 0) == 0;
      return it->second == value;
    });
    if (matches) sum += sample.value;
    return true;
  });
  return sum;
}

std::optional<double> scrape_value(std::string_view exposition, std::string_view metric_name) {
  std::optional<double> first;
  for_each_sample(exposition, metric_name, [&](const Sample& sample) {
    first = sample.value;
    return false;
  });
  return first;
}

std::optional<double> sum_of_query_result(const nlohmann::json& answer) {
  if (!answer.is_object() || answer.value("status", "") != "success") return std::nullopt;
  const auto& data = answer["data"];
  if (!data.is_object() || !data["result"].is_array()) return std::nullopt;
  double sum = 0;
  for (const auto& sample : data["result"]) {
    if (!sample.is_object() || !sample["value"].is_array() || sample["value"].size() != 2 ||
        !sample["value"][1].is_string())
      return std::nullopt;
    sum += std::strtod(sample["value"][1].get<std::string>().c_str(), nullptr);
  }
  return sum;
}

// --- Circuit breakers (scenario 3) ---

std::optional<BreakerTransition> parse_breaker_transition(const LogLine& line) {
  constexpr std::string_view prefix = "Circuit breaker \"";
  constexpr std::string_view middle = "\" changed state from ";
  constexpr std::string_view to_word = " to ";
  std::string_view m = line.message;
  auto start = m.find(prefix);
  if (start == std::string_view::npos) return std::nullopt;
  m.remove_prefix(start + prefix.size());
  auto name_end = m.find(middle);
  if (name_end == std::string_view::npos) return std::nullopt;
  BreakerTransition t{line.time, std::string(m.substr(0, name_end)), {}, {}};
  m.remove_prefix(name_end + middle.size());
  auto to_at = m.find(to_word);
  if (to_at == std::string_view::npos) return std::nullopt;
  t.from = std::string(m.substr(0, to_at));
  t.to = std::string(m.substr(to_at + to_word.size()));
  if (auto end = t.to.find_first_of(" \t\r\n"); end != std::string::npos) t.to.resize(end);
  auto known = [](const std::string& s) { return s == "closed" || s == "open" || s == "half-open"; };
  if (!known(t.from) || !known(t.to)) return std::nullopt;
  return t;
}

TripJudgement judge_trip(const std::vector<WallTime>& failures, WallTime opened, int threshold, double tolerance_s) {
  TripJudgement r;
  r.threshold = threshold;
  for (const auto& at : failures) {
    const double offset = seconds_between(opened, at);
    r.failures_by_open += offset <= tolerance_s;
    r.failures_before_open += offset < -tolerance_s;
  }
  r.passed = threshold > 0 && r.failures_by_open >= threshold && r.failures_before_open < threshold;
  std::ostringstream detail;
  detail << r.failures_by_open << " failed attempts by the open line (" << r.failures_before_open
         << " more than " << tolerance_s << "s before it); the trip rule needs " << threshold << " consecutive";
  r.detail = detail.str();
  return r;
}

BreakerCycle judge_breaker_cycle(const std::vector<BreakerTransition>& transitions, const std::string& breaker,
                                 double timeout_s, double tolerance_s) {
  BreakerCycle r;
  for (const auto& t : transitions) {
    if (t.breaker != breaker) continue;
    if (!r.opened) {
      if (t.from == "closed" && t.to == "open") r.opened = t;
    } else if (!r.half_opened) {
      if (t.from == "open" && t.to == "half-open") r.half_opened = t;
    } else if (!r.closed) {
      if (t.from == "half-open" && t.to == "closed") r.closed = t;
      else if (t.from == "half-open" && t.to == "open") ++r.reopened;
    }
  }
  std::ostringstream detail;
  detail.setf(std::ios::fixed);
  detail.precision(1);
  detail << "\"" << breaker << "\": ";
  if (!r.opened) {
    detail << "never changed state from closed to open";
  } else if (!r.half_opened) {
    detail << "opened, never half-open";
  } else {
    r.open_s = seconds_between(r.opened->time, r.half_opened->time);
    detail << "open for " << r.open_s << "s (timeout " << timeout_s << "s)";
    if (r.reopened > 0) detail << ", " << r.reopened << " failed trial(s) re-opened it";
    detail << (r.closed ? ", then half-open -> closed" : ", never closed again");
  }
  r.passed = r.opened && r.half_opened && r.closed && r.open_s >= timeout_s - tolerance_s;
  if (r.half_opened && r.open_s < timeout_s - tolerance_s) detail << "; half-open before its timeout";
  r.detail = detail.str();
  return r;
}

bool is_open_breaker_answer(int status, std::string_view body) {
  auto doc = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (status != 500 || !doc.is_object()) return false;
  auto code = doc.find("errorCode");
  auto message = doc.find("message");
  if (code == doc.end() || !code->is_string() || message == doc.end() || !message->is_string()) return false;
  const std::string& text = message->get_ref<const std::string&>();
  constexpr std::string_view open = "circuit breaker is open";
  return *code == "ERR_DIRECT_INVOKE" && text.size() >= open.size() &&
         text.compare(text.size() - open.size(), open.size(), open) == 0;
}

bool is_readable_error(int status, std::string_view body) {
  if (status < 500 || status > 599) return false;
  auto doc = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object()) return false;
  for (const char* key : {"message", "error"}) {
    auto it = doc.find(key);
    if (it == doc.end() || !it->is_string()) continue;
    const std::string& text = it->get_ref<const std::string&>();
    const auto letters = std::count_if(text.begin(), text.end(), [](unsigned char c) { return std::isalpha(c); });
    if (letters >= 3 && text.find(' ') != std::string::npos) return true;
  }
  return false;
}

}  // namespace lf::verify
