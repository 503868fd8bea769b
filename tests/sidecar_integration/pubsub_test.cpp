// Publish and subscribe through a real sidecar and the real Kafka broker: outbound retries while
// the broker is down, Dapr's delivery semantics (RETRY, DROP, 404, 500, dead letters, route rules),
// redelivery after the subscriber's sidecar is killed, and the pub/sub metrics.
#include <gtest/gtest.h>

#include <csignal>
#include <future>
#include <set>

#include <nlohmann/json.hpp>

#include "kafka/test_broker.hpp"
#include "sidecar_integration/harness.hpp"

namespace lf::sidecar::testing {
namespace {

using kafka::testing::BrokerEnvironment;
using Json = nlohmann::json;

std::string kafka_component(const std::string& name, const std::string& group) {
  return component_yaml(name, "pubsub.kafka",
                        {{"brokers", BrokerEnvironment::broker().bootstrap()},
                         {"authType", "none"},
                         {"consumerGroup", group},
                         {"initialOffset", "oldest"},
                         {"backOffDuration", "200ms"},
                         {"sessionTimeout", "6s"},
                         {"heartbeatInterval", "1s"},
                         {"writeTimeout", "500ms"}});
}

// The cloud event id of a delivery (its body is the envelope).
std::string event_id(const http::Request& r) {
  auto j = Json::parse(r.body, nullptr, false);
  return j.is_object() && j.contains("id") && j["id"].is_string() ? j["id"].get<std::string>() : "";
}

Json event_data(const http::Request& r) {
  auto j = Json::parse(r.body, nullptr, false);
  return j.is_object() && j.contains("data") ? j["data"] : Json();
}

struct PubSubFixture {
  TempDir dir{"lf-sidecar-pubsub"};
  std::string resources = dir.sub("resources");

  SidecarConfig sidecar(const std::string& app_id, std::uint16_t app_port) const {
    SidecarConfig c;
    c.app_id = app_id;
    c.app_port = app_port;
    c.registry_file = dir.path() + "/nr.db";
    c.resources_paths = {resources};
    return c;
  }
};

std::string paths(const TestApp& app) {
  std::string out;
  for (const auto& r : app.requests()) out += r.method + " " + r.target + "\n";
  return out;
}

// Waits until the sidecar's log says it subscribed to `topic`.
bool subscribed(const Sidecar& sidecar, const std::string& topic, Duration timeout = 30s) {
  return wait_until([&] { return sidecar.log().find("following topics: [" + topic + "]") != std::string::npos; }, timeout);
}

TEST(SidecarPubSub, PublishRetriesWhileTheBrokerIsDownAndGivesUpWithDaprsError) {
  ASSERT_TRUE(BrokerEnvironment::ready());
  auto& broker = BrokerEnvironment::broker();
  PubSubFixture f;
  const std::string topic = BrokerEnvironment::unique_topic("outage");
  ASSERT_TRUE(broker.create_topic(topic));
  f.dir.write("resources/pubsub.yaml", kafka_component("pubsub", "outage-group"));
  f.dir.write("resources/pubsub-short.yaml", kafka_component("pubsub-short", "outage-group-short"));
  f.dir.write("resources/resiliency.yaml", R"(apiVersion: dapr.io/v1alpha1
kind: Resiliency
metadata:
  name: outage
spec:
  policies:
    retries:
      patient:
        policy: constant
        duration: 200ms
        maxRetries: 150
      brief:
        policy: constant
        duration: 200ms
        maxRetries: 2
    circuitBreakers:
      shortBreaker:
        maxRequests: 1
        timeout: 60s
        trip: consecutiveFailures > 2
  targets:
    components:
      pubsub:
        outbound:
          retry: patient
      pubsub-short:
        outbound:
          retry: brief
          circuitBreaker: shortBreaker
)");
  TestApp app([&](const http::Request& r) {
    if (r.path == "/dapr/subscribe")
      return Reply{200, R"([{"pubsubname":"pubsub","topic":")" + topic + R"(","route":"/events"}])"};
    return Reply{200, ""};
  });
  Sidecar sidecar(f.sidecar("publisher", app.port()), f.dir.path());
  ASSERT_TRUE(sidecar.start()) << sidecar.log();
  ASSERT_TRUE(subscribed(sidecar, topic)) << sidecar.log() << "app saw: " << paths(app);
  const std::string path = "/v1.0/publish/pubsub/" + topic;
  const std::vector<std::pair<std::string, std::string>> json = {{"Content-Type", "application/json"}};
  ASSERT_EQ(sidecar.request("POST", path, R"({"n":0})", json).status, 204);
  ASSERT_TRUE(wait_until([&] { return app.count("/events") == 1; }, 30s)) << sidecar.log();

  ASSERT_TRUE(broker.stop());
  // Out of retries (2 retries of 500ms attempts): Dapr's publish error.
  auto started = std::chrono::steady_clock::now();
  auto gave_up = sidecar.request("POST", "/v1.0/publish/pubsub-short/" + topic, R"({"n":-1})", json);
  auto took = std::chrono::steady_clock::now() - started;
  EXPECT_EQ(gave_up.status, 500) << gave_up.body;
  EXPECT_EQ(error_code(gave_up), "ERR_PUBSUB_PUBLISH_MESSAGE");
  EXPECT_EQ(error_message(gave_up).rfind("error when publishing to topic " + topic + " in pubsub pubsub-short: ", 0), 0u)
      << error_message(gave_up);
  EXPECT_GE(took, 3 * 500ms + 2 * 200ms - 100ms);
  EXPECT_LT(took, 5s);
  // Those three failed attempts tripped the component's breaker: the next publish is refused at once.
  started = std::chrono::steady_clock::now();
  auto refused = sidecar.request("POST", "/v1.0/publish/pubsub-short/" + topic, R"({"n":-2})", json);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 300ms);
  EXPECT_EQ(refused.status, 500);
  EXPECT_EQ(error_code(refused), "ERR_PUBSUB_PUBLISH_MESSAGE");
  EXPECT_EQ(error_message(refused), "error when publishing to topic " + topic + " in pubsub pubsub-short: circuit breaker is open");

