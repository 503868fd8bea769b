#include "tracecollector/collector.hpp"

#include <chrono>
#include <limits>

#include "core/strings.hpp"
#include "http/url.hpp"

namespace lf::tracecollector {

namespace {

using Json = nlohmann::json;

constexpr std::string_view kApi = "/api/v2/";
constexpr std::int64_t kDefaultLookbackMs = 86400000;  // Zipkin's default: one day
constexpr std::size_t kMaxLimit = 10000;

http::Response error(int status, const std::string& message) {
  return http::Response::json(status, Json{{"error", message}}.dump(-1, ' ', false, Json::error_handler_t::replace));
}

std::string dump(const Json& json) { return json.dump(-1, ' ', false, Json::error_handler_t::replace); }

Json spans_json(const std::vector<const StoredSpan*>& spans) {
  Json out = Json::array();
  for (const auto* span : spans) out.push_back(span->json);
  return out;
}

// A non-negative integer query parameter; nullopt when absent, an error when not a number.
Result<std::optional<std::int64_t>> integer_param(const http::url::QueryPairs& query, const std::string& name) {
  for (const auto& [key, value] : query) {
    if (key != name) continue;
    long long parsed = 0;
    if (!parse_int64(value, parsed) || parsed < 0) return fail(name + " must be a non-negative integer");
    return std::optional<std::int64_t>(parsed);
  }
  return std::optional<std::int64_t>();
}

std::int64_t system_now_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

TraceCollector::TraceCollector(CollectorOptions options) : options_(std::move(options)), index_(options_.max_spans_in_memory) {
  if (!options_.now_us) options_.now_us = system_now_us;
}

Result<LoadCounts> TraceCollector::open() {
  std::lock_guard lock(mutex_);
  if (options_.dir.empty()) return LoadCounts{};
  auto log = std::make_unique<SpanLog>(SpanLogOptions{options_.dir, options_.max_file_bytes});
  auto counts = log->open([this](StoredSpan span) { index_.add(std::move(span)); });
  if (!counts) return counts;
  log_ = std::move(log);
  return counts;
}

std::size_t TraceCollector::span_count() const {
  std::lock_guard lock(mutex_);
  return index_.span_count();
}

bool TraceCollector::handles(const http::Request& request) { return starts_with(request.path, kApi); }

http::Response TraceCollector::handle(const http::Request& request) {
  const std::string& path = request.path;
  if (path == "/api/v2/spans") {
    if (request.method == "POST") return post_spans(request);
    return error(405, "use POST for /api/v2/spans");
  }
  if (request.method != "GET") return error(405, "this collector's read API takes GET");
  if (path == "/api/v2/services") return get_services();
  if (path == "/api/v2/traces") return get_traces(request);
  constexpr std::string_view trace_prefix = "/api/v2/trace/";
  if (starts_with(path, trace_prefix)) return get_trace(path.substr(trace_prefix.size()));
  return error(404, "not found: this collector serves /api/v2/spans, /api/v2/services, /api/v2/traces, /api/v2/trace/{traceId}");
}

http::Response TraceCollector::post_spans(const http::Request& request) {
  auto content_type = request.headers.get_or("Content-Type", "application/json");
  if (content_type.find("json") == std::string_view::npos)
    return error(415, "only Zipkin v2 JSON is accepted (Content-Type application/json)");
  auto spans = parse_span_batch(request.body);
  if (!spans) return error(400, spans.error().message);
  std::lock_guard lock(mutex_);
  if (log_) {
    if (auto s = log_->append(*spans); !s) return error(500, s.error().message);
  }
  for (auto& span : *spans) index_.add(std::move(span));
  return http::Response::text(202, "");
}

http::Response TraceCollector::get_services() {
  std::lock_guard lock(mutex_);
  return http::Response::json(200, dump(Json(index_.services())));
}

http::Response TraceCollector::get_traces(const http::Request& request) {
  const auto query = http::url::parse_query(request.query);
  TraceQuery q;
  for (const auto& [key, value] : query)
    if (key == "serviceName") q.service_name = to_lower(value);
  auto limit = integer_param(query, "limit");
  auto lookback = integer_param(query, "lookback");
  auto end_ts = integer_param(query, "endTs");
  for (const auto* param : {&limit, &lookback, &end_ts})
    if (!*param) return error(400, param->error().message);
  constexpr std::int64_t max_ms = std::numeric_limits<std::int64_t>::max() / 1000;
  q.limit = static_cast<std::size_t>(std::min<std::int64_t>(limit->value_or(10), kMaxLimit));
  q.end_ts_us = std::min(end_ts->value_or(options_.now_us() / 1000), max_ms) * 1000;
  q.lookback_us = std::min(lookback->value_or(kDefaultLookbackMs), max_ms) * 1000;
  std::lock_guard lock(mutex_);
  Json out = Json::array();
  for (const auto& trace : index_.traces(q)) out.push_back(spans_json(trace));
  return http::Response::json(200, dump(out));
}

http::Response TraceCollector::get_trace(const std::string& raw_id) {
  std::string trace_id = to_lower(raw_id);
  std::lock_guard lock(mutex_);
  auto spans = index_.trace(trace_id);
  if (!spans) return error(404, "trace " + trace_id + " not found");
  return http::Response::json(200, dump(spans_json(*spans)));
}

Result<std::unique_ptr<CollectorServer>> CollectorServer::start(boost::asio::io_context& io, CollectorOptions options,
                                                                std::string bind_address, std::uint16_t port) {
  std::unique_ptr<CollectorServer> server(new CollectorServer());
  server->collector_ = std::make_shared<TraceCollector>(std::move(options));
  if (auto loaded = server->collector_->open(); !loaded) return fail("the span collector cannot start: " + loaded.error().message);
  http::ServerOptions server_options;
  server_options.bind_address = bind_address;
  server_options.port = port;
  server_options.body_limit = 16 * 1024 * 1024;  // a sidecar batch of 10000 spans fits
  server->server_ = std::make_unique<http::Server>(
      io, server_options, [collector = server->collector_](http::Request request) -> boost::asio::awaitable<http::Response> {
        co_return collector->handle(request);
      });
  auto bound = server->server_->listen();
  if (!bound) return fail("the span collector cannot listen on " + bind_address + ": " + bound.error().message);
  server->host_ = bind_address;
  server->port_ = *bound;
  return server;
}

CollectorServer::~CollectorServer() = default;

std::string CollectorServer::base_url() const { return "http://" + host_ + ":" + std::to_string(port_); }
std::string CollectorServer::spans_url() const { return base_url() + "/api/v2/spans"; }
std::string CollectorServer::traces_url() const { return base_url() + "/api/v2/traces"; }

}  // namespace lf::tracecollector
