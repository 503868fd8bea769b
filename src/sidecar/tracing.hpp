#pragma once
// Spans for the Dapr API, invocation hops, publishing and deliveries, exported as Zipkin v2 JSON
// in batches from a timer, never on the request path. Sampling follows the Configuration's
// samplingRate for new traces and the parent's flag otherwise.
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "core/clock.hpp"
#include "http/client.hpp"
#include "sidecar/trace_context.hpp"

namespace lf::sidecar {

struct Span {
  TraceContext context;
  std::string parent_span_id;
  std::string name;
  std::string kind;  // SERVER, CLIENT, PRODUCER, CONSUMER
  WallTime start;
  Duration duration{};
  std::vector<std::pair<std::string, std::string>> tags;
};

std::string zipkin_json(const std::vector<Span>& spans, const std::string& service_name);

class Tracer {
 public:
  Tracer(boost::asio::io_context& io, http::Client& client, std::string service_name, double sampling_rate,
         std::string zipkin_endpoint);
  ~Tracer();

  // A span context for work caused by `parent` (an incoming traceparent), or a new root.
  TraceContext start(const std::optional<TraceContext>& parent);
  // Whether finish() would keep a span of this trace: callers skip building spans that are dropped.
  bool records(const TraceContext& context) const { return exporting() && context.sampled; }
  // Queues a finished span when its trace is sampled and an exporter is configured.
  void finish(Span span);
  void start_exporting(Duration flush_interval = std::chrono::seconds(1));
  // Sends whatever is queued (used at shutdown).
  void flush();
  bool exporting() const { return !endpoint_.empty() && sampling_rate_ > 0; }

 private:
  void schedule_flush();
  boost::asio::io_context& io_;
  http::Client& client_;
  std::string service_name_;
  double sampling_rate_;
  std::string endpoint_;
  std::mutex mutex_;
  TraceIdGenerator ids_;
  std::vector<Span> queue_;
  Duration flush_interval_ = std::chrono::seconds(1);
  std::shared_ptr<boost::asio::steady_timer> timer_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace lf::sidecar
