#pragma once
// A learner's progress document and the pure rules that change and summarise it. The document
// remembers the ids of the events already applied, which is what makes redelivery harmless.
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/expected.hpp"
#include "services/common/json_api.hpp"

namespace lf::progress {

using Json = nlohmann::json;

struct LessonReceived {
  std::string event_id;
  std::string user_id;
  std::string lesson_id;
  std::string topic;
  std::string topic_title;
  std::string difficulty;
  std::vector<std::string> exercise_ids;
  std::string created_at;
};

struct ProgressUpdate {
  std::string event_id;
  std::string user_id;
  std::string lesson_id;
  int progress_percentage = 0;
  std::string status;  // not_started | in_progress | completed
  std::optional<std::vector<std::string>> completed_exercises;
  std::string updated_at;
};

// Validation shared by POST /update-progress and progress-updated events: the first bad field wins.
Expected<ProgressUpdate, services::FieldError> parse_progress_update(const Json& object, bool allow_event_fields);
Expected<LessonReceived, services::FieldError> parse_lesson_received(const Json& data);

// Applies to the document; false when the event id was already applied (nothing changes).
bool apply_lesson(Json& document, const LessonReceived& event);
bool apply_progress(Json& document, const ProgressUpdate& update);

// Events remembered per user for de-duplication (the oldest are forgotten first).
inline constexpr std::size_t remembered_event_ids = 2000;

// GET /status: lessons received, completion per lesson, mastery per topic.
Json status_view(const std::string& user_id, const Json& document);

// Mastery of one topic from its best lesson: progress weighted by difficulty (beginner 0.4,
// intermediate 0.7, advanced 1.0), 0..100, and the band it falls in.
int mastery_score(const std::string& difficulty, int progress_percentage);
std::string mastery_band(int score);

}  // namespace lf::progress
