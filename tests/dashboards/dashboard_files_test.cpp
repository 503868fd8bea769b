#include "dashboards/dashboard_files.hpp"

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace lf::dashboards {
namespace {
namespace fs = std::filesystem;

const char* kMinimalDashboard = R"({"title":"T","uid":"u1","schemaVersion":39,"panels":[]})";

class TempDir {
 public:
  TempDir() : path_(fs::temp_directory_path() / ("lf-dash-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++))) {
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  void write(const std::string& name, const std::string& text) const { std::ofstream(path_ / name) << text; }
  std::string str() const { return path_.string(); }

 private:
  static inline int counter_ = 0;
  fs::path path_;
};

TEST(DashboardName, AcceptsPlainJsonNames) {
  EXPECT_TRUE(is_safe_dashboard_name("learnflow-dapr.json"));
  EXPECT_TRUE(is_safe_dashboard_name("A_b.c-9.json"));
}

TEST(DashboardName, RefusesTraversalHiddenAndOtherFiles) {
  for (const char* name : {"../secret.json", "..json", "a..b.json", "/etc/passwd", "sub/x.json", ".hidden.json", ".json",
                           "x.yaml", "x.json.bak", "x%2e%2e.json", "x\\y.json", "x y.json", "", "x.JSON"})
    EXPECT_FALSE(is_safe_dashboard_name(name)) << name;
  EXPECT_FALSE(is_safe_dashboard_name(std::string(124, 'a') + ".json"));  // 129 characters
  EXPECT_TRUE(is_safe_dashboard_name(std::string(123, 'a') + ".json"));   // 128
  EXPECT_FALSE(is_safe_dashboard_name(std::string_view("a\0b.json", 8)));
}

TEST(DashboardProblem, AcceptsAMinimalDashboard) { EXPECT_EQ(dashboard_problem(kMinimalDashboard), std::nullopt); }

TEST(DashboardProblem, NamesWhatIsWrong) {
  EXPECT_EQ(dashboard_problem("{"), "not valid JSON");
  EXPECT_EQ(dashboard_problem("[]"), "not a JSON object");
  EXPECT_EQ(dashboard_problem(R"({"panels":[],"schemaVersion":39})"), "no string \"title\"");
  EXPECT_EQ(dashboard_problem(R"({"title":"x","schemaVersion":39})"), "no \"panels\" array");
  EXPECT_EQ(dashboard_problem(R"({"title":"x","panels":{}})"), "no \"panels\" array");
  EXPECT_EQ(dashboard_problem(R"({"title":"x","panels":[]})"), "no integer \"schemaVersion\"");
  EXPECT_EQ(dashboard_problem(R"({"title":"x","panels":[],"schemaVersion":27})"),
            "schemaVersion 27 is older than 36 (re-save it in Grafana 9 or later)");
}

TEST(DashboardProblem, SurvivesArbitraryBytes) {
  EXPECT_TRUE(dashboard_problem(std::string("\xff\xfe\x00{\"", 5)).has_value());
  EXPECT_TRUE(dashboard_problem(std::string(10000, '[')).has_value());
}

TEST(ListDashboards, ListsSafeJsonFilesSortedWithTheirProblems) {
  TempDir dir;
  dir.write("b.json", kMinimalDashboard);
  dir.write("a.json", "not json");
  dir.write("notes.txt", "ignored");
  dir.write(".hidden.json", kMinimalDashboard);
  const auto entries = list_dashboards(dir.str());
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].file, "a.json");
  EXPECT_EQ(entries[0].title, "a.json");
  EXPECT_EQ(entries[0].problem, "not valid JSON");
  EXPECT_EQ(entries[1].file, "b.json");
  EXPECT_EQ(entries[1].title, "T");
  EXPECT_EQ(entries[1].uid, "u1");
  EXPECT_EQ(entries[1].problem, "");

  const auto json = nlohmann::json::parse(listing_json(entries));
  ASSERT_EQ(json["dashboards"].size(), 2u);
  EXPECT_EQ(json["dashboards"][0]["problem"], "not valid JSON");
  EXPECT_FALSE(json["dashboards"][1].contains("problem"));
  EXPECT_EQ(json["dashboards"][1]["title"], "T");
}

TEST(ListDashboards, MissingFolderIsAnEmptyList) {
  EXPECT_TRUE(list_dashboards("/nonexistent/lf-dashboards").empty());
  EXPECT_EQ(listing_json({}), R"({"dashboards":[]})");
}

TEST(ReadDashboard, ReadsOnlySafeNamesInsideTheFolder) {
  TempDir dir;
  dir.write("x.json", kMinimalDashboard);
  EXPECT_EQ(read_dashboard(dir.str(), "x.json"), kMinimalDashboard);
  EXPECT_EQ(read_dashboard(dir.str(), "y.json"), std::nullopt);
  EXPECT_EQ(read_dashboard(dir.str(), "../x.json"), std::nullopt);
  fs::create_directories(fs::path(dir.str()) / "d.json");
  EXPECT_EQ(read_dashboard(dir.str(), "d.json"), std::nullopt);
}

TEST(ContentType, ByExtension) {
  EXPECT_EQ(content_type_for("index.html"), "text/html; charset=utf-8");
  EXPECT_EQ(content_type_for("/dashboards/app.js"), "text/javascript; charset=utf-8");
  EXPECT_EQ(content_type_for("uPlot.min.css"), "text/css; charset=utf-8");
  EXPECT_EQ(content_type_for("a.json"), "application/json");
  EXPECT_EQ(content_type_for("a.bin"), "application/octet-stream");
  EXPECT_EQ(content_type_for(""), "application/octet-stream");
}

// The shipped dashboards (deploy/monitoring/dashboards) are valid for the viewer and for Grafana's
// import: schemaVersion >= 36, the ${datasource} variable, unique uids.
TEST(ShippedDashboards, AreValidAndImportable) {
  const std::string dir = std::string(LEARNFLOW_SOURCE_DIR) + "/deploy/monitoring/dashboards";
  const auto entries = list_dashboards(dir);
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].file, "learnflow-dapr.json");
  EXPECT_EQ(entries[1].file, "learnflow-workloads.json");
  for (const auto& entry : entries) {
    EXPECT_EQ(entry.problem, "") << entry.file;
    const auto doc = nlohmann::json::parse(*read_dashboard(dir, entry.file));
    bool has_datasource_variable = false;
    for (const auto& variable : doc["templating"]["list"])
      if (variable["name"] == "datasource") has_datasource_variable = variable["type"] == "datasource" && variable["query"] == "prometheus";
    EXPECT_TRUE(has_datasource_variable) << entry.file;
    for (const auto& panel : doc["panels"]) {
      if (panel["type"] == "row") continue;
      EXPECT_EQ(panel["datasource"]["uid"], "${datasource}") << entry.file << ": " << panel["title"];
      ASSERT_FALSE(panel["targets"].empty()) << panel["title"];
      for (const auto& target : panel["targets"]) EXPECT_FALSE(target["expr"].get<std::string>().empty());
    }
  }
  EXPECT_NE(entries[0].uid, entries[1].uid);
}

}  // namespace
}  // namespace lf::dashboards
