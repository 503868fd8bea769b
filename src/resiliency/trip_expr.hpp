#pragma once
// The circuit-breaker `trip` condition: the CEL subset Dapr users write, over gobreaker's counts.
// Integer literals, the five count variables, arithmetic (+ - * / %), comparisons, && || !,
// parentheses, true/false. Unlike Dapr (which loads any CEL and then never trips on a typo),
// unknown names and non-boolean results are rejected when the expression is compiled.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/expected.hpp"

namespace lf::resiliency {

// gobreaker's Counts.
struct TripCounts {
  std::uint32_t requests = 0;
  std::uint32_t total_successes = 0;
  std::uint32_t total_failures = 0;
  std::uint32_t consecutive_successes = 0;
  std::uint32_t consecutive_failures = 0;
};

struct TripError {
  int column = 0;  // 1-based position inside the expression text
  std::string message;
  std::string hint;  // what to write instead
};

class TripExpression {
 public:
  static constexpr int kMaxNesting = 64;
  static constexpr std::size_t kMaxLength = 4096;

  static Expected<TripExpression, TripError> compile(std::string_view text);

  // nullopt when evaluation fails (integer overflow, division by zero); the breaker then does
  // not trip, as in Dapr.
  std::optional<bool> evaluate(const TripCounts& counts) const;
  const std::string& text() const { return text_; }

  enum class Op : std::uint8_t {
    push_int, push_bool, push_var, negate, logical_not,
    add, sub, mul, div, mod, eq, ne, lt, le, gt, ge, logical_and, logical_or
  };
  struct Instruction {
    Op op;
    std::int64_t operand = 0;  // literal value or variable index
  };

 private:
  std::string text_;
  std::vector<Instruction> program_;  // postfix: evaluated with a stack, no recursion
};

}  // namespace lf::resiliency
