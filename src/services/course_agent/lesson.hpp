#pragma once
// Lessons built from the curriculum, and the JSON shapes course-agent serves and publishes.
#include <string>

#include <nlohmann/json.hpp>

#include "services/course_agent/curriculum.hpp"

namespace lf::course {

using Json = nlohmann::json;

struct LessonRequest {
  std::string user_id;
  std::string topic_id;
  Difficulty difficulty = Difficulty::beginner;
};

// The full lesson: explanation, examples and exercises of the topic at the requested difficulty,
// plus identity (lesson_id, user_id, created_at) and the suggested next topic.
Json build_lesson(const Curriculum& curriculum, const Topic& topic, const LessonRequest& request,
                  const std::string& lesson_id, const std::string& created_at);

// What GET /lessons lists per lesson (no content).
Json lesson_summary(const Json& lesson);

// The lesson-generated event payload: enough for user-progress to track the lesson without the
// content (event_id is stable across outbox retries, so consumers can de-duplicate).
Json lesson_generated_event(const Json& lesson, const std::string& event_id);

// GET /curriculum: topics in teaching order with what each difficulty offers.
Json curriculum_overview(const Curriculum& curriculum);

}  // namespace lf::course
