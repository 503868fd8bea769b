#pragma once
// The pub/sub component's outbound policy as the sidecars load it (scenarios 1 and 2 judge against it).
#include <optional>
#include <string>

namespace lf::verify {

// The constant retry interval, retry count and per-attempt timeout of the first component whose
// outbound policy has a constant retry.
struct PublishPolicy {
  double interval_s = 0;
  double timeout_s = 0;
  long max_retries = 0;
  std::string component;
  std::string description;
  int attempts() const { return static_cast<int>(max_retries) + 1; }
  // A publish that fails every attempt: A*T + (A-1)*I.
  double exhausted_after_s() const { return attempts() * timeout_s + (attempts() - 1) * interval_s; }
};

// Read with the sidecar's own loader from the files the sidecars load (state dir/dapr/resources).
std::optional<PublishPolicy> read_publish_policy(const std::string& state_dir);

}  // namespace lf::verify
