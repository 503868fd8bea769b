// End to end (issue 4, "Must show"), through the real platform: `learnflow up -d` on deploy/
// (real sidecars, real Kafka, the SQLite state store):
//  - a lesson generated through the frontend reaches user-progress as a `lesson-generated` event
//    and is persisted (GET /api/progress shows it);
//  - a redelivered event (same CloudEvent id, published again through a sidecar) changes nothing;
//  - many lessons requested at the same instant for one learner all succeed and are all listed
//    (they all change that learner's lesson list and progress document);
//  - Kafka frozen (SIGSTOP) for a window while N lessons are generated: every request succeeds,
//    every event reaches user-progress after Kafka is back, the outbox drains to 0.
// Knobs: LEARNFLOW_E2E_KAFKA_PAUSE_SECONDS (default 30), LEARNFLOW_E2E_OUTAGE_LESSONS (default 100),
// LEARNFLOW_E2E_CONCURRENT_LESSONS (default 24).
#include <atomic>
#include <memory>
#include <mutex>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "e2e/lesson_flow.hpp"

namespace {
using namespace lf::e2e;

class ServicesEndToEnd : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    platform_ = std::make_unique<Platform>("lf-services-e2e");
    skip_reason_ = platform_->missing_prerequisite();
    if (!skip_reason_.empty()) return;
    auto up = platform_->up();
    if (up.code != 0) {
      up_failure_ = "learnflow up failed: " + up.output;
      return;
    }
    status_ = platform_->status();
    frontend_ = service_url(status_, "learnflow-frontend");
  }
  static void TearDownTestSuite() { platform_.reset(); }  // learnflow down, temp dir removed

  void SetUp() override {
    if (!skip_reason_.empty()) GTEST_SKIP() << skip_reason_;
    ASSERT_TRUE(up_failure_.empty()) << up_failure_;
    ASSERT_FALSE(frontend_.empty()) << status_.dump();
  }

  static json refreshed_status() { return status_ = platform_->status(); }

  static inline std::unique_ptr<Platform> platform_;
  static inline std::string skip_reason_, up_failure_, frontend_;
  static inline json status_;
};

TEST_F(ServicesEndToEnd, GeneratedLessonIsPersistedByUserProgress) {
  auto generated = generate_lesson(frontend_, "e2e-flow", "printing");
  ASSERT_EQ(generated.status, 201) << generated.error;
  const std::string lesson_id = generated.lesson["lesson_id"];
  EXPECT_EQ(generated.lesson["event"]["status"], "published");

  ASSERT_TRUE(eventually([&] { return lessons_received(frontend_, "e2e-flow") == 1; }, 20s))
      << progress_of(frontend_, "e2e-flow").dump();
  auto progress = progress_of(frontend_, "e2e-flow");
  ASSERT_EQ(progress["lessons"].size(), 1u);
  const auto& stored = progress["lessons"][0];
  EXPECT_EQ(stored["lesson_id"], lesson_id);
  EXPECT_EQ(stored["topic"], "printing");
  EXPECT_EQ(stored["difficulty"], "beginner");
  EXPECT_EQ(stored["status"], "not_started");
  json exercise_ids = json::array();
  for (const auto& e : generated.lesson["exercises"]) exercise_ids.push_back(e["id"]);
  EXPECT_EQ(stored["exercise_ids"], exercise_ids);
  ASSERT_EQ(progress["topics"].size(), 1u);
  EXPECT_EQ(progress["topics"][0]["topic"], "printing");
  EXPECT_EQ(progress["topics"][0]["lessons"], 1);
}

