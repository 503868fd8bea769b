#include "services/user_progress/progress_model.hpp"

#include <algorithm>
#include <cmath>
#include <map>

namespace lf::progress {
namespace {

using services::FieldError;

Json& lessons_of(Json& document) {
  if (!document.contains("lessons") || !document["lessons"].is_array()) document["lessons"] = Json::array();
  return document["lessons"];
}

bool already_applied(Json& document, const std::string& event_id) {
  if (!document.contains("applied_events") || !document["applied_events"].is_array())
    document["applied_events"] = Json::array();
  for (const auto& id : document["applied_events"])
    if (id == event_id) return true;
  return false;
}

void remember(Json& document, const std::string& event_id) {
  auto& ids = document["applied_events"];
  ids.push_back(event_id);
  while (ids.size() > remembered_event_ids) ids.erase(ids.begin());
}

Json& lesson_entry(Json& document, const std::string& lesson_id) {
  auto& lessons = lessons_of(document);
  for (auto& lesson : lessons)
    if (lesson.value("lesson_id", "") == lesson_id) return lesson;
  lessons.push_back(Json{{"lesson_id", lesson_id},
                         {"topic", nullptr},
                         {"topic_title", nullptr},
                         {"difficulty", nullptr},
                         {"received_at", nullptr},
                         {"exercise_ids", Json::array()},
                         {"completed_exercises", Json::array()},
                         {"progress_percentage", 0},
                         {"status", "not_started"},
                         {"updated_at", nullptr}});
  return lessons.back();
}

Expected<std::vector<std::string>, FieldError> identifier_list(const Json& object, const std::string& field) {
  const auto& value = object.at(field);
  if (!value.is_array() || value.size() > 100)
    return unexpected(FieldError{field, field + " must be an array of at most 100 ids"});
  std::vector<std::string> ids;
  for (const auto& item : value) {
    if (!item.is_string()) return unexpected(FieldError{field, field + " must contain only strings"});
    if (auto bad = services::check_identifier(field, item.get<std::string>()))
      return unexpected(FieldError{field, field + " entries must be 1 to 64 characters of A-Z a-z 0-9 _ . @ -"});
    if (std::find(ids.begin(), ids.end(), item.get<std::string>()) == ids.end()) ids.push_back(item.get<std::string>());
  }
  return ids;
}

Expected<std::string, FieldError> identifier_field(const Json& object, const std::string& field) {
  auto value = services::required_string(object, field);
  if (!value) return value;
  if (auto bad = services::check_identifier(field, *value)) return unexpected(*bad);
  return value;
}

std::string optional_string(const Json& object, const std::string& field) {
  auto it = object.find(field);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

Expected<ProgressUpdate, FieldError> parse_progress_update(const Json& object, bool allow_event_fields) {
  std::vector<std::string> known{"user_id", "lesson_id", "progress_percentage", "status", "completed_exercises"};
  if (allow_event_fields) {
    known.push_back("event_id");
    known.push_back("updated_at");
  }
  if (auto unknown = services::reject_unknown_fields(object, known)) return unexpected(*unknown);
  ProgressUpdate update;
  auto user_id = identifier_field(object, "user_id");
  if (!user_id) return unexpected(user_id.error());
  auto lesson_id = identifier_field(object, "lesson_id");
  if (!lesson_id) return unexpected(lesson_id.error());
  auto percentage = services::required_integer(object, "progress_percentage", 0, 100);
  if (!percentage) return unexpected(percentage.error());
  auto status = services::required_enum(object, "status", {"not_started", "in_progress", "completed"});
  if (!status) return unexpected(status.error());
  if (*status == "completed" && *percentage != 100)
    return unexpected(FieldError{"status", "status completed needs progress_percentage 100"});
  if (*status == "not_started" && *percentage != 0)
    return unexpected(FieldError{"status", "status not_started needs progress_percentage 0"});
  if (object.contains("completed_exercises")) {
    auto exercises = identifier_list(object, "completed_exercises");
    if (!exercises) return unexpected(exercises.error());
    update.completed_exercises = std::move(*exercises);
  }
  update.user_id = *user_id;
  update.lesson_id = *lesson_id;
  update.progress_percentage = static_cast<int>(*percentage);
  update.status = *status;
  update.event_id = services::truncate_utf8(optional_string(object, "event_id"), 128);
  update.updated_at = services::truncate_utf8(optional_string(object, "updated_at"), 64);
  return update;
}

Expected<LessonReceived, FieldError> parse_lesson_received(const Json& data) {
  LessonReceived event;
  auto user_id = identifier_field(data, "user_id");
  if (!user_id) return unexpected(user_id.error());
  auto lesson_id = identifier_field(data, "lesson_id");
  if (!lesson_id) return unexpected(lesson_id.error());
  auto topic = identifier_field(data, "topic");
  if (!topic) return unexpected(topic.error());
  auto difficulty = services::required_enum(data, "difficulty", {"beginner", "intermediate", "advanced"});
  if (!difficulty) return unexpected(difficulty.error());
  if (data.contains("exercise_ids")) {
    auto ids = identifier_list(data, "exercise_ids");
    if (!ids) return unexpected(ids.error());
    event.exercise_ids = std::move(*ids);
  }
  event.user_id = *user_id;
  event.lesson_id = *lesson_id;
  event.topic = *topic;
  event.topic_title = services::truncate_utf8(optional_string(data, "topic_title"), 200);
  event.difficulty = *difficulty;
  event.created_at = services::truncate_utf8(optional_string(data, "created_at"), 64);
  event.event_id = optional_string(data, "event_id");
  return event;
}

bool apply_lesson(Json& document, const LessonReceived& event) {
  if (already_applied(document, event.event_id)) return false;
  document["user_id"] = event.user_id;
  auto& lesson = lesson_entry(document, event.lesson_id);
  // Progress may have arrived first (the events travel separately); keep it, fill in the rest.
  lesson["topic"] = event.topic;
  lesson["topic_title"] = event.topic_title.empty() ? event.topic : event.topic_title;
  lesson["difficulty"] = event.difficulty;
  lesson["received_at"] = event.created_at;
  lesson["exercise_ids"] = event.exercise_ids;
  remember(document, event.event_id);
  return true;
}

bool apply_progress(Json& document, const ProgressUpdate& update) {
  if (already_applied(document, update.event_id)) return false;
  document["user_id"] = update.user_id;
  auto& lesson = lesson_entry(document, update.lesson_id);
  lesson["progress_percentage"] = update.progress_percentage;
  lesson["status"] = update.status;
  if (update.completed_exercises) lesson["completed_exercises"] = *update.completed_exercises;
  lesson["updated_at"] = update.updated_at;
  remember(document, update.event_id);
  return true;
}

int mastery_score(const std::string& difficulty, int progress_percentage) {
  double weight = difficulty == "advanced" ? 1.0 : difficulty == "intermediate" ? 0.7 : 0.4;
  return static_cast<int>(std::lround(weight * std::clamp(progress_percentage, 0, 100)));
}

std::string mastery_band(int score) {
  if (score <= 0) return "not_started";
  if (score < 40) return "learning";
  if (score < 70) return "familiar";
  if (score < 100) return "proficient";
  return "mastered";
}

Json status_view(const std::string& user_id, const Json& document) {
  Json lessons = Json::array();
  struct TopicTotals {
    std::string title;
    int lessons = 0;
    int completed = 0;
    int best_progress = 0;
    int score = 0;
  };
  std::map<std::string, TopicTotals> topics;
  std::vector<std::string> topic_order;
  int completed = 0;
  int received = 0;
  if (document.contains("lessons") && document["lessons"].is_array()) {
    for (const auto& stored : document["lessons"]) {
      Json lesson = stored;
      int progress = lesson.value("progress_percentage", 0);
      bool done = lesson.value("status", "") == "completed";
      completed += done ? 1 : 0;
      lessons.push_back(lesson);
      if (!lesson["topic"].is_string()) continue;  // progress arrived before the lesson event
      received += 1;
      auto topic = lesson["topic"].get<std::string>();
      if (!topics.count(topic)) topic_order.push_back(topic);
      auto& totals = topics[topic];
      totals.title = lesson.value("topic_title", topic);
      totals.lessons += 1;
      totals.completed += done ? 1 : 0;
      totals.best_progress = std::max(totals.best_progress, progress);
      auto difficulty = lesson["difficulty"].is_string() ? lesson["difficulty"].get<std::string>() : "beginner";
      totals.score = std::max(totals.score, mastery_score(difficulty, progress));
    }
  }
  Json topic_list = Json::array();
  for (const auto& topic : topic_order) {
    const auto& totals = topics[topic];
    topic_list.push_back({{"topic", topic},
                          {"topic_title", totals.title},
                          {"lessons", totals.lessons},
                          {"lessons_completed", totals.completed},
                          {"best_progress", totals.best_progress},
                          {"mastery_score", totals.score},
                          {"mastery", mastery_band(totals.score)}});
  }
  return Json{{"user_id", user_id},
              {"lessons_received", received},
              {"lessons_completed", completed},
              {"lessons", std::move(lessons)},
              {"topics", std::move(topic_list)}};
}

}  // namespace lf::progress
