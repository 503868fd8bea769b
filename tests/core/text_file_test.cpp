// last_lines keeps the end of a file (the part that explains a failure).
#include "core/text_file.hpp"

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

namespace lf {
namespace {

std::string write_temp(const std::string& name, const std::string& text) {
  const auto path = (std::filesystem::temp_directory_path() / (name + std::to_string(::getpid()))).string();
  std::ofstream(path, std::ios::trunc) << text;
  return path;
}

TEST(TextFile, LastLinesKeepsTheEndInOrder) {
  const auto path = write_temp("lf-last-lines-", "one\ntwo\nthree\nfour");
  EXPECT_EQ(last_lines(path, 2), (std::vector<std::string>{"three", "four"}));
  EXPECT_EQ(last_lines(path, 10), (std::vector<std::string>{"one", "two", "three", "four"}));
  EXPECT_TRUE(last_lines(path, 0).empty());
  std::filesystem::remove(path);
}

TEST(TextFile, AMissingFileHasNoLines) { EXPECT_TRUE(last_lines("/nonexistent/lf/log", 5).empty()); }

}  // namespace
}  // namespace lf
