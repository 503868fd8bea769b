// Platform's control loop (reconcile), snapshot, scale and shutdown; start-up is in platform.cpp.
#include <algorithm>
#include <filesystem>
#include <fstream>

#include <boost/asio/io_context.hpp>
#include <boost/asio/executor_work_guard.hpp>

#include "http/server.hpp"
#include "kafka/broker.hpp"
#include "platform/platform_impl.hpp"
#include "platform/prometheus_config.hpp"
#include "platform/workloads.hpp"
#include "postgres/launcher.hpp"

namespace lf::platform {
namespace fs = std::filesystem;

namespace {

double unix_seconds(WallTime t) { return std::chrono::duration<double>(t.time_since_epoch()).count(); }

// Scale-down victims first: not ready, then the newest (kubernetes.md §7, simplified ranking).
void order_for_scale_down(std::vector<std::unique_ptr<Pod>>& pods) {
  std::stable_sort(pods.begin(), pods.end(), [](const auto& a, const auto& b) {
    const auto sa = a->status(), sb = b->status();
    if (sa.ready != sb.ready) return sa.ready;  // ready pods first, victims at the back
    return sa.start_time < sb.start_time;      // older first, newest at the back
  });
}

}  // namespace

void Platform::reconcile() {
  Impl& impl = *impl_;
  if (impl.shut_down) return;
  const SteadyTime now = std::chrono::steady_clock::now();

  // Scale requests from `learnflow scale` (one file per Deployment holding the count).
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(layout_.scale_requests_dir(), ec)) {
    std::ifstream in(entry.path());
    int replicas = -1;
    in >> replicas;
    fs::remove(entry.path(), ec);
    if (replicas >= 0) (void)scale(entry.path().filename().string(), replicas);
  }

  std::lock_guard lock(impl.mutex);
  const bool hpa_due = now >= impl.next_hpa_sync;
  if (hpa_due) impl.next_hpa_sync = now + options_.hpa_sync_period;
  for (auto& d : impl.deployments) {
    std::erase_if(d->terminating, [](const auto& pod) { return pod->stopped(); });

    if (hpa_due && d->hpa) {
      std::vector<HpaPod> pods;
      for (const auto& pod : d->pods) {
        const PodStatus s = pod->status();
        HpaPod h;
        h.name = s.name;
        if (s.has_ready_condition) h.ready = s.ready;
        h.start_time = s.start_time;
        h.ready_transition = s.ready_transition;
        double cpu = 0;
        for (const auto& c : s.containers) cpu += c.cpu_seconds;
        auto point = d->cpu_points.find(s.name);
        if (point != d->cpu_points.end() && now > point->second.at) {
          const double seconds = std::chrono::duration<double>(now - point->second.at).count();
          d->cpu_samples[s.name] =
              CpuSample{static_cast<long long>((cpu - point->second.cpu_seconds) / seconds * 1000.0), now, now - point->second.at};
        }
        d->cpu_points[s.name] = {cpu, now};
        if (auto sample = d->cpu_samples.find(s.name); sample != d->cpu_samples.end()) h.sample = sample->second;
        long long request = 0;
        bool all_requested = true;
        for (const auto& c : pod->launch().containers) {
          if (!c.cpu_request_milli) {
            all_requested = false;
            h.container_without_request = c.name;
            break;
          }
          request += *c.cpu_request_milli;
        }
        if (all_requested) h.request_milli = request;
        pods.push_back(std::move(h));
      }
      const auto result = d->hpa->sync(now, d->replicas, pods);
      if (result.rescaled) {
        std::ofstream(layout_.supervisor_log(), std::ios::app)
            << "HorizontalPodAutoscaler " << d->hpa->spec().metadata.name << ": New size: " << result.desired_replicas
            << "; reason: " << result.rescale_reason << "\n";
        d->replicas = result.desired_replicas;
      }
    }

    // Replace pods whose worker ended, then converge to the desired count.
    while (static_cast<int>(d->pods.size()) < d->replicas) {
      const std::string name = new_pod_name(d->spec);
      auto launch = build_pod_launch(d->spec, name, impl.pod_context);
      if (!launch) {
        std::ofstream(layout_.supervisor_log(), std::ios::app) << "cannot create a pod for " << d->spec.metadata.name
                                                               << ": " << launch.error().message << "\n";
        break;
      }
      auto pod = std::make_unique<Pod>(std::move(*launch));
      pod->start();
      d->pods.push_back(std::move(pod));
    }
    if (static_cast<int>(d->pods.size()) > d->replicas) {
      order_for_scale_down(d->pods);
      while (static_cast<int>(d->pods.size()) > d->replicas) {
        d->pods.back()->begin_stop();
        d->cpu_points.erase(d->pods.back()->launch().name);
        d->cpu_samples.erase(d->pods.back()->launch().name);
        d->terminating.push_back(std::move(d->pods.back()));
        d->pods.pop_back();
      }
    }
  }

