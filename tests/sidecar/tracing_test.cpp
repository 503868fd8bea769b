#include "sidecar/api.hpp"
#include "sidecar/tracing.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

TEST(Zipkin, SpansAreZipkinV2Json) {
  lf::sidecar::Span span;
  span.context = *lf::sidecar::parse_traceparent("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
  span.parent_span_id = "00f067aa0ba902b7";
  span.name = "POST /v1.0/publish/pubsub/lesson-generated";
  span.kind = "SERVER";
  span.start = std::chrono::system_clock::time_point(std::chrono::microseconds(1795000000123456));
  span.duration = std::chrono::microseconds(1500);
  span.tags = {{"http.status_code", "204"}};
  auto j = nlohmann::json::parse(lf::sidecar::zipkin_json({span}, "course-agent"));
  ASSERT_EQ(j.size(), 1u);
  EXPECT_EQ(j[0]["traceId"], "0af7651916cd43dd8448eb211c80319c");
  EXPECT_EQ(j[0]["id"], "b7ad6b7169203331");
  EXPECT_EQ(j[0]["parentId"], "00f067aa0ba902b7");
  EXPECT_EQ(j[0]["kind"], "SERVER");
  EXPECT_EQ(j[0]["timestamp"], 1795000000123456LL);
  EXPECT_EQ(j[0]["duration"], 1500);
  EXPECT_EQ(j[0]["localEndpoint"]["serviceName"], "course-agent");
  EXPECT_EQ(j[0]["tags"]["http.status_code"], "204");
}

TEST(ApiPathLabel, StateCallsAreCutToTheStore) {
  EXPECT_EQ(lf::sidecar::api_path_label("/v1.0/state/statestore/user-1"), "/v1.0/state/statestore");
  EXPECT_EQ(lf::sidecar::api_path_label("/v1.0/state/statestore"), "/v1.0/state/statestore");
  EXPECT_EQ(lf::sidecar::api_path_label("/v1.0/publish/pubsub/t"), "/v1.0/publish/pubsub/t");
}
