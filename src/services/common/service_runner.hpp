#pragma once
// The process around a service: flags and environment (APP_PORT, DAPR_HTTP_PORT, DAPR_API_TOKEN),
// daprd-style logging, the HTTP server, the sidecar client, metrics, and SIGTERM handling
// (stop accepting, finish in-flight requests, run the service's stop hook, exit 0).
#include <functional>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>

#include "core/clock.hpp"
#include "dapr_client/dapr_client.hpp"
#include "metrics/metrics.hpp"
#include "services/common/router.hpp"

namespace lf::services {

struct ServiceContext {
  boost::asio::io_context& io;
  Scheduler& scheduler;
  dapr::DaprClient& dapr;
  metrics::Registry& registry;
  std::string app_id;
  std::string instance_id;  // LEARNFLOW_INSTANCE_ID, else <hostname>-<port>
};

// What a service plugs into the runner.
class Service {
 public:
  virtual ~Service() = default;
  virtual void register_routes(Router& router) = 0;
  virtual boost::asio::awaitable<void> start() { co_return; }
  virtual boost::asio::awaitable<void> stop() { co_return; }
};

using ServiceFactory = std::function<std::unique_ptr<Service>(ServiceContext& context)>;

// APP_API_TOKEN (Dapr's app token) is enforced on every app route when `token_protected` and the
// variable is set; the frontend, which browsers call directly, passes false.
// Runs until SIGTERM/SIGINT; returns the process exit code (0 after a graceful stop, 2 on bad
// usage, 1 when the port cannot be bound).
int run_service(int argc, char** argv, const std::string& app_id, const std::string& description,
                int default_port, const ServiceFactory& factory, bool token_protected = true);

}  // namespace lf::services