  // A publish during the outage keeps retrying and succeeds once the broker is back.
  auto pending = std::async(std::launch::async, [&] {
    return sidecar.request("POST", path, R"({"n":1})", json, 120s);
  });
  std::this_thread::sleep_for(1500ms);
  ASSERT_TRUE(broker.restart());
  auto published = pending.get();
  EXPECT_EQ(published.status, 204) << published.body;
  ASSERT_TRUE(wait_until([&] {
    for (const auto& r : app.requests_to("/events"))
      if (event_data(r) == Json{{"n", 1}}) return true;
    return false;
  }, 60s)) << sidecar.log();
  // The short-lived publish never reached the topic.
  for (const auto& r : app.requests_to("/events")) EXPECT_NE(event_data(r), Json({{"n", -1}}));

  auto metrics = sidecar.metrics();
  EXPECT_EQ(metric_sum(metrics, "dapr_resiliency_activations_total",
                       {{"policy", "retry"}, {"flow_direction", "outbound"}, {"target", "Pubsub_pubsub"}}),
            1);
  EXPECT_EQ(metric_sum(metrics, "dapr_resiliency_activations_total",
                       {{"policy", "retry"}, {"flow_direction", "outbound"}, {"target", "Pubsub_pubsub-short"}}),
            1);
  EXPECT_EQ(metric_sum(metrics, "dapr_component_pubsub_egress_count", {{"topic", topic}, {"success", "true"}}), 2);
  EXPECT_EQ(metric_sum(metrics, "dapr_component_pubsub_egress_count", {{"topic", topic}, {"success", "false"}}), 2);
  auto log = sidecar.log();
  // One WARN per operation (its first failure), as Dapr logs it.
  EXPECT_EQ(count_occurrences(log, "Error processing operation component[pubsub] output. Retrying in 200ms\u2026"), 1u) << log;
  EXPECT_EQ(count_occurrences(log, "Error processing operation component[pubsub-short] output. Retrying in 200ms\u2026"), 1u) << log;
  EXPECT_NE(log.find("Recovered processing operation component[pubsub] output after "), std::string::npos) << log;
  EXPECT_NE(log.find("Circuit breaker \\\"shortBreaker-pubsub-short\\\" changed state from closed to open"), std::string::npos)
      << log;
  for (const auto& r : app.requests_to("/events")) EXPECT_NE(event_data(r), Json({{"n", -2}}));
}

TEST(SidecarPubSub, DeliverySemanticsDeadLettersAndRouteRules) {
  ASSERT_TRUE(BrokerEnvironment::ready());
  auto& broker = BrokerEnvironment::broker();
  PubSubFixture f;
  const std::string t_retry = BrokerEnvironment::unique_topic("retry"), t_drop = BrokerEnvironment::unique_topic("drop"),
                    t_missing = BrokerEnvironment::unique_topic("missing"), t_fail = BrokerEnvironment::unique_topic("fail"),
                    t_dead = BrokerEnvironment::unique_topic("dead"), t_routed = BrokerEnvironment::unique_topic("routed"),
                    t_raw = BrokerEnvironment::unique_topic("raw"), t_poison = BrokerEnvironment::unique_topic("poison");
  const std::vector<std::string> topics = {t_retry, t_drop, t_missing, t_fail, t_dead, t_routed, t_raw, t_poison};
  for (const auto& t : topics) ASSERT_TRUE(broker.create_topic(t));
  f.dir.write("resources/pubsub.yaml", kafka_component("pubsub", "semantics-group"));
  f.dir.write("resources/resiliency.yaml", R"(apiVersion: dapr.io/v1alpha1
kind: Resiliency
metadata:
  name: inbound
spec:
  policies:
    retries:
      deliveries:
        policy: constant
        duration: 200ms
        maxRetries: 3
  targets:
    components:
      pubsub:
        inbound:
          retry: deliveries
)");
  f.dir.write("resources/subscription.yaml", R"(apiVersion: dapr.io/v2alpha1
kind: Subscription
metadata:
  name: routed
spec:
  pubsubname: pubsub
  topic: )" + t_routed + R"(
  routes:
    rules:
    - match: event.data.kind == "widget"
      path: /widgets
    default: /other
scopes:
- subscriber
)");
  const std::string subscriptions = Json::array({
      {{"pubsubname", "pubsub"}, {"topic", t_retry}, {"route", "/retry"}},
      {{"pubsubname", "pubsub"}, {"topic", t_drop}, {"route", "/drop"}, {"deadLetterTopic", t_dead}},
      {{"pubsubname", "pubsub"}, {"topic", t_missing}, {"route", "/missing"}, {"deadLetterTopic", t_dead}},
      {{"pubsubname", "pubsub"}, {"topic", t_fail}, {"route", "/fail"}},
      {{"pubsubname", "pubsub"}, {"topic", t_dead}, {"route", "/dead"}},
      {{"pubsubname", "pubsub"}, {"topic", t_raw}, {"route", "/raw"}, {"metadata", {{"rawPayload", "true"}}}},
      {{"pubsubname", "pubsub"}, {"topic", t_poison}, {"route", "/poison"}},
  }).dump();
  std::atomic<int> retry_calls{0}, fail_calls{0};
  TestApp app([&](const http::Request& r) {
    if (r.path == "/dapr/subscribe") return Reply{200, subscriptions};
    if (r.path == "/retry") return Reply{200, ++retry_calls <= 2 ? R"({"status":"RETRY"})" : R"({"status":"SUCCESS"})"};
    if (r.path == "/drop") return Reply{200, R"({"status":"DROP"})"};
    if (r.path == "/missing") return Reply{404, ""};
    if (r.path == "/fail") return ++fail_calls <= 2 ? Reply{500, ""} : Reply{200, ""};
    return Reply{200, ""};
  });
  Sidecar sidecar(f.sidecar("subscriber", app.port()), f.dir.path());
  ASSERT_TRUE(sidecar.start()) << sidecar.log();
  for (const auto& t : topics) ASSERT_TRUE(subscribed(sidecar, t)) << sidecar.log();

  // /v1.0/metadata lists both kinds of subscription.
  auto metadata = Json::parse(sidecar.request("GET", "/v1.0/metadata").body, nullptr, false);
  ASSERT_TRUE(metadata.is_object() && metadata.contains("subscriptions")) << metadata.dump();
  ASSERT_EQ(metadata["subscriptions"].size(), 8u) << metadata.dump();
  for (const auto& s : metadata["subscriptions"]) {
    if (s["topic"] == t_routed) {
      EXPECT_EQ(s["type"], "DECLARATIVE");
      EXPECT_EQ(s["rules"], Json::parse(R"([{"match":"event.data.kind == \"widget\"","path":"/widgets"},{"match":"","path":"/other"}])"));
    } else {
      EXPECT_EQ(s["type"], "PROGRAMMATIC");
    }
    if (s["topic"] == t_drop) {
      EXPECT_EQ(s["deadLetterTopic"], t_dead);
    }
  }

