#include "platform/probe.hpp"

#include <algorithm>

namespace lf::platform {

ProbeTracker::ProbeTracker(k8s::Probe spec, ProbeKind kind, SteadyTime container_start)
    : spec_(std::move(spec)),
      kind_(kind),
      passing_(kind == ProbeKind::liveness),
      next_due_(container_start + std::chrono::seconds(spec_.initial_delay_seconds)) {}

bool ProbeTracker::record(SteadyTime now, bool success) {
  next_due_ = now + std::chrono::seconds(std::max(1, spec_.period_seconds));
  const bool before = passing_;
  if (success) {
    failures_ = 0;
    if (++successes_ >= std::max(1, spec_.success_threshold)) passing_ = true;
  } else {
    successes_ = 0;
    if (++failures_ >= std::max(1, spec_.failure_threshold)) passing_ = false;
  }
  return before != passing_;
}

SteadyTime RestartBackOff::restart_at(SteadyTime started, SteadyTime exited) {
  if (exited - started >= kResetAfter) next_delay_ = kInitial;
  const SteadyTime at = exited + next_delay_;
  next_delay_ = std::min(next_delay_ * 2, kMax);
  return at;
}

}  // namespace lf::platform
