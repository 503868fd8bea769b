#pragma once
// Everything the sidecar's handlers share, built once by the Runtime. Handlers take it by
// reference; it outlives every request.
#include <functional>
#include <map>
#include <mutex>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "core/error.hpp"
#include "http/client.hpp"
#include "log/log.hpp"
#include "metrics/metrics.hpp"
#include "pubsub/pubsub.hpp"
#include "resiliency/provider.hpp"
#include "resiliency/runner.hpp"
#include "resources/component.hpp"
#include "resources/configuration.hpp"
#include "sidecar/app_channel.hpp"
#include "sidecar/dapr_metrics.hpp"
#include "sidecar/options.hpp"
#include "sidecar/subscriptions.hpp"
#include "sidecar/tracing.hpp"
#include "sidecar/worker_pool.hpp"
#include "state/key_prefix.hpp"
#include "state/state_store.hpp"

namespace lf::sidecar {

struct StateComponent {
  std::string name;
  std::string type;
  std::unique_ptr<state::StateStore> store;
  state::KeyPrefix prefix;
};

struct PubSubComponent {
  std::string name;
  std::string type;
  std::unique_ptr<pubsub::PubSub> broker;
};

struct SidecarContext {
  // Shared services, owned by the Runtime (run_sidecar) and alive until every handler is done.
  boost::asio::io_context& io;
  http::Client& client;
  metrics::Registry& registry;
  DaprMetrics& metrics;
  resiliency::Provider& resiliency;
  resiliency::Runner& runner;
  AppChannel& app;
  Tracer& tracer;
  WorkerPool& workers;

  Options options;
  resources::Configuration configuration;
  std::vector<resources::Component> components;  // the initialized ones, for /v1.0/metadata
  std::map<std::string, PubSubComponent> pubsubs;
  std::map<std::string, StateComponent> stores;
  // Name resolution as the handlers need it ("host:port" of a callee sidecar's internal port);
  // unset: only the own app id is reachable.
  std::function<Result<std::string>(const std::string& app_id)> resolve;
  std::function<void(const std::string& app_id, const std::string& address)> forget_address;
  std::vector<SubscriptionSpec> subscriptions;  // active ones, for /v1.0/metadata (metadata_mutex)
  std::mutex metadata_mutex;  // guards subscriptions and extended_metadata
  std::map<std::string, std::string> extended_metadata;  // PUT /v1.0/metadata/<key>
  std::uint16_t internal_port = 0;
  std::string namespace_label = "default";  // NAMESPACE or "default", for component metric labels
  log::Logger log{"dapr.runtime"};
};

}  // namespace lf::sidecar
