#include "http/message.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace lf::http {
namespace {

TEST(Headers, LookupIgnoresCase) {
  Headers headers;
  headers.add("Content-Type", "application/json");
  EXPECT_EQ(headers.get("content-type").value(), "application/json");
  EXPECT_EQ(headers.get("CONTENT-TYPE").value(), "application/json");
  EXPECT_FALSE(headers.get("content-length"));
  EXPECT_EQ(headers.get_or("x-missing", "fallback"), "fallback");
}

TEST(Headers, SetReplacesEveryValueKeepingPosition) {
  Headers headers{{"A", "1"}, {"X-Dup", "1"}, {"B", "2"}, {"x-dup", "2"}};
  headers.set("X-DUP", "3");
  ASSERT_EQ(headers.size(), 3u);
  EXPECT_EQ(headers.get_all("x-dup"), std::vector<std::string_view>{"3"});
  EXPECT_EQ(std::next(headers.begin())->name, "X-Dup");
  headers.set("New", "v");
  EXPECT_EQ(headers.size(), 4u);
}

TEST(Headers, AddKeepsDuplicatesAndRemoveDropsAll) {
  Headers headers;
  headers.add("Set-Cookie", "a=1");
  headers.add("set-cookie", "b=2");
  EXPECT_EQ(headers.get_all("SET-COOKIE"), (std::vector<std::string_view>{"a=1", "b=2"}));
  EXPECT_EQ(headers.remove("Set-Cookie"), 2u);
  EXPECT_TRUE(headers.empty());
  EXPECT_EQ(headers.remove("absent"), 0u);
}

TEST(Request, SetTargetSplitsPathAndQuery) {
  Request request;
  request.set_target("/v1.0/invoke/app/method/a%2Fb?x=1&y");
  EXPECT_EQ(request.path, "/v1.0/invoke/app/method/a%2Fb");
  EXPECT_EQ(request.query, "x=1&y");
  request.set_target("/plain");
  EXPECT_EQ(request.path, "/plain");
  EXPECT_EQ(request.query, "");
}

TEST(ErrorResponse, ProducesDaprErrorBody) {
  auto response = error_response(400, "ERR_MALFORMED_REQUEST", "bad \"quote\"\n");
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(response.headers.get("Content-Type").value(), "application/json");
  EXPECT_EQ(response.body, R"({"errorCode":"ERR_MALFORMED_REQUEST","message":"bad \"quote\"\n"})");
}

TEST(ErrorResponse, SurvivesInvalidUtf8) {
  auto response = error_response(500, "ERR_X", "bad \xff byte");
  auto parsed = nlohmann::json::parse(response.body);
  EXPECT_EQ(parsed["errorCode"], "ERR_X");
}

TEST(ResponseHelpers, SetContentType) {
  EXPECT_EQ(Response::json(201, "{}").headers.get("content-type").value(), "application/json");
  EXPECT_EQ(Response::json(201, "{}").status, 201);
  EXPECT_EQ(Response::text(200, "hi").headers.get("content-type").value(), "text/plain; charset=utf-8");
  EXPECT_EQ(reason_phrase(431), "Request Header Fields Too Large");
}

}  // namespace
}  // namespace lf::http
