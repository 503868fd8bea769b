#pragma once
// Kubelet probe and restart rules (kubernetes.md §7) as clock-driven state, with no I/O: the
// runner asks when the next probe is due, runs it, and records the outcome.
#include <algorithm>
#include <string>

#include "core/clock.hpp"
#include "k8s/workload.hpp"

namespace lf::platform {

// Success = an HTTP status 200-399 within the timeout (anything else, or no answer, is a failure).
inline bool probe_status_succeeds(int http_status) { return http_status >= 200 && http_status < 400; }

enum class ProbeKind { startup, readiness, liveness };

class ProbeTracker {
 public:
  // The container started at `container_start`. Startup and readiness start as failing and
  // liveness as succeeding, like the kubelet's initial results.
  ProbeTracker(k8s::Probe spec, ProbeKind kind, SteadyTime container_start);

  // The first probe runs initialDelaySeconds after the start, then every periodSeconds.
  SteadyTime next_due() const { return next_due_; }
  bool due(SteadyTime now) const { return now >= next_due_; }
  Duration timeout() const { return std::chrono::seconds(spec_.timeout_seconds); }

  // Records one probe outcome observed at `now`; returns true when the result flipped.
  bool record(SteadyTime now, bool success);

  // Startup: started (then it is never run again). Readiness: ready. Liveness: alive (false =
  // the kubelet kills and restarts the container).
  bool passing() const { return passing_; }
  // failureThreshold consecutive failures: a startup probe in this state restarts the container.
  bool failed() const { return failures_ >= std::max(1, spec_.failure_threshold); }
  int consecutive_failures() const { return failures_; }
  const k8s::Probe& spec() const { return spec_; }
  ProbeKind kind() const { return kind_; }

 private:
  k8s::Probe spec_;
  ProbeKind kind_;
  bool passing_;
  int successes_ = 0;
  int failures_ = 0;
  SteadyTime next_due_;
};

// The kubelet's container restart back-off: 10 s, doubling, capped at 5 min; reset once a
// container ran 10 min without crashing.
class RestartBackOff {
 public:
  static constexpr Duration kInitial = std::chrono::seconds(10);
  static constexpr Duration kMax = std::chrono::minutes(5);
  static constexpr Duration kResetAfter = std::chrono::minutes(10);

  // The container that started at `started` exited at `exited`: when may it start again?
  SteadyTime restart_at(SteadyTime started, SteadyTime exited);
  Duration current_delay() const { return next_delay_; }

 private:
  Duration next_delay_ = kInitial;
};

}  // namespace lf::platform
