// HttpDaprClient against a scripted sidecar on a loopback port (port 0), plus Dapr error parsing.
#include <thread>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "dapr_client/http_dapr_client.hpp"
#include "http/server.hpp"

namespace lf::dapr {
namespace {

using namespace std::chrono_literals;
using Json = nlohmann::json;

TEST(DaprErrorBody, ReadsDaprErrorsAndFallsBackToText) {
  auto error = parse_error_body(500, R"({"errorCode":"ERR_PUBSUB_PUBLISH_MESSAGE","message":"kafka down"})");
  EXPECT_EQ(error.status, 500);
  EXPECT_EQ(error.error_code, "ERR_PUBSUB_PUBLISH_MESSAGE");
  EXPECT_EQ(error.message, "kafka down");
  EXPECT_EQ(error.describe(), "status 500 ERR_PUBSUB_PUBLISH_MESSAGE: kafka down");
  auto plain = parse_error_body(401, "invalid api token\n");
  EXPECT_EQ(plain.error_code, "");
  EXPECT_EQ(plain.message, "invalid api token");
  EXPECT_EQ(parse_error_body(502, R"({"errorCode":7})").message, R"({"errorCode":7})");
  EXPECT_TRUE(DaprError{}.is_transport());
}

class ScriptedSidecar : public ::testing::Test {
 protected:
  void SetUp() override {
    server = std::make_unique<http::Server>(io, http::ServerOptions{}, [this](http::Request request)
                                                                         -> boost::asio::awaitable<http::Response> {
      seen.push_back(request);
      co_return answer(request);
    });
    auto port = server->listen();
    ASSERT_TRUE(port.has_value());
    HttpDaprClientOptions options;
    options.sidecar.http_port = *port;
    options.sidecar.api_token = "secret-token";
    client = std::make_unique<HttpDaprClient>(io, options);
  }

  template <typename T>
  T run(boost::asio::awaitable<T> work) {
    std::optional<T> result;
    boost::asio::co_spawn(io, [&]() -> boost::asio::awaitable<void> { result.emplace(co_await std::move(work)); },
                          boost::asio::detached);
    // The server's accept loop keeps the io_context busy, so run only until this call finished.
    io.restart();
    while (!result) io.run_one();
    return std::move(*result);
  }

  std::function<http::Response(const http::Request&)> answer = [](const http::Request&) {
    http::Response response;
    response.status = 204;
    return response;
  };
  boost::asio::io_context io;
  std::unique_ptr<http::Server> server;
  std::unique_ptr<HttpDaprClient> client;
  std::vector<http::Request> seen;
};

PublishRequest publish_request(std::string topic, std::string json, std::map<std::string, std::string> metadata = {},
                               TraceContext trace = {}) {
  return PublishRequest{"pubsub", std::move(topic), std::move(json), std::move(metadata), std::move(trace)};
}

TEST_F(ScriptedSidecar, PublishesWithMetadataAndTheApiToken) {
  auto result = run(client->publish(publish_request("lesson-generated", R"({"a":1})", {{"cloudevent.id", "ev 1"}})));
  EXPECT_TRUE(result.has_value());
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].method, "POST");
  EXPECT_EQ(seen[0].path, "/v1.0/publish/pubsub/lesson-generated");
  EXPECT_EQ(seen[0].query, "metadata.cloudevent.id=ev%201");
  EXPECT_EQ(seen[0].headers.get_or("dapr-api-token", ""), "secret-token");
  EXPECT_EQ(seen[0].headers.get_or("Content-Type", ""), "application/json");
  EXPECT_EQ(seen[0].body, R"({"a":1})");
  EXPECT_FALSE(seen[0].headers.contains("traceparent")) << "no trace context given: the sidecar starts a trace";
  EXPECT_FALSE(seen[0].headers.contains("tracestate"));
}

