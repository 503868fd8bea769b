#include "platform/platform_impl.hpp"

#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/executor_work_guard.hpp>

#include "dashboards/dashboard_site.hpp"
#include "http/client.hpp"
#include "http/server.hpp"
#include "kafka/broker.hpp"
#include "platform/hpa_controller.hpp"
#include "platform/prometheus_config.hpp"
#include "platform/workloads.hpp"
#include "postgres/launcher.hpp"
#include "process/process.hpp"

namespace lf::platform {
namespace fs = std::filesystem;

std::string absolute_path(const std::string& path) {
  std::error_code ec;
  return fs::weakly_canonical(fs::absolute(path), ec).string();
}

Status write_file_atomically(const std::string& path, const std::string& text) {
  const std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary, std::ios::trunc);
    out << text;
    if (!out) return fail("cannot write " + path + " (disk full or no permission?)");
  }
  std::error_code ec;
  fs::rename(temporary, path, ec);
  if (ec) return fail("cannot write " + path + ": " + ec.message());
  return {};
}

namespace {

std::string host_name() {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0 || name[0] == 0) return "localhost";
  return name;
}

}  // namespace

Platform::Platform(PlatformOptions options) : options_(std::move(options)), impl_(std::make_unique<Impl>()) {}

Platform::~Platform() { shutdown(); }

namespace {

Status make_dirs(const std::vector<std::string>& dirs) {
  for (const auto& dir : dirs) {
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) return fail("cannot create " + dir + " (" + ec.message() + "): check the disk and permissions");
  }
  return {};
}

// Kafka, Prometheus and the stores write into the state directory; below this much free space they
// fail later with errors far from the cause, so `up` refuses at once (the kubelet's disk-pressure
// eviction is the cluster's analogue).
constexpr std::uintmax_t min_free_state_bytes = 256ull << 20;

Status check_free_space(const std::string& dir) {
  std::error_code ec;
  const auto space = fs::space(dir, ec);
  if (ec) return fail("cannot read the free space of " + dir + " (" + ec.message() + ")");
  if (space.available < min_free_state_bytes)
    return fail("the disk holding " + dir + " is full or nearly so (" + std::to_string(space.available >> 20) +
                " MB free, at least " + std::to_string(min_free_state_bytes >> 20) +
                " MB needed): free some space or choose another --state-dir");
  return {};
}

// Waits until url answers 200 or the process died; the error says what to do.
Status wait_http_ready(const std::string& url, process::Process& process, Duration timeout, const std::string& what,
                       const std::string& log) {
  const SteadyTime deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (!process.is_running())
      return fail(what + " exited at start (" + (process.exit_status() ? process.exit_status()->describe() : "") +
                  "): read " + log);
    auto r = http::fetch(url, {}, std::chrono::seconds(1));
    if (r && r->status == 200) return {};
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return fail(what + " did not become ready within " +
              std::to_string(std::chrono::duration_cast<std::chrono::seconds>(timeout).count()) + "s: read " + log);
}

}  // namespace

