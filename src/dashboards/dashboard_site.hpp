#pragma once
// The local dashboard viewer behind `learnflow up`: serves the embedded viewer page, the Grafana
// dashboard JSON files of <manifests>/monitoring/dashboards (read at request time, so edits show on
// reload), and proxies Prometheus's query API same-origin. See README.md.
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>

#include "core/clock.hpp"
#include "core/expected.hpp"
#include "http/client.hpp"
#include "http/message.hpp"
#include "services/common/embedded.hpp"

namespace lf::dashboards {

// The viewer's page, script, style sheet and uPlot, compiled in by CMake (see CMakeLists.txt).
std::span<const services::EmbeddedFile> embedded_viewer_files();

struct DashboardSiteOptions {
  std::string dashboards_dir;  // <manifests>/monitoring/dashboards
  Duration query_timeout = std::chrono::seconds(60);
};

// How a query reaches Prometheus; the real one is an http::Client, tests pass a fake.
using PrometheusTransport =
    std::function<boost::asio::awaitable<Expected<http::Response, http::ClientError>>(http::Endpoint, http::Request)>;

class DashboardSite {
 public:
  // Queries go through an http::Client on `io` (the io_context that runs the serving http::Server).
  DashboardSite(boost::asio::io_context& io, DashboardSiteOptions options);
  DashboardSite(DashboardSiteOptions options, PrometheusTransport transport,
                std::span<const services::EmbeddedFile> viewer_files = embedded_viewer_files());

  // Where Prometheus listens; until set (or after nullopt) queries answer 503. Thread-safe.
  void set_prometheus(std::optional<http::Endpoint> endpoint);

  // True for /dashboards, /dashboards/... and the proxied Prometheus query paths.
  static bool handles(const http::Request& request);
  // Never throws; unknown paths under /dashboards/ answer 404.
  boost::asio::awaitable<http::Response> handle(http::Request request);

 private:
  http::Response serve_page(const http::Request& request) const;
  boost::asio::awaitable<http::Response> proxy(http::Request request);

  DashboardSiteOptions options_;
  PrometheusTransport transport_;
  std::span<const services::EmbeddedFile> viewer_files_;
  mutable std::mutex mutex_;
  std::optional<http::Endpoint> prometheus_;
};

}  // namespace lf::dashboards
