#include "services/course_agent/curriculum.hpp"

#include <cstdlib>
#include <set>
#include <span>

#include "core/strings.hpp"
#include "log/log.hpp"
#include "services/common/embedded.hpp"
#include "yaml/yaml.hpp"

std::span<const lf::services::EmbeddedFile> embedded_curriculum_files();

namespace lf::course {
namespace {

// Block scalars end with a newline; the API serves the text without the trailing one.
std::string trimmed_text(const YAML::Node& map, std::string_view key) {
  auto value = yaml::scalar_at(map, key);
  if (!value) return {};
  auto text = *value;
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

class Reader {
 public:
  Reader(const yaml::Document& doc, Diagnostics& diags) : doc_(doc), diags_(diags) {}

  std::string required(const YAML::Node& map, std::string_view key, std::string_view what) {
    auto text = trimmed_text(map, key);
    if (text.empty())
      diags_.error(doc_.key_where(map, key), std::string(what) + " needs a non-empty '" + std::string(key) + "'");
    return text;
  }

  std::optional<Topic> topic(const YAML::Node& node) {
    if (!node.IsMap()) {
      diags_.error(doc_.where(node), "a topic must be a mapping, not a " + yaml::kind_name(node));
      return std::nullopt;
    }
    Topic topic;
    topic.id = required(node, "id", "topic");
    std::string what = "topic '" + topic.id + "'";
    topic.title = required(node, "title", what);
    topic.summary = required(node, "summary", what);
    auto levels = yaml::child(node, "levels");
    if (!levels.IsMap()) {
      diags_.error(doc_.key_where(node, "levels"), what + " needs 'levels' with beginner, intermediate and advanced");
      return topic;
    }
    for (auto difficulty : all_difficulties) {
      auto name = std::string(difficulty_name(difficulty));
      auto level_node = yaml::child(levels, name);
      if (!level_node.IsMap()) {
        diags_.error(doc_.key_where(levels, name), what + " has no '" + name + "' level");
        continue;
      }
      topic.levels[static_cast<int>(difficulty)] = level(level_node, topic.id, name);
    }
    return topic;
  }

 private:
  Level level(const YAML::Node& node, const std::string& topic_id, const std::string& difficulty) {
    std::string what = "topic '" + topic_id + "' level '" + difficulty + "'";
    Level level;
    level.explanation = required(node, "explanation", what);
    auto examples = yaml::child(node, "examples");
    if (!examples.IsSequence() || examples.size() == 0)
      diags_.error(doc_.key_where(node, "examples"), what + " needs at least one example");
    else
      for (const auto& example : examples)
        level.examples.push_back(Example{required(example, "title", what + " example"),
                                         required(example, "code", what + " example"),
                                         required(example, "output", what + " example")});
    auto exercises = yaml::child(node, "exercises");
    if (!exercises.IsSequence() || exercises.size() == 0)
      diags_.error(doc_.key_where(node, "exercises"), what + " needs at least one exercise");
    else
      for (const auto& exercise : exercises) {
        Exercise parsed;
        parsed.id = topic_id + "-" + difficulty + "-" + std::to_string(level.exercises.size() + 1);
        parsed.prompt = required(exercise, "prompt", what + " exercise");
        parsed.hint = trimmed_text(exercise, "hint");
        parsed.solution = required(exercise, "solution", what + " exercise");
        parsed.expected_output = required(exercise, "expected_output", what + " exercise");
        level.exercises.push_back(std::move(parsed));
      }
    return level;
  }

  const yaml::Document& doc_;
  Diagnostics& diags_;
};

}  // namespace

std::string_view difficulty_name(Difficulty difficulty) {
  switch (difficulty) {
    case Difficulty::beginner: return "beginner";
    case Difficulty::intermediate: return "intermediate";
    case Difficulty::advanced: return "advanced";
  }
  return "beginner";
}

std::optional<Difficulty> parse_difficulty(std::string_view text) {
  for (auto difficulty : all_difficulties)
    if (difficulty_name(difficulty) == text) return difficulty;
  return std::nullopt;
}

std::optional<Curriculum> Curriculum::parse(std::string_view yaml_text, const std::string& file_name,
                                            Diagnostics& diags) {
  auto docs = yaml::load_string(yaml_text, file_name, diags);
  if (docs.size() != 1) {
    if (!diags.has_errors()) diags.error({file_name, 1, 1}, "a curriculum file holds exactly one YAML document");
    return std::nullopt;
  }
  const auto& doc = docs.front();
  Curriculum curriculum;
  Reader reader(doc, diags);
  curriculum.title_ = reader.required(doc.root, "title", "the curriculum");
  auto topics = yaml::child(doc.root, "topics");
  if (!topics.IsSequence()) {
    diags.error(doc.key_where(doc.root, "topics"), "the curriculum needs a 'topics' list");
    return std::nullopt;
  }
  std::set<std::string> seen;
  for (const auto& node : topics) {
    auto topic = reader.topic(node);
    if (!topic) continue;
    if (!topic->id.empty() && !seen.insert(topic->id).second)
      diags.error(doc.where(node), "topic id '" + topic->id + "' is used twice");
    curriculum.topics_.push_back(std::move(*topic));
  }
  if (curriculum.topics_.size() < minimum_topics)
    diags.error(doc.key_where(doc.root, "topics"), "the curriculum has " + std::to_string(curriculum.topics_.size()) +
                                                       " topics; at least " + std::to_string(minimum_topics) +
                                                       " are required");
  if (diags.has_errors()) return std::nullopt;
  return curriculum;
}

const Curriculum& Curriculum::embedded() {
  static const Curriculum curriculum = [] {
    auto files = embedded_curriculum_files();
    Diagnostics diags;
    std::optional<Curriculum> parsed;
    if (auto text = services::find_embedded(files, "python.yaml")) parsed = parse(*text, "python.yaml", diags);
    if (!parsed) {
      // A broken curriculum is a build defect; the unit tests catch it before anything ships.
      for (const auto& d : diags.all()) log::Logger("learnflow.curriculum").error(d.str());
      std::abort();
    }
    return std::move(*parsed);
  }();
  return curriculum;
}

const Topic* Curriculum::find(std::string_view id) const {
  for (const auto& topic : topics_)
    if (topic.id == id) return &topic;
  return nullptr;
}

const Topic* Curriculum::next_after(std::string_view id) const {
  for (std::size_t i = 0; i + 1 < topics_.size(); ++i)
    if (topics_[i].id == id) return &topics_[i + 1];
  return nullptr;
}

}  // namespace lf::course
