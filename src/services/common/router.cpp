#include "services/common/router.hpp"

#include "core/strings.hpp"
#include "services/common/json_api.hpp"

namespace lf::services {

const std::vector<double>& request_latency_buckets_seconds() {
  static const std::vector<double> buckets{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
  return buckets;
}

Router::Router(metrics::Registry& registry, const Clock& clock)
    : clock_(clock),
      latency_(registry.histogram("learnflow_http_request_duration_seconds",
                                  "Time to answer an HTTP request, by route template and status code.",
                                  {"method", "route", "status"}, request_latency_buckets_seconds())),
      requests_(registry.counter("learnflow_http_requests_total", "HTTP requests answered, by route and status.",
                                 {"method", "route", "status"})) {}

void Router::add(std::string method, std::string path, Handler handler) {
  std::string label = path;
  routes_.push_back(Route{std::move(method), std::move(path), false, std::move(label), std::move(handler)});
}

void Router::add_prefix(std::string method, std::string prefix, std::string route_label, Handler handler) {
  routes_.push_back(Route{std::move(method), std::move(prefix), true, std::move(route_label), std::move(handler)});
}

bool Router::matches(const Route& route, const std::string& path) const {
  return route.prefix ? (starts_with(path, route.path) && path.size() > route.path.size()) : path == route.path;
}

namespace {
// Methods come from the network; only standard ones become label values (bounded cardinality).
std::string method_label(const std::string& method) {
  for (const char* known : {"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"})
    if (method == known) return method;
  return "OTHER";
}
}  // namespace

boost::asio::awaitable<http::Response> Router::dispatch(http::Request request) const {
  auto started = clock_.now();
  const Route* found = nullptr;
  std::string allowed;
  for (const auto& route : routes_) {
    if (!matches(route, request.path)) continue;
    // HEAD is answered like GET (the server drops the body).
    if (route.method == request.method || (request.method == "HEAD" && route.method == "GET")) {
      found = &route;
      break;
    }
    if (!allowed.empty()) allowed += ", ";
    allowed += route.method;
  }
  http::Response response;
  std::string label = "unmatched";
  bool probe = request.path == "/healthz" || request.path == "/readyz" || request.path == "/metrics";
  if (found && !app_token_.empty() && !probe && request.headers.get_or("dapr-api-token", "") != app_token_) {
    label = found->label;
    response = error_json(401, "unauthorized", "missing or wrong dapr-api-token");
  } else if (found) {
    label = found->label;
    response = co_await found->handler(request);
  } else if (!allowed.empty()) {
    response = method_not_allowed(request.method, request.path, allowed);
  } else {
    response = route_not_found(request.method, request.path);
  }
  auto seconds = std::chrono::duration<double>(clock_.now() - started).count();
  std::string status = std::to_string(response.status);
  std::string method = method_label(request.method);
  latency_.with({method, label, status}).observe(seconds);
  requests_.with({method, label, status}).inc();
  co_return response;
}

}  // namespace lf::services
