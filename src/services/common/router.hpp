#pragma once
// Method+path routing for the services, with the request latency histogram by route and status
// and JSON answers for unknown routes (404) and wrong methods (405).
#include <functional>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "core/clock.hpp"
#include "http/message.hpp"
#include "metrics/metrics.hpp"

namespace lf::services {

using Handler = std::function<boost::asio::awaitable<http::Response>(const http::Request&)>;

class Router {
 public:
  Router(metrics::Registry& registry, const Clock& clock);

  // Exact path match.
  void add(std::string method, std::string path, Handler handler);
  // Any path under prefix (e.g. "/static/"); `route_label` names it in metrics ("/static/*").
  void add_prefix(std::string method, std::string prefix, std::string route_label, Handler handler);

  // Dapr's APP_API_TOKEN: when set, every route but the probes and /metrics needs the header
  // `dapr-api-token: <token>` (the sidecar sends it); others get 401 JSON.
  void require_app_token(std::string token) { app_token_ = std::move(token); }

  boost::asio::awaitable<http::Response> dispatch(http::Request request) const;

 private:
  struct Route {
    std::string method;
    std::string path;
    bool prefix = false;
    std::string label;
    Handler handler;
  };
  bool matches(const Route& route, const std::string& path) const;

  std::vector<Route> routes_;
  std::string app_token_;
  const Clock& clock_;
  metrics::HistogramFamily& latency_;
  metrics::CounterFamily& requests_;
};

// Seconds buckets from 1 ms to 10 s for service request latency.
const std::vector<double>& request_latency_buckets_seconds();

}  // namespace lf::services
