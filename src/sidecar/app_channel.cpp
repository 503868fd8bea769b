#include "sidecar/app_channel.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "core/strings.hpp"

namespace lf::sidecar {

bool is_hop_by_hop_header(std::string_view name) {
  static constexpr std::string_view kNames[] = {"connection", "keep-alive", "proxy-connection", "proxy-authenticate",
                                                "proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade",
                                                "content-length"};
  for (std::string_view n : kNames)
    if (iequals(name, n)) return true;
  return false;
}

AppChannel::AppChannel(boost::asio::io_context& io, http::Client& client, const Options& options, DaprMetrics& metrics)
    : io_(io), client_(client), options_(options), metrics_(metrics),
      endpoint_{options.app_channel_address, options.app_port} {}

AppChannel::~AppChannel() { stop(); }

boost::asio::awaitable<Expected<http::Response, http::ClientError>> AppChannel::call(http::Request request,
                                                                                    Duration deadline) {
  if (!options_.app_api_token.empty()) request.headers.set("dapr-api-token", options_.app_api_token);
  request.headers.set("Host", options_.app_channel_address + ":" + std::to_string(options_.app_port));
  const std::string& method = request.method;
  const std::string_view path = request.path.empty() ? std::string_view("/") : std::string_view(request.path);
  double sent = static_cast<double>(request.body.size());
  auto start = std::chrono::steady_clock::now();
  auto result = co_await client_.send_borrowed(endpoint_, request, deadline);  // `request` lives in this frame
  // Dapr labels transport failures with an empty status.
  std::string status = result ? std::to_string(result->status) : "";
  const std::string& app_id = options_.app_id;
  metrics_.http_client_completed_count.with({app_id, method, path, status}).inc();
  metrics_.http_client_roundtrip_latency.with({app_id, method, path, status}).observe(whole_ms_since(start));
  metrics_.http_client_sent_bytes.with({app_id}).observe(sent);
  if (result) metrics_.http_client_received_bytes.with({app_id}).observe(static_cast<double>(result->body.size()));
  co_return result;
}

boost::asio::awaitable<bool> AppChannel::wait_until_reachable(Duration timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  boost::asio::steady_timer timer(io_);
  while (!stopping_ && std::chrono::steady_clock::now() < deadline) {
    http::Request probe;
    probe.method = "GET";
    probe.set_target(options_.enable_app_health_check ? options_.app_health_check_path : "/");
    auto res = co_await client_.send(endpoint_, std::move(probe), std::chrono::seconds(1));
    if (res || res.error().kind != http::ClientError::connect_refused) co_return true;
    timer.expires_after(std::chrono::milliseconds(50));
    boost::system::error_code ec;
    co_await timer.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
  }
  co_return false;
}

void AppChannel::start_health_checks() {
  if (!options_.enable_app_health_check || !configured()) return;
  timer_ = std::make_shared<boost::asio::steady_timer>(io_);
  boost::asio::co_spawn(io_, health_loop(), boost::asio::detached);
}

void AppChannel::stop() {
  stopping_ = true;
  if (timer_) timer_->cancel();
}

boost::asio::awaitable<void> AppChannel::health_loop() {
  int failures = 0;
  auto timer = timer_;
  while (!stopping_) {
    http::Request probe;
    probe.method = "GET";
    probe.set_target(options_.app_health_check_path);
    auto start = std::chrono::steady_clock::now();
    auto res = co_await client_.send(endpoint_, std::move(probe), options_.app_health_probe_timeout);
    bool ok = res && res->status >= 200 && res->status < 300;
    std::string status = res ? std::to_string(res->status) : "";
    metrics_.http_healthprobes_completed_count.with({options_.app_id, status}).inc();
    metrics_.http_healthprobes_roundtrip_latency.with({options_.app_id, status}).observe(whole_ms_since(start));
    if (ok) {
      if (!healthy_.exchange(true)) log_.info("App entered healthy status");
      failures = 0;
    } else if (++failures >= options_.app_health_threshold && healthy_.exchange(false)) {
      log_.warn("App entered un-healthy status");
    }
    timer->expires_after(options_.app_health_probe_interval);
    boost::system::error_code ec;
    co_await timer->async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
  }
}

}  // namespace lf::sidecar
