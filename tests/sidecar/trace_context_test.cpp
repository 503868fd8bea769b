#include "sidecar/trace_context.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <random>

using lf::sidecar::parse_traceparent;

TEST(TraceContext, ParsesValidHeader) {
  auto t = parse_traceparent("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", "congo=t61rcWkgMzE");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->trace_id, "0af7651916cd43dd8448eb211c80319c");
  EXPECT_EQ(t->span_id, "b7ad6b7169203331");
  EXPECT_TRUE(t->sampled);
  EXPECT_EQ(t->tracestate, "congo=t61rcWkgMzE");
  EXPECT_EQ(t->traceparent(), "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
}

TEST(TraceContext, RejectsInvalidHeaders) {
  EXPECT_FALSE(parse_traceparent("00-00000000000000000000000000000000-b7ad6b7169203331-01"));
  EXPECT_FALSE(parse_traceparent("00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01"));
  EXPECT_FALSE(parse_traceparent("ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"));
  EXPECT_FALSE(parse_traceparent("00-0AF7651916CD43DD8448EB211C80319C-b7ad6b7169203331-01"));
  EXPECT_FALSE(parse_traceparent("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-extra"));
  EXPECT_FALSE(parse_traceparent("garbage"));
  EXPECT_FALSE(parse_traceparent(""));
  // A future version may append fields.
  EXPECT_TRUE(parse_traceparent("01-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00-future"));
}

TEST(TraceContext, ChildKeepsTraceIdAndSamplingDecision) {
  lf::sidecar::TraceIdGenerator gen(42);
  auto parent = parse_traceparent("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00");
  auto child = gen.child_of(parent, 1.0);
  EXPECT_EQ(child.trace_id, parent->trace_id);
  EXPECT_NE(child.span_id, parent->span_id);
  EXPECT_FALSE(child.sampled);  // parent-based: the parent said no
  EXPECT_TRUE(gen.child_of(std::nullopt, 1.0).sampled);
  EXPECT_FALSE(gen.child_of(std::nullopt, 0.0).sampled);
  EXPECT_EQ(gen.new_trace_id().size(), 32u);
}

TEST(TraceContext, IdsAreTheGeneratorsDrawsAsZeroPaddedLowercaseHex) {
  lf::sidecar::TraceIdGenerator gen(7);
  std::mt19937_64 same(7);
  char expected[33];
  auto a = same(), b = same();
  std::snprintf(expected, sizeof expected, "%016llx%016llx", static_cast<unsigned long long>(a),
                static_cast<unsigned long long>(b));
  EXPECT_EQ(gen.new_trace_id(), expected);
  std::snprintf(expected, sizeof expected, "%016llx", static_cast<unsigned long long>(same()));
  EXPECT_EQ(gen.new_span_id(), expected);
  lf::sidecar::TraceContext small{"00000000000000000000000000000001", "000000000000000a", true, {}};
  EXPECT_EQ(small.traceparent(), "00-00000000000000000000000000000001-000000000000000a-01");
  small.sampled = false;
  EXPECT_EQ(small.traceparent(), "00-00000000000000000000000000000001-000000000000000a-00");
}
