// Real sidecars export their spans to the collector: one request with a known traceparent goes
// learnflow-frontend's sidecar → (invocation) course-agent's sidecar → its app → publish →
// Kafka → user-progress's sidecar → its app, and GET /api/v2/trace/<id> returns the linked spans.
// The test apps propagate the traceparent they receive into their next Dapr call, as Dapr
// requires of apps (the sidecars carry it across invocation and the CloudEvent themselves).
#include <gtest/gtest.h>

#include <set>
#include <thread>

#include <nlohmann/json.hpp>

#include "http/client.hpp"
#include "kafka/test_broker.hpp"
#include "sidecar_integration/harness.hpp"
#include "tracecollector/collector.hpp"

namespace lf::tracecollector {
namespace {

using namespace lf::sidecar::testing;
using kafka::testing::BrokerEnvironment;
using Json = nlohmann::json;

// The collector on its own I/O thread, stopped by RAII.
class RunningCollector {
 public:
  explicit RunningCollector(const std::string& dir) {
    auto started = CollectorServer::start(io_, {.dir = dir});
    if (!started) throw std::runtime_error(started.error().message);
    server_ = std::move(*started);
    thread_ = std::thread([this] { io_.run(); });
  }
  ~RunningCollector() {
    io_.stop();
    thread_.join();
    server_.reset();
  }
  CollectorServer& server() { return *server_; }

