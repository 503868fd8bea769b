#include "services/course_agent/course_agent_service.hpp"

#include "core/uuid.hpp"
#include "log/log.hpp"
#include "services/common/json_api.hpp"
#include "services/common/state_document.hpp"
#include "services/common/time_format.hpp"
#include "services/course_agent/lesson.hpp"

namespace lf::course {
namespace {

using services::FieldError;
using services::field_error_response;
using services::json_response;

void log_generated(const Json& lesson, bool published) {
  static const log::Logger logger("learnflow.course-agent");
  logger.info("lesson generated", {{"lesson_id", lesson.value("lesson_id", "")},
                                   {"user_id", lesson.value("user_id", "")},
                                   {"topic", lesson.value("topic", "")},
                                   {"difficulty", lesson.value("difficulty", "")},
                                   {"event", published ? "published" : "queued"}});
}

// Validates {user_id, topic, difficulty}; the first bad field wins.
Expected<LessonRequest, FieldError> parse_lesson_request(const Json& body, const Curriculum& curriculum) {
  if (auto unknown = services::reject_unknown_fields(body, {"user_id", "topic", "difficulty"})) return unexpected(*unknown);
  auto user_id = services::required_string(body, "user_id");
  if (!user_id) return unexpected(user_id.error());
  if (auto bad = services::check_identifier("user_id", *user_id)) return unexpected(*bad);
  auto topic = services::required_string(body, "topic");
  if (!topic) return unexpected(topic.error());
  if (!curriculum.find(*topic))
    return unexpected(FieldError{"topic", "unknown topic '" + services::truncate_utf8(*topic, 64) + "'; GET /curriculum lists the topics"});
  auto difficulty = services::required_enum(body, "difficulty", {"beginner", "intermediate", "advanced"});
  if (!difficulty) return unexpected(difficulty.error());
  return LessonRequest{*user_id, *topic, *parse_difficulty(*difficulty)};
}

Json event_summary(const std::string& event_id, bool published) {
  return Json{{"id", event_id}, {"status", published ? "published" : "queued"}};
}

Json lesson_list(const std::string& user_id, const std::optional<Json>& doc) {
  Json lessons = Json::array();
  if (doc && doc->contains("lessons") && (*doc)["lessons"].is_array()) {
    // Newest first: what a learner most likely wants to reopen.
    const auto& stored = (*doc)["lessons"];
    for (auto it = stored.rbegin(); it != stored.rend(); ++it) lessons.push_back(*it);
  }
  return Json{{"user_id", user_id}, {"lessons", std::move(lessons)}};
}

http::Response state_unavailable(const dapr::DaprError& error) {
  return services::unavailable_response("state_store_unavailable",
                                        "the lesson store is unavailable: " + error.describe());
}

}  // namespace

CourseAgentService::CourseAgentService(dapr::DaprClient& dapr, Scheduler& scheduler,
                                       boost::asio::any_io_executor executor, metrics::Registry& registry,
                                       const Curriculum& curriculum, CourseAgentConfig config)
    : dapr_(dapr),
      scheduler_(scheduler),
      curriculum_(curriculum),
      config_(std::move(config)),
      documents_(dapr, scheduler, config_.store),
      lessons_generated_(registry.counter("learnflow_lessons_generated_total",
                                          "Lessons generated and returned to users, by difficulty.", {"difficulty"})),
      outbox_(dapr, scheduler, executor,
              registry.gauge("learnflow_outbox_depth", "Events waiting in the outbox for the broker to come back.")
                  .with({}),
              OutboxOptions{config_.store, config_.pubsub, config_.instance_id}),
      adopter_(dapr, scheduler, executor, outbox_, AdoptionOptions{config_.store, config_.instance_id}) {
  for (auto difficulty : all_difficulties) lessons_generated_.with({difficulty_name(difficulty)});
}

void CourseAgentService::register_routes(services::Router& router) {
  router.add("POST", "/generate-lesson", [this](const http::Request& r) { return generate_lesson(r); });
  router.add("GET", "/lessons", [this](const http::Request& r) { return list_lessons(r); });
  router.add_prefix("GET", "/lessons/", "/lessons/{id}", [this](const http::Request& r) { return get_lesson(r); });
  router.add("GET", "/curriculum", [this](const http::Request&) -> boost::asio::awaitable<http::Response> {
    co_return json_response(200, curriculum_overview(curriculum_));
  });
}

boost::asio::awaitable<void> CourseAgentService::start() {
  co_await outbox_.recover();
  adopter_.start();
}

boost::asio::awaitable<void> CourseAgentService::stop() {
  co_await outbox_.flush();
  co_await adopter_.stop();
}

boost::asio::awaitable<http::Response> CourseAgentService::generate_lesson(const http::Request& request) {
  auto body = services::parse_json_object(request.body);
  if (!body) co_return body.error();
  auto lesson_request = parse_lesson_request(*body, curriculum_);
  if (!lesson_request) co_return field_error_response(lesson_request.error());

  const Topic& topic = *curriculum_.find(lesson_request->topic_id);
  auto lesson_id = uuid_v4();
  auto created_at = services::format_rfc3339(scheduler_.wall_now());
  Json lesson = build_lesson(curriculum_, topic, *lesson_request, lesson_id, created_at);

  // Every sidecar call for this request (state and publish) carries the trace it was called in.
  auto trace = dapr::TraceContext::from_headers(request.headers);
  std::vector<dapr::StateItem> items(1);
  items[0].key = lesson_key(lesson_id);
  items[0].value = lesson.dump();
  auto saved = co_await dapr_.save_state(config_.store, std::move(items), trace);
  if (!saved) co_return state_unavailable(saved.error());
  auto summary = lesson_summary(lesson);
  auto max_lessons = config_.max_lessons_per_user;
  auto indexed = co_await documents_.update(
      user_lessons_key(lesson_request->user_id), [&](Json& doc) {
        if (!doc.contains("lessons") || !doc["lessons"].is_array()) doc["lessons"] = Json::array();
        auto& lessons = doc["lessons"];
        lessons.push_back(summary);
        if (lessons.size() > max_lessons) lessons.erase(lessons.begin());
        doc["user_id"] = lesson_request->user_id;
        return true;
      },
      trace);
  if (!indexed) co_return state_unavailable(indexed.error());

  auto event_id = uuid_v4();
  OutboxEvent event{event_id, config_.topic, lesson_generated_event(lesson, event_id).dump(), created_at, trace};
  bool published = co_await outbox_.publish_or_enqueue(std::move(event));
  lessons_generated_.with({difficulty_name(lesson_request->difficulty)}).inc();
  log_generated(lesson, published);
  lesson["event"] = event_summary(event_id, published);
  co_return json_response(201, lesson);
}

boost::asio::awaitable<http::Response> CourseAgentService::list_lessons(const http::Request& request) {
  auto user_id = services::user_id_query(request);
  if (!user_id) co_return field_error_response(user_id.error());
  auto doc = co_await services::read_document(dapr_, config_.store, user_lessons_key(*user_id),
                                              dapr::TraceContext::from_headers(request.headers));
  if (!doc) co_return state_unavailable(doc.error());
  co_return json_response(200, lesson_list(*user_id, *doc));
}

boost::asio::awaitable<http::Response> CourseAgentService::get_lesson(const http::Request& request) {
  std::string lesson_id = request.path.substr(std::string("/lessons/").size());
  if (auto bad = services::check_identifier("lesson_id", lesson_id)) co_return field_error_response(*bad);
  auto doc = co_await services::read_document(dapr_, config_.store, lesson_key(lesson_id),
                                              dapr::TraceContext::from_headers(request.headers));
  if (!doc) co_return state_unavailable(doc.error());
  if (!doc->has_value())
    co_return services::error_json(404, "lesson_not_found", "no lesson with id " + lesson_id);
  co_return json_response(200, **doc);
}

}  // namespace lf::course
