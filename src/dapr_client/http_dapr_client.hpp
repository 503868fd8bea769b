#pragma once
// DaprClient over HTTP to the local sidecar (Dapr's HTTP API v1.0).
#include <boost/asio/io_context.hpp>

#include "core/clock.hpp"
#include "dapr_client/dapr_client.hpp"
#include "http/client.hpp"

namespace lf::dapr {

struct HttpDaprClientOptions {
  SidecarAddress sidecar;
  // Bounds each call. Publish is longer: the sidecar retries a broker outage per its resiliency
  // policy before it answers.
  Duration call_timeout = std::chrono::seconds(5);
  Duration publish_timeout = std::chrono::seconds(20);
  Duration health_timeout = std::chrono::seconds(1);
};

class HttpDaprClient final : public DaprClient {
 public:
  HttpDaprClient(boost::asio::io_context& io, HttpDaprClientOptions options);

  boost::asio::awaitable<DaprResult<InvokeResponse>> invoke(InvokeRequest request) override;
  boost::asio::awaitable<DaprStatus> publish(PublishRequest request) override;
  boost::asio::awaitable<DaprResult<std::optional<StateEntry>>> get_state(std::string store, std::string key,
                                                                          TraceContext trace) override;
  boost::asio::awaitable<DaprStatus> save_state(std::string store, std::vector<StateItem> items,
                                                TraceContext trace) override;
  boost::asio::awaitable<DaprStatus> delete_state(std::string store, std::string key, std::optional<std::string> etag,
                                                  TraceContext trace) override;
  boost::asio::awaitable<DaprStatus> health(bool outbound) override;

 private:
  // Sends to the sidecar with the API token; transport failures become DaprError{status 0}.
  boost::asio::awaitable<DaprResult<http::Response>> call(http::Request request, Duration timeout);

  HttpDaprClientOptions options_;
  http::Client client_;
  http::Endpoint endpoint_;
};

}  // namespace lf::dapr
