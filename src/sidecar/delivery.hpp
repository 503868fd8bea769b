#pragma once
// How a subscriber app's answer to a delivery is judged, per Dapr's table (reference §3.3).
#include <optional>
#include <string>
#include <string_view>

namespace lf::sidecar {

enum class DeliveryVerdict { success, retry, drop };

struct DeliveryOutcome {
  DeliveryVerdict verdict = DeliveryVerdict::success;
  int status = 0;            // the app's HTTP status (0: no answer)
  bool not_found = false;    // 404: dropped with an error, not retried
  bool status_error = false; // a non-2xx answer: a status-carrying error that `matching` can filter
  std::string reason;        // for log lines
};

// app_status: nullopt when the app could not be reached or timed out (transport_error says why).
DeliveryOutcome classify_delivery(std::optional<int> app_status, std::string_view body, std::string_view transport_error = {});

// Dapr's pubsub ingress `process_status` / `status` label values.
const char* process_status_label(DeliveryVerdict v);

}  // namespace lf::sidecar
