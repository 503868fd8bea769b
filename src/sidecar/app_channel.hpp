#pragma once
// The sidecar's calls to its own app: invocations, deliveries, /dapr/subscribe and health probes,
// with Dapr's http_client_* metrics, the app API token, and the app's health state.
#include <atomic>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "http/client.hpp"
#include "log/log.hpp"
#include "sidecar/dapr_metrics.hpp"
#include "sidecar/options.hpp"

namespace lf::sidecar {

class AppChannel {
 public:
  AppChannel(boost::asio::io_context& io, http::Client& client, const Options& options, DaprMetrics& metrics);
  ~AppChannel();

  bool configured() const { return options_.app_port != 0; }
  // Unhealthy only while app health checks are on and the threshold of failures was reached.
  bool healthy() const { return healthy_.load(); }

  // Sends request.target ("/method?query") to the app; `deadline` bounds the exchange.
  boost::asio::awaitable<Expected<http::Response, http::ClientError>> call(http::Request request, Duration deadline);

  // Waits until the app's port accepts connections (daprd waits before subscribing).
  boost::asio::awaitable<bool> wait_until_reachable(Duration timeout);

  // Probes --app-health-check-path every interval when health checks are enabled.
  void start_health_checks();
  void stop();

 private:
  boost::asio::awaitable<void> health_loop();
  boost::asio::io_context& io_;
  http::Client& client_;
  const Options& options_;
  DaprMetrics& metrics_;
  http::Endpoint endpoint_;
  std::atomic<bool> healthy_{true};
  std::atomic<bool> stopping_{false};
  std::shared_ptr<boost::asio::steady_timer> timer_;
  log::Logger log_{"dapr.runtime"};
};

// Headers never forwarded by a proxy (RFC 9110 §7.6.1) plus Content-Length, which is recomputed.
bool is_hop_by_hop_header(std::string_view name);

}  // namespace lf::sidecar
