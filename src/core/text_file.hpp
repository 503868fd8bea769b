#pragma once
// Reading the end of a log file for error messages and diagnostics.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace lf {

// The last `count` lines of the file (fewer if it is shorter; none if it cannot be read).
std::vector<std::string> last_lines(const std::string& path, std::size_t count);

// The lines with `separator` between them.
std::string join_lines(const std::vector<std::string>& lines, std::string_view separator);

}  // namespace lf
