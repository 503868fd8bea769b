#pragma once
// What the scenarios share: log markers, a scoped SIGSTOP, log and status helpers, and the
// scenario functions themselves (one file each: scenario_<name>.cpp; scenarios.cpp lists them).
#include <chrono>
#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/clock.hpp"
#include "verify/judge.hpp"
#include "verify/platform_session.hpp"
#include "verify/report.hpp"
#include "verify/scenarios.hpp"

namespace lf::verify {

inline constexpr const char* retry_marker = "Retrying in ";
inline constexpr const char* resiliency_loaded_marker = "Loading Resiliency configuration:";
// No quote: logfmt lines escape it (msg="Circuit breaker \"name\" changed state …").
inline constexpr const char* breaker_marker = "Circuit breaker ";

double seconds_of(Duration d);

// The lesson id of a POST /api/lessons answer ({"lesson_id"} or {"lesson": {"lesson_id"}}); empty if none.
std::string lesson_id_of(const std::string& body);

// The id of the first topic of GET /api/curriculum through the frontend; empty if none.
std::string first_topic(PlatformSession& s, const std::string& frontend_url);

// Freezes a process for a scope: SIGCONT is sent whatever happens after SIGSTOP.
class Frozen {
 public:
  explicit Frozen(int pid);
  ~Frozen();
  Frozen(const Frozen&) = delete;
  Frozen& operator=(const Frozen&) = delete;
  void thaw();
  bool ok() const { return ok_; }

 private:
  int pid_;
  bool ok_;
};

std::size_t log_size(const PlatformSession& s, const std::string& pod);
// Parsed daprd lines from index `from` on that contain `needle`.
std::vector<LogLine> matching_lines(const std::vector<std::string>& lines, std::size_t from, const std::string& needle);
int ready_count(const PlatformSession& s, const std::string& deployment);

// Checks shared by the Kafka scenarios (1 and 2); each adds its evidence and one check to r.
// The deployment's restarts are still `before` (evidence "<deployment>_restarts").
void check_no_restart(PlatformSession& s, const std::string& deployment, int before, ScenarioResult& r);
// Retry lines logged by those pods' sidecars since the given log sizes (evidence "retry_log_samples").
std::vector<LogLine> collect_retry_lines(const PlatformSession& s, const std::map<std::string, std::size_t>& log_start,
                                         ScenarioResult& r, const std::string& check_name);
nlohmann::json spacing_evidence(const ProbeSpacing& spacing, const std::string& policy_description);
// Every generated lesson id appears exactly once in user-progress's state for `user` (within settle).
void check_persisted_once(PlatformSession& s, const std::string& user_progress_url, const std::string& user,
                          const std::vector<std::string>& generated, std::chrono::seconds settle, ScenarioResult& r,
                          const std::string& check_name);
// learnflow_outbox_depth summed over course-agent's pods reaches 0 (within settle).
void check_outbox_drained(PlatformSession& s, std::chrono::seconds settle, ScenarioResult& r, const std::string& check_name);

void kafka_unavailable(PlatformSession& s, const ScenarioOptions& o, ScenarioResult& r);
void kafka_slow(PlatformSession& s, const ScenarioOptions& o, ScenarioResult& r);
void failing_dependency(PlatformSession& s, const ScenarioOptions& o, ScenarioResult& r);
void replica_loss(PlatformSession& s, const ScenarioOptions& o, ScenarioResult& r);
void observability(PlatformSession& s, const ScenarioOptions& o, ScenarioResult& r);
void done_criterion(PlatformSession& s, const ScenarioOptions& o, ScenarioResult& r);

}  // namespace lf::verify
