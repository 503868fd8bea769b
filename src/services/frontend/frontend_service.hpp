#pragma once
// learnflow-frontend: serves the web UI (compiled into the binary) and an /api that reaches
// course-agent and user-progress only through its own sidecar (Dapr service invocation).
#include <span>
#include <string>

#include "dapr_client/dapr_client.hpp"
#include "log/log.hpp"
#include "services/common/embedded.hpp"
#include "services/common/router.hpp"

namespace lf::frontend {

struct FrontendConfig {
  std::string course_agent_app_id = "course-agent";
  std::string user_progress_app_id = "user-progress";
};

class FrontendService {
 public:
  FrontendService(dapr::DaprClient& dapr, std::span<const services::EmbeddedFile> web_files, FrontendConfig config = {});
  void register_routes(services::Router& router);

 private:
  // Coroutine parameters are taken by value: a reference would dangle once the route lambda that
  // created the awaitable returns.
  boost::asio::awaitable<http::Response> static_file(std::string path) const;
  // Invokes `method` on app_id with the incoming request's trace context (so the sidecars' spans
  // join the browser's or load balancer's trace) and passes the app's answer through; a failure
  // to reach it becomes 503 {"error":"backend_unavailable","service":app_id,...}. Not a coroutine
  // itself: it reads `incoming` before returning, so the reference cannot dangle.
  boost::asio::awaitable<http::Response> forward(const http::Request& incoming, std::string app_id, std::string verb,
                                                 std::string method, std::string body) const;
  boost::asio::awaitable<http::Response> invoke(dapr::TraceContext trace, std::string app_id, std::string verb,
                                                std::string method, std::string body) const;

  boost::asio::awaitable<http::Response> generate_lesson(const http::Request& request) const;
  boost::asio::awaitable<http::Response> list_lessons(const http::Request& request) const;
  boost::asio::awaitable<http::Response> get_lesson(const http::Request& request) const;
  boost::asio::awaitable<http::Response> update_progress(const http::Request& request) const;
  boost::asio::awaitable<http::Response> get_progress(const http::Request& request) const;

  dapr::DaprClient& dapr_;
  std::span<const services::EmbeddedFile> web_files_;
  FrontendConfig config_;
  log::Logger log_{"learnflow.frontend"};
};

// The web UI files compiled from web/.
std::span<const services::EmbeddedFile> embedded_web_files();

}  // namespace lf::frontend