TEST_F(ScriptedSidecar, PublishSendsTheTraceContextAsHeaders) {
  const TraceContext trace{"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", "vendor=abc"};
  auto result = run(client->publish(publish_request("lesson-generated", "{}", {}, trace)));
  EXPECT_TRUE(result.has_value());
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].headers.get_all("traceparent"),
            std::vector<std::string_view>{"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"});
  EXPECT_EQ(seen[0].headers.get_all("tracestate"), std::vector<std::string_view>{"vendor=abc"});
}

TEST(TraceContext, KeepsOnlyAWellFormedTraceparent) {
  const std::string valid = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
  EXPECT_TRUE(is_valid_traceparent(valid));
  EXPECT_TRUE(is_valid_traceparent("01-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00-future"));
  EXPECT_FALSE(is_valid_traceparent(valid + "-x")) << "version 00 has exactly four fields";
  EXPECT_FALSE(is_valid_traceparent("ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"));
  EXPECT_FALSE(is_valid_traceparent("00-00000000000000000000000000000000-b7ad6b7169203331-01"));
  EXPECT_FALSE(is_valid_traceparent("00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01"));
  EXPECT_FALSE(is_valid_traceparent("00-0AF7651916CD43DD8448EB211C80319C-b7ad6b7169203331-01")) << "lower-case hex only";
  EXPECT_FALSE(is_valid_traceparent("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331"));
  EXPECT_FALSE(is_valid_traceparent(""));
  EXPECT_FALSE(is_valid_traceparent(std::string(55, '-')));

  http::Headers headers{{"TraceParent", valid}, {"tracestate", "a=1,b=2"}};
  EXPECT_EQ(TraceContext::from_headers(headers), (TraceContext{valid, "a=1,b=2"}));
  EXPECT_TRUE(TraceContext::from_headers(http::Headers{{"traceparent", "garbage"}, {"tracestate", "a=1"}}).empty())
      << "a tracestate without a valid traceparent is dropped with it";
  EXPECT_EQ(TraceContext::from_headers(http::Headers{{"traceparent", valid}, {"tracestate", std::string(2000, 'a')}}),
            (TraceContext{valid, ""}));
  EXPECT_EQ(TraceContext::from(valid, "a=1\r\nx: y"), (TraceContext{valid, ""})) << "not printable ASCII";
  EXPECT_EQ(TraceContext::from(valid, ""), (TraceContext{valid, ""}));
  HeaderList list;
  TraceContext{}.add_to(list);
  EXPECT_TRUE(list.empty());
  TraceContext{valid, "a=1"}.add_to(list);
  EXPECT_EQ(list, (HeaderList{{"traceparent", valid}, {"tracestate", "a=1"}}));
}

TEST_F(ScriptedSidecar, PublishFailureCarriesDaprsError) {
  answer = [](const http::Request&) {
    return http::error_response(500, "ERR_PUBSUB_PUBLISH_MESSAGE", "error when publish to topic t");
  };
  auto result = run(client->publish(publish_request("t", "{}")));
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().status, 500);
  EXPECT_EQ(result.error().error_code, "ERR_PUBSUB_PUBLISH_MESSAGE");
}

