#include "sidecar/api.hpp"

#include <nlohmann/json.hpp>

#include "core/strings.hpp"
#include "http/url.hpp"

namespace lf::sidecar {

namespace {

using Json = nlohmann::ordered_json;

struct PathParts {
  std::vector<std::string> segments;  // percent-decoded
};

PathParts split_path(const std::string& raw_path) {
  PathParts out;
  out.segments.reserve(8);
  std::string_view rest(raw_path);
  while (!rest.empty()) {
    const auto slash = rest.find('/');
    const auto seg = rest.substr(0, slash);
    rest = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
    if (seg.empty()) continue;
    if (seg.find('%') == std::string_view::npos) {
      out.segments.emplace_back(seg);
      continue;
    }
    auto decoded = http::url::percent_decode(seg);
    out.segments.push_back(decoded ? std::move(*decoded) : std::string(seg));
  }
  return out;
}

// The rest of the raw path after `count` segments, without the leading '/'.
std::string rest_after(const std::string& raw_path, std::size_t count) {
  std::size_t pos = 0;
  for (std::size_t i = 0; i < count && pos != std::string::npos; ++i) {
    pos = raw_path.find('/', pos + 1);
  }
  if (pos == std::string::npos) return {};
  return raw_path.substr(pos + 1);
}

bool token_exempt(const http::Request& r) {
  return r.method == "GET" && (r.path == "/v1.0/healthz" || r.path == "/v1.0/healthz/outbound");
}

http::Response no_content() {
  http::Response r;
  r.status = 204;
  return r;
}

http::Response health(const SidecarContext& ctx, const http::Request& req) {
  auto query = http::url::parse_query(req.query);
  for (const auto& [k, v] : query)
    if (k == "appid" && v != ctx.options.app_id)
      return http::error_response(500, "ERR_HEALTH_APPID_NOT_MATCH", "dapr app-id does not match");
  return no_content();
}

Json component_metadata(const SidecarContext& ctx) {
  Json list = Json::array();
  for (const auto& c : ctx.components) {
    Json caps = Json::array();
    if (c.type.rfind("state.", 0) == 0) caps = {"ETAG", "TRANSACTIONAL", "TTL"};
    list.push_back({{"name", c.metadata.name}, {"type", c.type}, {"version", c.version.empty() ? "v1" : c.version},
                    {"capabilities", caps}});
  }
  return list;
}

http::Response metadata(SidecarContext& ctx) {
  Json j;
  j["id"] = ctx.options.app_id;
  j["runtimeVersion"] = "1.0.0-learnflow";
  j["enabledFeatures"] = Json::array();
  j["components"] = component_metadata(ctx);
  Json ext = {{"daprRuntimeVersion", "1.0.0-learnflow"}};
  Json subs = Json::array();
  {
    // Subscriptions start on the I/O thread after the app is discovered; with --threads > 1 this
    // handler may run on another thread.
    std::lock_guard lock(ctx.metadata_mutex);
    for (const auto& [k, v] : ctx.extended_metadata) ext[k] = v;
    for (const auto& s : ctx.subscriptions) subs.push_back(subscription_metadata(s));
  }
  j["extended"] = ext;
  if (!subs.empty()) j["subscriptions"] = subs;
  if (ctx.app.configured()) {
    Json conn = {{"port", ctx.options.app_port},
                 {"protocol", ctx.options.app_protocol},
                 {"channelAddress", ctx.options.app_channel_address},
                 {"maxConcurrency", ctx.options.app_max_concurrency}};
    if (ctx.options.enable_app_health_check)
      conn["health"] = {{"healthCheckPath", ctx.options.app_health_check_path},
                        {"healthProbeInterval", std::to_string(std::chrono::duration_cast<std::chrono::seconds>(ctx.options.app_health_probe_interval).count()) + "s"},
                        {"healthProbeTimeout", std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(ctx.options.app_health_probe_timeout).count()) + "ms"},
                        {"healthThreshold", ctx.options.app_health_threshold}};
    j["appConnectionProperties"] = conn;
  }
  return http::Response::json(200, j.dump());
}

boost::asio::awaitable<http::Response> route(SidecarContext& ctx, http::Request req, TraceContext trace) {
  const auto parts = split_path(req.path);
  const auto& s = parts.segments;
  const std::string& m = req.method;
  if (s.size() >= 2 && s[0] == "v1.0") {
    const std::string& area = s[1];
    if (area == "healthz" && m == "GET" && s.size() == 2) co_return health(ctx, req);
    if (area == "healthz" && m == "GET" && s.size() == 3 && s[2] == "outbound") co_return no_content();
    if (area == "metadata" && s.size() == 2 && m == "GET") co_return metadata(ctx);
    if (area == "metadata" && s.size() == 3 && m == "PUT") {
      std::lock_guard lock(ctx.metadata_mutex);
      ctx.extended_metadata[s[2]] = req.body;
      co_return no_content();
    }
    if (area == "invoke" && s.size() >= 4 && s[3] == "method" && m != "CONNECT") {
      std::string method = rest_after(req.path, 4);
      co_return co_await invoke_app(ctx, s[2], std::move(method), std::move(req), trace);
    }
    if (area == "publish" && (m == "POST" || m == "PUT")) {
      if (s.size() < 3 || s[2].empty())
        co_return http::error_response(404, "ERR_PUBSUB_NOT_FOUND", "pubsub name is empty");
      if (s.size() < 4) co_return http::error_response(404, "ERR_TOPIC_NAME_EMPTY", "topic is empty in pubsub " + s[2]);
      std::string topic = http::url::percent_decode(rest_after(req.path, 3)).value_or(rest_after(req.path, 3));
      co_return co_await publish_event(ctx, s[2], topic, std::move(req), trace);
    }
    if (area == "state" && s.size() >= 3) {
      std::string rest = rest_after(req.path, 3);
      co_return co_await handle_state(ctx, s[2], rest, std::move(req));
    }
  }
  // Anything else is an invocation through the dapr-app-id header (method = the whole path).
  if (auto id = req.headers.get("dapr-app-id"); id && m != "CONNECT") {
    std::string app_id(*id);
    req.headers.remove("dapr-app-id");
    std::string method = req.path.size() > 1 ? req.path.substr(1) : std::string();
    co_return co_await invoke_app(ctx, std::move(app_id), std::move(method), std::move(req), trace);
  }
  co_return http::error_response(404, "ERR_DIRECT_INVOKE", "failed getting app id either from the URL path or the header dapr-app-id");
}


}  // namespace

