#include "verify/publish_policy.hpp"

#include "core/duration.hpp"
#include "resiliency/loader.hpp"
#include "verify/scenario_support.hpp"

namespace lf::verify {

std::optional<PublishPolicy> read_publish_policy(const std::string& state_dir) {
  for (const auto& resource : resiliency::load_resiliency({state_dir + "/dapr/resources"}, nullptr)) {
    for (const auto& [component, target] : resource.components) {
      if (!target.outbound || target.outbound->retry.empty()) continue;
      auto retry = resource.retries.find(target.outbound->retry);
      auto timeout = resource.timeouts.find(target.outbound->timeout);
      if (retry == resource.retries.end() || retry->second.kind != resiliency::BackoffKind::constant) continue;
      PublishPolicy p;
      p.interval_s = seconds_of(retry->second.duration);
      p.timeout_s = timeout == resource.timeouts.end() ? 0 : seconds_of(timeout->second);
      p.max_retries = static_cast<long>(retry->second.max_retries);
      p.component = component;
      p.description = component + " outbound: retry " + target.outbound->retry + " (constant " +
                      format_go_duration(retry->second.duration) + ", maxRetries " + std::to_string(p.max_retries) +
                      "), timeout " + target.outbound->timeout + " (" +
                      (timeout == resource.timeouts.end() ? std::string("none") : format_go_duration(timeout->second)) + ")";
      return p;
    }
  }
  return std::nullopt;
}

}  // namespace lf::verify
