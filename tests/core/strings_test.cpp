#include "core/strings.hpp"
#include "core/uuid.hpp"

#include <regex>

#include <gtest/gtest.h>

TEST(Strings, TrimSplitCase) {
  EXPECT_EQ(lf::trim("  a b \n"), "a b");
  auto parts = lf::split("429,500-504,", ',');
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_EQ(parts[1], "500-504");
  EXPECT_EQ(parts[2], "");
  EXPECT_TRUE(lf::iequals("Constant", "constant"));
  EXPECT_FALSE(lf::iequals("constant", "constan"));
}

TEST(Strings, ParseInt64IsStrict) {
  long long v = 0;
  EXPECT_TRUE(lf::parse_int64("-1", v));
  EXPECT_EQ(v, -1);
  EXPECT_FALSE(lf::parse_int64("3x", v));
  EXPECT_FALSE(lf::parse_int64("", v));
  EXPECT_FALSE(lf::parse_int64("99999999999999999999", v));
}

TEST(Strings, EscapeQuoted) { EXPECT_EQ(lf::escape_quoted("a\"b\\c\n\x01"), "a\\\"b\\\\c\\n\\u0001"); }

TEST(Strings, JoinPutsTheSeparatorOnlyBetweenItems) {
  EXPECT_EQ(lf::join(std::vector<std::string>{"a", "b", "c"}, " | "), "a | b | c");
  EXPECT_EQ(lf::join(std::vector<std::string>{}, "\n"), "");
  EXPECT_EQ(lf::join(std::vector<std::string>{"", "x"}, ", "), ", x") << "an empty first item still gets its separator";
  const std::initializer_list<std::string_view> views{"ms", "s"};
  EXPECT_EQ(lf::join(views, " or "), "ms or s");
}

TEST(Uuid, IsVersion4) {
  std::regex re("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");
  for (int i = 0; i < 100; ++i) EXPECT_TRUE(std::regex_match(lf::uuid_v4(), re));
  EXPECT_NE(lf::uuid_v4(), lf::uuid_v4());
}
