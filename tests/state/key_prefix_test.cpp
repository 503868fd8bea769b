#include <gtest/gtest.h>

#include "state/key_prefix.hpp"

namespace lf::state {
namespace {

TEST(KeyPrefix, DefaultsToTheAppId) {
  auto prefix = KeyPrefix::from_metadata({}, "orders", "statestore");
  EXPECT_EQ(prefix.stored_key("cart").value(), "orders||cart");
  EXPECT_EQ(KeyPrefix::from_metadata({{"keyPrefix", "appid"}}, "orders", "statestore").stored_key("c").value(),
            "orders||c");
}

TEST(KeyPrefix, NameNamespaceNoneAndLiteralStrategies) {
  EXPECT_EQ(KeyPrefix::from_metadata({{"keyPrefix", "name"}}, "orders", "statestore").stored_key("c").value(),
            "statestore||c");
  EXPECT_EQ(KeyPrefix::from_metadata({{"keyPrefix", "namespace"}}, "orders", "s", "prod").stored_key("c").value(),
            "prod.orders||c");
  EXPECT_EQ(KeyPrefix::from_metadata({{"keyPrefix", "namespace"}}, "orders", "s").stored_key("c").value(),
            "orders||c");
  EXPECT_EQ(KeyPrefix::from_metadata({{"keyprefix", "none"}}, "orders", "s").stored_key("c").value(), "c");
  EXPECT_EQ(KeyPrefix::from_metadata({{"keyPrefix", "shared"}}, "orders", "s").stored_key("c").value(), "shared||c");
}

TEST(KeyPrefix, RejectsKeysContainingTheSeparatorWhateverTheStrategy) {
  for (const char* strategy : {"appid", "none", "name"}) {
    auto rejected = KeyPrefix::from_metadata({{"keyPrefix", strategy}}, "orders", "s").stored_key("a||b");
    ASSERT_FALSE(rejected) << strategy;
    EXPECT_EQ(rejected.error().kind, StateErrorKind::invalid_request);
    EXPECT_EQ(http_status(rejected.error().kind), 400);
  }
  EXPECT_TRUE(KeyPrefix("orders").stored_key("a|b").has_value());
}

TEST(KeyPrefix, RecoversTheUserKey) {
  EXPECT_EQ(KeyPrefix::user_key("orders||cart"), "cart");
  EXPECT_EQ(KeyPrefix::user_key("cart"), "cart");
  EXPECT_EQ(KeyPrefix::user_key("prod.orders||cart"), "cart");
}

}  // namespace
}  // namespace lf::state
