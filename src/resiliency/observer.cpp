#include "resiliency/observer.hpp"

namespace lf::resiliency {

const char* policy_label(PolicyKind kind) {
  switch (kind) {
    case PolicyKind::timeout: return "timeout";
    case PolicyKind::retry: return "retry";
    case PolicyKind::circuit_breaker: return "circuitbreaker";
  }
  return "";
}

const char* direction_label(FlowDirection direction) {
  return direction == FlowDirection::inbound ? "inbound" : "outbound";
}

}  // namespace lf::resiliency
