#include "tracecollector/collector.hpp"

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace lf::tracecollector {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

constexpr std::int64_t kNowUs = 1700000000000000;  // the collector's clock in these tests

std::string span(const std::string& trace, const std::string& id, const std::string& parent, const std::string& service,
                 std::int64_t timestamp_us) {
  Json s{{"traceId", trace}, {"id", id}, {"name", "op"}, {"timestamp", timestamp_us}, {"duration", 10},
         {"localEndpoint", {{"serviceName", service}}}};
  if (!parent.empty()) s["parentId"] = parent;
  return s.dump();
}

http::Request request(const std::string& method, const std::string& target, std::string body = "") {
  http::Request r;
  r.method = method;
  r.set_target(target);
  r.body = std::move(body);
  if (method == "POST") r.headers.set("Content-Type", "application/json");
  return r;
}

class TempDir {
 public:
  TempDir() : path_(fs::temp_directory_path() / ("lf-tracecollector-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++))) {
    fs::remove_all(path_);
  }
  ~TempDir() { fs::remove_all(path_); }
  std::string str() const { return path_.string(); }

 private:
  static inline int counter_ = 0;
  fs::path path_;
};

CollectorOptions options(const std::string& dir = "") {
  CollectorOptions o;
  o.dir = dir;
  o.now_us = [] { return kNowUs; };
  return o;
}

const std::string kTraceA = "4bf92f3577b34da6a3ce929d0e0e4736";
const std::string kTraceB = "0af7651916cd43dd8448eb211c80319c";

// Posts a three-service trace A (frontend → course-agent → user-progress) and a one-span trace B.
void post_two_traces(TraceCollector& collector) {
  auto batch1 = "[" + span(kTraceA, "00000000000000a1", "", "learnflow-frontend", kNowUs - 3000) + "," +
                span(kTraceA, "00000000000000a2", "00000000000000a1", "course-agent", kNowUs - 2000) + "]";
  auto batch2 = "[" + span(kTraceA, "00000000000000a3", "00000000000000a2", "user-progress", kNowUs - 1000) + "," +
                span(kTraceB, "00000000000000b1", "", "course-agent", kNowUs - 500) + "]";
  ASSERT_EQ(collector.handle(request("POST", "/api/v2/spans", batch1)).status, 202);
  ASSERT_EQ(collector.handle(request("POST", "/api/v2/spans", batch2)).status, 202);
}

Json body_of(const http::Response& r) { return Json::parse(r.body); }

TEST(TraceCollector, ServesPostedSpansThroughTheZipkinReadApi) {
  TraceCollector collector(options());
  post_two_traces(collector);
  EXPECT_EQ(collector.span_count(), 4u);

  auto services = collector.handle(request("GET", "/api/v2/services"));
  ASSERT_EQ(services.status, 200);
  EXPECT_EQ(body_of(services), Json({"course-agent", "learnflow-frontend", "user-progress"}));

  auto trace = collector.handle(request("GET", "/api/v2/trace/" + kTraceA));
  ASSERT_EQ(trace.status, 200);
  Json spans = body_of(trace);
  ASSERT_EQ(spans.size(), 3u);
  EXPECT_EQ(spans[0]["localEndpoint"]["serviceName"], "learnflow-frontend");  // ordered by timestamp
  EXPECT_EQ(spans[2]["parentId"], "00000000000000a2");
  // Ids are matched case-insensitively, like Zipkin.
  EXPECT_EQ(collector.handle(request("GET", "/api/v2/trace/4BF92F3577B34DA6A3CE929D0E0E4736")).status, 200);

  auto missing = collector.handle(request("GET", "/api/v2/trace/00000000000000ff"));
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(body_of(missing)["error"], "trace 00000000000000ff not found");
}

TEST(TraceCollector, TracesQueryFiltersByServiceWindowAndLimitNewestFirst) {
  TraceCollector collector(options());
  post_two_traces(collector);
  auto all = body_of(collector.handle(request("GET", "/api/v2/traces")));
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0][0]["traceId"], kTraceB);  // newest first
  EXPECT_EQ(all[1].size(), 3u);

  auto progress = body_of(collector.handle(request("GET", "/api/v2/traces?serviceName=User-Progress")));
  ASSERT_EQ(progress.size(), 1u);
  EXPECT_EQ(progress[0][0]["traceId"], kTraceA);

  EXPECT_EQ(body_of(collector.handle(request("GET", "/api/v2/traces?serviceName=course-agent&limit=1"))).size(), 1u);
  // lookback is in milliseconds: trace A's newest span is 1 ms old, trace B's 0.5 ms.
  auto recent = body_of(collector.handle(request("GET", "/api/v2/traces?lookback=0")));
  EXPECT_EQ(recent.size(), 2u);  // 0 is no lower bound
  const std::int64_t end_ms = kNowUs / 1000;
  auto window = body_of(collector.handle(request("GET", "/api/v2/traces?endTs=" + std::to_string(end_ms) + "&lookback=1")));
  ASSERT_EQ(window.size(), 2u);  // both have a span within the last ms
  auto before = body_of(collector.handle(request("GET", "/api/v2/traces?endTs=" + std::to_string(end_ms - 10) + "&lookback=1")));
  EXPECT_TRUE(before.empty());
  EXPECT_TRUE(body_of(collector.handle(request("GET", "/api/v2/traces?serviceName=nobody"))).empty());

  EXPECT_EQ(collector.handle(request("GET", "/api/v2/traces?limit=ten")).status, 400);
  EXPECT_EQ(collector.handle(request("GET", "/api/v2/traces?lookback=-5")).status, 400);
}

