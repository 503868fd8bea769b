#include "verify/kafka_slow_judge.hpp"

#include <algorithm>

namespace lf::verify {

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
