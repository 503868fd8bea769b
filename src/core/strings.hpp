#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace lf {

std::string_view trim(std::string_view s);
// Only spaces and tabs: HTTP's optional whitespace (OWS) around field values and list items.
std::string_view trim_ows(std::string_view s);
std::vector<std::string_view> split(std::string_view s, char sep);
bool iequals(std::string_view a, std::string_view b);
std::string to_lower(std::string_view s);
bool starts_with(std::string_view s, std::string_view prefix);
// Parses a whole decimal integer; false on any other text or overflow.
bool parse_int64(std::string_view s, long long& out);
// Escapes for a double-quoted JSON/logfmt string (without the quotes).
std::string escape_quoted(std::string_view s);

// The items (strings or string views) with `separator` between them.
template <typename Items>
std::string join(const Items& items, std::string_view separator) {
  std::string out;
  bool first = true;
  for (const auto& item : items) {
    if (!first) out += separator;
    out += item;
    first = false;
  }
  return out;
}

}  // namespace lf
