#include <gtest/gtest.h>

#include "dapr_client/fake_dapr_client.hpp"
#include "service_test_support.hpp"
#include "services/common/router.hpp"
#include "services/frontend/frontend_service.hpp"
#include "support/fake_scheduler.hpp"

namespace lf::frontend {
namespace {

using lf::testing::make_request;
using lf::testing::run_awaitable;

class FrontendTest : public ::testing::Test {
 protected:
  void SetUp() override { service.register_routes(router); }
  http::Response call(const std::string& method, const std::string& target, const std::string& body = {},
                      const http::Headers& headers = {}) {
    auto request = make_request(method, target, body);
    for (const auto& header : headers) request.headers.add(header.name, header.value);
    return run_awaitable(io, router.dispatch(std::move(request)));
  }

  boost::asio::io_context io;
  lf::testing::FakeScheduler clock;
  dapr::FakeDaprClient dapr;
  metrics::Registry registry;
  services::Router router{registry, clock};
  FrontendService service{dapr, embedded_web_files()};
};

TEST_F(FrontendTest, ServesTheEmbeddedUi) {
  auto page = call("GET", "/");
  EXPECT_EQ(page.status, 200);
  EXPECT_EQ(page.headers.get_or("Content-Type", ""), "text/html; charset=utf-8");
  EXPECT_NE(page.body.find("data-testid=\"generate-button\""), std::string::npos);
  auto script = call("GET", "/static/app.js");
  EXPECT_EQ(script.status, 200);
  EXPECT_EQ(script.headers.get_or("Content-Type", ""), "text/javascript; charset=utf-8");
  EXPECT_NE(script.body.find("AbortController"), std::string::npos) << "requests need a client-side deadline";
  EXPECT_EQ(call("GET", "/static/style.css").headers.get_or("Content-Type", ""), "text/css; charset=utf-8");
  EXPECT_EQ(call("GET", "/static/missing.js").status, 404);
  EXPECT_EQ(call("GET", "/static/../CMakeLists.txt").status, 404);
}

TEST_F(FrontendTest, GenerateIsForwardedToCourseAgentThroughTheSidecar) {
  dapr.on_invoke("course-agent", [](const dapr::InvokeRequest&) -> dapr::DaprResult<dapr::InvokeResponse> {
    return dapr::InvokeResponse{201, "application/json", R"({"lesson_id":"L1"})"};
  });
  auto response = call("POST", "/api/lessons", R"({"user_id":"ada","topic":"lists","difficulty":"beginner"})");
  EXPECT_EQ(response.status, 201);
  EXPECT_EQ(response.body, R"({"lesson_id":"L1"})");
  auto sent = dapr.invocations();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].app_id, "course-agent");
  EXPECT_EQ(sent[0].method, "generate-lesson");
  EXPECT_EQ(sent[0].verb, "POST");
  EXPECT_EQ(nlohmann::json::parse(sent[0].body)["topic"], "lists");
}

TEST_F(FrontendTest, EveryBackendCallCarriesTheIncomingTraceContext) {
  const std::string traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  const http::Headers traced{{"traceparent", traceparent}, {"tracestate", "congo=t61rcWkgMzE"}};
  auto ok = [](const dapr::InvokeRequest&) -> dapr::DaprResult<dapr::InvokeResponse> {
    return dapr::InvokeResponse{200, "application/json", "{}"};
  };
  dapr.on_invoke("course-agent", ok);
  dapr.on_invoke("user-progress", ok);
  call("POST", "/api/lessons", R"({"user_id":"ada","topic":"lists","difficulty":"beginner"})", traced);
  call("GET", "/api/lessons?user_id=ada", "", traced);
  call("GET", "/api/lessons/L1", "", traced);
  call("POST", "/api/progress", R"({"user_id":"ada"})", traced);
  call("GET", "/api/progress?user_id=ada", "", traced);
  call("GET", "/api/curriculum", "", traced);
  auto sent = dapr.invocations();
  ASSERT_EQ(sent.size(), 6u);
  for (const auto& request : sent)
    EXPECT_EQ(request.trace, (dapr::TraceContext{traceparent, "congo=t61rcWkgMzE"})) << request.method;

  call("POST", "/api/lessons", R"({"user_id":"ada","topic":"lists","difficulty":"beginner"})");
  call("GET", "/api/curriculum", "", http::Headers{{"traceparent", "00-xyz"}, {"tracestate", "a=1"}});
  sent = dapr.invocations();
  ASSERT_EQ(sent.size(), 8u);
  EXPECT_TRUE(sent[6].trace.empty()) << "no traceparent in, none out: the sidecar starts the trace";
  EXPECT_TRUE(sent[7].trace.empty()) << "a malformed traceparent is dropped, and its tracestate with it";
}

