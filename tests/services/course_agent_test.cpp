#include <cctype>
#include <set>

#include <gtest/gtest.h>

#include "dapr_client/fake_dapr_client.hpp"
#include "log/log.hpp"
#include "service_test_support.hpp"
#include "services/common/router.hpp"
#include "services/course_agent/course_agent_service.hpp"
#include "services/course_agent/lesson.hpp"
#include "support/fake_scheduler.hpp"

namespace lf::course {
namespace {

using lf::testing::body_json;
using lf::testing::make_request;
using lf::testing::run_awaitable;
using lf::testing::settle;
using namespace std::chrono_literals;

class CourseAgentTest : public ::testing::Test {
 protected:
  void SetUp() override {
    service.register_routes(router);
    run_awaitable(io, service.start());
  }

  http::Response call(const std::string& method, const std::string& target, const std::string& body = {},
                      const http::Headers& headers = {}) {
    auto request = make_request(method, target, body);
    for (const auto& header : headers) request.headers.add(header.name, header.value);
    return run_awaitable(io, router.dispatch(std::move(request)));
  }
  // `headers` as the sidecar adds them to the invocation (e.g. traceparent).
  Json generate(const std::string& user, const std::string& topic = "lists",
                const std::string& difficulty = "beginner", const http::Headers& headers = {}) {
    auto response = call("POST", "/generate-lesson",
                         Json{{"user_id", user}, {"topic", topic}, {"difficulty", difficulty}}.dump(), headers);
    EXPECT_EQ(response.status, 201) << response.body;
    return body_json(response);
  }
  void advance(Duration d) {
    scheduler.advance(d);
    settle(io);
  }
  Json stored_outbox() {
    auto text = dapr.stored("statestore", Outbox::document_key("ca-1"));
    return text ? Json::parse(*text) : Json();
  }
  double outbox_gauge() { return registry.gauge("learnflow_outbox_depth", "").with({}).value(); }