Result<std::unique_ptr<Platform>> Platform::start(PlatformOptions options, DesiredState desired) {
  options.state_dir = absolute_path(options.state_dir);
  options.images.bin_dir = absolute_path(options.images.bin_dir);
  if (options.sidecar_binary.empty()) options.sidecar_binary = options.images.bin_dir + "/learnflow-sidecar";
  auto say = [&](const std::string& line) {
    if (options.progress) options.progress(line);
  };
  std::unique_ptr<Platform> platform(new Platform(options));
  Impl& impl = *platform->impl_;
  StateLayout& layout = platform->layout_;
  layout.root = options.state_dir;
  impl.desired = std::move(desired);
  impl.node = host_name();
  if (auto s = make_dirs({layout.root, layout.pods_log_dir(), layout.scale_requests_dir(), layout.prometheus_dir() + "/targets",
                          layout.prometheus_dir() + "/rules", layout.prometheus_dir() + "/data"});
      !s)
    return fail(s.error().message);
  if (auto s = check_free_space(layout.root); !s) return fail(s.error().message);
  if (::access(options.sidecar_binary.c_str(), X_OK) != 0)
    return fail("the sidecar binary " + options.sidecar_binary + " is missing: build it (scripts/build.sh) or pass --bin-dir");

  LocalSubstitutions subs;
  subs.state_dir = layout.root;
  if (impl.desired.needs_kafka()) {
    say("starting Kafka (data in " + layout.kafka_dir() + ")");
    kafka::BrokerOptions broker;
    broker.data_dir = layout.kafka_dir();
    if (options.kafka_fault_proxy) {
      // Clients connect to the broker's advertised address after bootstrap, so the broker
      // advertises the proxy, which forwards to the broker's real listener.
      auto broker_port = process::ReservedPort::reserve();
      if (!broker_port) return fail("no free port for Kafka behind the fault proxy");
      broker.port = broker_port->port();
      impl.reserved_ports.push_back(std::move(*broker_port));
      const std::string binary = options.faultproxy_binary.empty() ? options.images.bin_dir + "/learnflow-faultproxy"
                                                                   : options.faultproxy_binary;
      auto proxy = faultproxy::ProxyProcess::start(
          {.binary = binary, .upstream = "127.0.0.1:" + std::to_string(broker.port), .log_path = layout.kafka_proxy_log()});
      if (!proxy) return fail("the Kafka fault proxy did not start: " + proxy.error().message);
      impl.kafka_proxy = std::move(*proxy);
      broker.advertised_port = impl.kafka_proxy->port();
      say("Kafka fault proxy at " + impl.kafka_proxy->address() + " (control " + impl.kafka_proxy->control_url() + ")");
    }
    auto started = kafka::KafkaBroker::start(broker);
    if (!started)
      return fail("Kafka did not start: " + started.error().message);
    impl.kafka = std::move(*started);
    subs.kafka_bootstrap = impl.kafka_proxy ? impl.kafka_proxy->address() : impl.kafka->bootstrap();
    say("Kafka ready at " + subs.kafka_bootstrap);
  }
  if (impl.desired.needs_postgres()) {
    say("starting PostgreSQL (data in " + layout.postgres_dir() + ")");
    postgres::LaunchOptions pg;
    pg.base_dir = layout.postgres_dir();
    auto started = postgres::PostgresServer::start(pg);
    if (!started)
      return fail("PostgreSQL did not start: " + started.error().message +
                  " (is postgresql-15 installed? run scripts/setup.sh)");
    impl.postgres = std::move(*started);
    subs.postgres_connection = impl.postgres->connection_string();
    say("PostgreSQL ready at 127.0.0.1:" + std::to_string(impl.postgres->port()));
  }
  // Spans go to the local collector (src/tracecollector) on its own port, known before the sidecars' config is written.
  auto collector = tracecollector::CollectorServer::start(impl.io, {.dir = layout.root + "/traces"});
  if (!collector) return fail(collector.error().message);
  impl.trace_collector = std::move(*collector);
  subs.zipkin_endpoint = impl.trace_collector->spans_url();
  if (auto s = write_dapr_files(impl.desired, subs, layout.resources_dir(), layout.config_dir()); !s)
    return fail(s.error().message);

  // The platform's metrics endpoint (kube-state-metrics, cAdvisor and its own process metrics).
  Platform* self = platform.get();
  metrics::register_process_metrics(impl.own_metrics);
  http::ServerOptions server_options;
  server_options.port = static_cast<std::uint16_t>(options.metrics_port);
  // The same Grafana dashboards as the cluster's, at /dashboards/ (src/dashboards).
  auto dashboards = std::make_shared<dashboards::DashboardSite>(
      impl.io, dashboards::DashboardSiteOptions{absolute_path(options.manifests_dir) + "/monitoring/dashboards"});
  impl.metrics_server = std::make_unique<http::Server>(
      impl.io, server_options, [self, dashboards](http::Request request) -> boost::asio::awaitable<http::Response> {
        if (dashboards::DashboardSite::handles(request)) {
          auto site = dashboards;  // in this coroutine's frame: outlives the server's handler during shutdown
          co_return co_await site->handle(std::move(request));
        }
        const auto snapshot = self->snapshot();
        if (request.path == "/metrics/kube-state-metrics") co_return http::Response::text(200, render_kube_state_metrics(snapshot));
        if (request.path == "/metrics/cadvisor") co_return http::Response::text(200, render_cadvisor_metrics(snapshot));
        if (request.path == "/metrics") co_return http::Response::text(200, self->impl_->own_metrics.render());
        if (request.path == "/healthz") co_return http::Response::text(200, "ok\n");
        co_return http::Response::text(404, "not found\n");
      });
  auto bound = impl.metrics_server->listen();
  if (!bound)
    return fail("port " + std::to_string(options.metrics_port) + " for the dashboards and platform metrics is taken (" +
                bound.error().message + "): stop what uses it or pass --metrics-port 0");
  impl.metrics_port = *bound;
  impl.io_thread = std::thread([&impl] { impl.io.run(); });

  if (options.prometheus) {
    if (::access(options.prometheus_binary.c_str(), X_OK) != 0)
      return fail("Prometheus is not installed at " + options.prometheus_binary +
                  ": run scripts/setup.sh (apt-get install prometheus) or pass --no-prometheus");
    impl.prometheus_port = options.prometheus_port;
    if (impl.prometheus_port == 0) {
      auto port = process::ReservedPort::reserve();
      if (!port) return fail("no free port for Prometheus");
      impl.prometheus_port = port->port();
      impl.reserved_ports.push_back(std::move(*port));
    } else if (process::tcp_port_open("127.0.0.1", impl.prometheus_port)) {
      return fail("port " + std::to_string(impl.prometheus_port) +
                  " for Prometheus is taken: stop what uses it or pass --prometheus-port 0");
    }
    PrometheusConfigInput config;
    config.targets_dir = layout.prometheus_dir() + "/targets";
    config.platform_address = "127.0.0.1:" + std::to_string(impl.metrics_port);
    config.scrape_interval_seconds = options.scrape_interval_seconds;
    for (const auto& rule : impl.desired.prometheus_rules) {
      auto text = prometheus_rule_file(rule);
      if (!text) return fail(text.error().message);
      const std::string name = yaml::scalar_at(yaml::child(rule.root, "metadata"), "name").value_or("rules");
      const std::string path = layout.prometheus_dir() + "/rules/" + name + ".yaml";
      if (auto s = write_file_atomically(path, *text); !s) return fail(s.error().message);
      config.rule_files.push_back(path);
    }
    for (const char* job : {kSidecarJob, kAppJob})
      if (auto s = write_file_atomically(config.targets_dir + "/" + job + ".json", "[]\n"); !s) return fail(s.error().message);
    if (auto s = write_file_atomically(layout.prometheus_dir() + "/prometheus.yml", prometheus_config_yaml(config)); !s)
      return fail(s.error().message);
    say("starting Prometheus on 127.0.0.1:" + std::to_string(impl.prometheus_port));
    process::SpawnOptions spawn;
    spawn.argv = {options.prometheus_binary,
                  "--config.file=" + layout.prometheus_dir() + "/prometheus.yml",
                  "--storage.tsdb.path=" + layout.prometheus_dir() + "/data",
                  "--web.listen-address=127.0.0.1:" + std::to_string(impl.prometheus_port),
                  "--web.enable-lifecycle"};
    spawn.output = process::Output::file;
    spawn.log_path = layout.prometheus_log();
    spawn.die_with_parent = true;
    auto started = process::Process::spawn(spawn);
    if (!started) return fail("Prometheus did not start: " + started.error().message);
    impl.prometheus.emplace(std::move(*started));
    const std::string url = "http://127.0.0.1:" + std::to_string(impl.prometheus_port);
    if (auto s = wait_http_ready(url + "/-/ready", *impl.prometheus, std::chrono::seconds(60), "Prometheus",
                                 layout.prometheus_log());
        !s)
      return fail(s.error().message);
    say("Prometheus ready at " + url);
    dashboards->set_prometheus(http::Endpoint{"127.0.0.1", static_cast<std::uint16_t>(impl.prometheus_port)});
  }

  impl.pod_context.state_dir = layout.root;
  impl.pod_context.namespace_name = options.namespace_name;
  impl.pod_context.node_name = impl.node;
  impl.pod_context.sidecar_binary = options.sidecar_binary;
  impl.pod_context.resources_dir = layout.resources_dir();
  impl.pod_context.config_dir = layout.config_dir();
  impl.pod_context.images = options.images;
  impl.pod_context.log_path = [layout](const std::string& pod, const std::string& container) {
    return layout.pod_log(pod, container);
  };
  for (const auto& d : impl.desired.deployments) {
    auto runtime = std::make_unique<DeploymentRuntime>();
    runtime->spec = d;
    runtime->replicas = d.desired_replicas();
    if (const auto* hpa = impl.desired.hpa_for(d.metadata.name)) runtime->hpa = std::make_unique<HpaController>(*hpa);
    // Fail early on an image that maps to nothing, before any process starts.
    for (const auto& c : d.containers) {
      auto argv = container_argv(c, options.images, {});
      if (!argv) return fail(argv.error().message);
    }
    say("deployment/" + d.metadata.name + ": " + std::to_string(runtime->replicas) + " replica(s)");
    impl.deployments.push_back(std::move(runtime));
  }
  for (const auto& service : impl.desired.services) {
    const int port = service.metadata.name == options.frontend_service ? options.frontend_port : 0;
    auto balancer = TcpBalancer::start(service.metadata.name, port,
                                       [&impl, service] { return impl.ready_endpoints(service); });
    if (!balancer) return fail(balancer.error().message);
    const std::string url = "http://127.0.0.1:" + std::to_string((*balancer)->port());
    impl.services.push_back({service.metadata.name, url, (*balancer)->port()});
    say("service/" + service.metadata.name + " at " + url);
    impl.balancers.push_back(std::move(*balancer));
  }
  impl.next_hpa_sync = std::chrono::steady_clock::now() + options.hpa_sync_period;
  platform->reconcile();
  return platform;
}

}  // namespace lf::platform