TEST_F(FrontendTest, BackendErrorsPassThroughUnchanged) {
  dapr.on_invoke("course-agent", [](const dapr::InvokeRequest&) -> dapr::DaprResult<dapr::InvokeResponse> {
    return dapr::InvokeResponse{400, "application/json",
                                R"({"error":"invalid_field","field":"topic","message":"unknown topic 'x'"})"};
  });
  auto response = call("POST", "/api/lessons", R"({"user_id":"ada","topic":"x","difficulty":"beginner"})");
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(response.body, R"({"error":"invalid_field","field":"topic","message":"unknown topic 'x'"})");
}

TEST_F(FrontendTest, AnUnreachableBackendIsA503ThatNamesIt) {
  auto response = call("GET", "/api/progress?user_id=ada");
  EXPECT_EQ(response.status, 503);
  EXPECT_EQ(response.body,
            R"({"error":"backend_unavailable","message":"user-progress is unavailable: status 500 ERR_DIRECT_INVOKE: )"
            R"(failed to invoke, id: user-progress, err: couldn't find service: user-progress","service":"user-progress"})");
}

TEST_F(FrontendTest, ValidatesBeforeCallingBackends) {
  EXPECT_EQ(call("POST", "/api/lessons", R"({"user_id":"ada","topic":"lists","difficulty":"hard"})").body,
            R"({"error":"invalid_field","field":"difficulty","message":"difficulty must be one of beginner, intermediate, advanced"})");
  EXPECT_EQ(call("POST", "/api/lessons", "nope").status, 400);
  EXPECT_EQ(call("POST", "/api/progress", "[1]").status, 400);
  EXPECT_EQ(call("GET", "/api/lessons?user_id=a%20b").body,
            R"({"error":"invalid_field","field":"user_id","message":"user_id must be 1 to 64 characters of A-Z a-z 0-9 _ . @ -"})");
  EXPECT_EQ(call("GET", "/api/lessons/..%2F..").status, 400);
  EXPECT_TRUE(dapr.invocations().empty());
}

TEST_F(FrontendTest, ReadsGoToTheRightAppAndMethod) {
  auto echo = [](const dapr::InvokeRequest& r) -> dapr::DaprResult<dapr::InvokeResponse> {
    return dapr::InvokeResponse{200, "application/json", nlohmann::json{{"method", r.method}}.dump()};
  };
  dapr.on_invoke("course-agent", echo);
  dapr.on_invoke("user-progress", echo);
  EXPECT_EQ(call("GET", "/api/lessons?user_id=ada").body, R"({"method":"lessons?user_id=ada"})");
  EXPECT_EQ(call("GET", "/api/lessons/L-1").body, R"({"method":"lessons/L-1"})");
  EXPECT_EQ(call("GET", "/api/curriculum").body, R"({"method":"curriculum"})");
  EXPECT_EQ(call("GET", "/api/progress?user_id=ada").body, R"({"method":"status?user_id=ada"})");
  EXPECT_EQ(call("POST", "/api/progress", R"({"user_id":"ada"})").body, R"({"method":"update-progress"})");
}

TEST_F(FrontendTest, UnknownRoutesAndMethodsGetJson) {
  auto missing = call("GET", "/api/nothing");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.body, R"({"error":"not_found","message":"no route for GET /api/nothing"})");
  auto wrong = call("DELETE", "/api/lessons");
  EXPECT_EQ(wrong.status, 405);
  EXPECT_EQ(wrong.headers.get_or("Allow", ""), "POST, GET");
}

}  // namespace
}  // namespace lf::frontend
