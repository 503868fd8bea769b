#pragma once
// How one service-invocation attempt looks to the resiliency runner (pure logic, no sockets).
//
// With an apps target for the callee, its policy covers the whole path: failed hops are errors
// (always retried) and the app's statuses outside 200-399 are code errors matched against the
// policy. Without one, Dapr runs DaprBuiltInServiceRetries, which retry only when the call to the
// callee's sidecar failed with gRPC Unavailable/Unauthenticated; everything else, including the
// callee sidecar's own error answers, ends the invocation at once. Over HTTP, "Unavailable" is a
// transport failure before any answer: refused/failed connect or a reset connection.
#include <string>
#include <string_view>

#include "http/client.hpp"
#include "resiliency/model.hpp"
#include "resiliency/runner.hpp"

namespace lf::sidecar {

// gRPC codes the built-in retries distinguish.
inline constexpr int kGrpcDeadlineExceeded = 4;
inline constexpr int kGrpcInternal = 13;
inline constexpr int kGrpcUnavailable = 14;
inline constexpr int kGrpcUnauthenticated = 16;

// The built-in retry policy (possibly overridden by name) restricted to what Dapr retries:
// Unavailable/Unauthenticated hops, never an HTTP status.
resiliency::RetryPolicy builtin_service_retry(resiliency::RetryPolicy configured);

// The gRPC code Dapr would see for a failed hop to the callee sidecar.
int grpc_code_of(http::ClientError::Kind kind);

// An attempt whose request never got an answer from the callee sidecar.
resiliency::OpResult hop_failure(bool apps_target, http::ClientError::Kind kind, std::string message);
// An attempt that failed before sending (resolution, bad address): never Unavailable.
resiliency::OpResult pre_send_failure(bool apps_target, std::string message);

// An attempt answered with `status`; `by_callee_sidecar` marks an error made by the callee
// sidecar itself (app channel missing, app unhealthy or unreachable) rather than by the app.
resiliency::OpResult answered(bool apps_target, int status, bool by_callee_sidecar, std::string_view message);

}  // namespace lf::sidecar
