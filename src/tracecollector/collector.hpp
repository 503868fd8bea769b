#pragma once
// The local span collector: the subset of Zipkin's v2 HTTP API that the one-machine platform
// needs so the sidecars' exported spans can be seen and checked (README.md). Not a Zipkin or
// Jaeger replacement for a cluster.
//   POST /api/v2/spans                               202, or 400 {"error": "..."}
//   GET  /api/v2/services                            ["course-agent", ...]
//   GET  /api/v2/traces?serviceName=&limit=&lookback=&endTs=   [[span, ...], ...] newest first
//   GET  /api/v2/trace/{traceId}                     [span, ...] or 404
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include <boost/asio/io_context.hpp>

#include "core/error.hpp"
#include "http/message.hpp"
#include "http/server.hpp"
#include "tracecollector/span_index.hpp"
#include "tracecollector/span_log.hpp"

namespace lf::tracecollector {

struct CollectorOptions {
  std::string dir;  // where spans.jsonl lives; empty: memory only
  std::uint64_t max_file_bytes = 64ull * 1024 * 1024;
  std::size_t max_spans_in_memory = 500000;
  // Microseconds since the epoch (the default window of /api/v2/traces ends now); a test sets it.
  std::function<std::int64_t()> now_us;
};

class TraceCollector {
 public:
  explicit TraceCollector(CollectorOptions options);

  // Loads what an earlier run stored. Without a call (or without a dir) spans live in memory only.
  Result<LoadCounts> open();
  // Answers one request of the API above; 404 for other paths. Pure: no sockets involved.
  http::Response handle(const http::Request& request);
  static bool handles(const http::Request& request);

  std::size_t span_count() const;

 private:
  http::Response post_spans(const http::Request& request);
  http::Response get_traces(const http::Request& request);
  http::Response get_trace(const std::string& trace_id);
  http::Response get_services();

  CollectorOptions options_;
  mutable std::mutex mutex_;
  SpanIndex index_;
  std::unique_ptr<SpanLog> log_;
};

// The collector behind its own HTTP listener on an io_context the caller runs.
class CollectorServer {
 public:
  static Result<std::unique_ptr<CollectorServer>> start(boost::asio::io_context& io, CollectorOptions options,
                                                        std::string bind_address = "127.0.0.1", std::uint16_t port = 0);
  ~CollectorServer();

  std::uint16_t port() const { return port_; }
  std::string base_url() const;    // http://127.0.0.1:PORT
  std::string spans_url() const;   // .../api/v2/spans: the sidecars' Zipkin endpointAddress
  std::string traces_url() const;  // .../api/v2/traces
  TraceCollector& collector() { return *collector_; }

 private:
  CollectorServer() = default;
  std::shared_ptr<TraceCollector> collector_;
  std::unique_ptr<http::Server> server_;
  std::string host_;
  std::uint16_t port_ = 0;
};

}  // namespace lf::tracecollector