std::string api_path_label(const std::string& path) {
  if (starts_with(path, "/v1.0/state/")) {
    auto end = path.find('/', 12);
    return end == std::string::npos ? path : path.substr(0, end);
  }
  return path;
}

boost::asio::awaitable<http::Response> handle_dapr_api(SidecarContext& ctx, http::Request request) {
  auto start = std::chrono::steady_clock::now();
  auto wall_start = std::chrono::system_clock::now();
  std::string method = request.method, path = api_path_label(request.path);
  double request_bytes = static_cast<double>(request.body.size());
  http::Response response;
  std::optional<TraceContext> parent;
  if (auto tp = request.headers.get("traceparent")) parent = parse_traceparent(*tp, request.headers.get_or("tracestate", ""));
  TraceContext trace = ctx.tracer.start(parent);
  if (!ctx.options.api_token.empty() && !token_exempt(request) &&
      request.headers.get_or("dapr-api-token", "") != ctx.options.api_token) {
    response = http::Response::text(401, "invalid api token");
  } else {
    response = co_await route(ctx, std::move(request), trace);
  }
  std::string status = std::to_string(response.status);
  const std::string& app_id = ctx.options.app_id;
  std::string method_label = ctx.configuration.metrics.http_exclude_verbs ? "" : method;
  ctx.metrics.http_server_request_count.with({app_id, method_label, path, status}).inc();
  if (ctx.configuration.metrics.http_increased_cardinality)
    ctx.metrics.http_server_response_count.with({app_id, method_label, path, status}).inc();
  ctx.metrics.http_server_latency.with({app_id, method_label, path, status}).observe(whole_ms_since(start));
  ctx.metrics.http_server_request_bytes.with({app_id}).observe(request_bytes);
  ctx.metrics.http_server_response_bytes.with({app_id}).observe(static_cast<double>(response.body.size()));
  if (ctx.tracer.records(trace) && !starts_with(path, "/v1.0/healthz") && !starts_with(path, "/v1.0/metadata")) {
    ctx.tracer.finish(Span{trace, parent ? parent->span_id : "", method + " " + path, "SERVER", wall_start,
                           std::chrono::steady_clock::now() - start,
                           {{"http.method", method}, {"http.path", path}, {"http.status_code", status}}});
  }
  response.headers.set("traceparent", trace.traceparent());
  co_return response;
}

boost::asio::awaitable<http::Response> handle_metrics_port(SidecarContext& ctx, http::Request request) {
  (void)request;  // daprd answers every path on the metrics port with the exposition
  http::Response r;
  r.status = 200;
  r.headers.set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
  r.body = ctx.registry.render();
  co_return r;
}

}  // namespace lf::sidecar
