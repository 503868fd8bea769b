#pragma once
// Reading the end of a log file for error messages and diagnostics.
#include <cstddef>
#include <string>
#include <vector>

namespace lf {

// The last `count` lines of the file (fewer if it is shorter; none if it cannot be read).
std::vector<std::string> last_lines(const std::string& path, std::size_t count);

}  // namespace lf
