#include "k8s/quantity.hpp"

#include <gtest/gtest.h>

namespace lf::k8s {
namespace {

long long milli(std::string_view text) {
  auto q = parse_quantity(text);
  EXPECT_TRUE(q) << text << ": " << (q ? "" : q.error().message);
  return q ? q->milli : -1;
}

TEST(QuantityTest, CpuForms) {
  EXPECT_EQ(milli("100m"), 100);
  EXPECT_EQ(milli("0.5"), 500);
  EXPECT_EQ(milli("1"), 1000);
  EXPECT_EQ(milli("2.25"), 2250);
  EXPECT_EQ(milli(".1"), 100);
  EXPECT_EQ(milli("1500u"), 2);      // 1.5m rounds up, like MilliValue()
  EXPECT_EQ(milli("100000n"), 1);    // 0.1m rounds up
  EXPECT_EQ(milli("0.0001"), 1);
  EXPECT_EQ(milli("+3"), 3000);
}

TEST(QuantityTest, MemoryForms) {
  auto bytes = [](std::string_view t) { return parse_quantity(t)->value(); };
  EXPECT_EQ(bytes("128Mi"), 128LL * 1024 * 1024);
  EXPECT_EQ(bytes("1Gi"), 1LL << 30);
  EXPECT_EQ(bytes("1G"), 1000000000LL);
  EXPECT_EQ(bytes("64M"), 64000000LL);
  EXPECT_EQ(bytes("1k"), 1000LL);
  EXPECT_EQ(bytes("1Ki"), 1024LL);
  EXPECT_EQ(bytes("1.5Gi"), 1610612736LL);
  EXPECT_EQ(bytes("1e3"), 1000LL);
  EXPECT_EQ(bytes("12E-1"), 2LL);  // 1.2 rounds up to 2 units
  EXPECT_EQ(bytes("1Ti"), 1LL << 40);
  EXPECT_EQ(bytes("1Pi"), 1LL << 50);
  EXPECT_FALSE(parse_quantity("2Ei"));  // beyond int64 milli-units: reported, not wrapped
}

TEST(QuantityTest, KeepsTextAndCompares) {
  auto a = parse_quantity("0.1");
  auto b = parse_quantity("100m");
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->text, "0.1");
  EXPECT_TRUE(*a == *b);
  EXPECT_DOUBLE_EQ(a->as_double(), 0.1);
}

TEST(QuantityTest, NegativeValues) {
  auto q = parse_quantity("-100m");
  ASSERT_TRUE(q);
  EXPECT_EQ(q->milli, -100);
}

TEST(QuantityTest, RejectsMalformedText) {
  for (const char* text : {"", "m", "1.2.3", "100mi", "1KiB", "abc", "1e", "1e99", "1 Gi", "--1", "9999999999999999999E",
                           "0x10", "1e-99"}) {
    auto q = parse_quantity(text);
    EXPECT_FALSE(q) << text;
    if (!q) {
      EXPECT_NE(q.error().message.find("invalid quantity"), std::string::npos);
    }
  }
}

}  // namespace
}  // namespace lf::k8s