// The apps pass W3C trace context on (Dapr leaves that to them): a lesson requested with a known
// traceparent yields one trace in the span collector with spans from the sidecars of all three
// apps, course-agent's publish (PRODUCER) and user-progress's delivery (CONSUMER) under it.
TEST_F(ServicesEndToEnd, OneTraceRunsFromTheFrontendThroughKafkaToUserProgress) {
  const json tracing = infrastructure(status_, "tracing");
  ASSERT_TRUE(tracing.is_object() && tracing["address"].is_string()) << status_.dump();
  const std::string collector = "http://" + tracing["address"].get<std::string>();
  const std::string trace_id = "4bf92f3577b34da6a3ce929d" + std::to_string(10000000 + ::getpid() % 89999999);
  ASSERT_EQ(trace_id.size(), 32u);
  const std::string caller_span = "00f067aa0ba902b7";

  lf::http::Request request;
  request.method = "POST";
  request.headers.set("Content-Type", "application/json");
  request.headers.set("traceparent", "00-" + trace_id + "-" + caller_span + "-01");
  request.headers.set("tracestate", "lf=e2e");
  request.body = json{{"user_id", "e2e-trace"}, {"topic", "printing"}, {"difficulty", "beginner"}}.dump();
  auto answer = lf::http::fetch(frontend_ + "/api/lessons", request, 30s);
  ASSERT_TRUE(answer.has_value()) << answer.error().message;
  ASSERT_EQ(answer->status, 201) << answer->body;
  ASSERT_TRUE(eventually([&] { return lessons_received(frontend_, "e2e-trace") == 1; }, 20s));

  auto span_service = [](const json& span) {
    return span.contains("localEndpoint") ? span["localEndpoint"].value("serviceName", "") : std::string();
  };
  json spans;
  std::set<std::string> services;
  // Sidecars export in batches, so the spans arrive a little after the delivery.
  const bool complete = eventually(
      [&] {
        spans = get_json(collector + "/api/v2/trace/" + trace_id);
        services.clear();
        bool producer = false, consumer = false;
        if (!spans.is_array()) return false;
        for (const auto& span : spans) {
          services.insert(span_service(span));
          producer = producer || (span_service(span) == "course-agent" && span.value("kind", "") == "PRODUCER");
          consumer = consumer || (span_service(span) == "user-progress" && span.value("kind", "") == "CONSUMER");
        }
        return services.count("learnflow-frontend") && services.count("course-agent") &&
               services.count("user-progress") && producer && consumer;
      },
      30s);
  ASSERT_TRUE(complete) << "trace " << trace_id << ": " << spans.dump();
  std::set<std::string> ids;
  for (const auto& span : spans) ids.insert(span.value("id", ""));
  for (const auto& span : spans) {
    const std::string parent = span.value("parentId", "");
    EXPECT_TRUE(parent.empty() || parent == caller_span || ids.count(parent))
        << span_service(span) << " " << span.value("name", "") << " has a parent outside the trace: " << parent;
  }
}

// Publishes `data` to lesson-generated through the course-agent pod's sidecar with a fixed
// CloudEvent id, as the outbox does when it re-sends.
int publish_lesson_event(const json& status, const json& data) {
  const json pod = pod_of(status, "course-agent");
  const std::string url = "http://127.0.0.1:" + std::to_string(pod["dapr_http_port"].get<int>()) +
                          "/v1.0/publish/pubsub/lesson-generated?metadata.cloudevent.id=" +
                          data["event_id"].get<std::string>();
  auto r = post_json(url, data, 10s);
  return r ? r->status : 0;
}

json lesson_event(const json& lesson) {
  json exercise_ids = json::array();
  for (const auto& e : lesson["exercises"]) exercise_ids.push_back(e["id"]);
  return {{"event_id", lesson["event"]["id"]}, {"lesson_id", lesson["lesson_id"]},
          {"user_id", lesson["user_id"]},      {"topic", lesson["topic"]},
          {"topic_title", lesson["topic_title"]}, {"difficulty", lesson["difficulty"]},
          {"exercise_ids", exercise_ids},      {"created_at", lesson["created_at"]}};
}

