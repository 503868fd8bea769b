#include "dashboards/dashboard_files.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

namespace lf::dashboards {
namespace fs = std::filesystem;
namespace {

constexpr std::size_t kMaxNameLength = 128;
constexpr std::uintmax_t kMaxDashboardBytes = 4 * 1024 * 1024;

bool ends_with(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

bool is_name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

}  // namespace

bool is_safe_dashboard_name(std::string_view name) {
  if (name.size() <= 5 || name.size() > kMaxNameLength || name.front() == '.') return false;
  if (!ends_with(name, ".json") || name.find("..") != std::string_view::npos) return false;
  return std::all_of(name.begin(), name.end(), is_name_char);
}

std::optional<std::string> dashboard_problem(std::string_view text) {
  const auto doc = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return "not valid JSON";
  if (!doc.is_object()) return "not a JSON object";
  if (!doc.contains("title") || !doc["title"].is_string()) return "no string \"title\"";
  if (!doc.contains("panels") || !doc["panels"].is_array()) return "no \"panels\" array";
  if (!doc.contains("schemaVersion") || !doc["schemaVersion"].is_number_integer())
    return "no integer \"schemaVersion\"";
  if (const int version = doc["schemaVersion"].get<int>(); version < kMinimumSchemaVersion)
    return "schemaVersion " + std::to_string(version) + " is older than " + std::to_string(kMinimumSchemaVersion) +
           " (re-save it in Grafana 9 or later)";
  return std::nullopt;
}

DashboardEntry describe_dashboard(std::string file, std::string_view text) {
  DashboardEntry entry;
  entry.title = file;
  entry.file = std::move(file);
  if (auto problem = dashboard_problem(text)) {
    entry.problem = std::move(*problem);
  }
  const auto doc = nlohmann::json::parse(text, nullptr, false);
  if (doc.is_object()) {
    if (doc.contains("title") && doc["title"].is_string()) entry.title = doc["title"].get<std::string>();
    if (doc.contains("uid") && doc["uid"].is_string()) entry.uid = doc["uid"].get<std::string>();
  }
  return entry;
}

std::vector<DashboardEntry> list_dashboards(const std::string& dir) {
  std::vector<DashboardEntry> entries;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (!is_safe_dashboard_name(name)) continue;
    if (auto text = read_dashboard(dir, name)) {
      entries.push_back(describe_dashboard(name, *text));
    } else {
      entries.push_back({name, "", name, "cannot be read"});
    }
  }
  std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) { return a.file < b.file; });
  return entries;
}

std::string listing_json(const std::vector<DashboardEntry>& entries) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& entry : entries) {
    nlohmann::json item{{"file", entry.file}, {"uid", entry.uid}, {"title", entry.title}};
    if (!entry.problem.empty()) item["problem"] = entry.problem;
    list.push_back(std::move(item));
  }
  // Replacement instead of an exception for any invalid UTF-8 in a title.
  return nlohmann::json{{"dashboards", std::move(list)}}.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::optional<std::string> read_dashboard(const std::string& dir, std::string_view name) {
  if (!is_safe_dashboard_name(name)) return std::nullopt;
  const fs::path path = fs::path(dir) / std::string(name);
  std::error_code ec;
  if (!fs::is_regular_file(path, ec) || fs::file_size(path, ec) > kMaxDashboardBytes || ec) return std::nullopt;
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return std::nullopt;
  return std::move(text).str();
}

std::string_view content_type_for(std::string_view path) {
  struct Type {
    std::string_view extension;
    std::string_view content_type;
  };
  static constexpr Type kTypes[] = {
      {".html", "text/html; charset=utf-8"},       {".js", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},         {".json", "application/json"},
      {".svg", "image/svg+xml"},                   {".png", "image/png"},
  };
  for (const auto& type : kTypes)
    if (ends_with(path, type.extension)) return type.content_type;
  return "application/octet-stream";
}

}  // namespace lf::dashboards
