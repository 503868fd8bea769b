#include "sidecar/cloudevent.hpp"

#include <gtest/gtest.h>

using namespace lf::sidecar;
using Json = nlohmann::ordered_json;

namespace {
PublishInput input(std::string content_type, std::string body) {
  PublishInput in;
  in.app_id = "course-agent";
  in.pubsub_name = "pubsub";
  in.topic = "lesson-generated";
  in.content_type = std::move(content_type);
  in.body = std::move(body);
  in.trace = parse_traceparent("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
  in.now = std::chrono::system_clock::from_time_t(1795000000);
  return in;
}
}  // namespace

TEST(CloudEvent, WrapsJsonLikeDapr) {
  auto payload = build_publish_payload(input("application/json", R"({"lesson_id":"l1"})"), "id-1");
  ASSERT_TRUE(payload);
  auto ev = Json::parse(*payload);
  EXPECT_EQ(ev["id"], "id-1");
  EXPECT_EQ(ev["source"], "course-agent");
  EXPECT_EQ(ev["type"], "com.dapr.event.sent");
  EXPECT_EQ(ev["specversion"], "1.0");
  EXPECT_EQ(ev["datacontenttype"], "application/json");
  EXPECT_EQ(ev["data"]["lesson_id"], "l1");
  EXPECT_EQ(ev["topic"], "lesson-generated");
  EXPECT_EQ(ev["pubsubname"], "pubsub");
  EXPECT_EQ(ev["traceid"], "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
  EXPECT_EQ(ev["traceparent"], ev["traceid"]);
  EXPECT_EQ(ev["time"], format_rfc3339_seconds(std::chrono::system_clock::from_time_t(1795000000)));
}

TEST(CloudEvent, TextDefaultOctetStreamAndRaw) {
  auto text = Json::parse(*build_publish_payload(input("", "hello"), "i"));
  EXPECT_EQ(text["datacontenttype"], "text/plain");
  EXPECT_EQ(text["data"], "hello");
  auto bin = Json::parse(*build_publish_payload(input("application/octet-stream", "hi!"), "i"));
  EXPECT_EQ(bin["data_base64"], "aGkh");
  auto raw_in = input("application/json", "{\"a\":1}");
  raw_in.metadata["rawPayload"] = "true";
  EXPECT_EQ(*build_publish_payload(raw_in, "i"), "{\"a\":1}");
}

TEST(CloudEvent, AppProvidedCloudEventIsKeptAndCompleted) {
  auto ev = Json::parse(*build_publish_payload(
      input("application/cloudevents+json", R"({"id":"mine","type":"t","topic":"other","data":1})"), "unused"));
  EXPECT_EQ(ev["id"], "mine");
  EXPECT_EQ(ev["type"], "t");
  EXPECT_EQ(ev["topic"], "lesson-generated");
  EXPECT_EQ(ev["source"], "Dapr");
  EXPECT_EQ(ev["specversion"], "1.0");
}

TEST(CloudEvent, MetadataOverridesAndTtl) {
  auto in = input("application/json", "{}");
  in.metadata["cloudevent.id"] = "custom";
  in.metadata["cloudevent.type"] = "lesson.generated";
  in.metadata["ttlInSeconds"] = "60";
  auto ev = Json::parse(*build_publish_payload(in, "i"));
  EXPECT_EQ(ev["id"], "custom");
  EXPECT_EQ(ev["type"], "lesson.generated");
  EXPECT_EQ(ev["expiration"], format_rfc3339_seconds(in.now + std::chrono::seconds(60)));
}

TEST(CloudEvent, MalformedBodiesAreErrors) {
  EXPECT_FALSE(build_publish_payload(input("application/json", "{nope"), "i"));
  EXPECT_FALSE(build_publish_payload(input("application/cloudevents+json", "[1]"), "i"));
  EXPECT_FALSE(read_delivered_event("not json", false, "pubsub", "t"));
  // Invalid UTF-8 in a text body must not throw when serialised.
  EXPECT_TRUE(build_publish_payload(input("text/plain", std::string("\xff\xfe", 2)), "i"));
}

TEST(CloudEvent, ReadsDeliveredEventTraceAndExpiration) {
  auto payload = *build_publish_payload(input("application/json", R"({"x":1})"), "evt-9");
  auto d = read_delivered_event(payload, false, "pubsub", "lesson-generated");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->id, "evt-9");
  ASSERT_TRUE(d->trace);
  EXPECT_EQ(d->trace->trace_id, "0af7651916cd43dd8448eb211c80319c");
  auto raw = read_delivered_event("\x01\x02", true, "pubsub", "t");
  ASSERT_TRUE(raw);
  EXPECT_EQ(raw->envelope["data_base64"], "AQI=");
  EXPECT_EQ(*parse_rfc3339("2026-11-26T10:00:00+01:00"), *parse_rfc3339("2026-11-26T09:00:00Z"));
  EXPECT_FALSE(parse_rfc3339("yesterday"));
}