TEST_F(ScriptedSidecar, StateGetSaveDelete) {
  answer = [](const http::Request& request) {
    http::Response response;
    if (request.method == "GET" && request.path == "/v1.0/state/statestore/known") {
      response.status = 200;
      response.headers.set("ETag", "7");
      response.body = R"({"x":1})";
    } else if (request.method == "GET") {
      response.status = 204;
    } else if (request.method == "POST" && request.body.find("\"etag\":\"6\"") != std::string::npos) {
      return http::error_response(409, "ERR_STATE_SAVE", "possible etag mismatch");
    } else {
      response.status = 204;
    }
    return response;
  };
  auto known = run(client->get_state("statestore", "known", TraceContext::none()));
  ASSERT_TRUE(known.has_value());
  ASSERT_TRUE(known->has_value());
  EXPECT_EQ((*known)->value, R"({"x":1})");
  EXPECT_EQ((*known)->etag, "7");
  auto absent = run(client->get_state("statestore", "absent", TraceContext::none()));
  ASSERT_TRUE(absent.has_value());
  EXPECT_FALSE(absent->has_value());

  std::vector<StateItem> items{StateItem{"k", R"({"v":2})", std::string("6"), Concurrency::first_write}};
  auto conflict = run(client->save_state("statestore", items, TraceContext::none()));
  ASSERT_FALSE(conflict.has_value());
  EXPECT_TRUE(conflict.error().is_etag_conflict());
  auto sent = Json::parse(seen.back().body);
  EXPECT_EQ(sent, Json::parse(R"([{"key":"k","value":{"v":2},"etag":"6","options":{"concurrency":"first-write"}}])"));

  EXPECT_TRUE(run(client->delete_state("statestore", "k", std::string("9"), TraceContext::none())).has_value());
  EXPECT_EQ(seen.back().method, "DELETE");
  EXPECT_EQ(seen.back().headers.get_or("If-Match", ""), "9");
}

TEST_F(ScriptedSidecar, InvokePassesAppAnswersThroughButNotSidecarFailures) {
  answer = [](const http::Request& request) {
    if (request.path == "/v1.0/invoke/user-progress/method/status")
      return http::Response::json(400, R"({"error":"invalid_field"})");
    return http::error_response(500, "ERR_DIRECT_INVOKE", "failed to invoke, id: course-agent");
  };
  auto app_answer = run(client->invoke(InvokeRequest{"user-progress", "status?user_id=ada", "GET", "", {}}));
  ASSERT_TRUE(app_answer.has_value());
  EXPECT_EQ(app_answer->status, 400);
  EXPECT_EQ(app_answer->body, R"({"error":"invalid_field"})");
  EXPECT_EQ(seen.back().query, "user_id=ada");
  auto failure = run(client->invoke(InvokeRequest{"course-agent", "curriculum", "GET", "", {}}));
  ASSERT_FALSE(failure.has_value());
  EXPECT_EQ(failure.error().error_code, "ERR_DIRECT_INVOKE");
  EXPECT_FALSE(seen.back().headers.contains("traceparent"));
}

TEST_F(ScriptedSidecar, InvokeSendsTheTraceContextAsHeaders) {
  InvokeRequest request{"course-agent", "generate-lesson", "POST", "{}", {{"Content-Type", "application/json"}}};
  request.trace = TraceContext{"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", "vendor=abc"};
  EXPECT_TRUE(run(client->invoke(std::move(request))).has_value());
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].headers.get_all("traceparent"),
            std::vector<std::string_view>{"00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"});
  EXPECT_EQ(seen[0].headers.get_all("tracestate"), std::vector<std::string_view>{"vendor=abc"});
  EXPECT_EQ(seen[0].headers.get_or("Content-Type", ""), "application/json");
}

TEST_F(ScriptedSidecar, HealthUsesTheOutboundProbe) {
  EXPECT_TRUE(run(client->health(true)).has_value());
  EXPECT_EQ(seen.back().path, "/v1.0/healthz/outbound");
  EXPECT_TRUE(run(client->health(false)).has_value());
  EXPECT_EQ(seen.back().path, "/v1.0/healthz");
}

TEST(HttpDaprClient, NoSidecarIsATransportError) {
  boost::asio::io_context io;
  HttpDaprClientOptions options;
  options.sidecar.http_port = 1;  // nothing listens on port 1
  HttpDaprClient client(io, options);
  std::optional<DaprStatus> result;
  boost::asio::co_spawn(io, [&]() -> boost::asio::awaitable<void> { result = co_await client.health(true); },
                        boost::asio::detached);
  io.run();
  ASSERT_TRUE(result.has_value());
  ASSERT_FALSE(result->has_value());
  EXPECT_EQ(result->error().status, 0);
  EXPECT_NE(result->error().message.find("connection refused"), std::string::npos) << result->error().message;
}

}  // namespace
}  // namespace lf::dapr
