#pragma once
// The judging logic of the scenarios, free of sockets and processes so it is unit-tested with fixed
// inputs: sidecar log lines, retry spacing, exactly-once counting, HTTP result tallies.
#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace lf::verify {

using WallTime = std::chrono::system_clock::time_point;

// One daprd log line (logfmt `time=... level=... msg="..."` or the --log-as-json form).
struct LogLine {
  WallTime time;
  std::string level;
  std::string message;
};

// Nullopt for anything that is not a daprd line with a parsable RFC 3339 time (untrusted text).
std::optional<LogLine> parse_daprd_line(std::string_view line);
std::optional<WallTime> parse_rfc3339(std::string_view text);

// "Error processing operation X. Retrying in 1s…": the announced wait, in seconds.
std::optional<double> announced_retry_wait(std::string_view message);

// Retry lines are chained into attempt sequences: consecutive lines of one sequence lie within the
// physically possible window [interval - tolerance, interval + attempt_timeout + tolerance] (the next
// failure comes one wait plus at most one attempt later); interleaved sequences are separated by
// matching pairs closest to the expected gap first. With the broker frozen every attempt lasts its
// whole timeout, so the expected gap is interval + attempt_timeout; the verdict compares the median.
struct RetrySpacing {
  int retry_lines = 0;
  int pairs = 0;                 // consecutive lines of one sequence
  double median_gap_s = 0;
  double min_gap_s = 0;
  double max_gap_s = 0;
  double expected_gap_s = 0;
  double tolerance_s = 0;
  bool announced_waits_match = false;  // every line announces the configured interval
  bool passed = false;
  std::string detail;
};
RetrySpacing judge_retry_spacing(const std::vector<LogLine>& retry_lines, double interval_s, double attempt_timeout_s,
                                 double tolerance_s);

// Every generated id persisted exactly once.
struct ExactlyOnce {
  int expected = 0;
  int persisted_once = 0;
  std::vector<std::string> missing;
  std::vector<std::string> duplicated;
  bool passed() const { return expected > 0 && missing.empty() && duplicated.empty() && persisted_once == expected; }
};
ExactlyOnce judge_exactly_once(const std::vector<std::string>& generated_ids, const std::vector<std::string>& persisted_ids);

// Results of requests sent by a load generator.
struct HttpTally {
  std::map<std::string, int> by_status;  // "201", "503", "error" (no answer)
  std::vector<double> latencies_ms;
  void add(int status, double latency_ms);      // status <= 0: no answer
  int total() const;
  int successes() const;                        // 2xx
  double percentile_ms(double p) const;         // nearest rank, 0 when empty
  nlohmann::json to_json() const;
  std::string summary() const;                  // "120 requests, 120 2xx, p50 12ms, p99 40ms, max 80ms"
};

// Value of an unlabelled (or first matching) series in Prometheus text exposition.
std::optional<double> scrape_value(std::string_view exposition, std::string_view metric_name);

// Sum of every sample of a Prometheus /api/v1/query answer (vector result); nullopt on error.
std::optional<double> sum_of_query_result(const nlohmann::json& answer);

}  // namespace lf::verify
