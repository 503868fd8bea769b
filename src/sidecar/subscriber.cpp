#include "sidecar/subscriber.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include "resiliency/run_async.hpp"
#include "sidecar/async_bridge.hpp"
#include "sidecar/cloudevent.hpp"
#include "sidecar/delivery.hpp"

namespace lf::sidecar {

Expected<SubscriptionSpec, std::string> from_resource(const resources::Subscription& r) {
  SubscriptionSpec s;
  s.type = SubscriptionType::declarative;
  s.pubsub_name = r.pubsub_name;
  s.topic = r.topic;
  s.dead_letter_topic = r.dead_letter_topic;
  s.metadata = r.metadata_values;
  s.scopes = r.scopes;
  s.default_path = r.default_route.empty() || r.default_route[0] == '/' ? r.default_route : "/" + r.default_route;
  for (const auto& rule : r.rules) {
    RouteRule out;
    out.path = rule.path.empty() || rule.path[0] == '/' ? rule.path : "/" + rule.path;
    if (!rule.match.empty()) {
      auto m = RouteMatcher::compile(rule.match);
      if (!m) return unexpected("subscription " + r.metadata.name + ": invalid match \"" + rule.match + "\": " + m.error());
      out.match = std::move(*m);
    }
    s.rules.push_back(std::move(out));
  }
  return s;
}

boost::asio::awaitable<std::vector<SubscriptionSpec>> Subscriber::fetch_programmatic() {
  resiliency::PolicyDefinition policy;
  policy.retry = ctx_.resiliency.builtin_retry(resiliency::BuiltInRetry::initialization);
  policy.target.operation = "subscriptions[" + ctx_.options.app_id + "]";
  auto body = std::make_shared<std::optional<std::string>>();
  auto executor = co_await boost::asio::this_coro::executor;
  SidecarContext& ctx = ctx_;
  resiliency::Operation op = [&ctx, body, executor](const resiliency::AttemptContext&, resiliency::OpCompletion done) {
    boost::asio::co_spawn(executor, [&ctx, body, done]() -> boost::asio::awaitable<void> {
      http::Request req;
      req.method = "GET";
      req.set_target("/dapr/subscribe");
      auto res = co_await ctx.app.call(std::move(req), std::chrono::seconds(5));
      if (!res) co_return done(resiliency::OpResult::failure(res.error().message));
      if (res->status == 404) co_return done(resiliency::OpResult::ok());  // the app has no programmatic subscriptions
      if (res->status != 200) co_return done(resiliency::OpResult::code_error(res->status, "status " + std::to_string(res->status)));
      *body = std::move(res->body);
      done(resiliency::OpResult::ok());
    }, boost::asio::detached);
  };
  auto outcome = co_await resiliency::run_async(ctx_.runner, policy, op);
  if (!outcome.is_ok()) {
    ctx_.log.error("failed to get subscriptions from the app: " + outcome.message);
    co_return std::vector<SubscriptionSpec>{};
  }
  if (!*body) co_return std::vector<SubscriptionSpec>{};
  auto parsed = parse_programmatic_subscriptions(**body);
  if (!parsed) {
    ctx_.log.error(parsed.error());
    co_return std::vector<SubscriptionSpec>{};
  }
  for (const auto& p : parsed->problems) ctx_.log.warn(p.message);
  co_return std::move(parsed->subscriptions);
}

boost::asio::awaitable<void> Subscriber::start(std::vector<SubscriptionSpec> declarative) {
  std::vector<SubscriptionSpec> programmatic;
  if (ctx_.app.configured()) programmatic = co_await fetch_programmatic();
  auto merged = merge_subscriptions(ctx_.options.app_id, std::move(declarative), std::move(programmatic));
  for (auto& sub : merged) {
    if (!ctx_.pubsubs.count(sub.pubsub_name)) {
      ctx_.log.warn("subscription to topic " + sub.topic + " names pubsub " + sub.pubsub_name + ", which is not loaded; skipping");
      continue;
    }
    {
      std::lock_guard lock(ctx_.metadata_mutex);
      ctx_.subscriptions.push_back(sub);
    }
    // Keys first: the right side of `=` is evaluated before the left, and it moves `sub` away.
    auto& slot = active_[sub.pubsub_name][sub.topic];
    slot = std::make_shared<const SubscriptionSpec>(std::move(sub));
  }
  for (auto& [pubsub_name, topics] : active_) {
    std::vector<std::string> names;
    for (const auto& [topic, sub] : topics) names.push_back(topic);
    auto table = topics;  // the handler keeps its own copy of the routing table
    auto status = ctx_.pubsubs.at(pubsub_name).broker->subscribe(
        names, [this, table](const pubsub::Message& message, pubsub::Complete complete) {
          auto it = table.find(message.topic);
          if (it == table.end()) return complete(pubsub::DeliveryResult::success);
          on_message(it->second, message, std::move(complete));
        });
    if (!status) {
      ctx_.log.error("failed to subscribe to " + pubsub_name + ": " + status.error().message);
      continue;
    }
    for (const auto& n : names) ctx_.log.info("app is subscribed to the following topics: [" + n + "] through pubsub=" + pubsub_name);
    // Dapr counts the inbound policy once per subscription start.
    for (std::size_t i = 0; i < names.size(); ++i)
      (void)ctx_.resiliency.component_inbound_policy(pubsub_name, resiliency::ComponentType::pubsub);
  }
}

void Subscriber::on_message(std::shared_ptr<const SubscriptionSpec> sub, const pubsub::Message& message,
                            pubsub::Complete complete) {
  // Called on a broker thread: hand over to the I/O executor at once.
  boost::asio::co_spawn(
      ctx_.io,
      [this, sub, message, complete = std::move(complete)]() mutable -> boost::asio::awaitable<void> {
        auto result = co_await deliver(*sub, std::move(message));
        complete(result);
      },
      boost::asio::detached);
}

boost::asio::awaitable<bool> Subscriber::dead_letter(const SubscriptionSpec& sub, const pubsub::Message& message) {
  auto& broker = *ctx_.pubsubs.at(sub.pubsub_name).broker;
  auto policy = ctx_.resiliency.component_outbound_policy(sub.pubsub_name, resiliency::ComponentType::pubsub);
  auto request = std::make_shared<pubsub::PublishRequest>();
  request->topic = sub.dead_letter_topic;
  request->payload = message.payload;
  request->key = message.key;
  request->headers = message.headers;
  request->timeout = std::chrono::seconds(30);
  resiliency::Operation op = [&broker, request](const resiliency::AttemptContext&, resiliency::OpCompletion done) {
    broker.publish(*request, [done](Status s) { done(s ? resiliency::OpResult::ok() : resiliency::OpResult::failure(s.error().message)); });
  };
  auto outcome = co_await resiliency::run_async(ctx_.runner, policy, op);
  if (!outcome.is_ok())
    ctx_.log.error("failed to publish to dead letter topic " + sub.dead_letter_topic + ": " + outcome.message);
  co_return outcome.is_ok();
}

boost::asio::awaitable<pubsub::DeliveryResult> Subscriber::deliver(const SubscriptionSpec& sub, pubsub::Message message) {
  using pubsub::DeliveryResult;
  const std::string& pubsub_name = sub.pubsub_name;
  auto event = read_delivered_event(message.payload, sub.raw_payload(), pubsub_name, message.topic);
  if (!event) {
    ctx_.log.error("error deserializing cloud event in pubsub " + pubsub_name + " and topic " + message.topic + ": " + event.error().message);
    if (!sub.dead_letter_topic.empty() && !co_await dead_letter(sub, message)) co_return DeliveryResult::retry;
    co_return DeliveryResult::success;
  }
  if (event->expiration && *event->expiration < std::chrono::system_clock::now()) {
    ctx_.log.warn("dropping expired pub/sub event " + event->id + " as of " + format_rfc3339_seconds(*event->expiration));
    co_return DeliveryResult::success;
  }
  auto path = select_route(sub, event->envelope);
  if (!path) co_return DeliveryResult::success;  // no rule matched and no default: handled
  if (!ctx_.app.healthy()) co_return DeliveryResult::retry;

  TraceContext span = ctx_.tracer.start(event->trace);
  std::string body = event->envelope.dump(-1, ' ', false, OrderedJson::error_handler_t::replace);
  auto metadata = message.delivery_metadata();
  metadata["pubsubName"] = pubsub_name;
  auto policy = ctx_.resiliency.component_inbound_policy(pubsub_name, resiliency::ComponentType::pubsub);
  auto verdict = std::make_shared<DeliveryOutcome>();
  auto executor = co_await boost::asio::this_coro::executor;
  SidecarContext& ctx = ctx_;
  std::string topic = message.topic;
  resiliency::Operation op = [&ctx, executor, body, metadata, span, path = *path, verdict, pubsub_name, topic](
                const resiliency::AttemptContext&, resiliency::OpCompletion done) {
    boost::asio::co_spawn(executor, [&ctx, body, metadata, span, path, verdict, pubsub_name, topic, done]() -> boost::asio::awaitable<void> {
      http::Request req;
      req.method = "POST";
      req.set_target(path);
      for (const auto& [k, v] : metadata) req.headers.set(k, v);
      req.headers.set("Content-Type", "application/cloudevents+json");
      req.headers.set("traceparent", span.traceparent());
      if (!span.tracestate.empty()) req.headers.set("tracestate", span.tracestate);
      req.body = body;
      auto start = std::chrono::steady_clock::now();
      auto res = co_await ctx.app.call(std::move(req), std::chrono::minutes(1));
      *verdict = res ? classify_delivery(res->status, res->body) : classify_delivery(std::nullopt, "", res.error().message);
      const char* process = process_status_label(verdict->verdict);
      std::string status = verdict->verdict == DeliveryVerdict::drop ? "success" : process;
      std::vector<std::string> labels = {ctx.options.app_id, pubsub_name, ctx.namespace_label, process, status, topic};
      ctx.metrics.pubsub_ingress_count.with(labels).inc();
      ctx.metrics.pubsub_ingress_latencies.with(labels).observe(whole_ms_since(start));
      if (verdict->verdict != DeliveryVerdict::retry) co_return done(resiliency::OpResult::ok());
      if (verdict->status_error) co_return done(resiliency::OpResult::code_error(verdict->status, verdict->reason));
      done(resiliency::OpResult::failure(verdict->reason));
    }, boost::asio::detached);
  };
  auto wall_start = std::chrono::system_clock::now();
  auto start = std::chrono::steady_clock::now();
  auto outcome = co_await resiliency::run_async(ctx_.runner, policy, op);
  ctx_.tracer.finish(Span{span, event->trace ? event->trace->span_id : "", "deliver " + message.topic, "CONSUMER", wall_start,
                          std::chrono::steady_clock::now() - start,
                          {{"messaging.system", "kafka"}, {"messaging.destination", message.topic}, {"dapr.route", *path}}});
  if (outcome.is_ok()) {
    if (verdict->verdict == DeliveryVerdict::drop) {
      if (verdict->not_found) ctx_.log.error(verdict->reason);
      else ctx_.log.warn(verdict->reason);
      if (!sub.dead_letter_topic.empty() && !co_await dead_letter(sub, message)) co_return DeliveryResult::retry;
    }
    co_return DeliveryResult::success;
  }
  if (!sub.dead_letter_topic.empty()) co_return co_await dead_letter(sub, message) ? DeliveryResult::success : DeliveryResult::retry;
  co_return DeliveryResult::retry;
}

}  // namespace lf::sidecar
