#include "services/common/service_runner.hpp"

#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>

#include <CLI/CLI.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/signal_set.hpp>

#include "core/asio_scheduler.hpp"
#include "core/strings.hpp"
#include "dapr_client/http_dapr_client.hpp"
#include "http/server.hpp"
#include "log/log.hpp"
#include "services/common/standard_routes.hpp"

namespace lf::services {
namespace {

std::string env_or(const char* name, std::string fallback) {
  const char* value = std::getenv(name);
  return value && *value ? std::string(value) : fallback;
}

std::string host_name() {
  char buffer[256] = {};
  if (gethostname(buffer, sizeof buffer - 1) != 0) return "localhost";
  return buffer;
}

}  // namespace

int run_service(int argc, char** argv, const std::string& app_id, const std::string& description,
                int default_port, const ServiceFactory& factory, bool token_protected) {
  CLI::App cli{description, app_id};
  int port = default_port;
  if (long long from_env = 0; parse_int64(env_or("APP_PORT", ""), from_env)) port = static_cast<int>(from_env);
  // Kubelet probes reach the pod IP, so inside Kubernetes listen on every interface.
  std::string bind_address = env_or("LEARNFLOW_BIND_ADDRESS", std::getenv("KUBERNETES_SERVICE_HOST") ? "0.0.0.0" : "127.0.0.1");
  std::string log_level = "info";
  bool log_as_json = false;
  std::size_t body_limit = 64 * 1024;
  cli.add_option("--port", port, "HTTP port (default: $APP_PORT, else " + std::to_string(default_port) + ")")
      ->check(CLI::Range(0, 65535));
  cli.add_option("--bind-address", bind_address, "Address to listen on ($LEARNFLOW_BIND_ADDRESS)");
  cli.add_option("--log-level", log_level, "debug, info, warn, error")->check(CLI::IsMember({"debug", "info", "warn", "warning", "error"}));
  cli.add_flag("--log-as-json", log_as_json, "One JSON object per log line");
  cli.add_option("--max-body-size", body_limit, "Largest request body in bytes");
  try {
    cli.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    return cli.exit(error) == 0 ? 0 : 2;
  }

  log::Options log_options;
  log_options.app_id = app_id;
  log_options.json = log_as_json;
  log::parse_level(log_level, log_options.level);
  log::configure(log_options);
  log::Logger log("learnflow.service");

  boost::asio::io_context io(1);
  AsioScheduler scheduler(io.get_executor());
  dapr::HttpDaprClientOptions dapr_options;
  dapr_options.sidecar = dapr::sidecar_from_environment();
  // Short enough that the UI hears about a stuck backend within seconds. A publish that outlasts
  // its bound goes to course-agent's outbox; the sidecar may still deliver the first attempt, and
  // the stable event id lets consumers drop the duplicate.
  dapr_options.call_timeout = std::chrono::seconds(6);
  dapr_options.publish_timeout = std::chrono::seconds(3);
  dapr::HttpDaprClient dapr_client(io, dapr_options);
  metrics::Registry registry;
  metrics::register_process_metrics(registry);
  Router router(registry, scheduler);
  std::atomic<bool> shutting_down{false};
  add_standard_routes(router, dapr_client, registry, shutting_down);
  if (auto app_token = env_or("APP_API_TOKEN", ""); token_protected && !app_token.empty()) router.require_app_token(app_token);

  http::ServerOptions server_options;
  server_options.bind_address = bind_address;
  server_options.port = static_cast<std::uint16_t>(port);
  server_options.body_limit = body_limit;
  http::Server server(io, server_options, [&router](http::Request request) { return router.dispatch(std::move(request)); });
  auto bound = server.listen();
  if (!bound) {
    log.error("cannot listen", {{"address", bind_address}, {"port", std::to_string(port)}, {"error", bound.error().message}});
    return 1;
  }

  ServiceContext context{io, scheduler, dapr_client, registry, app_id,
                         env_or("LEARNFLOW_INSTANCE_ID", host_name() + "-" + std::to_string(*bound))};
  auto service = factory(context);
  service->register_routes(router);
  log.info("app listening", {{"address", bind_address},
                            {"port", std::to_string(*bound)},
                            {"dapr_http_port", std::to_string(dapr_options.sidecar.http_port)},
                            {"instance_id", context.instance_id}});
  boost::asio::co_spawn(io, service->start(), boost::asio::detached);

  boost::asio::signal_set signals(io, SIGTERM, SIGINT);
  signals.async_wait([&](const boost::system::error_code& error, int signal_number) {
    if (error) return;
    log.info("shutting down: no new connections, finishing in-flight requests",
             {{"signal", signal_number == SIGTERM ? "SIGTERM" : "SIGINT"}});
    shutting_down = true;
    server.shutdown(std::chrono::seconds(10), [&] {
      boost::asio::co_spawn(
          io,
          [&]() -> boost::asio::awaitable<void> {
            co_await service->stop();
            log.info("stopped");
            io.stop();
          },
          boost::asio::detached);
    });
  });
  io.run();
  // Everything that matters is done (requests answered, stop hook ran). Coroutines abandoned by
  // io.stop() still reference the service and the sidecar client, and tearing those down in
  // declaration order could touch freed objects; leave without running destructors instead.
  std::fflush(nullptr);
  std::_Exit(0);
}

}  // namespace lf::services