TEST_F(ServicesEndToEnd, RedeliveredEventChangesNothing) {
  auto generated = generate_lesson(frontend_, "e2e-redelivery", "variables", "intermediate");
  ASSERT_EQ(generated.status, 201) << generated.error;
  ASSERT_TRUE(eventually([&] { return lessons_received(frontend_, "e2e-redelivery") == 1; }, 20s));
  // Progress recorded before the redelivery must survive it.
  const std::string lesson_id = generated.lesson["lesson_id"];
  auto updated = post_json(frontend_ + "/api/progress", {{"user_id", "e2e-redelivery"},
                                                         {"lesson_id", lesson_id},
                                                         {"progress_percentage", 50},
                                                         {"status", "in_progress"}});
  ASSERT_TRUE(updated);
  ASSERT_LT(updated->status, 300) << updated->body;
  ASSERT_TRUE(eventually(
      [&] { return progress_of(frontend_, "e2e-redelivery")["lessons"][0].value("progress_percentage", 0) == 50; }, 20s));
  const json before = progress_of(frontend_, "e2e-redelivery");

  json status = refreshed_status();
  const std::string processed = "learnflow_events_processed_total";
  // user-progress also receives progress-updated events (from the update above): count only ours.
  const std::string acknowledged = "topic=\"lesson-generated\",outcome=\"SUCCESS\"";
  const std::string dropped = "topic=\"lesson-generated\",outcome=\"DROP\"";
  const double acknowledged_before = deployment_metric(status, "user-progress", processed, acknowledged);
  const double dropped_before = deployment_metric(status, "user-progress", processed, dropped);
  ASSERT_GE(acknowledged_before, 1);

  // The same event twice more: both deliveries reach user-progress and are acknowledged (a
  // duplicate is a success for the sidecar, not a retry or a drop). At least twice: Kafka's
  // delivery is at-least-once, so the broker may add a redelivery of its own.
  const json event = lesson_event(generated.lesson);
  EXPECT_EQ(publish_lesson_event(status, event), 204);
  EXPECT_EQ(publish_lesson_event(status, event), 204);
  EXPECT_TRUE(eventually(
      [&] {
        return deployment_metric(status, "user-progress", processed, acknowledged) >= acknowledged_before + 2;
      },
      20s))
      << "acknowledged: " << deployment_metric(status, "user-progress", processed, acknowledged) << ", before "
      << acknowledged_before;
  EXPECT_EQ(deployment_metric(status, "user-progress", processed, dropped), dropped_before);
  // ...and the stored progress is exactly what it was.
  EXPECT_EQ(progress_of(frontend_, "e2e-redelivery"), before);
  EXPECT_EQ(lessons_received(frontend_, "e2e-redelivery"), 1);
}

// Runs `count` generations for one learner from `clients` threads; each thread starts its i-th
// request at start + spacing * i. Returns the 201 bodies; failures as "<status> <body>".
struct Burst {
  std::vector<json> lessons;
  std::vector<std::string> failures;
};

Burst generate_burst(const std::string& frontend, const std::string& learner, int count, int clients,
                     std::chrono::steady_clock::time_point start, std::chrono::steady_clock::duration spacing) {
  Burst burst;
  std::mutex mutex;
  std::atomic<int> next{0};
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c)
    threads.emplace_back([&] {
      for (int i = next++; i < count; i = next++) {
        std::this_thread::sleep_until(start + spacing * i);
        auto g = generate_lesson(frontend, learner, i % 2 ? "for-loops" : "functions");
        std::lock_guard lock(mutex);
        if (g.status == 201)
          burst.lessons.push_back(std::move(g.lesson));
        else
          burst.failures.push_back(std::to_string(g.status) + " " + g.error);
      }
    });
  for (auto& t : threads) t.join();
  return burst;
}

std::set<std::string> lesson_ids(const json& lessons) {
  std::set<std::string> ids;
  for (const auto& lesson : lessons) ids.insert(lesson.value("lesson_id", ""));
  return ids;
}

