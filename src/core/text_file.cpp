#include "core/text_file.hpp"

#include <deque>
#include <fstream>

namespace lf {

std::vector<std::string> last_lines(const std::string& path, std::size_t count) {
  std::ifstream in(path);
  std::deque<std::string> kept;
  for (std::string line; std::getline(in, line);) {
    kept.push_back(std::move(line));
    if (kept.size() > count) kept.pop_front();
  }
  return {std::make_move_iterator(kept.begin()), std::make_move_iterator(kept.end())};
}

}  // namespace lf
