#include "sidecar/dapr_metrics.hpp"

namespace lf::sidecar {

namespace {
using metrics::dapr_latency_buckets_ms;
using metrics::dapr_size_buckets_bytes;
const std::vector<std::string> kHttpLabels = {"app_id", "method", "path", "status"};
const std::vector<std::string> kPubsubLabels = {"app_id", "component", "namespace", "success", "topic"};
const std::vector<std::string> kIngressLabels = {"app_id", "component", "namespace", "process_status", "status", "topic"};
const std::vector<std::string> kStateLabels = {"app_id", "component", "namespace", "operation", "success"};
}  // namespace

DaprMetrics::DaprMetrics(metrics::Registry& r)
    : registry(r),
      http_server_request_count(r.counter("dapr_http_server_request_count", "Number of HTTP requests started in server.", kHttpLabels)),
      http_server_response_count(r.counter("dapr_http_server_response_count", "The number of HTTP responses", kHttpLabels)),
      http_server_latency(r.histogram("dapr_http_server_latency", "HTTP request end-to-end latency in server.", kHttpLabels,
                                      dapr_latency_buckets_ms())),
      http_server_request_bytes(r.histogram("dapr_http_server_request_bytes", "HTTP request body size if set as ContentLength (uncompressed) in server.",
                                            {"app_id"}, dapr_size_buckets_bytes())),
      http_server_response_bytes(r.histogram("dapr_http_server_response_bytes", "HTTP response body size (uncompressed) in server.",
                                             {"app_id"}, dapr_size_buckets_bytes())),
      http_client_completed_count(r.counter("dapr_http_client_completed_count", "Count of completed requests", kHttpLabels)),
      http_client_roundtrip_latency(r.histogram("dapr_http_client_roundtrip_latency", "End-to-end latency", kHttpLabels,
                                                dapr_latency_buckets_ms())),
      http_client_sent_bytes(r.histogram("dapr_http_client_sent_bytes", "Total bytes sent in request body (not including headers)",
                                         {"app_id"}, dapr_size_buckets_bytes())),
      http_client_received_bytes(r.histogram("dapr_http_client_received_bytes", "Total bytes received in response bodies (not including headers but including error responses with bodies)",
                                             {"app_id"}, dapr_size_buckets_bytes())),
      http_healthprobes_completed_count(r.counter("dapr_http_healthprobes_completed_count", "Count of completed health probes",
                                                  {"app_id", "status"})),
      http_healthprobes_roundtrip_latency(r.histogram("dapr_http_healthprobes_roundtrip_latency", "Time between first byte of health probes headers sent to last byte of response received, or terminal error",
                                                      {"app_id", "status"}, dapr_latency_buckets_ms())),
      invocation_req_sent_total(r.counter("dapr_runtime_service_invocation_req_sent_total", "The number of requests sent via service invocation.",
                                          {"app_id", "dst_app_id", "type"})),
      invocation_res_recv_total(r.counter("dapr_runtime_service_invocation_res_recv_total", "The number of responses received via service invocation.",
                                          {"app_id", "src_app_id", "status", "type"})),
      invocation_res_recv_latency_ms(r.histogram("dapr_runtime_service_invocation_res_recv_latency_ms", "The latency of service invocation response.",
                                                 {"app_id", "src_app_id", "status", "type"}, dapr_latency_buckets_ms())),
      invocation_req_recv_total(r.counter("dapr_runtime_service_invocation_req_recv_total", "The number of requests received via service invocation.",
                                          {"app_id", "src_app_id", "type"})),
      invocation_res_sent_total(r.counter("dapr_runtime_service_invocation_res_sent_total", "The number of responses sent via service invocation.",
                                          {"app_id", "dst_app_id", "status", "type"})),
      pubsub_egress_count(r.counter("dapr_component_pubsub_egress_count", "The number of outgoing messages published to the pub/sub component.", kPubsubLabels)),
      pubsub_egress_latencies(r.histogram("dapr_component_pubsub_egress_latencies", "The latency of the response from the pub/sub component.",
                                          kPubsubLabels, dapr_latency_buckets_ms())),
      pubsub_ingress_count(r.counter("dapr_component_pubsub_ingress_count", "The number of incoming messages arriving from the pub/sub component.", kIngressLabels)),
      pubsub_ingress_latencies(r.histogram("dapr_component_pubsub_ingress_latencies", "The consuming app event processing latency.",
                                           kIngressLabels, dapr_latency_buckets_ms())),
      state_count(r.counter("dapr_component_state_count", "The number of operations performed on the state component.", kStateLabels)),
      state_latencies(r.histogram("dapr_component_state_latencies", "The latency of the response from the state component.",
                                  kStateLabels, dapr_latency_buckets_ms())),
      component_init_total(r.counter("dapr_runtime_component_init_total", "The number of initialized components.", {"app_id", "component"})),
      component_init_fail_total(r.counter("dapr_runtime_component_init_fail_total", "The number of component initialization failures.",
                                          {"app_id", "component", "reason", "componentName"})),
      component_loaded(r.counter("dapr_runtime_component_loaded", "The number of successfully loaded components.", {"app_id"})) {}

}  // namespace lf::sidecar
