#pragma once
// Pub/sub deliveries to the app: GET /dapr/subscribe (with DaprBuiltInInitializationRetries),
// merged with declarative Subscriptions; each message routed, posted to the app under the
// component's inbound policy, judged per Dapr's table, dead-lettered or handed back for
// redelivery; offsets are committed by the component only after success.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/awaitable.hpp>

#include "resources/subscription.hpp"
#include "sidecar/context.hpp"

namespace lf::sidecar {

// Declarative Subscription resources in the sidecar's own form (route rules compiled).
Expected<SubscriptionSpec, std::string> from_resource(const resources::Subscription& resource);

class Subscriber {
 public:
  explicit Subscriber(SidecarContext& ctx) : ctx_(ctx) {}

  // Asks the app for its subscriptions, merges the declarative ones and starts consuming.
  boost::asio::awaitable<void> start(std::vector<SubscriptionSpec> declarative);

 private:
  boost::asio::awaitable<std::vector<SubscriptionSpec>> fetch_programmatic();
  void on_message(std::shared_ptr<const SubscriptionSpec> sub, const pubsub::Message& message, pubsub::Complete complete);
  boost::asio::awaitable<pubsub::DeliveryResult> deliver(const SubscriptionSpec& sub, pubsub::Message message);
  boost::asio::awaitable<bool> dead_letter(const SubscriptionSpec& sub, const pubsub::Message& message);

  SidecarContext& ctx_;
  // Per pubsub name, topic -> subscription (stable addresses: handlers keep pointers).
  std::map<std::string, std::map<std::string, std::shared_ptr<const SubscriptionSpec>>> active_;
};

}  // namespace lf::sidecar
