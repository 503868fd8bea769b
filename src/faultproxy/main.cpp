// learnflow-faultproxy: a TCP proxy with switchable faults, controlled over HTTP:
//   learnflow-faultproxy --upstream 127.0.0.1:9092 [--listen-port 0] [--control-port 0]
//   PUT /faults {"latency_ms":200,"refuse":false,"reset":false,"stall":false,"bandwidth_bytes_per_second":0}
//   GET /faults, GET /stats
// It prints "listening on <port>, control on <port>" once ready.
#include <csignal>
#include <cstdio>

#include <CLI/CLI.hpp>
#include <boost/asio/signal_set.hpp>
#include <nlohmann/json.hpp>

#include "core/strings.hpp"
#include "faultproxy/fault_proxy.hpp"
#include "http/server.hpp"

int main(int argc, char** argv) {
  CLI::App app{"learnflow-faultproxy: a TCP proxy that injects latency, refusals, resets, stalls and bandwidth limits"};
  std::string upstream;
  lf::faultproxy::ProxyOptions options;
  std::uint16_t control_port = 0;
  app.add_option("--upstream", upstream, "host:port to forward to")->required();
  app.add_option("--listen-address", options.listen_address, "address to listen on");
  app.add_option("--listen-port", options.listen_port, "port to listen on (0: any free port)");
  app.add_option("--control-port", control_port, "HTTP control port on 127.0.0.1 (0: any free port)");
  CLI11_PARSE(app, argc, argv);
  auto colon = upstream.rfind(':');
  long long port = 0;
  if (colon == std::string::npos || !lf::parse_int64(upstream.substr(colon + 1), port) || port <= 0 || port > 65535) {
    std::fprintf(stderr, "--upstream must be host:port\n");
    return 2;
  }
  options.upstream_host = upstream.substr(0, colon);
  options.upstream_port = static_cast<std::uint16_t>(port);

  boost::asio::io_context io;
  lf::faultproxy::FaultProxy proxy(io, options);
  auto listening = proxy.start();
  if (!listening) {
    std::fprintf(stderr, "%s\n", listening.error().message.c_str());
    return 1;
  }
  lf::http::ServerOptions control_options;
  control_options.port = control_port;
  lf::http::Server control(io, control_options, [&proxy](lf::http::Request r) -> boost::asio::awaitable<lf::http::Response> {
    if (r.path == "/faults" && r.method == "GET") co_return lf::http::Response::json(200, faults_to_json(proxy.faults()));
    if (r.path == "/faults" && (r.method == "PUT" || r.method == "POST")) {
      auto f = lf::faultproxy::faults_from_json(r.body);
      if (!f) co_return lf::http::error_response(400, "ERR_MALFORMED_REQUEST", f.error().message);
      proxy.set_faults(*f);
      co_return lf::http::Response::json(200, faults_to_json(*f));
    }
    if (r.path == "/stats" && r.method == "GET") {
      auto s = proxy.stats();
      nlohmann::json j = {{"accepted", s.accepted}, {"reset", s.reset}, {"open", s.open},
                          {"bytes_upstream", s.bytes_upstream}, {"bytes_downstream", s.bytes_downstream}};
      co_return lf::http::Response::json(200, j.dump());
    }
    co_return lf::http::error_response(404, "ERR_NOT_FOUND", "use GET|PUT /faults or GET /stats");
  });
  auto control_bound = control.listen();
  if (!control_bound) {
    std::fprintf(stderr, "%s\n", control_bound.error().message.c_str());
    return 1;
  }
  std::printf("listening on %u, control on %u\n", *listening, *control_bound);
  std::fflush(stdout);
  boost::asio::signal_set signals(io, SIGTERM, SIGINT);
  signals.async_wait([&](const boost::system::error_code&, int) {
    proxy.stop();
    control.shutdown(std::chrono::milliseconds(200), [&io] { io.stop(); });
  });
  io.run();
  return 0;
}