  const std::vector<std::pair<std::string, std::string>> json = {{"Content-Type", "application/json"}};
  for (const auto& t : {t_retry, t_drop, t_missing, t_fail})
    ASSERT_EQ(sidecar.request("POST", "/v1.0/publish/pubsub/" + t, R"({"topic":")" + t + "\"}", json).status, 204);
  const std::string trace_id = "0af7651916cd43dd8448eb211c80319c";
  auto traced = json;
  traced.emplace_back("traceparent", "00-" + trace_id + "-b7ad6b7169203331-01");
  ASSERT_EQ(sidecar.request("POST", "/v1.0/publish/pubsub/" + t_routed, R"({"kind":"widget"})", traced).status, 204);
  // rawPayload: no envelope on the wire; the subscriber (rawPayload too) gets a synthesized one.
  ASSERT_EQ(sidecar.request("POST", "/v1.0/publish/pubsub/" + t_raw + "?metadata.rawPayload=true", "plain bytes",
                            {{"Content-Type", "text/plain"}}).status, 204);
  // A record that is no CloudEvent on a topic that expects them: logged and skipped (documented
  // deviation: Dapr would block the partition); the next event is delivered.
  ASSERT_EQ(sidecar.request("POST", "/v1.0/publish/pubsub/" + t_poison + "?metadata.rawPayload=true", "{not json",
                            {{"Content-Type", "text/plain"}}).status, 204);
  ASSERT_EQ(sidecar.request("POST", "/v1.0/publish/pubsub/" + t_poison, R"({"after":"poison"})", json).status, 204);
  ASSERT_EQ(sidecar.request("POST", "/v1.0/publish/pubsub/" + t_routed, R"({"kind":"gadget"})", json).status, 204);

  ASSERT_TRUE(wait_until([&] {
    return app.count("/retry") >= 3 && app.count("/fail") >= 3 && app.count("/dead") >= 2 && app.count("/widgets") >= 1 &&
           app.count("/other") >= 1 && app.count("/raw") >= 1 && app.count("/poison") >= 1;
  }, 60s)) << sidecar.log();
  std::this_thread::sleep_for(1500ms);  // anything redelivered by mistake would show up by now

  // RETRY: redelivered (the same event) until SUCCESS; 500: retried per the inbound policy.
  auto retried = app.requests_to("/retry");
  ASSERT_EQ(retried.size(), 3u);
  EXPECT_EQ(event_id(retried[0]), event_id(retried[2]));
  EXPECT_EQ(app.count("/fail"), 3u);
  // DROP and 404: delivered once, not redelivered, and republished to the dead-letter topic.
  EXPECT_EQ(app.count("/drop"), 1u);
  EXPECT_EQ(app.count("/missing"), 1u);
  auto dead = app.requests_to("/dead");
  ASSERT_EQ(dead.size(), 2u);
  std::set<std::string> dead_topics = {event_data(dead[0]).value("topic", ""), event_data(dead[1]).value("topic", "")};
  EXPECT_EQ(dead_topics, (std::set<std::string>{t_drop, t_missing}));
  EXPECT_EQ(event_id(dead[0]) == event_id(app.requests_to("/drop")[0]) ||
                event_id(dead[1]) == event_id(app.requests_to("/drop")[0]),
            true);
  // The declarative rule routes by content.
  ASSERT_EQ(app.count("/widgets"), 1u);
  ASSERT_EQ(app.count("/other"), 1u);
  EXPECT_EQ(event_data(app.requests_to("/widgets")[0]), Json({{"kind", "widget"}}));
  EXPECT_EQ(event_data(app.requests_to("/other")[0]), Json({{"kind", "gadget"}}));
  // The publisher's trace continues through Kafka into the delivery (in the event and the header).
  auto widget = app.requests_to("/widgets")[0];
  EXPECT_EQ(std::string(widget.headers.get_or("traceparent", "")).substr(0, 35), "00-" + trace_id);
  EXPECT_EQ(Json::parse(widget.body).value("traceparent", "").substr(0, 35), "00-" + trace_id) << widget.body;
  EXPECT_EQ(widget.headers.get_or("Content-Type", ""), "application/cloudevents+json");
  ASSERT_EQ(app.count("/raw"), 1u);
  auto raw = Json::parse(app.requests_to("/raw")[0].body, nullptr, false);
  EXPECT_EQ(raw.value("data_base64", ""), "cGxhaW4gYnl0ZXM=") << raw.dump();  // "plain bytes"
  ASSERT_EQ(app.count("/poison"), 1u);
  EXPECT_EQ(event_data(app.requests_to("/poison")[0]), Json({{"after", "poison"}}));
  EXPECT_NE(sidecar.log().find("error deserializing cloud event in pubsub pubsub and topic " + t_poison), std::string::npos);

  auto metrics = sidecar.metrics();
  auto ingress = [&](const std::string& topic, const std::string& process_status) {
    return metric_sum(metrics, "dapr_component_pubsub_ingress_count", {{"topic", topic}, {"process_status", process_status}});
  };
  EXPECT_EQ(ingress(t_retry, "retry"), 2);
  EXPECT_EQ(ingress(t_retry, "success"), 1);
  EXPECT_EQ(ingress(t_fail, "retry"), 2);
  EXPECT_EQ(ingress(t_fail, "success"), 1);
  EXPECT_EQ(ingress(t_drop, "drop"), 1);
  EXPECT_EQ(ingress(t_missing, "drop"), 1);
  EXPECT_EQ(ingress(t_dead, "success"), 2);
  EXPECT_EQ(metric_sum(metrics, "dapr_component_pubsub_egress_count", {{"topic", t_routed}, {"success", "true"}}), 2);
  EXPECT_EQ(metric_sum(metrics, "dapr_component_pubsub_egress_count", {{"topic", t_drop}, {"success", "true"}}), 1);
  EXPECT_EQ(metric_sum(metrics, "dapr_resiliency_activations_total",
                       {{"policy", "retry"}, {"flow_direction", "inbound"}, {"target", "Pubsub_pubsub"}}),
            2);
  auto log = sidecar.log();
  EXPECT_NE(log.find("non-retriable error returned from app while processing pub/sub event: status 404"), std::string::npos);
  EXPECT_NE(log.find("DROP status returned from app while processing pub/sub event"), std::string::npos);
}

