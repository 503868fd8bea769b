#include "services/frontend/frontend_service.hpp"

#include "core/strings.hpp"
#include "http/url.hpp"
#include "services/common/json_api.hpp"

std::span<const lf::services::EmbeddedFile> embedded_web_files_table();

namespace lf::frontend {
namespace {

using services::Json;

std::string content_type_for(std::string_view path) {
  auto dot = path.rfind('.');
  auto extension = dot == std::string_view::npos ? std::string_view() : path.substr(dot + 1);
  if (extension == "html") return "text/html; charset=utf-8";
  if (extension == "css") return "text/css; charset=utf-8";
  if (extension == "js") return "text/javascript; charset=utf-8";
  if (extension == "svg") return "image/svg+xml";
  if (extension == "json") return "application/json";
  return "application/octet-stream";
}

// The same shape checks as the backends, so obvious mistakes are answered without a round trip;
// the backends stay authoritative (e.g. for unknown topics).
std::optional<services::FieldError> check_lesson_request(const Json& body) {
  if (auto unknown = services::reject_unknown_fields(body, {"user_id", "topic", "difficulty"})) return unknown;
  auto user_id = services::required_string(body, "user_id");
  if (!user_id) return user_id.error();
  if (auto bad = services::check_identifier("user_id", *user_id)) return bad;
  auto topic = services::required_string(body, "topic");
  if (!topic) return topic.error();
  auto difficulty = services::required_enum(body, "difficulty", {"beginner", "intermediate", "advanced"});
  if (!difficulty) return difficulty.error();
  return std::nullopt;
}

http::Response backend_unavailable(const std::string& app_id, const dapr::DaprError& error) {
  static const log::Logger logger("learnflow.frontend");
  logger.warn("backend unreachable", {{"app_id", app_id}, {"error", error.describe()}});
  return services::json_response(503, Json{{"error", "backend_unavailable"},
                                           {"service", app_id},
                                           {"message", app_id + " is unavailable: " + error.describe()}});
}

}  // namespace

std::span<const services::EmbeddedFile> embedded_web_files() { return embedded_web_files_table(); }

FrontendService::FrontendService(dapr::DaprClient& dapr, std::span<const services::EmbeddedFile> web_files,
                                 FrontendConfig config)
    : dapr_(dapr), web_files_(web_files), config_(std::move(config)) {}

void FrontendService::register_routes(services::Router& router) {
  router.add("GET", "/", [this](const http::Request&) { return static_file("index.html"); });
  router.add("GET", "/index.html", [this](const http::Request&) { return static_file("index.html"); });
  router.add_prefix("GET", "/static/", "/static/*", [this](const http::Request& r) {
    return static_file(r.path.substr(std::string("/static/").size()));
  });
  router.add("POST", "/api/lessons", [this](const http::Request& r) { return generate_lesson(r); });
  router.add("GET", "/api/lessons", [this](const http::Request& r) { return list_lessons(r); });
  router.add_prefix("GET", "/api/lessons/", "/api/lessons/{id}", [this](const http::Request& r) { return get_lesson(r); });
  router.add("POST", "/api/progress", [this](const http::Request& r) { return update_progress(r); });
  router.add("GET", "/api/progress", [this](const http::Request& r) { return get_progress(r); });
  router.add("GET", "/api/curriculum", [this](const http::Request& r) {
    return forward(r, config_.course_agent_app_id, "GET", "curriculum", "");
  });
}

boost::asio::awaitable<http::Response> FrontendService::static_file(std::string path) const {
  auto data = services::find_embedded(web_files_, path);
  if (!data || path.find("..") != std::string::npos)
    co_return services::error_json(404, "not_found", "no file " + path);
  http::Response response;
  response.status = 200;
  response.headers.set("Content-Type", content_type_for(path));
  response.headers.set("Cache-Control", "no-cache");
  response.headers.set("X-Content-Type-Options", "nosniff");
  response.headers.set("Content-Security-Policy", "default-src 'self'; style-src 'self'; script-src 'self'");
  response.body = std::string(*data);
  co_return response;
}

boost::asio::awaitable<http::Response> FrontendService::forward(const http::Request& incoming, std::string app_id,
                                                                std::string verb, std::string method,
                                                                std::string body) const {
  return invoke(dapr::TraceContext::from_headers(incoming.headers), std::move(app_id), std::move(verb),
                std::move(method), std::move(body));
}

boost::asio::awaitable<http::Response> FrontendService::invoke(dapr::TraceContext trace, std::string app_id,
                                                               std::string verb, std::string method,
                                                               std::string body) const {
  dapr::InvokeRequest request;
  request.app_id = app_id;
  request.trace = std::move(trace);
  request.verb = std::move(verb);
  request.method = std::move(method);
  request.body = std::move(body);
  if (!request.body.empty()) request.headers.emplace_back("Content-Type", "application/json");
  auto answer = co_await dapr_.invoke(std::move(request));
  if (!answer) co_return backend_unavailable(app_id, answer.error());
  http::Response response;
  response.status = answer->status;
  response.headers.set("Content-Type", answer->content_type.empty() ? "application/json" : answer->content_type);
  response.body = std::move(answer->body);
  co_return response;
}

boost::asio::awaitable<http::Response> FrontendService::generate_lesson(const http::Request& request) const {
  auto body = services::parse_json_object(request.body);
  if (!body) co_return body.error();
  if (auto bad = check_lesson_request(*body)) co_return services::field_error_response(*bad);
  co_return co_await forward(request, config_.course_agent_app_id, "POST", "generate-lesson", body->dump());
}

boost::asio::awaitable<http::Response> FrontendService::list_lessons(const http::Request& request) const {
  auto user_id = services::user_id_query(request);
  if (!user_id) co_return services::field_error_response(user_id.error());
  co_return co_await forward(request, config_.course_agent_app_id, "GET", "lessons?user_id=" + http::url::percent_encode(*user_id), "");
}

boost::asio::awaitable<http::Response> FrontendService::get_lesson(const http::Request& request) const {
  std::string lesson_id = request.path.substr(std::string("/api/lessons/").size());
  if (auto bad = services::check_identifier("lesson_id", lesson_id)) co_return services::field_error_response(*bad);
  co_return co_await forward(request, config_.course_agent_app_id, "GET", "lessons/" + lesson_id, "");
}

boost::asio::awaitable<http::Response> FrontendService::update_progress(const http::Request& request) const {
  auto body = services::parse_json_object(request.body);
  if (!body) co_return body.error();
  co_return co_await forward(request, config_.user_progress_app_id, "POST", "update-progress", body->dump());
}

boost::asio::awaitable<http::Response> FrontendService::get_progress(const http::Request& request) const {
  auto user_id = services::user_id_query(request);
  if (!user_id) co_return services::field_error_response(user_id.error());
  co_return co_await forward(request, config_.user_progress_app_id, "GET", "status?user_id=" + http::url::percent_encode(*user_id), "");
}

}  // namespace lf::frontend
