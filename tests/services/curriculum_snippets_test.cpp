// The curriculum's promise to learners: every worked example prints exactly the `output` the lesson
// shows, and every exercise solution prints its `expected_output`. The lessons are Python, so the
// only honest check runs each snippet with a Python 3 interpreter (one process per snippet, in a
// private scratch directory because some lessons write files) and compares what it prints.
// Skipped when no python3 is installed.
#include <unistd.h>

#include <cctype>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include <gtest/gtest.h>

#include "process/process.hpp"
#include "services/course_agent/curriculum.hpp"

namespace lf::course {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

std::string find_python() {
  // The system interpreter first: a version-manager shim on PATH costs a shell per snippet.
  for (const char* candidate : {"/usr/bin/python3", "/usr/local/bin/python3"})
    if (::access(candidate, X_OK) == 0) return candidate;
  if (const char* path = std::getenv("PATH")) {
    std::istringstream dirs(path);
    for (std::string dir; std::getline(dirs, dir, ':');)
      if (!dir.empty() && ::access((dir + "/python3").c_str(), X_OK) == 0) return dir + "/python3";
  }
  return {};
}

std::string trim_trailing_whitespace(std::string text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
  return text;
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

struct Snippet {
  std::string label;  // "lists/advanced example 'Aliasing'"
  std::string code;
  std::string expected;
};

std::vector<Snippet> all_snippets(const Curriculum& curriculum) {
  std::vector<Snippet> snippets;
  for (const auto& topic : curriculum.topics())
    for (auto difficulty : all_difficulties) {
      const auto& level = topic.level(difficulty);
      std::string where = topic.id + "/" + std::string(difficulty_name(difficulty));
      for (const auto& example : level.examples)
        snippets.push_back({where + " example '" + example.title + "'", example.code, example.output});
      for (const auto& exercise : level.exercises)
        snippets.push_back({where + " exercise " + exercise.id, exercise.solution, exercise.expected_output});
    }
  return snippets;
}

class ScratchDirectory {
 public:
  ScratchDirectory() {
    std::string pattern = (fs::temp_directory_path() / "lf-curriculum-XXXXXX").string();
    path_ = ::mkdtemp(pattern.data()) ? pattern : std::string();
  }
  ~ScratchDirectory() {
    std::error_code ignored;
    if (!path_.empty()) fs::remove_all(path_, ignored);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

// Runs one snippet as its own script; its stdout and stderr (a traceback) become the result.
std::string run_snippet(const std::string& python, const fs::path& dir, std::size_t index, const std::string& code) {
  auto work = dir / ("snippet-" + std::to_string(index));
  fs::create_directories(work);
  std::ofstream(work / "lesson.py", std::ios::binary) << code;
  process::SpawnOptions options;
  options.argv = {python, "-I", "lesson.py"};  // isolated: no user site-packages or PYTHON* variables
  options.working_dir = work.string();
  options.output = process::Output::file;
  options.log_path = (work / "printed.txt").string();
  auto child = process::Process::spawn(options);
  if (!child) return "<could not start " + python + ">";
  auto status = child->wait_for(20s);
  if (!status) {
    child->stop(1s);
    return "<did not finish within 20 s>";
  }
  return read_file(work / "printed.txt");
}

TEST(CurriculumSnippets, EveryExampleAndSolutionPrintsWhatTheLessonShows) {
  const std::string python = find_python();
  if (python.empty()) GTEST_SKIP() << "python3 is not installed; the lesson snippets cannot be run";
  ScratchDirectory scratch;
  ASSERT_FALSE(scratch.path().empty());

  const auto snippets = all_snippets(Curriculum::embedded());
  // 21 topics x 3 levels x (1-2 examples + 2 exercises).
  ASSERT_GE(snippets.size(), Curriculum::minimum_topics * 3 * 3);
  int mismatches = 0;
  for (std::size_t i = 0; i < snippets.size(); ++i) {
    const auto& snippet = snippets[i];
    auto printed = run_snippet(python, scratch.path(), i, snippet.code);
    if (trim_trailing_whitespace(printed) != trim_trailing_whitespace(snippet.expected)) {
      ++mismatches;
      ADD_FAILURE() << snippet.label << "\n--- the lesson shows\n" << snippet.expected << "--- Python printed\n"
                    << printed;
    }
  }
  std::cout << snippets.size() << " snippets run with " << python << ", " << mismatches << " mismatches\n";
}

}  // namespace
}  // namespace lf::course
