// POST /v1.0/publish/<pubsub>/<topic>: CloudEvent envelope, outbound component resiliency, egress
// metrics and a PRODUCER span whose context travels inside the event.
#include "core/strings.hpp"
#include "core/uuid.hpp"
#include "http/url.hpp"
#include "resiliency/run_async.hpp"
#include "sidecar/api.hpp"
#include "sidecar/async_bridge.hpp"
#include "sidecar/cloudevent.hpp"

namespace lf::sidecar {

namespace {

std::map<std::string, std::string> request_metadata(const std::string& query) {
  std::map<std::string, std::string> md;
  for (const auto& [k, v] : http::url::parse_query(query))
    if (starts_with(k, "metadata.")) md[k.substr(9)] = v;
  return md;
}

pubsub::PublishRequest broker_request(const std::string& topic, std::string payload,
                                      const std::map<std::string, std::string>& metadata) {
  pubsub::PublishRequest out;
  out.topic = topic;
  out.payload = std::move(payload);
  for (const auto& [k, v] : metadata) {
    if (k == "partitionKey" || k == "__key") out.key = v;
    long long partition = 0;
    if (k == "partitionNumber" && parse_int64(v, partition) && partition >= 0) out.partition = static_cast<int32_t>(partition);
    out.headers.emplace_back(k, v);  // Kafka: every metadata pair becomes a record header
  }
  return out;
}

}  // namespace

boost::asio::awaitable<http::Response> publish_event(SidecarContext& ctx, const std::string& pubsub_name,
                                                     const std::string& topic, http::Request request, TraceContext trace) {
  if (ctx.pubsubs.empty())
    co_return http::error_response(400, "ERR_PUBSUB_NOT_CONFIGURED", "no pubsub is configured");
  auto component = ctx.pubsubs.find(pubsub_name);
  if (component == ctx.pubsubs.end())
    co_return http::error_response(404, "ERR_PUBSUB_NOT_FOUND", "pubsub " + pubsub_name + " not found");

  auto wall_start = std::chrono::system_clock::now();
  auto start = std::chrono::steady_clock::now();
  TraceContext producer = ctx.tracer.start(trace);
  PublishInput input{ctx.options.app_id,
                     pubsub_name,
                     topic,
                     std::string(request.headers.get_or("Content-Type", "")),
                     std::move(request.body),
                     request_metadata(request.query),
                     producer,
                     wall_start};
  auto payload = build_publish_payload(input, uuid_v4());
  if (!payload)
    co_return http::error_response(400, "ERR_PUBSUB_CLOUD_EVENTS_SER",
                                   "error when publishing to topic " + topic + " in pubsub " + pubsub_name + ": " + payload.error().message);

  auto policy = ctx.resiliency.component_outbound_policy(pubsub_name, resiliency::ComponentType::pubsub);
  pubsub::PubSub* broker = component->second.broker.get();
  auto base_request = std::make_shared<pubsub::PublishRequest>(broker_request(topic, std::move(*payload), input.metadata));
  if (policy.timeout && *policy.timeout > Duration::zero()) base_request->timeout = *policy.timeout;
  resiliency::Operation op = [broker, base_request](const resiliency::AttemptContext&, resiliency::OpCompletion done) {
    broker->publish(*base_request, [done](Status status) {
      done(status ? resiliency::OpResult::ok() : resiliency::OpResult::failure(status.error().message));
    });
  };
  auto outcome = co_await resiliency::run_async(ctx.runner, policy, op);

  std::string success = outcome.is_ok() ? "true" : "false";
  std::vector<std::string> labels = {ctx.options.app_id, pubsub_name, ctx.namespace_label, success, topic};
  ctx.metrics.pubsub_egress_count.with(labels).inc();
  ctx.metrics.pubsub_egress_latencies.with(labels).observe(whole_ms_since(start));
  ctx.tracer.finish(Span{producer, trace.span_id, "publish " + topic, "PRODUCER", wall_start,
                         std::chrono::steady_clock::now() - start,
                         {{"messaging.system", "kafka"}, {"messaging.destination", topic}, {"dapr.pubsub", pubsub_name},
                          {"success", success}}});
  if (!outcome.is_ok())
    co_return http::error_response(500, "ERR_PUBSUB_PUBLISH_MESSAGE",
                                   "error when publishing to topic " + topic + " in pubsub " + pubsub_name + ": " + outcome.message);
  http::Response ok;
  ok.status = 204;
  co_return ok;
}

}  // namespace lf::sidecar
