#pragma once
// The Grafana dashboard JSON files in <manifests>/monitoring/dashboards, as the local viewer serves
// them: which names are safe to open, which files are usable dashboards, and content types.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lf::dashboards {

// What the viewer lists for one *.json file. A file that is not a usable dashboard is still listed,
// with `problem` saying why, so a broken edit shows up instead of silently vanishing.
struct DashboardEntry {
  std::string file;   // "learnflow-dapr.json"
  std::string uid;    // Grafana uid ("" when absent)
  std::string title;  // Grafana title (the file name when absent)
  std::string problem;  // empty: usable
};

// Oldest Grafana dashboard schema the viewer understands (Grafana 9's timeseries/stat model).
inline constexpr int kMinimumSchemaVersion = 36;

// True for a plain dashboard file name: [A-Za-z0-9._-]+ ending in ".json", not starting with '.',
// no path separators and no "..", at most 128 characters. Everything else is refused before
// touching the file system (no traversal out of the dashboards folder).
bool is_safe_dashboard_name(std::string_view name);

// Why `text` is not a dashboard the viewer can show (empty optional: it is one). Checks JSON
// syntax, an object with a string "title", a "panels" array and schemaVersion >= 36.
std::optional<std::string> dashboard_problem(std::string_view text);

// The entry for one file's text (uid/title read when the JSON allows).
DashboardEntry describe_dashboard(std::string file, std::string_view text);

// Every safe *.json name in `dir`, sorted by file name, each described. A missing folder is an
// empty list (the platform may run manifests without dashboards).
std::vector<DashboardEntry> list_dashboards(const std::string& dir);

// The listing as the viewer's JSON: {"dashboards":[{"file","uid","title"[,"problem"]}...]}.
std::string listing_json(const std::vector<DashboardEntry>& entries);

// Reads one dashboard file; nullopt for an unsafe name, a missing file or an unreadable one.
std::optional<std::string> read_dashboard(const std::string& dir, std::string_view name);

// Content-Type for a served file by its extension (html, js, css, json, svg, png; else octet-stream).
std::string_view content_type_for(std::string_view path);

}  // namespace lf::dashboards