  log::CaptureSink logs;
  boost::asio::io_context io;
  lf::testing::FakeScheduler scheduler;
  dapr::FakeDaprClient dapr;
  metrics::Registry registry;
  services::Router router{registry, scheduler};
  CourseAgentService service{dapr, scheduler, io.get_executor(), registry, Curriculum::embedded(),
                             CourseAgentConfig{.instance_id = "ca-1"}};
};

TEST_F(CourseAgentTest, GeneratesSavesPublishesAndReturnsTheLesson) {
  auto lesson = generate("ada", "dictionaries", "advanced");
  EXPECT_EQ(lesson["user_id"], "ada");
  EXPECT_EQ(lesson["topic"], "dictionaries");
  EXPECT_EQ(lesson["topic_title"], "Dictionaries");
  EXPECT_EQ(lesson["difficulty"], "advanced");
  EXPECT_EQ(lesson["explanation"], Curriculum::embedded().find("dictionaries")->level(Difficulty::advanced).explanation);
  EXPECT_EQ(lesson["exercises"][0]["id"], "dictionaries-advanced-1");
  EXPECT_EQ(lesson["next_topic"]["id"], "sets");
  EXPECT_EQ(lesson["event"]["status"], "published");

  auto lesson_id = lesson["lesson_id"].get<std::string>();
  auto stored = dapr.stored("statestore", "lesson-" + lesson_id);
  ASSERT_TRUE(stored.has_value());
  EXPECT_EQ(Json::parse(*stored)["explanation"], lesson["explanation"]);
  auto index = Json::parse(*dapr.stored("statestore", "user-lessons-ada"));
  ASSERT_EQ(index["lessons"].size(), 1u);
  EXPECT_EQ(index["lessons"][0]["lesson_id"], lesson_id);

  ASSERT_EQ(dapr.published().size(), 1u);
  const auto& event = dapr.published()[0];
  EXPECT_EQ(event.pubsub, "pubsub");
  EXPECT_EQ(event.topic, "lesson-generated");
  EXPECT_EQ(event.metadata.at("cloudevent.id"), lesson["event"]["id"]);
  auto data = Json::parse(event.json);
  EXPECT_EQ(data["lesson_id"], lesson_id);
  EXPECT_EQ(data["event_id"], lesson["event"]["id"]);
  EXPECT_EQ(data["exercise_ids"], Json({"dictionaries-advanced-1", "dictionaries-advanced-2"}));
  EXPECT_EQ(registry.counter("learnflow_lessons_generated_total", "", {"difficulty"}).with({"advanced"}).value(), 1.0);
}

// What a sidecar sends with an invocation when tracing is on (W3C example values).
const std::string kTraceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
const std::string kTracestate = "congo=t61rcWkgMzE";

TEST_F(CourseAgentTest, ThePublishCarriesTheTraceContextTheLessonWasRequestedWith) {
  generate("ada", "lists", "beginner", http::Headers{{"traceparent", kTraceparent}, {"tracestate", kTracestate}});
  ASSERT_EQ(dapr.published().size(), 1u);
  EXPECT_EQ(dapr.published()[0].trace, (dapr::TraceContext{kTraceparent, kTracestate}));
  const auto& calls = dapr.state_calls();
  ASSERT_GE(calls.size(), 3u);  // the lesson, then the learner's lesson list (read, save)
  for (const auto& call : calls) {
    if (call.key.rfind("lesson-", 0) == 0 || call.key == "user-lessons-ada") {
      EXPECT_EQ(call.trace, (dapr::TraceContext{kTraceparent, kTracestate})) << call.operation << " " << call.key;
    }
  }

  generate("bob");  // called without a trace: the sidecar is left to start one
  ASSERT_EQ(dapr.published().size(), 2u);
  EXPECT_TRUE(dapr.published()[1].trace.empty());

  generate("eve", "lists", "beginner", http::Headers{{"traceparent", "00-not-a-trace"}, {"tracestate", kTracestate}});
  ASSERT_EQ(dapr.published().size(), 3u);
  EXPECT_TRUE(dapr.published()[2].trace.empty()) << "a malformed traceparent is not passed on";
}

TEST_F(CourseAgentTest, AQueuedEventKeepsItsTraceContextInTheOutboxAndWhenRepublished) {
  dapr.set_publish_failing(true);
  generate("ada", "lists", "beginner", http::Headers{{"traceparent", kTraceparent}, {"tracestate", kTracestate}});
  generate("bob");
  auto stored = stored_outbox();
  ASSERT_EQ(stored["events"].size(), 2u);
  EXPECT_EQ(stored["events"][0]["traceparent"], kTraceparent);
  EXPECT_EQ(stored["events"][0]["tracestate"], kTracestate);
  EXPECT_FALSE(stored["events"][1].contains("traceparent"));

  dapr.set_publish_failing(false);
  advance(1s);
  ASSERT_EQ(dapr.published().size(), 2u);
  EXPECT_EQ(dapr.published()[0].trace, (dapr::TraceContext{kTraceparent, kTracestate}));
  EXPECT_TRUE(dapr.published()[1].trace.empty());
}

TEST_F(CourseAgentTest, DifficultyChangesTheLesson) {
  auto beginner = generate("ada", "functions", "beginner");
  auto advanced = generate("ada", "functions", "advanced");
  EXPECT_NE(beginner["explanation"], advanced["explanation"]);
  EXPECT_NE(beginner["examples"], advanced["examples"]);
  EXPECT_NE(beginner["exercises"], advanced["exercises"]);
}

struct BadRequestCase {
  std::string body;
  std::string expected;
};

TEST_F(CourseAgentTest, RejectsBadInputWithA400NamingTheField) {
  int saves_before = dapr.save_calls();
  const std::vector<BadRequestCase> cases{
      {R"({"topic":"lists","difficulty":"beginner"})",
       R"({"error":"invalid_field","field":"user_id","message":"user_id is required"})"},
      {R"({"user_id":42,"topic":"lists","difficulty":"beginner"})",
       R"({"error":"invalid_field","field":"user_id","message":"user_id must be a string"})"},
      {R"({"user_id":"a||b","topic":"lists","difficulty":"beginner"})",
       R"({"error":"invalid_field","field":"user_id","message":"user_id must be 1 to 64 characters of A-Z a-z 0-9 _ . @ -"})"},
      {R"({"user_id":"ada","topic":"cobol","difficulty":"beginner"})",
       R"({"error":"invalid_field","field":"topic","message":"unknown topic 'cobol'; GET /curriculum lists the topics"})"},
      {R"({"user_id":"ada","topic":"lists"})",
       R"({"error":"invalid_field","field":"difficulty","message":"difficulty is required"})"},
      {R"({"user_id":"ada","topic":"lists","difficulty":"expert"})",
       R"({"error":"invalid_field","field":"difficulty","message":"difficulty must be one of beginner, intermediate, advanced"})"},
      {R"({"userId":"ada","topic":"lists","difficulty":"beginner"})",
       R"({"error":"invalid_field","field":"userId","message":"unknown field userId; expected user_id, topic, difficulty"})"},
      {R"({"user_id":"ada",)", R"({"error":"invalid_json","message":"request body is not valid JSON"})"},
      {R"(["ada"])", R"({"error":"invalid_json","message":"request body must be a JSON object"})"},
      {"", R"({"error":"invalid_json","message":"request body is empty; send a JSON object"})"},
  };
  for (const auto& c : cases) {
    auto response = call("POST", "/generate-lesson", c.body);
    EXPECT_EQ(response.status, 400) << c.body;
    EXPECT_EQ(response.body, c.expected) << c.body;
    EXPECT_EQ(response.headers.get_or("Content-Type", ""), "application/json");
  }
  EXPECT_TRUE(dapr.published().empty());
  EXPECT_EQ(dapr.save_calls(), saves_before);
}

TEST_F(CourseAgentTest, ListsAUsersLessonsNewestFirstAndFetchesOne) {
  auto first = generate("bo", "strings");
  auto second = generate("bo", "sets", "intermediate");
  generate("someone-else");
  auto response = call("GET", "/lessons?user_id=bo");
  ASSERT_EQ(response.status, 200);
  auto body = body_json(response);
  ASSERT_EQ(body["lessons"].size(), 2u);
  EXPECT_EQ(body["lessons"][0]["lesson_id"], second["lesson_id"]);
  EXPECT_EQ(body["lessons"][0]["difficulty"], "intermediate");
  EXPECT_EQ(body["lessons"][0]["exercise_count"], 2);
  EXPECT_EQ(body["lessons"][1]["lesson_id"], first["lesson_id"]);

  auto one = call("GET", "/lessons/" + first["lesson_id"].get<std::string>());
  ASSERT_EQ(one.status, 200);
  EXPECT_EQ(body_json(one)["explanation"], first["explanation"]);
  EXPECT_EQ(call("GET", "/lessons/not-a-lesson").status, 404);
  EXPECT_EQ(body_json(call("GET", "/lessons?user_id=nobody"))["lessons"], Json::array());
  EXPECT_EQ(call("GET", "/lessons").body,
            R"({"error":"invalid_field","field":"user_id","message":"user_id query parameter is required"})");
}

TEST_F(CourseAgentTest, IndexWriteRetriesEtagConflictsAfterABackoffPause) {
  dapr.inject_etag_conflicts("user-lessons-cy", 3);  // another replica wins three times
  std::optional<http::Response> response;
  boost::asio::co_spawn(
      io,
      [&]() -> boost::asio::awaitable<void> {
        response = co_await router.dispatch(
            make_request("POST", "/generate-lesson", R"({"user_id":"cy","topic":"lists","difficulty":"beginner"})"));
      },
      boost::asio::detached);
  settle(io);
  EXPECT_FALSE(response.has_value()) << "the retries wait out a back-off, they do not spin";
  // Three pauses of at most 10, 20 and 40 ms (random within those bounds).
  for (int step = 0; step < 10 && !response; ++step) advance(10ms);
  ASSERT_TRUE(response.has_value());
  EXPECT_EQ(response->status, 201) << response->body;
  auto index = Json::parse(*dapr.stored("statestore", "user-lessons-cy"));
  EXPECT_EQ(index["lessons"].size(), 1u);
}

TEST_F(CourseAgentTest, TwentyConcurrentLessonsForOneLearnerAreAllListed) {
  std::vector<std::optional<http::Response>> responses(20);
  for (auto& response : responses)
    boost::asio::co_spawn(
        io,
        [&]() -> boost::asio::awaitable<void> {
          response = co_await router.dispatch(
              make_request("POST", "/generate-lesson", R"({"user_id":"dee","topic":"lists","difficulty":"beginner"})"));
        },
        boost::asio::detached);
  settle(io);
  std::set<std::string> ids;
  for (const auto& response : responses) {
    ASSERT_TRUE(response.has_value());
    ASSERT_EQ(response->status, 201) << response->body;
    ids.insert(body_json(*response)["lesson_id"].get<std::string>());
  }
  auto index = Json::parse(*dapr.stored("statestore", "user-lessons-dee"));
  ASSERT_EQ(index["lessons"].size(), 20u);
  for (const auto& summary : index["lessons"]) EXPECT_EQ(ids.count(summary["lesson_id"].get<std::string>()), 1u);
}

TEST_F(CourseAgentTest, StateStoreDownIsA503) {
  dapr.set_state_failing(true);
  auto response = call("POST", "/generate-lesson", R"({"user_id":"ada","topic":"lists","difficulty":"beginner"})");
  EXPECT_EQ(response.status, 503);
  EXPECT_EQ(body_json(response)["error"], "state_store_unavailable");
  EXPECT_TRUE(dapr.published().empty());
}

TEST_F(CourseAgentTest, AppApiTokenIsRequiredWhenConfigured) {
  router.require_app_token("app-secret");
  auto denied = call("GET", "/curriculum");
  EXPECT_EQ(denied.status, 401);
  EXPECT_EQ(denied.body, R"({"error":"unauthorized","message":"missing or wrong dapr-api-token"})");
  auto request = make_request("GET", "/curriculum");
  request.headers.set("dapr-api-token", "app-secret");
  EXPECT_EQ(run_awaitable(io, router.dispatch(request)).status, 200);
  request.headers.set("dapr-api-token", "wrong");
  EXPECT_EQ(run_awaitable(io, router.dispatch(request)).status, 401);
}

TEST_F(CourseAgentTest, CurriculumListsEveryTopic) {
  auto body = body_json(call("GET", "/curriculum"));
  EXPECT_EQ(body["topics"].size(), Curriculum::embedded().topics().size());
  EXPECT_EQ(body["topics"][0]["id"], "printing");
  EXPECT_EQ(body["topics"][0]["levels"]["beginner"]["exercises"], 2);
}

TEST_F(CourseAgentTest, KafkaDownQueuesEventsInOrderAndDrainsThemWhenItReturns) {
  dapr.set_publish_failing(true);
  std::vector<std::string> event_ids;
  for (const char* user : {"u1", "u2", "u3"}) {
    auto lesson = generate(user);
    EXPECT_EQ(lesson["event"]["status"], "queued");
    event_ids.push_back(lesson["event"]["id"]);
  }
  // Only the first request waited for the failing publish; later ones queue behind it at once.
  EXPECT_EQ(dapr.publish_attempts(), 1);
  EXPECT_EQ(service.outbox().depth(), 3u);
  EXPECT_EQ(outbox_gauge(), 3.0);
  auto stored = stored_outbox();
  ASSERT_EQ(stored["events"].size(), 3u);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(stored["events"][i]["event_id"], event_ids[i]);

  advance(1s);  // first drain attempt: still down, backoff doubles
  EXPECT_EQ(dapr.publish_attempts(), 2);
  EXPECT_EQ(service.outbox().current_backoff(), 2s);
  advance(2s);
  EXPECT_EQ(dapr.publish_attempts(), 3);
  EXPECT_EQ(service.outbox().current_backoff(), 4s);

  dapr.set_publish_failing(false);
  advance(3999ms);
  EXPECT_TRUE(dapr.published().empty());
  advance(1ms);
  ASSERT_EQ(dapr.published().size(), 3u);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(dapr.published()[i].metadata.at("cloudevent.id"), event_ids[i]);
  EXPECT_EQ(service.outbox().depth(), 0u);
  EXPECT_EQ(outbox_gauge(), 0.0);
  EXPECT_EQ(stored_outbox()["events"], Json::array());
  EXPECT_EQ(service.outbox().current_backoff(), 1s);
  EXPECT_TRUE(logs.contains("outbox drained"));

  // Back to normal: the next lesson publishes directly.
  EXPECT_EQ(generate("u4")["event"]["status"], "published");
}

TEST_F(CourseAgentTest, BackoffIsCappedAtThirtySeconds) {
  dapr.set_publish_failing(true);
  generate("u1");
  for (int i = 0; i < 100; ++i) advance(5s);
  EXPECT_EQ(service.outbox().current_backoff(), 30s);
  EXPECT_EQ(service.outbox().depth(), 1u);
}

TEST_F(CourseAgentTest, FlushOnShutdownStoresTheQueueAndStopsDraining) {
  dapr.set_publish_failing(true);
  generate("u1");
  generate("u2");
  run_awaitable(io, service.stop());
  EXPECT_EQ(stored_outbox()["events"].size(), 2u);
  EXPECT_EQ(scheduler.pending(), 0u);
  EXPECT_TRUE(logs.contains("outbox state already stored"));
}

TEST(CourseAgentOutbox, ANewInstanceWithTheSameIdentityRepublishesWhatWasLeft) {
  boost::asio::io_context io;
  lf::testing::FakeScheduler scheduler;
  dapr::FakeDaprClient dapr;
  Json doc{{"owner", "ca-1"},
           {"events", {{{"event_id", "e1"}, {"topic", "lesson-generated"}, {"payload", "{\"n\":1}"}},
                       {{"event_id", "e2"}, {"topic", "lesson-generated"}, {"payload", "{\"n\":2}"}}}}};
  dapr.put("statestore", Outbox::document_key("ca-1"), doc.dump());
  metrics::Gauge depth;
  Outbox outbox(dapr, scheduler, io.get_executor(), depth, OutboxOptions{.owner = "ca-1"});
  run_awaitable(io, outbox.recover());
  EXPECT_EQ(depth.value(), 2.0);
  scheduler.advance(0s);
  settle(io);
  ASSERT_EQ(dapr.published().size(), 2u);
  EXPECT_EQ(dapr.published()[0].json, "{\"n\":1}");
  EXPECT_EQ(dapr.published()[1].metadata.at("cloudevent.id"), "e2");
  EXPECT_EQ(depth.value(), 0.0);
}

TEST(CourseAgentOutbox, ARecoveredEventIsRepublishedInItsOriginalTrace) {
  boost::asio::io_context io;
  lf::testing::FakeScheduler scheduler;
  dapr::FakeDaprClient dapr;
  const std::string traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
  Json doc{{"owner", "ca-1"},
           {"events",
            {{{"event_id", "e1"}, {"topic", "lesson-generated"}, {"payload", "{}"}, {"traceparent", traceparent},
              {"tracestate", "congo=t61rcWkgMzE"}},
             {{"event_id", "e2"}, {"topic", "lesson-generated"}, {"payload", "{}"}, {"traceparent", "00-bad\r\nx: y"}},
             {{"event_id", "e4"}, {"topic", "lesson-generated"}, {"payload", "{}"}, {"traceparent", traceparent},
              {"tracestate", "a=1\r\nx: y"}},
             {{"event_id", "e3"}, {"topic", "lesson-generated"}, {"payload", "{}"}, {"traceparent", 7}}}}};
  dapr.put("statestore", Outbox::document_key("ca-1"), doc.dump());
  metrics::Gauge depth;
  Outbox outbox(dapr, scheduler, io.get_executor(), depth, OutboxOptions{.owner = "ca-1"});
  run_awaitable(io, outbox.recover());
  scheduler.advance(0s);
  settle(io);
  ASSERT_EQ(dapr.published().size(), 4u);
  EXPECT_EQ(dapr.published()[0].trace, (dapr::TraceContext{traceparent, "congo=t61rcWkgMzE"}));
  EXPECT_TRUE(dapr.published()[1].trace.empty()) << "a stored value that is no traceparent is not sent as one";
  EXPECT_EQ(dapr.published()[2].trace, (dapr::TraceContext{traceparent, ""})) << "nor one that is no tracestate";
  EXPECT_TRUE(dapr.published()[3].trace.empty());
}

TEST(CourseAgentOutbox, NeverOverwritesAStoredQueueItCouldNotReadYet) {
  boost::asio::io_context io;
  lf::testing::FakeScheduler scheduler;
  dapr::FakeDaprClient dapr;
  Json doc{{"owner", "ca-1"}, {"events", {{{"event_id", "old"}, {"topic", "lesson-generated"}, {"payload", "{}"}}}}};
  dapr.put("statestore", Outbox::document_key("ca-1"), doc.dump());
  metrics::Gauge depth;
  Outbox outbox(dapr, scheduler, io.get_executor(), depth, OutboxOptions{.owner = "ca-1"});
  dapr.set_state_failing(true);  // the sidecar is not up yet
  run_awaitable(io, outbox.recover());
  EXPECT_FALSE(outbox.recovered());

  dapr.set_publish_failing(true);
  dapr.set_state_failing(false);
  OutboxEvent fresh{"new", "lesson-generated", "{}", ""};
  EXPECT_FALSE(run_awaitable(io, outbox.publish_or_enqueue(fresh)));
  EXPECT_EQ(Json::parse(*dapr.stored("statestore", Outbox::document_key("ca-1")))["events"].size(), 1u)
      << "the unread stored queue must not be replaced";

  scheduler.advance(1s);  // recovery retry succeeds: old event first, then the new one
  settle(io);
  ASSERT_TRUE(outbox.recovered());
  auto stored = Json::parse(*dapr.stored("statestore", Outbox::document_key("ca-1")));
  ASSERT_EQ(stored["events"].size(), 2u);
  EXPECT_EQ(stored["events"][0]["event_id"], "old");
  EXPECT_EQ(stored["events"][1]["event_id"], "new");
}

class AdoptionTest : public ::testing::Test {
 protected:
  long long now() const {
    return std::chrono::duration_cast<std::chrono::seconds>(scheduler.wall_now().time_since_epoch()).count();
  }
  // Each orphaned event is stored with a traceparent made from its id, as the orphan wrote it.
  static std::string traceparent_of(const std::string& event_id) {
    std::string trace_id = event_id + std::string(32 - event_id.size(), 'a');
    for (auto& c : trace_id) c = std::isxdigit(static_cast<unsigned char>(c)) ? c : 'f';
    return "00-" + trace_id + "-00f067aa0ba902b7-01";
  }
  void put_orphan(const std::string& owner, long long last_seen, const std::vector<std::string>& event_ids) {
    Json events = Json::array();
    for (const auto& id : event_ids)
      events.push_back(
          {{"event_id", id}, {"topic", "lesson-generated"}, {"payload", "{}"}, {"traceparent", traceparent_of(id)}});
    dapr.put("statestore", Outbox::document_key(owner), Json{{"owner", owner}, {"events", events}}.dump());
    registry["owners"][owner] = last_seen;
    dapr.put("statestore", OutboxAdopter::registry_key, registry.dump());
  }
  Json stored(const std::string& key) {
    auto text = dapr.stored("statestore", key);
    return text ? Json::parse(*text) : Json();
  }