TEST(TraceCollector, AnswersMalformedInputWith4xxAndKeepsNothing) {
  TraceCollector collector(options());
  auto bad = collector.handle(request("POST", "/api/v2/spans", R"([{"traceId":"zz","id":"00000000000000a1"}])"));
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.headers.get_or("Content-Type", ""), "application/json");
  EXPECT_EQ(body_of(bad)["error"], "span 0: traceId must be 16 or 32 hex digits");
  auto thrift = request("POST", "/api/v2/spans", "x");
  thrift.headers.set("Content-Type", "application/x-thrift");
  EXPECT_EQ(collector.handle(thrift).status, 415);
  EXPECT_EQ(collector.handle(request("GET", "/api/v2/spans")).status, 405);
  EXPECT_EQ(collector.handle(request("DELETE", "/api/v2/services")).status, 405);
  EXPECT_EQ(collector.handle(request("GET", "/api/v2/dependencies")).status, 404);
  EXPECT_EQ(collector.span_count(), 0u);
  EXPECT_TRUE(body_of(collector.handle(request("GET", "/api/v2/services"))).empty());
}

TEST(TraceCollector, SpansSurviveARestartThroughTheSpanLog) {
  TempDir dir;
  {
    TraceCollector first(options(dir.str()));
    ASSERT_TRUE(first.open());
    post_two_traces(first);
  }
  // A torn last line (a crash mid-write) is skipped, not fatal.
  { std::ofstream(dir.str() + "/spans.jsonl", std::ios::app) << R"({"traceId":"4bf9)"; }
  TraceCollector second(options(dir.str()));
  auto loaded = second.open();
  ASSERT_TRUE(loaded) << loaded.error().message;
  EXPECT_EQ(loaded->spans, 4u);
  EXPECT_EQ(loaded->skipped_lines, 1u);
  EXPECT_EQ(body_of(second.handle(request("GET", "/api/v2/trace/" + kTraceA))).size(), 3u);
}

TEST(TraceCollector, TheSpanLogRotatesAtItsBoundAndKeepsOneOlderFile) {
  TempDir dir;
  CollectorOptions o = options(dir.str());
  o.max_file_bytes = 1000;  // about five spans per file
  {
    TraceCollector collector(o);
    ASSERT_TRUE(collector.open());
    for (int i = 0; i < 40; ++i) {
      char id[17];
      std::snprintf(id, sizeof id, "%016x", i + 1);
      ASSERT_EQ(collector.handle(request("POST", "/api/v2/spans", "[" + span(id, id, "", "svc", kNowUs) + "]")).status, 202);
    }
    EXPECT_EQ(collector.span_count(), 40u);  // memory keeps them all (its own bound is larger)
  }
  EXPECT_LE(fs::file_size(dir.str() + "/spans.jsonl"), 1000u);
  EXPECT_LE(fs::file_size(dir.str() + "/spans.1.jsonl"), 1000u);
  TraceCollector reloaded(o);
  auto loaded = reloaded.open();
  ASSERT_TRUE(loaded);
  EXPECT_LT(loaded->spans, 20u);
  EXPECT_GT(loaded->spans, 4u);
  // The newest span is always kept.
  EXPECT_EQ(reloaded.handle(request("GET", "/api/v2/trace/0000000000000028")).status, 200);
  EXPECT_EQ(reloaded.handle(request("GET", "/api/v2/trace/0000000000000001")).status, 404);
}

TEST(TraceCollector, MemoryIsBoundedByForgettingTheOldestTraces) {
  CollectorOptions o = options();
  o.max_spans_in_memory = 3;
  TraceCollector collector(o);
  post_two_traces(collector);  // 4 spans: trace A (3) arrived first and is forgotten
  EXPECT_EQ(collector.span_count(), 1u);
  EXPECT_EQ(collector.handle(request("GET", "/api/v2/trace/" + kTraceA)).status, 404);
  EXPECT_EQ(body_of(collector.handle(request("GET", "/api/v2/services"))), Json({"course-agent"}));
}

}  // namespace
}  // namespace lf::tracecollector
