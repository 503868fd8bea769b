// Every POST route of the three services fed with mutated and random bodies: the answer is always
// a well-formed HTTP answer (never an exception), with a status the route documents.
#include <random>
#include <set>

#include <gtest/gtest.h>

#include "dapr_client/fake_dapr_client.hpp"
#include "log/log.hpp"
#include "service_test_support.hpp"
#include "services/course_agent/course_agent_service.hpp"
#include "services/frontend/frontend_service.hpp"
#include "services/user_progress/user_progress_service.hpp"
#include "support/fake_scheduler.hpp"

namespace lf::services {
namespace {

using Json = nlohmann::json;

std::string mutate(std::string text, std::mt19937& rng) {
  std::uniform_int_distribution<int> op(0, 3), byte(0, 255);
  int edits = 1 + static_cast<int>(rng() % 4);
  for (int i = 0; i < edits && !text.empty(); ++i) {
    std::size_t at = rng() % text.size();
    switch (op(rng)) {
      case 0: text[at] = static_cast<char>(byte(rng)); break;
      case 1: text.erase(at, 1 + rng() % 8); break;
      case 2: text.insert(at, text.substr(rng() % text.size(), 1 + rng() % 16)); break;
      default: text.insert(at, 1, "{}[]\":,0\\-e"[rng() % 11]); break;
    }
  }
  return text;
}

// Valid bodies whose values are swapped for other JSON types, nested, huge or odd.
Json odd_value(std::mt19937& rng) {
  switch (rng() % 9) {
    case 0: return nullptr;
    case 1: return static_cast<long long>(rng()) - (1LL << 31);
    case 2: return -1e300;
    case 3: return Json::array({1, "x"});
    case 4: return Json{{"nested", {{"deep", true}}}};
    case 5: return std::string(5000, 'a');
    case 6: return "\xC3\xA9\xE2\x98\x95";
    case 7: return 18446744073709551615ULL;
    default: return "";
  }
}

TEST(Robustness, RoutesSurviveAnyBody) {
  log::CaptureSink quiet;
  boost::asio::io_context io;
  lf::testing::FakeScheduler scheduler;
  dapr::FakeDaprClient dapr;
  metrics::Registry registry;
  Router router(registry, scheduler);
  course::CourseAgentService course(dapr, scheduler, io.get_executor(), registry, course::Curriculum::embedded(),
                                    course::CourseAgentConfig{.instance_id = "fuzz"});
  progress::UserProgressService progress(dapr, scheduler, registry);
  course.register_routes(router);
  progress.register_routes(router);
  dapr.on_invoke("course-agent", [](const dapr::InvokeRequest&) -> dapr::DaprResult<dapr::InvokeResponse> {
    return dapr::InvokeResponse{201, "application/json", "{}"};
  });

  const std::vector<std::pair<std::string, Json>> seeds{
      {"/generate-lesson", Json{{"user_id", "ada"}, {"topic", "lists"}, {"difficulty", "beginner"}}},
      {"/update-progress", Json{{"user_id", "ada"}, {"lesson_id", "L1"}, {"progress_percentage", 50},
                                {"status", "in_progress"}, {"completed_exercises", {"e1"}}}},
      {"/events/lesson-generated",
       Json{{"id", "e1"}, {"data", {{"user_id", "ada"}, {"lesson_id", "L1"}, {"topic", "lists"}, {"difficulty", "beginner"},
                                    {"exercise_ids", {"x"}}}}}},
      {"/events/progress-updated",
       Json{{"id", "e2"}, {"data", {{"user_id", "ada"}, {"lesson_id", "L1"}, {"progress_percentage", 100}, {"status", "completed"}}}}},
  };
  const std::set<int> allowed{200, 201, 400, 503};
  std::mt19937 rng(20261127);
  int answered = 0;
  for (int round = 0; round < 600; ++round) {
    for (const auto& [route, seed] : seeds) {
      std::string body;
      if (round % 3 == 0) {
        body = mutate(seed.dump(), rng);
      } else {
        Json variant = seed;
        Json* target = &variant;
        if (variant.contains("data") && rng() % 2) target = &variant["data"];
        auto keys = std::vector<std::string>();
        for (auto& [key, value] : target->items()) keys.push_back(key);
        (*target)[keys[rng() % keys.size()]] = odd_value(rng);
        if (rng() % 5 == 0) (*target)["extra" + std::to_string(rng() % 3)] = odd_value(rng);
        body = variant.dump();
      }
      if (round % 50 == 7) dapr.set_state_failing(true);
      if (round % 50 == 9) dapr.set_state_failing(false);
      auto response = lf::testing::run_awaitable(io, router.dispatch(lf::testing::make_request("POST", route, body)));
      ASSERT_TRUE(allowed.count(response.status)) << route << " " << response.status << " for " << body;
      ASSERT_TRUE(Json::parse(response.body, nullptr, false).is_object()) << route << " " << response.body;
      ++answered;
    }
  }
  EXPECT_EQ(answered, 2400);
}

}  // namespace
}  // namespace lf::services
