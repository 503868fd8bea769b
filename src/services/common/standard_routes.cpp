#include "services/common/standard_routes.hpp"

#include "services/common/json_api.hpp"

namespace lf::services {

void add_standard_routes(Router& router, dapr::DaprClient& dapr, metrics::Registry& registry,
                         const std::atomic<bool>& shutting_down) {
  router.add("GET", "/healthz", [](const http::Request&) -> boost::asio::awaitable<http::Response> {
    co_return status_json(200, "ok");
  });
  // "The sidecar answers" = GET /v1.0/healthz/outbound returns 204. The outbound probe is used
  // rather than /v1.0/healthz because daprd reports the latter healthy only once it reached the
  // app, and the app waiting for that would deadlock start-up.
  router.add("GET", "/readyz", [&dapr, &shutting_down](const http::Request&) -> boost::asio::awaitable<http::Response> {
    if (shutting_down.load()) co_return status_json(503, "shutting_down");
    auto sidecar = co_await dapr.health(/*outbound=*/true);
    if (!sidecar)
      co_return status_json(503, "not_ready", "sidecar: " + sidecar.error().describe());
    co_return status_json(200, "ready");
  });
  router.add("GET", "/metrics", [&registry](const http::Request&) -> boost::asio::awaitable<http::Response> {
    http::Response response;
    response.status = 200;
    response.headers.set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
    response.body = registry.render();
    co_return response;
  });
}

}  // namespace lf::services
