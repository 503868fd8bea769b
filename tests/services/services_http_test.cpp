// The three services on real loopback HTTP servers (port 0), wired through one fake sidecar whose
// service invocation reaches the other services' routers in-process.
#include <future>
#include <thread>

#include <gtest/gtest.h>

#include "core/asio_scheduler.hpp"
#include "dapr_client/fake_dapr_client.hpp"
#include "http/client.hpp"
#include "http/server.hpp"
#include "log/log.hpp"
#include "service_test_support.hpp"
#include "services/common/standard_routes.hpp"
#include "services/course_agent/course_agent_service.hpp"
#include "services/frontend/frontend_service.hpp"
#include "services/user_progress/user_progress_service.hpp"

namespace lf::services {
namespace {

using namespace std::chrono_literals;
using Json = nlohmann::json;

// Answers an invocation by running the target's router on a private io_context.
dapr::FakeDaprClient::InvokeHandler invoke_router(Router& router) {
  return [&router](const dapr::InvokeRequest& request) -> dapr::DaprResult<dapr::InvokeResponse> {
    boost::asio::io_context local;
    auto response = lf::testing::run_awaitable(local, router.dispatch(lf::testing::make_request(
                                                           request.verb, "/" + request.method, request.body)));
    return dapr::InvokeResponse{response.status, std::string(response.headers.get_or("Content-Type", "")), response.body};
  };
}

class ServicesOverHttp : public ::testing::Test {
 protected:
  struct App {
    metrics::Registry registry;
    std::unique_ptr<Router> router;
    std::unique_ptr<http::Server> server;
    std::uint16_t port = 0;
  };

  void SetUp() override {
    for (auto* app : {&course_app, &progress_app, &frontend_app}) {
      app->router = std::make_unique<Router>(app->registry, scheduler);
      add_standard_routes(*app->router, dapr, app->registry, shutting_down);
    }
    course = std::make_unique<course::CourseAgentService>(dapr, scheduler, io.get_executor(), course_app.registry,
                                                          course::Curriculum::embedded(),
                                                          course::CourseAgentConfig{.instance_id = "http-test"});
    course->register_routes(*course_app.router);
    progress.register_routes(*progress_app.router);
    frontend.register_routes(*frontend_app.router);
    dapr.on_invoke("course-agent", invoke_router(*course_app.router));
    dapr.on_invoke("user-progress", invoke_router(*progress_app.router));
    for (auto* app : {&course_app, &progress_app, &frontend_app}) {
      http::ServerOptions options;
      options.body_limit = 64 * 1024;
      auto* router = app->router.get();
      app->server = std::make_unique<http::Server>(io, options, [router](http::Request request) {
        return router->dispatch(std::move(request));
      });
      auto port = app->server->listen();
      ASSERT_TRUE(port.has_value()) << port.error().message;
      app->port = *port;
    }
    io_thread = std::thread([this] { io.run(); });
  }

  void TearDown() override {
    work.reset();
    boost::asio::post(io, [this] {
      for (auto* app : {&course_app, &progress_app, &frontend_app}) app->server->shutdown(1s);
    });
    io.stop();
    io_thread.join();
  }

  http::Response fetch(const App& app, const std::string& method, const std::string& target,
                       const std::string& body = {}) {
    http::Request request;
    request.method = method;
    request.body = body;
    if (!body.empty()) request.headers.set("Content-Type", "application/json");
    auto response = http::fetch("http://127.0.0.1:" + std::to_string(app.port) + target, request, 5s);
    EXPECT_TRUE(response.has_value()) << (response ? "" : response.error().message);
    return response ? *response : http::Response{};
  }
  // What the sidecar does with a published event: wrap it in a CloudEvent and POST it to the route.
  std::string deliver(const dapr::PublishedEvent& event) {
    Json envelope{{"id", event.metadata.at("cloudevent.id")},
                  {"source", "course-agent"},
                  {"type", "com.dapr.event.sent"},
                  {"specversion", "1.0"},
                  {"datacontenttype", "application/json"},
                  {"topic", event.topic},
                  {"pubsubname", event.pubsub},
                  {"data", Json::parse(event.json)}};
    auto response = fetch(progress_app, "POST", "/events/" + event.topic, envelope.dump());
    return Json::parse(response.body, nullptr, false).value("status", "");
  }
  std::vector<dapr::PublishedEvent> published() {
    std::promise<std::vector<dapr::PublishedEvent>> copy;
    boost::asio::post(io, [&] { copy.set_value(dapr.published()); });
    return copy.get_future().get();
  }