  // Prometheus targets: a pod's app and sidecar once each container is ready (it listens).
  if (options_.prometheus) {
    std::vector<ScrapeTarget> sidecars, apps;
    for (const auto& d : impl.deployments)
      for (const auto& pod : d->pods) {
        const auto s = pod->status();
        const auto& launch = pod->launch();
        std::map<std::string, std::string> labels = launch.labels;
        labels["namespace"] = launch.namespace_name;
        labels["pod"] = launch.name;
        labels["app_id"] = launch.app_id;
        labels["node"] = impl.node;
        if (const auto* daprd = s.container("daprd"); daprd && daprd->ready) {
          auto l = labels;
          l["container"] = "daprd";
          sidecars.push_back({"127.0.0.1:" + std::to_string(launch.metrics_port), l});
        }
        if (!launch.containers.empty() && launch.app_port) {
          const auto* app = s.container(launch.containers.front().name);
          if (app && app->ready) {
            auto l = labels;
            l["container"] = app->name;
            l["service"] = launch.deployment;
            apps.push_back({"127.0.0.1:" + std::to_string(launch.app_port), l});
          }
        }
      }
    for (const auto& [job, targets] : {std::pair{kSidecarJob, sidecars}, std::pair{kAppJob, apps}}) {
      const std::string path = layout_.prometheus_dir() + "/targets/" + job + ".json";
      const std::string text = file_sd_json(targets);
      if (impl.written_targets[path] != text && write_file_atomically(path, text)) impl.written_targets[path] = text;
    }
  }

  if (now - impl.last_status_write >= std::chrono::seconds(1)) {
    impl.last_status_write = now;
    impl.mutex.unlock();
    write_status();
    impl.mutex.lock();
  }
}

void Platform::write_status() const {
  (void)write_file_atomically(layout_.status_file(), snapshot_to_json(snapshot()).dump(2) + "\n");
}

Status Platform::scale(const std::string& deployment, int replicas) {
  if (replicas < 0) return fail("replicas must be 0 or more");
  std::lock_guard lock(impl_->mutex);
  for (auto& d : impl_->deployments)
    if (d->spec.metadata.name == deployment) {
      d->replicas = replicas;
      std::ofstream(layout_.supervisor_log(), std::ios::app)
          << "deployment/" << deployment << " scaled to " << replicas << "\n";
      return {};
    }
  return fail("deployment " + deployment + " not found");
}

