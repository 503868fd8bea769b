#include "sidecar/invoke_retry.hpp"

namespace lf::sidecar {

using resiliency::OpResult;

resiliency::RetryPolicy builtin_service_retry(resiliency::RetryPolicy configured) {
  configured.http_status_codes = resiliency::StatusCodeSet{};  // no HTTP status is retried
  configured.grpc_status_codes = resiliency::StatusCodeSet{
      {{kGrpcUnavailable, kGrpcUnavailable}, {kGrpcUnauthenticated, kGrpcUnauthenticated}}};
  return configured;
}

int grpc_code_of(http::ClientError::Kind kind) {
  switch (kind) {
    case http::ClientError::connect_refused:
    case http::ClientError::connect_failed:
    case http::ClientError::connection_reset: return kGrpcUnavailable;
    case http::ClientError::timeout: return kGrpcDeadlineExceeded;
    case http::ClientError::protocol:
    case http::ClientError::body_too_large: return kGrpcInternal;
  }
  return kGrpcInternal;
}

OpResult hop_failure(bool apps_target, http::ClientError::Kind kind, std::string message) {
  if (apps_target) return OpResult::failure(std::move(message));
  return OpResult::code_error(grpc_code_of(kind), std::move(message));
}

OpResult pre_send_failure(bool apps_target, std::string message) {
  if (apps_target) return OpResult::failure(std::move(message));
  return OpResult::code_error(kGrpcInternal, std::move(message));
}

OpResult answered(bool apps_target, int status, bool by_callee_sidecar, std::string_view message) {
  if (by_callee_sidecar && status >= 500) {
    return apps_target ? OpResult::failure(std::string(message)) : OpResult::code_error(kGrpcInternal, std::string(message));
  }
  if (apps_target && (status < 200 || status > 399)) {
    return OpResult::code_error(status, "received non-successful status code: " + std::to_string(status));
  }
  return OpResult::ok();
}

}  // namespace lf::sidecar
