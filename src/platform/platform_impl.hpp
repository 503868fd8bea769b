#pragma once
// Internal to lf_platform: the Platform's state, shared by platform.cpp (start-up) and
// platform_loop.cpp (control loop, snapshot, shutdown).
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include "http/server.hpp"
#include "faultproxy/proxy_process.hpp"
#include "kafka/broker.hpp"
#include "metrics/metrics.hpp"
#include "platform/balancer.hpp"
#include "platform/hpa_controller.hpp"
#include "platform/platform.hpp"
#include "platform/pod.hpp"
#include "platform/workloads.hpp"
#include "postgres/launcher.hpp"
#include "process/process.hpp"
#include "tracecollector/collector.hpp"

namespace lf::platform {

struct DeploymentRuntime {
  k8s::Deployment spec;
  int replicas = 1;
  std::vector<std::unique_ptr<Pod>> pods;
  std::vector<std::unique_ptr<Pod>> terminating;
  std::unique_ptr<HpaController> hpa;
  struct CpuPoint {
    double cpu_seconds = 0;
    SteadyTime at{};
  };
  std::map<std::string, CpuPoint> cpu_points;   // metrics-server: the last cumulative point per pod
  std::map<std::string, CpuSample> cpu_samples;  // and the rate over the last two points
};

struct Platform::Impl {
  DesiredState desired;
  PodContext pod_context;
  std::string node;

  mutable std::mutex mutex;  // deployments (read by Service balancer threads)
  std::vector<std::unique_ptr<DeploymentRuntime>> deployments;
  std::vector<std::unique_ptr<TcpBalancer>> balancers;
  std::vector<ServiceView> services;

  std::unique_ptr<kafka::KafkaBroker> kafka;
  std::unique_ptr<faultproxy::ProxyProcess> kafka_proxy;  // --kafka-fault-proxy
  std::unique_ptr<postgres::PostgresServer> postgres;
  std::optional<process::Process> prometheus;
  int prometheus_port = 0;
  // Ports chosen here for Kafka and Prometheus, kept from others until the platform is gone.
  std::vector<process::ReservedPort> reserved_ports;

  boost::asio::io_context io;
  std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work{io.get_executor()};
  std::unique_ptr<http::Server> metrics_server;
  std::unique_ptr<tracecollector::CollectorServer> trace_collector;  // the sidecars' Zipkin endpoint
  std::thread io_thread;
  int metrics_port = 0;
  metrics::Registry own_metrics;  // the supervisor process itself (/metrics)

  SteadyTime next_hpa_sync{};
  std::map<std::string, std::string> written_targets;  // file_sd path → content
  SteadyTime last_status_write{};
  bool shut_down = false;

  std::vector<int> ready_endpoints(const k8s::Service& service) const {
    std::vector<int> ports;
    std::lock_guard lock(mutex);
    const k8s::PortRef target = service.ports.empty() ? k8s::PortRef{} : service.ports.front().target_port;
    for (const auto& d : deployments) {
      if (!k8s::selector_matches(service.selector, d->spec.pod_labels)) continue;
      for (const auto& pod : d->pods) {
        if (!pod->status().ready) continue;
        const auto& launch = pod->launch();
        if (target.is_name()) {
          if (auto it = launch.named_ports.find(target.name); it != launch.named_ports.end()) ports.push_back(it->second);
        } else if (auto it = launch.port_map.find(target.number); it != launch.port_map.end()) {
          ports.push_back(it->second);
        }
      }
    }
    return ports;
  }
};

}  // namespace lf::platform