TEST(SidecarPubSub, RedeliveredAfterTheSubscribersSidecarIsKilledBeforeItAcks) {
  ASSERT_TRUE(BrokerEnvironment::ready());
  auto& broker = BrokerEnvironment::broker();
  PubSubFixture f;
  const std::string topic = BrokerEnvironment::unique_topic("restart");
  ASSERT_TRUE(broker.create_topic(topic));
  f.dir.write("resources/pubsub.yaml", kafka_component("pubsub", "restart-group"));
  std::atomic<bool> stall{true};
  TestApp app([&](const http::Request& r) {
    if (r.path == "/dapr/subscribe")
      return Reply{200, R"([{"pubsubname":"pubsub","topic":")" + topic + R"(","route":"/slow"}])"};
    if (r.path == "/slow" && stall) return Reply{200, "", "application/json", 60s};
    return Reply{200, ""};
  });
  auto config = f.sidecar("restarter", app.port());
  auto sidecar = std::make_unique<Sidecar>(config, f.dir.path());
  ASSERT_TRUE(sidecar->start()) << sidecar->log();
  ASSERT_TRUE(subscribed(*sidecar, topic)) << sidecar->log();
  const std::vector<std::pair<std::string, std::string>> json = {{"Content-Type", "application/json"}};
  ASSERT_EQ(sidecar->request("POST", "/v1.0/publish/pubsub/" + topic, R"({"once":true})", json).status, 204);
  ASSERT_TRUE(wait_until([&] { return app.count("/slow") == 1; }, 30s)) << sidecar->log();
  std::string first_id = event_id(app.requests_to("/slow")[0]);

  // Killed while the app holds the message: no ack, so the restarted sidecar gets it again.
  sidecar->kill();
  stall = false;
  sidecar = std::make_unique<Sidecar>(config, f.dir.path());
  ASSERT_TRUE(sidecar->start()) << sidecar->log();
  ASSERT_TRUE(wait_until([&] { return app.count("/slow") == 2; }, 60s)) << sidecar->log();
  EXPECT_EQ(event_id(app.requests_to("/slow")[1]), first_id);
  // Acked this time: not delivered a third time after another restart.
  ASSERT_TRUE(wait_until([&] {
    return metric_sum(sidecar->metrics(), "dapr_component_pubsub_ingress_count", {{"topic", topic}, {"process_status", "success"}}) == 1;
  }, 10s));
  std::this_thread::sleep_for(1500ms);  // offsets commit every second
  auto stopped = sidecar->stop();
  EXPECT_TRUE(stopped.success()) << stopped.describe();  // SIGTERM: graceful, offsets committed
  sidecar = std::make_unique<Sidecar>(config, f.dir.path());
  ASSERT_TRUE(sidecar->start()) << sidecar->log();
  ASSERT_TRUE(subscribed(*sidecar, topic)) << sidecar->log();
  std::this_thread::sleep_for(6s);  // the group rebalances in well under this (the old member left)
  EXPECT_EQ(app.count("/slow"), 2u);
}

