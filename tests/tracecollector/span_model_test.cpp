#include "tracecollector/span_model.hpp"

#include <random>

#include <gtest/gtest.h>

namespace lf::tracecollector {
namespace {

const char* kSpan = R"({"traceId":"4BF92F3577B34DA6A3CE929D0E0E4736","id":"00f067aa0ba902b7","parentId":"1111111111111111",
  "name":"POST /v1.0/invoke","kind":"SERVER","timestamp":1700000000000000,"duration":1500,
  "localEndpoint":{"serviceName":"Course-Agent"},"tags":{"http.status_code":"200"},"unknown":[1,2]})";

TEST(SpanModel, NormalizesAValidSpan) {
  auto spans = parse_span_batch(std::string("[") + kSpan + "]");
  ASSERT_TRUE(spans) << spans.error().message;
  ASSERT_EQ(spans->size(), 1u);
  const StoredSpan& s = spans->front();
  EXPECT_EQ(s.trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(s.id, "00f067aa0ba902b7");
  EXPECT_EQ(s.parent_id, "1111111111111111");
  EXPECT_EQ(s.service_name, "course-agent");
  EXPECT_EQ(s.timestamp_us, 1700000000000000);
  EXPECT_EQ(s.json["name"], "post /v1.0/invoke");
  EXPECT_EQ(s.json["duration"], 1500);
  EXPECT_EQ(s.json["tags"]["http.status_code"], "200");
  EXPECT_FALSE(s.json.contains("unknown"));
  // The stored form parses back to the same span.
  auto again = span_from_json(s.json);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->json, s.json);
}

TEST(SpanModel, AcceptsAnEmptyBatchAndMinimalSpans) {
  auto empty = parse_span_batch("[]");
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->empty());
  auto minimal = parse_span_batch(R"([{"traceId":"00f067aa0ba902b7","id":"00f067aa0ba902b8"}])");
  ASSERT_TRUE(minimal) << minimal.error().message;
  EXPECT_EQ(minimal->front().timestamp_us, 0);
  EXPECT_TRUE(minimal->front().service_name.empty());
}

TEST(SpanModel, RejectsTheWholeBatchNamingTheSpanAndField) {
  struct Case {
    const char* body;
    const char* message;
  };
  const Case cases[] = {
      {"", "not valid JSON"},
      {"{}", "expected a JSON array"},
      {"[1]", "span 0: a span must be a JSON object"},
      {R"([{"id":"00f067aa0ba902b7"}])", "span 0: traceId must be a hex string"},
      {R"([{"traceId":"xyz","id":"00f067aa0ba902b7"}])", "traceId must be 16 or 32 hex digits"},
      {R"([{"traceId":"00000000000000000000000000000000","id":"00f067aa0ba902b7"}])", "traceId must not be all zeros"},
      {R"([{"traceId":"00f067aa0ba902b7","id":"00f067aa0ba902b7"},{"traceId":"00f067aa0ba902b7","id":"1"}])",
       "span 1: id must be 16 hex digits"},
      {R"([{"traceId":"00f067aa0ba902b7","id":"00f067aa0ba902b7","timestamp":-1}])", "timestamp must be a non-negative integer"},
      {R"([{"traceId":"00f067aa0ba902b7","id":"00f067aa0ba902b7","duration":1.5}])", "duration must be a non-negative integer"},
      {R"([{"traceId":"00f067aa0ba902b7","id":"00f067aa0ba902b7","kind":"SIDEWAYS"}])", "kind must be one of"},
      {R"([{"traceId":"00f067aa0ba902b7","id":"00f067aa0ba902b7","tags":{"a":1}}])", "tag a must have a string value"},
      {R"([{"traceId":"00f067aa0ba902b7","id":"00f067aa0ba902b7","localEndpoint":"x"}])", "localEndpoint must be an object"},
      {R"([{"traceId":"00f067aa0ba902b7","id":"00f067aa0ba902b7","localEndpoint":{"port":70000}}])", "port must be an integer"},
      {R"([{"traceId":"00f067aa0ba902b7","id":"00f067aa0ba902b7","annotations":[{"timestamp":1}]}])", "annotation needs a string value"},
  };
  for (const auto& c : cases) {
    auto result = parse_span_batch(c.body);
    ASSERT_FALSE(result) << c.body;
    EXPECT_NE(result.error().message.find(c.message), std::string::npos) << c.body << " -> " << result.error().message;
  }
}

TEST(SpanModel, RefusesDeepNestingBeforeParsing) {
  std::string deep(100000, '[');
  auto result = parse_span_batch(deep);
  ASSERT_FALSE(result);
  EXPECT_NE(result.error().message.find("nested deeper"), std::string::npos);
  // Brackets inside strings do not count.
  std::string tag_with_brackets = R"([{"traceId":"00f067aa0ba902b7","id":"00f067aa0ba902b7","tags":{"a":")" +
                                  std::string(100, '[') + R"("}}])";
  EXPECT_TRUE(parse_span_batch(tag_with_brackets));
}

// Untrusted input: random bytes and mutations of a valid batch never crash and never throw.
TEST(SpanModel, SurvivesGarbage) {
  std::mt19937 random(12345);
  const std::string valid = std::string("[") + kSpan + "," + kSpan + "]";
  std::size_t accepted = 0;
  for (int round = 0; round < 20000; ++round) {
    std::string body;
    if (round % 2 == 0) {
      body.resize(random() % 64);
      for (auto& c : body) c = static_cast<char>(random() % 256);
    } else {
      body = valid;
      for (int edits = 1 + random() % 4; edits > 0; --edits) {
        const std::size_t at = random() % body.size();
        switch (random() % 3) {
          case 0: body[at] = static_cast<char>(random() % 256); break;
          case 1: body.erase(at, 1 + random() % 8); break;
          default: body.insert(at, 1, "[]{}\",:\\0"[random() % 9]); break;
        }
        if (body.empty()) body = "x";
      }
    }
    auto result = parse_span_batch(body);
    if (result) ++accepted;
    else EXPECT_FALSE(result.error().message.empty());
  }
  EXPECT_GT(accepted, 0u);  // some mutations (e.g. inside a tag) stay valid
}

}  // namespace
}  // namespace lf::tracecollector
