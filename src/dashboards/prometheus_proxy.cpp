#include "dashboards/prometheus_proxy.hpp"

#include <algorithm>

#include <nlohmann/json.hpp>

namespace lf::dashboards {
namespace {

constexpr std::string_view kApiPrefix = "/api/v1/";
constexpr std::size_t kMaxQueryBytes = 64 * 1024;

bool is_label_name(std::string_view name) {
  if (name.empty()) return false;
  const auto is_start = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; };
  const auto is_rest = [&](char c) { return is_start(c) || (c >= '0' && c <= '9'); };
  return is_start(name.front()) && std::all_of(name.begin() + 1, name.end(), is_rest);
}

}  // namespace

bool is_prometheus_query_path(std::string_view path) {
  if (path.substr(0, kApiPrefix.size()) != kApiPrefix) return false;
  const std::string_view rest = path.substr(kApiPrefix.size());
  if (rest == "query" || rest == "query_range" || rest == "series" || rest == "labels") return true;
  constexpr std::string_view label = "label/";
  constexpr std::string_view values = "/values";
  if (rest.substr(0, label.size()) != label || rest.size() <= label.size() + values.size()) return false;
  if (rest.substr(rest.size() - values.size()) != values) return false;
  return is_label_name(rest.substr(label.size(), rest.size() - label.size() - values.size()));
}

std::optional<http::Request> prometheus_upstream_request(const http::Request& incoming) {
  if (!is_prometheus_query_path(incoming.path)) return std::nullopt;
  if (incoming.query.size() > kMaxQueryBytes || incoming.body.size() > kMaxQueryBytes) return std::nullopt;
  http::Request upstream;
  upstream.method = incoming.method;
  upstream.set_target(incoming.query.empty() ? incoming.path : incoming.path + "?" + incoming.query);
  upstream.headers.set("Accept", "application/json");
  if (incoming.method == "GET") return upstream;
  if (incoming.method != "POST") return std::nullopt;
  const std::string_view type = incoming.headers.get_or("Content-Type", "");
  if (type.substr(0, 33) != "application/x-www-form-urlencoded") return std::nullopt;
  upstream.headers.set("Content-Type", std::string(type));
  upstream.body = incoming.body;
  return upstream;
}

http::Response prometheus_error(int status, std::string_view error_type, std::string_view message) {
  const nlohmann::json body{{"status", "error"}, {"errorType", error_type}, {"error", message}};
  return http::Response::json(status, body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

http::Response relay_prometheus_response(const http::Response& upstream) {
  http::Response response;
  response.status = upstream.status;
  response.body = upstream.body;
  response.headers.set("Content-Type", std::string(upstream.headers.get_or("Content-Type", "application/json")));
  response.headers.set("Cache-Control", "no-store");
  return response;
}

}  // namespace lf::dashboards
