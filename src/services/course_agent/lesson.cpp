#include "services/course_agent/lesson.hpp"

namespace lf::course {

Json build_lesson(const Curriculum& curriculum, const Topic& topic, const LessonRequest& request,
                  const std::string& lesson_id, const std::string& created_at) {
  const Level& level = topic.level(request.difficulty);
  Json examples = Json::array();
  for (const auto& example : level.examples)
    examples.push_back({{"title", example.title}, {"code", example.code}, {"output", example.output}});
  Json exercises = Json::array();
  for (const auto& exercise : level.exercises)
    exercises.push_back({{"id", exercise.id},
                         {"prompt", exercise.prompt},
                         {"hint", exercise.hint},
                         {"expected_output", exercise.expected_output},
                         {"solution", exercise.solution}});
  Json lesson{{"lesson_id", lesson_id},
              {"user_id", request.user_id},
              {"topic", topic.id},
              {"topic_title", topic.title},
              {"difficulty", difficulty_name(request.difficulty)},
              {"created_at", created_at},
              {"summary", topic.summary},
              {"explanation", level.explanation},
              {"examples", std::move(examples)},
              {"exercises", std::move(exercises)}};
  if (const Topic* next = curriculum.next_after(topic.id))
    lesson["next_topic"] = {{"id", next->id}, {"title", next->title}};
  else
    lesson["next_topic"] = nullptr;
  return lesson;
}

Json lesson_summary(const Json& lesson) {
  return Json{{"lesson_id", lesson.value("lesson_id", "")},
              {"topic", lesson.value("topic", "")},
              {"topic_title", lesson.value("topic_title", "")},
              {"difficulty", lesson.value("difficulty", "")},
              {"created_at", lesson.value("created_at", "")},
              {"exercise_count", lesson.contains("exercises") ? lesson["exercises"].size() : 0}};
}

Json lesson_generated_event(const Json& lesson, const std::string& event_id) {
  Json exercise_ids = Json::array();
  if (lesson.contains("exercises"))
    for (const auto& exercise : lesson["exercises"]) exercise_ids.push_back(exercise.value("id", ""));
  return Json{{"event_id", event_id},
              {"lesson_id", lesson.value("lesson_id", "")},
              {"user_id", lesson.value("user_id", "")},
              {"topic", lesson.value("topic", "")},
              {"topic_title", lesson.value("topic_title", "")},
              {"difficulty", lesson.value("difficulty", "")},
              {"exercise_ids", std::move(exercise_ids)},
              {"created_at", lesson.value("created_at", "")}};
}

Json curriculum_overview(const Curriculum& curriculum) {
  Json topics = Json::array();
  for (const auto& topic : curriculum.topics()) {
    Json levels = Json::object();
    for (auto difficulty : all_difficulties) {
      const Level& level = topic.level(difficulty);
      levels[std::string(difficulty_name(difficulty))] = {{"examples", level.examples.size()},
                                                          {"exercises", level.exercises.size()}};
    }
    topics.push_back({{"id", topic.id}, {"title", topic.title}, {"summary", topic.summary}, {"levels", levels}});
  }
  return Json{{"title", curriculum.title()},
              {"difficulties", {"beginner", "intermediate", "advanced"}},
              {"topics", std::move(topics)}};
}

}  // namespace lf::course
