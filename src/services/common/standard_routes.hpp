#pragma once
// The routes every service has: /healthz (alive), /readyz (ready only while the sidecar answers
// and the service is not shutting down) and /metrics (Prometheus text).
#include <atomic>

#include "dapr_client/dapr_client.hpp"
#include "metrics/metrics.hpp"
#include "services/common/router.hpp"

namespace lf::services {

void add_standard_routes(Router& router, dapr::DaprClient& dapr, metrics::Registry& registry,
                         const std::atomic<bool>& shutting_down);

}  // namespace lf::services