  log::CaptureSink logs;
  boost::asio::io_context io;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work{io.get_executor()};
  AsioScheduler scheduler{io.get_executor()};
  dapr::FakeDaprClient dapr;
  std::atomic<bool> shutting_down{false};
  App course_app, progress_app, frontend_app;
  std::unique_ptr<course::CourseAgentService> course;
  progress::UserProgressService progress{dapr, scheduler, progress_app.registry};
  frontend::FrontendService frontend{dapr, frontend::embedded_web_files()};
  std::thread io_thread;
};

TEST_F(ServicesOverHttp, GenerateDeliverMarkDoneAndSeeProgress) {
  auto page = fetch(frontend_app, "GET", "/");
  EXPECT_EQ(page.status, 200);

  auto generated = fetch(frontend_app, "POST", "/api/lessons", R"({"user_id":"ada","topic":"loops","difficulty":"beginner"})");
  EXPECT_EQ(generated.status, 400);  // the course-agent's own validation, passed through
  EXPECT_EQ(generated.body,
            R"({"error":"invalid_field","field":"topic","message":"unknown topic 'loops'; GET /curriculum lists the topics"})");

  generated = fetch(frontend_app, "POST", "/api/lessons", R"({"user_id":"ada","topic":"for-loops","difficulty":"intermediate"})");
  ASSERT_EQ(generated.status, 201) << generated.body;
  auto lesson = Json::parse(generated.body);
  auto lesson_id = lesson["lesson_id"].get<std::string>();

  auto events = published();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(deliver(events[0]), "SUCCESS");
  EXPECT_EQ(deliver(events[0]), "SUCCESS");  // redelivery

  Json mark{{"user_id", "ada"},
            {"lesson_id", lesson_id},
            {"progress_percentage", 50},
            {"status", "in_progress"},
            {"completed_exercises", {lesson["exercises"][0]["id"]}}};
  auto marked = fetch(frontend_app, "POST", "/api/progress", mark.dump());
  ASSERT_EQ(marked.status, 200) << marked.body;

  auto status = Json::parse(fetch(frontend_app, "GET", "/api/progress?user_id=ada").body);
  EXPECT_EQ(status["lessons_received"], 1);
  EXPECT_EQ(status["lessons"][0]["completed_exercises"], Json({"for-loops-intermediate-1"}));
  EXPECT_EQ(status["topics"][0]["topic"], "for-loops");
  EXPECT_EQ(status["topics"][0]["best_progress"], 50);

  auto lessons = Json::parse(fetch(frontend_app, "GET", "/api/lessons?user_id=ada").body);
  ASSERT_EQ(lessons["lessons"].size(), 1u);
  EXPECT_EQ(lessons["lessons"][0]["lesson_id"], lesson_id);
  EXPECT_EQ(fetch(frontend_app, "GET", "/api/lessons/" + lesson_id).status, 200);

  auto metrics = fetch(course_app, "GET", "/metrics").body;
  EXPECT_NE(metrics.find("learnflow_lessons_generated_total{difficulty=\"intermediate\"} 1"), std::string::npos);
  EXPECT_NE(metrics.find("learnflow_outbox_depth 0"), std::string::npos);
  EXPECT_NE(metrics.find("learnflow_http_request_duration_seconds_count{method=\"POST\",route=\"/generate-lesson\",status=\"201\"} 1"),
            std::string::npos);
}

TEST_F(ServicesOverHttp, LimitsAndUnknownRoutesAnswerJson) {
  auto big = fetch(course_app, "POST", "/generate-lesson", std::string(70 * 1024, 'x'));
  EXPECT_EQ(big.status, 413);
  auto missing = fetch(progress_app, "GET", "/nope");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.body, R"({"error":"not_found","message":"no route for GET /nope"})");
  EXPECT_EQ(missing.headers.get_or("Content-Type", ""), "application/json");
}

TEST_F(ServicesOverHttp, HealthAndReadiness) {
  EXPECT_EQ(fetch(frontend_app, "GET", "/healthz").status, 200);
  EXPECT_EQ(fetch(frontend_app, "GET", "/readyz").status, 200);
  boost::asio::post(io, [this] { dapr.set_healthy(false); });
  auto not_ready = fetch(progress_app, "GET", "/readyz");
  EXPECT_EQ(not_ready.status, 503);
  EXPECT_EQ(Json::parse(not_ready.body)["status"], "not_ready");
  shutting_down = true;
  boost::asio::post(io, [this] { dapr.set_healthy(true); });
  EXPECT_EQ(Json::parse(fetch(course_app, "GET", "/readyz").body)["status"], "shutting_down");
  EXPECT_EQ(fetch(course_app, "GET", "/healthz").status, 200);
}

}  // namespace
}  // namespace lf::services