 private:
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_{io_.get_executor()};
  std::unique_ptr<CollectorServer> server_;
  std::thread thread_;
};

Json get_json(const std::string& url) {
  auto r = http::fetch(url, {}, std::chrono::seconds(5));
  if (!r || r->status != 200) return Json();
  return Json::parse(r->body, nullptr, false);
}

// The first span of that service and kind whose name starts with name_prefix.
const Json* span_of(const Json& spans, const std::string& service, const std::string& kind,
                    const std::string& name_prefix = "") {
  for (const auto& s : spans)
    if (s.value("kind", "") == kind && s["localEndpoint"].value("serviceName", "") == service &&
        s.value("name", "").rfind(name_prefix, 0) == 0)
      return &s;
  return nullptr;
}

TEST(TraceCollectorWithSidecars, OneTraceLinksFrontendCourseAgentKafkaAndUserProgress) {
  ASSERT_TRUE(BrokerEnvironment::ready());
  auto& broker = BrokerEnvironment::broker();
  const std::string topic = BrokerEnvironment::unique_topic("lesson-generated");
  ASSERT_TRUE(broker.create_topic(topic));
  TempDir dir("lf-trace-it");
  RunningCollector collector(dir.sub("traces"));

  dir.write("resources/pubsub.yaml", component_yaml("pubsub", "pubsub.kafka",
                                                    {{"brokers", broker.bootstrap()}, {"authType", "none"},
                                                     {"consumerGroup", "user-progress"}, {"initialOffset", "oldest"}}));
  const std::string config = dir.write(
      "config.yaml", configuration_yaml(dir.path() + "/nr.db", "  tracing:\n    samplingRate: \"1\"\n    zipkin:\n"
                                                               "      endpointAddress: \"" +
                                                                   collector.server().spans_url() + "\"\n"));
  auto sidecar_config = [&](const std::string& app_id, std::uint16_t app_port) {
    SidecarConfig c;
    c.app_id = app_id;
    c.app_port = app_port;
    c.config_file = config;
    c.resources_paths = {dir.path() + "/resources"};
    return c;
  };

  TestApp frontend_app;
  std::uint16_t agent_sidecar_port = 0;
  TestApp agent_app([&](const http::Request& r) {
    if (r.path != "/generate-lesson") return Reply{404, ""};
    // The app continues the trace it was called in (blocking is fine on the test app's thread).
    http::Request publish;
    publish.method = "POST";
    publish.headers.set("Content-Type", "application/json");
    publish.headers.set("traceparent", std::string(r.headers.get_or("traceparent", "")));
    publish.body = R"({"lesson_id":"l-1"})";
    auto res = http::fetch("http://127.0.0.1:" + std::to_string(agent_sidecar_port) + "/v1.0/publish/pubsub/" + topic,
                           std::move(publish), std::chrono::seconds(10));
    return Reply{res && res->status == 204 ? 200 : 500, R"({"lesson_id":"l-1"})"};
  });
  TestApp progress_app([&](const http::Request& r) {
    if (r.path == "/dapr/subscribe")
      return Reply{200, R"([{"pubsubname":"pubsub","topic":")" + topic + R"(","route":"/lesson-generated"}])"};
    return Reply{200, ""};
  });

  Sidecar frontend(sidecar_config("learnflow-frontend", frontend_app.port()), dir.path());
  Sidecar agent(sidecar_config("course-agent", agent_app.port()), dir.path());
  Sidecar progress(sidecar_config("user-progress", progress_app.port()), dir.path());
  ASSERT_TRUE(frontend.start()) << frontend.log();
  ASSERT_TRUE(agent.start()) << agent.log();
  ASSERT_TRUE(progress.start()) << progress.log();
  agent_sidecar_port = agent.http_port();
  ASSERT_TRUE(wait_until([&] { return progress.log().find("following topics: [" + topic + "]") != std::string::npos; }, 30s))
      << progress.log();

  const std::string trace_id = "4bf92f3577b34da6a3ce929d0e0e4736";
  const std::string caller_span = "00f067aa0ba902b7";
  auto answer = frontend.request("POST", "/v1.0/invoke/course-agent/method/generate-lesson", R"({"topic":"t"})",
                                 {{"Content-Type", "application/json"}, {"traceparent", "00-" + trace_id + "-" + caller_span + "-01"}});
  ASSERT_EQ(answer.status, 200) << answer.body << agent.log();
  ASSERT_TRUE(wait_until([&] { return progress_app.count("/lesson-generated") == 1; }, 30s)) << progress.log();
  // The user-progress app was called inside the same trace.
  const auto delivered = progress_app.requests_to("/lesson-generated");
  EXPECT_EQ(std::string(delivered.front().headers.get_or("traceparent", "")).substr(3, 32), trace_id);

  // Sidecars export every second; wait for the consumer span, the last one finished.
  const std::string trace_url = collector.server().base_url() + "/api/v2/trace/" + trace_id;
  Json spans;
  ASSERT_TRUE(wait_until([&] {
    spans = get_json(trace_url);
    return spans.is_array() && span_of(spans, "user-progress", "CONSUMER") != nullptr;
  }, 15s)) << spans.dump(2) << frontend.log() << agent.log() << progress.log();
  std::set<std::string> services, ids;
  for (const auto& s : spans) {
    services.insert(s["localEndpoint"].value("serviceName", ""));
    ids.insert(s.value("id", ""));
  }
  EXPECT_EQ(services, (std::set<std::string>{"learnflow-frontend", "course-agent", "user-progress"})) << spans.dump(2);
  // Every span hangs off the caller's span or another span of the trace: nothing started a new trace.
  for (const auto& s : spans) {
    const std::string parent = s.value("parentId", "");
    EXPECT_TRUE(parent == caller_span || ids.count(parent) == 1) << "dangling parent in " << s.dump();
  }
  const Json* invoke = span_of(spans, "learnflow-frontend", "SERVER");
  const Json* call_local = span_of(spans, "course-agent", "SERVER", "calllocal/");
  const Json* publish_api = span_of(spans, "course-agent", "SERVER", "post /v1.0/publish/");
  const Json* producer = span_of(spans, "course-agent", "PRODUCER");
  const Json* consumer = span_of(spans, "user-progress", "CONSUMER");
  ASSERT_TRUE(invoke && call_local && publish_api && producer && consumer) << spans.dump(2);
  EXPECT_EQ((*invoke)["parentId"], caller_span);
  EXPECT_EQ((*invoke)["name"], "post /v1.0/invoke/course-agent/method/generate-lesson");
  EXPECT_EQ((*call_local)["name"], "calllocal/course-agent/generate-lesson");
  EXPECT_EQ((*call_local)["parentId"], (*invoke)["id"]);     // the callee sidecar's hop
  EXPECT_EQ((*publish_api)["parentId"], (*call_local)["id"]);  // through the app's propagated header
  EXPECT_EQ((*producer)["parentId"], (*publish_api)["id"]);
  EXPECT_EQ((*producer)["tags"]["messaging.destination"], topic);
  EXPECT_EQ((*consumer)["parentId"], (*producer)["id"]);  // through the CloudEvent's traceparent
  EXPECT_EQ((*consumer)["name"], "deliver " + topic);

  // The read API finds it by service, and the spans are on disk.
  auto by_service = get_json(collector.server().traces_url() + "?serviceName=user-progress&limit=5");
  ASSERT_TRUE(by_service.is_array());
  ASSERT_FALSE(by_service.empty());
  EXPECT_EQ(by_service[0][0]["traceId"], trace_id);
  EXPECT_EQ(get_json(collector.server().base_url() + "/api/v2/services"),
            Json({"course-agent", "learnflow-frontend", "user-progress"}));
  EXPECT_GT(std::filesystem::file_size(dir.path() + "/traces/spans.jsonl"), 0u);
}

}  // namespace
}  // namespace lf::tracecollector
