// Judges of scenario 2 (Kafka slow) on fixed inputs.
#include "verify/kafka_slow_judge.hpp"

#include <gtest/gtest.h>

namespace lf::verify {
namespace {

constexpr const char* exposition =
    "# HELP dapr_resiliency_activations_total Number of times a resiliency policy has been activated\n"
    "# TYPE dapr_resiliency_activations_total counter\n"
    "dapr_resiliency_activations_total{app_id=\"course-agent\",flow_direction=\"outbound\",policy=\"timeout\","
    "target=\"Pubsub_pubsub\"} 3\n"
    "dapr_resiliency_activations_total{app_id=\"course-agent\",flow_direction=\"outbound\",policy=\"retry\","
    "target=\"Pubsub_pubsub\"} 2\n"
    "dapr_resiliency_activations_total{app_id=\"course-agent\",flow_direction=\"outbound\",policy=\"retry\","
    "target=\"app_user-progress\"} 7\n"
    "dapr_resiliency_activations_total{app_id=\"course-agent\",flow_direction=\"inbound\",policy=\"retry\","
    "target=\"Pubsub_pubsub\"} 11\n"
    "dapr_resiliency_activations_total_other{policy=\"retry\"} 100\n"
    "dapr_resiliency_count{policy=\"retry\"} 50\n";

TEST(KafkaSlowSumSeries, SumsOnlySamplesWithEveryWantedLabel) {
  EXPECT_EQ(sum_series(exposition, "dapr_resiliency_activations_total",
                       {{"policy", "timeout"}, {"flow_direction", "outbound"}, {"target", "Pubsub_pubsub"}}),
            3);
  EXPECT_EQ(sum_series(exposition, "dapr_resiliency_activations_total",
                       {{"policy", "retry"}, {"flow_direction", "outbound"}, {"target", "Pubsub_pubsub"}}),
            2);
  EXPECT_EQ(sum_series(exposition, "dapr_resiliency_activations_total", {{"policy", "retry"}}), 20)
      << "a longer metric name with the same prefix is another metric";
  EXPECT_EQ(sum_series(exposition, "dapr_resiliency_activations_total", {}), 23);
}

TEST(KafkaSlowSumSeries, AbsentCounterIsZero) {
  EXPECT_EQ(sum_series(exposition, "dapr_resiliency_activations_total", {{"policy", "circuitbreaker"}}), 0);
  EXPECT_EQ(sum_series("", "dapr_resiliency_activations_total", {}), 0);
}

TEST(KafkaSlowSumSeries, WantedValueEndingInStarMatchesByPrefix) {
  const std::string paths =
      "dapr_http_server_request_count{path=\"/v1.0/invoke/user-progress/method/status\"} 4\n"
      "dapr_http_server_request_count{path=\"/v1.0/invoke/user-progress/method/update-progress\"} 2\n"
      "dapr_http_server_request_count{path=\"/v1.0/invoke/course-agent/method/generate-lesson\"} 7\n";
  EXPECT_EQ(sum_series(paths, "dapr_http_server_request_count", {{"path", "/v1.0/invoke/user-progress/*"}}), 6);
  EXPECT_EQ(sum_series(paths, "dapr_http_server_request_count", {{"path", "/v1.0/invoke/user-progress/"}}), 0)
      << "without the star the value must be equal";
}

TEST(KafkaSlowSumSeries, UnlabelledEscapedAndGarbageLines) {
  EXPECT_EQ(sum_series("up 1\nup{job=\"a\\\"b\",x=\"1\"} 2 1700000000000\n", "up", {{"job", "a\"b"}}), 2);
  EXPECT_EQ(sum_series("up 1\n", "up", {}), 1);
  for (const char* garbage : {"up{job=\"a\"", "up{job=a} 1", "up{job=\"a} 1", "up{", "up{}", "up x", "up", "{}", "\n\n",
                              "up{job=\"a\",} 4"}) {
    EXPECT_NO_THROW((void)sum_series(garbage, "up", {{"job", "a"}})) << garbage;
  }
  EXPECT_EQ(sum_series("up{job=\"a\",} 4", "up", {{"job", "a"}}), 4) << "a trailing comma is allowed by the format";
  EXPECT_EQ(sum_series("up{job=\"a\" 4", "up", {{"job", "a"}}), 0);
}

TEST(KafkaSlowEventStatuses, CountsPublishedQueuedAndAnswersWithoutEvent) {
  auto counts = event_statuses({R"({"lesson_id":"a","event":{"id":"e1","status":"published"}})",
                                R"({"lesson_id":"b","event":{"id":"e2","status":"queued"}})",
                                R"({"lesson_id":"c","event":{"id":"e3","status":"published"}})",
                                R"({"error":"state_store_unavailable","message":"x"})", "", "not json",
                                R"({"event":{"status":7}})", R"({"event":{"status":"dropped"}})"});
  EXPECT_EQ(counts["published"], 2);
  EXPECT_EQ(counts["queued"], 1);
  EXPECT_EQ(counts["none"], 4);
  EXPECT_EQ(counts["dropped"], 1);
}

TEST(KafkaSlowWaitBound, PassesOnlyWhenEveryAnswerIs2xxAndWithinTheBound) {
  HttpTally fast;
  for (double ms : {20.0, 3050.0, 3900.0}) fast.add(201, ms);
  auto ok = judge_wait_bound(fast, 4000);
  EXPECT_TRUE(ok.passed) << ok.detail;
  EXPECT_EQ(ok.max_ms, 3900);
  EXPECT_EQ(ok.over_bound, 0);

  HttpTally slow = fast;
  slow.add(201, 4000.5);
  auto over = judge_wait_bound(slow, 4000);
  EXPECT_FALSE(over.passed);
  EXPECT_EQ(over.over_bound, 1);
  EXPECT_NE(over.detail.find("1 over it"), std::string::npos) << over.detail;

  HttpTally failed = fast;
  failed.add(503, 10);
  EXPECT_FALSE(judge_wait_bound(failed, 4000).passed);
  HttpTally unanswered = fast;
  unanswered.add(0, 10);
  EXPECT_FALSE(judge_wait_bound(unanswered, 4000).passed);
  auto none = judge_wait_bound(HttpTally{}, 4000);
  EXPECT_FALSE(none.passed);
  EXPECT_EQ(none.detail, "no requests were sent");
}

}  // namespace
}  // namespace lf::verify
