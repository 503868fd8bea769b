#include "sidecar/route_match.hpp"

#include <gtest/gtest.h>

using lf::sidecar::RouteMatcher;
using Json = nlohmann::ordered_json;

namespace {
bool match(const char* expr, const Json& ev) {
  auto m = RouteMatcher::compile(expr);
  EXPECT_TRUE(m.has_value()) << expr << ": " << (m ? "" : m.error());
  return m && m->matches(ev);
}
}  // namespace

TEST(RouteMatch, EvaluatesAgainstTheEvent) {
  Json ev = {{"type", "lesson"}, {"data", {{"difficulty", "advanced"}, {"score", 7}}}};
  EXPECT_TRUE(match(R"(event.type == "lesson")", ev));
  EXPECT_FALSE(match(R"(event.type != "lesson")", ev));
  EXPECT_TRUE(match(R"(event.data.difficulty == 'advanced' && event.data.score > 5)", ev));
  EXPECT_TRUE(match(R"(!(event.data.score < 5) || false)", ev));
  EXPECT_TRUE(match(R"(has(event.data.score) && !has(event.data.missing))", ev));
  EXPECT_FALSE(match(R"(event.data.missing == "x")", ev));  // missing field: no match, not an error
  EXPECT_FALSE(match(R"(event.data.score > "a")", ev));     // type mismatch: no match
}

TEST(RouteMatch, RejectsUnknownNamesAndSyntaxWithColumn) {
  auto unknown = RouteMatcher::compile("evnt.type == 1");
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error(), "column 1: unknown name 'evnt' (rules can only read the CloudEvent as event.<field>)");
  auto paren = RouteMatcher::compile("(event.type == 1");
  ASSERT_FALSE(paren);
  EXPECT_EQ(paren.error(), "column 17: missing ')'");
  EXPECT_FALSE(RouteMatcher::compile("event.type ==="));
  EXPECT_FALSE(RouteMatcher::compile("\"unterminated"));
  EXPECT_FALSE(RouteMatcher::compile(std::string(500, '(')));
}
