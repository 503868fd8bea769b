#include "sidecar/delivery.hpp"

#include <nlohmann/json.hpp>

namespace lf::sidecar {

DeliveryOutcome classify_delivery(std::optional<int> app_status, std::string_view body, std::string_view transport_error) {
  DeliveryOutcome out;
  if (!app_status) {
    out.verdict = DeliveryVerdict::retry;
    out.reason = transport_error.empty() ? "the app did not answer" : std::string(transport_error);
    return out;
  }
  out.status = *app_status;
  if (*app_status == 404) {
    out.verdict = DeliveryVerdict::drop;
    out.not_found = true;
    out.reason = "non-retriable error returned from app while processing pub/sub event: status 404";
    return out;
  }
  if (*app_status < 200 || *app_status > 299) {
    out.verdict = DeliveryVerdict::retry;
    out.status_error = true;
    out.reason = "retriable error returned from app while processing pub/sub event: status " + std::to_string(*app_status);
    return out;
  }
  auto json = nlohmann::json::parse(body, nullptr, false);
  if (json.is_discarded() || !json.is_object() || !json.contains("status") || !json["status"].is_string()) {
    return out;  // 2xx without a status field is success
  }
  auto status = json["status"].get<std::string>();
  if (status == "SUCCESS" || status.empty()) return out;
  if (status == "DROP") {
    out.verdict = DeliveryVerdict::drop;
    out.reason = "DROP status returned from app while processing pub/sub event";
  } else if (status == "RETRY") {
    out.verdict = DeliveryVerdict::retry;
    out.reason = "RETRY status returned from app while processing pub/sub event";
  } else {
    out.verdict = DeliveryVerdict::retry;  // unknown statuses (case-sensitive) are retried, as Dapr does
    out.reason = "unknown status returned from app while processing pub/sub event: " + status;
  }
  return out;
}

const char* process_status_label(DeliveryVerdict v) {
  switch (v) {
    case DeliveryVerdict::success: return "success";
    case DeliveryVerdict::retry: return "retry";
    case DeliveryVerdict::drop: return "drop";
  }
  return "success";
}

}  // namespace lf::sidecar
