#include <gtest/gtest.h>

#include "dapr_client/fake_dapr_client.hpp"
#include "log/log.hpp"
#include "service_test_support.hpp"
#include "services/common/router.hpp"
#include "services/user_progress/progress_model.hpp"
#include "services/user_progress/user_progress_service.hpp"
#include "support/fake_scheduler.hpp"

namespace lf::progress {
namespace {

using lf::testing::body_json;
using lf::testing::make_request;
using lf::testing::run_awaitable;

Json lesson_event(const std::string& id, const std::string& lesson_id, const std::string& difficulty = "beginner",
                  const std::string& topic = "lists") {
  return Json{{"id", id},
              {"source", "course-agent"},
              {"type", "com.dapr.event.sent"},
              {"specversion", "1.0"},
              {"datacontenttype", "application/json"},
              {"topic", "lesson-generated"},
              {"pubsubname", "pubsub"},
              {"data",
               {{"lesson_id", lesson_id},
                {"user_id", "ada"},
                {"topic", topic},
                {"topic_title", "Lists"},
                {"difficulty", difficulty},
                {"exercise_ids", {lesson_id + "-1", lesson_id + "-2"}},
                {"created_at", "2026-11-26T10:00:00Z"}}}};
}

class UserProgressTest : public ::testing::Test {
 protected:
  void SetUp() override { service.register_routes(router); }
  http::Response call(const std::string& method, const std::string& target, const std::string& body = {},
                      const http::Headers& headers = {}) {
    auto request = make_request(method, target, body);
    for (const auto& header : headers) request.headers.add(header.name, header.value);
    return run_awaitable(io, router.dispatch(std::move(request)));
  }
  // `headers` as the sidecar adds them to a delivery (e.g. traceparent).
  std::string deliver(const std::string& route, const Json& event, const http::Headers& headers = {}) {
    auto response = call("POST", route, event.dump(), headers);
    EXPECT_EQ(response.status, 200);
    return body_json(response).value("status", "");
  }
  Json status(const std::string& user = "ada") { return body_json(call("GET", "/status?user_id=" + user)); }
  double events(const std::string& topic, const std::string& outcome) {
    auto* counter = registry.counter("learnflow_events_processed_total", "", {"topic", "outcome"}).find({topic, outcome});
    return counter ? counter->value() : 0.0;
  }

