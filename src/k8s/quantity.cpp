#include "k8s/quantity.hpp"

#include <cctype>
#include <limits>

#include "core/strings.hpp"

namespace lf::k8s {
namespace {

using Wide = __int128;
// Far above any int64 result, far below __int128 overflow: intermediate products stay exact.
constexpr Wide kLimit = static_cast<Wide>(1) << 100;

bool multiply(Wide& value, Wide factor) {
  if (value != 0 && factor > kLimit / value) return false;
  value *= factor;
  return true;
}

bool pow10(int exponent, Wide& out) {
  out = 1;
  for (int i = 0; i < exponent; ++i)
    if (!multiply(out, 10)) return false;
  return true;
}

struct Suffix {
  int exp10 = 0;
  int exp2 = 0;
};

bool parse_suffix(std::string_view s, Suffix& out) {
  if (s.empty()) return true;
  static constexpr std::pair<std::string_view, int> kBinary[] = {{"Ki", 10}, {"Mi", 20}, {"Gi", 30},
                                                                 {"Ti", 40}, {"Pi", 50}, {"Ei", 60}};
  for (auto [name, e] : kBinary)
    if (s == name) return out.exp2 = e, true;
  static constexpr std::pair<std::string_view, int> kDecimal[] = {{"n", -9}, {"u", -6}, {"m", -3}, {"k", 3},
                                                                  {"M", 6},  {"G", 9},  {"T", 12}, {"P", 15},
                                                                  {"E", 18}};
  for (auto [name, e] : kDecimal)
    if (s == name) return out.exp10 = e, true;
  if ((s[0] == 'e' || s[0] == 'E') && s.size() > 1) {
    long long e = 0;
    if (!parse_int64(s.substr(1), e) || e < -30 || e > 30) return false;
    out.exp10 = static_cast<int>(e);
    return true;
  }
  return false;
}

}  // namespace

Result<Quantity> parse_quantity(std::string_view text) {
  const std::string original(text);
  auto bad = [&](const std::string& why) {
    return fail("invalid quantity \"" + original + "\": " + why +
                " (write e.g. 100m or 0.5 for CPU, 128Mi or 1G for memory)");
  };
  std::string_view s = text;
  if (s.empty()) return bad("empty");
  bool negative = false;
  if (s[0] == '+' || s[0] == '-') {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  Wide digits = 0;
  int fraction_digits = 0;
  bool seen_digit = false;
  bool in_fraction = false;
  std::size_t i = 0;
  for (; i < s.size(); ++i) {
    char c = s[i];
    if (c == '.' && !in_fraction) {
      in_fraction = true;
      continue;
    }
    if (!std::isdigit(static_cast<unsigned char>(c))) break;
    seen_digit = true;
    if (!multiply(digits, 10)) return bad("too many digits");
    digits += c - '0';
    if (in_fraction) ++fraction_digits;
  }
  if (!seen_digit) return bad("no number");
  Suffix suffix;
  if (!parse_suffix(s.substr(i), suffix)) return bad("unknown suffix \"" + std::string(s.substr(i)) + "\"");

  // milli = digits × 2^exp2 × 10^(exp10 + 3 − fraction_digits), rounded up.
  Wide numerator = digits;
  if (!multiply(numerator, static_cast<Wide>(1) << suffix.exp2)) return bad("too large");
  int scale = suffix.exp10 + 3 - fraction_digits;
  Wide factor = 1;
  if (!pow10(scale >= 0 ? scale : -scale, factor)) return bad("too large");
  Wide milli = 0;
  if (scale >= 0) {
    if (!multiply(numerator, factor)) return bad("too large");
    milli = numerator;
  } else {
    milli = (numerator + factor - 1) / factor;
  }
  if (milli > std::numeric_limits<long long>::max()) return bad("too large");
  Quantity q;
  q.text = original;
  q.milli = static_cast<long long>(negative ? -milli : milli);
  return q;
}

}  // namespace lf::k8s
