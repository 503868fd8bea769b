#pragma once
// The viewer queries Prometheus through the platform's own HTTP server (same origin, so no CORS):
// only Prometheus's read-only query endpoints pass, nothing else of its API (no admin, no reload).
#include <optional>
#include <string>
#include <string_view>

#include "http/message.hpp"

namespace lf::dashboards {

// True for the proxied paths: /api/v1/query, /api/v1/query_range, /api/v1/series,
// /api/v1/labels and /api/v1/label/<label name>/values.
bool is_prometheus_query_path(std::string_view path);

// The request to send to Prometheus for a viewer request, or nullopt when it is not one the proxy
// forwards: another path, a method other than GET/POST, a POST body that is not a form, or a
// query string / body over 64 KiB.
std::optional<http::Request> prometheus_upstream_request(const http::Request& incoming);

// Prometheus's own error shape ({"status":"error","errorType":...,"error":...}) so the viewer
// reports a proxy failure exactly like a query error.
http::Response prometheus_error(int status, std::string_view error_type, std::string_view message);

// The viewer's answer for Prometheus's: status, body and Content-Type only (no hop-by-hop headers).
http::Response relay_prometheus_response(const http::Response& upstream);

}  // namespace lf::dashboards
