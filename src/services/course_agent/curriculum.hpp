#pragma once
// The course content: introductory Python topics, each written three times (beginner,
// intermediate, advanced) with an explanation, worked examples and exercises with expected output.
#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/diagnostics.hpp"
#include "core/expected.hpp"

namespace lf::course {

enum class Difficulty { beginner = 0, intermediate = 1, advanced = 2 };
inline constexpr std::array<Difficulty, 3> all_difficulties{Difficulty::beginner, Difficulty::intermediate,
                                                             Difficulty::advanced};
std::string_view difficulty_name(Difficulty difficulty);
std::optional<Difficulty> parse_difficulty(std::string_view text);

struct Example {
  std::string title;
  std::string code;
  std::string output;  // exactly what Python prints
};

struct Exercise {
  std::string id;  // "<topic>-<difficulty>-<n>", stable across releases so progress keeps meaning
  std::string prompt;
  std::string hint;
  std::string solution;
  std::string expected_output;
};

struct Level {
  std::string explanation;
  std::vector<Example> examples;
  std::vector<Exercise> exercises;
};

struct Topic {
  std::string id;
  std::string title;
  std::string summary;
  std::array<Level, 3> levels;  // indexed by Difficulty
  const Level& level(Difficulty d) const { return levels[static_cast<int>(d)]; }
};

class Curriculum {
 public:
  // Parses and validates a curriculum YAML document; every problem lands in diags with its line.
  // Returns nullopt when there is any error.
  static std::optional<Curriculum> parse(std::string_view yaml_text, const std::string& file_name,
                                         Diagnostics& diags);
  // The curriculum compiled into the binary (src/services/course_agent/curriculum/python.yaml).
  static const Curriculum& embedded();

  const std::string& title() const { return title_; }
  const std::vector<Topic>& topics() const { return topics_; }
  const Topic* find(std::string_view id) const;
  // The topic after `id` in teaching order, if any.
  const Topic* next_after(std::string_view id) const;

  static constexpr std::size_t minimum_topics = 20;

 private:
  std::string title_;
  std::vector<Topic> topics_;
};

}  // namespace lf::course
