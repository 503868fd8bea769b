#include "dashboards/dashboard_site.hpp"

#include <filesystem>
#include <fstream>
#include <future>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_future.hpp>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "dashboards/prometheus_proxy.hpp"

namespace lf::dashboards {
namespace {
namespace fs = std::filesystem;

http::Request request(std::string method, std::string target, std::string body = "", std::string content_type = "") {
  http::Request r;
  r.method = std::move(method);
  r.set_target(std::move(target));
  r.body = std::move(body);
  if (!content_type.empty()) r.headers.set("Content-Type", std::move(content_type));
  return r;
}

// ---- the pure proxy rules

TEST(PrometheusQueryPath, OnlyTheReadOnlyQueryApi) {
  for (const char* path : {"/api/v1/query", "/api/v1/query_range", "/api/v1/series", "/api/v1/labels",
                           "/api/v1/label/app_id/values", "/api/v1/label/__name__/values"})
    EXPECT_TRUE(is_prometheus_query_path(path)) << path;
  for (const char* path : {"/api/v1/admin/tsdb/delete_series", "/-/reload", "/-/quit", "/api/v1/status/config",
                           "/api/v1/label//values", "/api/v1/label/a/b/values", "/api/v1/label/1a/values",
                           "/api/v1/label/../values", "/api/v1/label/%2e%2e/values", "/api/v1/query/", "/api/v1/queryx",
                           "/api/v2/query", "/api/v1/targets", "/api/v1/label/app_id/valuesx", ""})
    EXPECT_FALSE(is_prometheus_query_path(path)) << path;
}

TEST(PrometheusUpstreamRequest, GetKeepsPathAndRawQuery) {
  auto upstream = prometheus_upstream_request(request("GET", "/api/v1/query_range?query=sum%28up%29&start=1&end=2&step=15"));
  ASSERT_TRUE(upstream);
  EXPECT_EQ(upstream->method, "GET");
  EXPECT_EQ(upstream->target, "/api/v1/query_range?query=sum%28up%29&start=1&end=2&step=15");
  EXPECT_EQ(upstream->path, "/api/v1/query_range");
  EXPECT_EQ(upstream->headers.get_or("Accept", ""), "application/json");
  EXPECT_TRUE(upstream->body.empty());

  auto bare = prometheus_upstream_request(request("GET", "/api/v1/labels"));
  ASSERT_TRUE(bare);
  EXPECT_EQ(bare->target, "/api/v1/labels");
}

TEST(PrometheusUpstreamRequest, PostOnlyWithAFormBody) {
  auto form = prometheus_upstream_request(
      request("POST", "/api/v1/query", "query=up", "application/x-www-form-urlencoded; charset=UTF-8"));
  ASSERT_TRUE(form);
  EXPECT_EQ(form->method, "POST");
  EXPECT_EQ(form->body, "query=up");
  EXPECT_EQ(form->headers.get_or("Content-Type", ""), "application/x-www-form-urlencoded; charset=UTF-8");
  EXPECT_FALSE(prometheus_upstream_request(request("POST", "/api/v1/query", "{}", "application/json")));
  EXPECT_FALSE(prometheus_upstream_request(request("POST", "/api/v1/query", "query=up")));
  EXPECT_FALSE(prometheus_upstream_request(request("DELETE", "/api/v1/query")));
  EXPECT_FALSE(prometheus_upstream_request(request("PUT", "/api/v1/series", "x", "application/x-www-form-urlencoded")));
}

TEST(PrometheusUpstreamRequest, RefusesOtherPathsAndHugeQueries) {
  EXPECT_FALSE(prometheus_upstream_request(request("GET", "/api/v1/admin/tsdb/snapshot")));
  EXPECT_FALSE(prometheus_upstream_request(request("GET", "/api/v1/query?query=" + std::string(64 * 1024, 'a'))));
  EXPECT_TRUE(prometheus_upstream_request(request("GET", "/api/v1/query?query=" + std::string(60 * 1024, 'a'))));
}

TEST(PrometheusError, HasPrometheusShape) {
  const auto response = prometheus_error(503, "unavailable", "down");
  EXPECT_EQ(response.status, 503);
  EXPECT_EQ(response.headers.get_or("Content-Type", ""), "application/json");
  EXPECT_EQ(nlohmann::json::parse(response.body),
            (nlohmann::json{{"status", "error"}, {"errorType", "unavailable"}, {"error", "down"}}));
}

// ---- the site, with a fake Prometheus transport (no sockets)

const services::EmbeddedFile kViewerFiles[] = {
    {"index.html", "<html>viewer</html>"},
    {"app.js", "console.log(1)"},
    {"style.css", "body{}"},
    {"uplot-missing.js", "window.uPlot = undefined;"},
};

class DashboardSiteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("lf-dash-site-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    std::ofstream(dir_ / "one.json") << R"({"title":"One","uid":"one","schemaVersion":39,"panels":[]})";
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  DashboardSite make_site() {
    return DashboardSite(
        {dir_.string()},
        [this](http::Endpoint endpoint, http::Request upstream) -> boost::asio::awaitable<Expected<http::Response, http::ClientError>> {
          sent_.push_back({endpoint, upstream});
          if (fail_) co_return unexpected(http::ClientError{http::ClientError::connect_refused, "connection refused"});
          http::Response answer = http::Response::json(200, R"({"status":"success","data":[]})");
          answer.headers.set("Connection", "keep-alive");
          co_return answer;
        },
        kViewerFiles);
  }

  http::Response serve(DashboardSite& site, http::Request r) {
    boost::asio::io_context io;
    auto future = boost::asio::co_spawn(io, site.handle(std::move(r)), boost::asio::use_future);
    io.run();
    return future.get();
  }

  fs::path dir_;
  bool fail_ = false;
  std::vector<std::pair<http::Endpoint, http::Request>> sent_;
};

TEST_F(DashboardSiteTest, HandlesItsPathsOnly) {
  EXPECT_TRUE(DashboardSite::handles(request("GET", "/dashboards")));
  EXPECT_TRUE(DashboardSite::handles(request("GET", "/dashboards/")));
  EXPECT_TRUE(DashboardSite::handles(request("GET", "/dashboards/api/list")));
  EXPECT_TRUE(DashboardSite::handles(request("GET", "/api/v1/query?query=up")));
  EXPECT_FALSE(DashboardSite::handles(request("GET", "/dashboardsx")));
  EXPECT_FALSE(DashboardSite::handles(request("GET", "/metrics/kube-state-metrics")));
  EXPECT_FALSE(DashboardSite::handles(request("GET", "/api/v1/admin/tsdb/snapshot")));
}

TEST_F(DashboardSiteTest, ServesTheEmbeddedViewer) {
  auto site = make_site();
  auto redirect = serve(site, request("GET", "/dashboards"));
  EXPECT_EQ(redirect.status, 301);
  EXPECT_EQ(redirect.headers.get_or("Location", ""), "/dashboards/");

  auto page = serve(site, request("GET", "/dashboards/"));
  EXPECT_EQ(page.status, 200);
  EXPECT_EQ(page.body, "<html>viewer</html>");
  EXPECT_EQ(page.headers.get_or("Content-Type", ""), "text/html; charset=utf-8");

  auto script = serve(site, request("GET", "/dashboards/app.js"));
  EXPECT_EQ(script.status, 200);
  EXPECT_EQ(script.headers.get_or("Content-Type", ""), "text/javascript; charset=utf-8");

  // uPlot absent from this build: the stub answers in its place.
  auto uplot = serve(site, request("GET", "/dashboards/vendor/uPlot.iife.min.js"));
  EXPECT_EQ(uplot.status, 200);
  EXPECT_EQ(uplot.body, "window.uPlot = undefined;");

  EXPECT_EQ(serve(site, request("GET", "/dashboards/index.html.bak")).status, 404);
  EXPECT_EQ(serve(site, request("GET", "/dashboards/vendor/uPlot.min.css")).status, 404);
  EXPECT_EQ(serve(site, request("POST", "/dashboards/")).status, 405);
}

TEST_F(DashboardSiteTest, ListsAndServesDashboardFilesFromDisk) {
  auto site = make_site();
  auto list = serve(site, request("GET", "/dashboards/api/list"));
  EXPECT_EQ(list.status, 200);
  EXPECT_EQ(list.headers.get_or("Content-Type", ""), "application/json");
  EXPECT_EQ(nlohmann::json::parse(list.body)["dashboards"][0]["title"], "One");

  auto file = serve(site, request("GET", "/dashboards/api/files/one.json"));
  EXPECT_EQ(file.status, 200);
  EXPECT_EQ(nlohmann::json::parse(file.body)["uid"], "one");
  // Read at request time: an edit shows without restarting the platform.
  std::ofstream(dir_ / "one.json") << R"({"title":"Edited","uid":"one","schemaVersion":39,"panels":[]})";
  EXPECT_EQ(nlohmann::json::parse(serve(site, request("GET", "/dashboards/api/files/one.json")).body)["title"], "Edited");

  for (const char* target : {"/dashboards/api/files/../one.json", "/dashboards/api/files/%2e%2e%2fone.json",
                             "/dashboards/api/files/missing.json", "/dashboards/api/files/", "/dashboards/api/files/one.json/x"})
    EXPECT_EQ(serve(site, request("GET", target)).status, 404) << target;
}

TEST_F(DashboardSiteTest, ProxyAnswers503UntilPrometheusIsKnown) {
  auto site = make_site();
  auto response = serve(site, request("GET", "/api/v1/query?query=up"));
  EXPECT_EQ(response.status, 503);
  EXPECT_EQ(nlohmann::json::parse(response.body)["errorType"], "unavailable");
  EXPECT_TRUE(sent_.empty());
}

TEST_F(DashboardSiteTest, ProxyForwardsToPrometheusAndRelaysItsAnswer) {
  auto site = make_site();
  site.set_prometheus(http::Endpoint{"127.0.0.1", 9091});
  auto response = serve(site, request("GET", "/api/v1/label/app_id/values?start=1&end=2"));
  EXPECT_EQ(response.status, 200);
  EXPECT_EQ(response.body, R"({"status":"success","data":[]})");
  EXPECT_EQ(response.headers.get_or("Content-Type", ""), "application/json");
  EXPECT_FALSE(response.headers.contains("Connection"));
  ASSERT_EQ(sent_.size(), 1u);
  EXPECT_EQ(sent_[0].first, (http::Endpoint{"127.0.0.1", 9091}));
  EXPECT_EQ(sent_[0].second.target, "/api/v1/label/app_id/values?start=1&end=2");

  EXPECT_EQ(serve(site, request("DELETE", "/api/v1/series?match[]=up")).status, 400);
  EXPECT_EQ(sent_.size(), 1u);
}

TEST_F(DashboardSiteTest, ProxyReports502WhenPrometheusDoesNotAnswer) {
  auto site = make_site();
  site.set_prometheus(http::Endpoint{"127.0.0.1", 9091});
  fail_ = true;
  auto response = serve(site, request("GET", "/api/v1/query?query=up"));
  EXPECT_EQ(response.status, 502);
  EXPECT_EQ(nlohmann::json::parse(response.body)["error"],
            "Prometheus at 127.0.0.1:9091 did not answer: connection refused");
}

}  // namespace
}  // namespace lf::dashboards
