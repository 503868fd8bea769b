#pragma once
// The metric families daprd exports (reference §6), with Dapr's names, labels and buckets, so
// Dapr's Grafana dashboards and PromQL written for daprd work against this sidecar.
#include <string>

#include "core/clock.hpp"
#include "metrics/metrics.hpp"

namespace lf::sidecar {

// Dapr's latency metrics are whole milliseconds.
inline double whole_ms_since(SteadyTime start) {
  return static_cast<double>(
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count());
}

struct DaprMetrics {
  explicit DaprMetrics(metrics::Registry& registry);

  metrics::Registry& registry;
  // Dapr HTTP API (app -> sidecar)
  metrics::CounterFamily& http_server_request_count;     // app_id, method, path, status
  metrics::CounterFamily& http_server_response_count;    // same; only with increasedCardinality
  metrics::HistogramFamily& http_server_latency;         // ms
  metrics::HistogramFamily& http_server_request_bytes;   // app_id
  metrics::HistogramFamily& http_server_response_bytes;  // app_id
  // sidecar -> own app
  metrics::CounterFamily& http_client_completed_count;   // app_id, method, path, status
  metrics::HistogramFamily& http_client_roundtrip_latency;
  metrics::HistogramFamily& http_client_sent_bytes;
  metrics::HistogramFamily& http_client_received_bytes;
  metrics::CounterFamily& http_healthprobes_completed_count;  // app_id, status
  metrics::HistogramFamily& http_healthprobes_roundtrip_latency;
  // service invocation
  metrics::CounterFamily& invocation_req_sent_total;     // app_id, dst_app_id, type
  metrics::CounterFamily& invocation_res_recv_total;     // app_id, src_app_id, status, type
  metrics::HistogramFamily& invocation_res_recv_latency_ms;
  metrics::CounterFamily& invocation_req_recv_total;     // app_id, src_app_id, type
  metrics::CounterFamily& invocation_res_sent_total;     // app_id, dst_app_id, status, type
  // pub/sub
  metrics::CounterFamily& pubsub_egress_count;           // app_id, component, namespace, success, topic
  metrics::HistogramFamily& pubsub_egress_latencies;
  metrics::CounterFamily& pubsub_ingress_count;          // app_id, component, namespace, process_status, status, topic
  metrics::HistogramFamily& pubsub_ingress_latencies;
  // state
  metrics::CounterFamily& state_count;                   // app_id, component, namespace, operation, success
  metrics::HistogramFamily& state_latencies;
  // components
  metrics::CounterFamily& component_init_total;          // app_id, component
  metrics::CounterFamily& component_init_fail_total;     // app_id, component, reason, componentName
  metrics::CounterFamily& component_loaded;               // app_id
};

}  // namespace lf::sidecar