ClusterSnapshot Platform::snapshot() const {
  Impl& impl = *impl_;
  ClusterSnapshot out;
  out.node = impl.node;
  out.metrics_url = "http://127.0.0.1:" + std::to_string(impl.metrics_port) + "/metrics";
  bool all_ready = true;
  {
    std::lock_guard lock(impl.mutex);
    for (const auto& d : impl.deployments) {
      DeploymentView dv;
      dv.name = d->spec.metadata.name;
      dv.namespace_name = impl.pod_context.namespace_name;
      dv.spec_replicas = d->replicas;
      dv.replicas = static_cast<int>(d->pods.size());
      for (const auto& pod : d->pods) {
        const auto s = pod->status();
        const auto& launch = pod->launch();
        PodView pv;
        pv.name = launch.name;
        pv.deployment = launch.deployment;
        pv.app_id = launch.app_id;
        pv.namespace_name = launch.namespace_name;
        pv.node = impl.node;
        pv.start_time_seconds = unix_seconds(s.start_wall);
        pv.ready = s.ready;
        pv.restarts = s.restarts();
        pv.app_port = launch.app_port;
        pv.dapr_http_port = launch.dapr_http_port;
        pv.metrics_port = launch.metrics_port;
        if (auto sample = d->cpu_samples.find(launch.name); sample != d->cpu_samples.end())
          pv.cpu_millicores = static_cast<double>(sample->second.usage_milli);
        for (const auto& c : launch.containers) {
          ContainerView cv;
          if (const auto* st = s.container(c.name)) cv.status = *st;
          cv.status.name = c.name;
          cv.status.image = c.image;
          cv.cpu_request_milli = c.cpu_request_milli;
          cv.memory_request_bytes = c.memory_request_bytes;
          pv.containers.push_back(std::move(cv));
        }
        if (s.ready) ++dv.ready_replicas;
        out.pods.push_back(std::move(pv));
      }
      all_ready = all_ready && dv.ready_replicas == dv.spec_replicas && dv.replicas == dv.spec_replicas;
      out.deployments.push_back(dv);
      if (d->hpa) {
        const auto& spec = d->hpa->spec();
        HpaView hv;
        hv.name = spec.metadata.name;
        hv.namespace_name = impl.pod_context.namespace_name;
        hv.target_api_version = spec.scale_target_ref.api_version;
        hv.target_kind = spec.scale_target_ref.kind;
        hv.target_name = spec.scale_target_ref.name;
        hv.min_replicas = spec.min_replicas;
        hv.max_replicas = spec.max_replicas;
        for (const auto& m : spec.metrics)
          if (m.target.average_utilization) hv.target_utilization = m.target.average_utilization;
        hv.last = d->hpa->last();
        out.hpas.push_back(std::move(hv));
      }
    }
    out.services = impl.services;
  }
  if (impl.kafka) {
    const bool running = impl.kafka->is_running();
    out.infrastructure.push_back({"kafka", impl.kafka->bootstrap(), "", static_cast<int>(impl.kafka->pid()), running});
    all_ready = all_ready && running;
  }
  if (impl.kafka_proxy) {
    const bool running = impl.kafka_proxy->is_running();
    out.infrastructure.push_back({"kafka-proxy", impl.kafka_proxy->address(), impl.kafka_proxy->control_url(),
                                  static_cast<int>(impl.kafka_proxy->pid()), running});
    all_ready = all_ready && running;
  }
  if (impl.postgres) {
    const bool running = impl.postgres->running();
    out.infrastructure.push_back({"postgresql", "127.0.0.1:" + std::to_string(impl.postgres->port()), "",
                                  static_cast<int>(impl.postgres->pid()), running});
    all_ready = all_ready && running;
  }
  if (impl.prometheus) {
    const bool running = impl.prometheus->is_running();
    out.infrastructure.push_back({"prometheus", "", "http://127.0.0.1:" + std::to_string(impl.prometheus_port),
                                  static_cast<int>(impl.prometheus->pid()), running});
    all_ready = all_ready && running;
    // The dashboards viewer is served by this process (src/dashboards) and shows that Prometheus.
    out.infrastructure.push_back({"dashboards", "", "http://127.0.0.1:" + std::to_string(impl.metrics_port) + "/dashboards/",
                                  static_cast<int>(::getpid()), running});
  }
  if (impl.trace_collector)  // served by this process (src/tracecollector)
    out.infrastructure.push_back({"tracing", "127.0.0.1:" + std::to_string(impl.trace_collector->port()),
                                  impl.trace_collector->traces_url(), static_cast<int>(::getpid()), true});
  out.ready = all_ready && !impl.shut_down;
  return out;
}

void Platform::shutdown() {
  Impl& impl = *impl_;
  if (impl.shut_down) return;
  impl.shut_down = true;
  impl.balancers.clear();
  std::vector<std::unique_ptr<Pod>> pods;
  {
    std::lock_guard lock(impl.mutex);
    for (auto& d : impl.deployments) {
      for (auto& pod : d->pods) pods.push_back(std::move(pod));
      for (auto& pod : d->terminating) pods.push_back(std::move(pod));
      d->pods.clear();
      d->terminating.clear();
    }
  }
  for (auto& pod : pods) pod->begin_stop();  // every pod gets SIGTERM at once
  pods.clear();                              // and each is joined (SIGKILL after its grace)
  if (impl.prometheus) {
    impl.prometheus->stop(std::chrono::seconds(10));
    impl.prometheus.reset();
  }
  if (impl.metrics_server) impl.metrics_server.reset();
  impl.trace_collector.reset();
  impl.work.reset();
  impl.io.stop();
  if (impl.io_thread.joinable()) impl.io_thread.join();
  if (impl.postgres) {
    (void)impl.postgres->stop();
    impl.postgres.reset();
  }
  if (impl.kafka) {
    (void)impl.kafka->stop();
    impl.kafka.reset();
  }
  if (impl.kafka_proxy) {
    impl.kafka_proxy->stop();
    impl.kafka_proxy.reset();
  }
  if (!layout_.root.empty()) {
    auto final_snapshot = snapshot_to_json(snapshot());
    (void)write_file_atomically(layout_.status_file(), final_snapshot.dump(2) + "\n");
  }
}

}  // namespace lf::platform
