#include "sidecar/dapr_metrics.hpp"

#include <gtest/gtest.h>

namespace lf::sidecar {
namespace {

TEST(RecentSeries, RepeatedLabelsHitTheSameSeriesAndChangedLabelsTheirOwn) {
  metrics::Registry registry;
  auto& family = registry.counter("calls_total", "calls", {"app_id", "status"});
  RecentCounter recent(family);
  metrics::Counter& ok = recent.with({"a", "200"});
  EXPECT_EQ(&recent.with({"a", "200"}), &ok);
  recent.with({"a", "200"}).inc();
  recent.with({"a", "500"}).inc();
  recent.with({"a", "500"}).inc();
  recent.with({"a", "200"}).inc();
  // The family holds the same series the wrapper handed out.
  EXPECT_EQ(family.find({"a", "200"}), &ok);
  EXPECT_EQ(ok.value(), 2);
  ASSERT_NE(family.find({"a", "500"}), nullptr);
  EXPECT_EQ(family.find({"a", "500"})->value(), 2);
  // A prefix of the last labels is a different series, not a hit.
  recent.with({"a"}).inc();
  EXPECT_EQ(family.find({"a", ""})->value(), 1);
}

}  // namespace
}  // namespace lf::sidecar
