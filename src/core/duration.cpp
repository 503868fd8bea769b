#include "core/duration.hpp"

#include <cmath>
#include <cstdint>
#include <limits>

namespace lf {
namespace {

struct Unit {
  std::string_view name;
  std::int64_t nanos;
};

constexpr Unit kUnits[] = {
    {"ns", 1},
    {"us", 1'000},
    {"\xC2\xB5s", 1'000},  // U+00B5 micro sign
    {"\xCE\xBCs", 1'000},  // U+03BC Greek mu
    {"ms", 1'000'000},
    {"s", 1'000'000'000},
    {"m", 60'000'000'000},
    {"h", 3'600'000'000'000},
};

bool is_digit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

Result<Duration> parse_go_duration(std::string_view text) {
  const std::string original(text);
  auto invalid = [&]() { return fail("invalid duration \"" + original + "\""); };
  if (text.empty()) return invalid();
  bool negative = false;
  if (text.front() == '-' || text.front() == '+') {
    negative = text.front() == '-';
    text.remove_prefix(1);
  }
  if (text == "0") return Duration{0};
  if (text.empty()) return invalid();

  long double total = 0;
  while (!text.empty()) {
    std::size_t i = 0;
    long double value = 0;
    bool digits = false;
    while (i < text.size() && is_digit(text[i])) {
      value = value * 10 + (text[i] - '0');
      ++i;
      digits = true;
    }
    if (i < text.size() && text[i] == '.') {
      ++i;
      long double scale = 0.1L;
      while (i < text.size() && is_digit(text[i])) {
        value += (text[i] - '0') * scale;
        scale /= 10;
        ++i;
        digits = true;
      }
    }
    if (!digits) return invalid();
    text.remove_prefix(i);
    std::size_t unit_len = 0;
    while (unit_len < text.size() && !is_digit(text[unit_len]) && text[unit_len] != '.') ++unit_len;
    if (unit_len == 0) return fail("missing unit in duration \"" + original + "\"");
    std::string_view unit = text.substr(0, unit_len);
    const Unit* found = nullptr;
    for (const auto& u : kUnits)
      if (u.name == unit) found = &u;
    if (found == nullptr) return fail("unknown unit \"" + std::string(unit) + "\" in duration \"" + original + "\"");
    total += value * static_cast<long double>(found->nanos);
    text.remove_prefix(unit_len);
  }
  if (total > static_cast<long double>(std::numeric_limits<std::int64_t>::max()))
    return fail("invalid duration \"" + original + "\": out of range");
  auto nanos = static_cast<std::int64_t>(std::llround(total));
  return Duration{negative ? -nanos : nanos};
}

Result<Duration> parse_dapr_duration(std::string_view text) {
  bool all_digits = !text.empty();
  for (char c : text) all_digits = all_digits && is_digit(c);
  if (all_digits && text.size() < 16) {
    std::int64_t ms = 0;
    for (char c : text) ms = ms * 10 + (c - '0');
    return Duration{std::chrono::milliseconds(ms)};
  }
  return parse_go_duration(text);
}

namespace {

// Appends value/10^precision with trailing zeros (and a bare '.') removed.
void append_fraction(std::string& out, std::uint64_t value, int precision) {
  std::uint64_t scale = 1;
  for (int i = 0; i < precision; ++i) scale *= 10;
  out += std::to_string(value / scale);
  std::uint64_t frac = value % scale;
  if (frac == 0) return;
  std::string digits = std::to_string(frac);
  digits.insert(0, static_cast<std::size_t>(precision) - digits.size(), '0');
  while (!digits.empty() && digits.back() == '0') digits.pop_back();
  out += '.';
  out += digits;
}

}  // namespace

std::string format_go_duration(Duration d) {
  std::int64_t n = d.count();
  if (n == 0) return "0s";
  std::string out;
  if (n < 0) out += '-';
  std::uint64_t u = n < 0 ? static_cast<std::uint64_t>(-(n + 1)) + 1 : static_cast<std::uint64_t>(n);
  if (u < 1'000'000'000ULL) {
    if (u < 1'000ULL) {
      out += std::to_string(u) + "ns";
    } else if (u < 1'000'000ULL) {
      append_fraction(out, u, 3);
      out += "\xC2\xB5s";
    } else {
      append_fraction(out, u, 6);
      out += "ms";
    }
    return out;
  }
  std::uint64_t hours = u / 3'600'000'000'000ULL;
  u %= 3'600'000'000'000ULL;
  std::uint64_t minutes = u / 60'000'000'000ULL;
  u %= 60'000'000'000ULL;
  if (hours > 0) out += std::to_string(hours) + "h";
  if (hours > 0 || minutes > 0) out += std::to_string(minutes) + "m";
  append_fraction(out, u, 9);
  out += "s";
  return out;
}

}  // namespace lf
