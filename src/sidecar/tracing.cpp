#include "sidecar/tracing.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <nlohmann/json.hpp>

#include "http/url.hpp"
#include "log/log.hpp"

namespace lf::sidecar {

namespace {
constexpr std::size_t kMaxQueuedSpans = 10000;  // drop beyond this rather than grow without bound
const log::Logger& logger() {
  static log::Logger l("dapr.runtime.diagnostics");
  return l;
}
long long micros_since_epoch(WallTime t) {
  return std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
}
}  // namespace

std::string zipkin_json(const std::vector<Span>& spans, const std::string& service_name) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& s : spans) {
    nlohmann::json j;
    j["traceId"] = s.context.trace_id;
    j["id"] = s.context.span_id;
    if (!s.parent_span_id.empty()) j["parentId"] = s.parent_span_id;
    j["name"] = s.name;
    j["kind"] = s.kind;
    j["timestamp"] = micros_since_epoch(s.start);
    j["duration"] = std::max<long long>(1, std::chrono::duration_cast<std::chrono::microseconds>(s.duration).count());
    j["localEndpoint"] = {{"serviceName", service_name}};
    nlohmann::json tags = nlohmann::json::object();
    for (const auto& [k, v] : s.tags) tags[k] = v;
    j["tags"] = tags;
    out.push_back(std::move(j));
  }
  return out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Tracer::Tracer(boost::asio::io_context& io, http::Client& client, std::string service_name, double sampling_rate,
               std::string zipkin_endpoint)
    : io_(io), client_(client), service_name_(std::move(service_name)), sampling_rate_(sampling_rate),
      endpoint_(std::move(zipkin_endpoint)) {}

Tracer::~Tracer() {
  *alive_ = false;
  if (timer_) timer_->cancel();
}

TraceContext Tracer::start(const std::optional<TraceContext>& parent) {
  std::lock_guard lock(mutex_);
  return ids_.child_of(parent, sampling_rate_);
}

void Tracer::finish(Span span) {
  if (!records(span.context)) return;
  std::lock_guard lock(mutex_);
  if (queue_.size() < kMaxQueuedSpans) queue_.push_back(std::move(span));
}

void Tracer::start_exporting(Duration flush_interval) {
  if (!exporting()) return;
  flush_interval_ = flush_interval;
  timer_ = std::make_shared<boost::asio::steady_timer>(io_);
  schedule_flush();
}

void Tracer::schedule_flush() {
  timer_->expires_after(flush_interval_);
  std::weak_ptr<bool> alive = alive_;
  timer_->async_wait([this, alive](const boost::system::error_code& ec) {
    if (ec || alive.expired()) return;
    flush();
    schedule_flush();
  });
}

void Tracer::flush() {
  std::vector<Span> batch;
  {
    std::lock_guard lock(mutex_);
    batch.swap(queue_);
  }
  if (batch.empty()) return;
  auto url = http::url::parse_url(endpoint_);
  if (!url) {
    logger().error("invalid zipkin endpoint " + endpoint_ + ": " + url.error().message);
    return;
  }
  http::Request req;
  req.method = "POST";
  req.set_target(url->target);
  req.headers.set("Host", url->host + ":" + std::to_string(url->port));
  req.headers.set("Content-Type", "application/json");
  req.body = zipkin_json(batch, service_name_);
  http::Endpoint ep{url->host, url->port};
  boost::asio::co_spawn(
      io_,
      [this, ep, req = std::move(req), count = batch.size()]() mutable -> boost::asio::awaitable<void> {
        auto res = co_await client_.send(ep, std::move(req), std::chrono::seconds(5));
        if (!res) logger().warn("failed to export " + std::to_string(count) + " spans to zipkin: " + res.error().message);
        else if (res->status >= 300)
          logger().warn("zipkin rejected " + std::to_string(count) + " spans with status " + std::to_string(res->status));
      },
      boost::asio::detached);
}

}  // namespace lf::sidecar