  log::CaptureSink logs;
  boost::asio::io_context io;
  lf::testing::FakeScheduler clock;
  dapr::FakeDaprClient dapr;
  metrics::Registry registry;
  services::Router router{registry, clock};
  UserProgressService service{dapr, clock, registry};
};

TEST_F(UserProgressTest, AdvertisesBothSubscriptions) {
  auto response = call("GET", "/dapr/subscribe");
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body,
            R"([{"deadLetterTopic":"lesson-generated-deadletter","pubsubname":"pubsub","route":"/events/lesson-generated","topic":"lesson-generated"},)"
            R"({"deadLetterTopic":"progress-updated-deadletter","pubsubname":"pubsub","route":"/events/progress-updated","topic":"progress-updated"}])");
}

TEST_F(UserProgressTest, StoresALessonEventAndARedeliveryChangesNothing) {
  EXPECT_EQ(deliver("/events/lesson-generated", lesson_event("ev-1", "L1")), "SUCCESS");
  auto stored_once = dapr.stored("statestore", "progress-ada");
  ASSERT_TRUE(stored_once.has_value());
  int saves = dapr.save_calls();

  EXPECT_EQ(deliver("/events/lesson-generated", lesson_event("ev-1", "L1")), "SUCCESS");
  EXPECT_EQ(dapr.save_calls(), saves) << "a redelivered event must not write";
  EXPECT_EQ(*dapr.stored("statestore", "progress-ada"), *stored_once);
  EXPECT_TRUE(logs.contains("duplicate event ignored"));

  auto view = status();
  EXPECT_EQ(view["lessons_received"], 1);
  EXPECT_EQ(view["lessons"][0]["lesson_id"], "L1");
  EXPECT_EQ(view["lessons"][0]["status"], "not_started");
  EXPECT_EQ(view["lessons"][0]["exercise_ids"], Json({"L1-1", "L1-2"}));
  EXPECT_EQ(events("lesson-generated", "SUCCESS"), 2.0);
}

TEST_F(UserProgressTest, PublisherEventIdWinsOverTheEnvelopeId) {
  auto first = lesson_event("envelope-a", "L1");
  first["data"]["event_id"] = "stable-1";
  auto second = lesson_event("envelope-b", "L1");  // the outbox re-sent it; the sidecar made a new id
  second["data"]["event_id"] = "stable-1";
  deliver("/events/lesson-generated", first);
  int saves = dapr.save_calls();
  deliver("/events/lesson-generated", second);
  EXPECT_EQ(dapr.save_calls(), saves);
}

TEST_F(UserProgressTest, MalformedEventsAreDroppedWithALogLine) {
  auto no_lesson = lesson_event("ev-2", "L2");
  no_lesson["data"].erase("lesson_id");
  auto bad_difficulty = lesson_event("ev-3", "L3", "expert");
  auto no_id = lesson_event("", "L4");
  for (const std::string& body : {std::string("not json"), std::string("[]"), no_lesson.dump(), bad_difficulty.dump(),
                                  no_id.dump(), std::string(R"({"id":"x"})"), std::string(R"({"id":"x","data":5})")}) {
    auto response = call("POST", "/events/lesson-generated", body);
    EXPECT_EQ(response.status, 200) << body;
    EXPECT_EQ(response.body, R"({"status":"DROP"})") << body;
  }
  EXPECT_EQ(logs.count("dropping malformed event"), 7u);
  EXPECT_EQ(dapr.save_calls(), 0);
  EXPECT_EQ(events("lesson-generated", "DROP"), 7.0);
}

TEST_F(UserProgressTest, StateStoreTroubleAsksForARetry) {
  dapr.set_state_failing(true);
  EXPECT_EQ(deliver("/events/lesson-generated", lesson_event("ev-1", "L1")), "RETRY");
  dapr.set_state_failing(false);
  EXPECT_EQ(deliver("/events/lesson-generated", lesson_event("ev-1", "L1")), "SUCCESS");
  EXPECT_EQ(status()["lessons_received"], 1);
}

TEST_F(UserProgressTest, StoringADeliveredEventCarriesTheEventsTraceContext) {
  const dapr::TraceContext trace{"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "congo=t61rcWkgMzE"};
  EXPECT_EQ(deliver("/events/lesson-generated", lesson_event("ev-1", "L1"),
                    http::Headers{{"traceparent", trace.traceparent}, {"tracestate", trace.tracestate}}),
            "SUCCESS");
  const auto& calls = dapr.state_calls();
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[0].operation, "get");
  EXPECT_EQ(calls[1].operation, "save");
  EXPECT_EQ(calls[1].key, "progress-ada");
  for (const auto& call : calls) EXPECT_EQ(call.trace, trace) << call.operation;

  auto response = call("POST", "/update-progress", R"({"user_id":"ada","lesson_id":"L1","progress_percentage":10,"status":"in_progress"})",
                       http::Headers{{"traceparent", trace.traceparent}});
  ASSERT_EQ(response.status, 200) << response.body;
  ASSERT_EQ(dapr.published().size(), 1u);
  EXPECT_EQ(dapr.published()[0].trace, (dapr::TraceContext{trace.traceparent, ""}));
  EXPECT_EQ(dapr.state_calls().back().trace, (dapr::TraceContext{trace.traceparent, ""}));
}

TEST_F(UserProgressTest, UpdateProgressStoresPublishesAndTheEchoIsIgnored) {
  deliver("/events/lesson-generated", lesson_event("ev-1", "L1", "intermediate"));
  auto response = call("POST", "/update-progress",
                       R"({"user_id":"ada","lesson_id":"L1","progress_percentage":50,"status":"in_progress","completed_exercises":["L1-1"]})");
  ASSERT_EQ(response.status, 200) << response.body;
  auto body = body_json(response);
  EXPECT_EQ(body["lesson"]["progress_percentage"], 50);
  EXPECT_EQ(body["lesson"]["completed_exercises"], Json({"L1-1"}));
  EXPECT_EQ(body["event"]["status"], "published");

  ASSERT_EQ(dapr.published().size(), 1u);
  const auto& published = dapr.published()[0];
  EXPECT_EQ(published.topic, "progress-updated");
  EXPECT_EQ(published.metadata.at("cloudevent.id"), body["event"]["id"]);

  // The sidecar delivers our own event back: same id, so nothing changes.
  int saves = dapr.save_calls();
  Json echo{{"id", body["event"]["id"]}, {"data", Json::parse(published.json)}};
  EXPECT_EQ(deliver("/events/progress-updated", echo), "SUCCESS");
  EXPECT_EQ(dapr.save_calls(), saves);

  auto view = status();
  EXPECT_EQ(view["topics"][0]["topic"], "lists");
  EXPECT_EQ(view["topics"][0]["best_progress"], 50);
  EXPECT_EQ(view["topics"][0]["mastery_score"], 35);
  EXPECT_EQ(view["topics"][0]["mastery"], "learning");
}

TEST_F(UserProgressTest, ProgressFromAnotherPublisherIsApplied) {
  deliver("/events/lesson-generated", lesson_event("ev-1", "L1", "advanced"));
  Json event{{"id", "other-1"},
             {"data", {{"user_id", "ada"}, {"lesson_id", "L1"}, {"progress_percentage", 100}, {"status", "completed"}}}};
  EXPECT_EQ(deliver("/events/progress-updated", event), "SUCCESS");
  auto view = status();
  EXPECT_EQ(view["lessons_completed"], 1);
  EXPECT_EQ(view["topics"][0]["mastery"], "mastered");
  EXPECT_EQ(view["topics"][0]["lessons_completed"], 1);
}

TEST_F(UserProgressTest, ProgressBeforeTheLessonEventIsKeptWhenTheLessonArrives) {
  auto response = call("POST", "/update-progress",
                       R"({"user_id":"ada","lesson_id":"L9","progress_percentage":100,"status":"completed"})");
  ASSERT_EQ(response.status, 200);
  EXPECT_EQ(status()["lessons_received"], 0);
  deliver("/events/lesson-generated", lesson_event("ev-9", "L9", "beginner"));
  auto view = status();
  EXPECT_EQ(view["lessons_received"], 1);
  EXPECT_EQ(view["lessons"][0]["status"], "completed");
  EXPECT_EQ(view["topics"][0]["mastery_score"], 40);
  EXPECT_EQ(view["topics"][0]["mastery"], "familiar");
}

TEST_F(UserProgressTest, UpdateProgressValidationNamesTheField) {
  const std::vector<std::pair<std::string, std::string>> cases{
      {R"({"lesson_id":"L1","progress_percentage":5,"status":"in_progress"})",
       R"({"error":"invalid_field","field":"user_id","message":"user_id is required"})"},
      {R"({"user_id":"ada","lesson_id":"L 1","progress_percentage":5,"status":"in_progress"})",
       R"({"error":"invalid_field","field":"lesson_id","message":"lesson_id must be 1 to 64 characters of A-Z a-z 0-9 _ . @ -"})"},
      {R"({"user_id":"ada","lesson_id":"L1","progress_percentage":101,"status":"in_progress"})",
       R"({"error":"invalid_field","field":"progress_percentage","message":"progress_percentage must be an integer in 0..100"})"},
      {R"({"user_id":"ada","lesson_id":"L1","progress_percentage":"50","status":"in_progress"})",
       R"({"error":"invalid_field","field":"progress_percentage","message":"progress_percentage must be an integer in 0..100"})"},
      {R"({"user_id":"ada","lesson_id":"L1","progress_percentage":12.5,"status":"in_progress"})",
       R"({"error":"invalid_field","field":"progress_percentage","message":"progress_percentage must be an integer in 0..100"})"},
      {R"({"user_id":"ada","lesson_id":"L1","progress_percentage":50,"status":"done"})",
       R"({"error":"invalid_field","field":"status","message":"status must be one of not_started, in_progress, completed"})"},
      {R"({"user_id":"ada","lesson_id":"L1","progress_percentage":50,"status":"completed"})",
       R"({"error":"invalid_field","field":"status","message":"status completed needs progress_percentage 100"})"},
      {R"({"user_id":"ada","lesson_id":"L1","progress_percentage":0,"status":"not_started","completed_exercises":"x"})",
       R"({"error":"invalid_field","field":"completed_exercises","message":"completed_exercises must be an array of at most 100 ids"})"},
      {R"({"user_id":"ada","lesson_id":"L1","progress_percentage":0,"status":"not_started","event_id":"x"})",
       R"({"error":"invalid_field","field":"event_id","message":"unknown field event_id; expected user_id, lesson_id, progress_percentage, status, completed_exercises"})"},
  };
  for (const auto& [body, expected] : cases) {
    auto response = call("POST", "/update-progress", body);
    EXPECT_EQ(response.status, 400) << body;
    EXPECT_EQ(response.body, expected) << body;
  }
  EXPECT_EQ(dapr.save_calls(), 0);
  EXPECT_EQ(call("GET", "/status?user_id=").body,
            R"({"error":"invalid_field","field":"user_id","message":"user_id query parameter is required"})");
}

TEST_F(UserProgressTest, PublishFailureStillStoresTheProgress) {
  dapr.set_publish_failing(true);
  auto response = call("POST", "/update-progress",
                       R"({"user_id":"ada","lesson_id":"L1","progress_percentage":20,"status":"in_progress"})");
  ASSERT_EQ(response.status, 200);
  EXPECT_EQ(body_json(response)["event"]["status"], "not_published");
  EXPECT_EQ(status()["lessons"][0]["progress_percentage"], 20);
}

TEST_F(UserProgressTest, UnknownUserHasAnEmptyStatus) {
  auto view = status("nobody");
  EXPECT_EQ(view["lessons_received"], 0);
  EXPECT_EQ(view["lessons"], Json::array());
  EXPECT_EQ(view["topics"], Json::array());
}

TEST(ProgressModel, MasteryBands) {
  EXPECT_EQ(mastery_score("beginner", 100), 40);
  EXPECT_EQ(mastery_score("intermediate", 100), 70);
  EXPECT_EQ(mastery_score("advanced", 100), 100);
  EXPECT_EQ(mastery_band(0), "not_started");
  EXPECT_EQ(mastery_band(39), "learning");
  EXPECT_EQ(mastery_band(40), "familiar");
  EXPECT_EQ(mastery_band(70), "proficient");
  EXPECT_EQ(mastery_band(100), "mastered");
}

}  // namespace
}  // namespace lf::progress

namespace lf::progress {
namespace {

TEST_F(UserProgressTest, LongNonAsciiFieldsAreCutOnCharacterBoundaries) {
  auto event = lesson_event("ev-utf8", "L1");
  std::string title;
  for (int i = 0; i < 150; ++i) title += "\xC3\xA9";  // "é" x150 = 300 bytes
  event["data"]["topic_title"] = title;
  EXPECT_EQ(deliver("/events/lesson-generated", event), "SUCCESS");
  auto stored = status()["lessons"][0]["topic_title"].get<std::string>();
  EXPECT_EQ(stored.size(), 200u);
  EXPECT_EQ(services::truncate_utf8("a\xC3\xA9", 2), "a");
}

TEST_F(UserProgressTest, TopicMustBeAnIdentifier) {
  auto event = lesson_event("ev-topic", "L1", "beginner", "no spaces allowed");
  EXPECT_EQ(deliver("/events/lesson-generated", event), "DROP");
}

}  // namespace
}  // namespace lf::progress
