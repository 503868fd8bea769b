#pragma once
// Judging logic of scenario 2 (Kafka slow), free of sockets and processes (labelled counters: sum_series
// in judge.hpp): the event status of lesson answers, and the bound on a user's wait.
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "verify/judge.hpp"

namespace lf::verify {

// How many lesson answers report their `lesson-generated` event as "published", "queued" (course-agent's
// outbox), anything else by name, or "none" (an answer without event status, e.g. an error body).
std::map<std::string, int> event_statuses(const std::vector<std::string>& bodies);

// Every request answered 2xx and none waited longer than the bound.
struct WaitBound {
  double bound_ms = 0;
  double max_ms = 0;
  int over_bound = 0;
  bool passed = false;
  std::string detail;
};
WaitBound judge_wait_bound(const HttpTally& tally, double bound_ms);

}  // namespace lf::verify
