#include "metrics/metrics.hpp"

#include <gtest/gtest.h>

TEST(Metrics, CounterExpositionWithEscapedLabels) {
  lf::metrics::Registry r;
  auto& f = r.counter("dapr_http_server_request_count", "Number of HTTP requests started in server.",
                      {"app_id", "method", "path"});
  f.with({"course-agent", "POST", "/v1.0/publish/pubsub/lesson-generated"}).inc();
  f.with({"course-agent", "POST", "/v1.0/publish/pubsub/lesson-generated"}).inc(2);
  f.with({"a\"b\\c\nd", "GET", "/"}).inc();
  std::string text = r.render();
  EXPECT_NE(text.find("# HELP dapr_http_server_request_count Number of HTTP requests started in server.\n"
                      "# TYPE dapr_http_server_request_count counter\n"),
            std::string::npos);
  EXPECT_NE(text.find("dapr_http_server_request_count{app_id=\"course-agent\",method=\"POST\",path=\"/v1.0/publish/"
                      "pubsub/lesson-generated\"} 3\n"),
            std::string::npos);
  EXPECT_NE(text.find("app_id=\"a\\\"b\\\\c\\nd\""), std::string::npos);
}

TEST(Metrics, CountersNeverDecrease) {
  lf::metrics::Registry r;
  auto& c = r.counter("c_total", "h").with({});
  c.inc(5);
  c.inc(-3);
  EXPECT_EQ(c.value(), 5);
}

TEST(Metrics, HistogramBucketsAreCumulativeWithLeSemantics) {
  lf::metrics::Registry r;
  auto& h = r.histogram("lat", "h", {"route"}, {1, 5, 10}).with({"/x"});
  h.observe(1);    // le=1
  h.observe(3);    // le=5
  h.observe(10);   // le=10
  h.observe(100);  // +Inf
  std::string text = r.render();
  EXPECT_NE(text.find("lat_bucket{route=\"/x\",le=\"1\"} 1\n"), std::string::npos);
  EXPECT_NE(text.find("lat_bucket{route=\"/x\",le=\"5\"} 2\n"), std::string::npos);
  EXPECT_NE(text.find("lat_bucket{route=\"/x\",le=\"10\"} 3\n"), std::string::npos);
  EXPECT_NE(text.find("lat_bucket{route=\"/x\",le=\"+Inf\"} 4\n"), std::string::npos);
  EXPECT_NE(text.find("lat_sum{route=\"/x\"} 114\n"), std::string::npos);
  EXPECT_NE(text.find("lat_count{route=\"/x\"} 4\n"), std::string::npos);
}

TEST(Metrics, GaugeAndReRegistrationReturnsSameFamily) {
  lf::metrics::Registry r;
  auto& g1 = r.gauge("learnflow_outbox_depth", "Events waiting.", {});
  auto& g2 = r.gauge("learnflow_outbox_depth", "Events waiting.", {});
  EXPECT_EQ(&g1, &g2);
  g1.with({}).set(7);
  g1.with({}).dec(2);
  EXPECT_NE(r.render().find("learnflow_outbox_depth 5\n"), std::string::npos);
  EXPECT_EQ(g1.find({})->value(), 5);
  EXPECT_EQ(g1.find({"nope"}), nullptr);
}

TEST(Metrics, ProcessMetricsArePlausible) {
  lf::metrics::Registry r;
  lf::metrics::register_process_metrics(r);
  std::string text = r.render();
  for (const char* name : {"process_cpu_seconds_total ", "process_resident_memory_bytes ",
                           "process_start_time_seconds ", "process_open_fds "})
    EXPECT_NE(text.find(std::string("\n") + name), std::string::npos) << name;
  auto& rss = r.gauge("process_resident_memory_bytes", "");
  EXPECT_GT(rss.find({})->value(), 1e5);
  auto& start = r.gauge("process_start_time_seconds", "");
  EXPECT_GT(start.find({})->value(), 1.7e9);
}

TEST(Metrics, DaprBucketsMatchTheReference) {
  EXPECT_EQ(lf::metrics::dapr_latency_buckets_ms().size(), 34u);
  EXPECT_EQ(lf::metrics::dapr_latency_buckets_ms().back(), 100000);
  EXPECT_EQ(lf::metrics::dapr_size_buckets_bytes().size(), 13u);
  EXPECT_EQ(lf::metrics::format_value(0.5), "0.5");
  EXPECT_EQ(lf::metrics::format_value(0.0025), "0.0025");
  EXPECT_EQ(lf::metrics::format_value(0.1 + 0.2), "0.30000000000000004");
  EXPECT_EQ(lf::metrics::format_value(4294967296.0), "4294967296");
}
