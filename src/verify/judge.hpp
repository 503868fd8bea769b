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

// The retry interval observed on one publish sent straight to a sidecar while the broker is frozen.
// A sidecar logs "Retrying in <d>…" only at the first failure of an operation (reference/dapr.md), so
// the spacing is derived from that line's timestamp and the publish's total latency: every attempt
// lasts its whole timeout T while the broker is frozen, the first failure comes T after the start,
// and the publish fails after A = maxRetries + 1 attempts, so latency = A*T + (A-1)*interval.
struct ProbeSpacing {
  int probe_status = 0;
  double latency_s = 0;
  std::optional<double> first_failure_after_s;  // the retry line's offset from the probe's start
  double implied_interval_s = 0;
  double expected_interval_s = 0;
  double timeout_s = 0;
  int attempts = 0;
  double tolerance_s = 0;
  bool announced_wait_matches = false;
  bool passed = false;
  std::string detail;
};
ProbeSpacing judge_probe_spacing(WallTime probe_start, double latency_s, int probe_status,
                                 const std::vector<LogLine>& retry_lines, double interval_s, double timeout_s,
                                 int max_retries, double tolerance_s);

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

// Sum of every sample of `metric` whose labels include all of `labels` (0 when none matches: a
// counter appears only at its first increment); a wanted value ending in '*' matches by prefix.
// Lines that are not samples are skipped (untrusted text).
double sum_series(std::string_view exposition, std::string_view metric, const std::map<std::string, std::string>& labels);

// Value of an unlabelled (or first matching) series in Prometheus text exposition.
std::optional<double> scrape_value(std::string_view exposition, std::string_view metric_name);

// Sum of every sample of a Prometheus /api/v1/query answer (vector result); nullopt on error.
std::optional<double> sum_of_query_result(const nlohmann::json& answer);

// --- Circuit breakers (scenario 3) ---

// `Circuit breaker "<name>" changed state from <from> to <to>` (reference/dapr.md 1.8).
struct BreakerTransition {
  WallTime time;
  std::string breaker;
  std::string from;
  std::string to;
};
std::optional<BreakerTransition> parse_breaker_transition(const LogLine& line);

// Whether a closed breaker opened at the failure its trip rule names: with `threshold` consecutive
// failures needed, at least `threshold` failures came by the open line (plus tolerance, since the
// line and the failure that tripped it are logged in either order) and fewer than `threshold`
// before it (minus tolerance), so it neither opened early nor waited past the rule.
struct TripJudgement {
  int threshold = 0;
  int failures_by_open = 0;
  int failures_before_open = 0;
  bool passed = false;
  std::string detail;
};
TripJudgement judge_trip(const std::vector<WallTime>& failures, WallTime opened, int threshold, double tolerance_s);

// One breaker's cycle in time order: closed -> open, open -> half-open no earlier than the
// breaker's timeout after opening (tolerance_s early allowed for log-time rounding), then half-open -> closed.
struct BreakerCycle {
  std::optional<BreakerTransition> opened;
  std::optional<BreakerTransition> half_opened;
  std::optional<BreakerTransition> closed;
  int reopened = 0;  // half-open -> open on the way (a failed trial request)
  double open_s = 0;  // opened -> first half-open
  bool passed = false;
  std::string detail;
};
BreakerCycle judge_breaker_cycle(const std::vector<BreakerTransition>& transitions, const std::string& breaker,
                                 double timeout_s, double tolerance_s);

// Dapr's answer for an invocation refused by an open breaker: 500, errorCode ERR_DIRECT_INVOKE and
// a message ending in "circuit breaker is open".
bool is_open_breaker_answer(int status, std::string_view body);

// An error a person can read: a 5xx whose body is a JSON object with a "message" (or "error") in
// words (letters and at least one space), not an empty body or a bare code.
bool is_readable_error(int status, std::string_view body);

}  // namespace lf::verify
