#include "resiliency/trip_expr.hpp"

#include <gtest/gtest.h>

#include <string>

namespace lf::resiliency {
namespace {

TripCounts counts(std::uint32_t requests, std::uint32_t successes, std::uint32_t failures,
                  std::uint32_t consecutive_successes, std::uint32_t consecutive_failures) {
  return {requests, successes, failures, consecutive_successes, consecutive_failures};
}

std::optional<bool> eval(const std::string& text, const TripCounts& c) {
  auto expr = TripExpression::compile(text);
  EXPECT_TRUE(expr.has_value()) << text << ": " << (expr ? "" : expr.error().message);
  if (!expr) return std::nullopt;
  return expr->evaluate(c);
}

std::string compile_error(const std::string& text) {
  auto expr = TripExpression::compile(text);
  EXPECT_FALSE(expr.has_value()) << text;
  return expr ? "" : expr.error().message;
}

TEST(TripExpression, ComparesEveryVariable) {
  auto c = counts(10, 4, 6, 1, 3);
  EXPECT_EQ(eval("requests == 10", c), true);
  EXPECT_EQ(eval("totalSuccesses != 4", c), false);
  EXPECT_EQ(eval("totalFailures > 5", c), true);
  EXPECT_EQ(eval("consecutiveSuccesses >= 2", c), false);
  EXPECT_EQ(eval("consecutiveFailures <= 3", c), true);
  EXPECT_EQ(eval("consecutiveFailures < 3", c), false);
}

TEST(TripExpression, LogicPrecedenceAndParentheses) {
  auto c = counts(10, 4, 6, 0, 2);
  EXPECT_EQ(eval("consecutiveFailures > 5 || requests > 5 && totalFailures > 5", c), true);
  EXPECT_EQ(eval("(consecutiveFailures > 5 || requests > 5) && totalSuccesses > 5", c), false);
  EXPECT_EQ(eval("!(requests > 5)", c), false);
  EXPECT_EQ(eval("!!true", c), true);
  EXPECT_EQ(eval("false || (true && !false)", c), true);
  EXPECT_EQ(eval("(requests > 5) == true", c), true);
}

TEST(TripExpression, ArithmeticRatios) {
  // A failure ratio above 50 % once at least 10 requests were seen.
  EXPECT_EQ(eval("requests >= 10 && totalFailures * 100 / requests > 50", counts(10, 4, 6, 0, 1)), true);
  EXPECT_EQ(eval("requests >= 10 && totalFailures * 100 / requests > 50", counts(10, 6, 4, 0, 1)), false);
  EXPECT_EQ(eval("requests % 3 == 1 && -requests + 2 * 5 == 0", counts(10, 0, 0, 0, 0)), true);
  EXPECT_EQ(eval("10 - 2 - 3 == 5", counts(0, 0, 0, 0, 0)), true);  // left-associative
}

TEST(TripExpression, EvaluationErrorsNeverTrip) {
  EXPECT_EQ(eval("totalFailures / requests > 0", counts(0, 0, 0, 0, 0)), std::nullopt);
  EXPECT_EQ(eval("9223372036854775807 + requests > 0", counts(1, 0, 0, 0, 0)), std::nullopt);
  EXPECT_EQ(eval("9223372036854775807 * 2 > 0", counts(0, 0, 0, 0, 0)), std::nullopt);
  EXPECT_EQ(eval("requests % 0 == 0", counts(0, 0, 0, 0, 0)), std::nullopt);
  // A decisive operand wins over an error on the other side, as in CEL.
  EXPECT_EQ(eval("requests > 100 || 1 / requests == 0", counts(0, 0, 0, 0, 0)), std::nullopt);
  EXPECT_EQ(eval("requests == 0 || 1 / requests == 0", counts(0, 0, 0, 0, 0)), true);
  EXPECT_EQ(eval("requests > 0 && 1 / requests == 0", counts(0, 0, 0, 0, 0)), false);
}

TEST(TripExpression, RejectsUnknownNamesWithColumn) {
  auto expr = TripExpression::compile("consecutiveFailures > 5 || consecutiveFailure > 3");
  ASSERT_FALSE(expr.has_value());
  EXPECT_EQ(expr.error().column, 28);
  EXPECT_EQ(expr.error().message, "unknown name \"consecutiveFailure\" at column 28");
  EXPECT_EQ(expr.error().hint,
            "use integer literals and requests, totalSuccesses, totalFailures, consecutiveSuccesses, "
            "consecutiveFailures");
}

TEST(TripExpression, RejectsNonBooleanAndTypeErrors) {
  auto expr = TripExpression::compile("consecutiveFailures");
  ASSERT_FALSE(expr.has_value());
  EXPECT_EQ(expr.error().message, "the expression is an integer, not a condition");
  EXPECT_EQ(expr.error().hint, "compare it, e.g. \"consecutiveFailures > 5\"");
  EXPECT_EQ(compile_error("requests > 1 && 5"), "operator \"&&\" needs a boolean operand, got an integer at column 14");
  EXPECT_EQ(compile_error("!requests"), "operator \"!\" needs a boolean operand, got an integer at column 1");
  EXPECT_EQ(compile_error("true + 1 > 0"), "operator \"+\" needs an integer operand, got a boolean at column 6");
  EXPECT_EQ(compile_error("requests == true"),
            "cannot compare an integer with a boolean using \"==\" at column 10");
  EXPECT_EQ(compile_error("1 < 2 < 3"), "operator \"<\" needs an integer operand, got a boolean at column 7");
}

TEST(TripExpression, RejectsSyntaxErrors) {
  EXPECT_EQ(compile_error(""), "unexpected end of expression at column 1");
  EXPECT_EQ(compile_error("requests >"), "unexpected end of expression at column 11");
  EXPECT_EQ(compile_error("(requests > 5"), "expected \")\" to close \"(\" at column 1, found end of expression at column 14");
  EXPECT_EQ(compile_error("requests > 5)"), "unexpected \")\" at column 13");
  EXPECT_EQ(compile_error("requests = 5"), "unsupported character \"=\" at column 10");
  EXPECT_EQ(compile_error("requests > 0x10"), "invalid integer literal \"0x10\" at column 12");
  EXPECT_EQ(compile_error("requests > 99999999999999999999"),
            "integer literal \"99999999999999999999\" is out of range at column 12");
  EXPECT_EQ(compile_error("requests > 'a'"), "unsupported character \"'\" at column 12");
  EXPECT_EQ(compile_error("size(requests) > 1"), "unknown name \"size\" at column 1");
}

TEST(TripExpression, DeepNestingIsRejectedNotCrashing) {
  std::string deep(1000, '(');
  EXPECT_EQ(compile_error(deep + "true" + std::string(1000, ')')),
            "expression nested too deeply (more than 64 levels) at column 65");
  EXPECT_FALSE(TripExpression::compile(std::string(3000, '!') + "true").has_value());
  EXPECT_FALSE(TripExpression::compile(std::string(3000, '-') + "1 > 0").has_value());
  std::string nested_ok = std::string(60, '(') + "true" + std::string(60, ')');
  EXPECT_TRUE(TripExpression::compile(nested_ok).has_value());
}

TEST(TripExpression, LongFlatChainsEvaluateWithoutRecursion) {
  std::string chain = "requests";
  for (int i = 0; i < 1000; ++i) chain += " + 1";
  auto expr = TripExpression::compile(chain + " > 1000");
  ASSERT_TRUE(expr.has_value());
  EXPECT_EQ(expr->evaluate(counts(1, 0, 0, 0, 0)), true);
  EXPECT_FALSE(TripExpression::compile(std::string(5000, ' ') + "true").has_value());  // over the length limit
}

}  // namespace
}  // namespace lf::resiliency