  log::CaptureSink logs;
  boost::asio::io_context io;
  lf::testing::FakeScheduler scheduler;
  dapr::FakeDaprClient dapr;
  metrics::Gauge depth;
  Json registry{{"owners", Json::object()}};
  Outbox outbox{dapr, scheduler, io.get_executor(), depth, OutboxOptions{.owner = "live"}};
  OutboxAdopter adopter{dapr, scheduler, io.get_executor(), outbox, AdoptionOptions{.owner = "live"}};
};

TEST_F(AdoptionTest, AStaleInstancesQueueMovesBehindOursInOrderAndIsPublished) {
  put_orphan("dead", now() - 120, {"d1", "d2"});
  dapr.set_publish_failing(true);
  run_awaitable(io, outbox.recover());
  EXPECT_FALSE(run_awaitable(io, outbox.publish_or_enqueue(OutboxEvent{"mine", "lesson-generated", "{}", ""})));

  run_awaitable(io, adopter.tick());
  auto own = stored(Outbox::document_key("live"));
  ASSERT_EQ(own["events"].size(), 3u);
  EXPECT_EQ(own["events"][0]["event_id"], "mine");
  EXPECT_EQ(own["events"][1]["event_id"], "d1");
  EXPECT_EQ(own["events"][2]["event_id"], "d2");
  EXPECT_FALSE(dapr.stored("statestore", Outbox::document_key("dead")).has_value());
  auto owners = stored(OutboxAdopter::registry_key)["owners"];
  EXPECT_FALSE(owners.contains("dead"));
  EXPECT_EQ(owners["live"], now());
  EXPECT_TRUE(logs.contains("adopted the outbox of an instance that stopped heartbeating"));

  dapr.set_publish_failing(false);
  scheduler.advance(2s);
  settle(io);
  ASSERT_EQ(dapr.published().size(), 3u);
  EXPECT_EQ(dapr.published()[2].metadata.at("cloudevent.id"), "d2");
  EXPECT_TRUE(dapr.published()[0].trace.empty());
  EXPECT_EQ(dapr.published()[1].trace.traceparent, traceparent_of("d1")) << "adopted events stay in their traces";
  EXPECT_EQ(dapr.published()[2].trace.traceparent, traceparent_of("d2"));
  EXPECT_EQ(depth.value(), 0.0);
}

TEST_F(AdoptionTest, AnInstanceSeenRecentlyIsLeftAlone) {
  put_orphan("busy", now() - 30, {"b1"});
  run_awaitable(io, outbox.recover());
  run_awaitable(io, adopter.tick());
  EXPECT_TRUE(dapr.stored("statestore", Outbox::document_key("busy")).has_value());
  EXPECT_EQ(outbox.depth(), 0u);
  EXPECT_EQ(stored(OutboxAdopter::registry_key)["owners"]["busy"], now() - 30);
}

TEST_F(AdoptionTest, HeartbeatsRepeatAndStopLeavesTheRegistryOnlyWhenNothingIsQueued) {
  run_awaitable(io, outbox.recover());
  adopter.start();
  settle(io);
  auto first = stored(OutboxAdopter::registry_key)["owners"]["live"].get<long long>();
  scheduler.advance(10s);
  settle(io);
  EXPECT_EQ(stored(OutboxAdopter::registry_key)["owners"]["live"].get<long long>(), first + 10);
  run_awaitable(io, adopter.stop());
  EXPECT_FALSE(stored(OutboxAdopter::registry_key)["owners"].contains("live"));
  EXPECT_EQ(scheduler.pending(), 0u);
}

TEST_F(AdoptionTest, AnInstanceWithQueuedEventsStaysRegisteredWhenItStops) {
  dapr.set_publish_failing(true);
  run_awaitable(io, outbox.recover());
  adopter.start();
  settle(io);
  run_awaitable(io, outbox.publish_or_enqueue(OutboxEvent{"e", "lesson-generated", "{}", ""}));
  run_awaitable(io, outbox.flush());
  run_awaitable(io, adopter.stop());
  EXPECT_TRUE(stored(OutboxAdopter::registry_key)["owners"].contains("live"));
}

TEST_F(AdoptionTest, NothingIsAdoptedBeforeOurOwnQueueIsKnown) {
  put_orphan("dead", now() - 120, {"d1"});
  dapr.set_state_failing(true);
  run_awaitable(io, outbox.recover());
  dapr.set_state_failing(false);
  run_awaitable(io, adopter.tick());
  EXPECT_TRUE(dapr.stored("statestore", Outbox::document_key("dead")).has_value());
}

}  // namespace
}  // namespace lf::course