// Many requests at the same instant for ONE learner all change that learner's lesson list (and,
// once their events arrive, its progress document): none may fail, none may be lost.
TEST_F(ServicesEndToEnd, ConcurrentLessonsForOneLearnerAllSucceedAndAreListed) {
  const int lessons = env_int_or("LEARNFLOW_E2E_CONCURRENT_LESSONS", 24);
  const std::string learner = "e2e-one-learner";
  auto burst = generate_burst(frontend_, learner, lessons, lessons, std::chrono::steady_clock::now(), {});
  ASSERT_TRUE(burst.failures.empty()) << burst.failures.size() << " failed, first: " << burst.failures.front();
  ASSERT_EQ(burst.lessons.size(), static_cast<std::size_t>(lessons));

  const auto generated = lesson_ids(json(burst.lessons));
  ASSERT_EQ(generated.size(), static_cast<std::size_t>(lessons));
  const json listed = get_json(frontend_ + "/api/lessons?user_id=" + learner);
  ASSERT_TRUE(listed.is_object()) << listed.dump();
  EXPECT_EQ(lesson_ids(listed["lessons"]), generated);
  EXPECT_EQ(listed["lessons"].size(), static_cast<std::size_t>(lessons)) << "each lesson listed exactly once";
  // user-progress receives all their events, concurrently too, into one document.
  EXPECT_TRUE(eventually([&] { return lessons_received(frontend_, learner) == lessons; }, 60s))
      << "received " << lessons_received(frontend_, learner) << " of " << lessons;
  EXPECT_EQ(lesson_ids(progress_of(frontend_, learner)["lessons"]), generated);
}

TEST_F(ServicesEndToEnd, KafkaStoppedNoLessonLost) {
  const int lessons = env_int_or("LEARNFLOW_E2E_OUTAGE_LESSONS", 100);
  const auto pause = std::chrono::seconds(env_int_or("LEARNFLOW_E2E_KAFKA_PAUSE_SECONDS", 30));
  json status = refreshed_status();
  const json kafka = infrastructure(status, "kafka");
  ASSERT_GT(kafka.value("pid", 0), 0) << status.dump();

  const auto frozen_at = std::chrono::steady_clock::now();
  Frozen frozen(kafka["pid"].get<int>());
  ASSERT_TRUE(frozen.ok());

  // Four clients, one learner (so the learner's lesson list and progress document are contended
  // all along), the lessons spread over the first half of the window.
  const std::string learner = "e2e-outage";
  auto burst = generate_burst(frontend_, learner, lessons, 4, frozen_at, pause / 2 / std::max(lessons, 1));
  EXPECT_TRUE(burst.failures.empty()) << burst.failures.size() << " failed, first: " << burst.failures.front();
  const int created = static_cast<int>(burst.lessons.size());
  ASSERT_EQ(created, lessons);
  int queued = 0;
  for (const auto& lesson : burst.lessons) queued += lesson["event"]["status"] == "queued" ? 1 : 0;
  EXPECT_GE(queued, lessons - 1) << "Kafka is frozen: at most one publish may have slipped through first";
  const double depth_during = deployment_metric(refreshed_status(), "course-agent", "learnflow_outbox_depth");
  EXPECT_GE(depth_during, lessons - 1);
  EXPECT_LE(lessons_received(frontend_, learner), 1);
  std::this_thread::sleep_until(frozen_at + pause);
  frozen.thaw();
  const auto thawed_at = std::chrono::steady_clock::now();

  // After recovery: every event delivered exactly once into the progress, the outbox empty.
  EXPECT_TRUE(eventually([&] { return lessons_received(frontend_, learner) == created; }, 90s, 1s))
      << "received " << lessons_received(frontend_, learner) << " of " << created;
  EXPECT_TRUE(eventually(
      [&] { return deployment_metric(refreshed_status(), "course-agent", "learnflow_outbox_depth") == 0; }, 60s, 1s));
  const auto recovered_after = std::chrono::steady_clock::now() - thawed_at;
  const auto generated = lesson_ids(json(burst.lessons));
  EXPECT_EQ(lesson_ids(get_json(frontend_ + "/api/lessons?user_id=" + learner)["lessons"]), generated);
  EXPECT_EQ(get_json(frontend_ + "/api/lessons?user_id=" + learner)["lessons"].size(), generated.size());
  EXPECT_EQ(lesson_ids(progress_of(frontend_, learner)["lessons"]), generated);
  std::cout << lessons << " lessons for one learner, Kafka frozen " << pause.count() << " s, " << queued
            << " queued, outbox depth " << depth_during << " during the outage, all delivered "
            << std::chrono::duration_cast<std::chrono::seconds>(recovered_after).count() << " s after recovery\n";
}

}  // namespace
