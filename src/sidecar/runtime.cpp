#include "sidecar/runtime.hpp"

#include <sched.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <optional>
#include <thread>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/signal_set.hpp>

#include "core/asio_scheduler.hpp"
#include "http/server.hpp"
#include "pubsub/kafka_pubsub.hpp"
#include "resiliency/telemetry.hpp"
#include "sidecar/api.hpp"
#include "sidecar/name_resolution.hpp"
#include "sidecar/resource_loader.hpp"
#include "sidecar/subscriber.hpp"

namespace lf::sidecar {

namespace {

const char* kVersion = "1.0.0-learnflow";

// Creates every component in scope. A failing one stops start-up unless spec.ignoreErrors.
bool init_components(SidecarContext& ctx, const std::vector<resources::Component>& components) {
  for (const auto& c : components) {
    const std::string& name = c.metadata.name;
    std::string kind = c.type + "/" + (c.version.empty() ? "v1" : c.version);
    auto failed = [&](const std::string& reason, const std::string& why) {
      ctx.metrics.component_init_fail_total.with({ctx.options.app_id, c.type, reason, name}).inc();
      std::string line = "Failed to init component " + name + " (" + kind + "): " + why;
      if (c.ignore_errors) {
        ctx.log.warn(line + " (ignoreErrors is set: continuing without it)");
        return true;
      }
      ctx.log.error(line);
      return false;
    };
    if (c.type == "pubsub.kafka") {
      auto broker = pubsub::make_kafka_pubsub(c.metadata_map(), {ctx.options.app_id});
      if (!broker) {
        if (!failed("creation", broker.error().message)) return false;
        continue;
      }
      if (auto ping = (*broker)->ping(c.init_timeout); !ping) {
        if (!failed("init", ping.error().message)) return false;
        continue;
      }
      ctx.pubsubs[name] = PubSubComponent{name, c.type, std::move(*broker)};
    } else if (c.type == "state.sqlite" || c.type == "state.postgresql") {
      auto store = state::make_state_store(c.type, c.metadata_map());
      if (!store) {
        if (!failed("init", store.error().message)) return false;
        continue;
      }
      auto prefix = state::KeyPrefix::from_metadata(c.metadata_map(), ctx.options.app_id, name, ctx.options.namespace_name);
      ctx.stores[name] = StateComponent{name, c.type, std::move(*store), prefix};
    } else {
      ctx.log.warn("Component " + name + " (" + kind + ") is not supported by the LearnFlow sidecar; skipping");
      continue;
    }
    ctx.components.push_back(c);  // /v1.0/metadata lists initialized components only, as daprd
    ctx.metrics.component_init_total.with({ctx.options.app_id, c.type}).inc();
    ctx.metrics.component_loaded.with({ctx.options.app_id}).inc();
    ctx.log.info("Component loaded: " + name + " (" + kind + ")");
  }
  return true;
}

std::unique_ptr<http::Server> start_server(boost::asio::io_context& io, const std::string& address, std::uint16_t port,
                                         std::size_t body_limit, bool single_threaded_io, http::Handler handler, const char* what,
                                         std::uint16_t& bound, const log::Logger& log) {
  http::ServerOptions opts;
  opts.bind_address = address;
  opts.port = port;
  opts.body_limit = body_limit;
  opts.single_threaded_io = single_threaded_io;
  auto server = std::make_unique<http::Server>(io, opts, std::move(handler));
  auto listening = server->listen();
  if (!listening) {
    log.error(std::string("failed to start ") + what + " server on " + address + ":" + std::to_string(port) + ": " +
              listening.error().message);
    return nullptr;
  }
  bound = *listening;
  return server;
}

// A sidecar's work is always a short burst between waking a peer and waiting for it. Under
// SCHED_BATCH a woken sidecar does not preempt the task that woke it, which is about to block
// anyway; on a busy machine that saves a pair of context switches per hop, and with it about a
// quarter of the sidecar's CPU time (docs/sidecar.md, "CPU scheduling").
void apply_cpu_scheduling(const std::string& policy, log::Logger& log) {
  if (policy != "batch") return;
  sched_param param{};
  param.sched_priority = 0;
  if (sched_setscheduler(0, SCHED_BATCH, &param) != 0)
    log.warn(std::string("could not switch to the batch CPU scheduling policy: ") + std::strerror(errno));
}

}  // namespace

int run_sidecar(const Options& options) {
  log::Logger log("dapr.runtime");
  // Before any thread starts: threads inherit the policy of the thread that creates them.
  apply_cpu_scheduling(options.cpu_scheduling, log);
  const auto started = std::chrono::steady_clock::now();
  auto elapsed_ms = [started] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started).count();
  };
  log.info(std::string("Starting Dapr Runtime -- version ") + kVersion);
  log.info("Log level set to: " + std::string(log::level_name(options.log_level)));

  auto loaded = load_resources(options.app_id, options.resources_paths, options.config_files);
  if (!loaded) {
    for (const auto& d : loaded.error().all()) log.error(d.str());
    log.error("Fatal error from runtime: failed to load resources (" + std::to_string(loaded.error().error_count()) + " errors)");
    return 1;
  }
  for (const auto& d : loaded->warnings.all()) log.warn(d.str());

  boost::asio::io_context io;
  metrics::Registry registry;
  metrics::register_process_metrics(registry);
  DaprMetrics dapr_metrics(registry);
  resiliency::TelemetryObserver observer(options.app_id, registry);
  AsioScheduler scheduler(io.get_executor());
  resiliency::Provider provider(options.app_id, scheduler, &observer);
  provider.load(loaded->resiliencies);
  resiliency::Runner runner(scheduler, &observer);
  const bool single_threaded_io = options.threads == 1;
  http::Client client(io, http::ClientOptions{.single_threaded_io = single_threaded_io, .io_runs_until_stopped = true});
  const auto& tracing = loaded->configuration.tracing;
  Tracer tracer(io, client, options.app_id, tracing.sampling_rate, tracing.zipkin ? tracing.zipkin->endpoint_address : "");
  AppChannel app(io, client, options, dapr_metrics);
  WorkerPool workers(4);

  SidecarContext ctx{.io = io, .client = client, .registry = registry, .metrics = dapr_metrics, .resiliency = provider,
                     .runner = runner, .app = app, .tracer = tracer, .workers = workers, .options = options,
                     .configuration = loaded->configuration};
  ctx.namespace_label = options.namespace_name.empty() ? "default" : options.namespace_name;

  std::vector<SubscriptionSpec> declarative;
  for (const auto& r : loaded->subscriptions) {
    auto spec = from_resource(r);
    if (!spec) {
      log.error(spec.error());
      return 1;
    }
    declarative.push_back(std::move(*spec));
  }
  if (!init_components(ctx, loaded->components)) {
    log.error("Fatal error from runtime: process component init error");
    return 1;
  }

  std::uint16_t internal_port = 0, api_port = 0, metrics_port = 0;
  auto internal = start_server(io, options.listen_address, options.internal_port, options.max_body_size, single_threaded_io,
                               [&ctx](http::Request r) { return handle_internal_invoke(ctx, std::move(r)); },
                               "internal invocation", internal_port, log);
  if (!internal) return 1;
  ctx.internal_port = internal_port;
  auto name_resolution = start_name_resolution(ctx, loaded->configuration.name_resolution, internal_port);
  if (!name_resolution) {
    log.error("Fatal error from runtime: name resolution: " + name_resolution.error());
    return 1;
  }
  auto api = start_server(io, options.listen_address, options.dapr_http_port, options.max_body_size, single_threaded_io,
                          [&ctx](http::Request r) { return handle_dapr_api(ctx, std::move(r)); }, "HTTP API", api_port, log);
  if (!api) return 1;
  log.info("HTTP server is running on port " + std::to_string(api_port));
  std::unique_ptr<http::Server> metrics_server;
  if (options.enable_metrics) {
    metrics_server = start_server(io, options.metrics_listen_address, options.metrics_port, 1 << 20, single_threaded_io,
                                  [&ctx](http::Request r) { return handle_metrics_port(ctx, std::move(r)); }, "metrics",
                                  metrics_port, log);
    if (!metrics_server) return 1;
    log.info("metrics server started on :" + std::to_string(metrics_port) + "/");
  }
  tracer.start_exporting();

  Subscriber subscriber(ctx);
  std::atomic<bool> init_failed{false};
  boost::asio::co_spawn(io, [&]() -> boost::asio::awaitable<void> {
    if (app.configured()) {
      log.info("application protocol: http. waiting on port " + std::to_string(options.app_port) + ".  This will block until the app is listening on that port.");
      co_await app.wait_until_reachable(std::chrono::hours(24 * 365));
      log.info("application discovered on port " + std::to_string(options.app_port));
      app.start_health_checks();
    }
    co_await subscriber.start(std::move(declarative));
    log.info("dapr initialized. Status: Running. Init Elapsed " + std::to_string(elapsed_ms()) + "ms");
  }, [&log, &io, &init_failed](std::exception_ptr failure) {
    // `detached` would swallow this and leave the sidecar running without its subscriptions:
    // stop instead, as daprd does when initialization fails.
    if (!failure) return;
    try {
      std::rethrow_exception(failure);
    } catch (const std::exception& e) {
      log.error(std::string("Fatal error from runtime: initialization failed: ") + e.what());
    } catch (...) {
      log.error("Fatal error from runtime: initialization failed");
    }
    init_failed = true;
    io.stop();
  });

  // SIGTERM/SIGINT: stop accepting, drain in-flight requests, commit consumed offsets, leave
  // the name-resolution registry, flush spans, then let io.run() return.
  boost::asio::signal_set signals(io, SIGTERM, SIGINT);
  signals.async_wait([&](const boost::system::error_code& ec, int signal_number) {
    if (ec) return;
    log.info("Received signal '" + std::string(signal_number == SIGTERM ? "terminated" : "interrupt") + "'; beginning shutdown");
    (*name_resolution)->stop();
    app.stop();
    auto remaining = std::make_shared<int>(metrics_server ? 3 : 2);
    auto one_done = [&, remaining] {
      if (--*remaining > 0) return;
      for (auto& [name, component] : ctx.pubsubs) component.broker->close();
      tracer.flush();
      log.info("Dapr shutting down");
      io.stop();
    };
    api->shutdown(options.graceful_shutdown, one_done);
    internal->shutdown(options.graceful_shutdown, one_done);
    if (metrics_server) metrics_server->shutdown(std::chrono::milliseconds(100), one_done);
  });

  std::vector<std::thread> threads;
  for (int i = 1; i < options.threads; ++i) threads.emplace_back([&io] { io.run(); });
  io.run();
  for (auto& t : threads) t.join();
  workers.stop();
  if (init_failed) return 1;
  log.info("Shutdown complete");
  return 0;
}

}  // namespace lf::sidecar
