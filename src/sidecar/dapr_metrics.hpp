#pragma once
// The metric families daprd exports (reference §6), with Dapr's names, labels and buckets, so
// Dapr's Grafana dashboards and PromQL written for daprd work against this sidecar.
#include <algorithm>
#include <initializer_list>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "metrics/metrics.hpp"

namespace lf::sidecar {

// Dapr's latency metrics are whole milliseconds.
inline double whole_ms_since(SteadyTime start) {
  return static_cast<double>(
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count());
}

// One call site's family with the series it used last: when the labels repeat (steady traffic to
// one endpoint) the series is found again without the family's lock and map walk, which cost about
// 800 instructions per lookup. Series are never removed, so the pointer stays valid.
template <typename Metric>
class RecentSeries {
 public:
  explicit RecentSeries(metrics::Family<Metric>& family) : family_(family) {}
  Metric& with(std::initializer_list<std::string_view> values) {
    std::lock_guard lock(mutex_);
    if (!series_ || !std::equal(values.begin(), values.end(), last_.begin(), last_.end())) {
      series_ = &family_.with(values);
      last_.assign(values.begin(), values.end());
    }
    return *series_;
  }

 private:
  metrics::Family<Metric>& family_;
  std::mutex mutex_;
  std::vector<std::string> last_;
  Metric* series_ = nullptr;
};
using RecentCounter = RecentSeries<metrics::Counter>;
using RecentHistogram = RecentSeries<metrics::Histogram>;

struct DaprMetrics {
  explicit DaprMetrics(metrics::Registry& registry);

  metrics::Registry& registry;
  // Dapr HTTP API (app -> sidecar)
  RecentCounter http_server_request_count;     // app_id, method, path, status
  RecentCounter http_server_response_count;    // same; only with increasedCardinality
  RecentHistogram http_server_latency;         // ms
  RecentHistogram http_server_request_bytes;   // app_id
  RecentHistogram http_server_response_bytes;  // app_id
  // sidecar -> own app
  RecentCounter http_client_completed_count;   // app_id, method, path, status
  RecentHistogram http_client_roundtrip_latency;
  RecentHistogram http_client_sent_bytes;
  RecentHistogram http_client_received_bytes;
  metrics::CounterFamily& http_healthprobes_completed_count;  // app_id, status
  metrics::HistogramFamily& http_healthprobes_roundtrip_latency;
  // service invocation
  RecentCounter invocation_req_sent_total;     // app_id, dst_app_id, type
  RecentCounter invocation_res_recv_total;     // app_id, src_app_id, status, type
  RecentHistogram invocation_res_recv_latency_ms;
  RecentCounter invocation_req_recv_total;     // app_id, src_app_id, type
  RecentCounter invocation_res_sent_total;     // app_id, dst_app_id, status, type
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
