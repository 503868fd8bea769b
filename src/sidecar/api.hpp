#pragma once
// The Dapr HTTP API (v1.0 paths) on --dapr-http-port, the sidecar-to-sidecar invocation port, and
// the metrics port.
#include <optional>
#include <string>

#include <boost/asio/awaitable.hpp>

#include "http/message.hpp"
#include "sidecar/context.hpp"
#include "sidecar/trace_context.hpp"

namespace lf::sidecar {

boost::asio::awaitable<http::Response> handle_dapr_api(SidecarContext& ctx, http::Request request);
boost::asio::awaitable<http::Response> handle_internal_invoke(SidecarContext& ctx, http::Request request);
boost::asio::awaitable<http::Response> handle_metrics_port(SidecarContext& ctx, http::Request request);

// Area handlers (invoke.cpp, publish.cpp, state_api.cpp).
boost::asio::awaitable<http::Response> invoke_app(SidecarContext& ctx, std::string app_id, std::string method,
                                                  http::Request request, TraceContext trace);
boost::asio::awaitable<http::Response> publish_event(SidecarContext& ctx, const std::string& pubsub_name,
                                                     const std::string& topic, http::Request request, TraceContext trace);
boost::asio::awaitable<http::Response> handle_state(SidecarContext& ctx, const std::string& store,
                                                    const std::string& rest, http::Request request);

// The server-side path label Dapr records: the full path, except state calls cut to the store.
std::string api_path_label(const std::string& path);

}  // namespace lf::sidecar
