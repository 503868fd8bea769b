#include <set>

#include <gtest/gtest.h>

#include "services/course_agent/curriculum.hpp"

namespace lf::course {
namespace {

TEST(Curriculum, EmbeddedCurriculumHasAtLeastTwentyCompleteTopics) {
  const auto& curriculum = Curriculum::embedded();
  EXPECT_EQ(curriculum.title(), "Introductory Python");
  ASSERT_GE(curriculum.topics().size(), 20u);
  std::set<std::string> exercise_ids;
  for (const auto& topic : curriculum.topics()) {
    SCOPED_TRACE(topic.id);
    EXPECT_FALSE(topic.title.empty());
    EXPECT_FALSE(topic.summary.empty());
    for (auto difficulty : all_difficulties) {
      const auto& level = topic.level(difficulty);
      EXPECT_GE(level.explanation.size(), 150u) << difficulty_name(difficulty) << " explanation is too thin";
      ASSERT_FALSE(level.examples.empty());
      ASSERT_FALSE(level.exercises.empty());
      for (const auto& example : level.examples) {
        EXPECT_FALSE(example.code.empty());
        EXPECT_FALSE(example.output.empty());
      }
      for (const auto& exercise : level.exercises) {
        EXPECT_FALSE(exercise.expected_output.empty());
        EXPECT_FALSE(exercise.solution.empty());
        EXPECT_TRUE(exercise_ids.insert(exercise.id).second) << "duplicate exercise id " << exercise.id;
      }
    }
  }
}

TEST(Curriculum, DifficultiesReallyChangeTheContent) {
  for (const auto& topic : Curriculum::embedded().topics()) {
    SCOPED_TRACE(topic.id);
    const auto& beginner = topic.level(Difficulty::beginner);
    const auto& intermediate = topic.level(Difficulty::intermediate);
    const auto& advanced = topic.level(Difficulty::advanced);
    EXPECT_NE(beginner.explanation, intermediate.explanation);
    EXPECT_NE(intermediate.explanation, advanced.explanation);
    EXPECT_NE(beginner.examples.front().code, advanced.examples.front().code);
    EXPECT_NE(beginner.exercises.front().prompt, advanced.exercises.front().prompt);
  }
}

TEST(Curriculum, ExerciseIdsFollowTopicDifficultyAndPosition) {
  const auto* topic = Curriculum::embedded().find("lists");
  ASSERT_NE(topic, nullptr);
  EXPECT_EQ(topic->level(Difficulty::intermediate).exercises.at(1).id, "lists-intermediate-2");
  EXPECT_EQ(Curriculum::embedded().find("no-such-topic"), nullptr);
  ASSERT_NE(Curriculum::embedded().next_after("printing"), nullptr);
  EXPECT_EQ(Curriculum::embedded().next_after("printing")->id, "variables");
  EXPECT_EQ(Curriculum::embedded().next_after(Curriculum::embedded().topics().back().id), nullptr);
}

TEST(Curriculum, DifficultyNamesRoundTrip) {
  for (auto difficulty : all_difficulties) EXPECT_EQ(parse_difficulty(difficulty_name(difficulty)), difficulty);
  EXPECT_FALSE(parse_difficulty("Beginner").has_value());
  EXPECT_FALSE(parse_difficulty("").has_value());
}

std::string level_yaml(const std::string& indent) {
  return indent + "explanation: text\n" + indent + "examples:\n" + indent + "  - {title: t, code: c, output: o}\n" +
         indent + "exercises:\n" + indent + "  - {prompt: p, solution: s, expected_output: e}\n";
}

std::string topic_yaml(const std::string& id, bool with_advanced = true) {
  std::string text = "  - id: " + id + "\n    title: T\n    summary: S\n    levels:\n";
  text += "      beginner:\n" + level_yaml("        ");
  text += "      intermediate:\n" + level_yaml("        ");
  if (with_advanced) text += "      advanced:\n" + level_yaml("        ");
  return text;
}

std::string curriculum_yaml(int topics) {
  std::string text = "title: Test\ntopics:\n";
  for (int i = 0; i < topics; ++i) text += topic_yaml("t" + std::to_string(i));
  return text;
}

TEST(Curriculum, ParsesAValidDocument) {
  Diagnostics diags;
  auto curriculum = Curriculum::parse(curriculum_yaml(20), "test.yaml", diags);
  ASSERT_TRUE(curriculum.has_value()) << (diags.all().empty() ? "" : diags.all().front().str());
  EXPECT_EQ(curriculum->topics().size(), 20u);
  EXPECT_EQ(curriculum->topics()[3].level(Difficulty::advanced).exercises[0].id, "t3-advanced-1");
}

TEST(Curriculum, RejectsFewerThanTwentyTopics) {
  Diagnostics diags;
  EXPECT_FALSE(Curriculum::parse(curriculum_yaml(19), "test.yaml", diags).has_value());
  ASSERT_EQ(diags.error_count(), 1u);
  EXPECT_EQ(diags.all()[0].message, "the curriculum has 19 topics; at least 20 are required");
  EXPECT_EQ(diags.all()[0].where.line, 2);
}

TEST(Curriculum, ReportsAMissingLevelWithItsLine) {
  std::string text = curriculum_yaml(20) + topic_yaml("broken", /*with_advanced=*/false);
  Diagnostics diags;
  EXPECT_FALSE(Curriculum::parse(text, "test.yaml", diags).has_value());
  ASSERT_EQ(diags.error_count(), 1u);
  EXPECT_EQ(diags.all()[0].message, "topic 'broken' has no 'advanced' level");
  EXPECT_GT(diags.all()[0].where.line, 20 * 14);
}

TEST(Curriculum, ReportsDuplicateIdsAndEmptyFields) {
  std::string text = curriculum_yaml(20) + topic_yaml("t0");
  text += "  - id: empty\n    title: ''\n    summary: S\n    levels: {}\n";
  Diagnostics diags;
  EXPECT_FALSE(Curriculum::parse(text, "test.yaml", diags).has_value());
  std::vector<std::string> messages;
  for (const auto& d : diags.all()) messages.push_back(d.message);
  EXPECT_NE(std::find(messages.begin(), messages.end(), "topic id 't0' is used twice"), messages.end());
  EXPECT_NE(std::find(messages.begin(), messages.end(), "topic 'empty' needs a non-empty 'title'"), messages.end());
  EXPECT_NE(std::find(messages.begin(), messages.end(), "topic 'empty' has no 'beginner' level"), messages.end());
}

TEST(Curriculum, SurvivesGarbage) {
  for (const char* text : {"", "[", "topics: 5", "title: x\ntopics:\n  - 7\n", "- a\n- b\n", "---\na: 1\n---\nb: 2\n"}) {
    Diagnostics diags;
    EXPECT_FALSE(Curriculum::parse(text, "bad.yaml", diags).has_value()) << text;
    EXPECT_TRUE(diags.has_errors()) << text;
  }
}

}  // namespace
}  // namespace lf::course
