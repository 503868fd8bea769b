#include "verify/kafka_slow_judge.hpp"

#include <algorithm>
#include <cstdlib>
#include <optional>

namespace lf::verify {
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

}  // namespace

double sum_series(std::string_view exposition, std::string_view metric, const std::map<std::string, std::string>& labels) {
  double sum = 0;
  std::size_t start = 0;
  while (start < exposition.size()) {
    std::size_t end = exposition.find('\n', start);
    if (end == std::string_view::npos) end = exposition.size();
    auto sample = parse_sample(exposition.substr(start, end - start), metric);
    start = end + 1;
    if (!sample) continue;
    const bool matches = std::all_of(labels.begin(), labels.end(), [&](const auto& wanted) {
      auto it = sample->labels.find(wanted.first);
      return it != sample->labels.end() && it->second == wanted.second;
    });
    if (matches) sum += sample->value;
  }
  return sum;
}

std::map<std::string, int> event_statuses(const std::vector<std::string>& bodies) {
  std::map<std::string, int> counts;
  for (const auto& body : bodies) {
    auto doc = nlohmann::json::parse(body, nullptr, false);
    std::string status = "none";
    if (doc.is_object() && doc["event"].is_object() && doc["event"]["status"].is_string())
      status = doc["event"]["status"].get<std::string>();
    ++counts[status];
  }
  return counts;
}

WaitBound judge_wait_bound(const HttpTally& tally, double bound_ms) {
  WaitBound w;
  w.bound_ms = bound_ms;
  w.max_ms = tally.percentile_ms(100);
  w.over_bound = static_cast<int>(
      std::count_if(tally.latencies_ms.begin(), tally.latencies_ms.end(), [&](double ms) { return ms > bound_ms; }));
  const bool all_2xx = tally.total() > 0 && tally.successes() == tally.total();
  w.passed = all_2xx && w.over_bound == 0;
  w.detail = tally.summary() + "; bound " + std::to_string(static_cast<long>(bound_ms)) + "ms, " +
             std::to_string(w.over_bound) + " over it";
  if (tally.total() == 0) w.detail = "no requests were sent";
  return w;
}

}  // namespace lf::verify
