#include "sidecar/delivery.hpp"

#include <gtest/gtest.h>

using lf::sidecar::classify_delivery;
using lf::sidecar::DeliveryVerdict;

TEST(Delivery, SuccessForms) {
  EXPECT_EQ(classify_delivery(200, "").verdict, DeliveryVerdict::success);
  EXPECT_EQ(classify_delivery(204, "not json").verdict, DeliveryVerdict::success);
  EXPECT_EQ(classify_delivery(200, R"({"other":1})").verdict, DeliveryVerdict::success);
  EXPECT_EQ(classify_delivery(200, R"({"status":"SUCCESS"})").verdict, DeliveryVerdict::success);
}

TEST(Delivery, RetryAndDropStatuses) {
  EXPECT_EQ(classify_delivery(200, R"({"status":"RETRY"})").verdict, DeliveryVerdict::retry);
  EXPECT_EQ(classify_delivery(200, R"({"status":"DROP"})").verdict, DeliveryVerdict::drop);
  // Case-sensitive, as Dapr: "success" is unknown and therefore retried.
  EXPECT_EQ(classify_delivery(200, R"({"status":"success"})").verdict, DeliveryVerdict::retry);
}

TEST(Delivery, HttpStatusSemantics) {
  auto nf = classify_delivery(404, "");
  EXPECT_EQ(nf.verdict, DeliveryVerdict::drop);
  EXPECT_TRUE(nf.not_found);
  auto e = classify_delivery(500, R"({"status":"SUCCESS"})");
  EXPECT_EQ(e.verdict, DeliveryVerdict::retry);
  EXPECT_TRUE(e.status_error);
  EXPECT_EQ(e.status, 500);
  auto t = classify_delivery(std::nullopt, "", "context deadline exceeded");
  EXPECT_EQ(t.verdict, DeliveryVerdict::retry);
  EXPECT_FALSE(t.status_error);
  EXPECT_EQ(t.reason, "context deadline exceeded");
}