TEST(SidecarPubSub, SigtermWhileTheAppHoldsAMessageExitsPromptlyAndTheMessageComesAgain) {
  ASSERT_TRUE(BrokerEnvironment::ready());
  auto& broker = BrokerEnvironment::broker();
  PubSubFixture f;
  const std::string topic = BrokerEnvironment::unique_topic("sigterm");
  ASSERT_TRUE(broker.create_topic(topic));
  f.dir.write("resources/pubsub.yaml", kafka_component("pubsub", "sigterm-group"));
  std::atomic<bool> stall{true};
  TestApp app([&](const http::Request& r) {
    if (r.path == "/dapr/subscribe")
      return Reply{200, R"([{"pubsubname":"pubsub","topic":")" + topic + R"(","route":"/held"}])"};
    if (r.path == "/held" && stall) return Reply{200, "", "application/json", 60s};
    return Reply{200, ""};
  });
  auto config = f.sidecar("holder", app.port());
  auto sidecar = std::make_unique<Sidecar>(config, f.dir.path());
  ASSERT_TRUE(sidecar->start()) << sidecar->log();
  ASSERT_TRUE(subscribed(*sidecar, topic)) << sidecar->log();
  const std::vector<std::pair<std::string, std::string>> json = {{"Content-Type", "application/json"}};
  ASSERT_EQ(sidecar->request("POST", "/v1.0/publish/pubsub/" + topic, R"({"held":true})", json).status, 204);
  ASSERT_TRUE(wait_until([&] { return app.count("/held") == 1; }, 30s)) << sidecar->log();

  // The harness gives a 2 s drain; closing the Kafka client is bounded too.
  auto started = std::chrono::steady_clock::now();
  sidecar->signal(SIGTERM);
  auto exit = sidecar->wait_exit(15s);
  ASSERT_TRUE(exit.has_value()) << "still running 15 s after SIGTERM; log:\n" << sidecar->log();
  EXPECT_TRUE(exit->success()) << exit->describe() << "\n" << sidecar->log();
  EXPECT_LT(std::chrono::steady_clock::now() - started, 10s);

  stall = false;
  sidecar = std::make_unique<Sidecar>(config, f.dir.path());
  ASSERT_TRUE(sidecar->start()) << sidecar->log();
  ASSERT_TRUE(wait_until([&] { return app.count("/held") == 2; }, 60s)) << sidecar->log();
  EXPECT_EQ(event_id(app.requests_to("/held")[1]), event_id(app.requests_to("/held")[0]));
}

}  // namespace
}  // namespace lf::sidecar::testing
