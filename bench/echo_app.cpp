// learnflow-bench-echo: the benchmark's app; answers every request with its body.
//   learnflow-bench-echo --port N
#include <csignal>
#include <cstdio>

#include <CLI/CLI.hpp>
#include <boost/asio/signal_set.hpp>

#include "http/server.hpp"

int main(int argc, char** argv) {
  CLI::App app{"learnflow-bench-echo"};
  lf::http::ServerOptions options;
  app.add_option("--port", options.port, "port (0: any)");
  CLI11_PARSE(app, argc, argv);
  boost::asio::io_context io;
  lf::http::Server server(io, options, [](lf::http::Request r) -> boost::asio::awaitable<lf::http::Response> {
    lf::http::Response res;
    res.status = 200;
    res.headers.set("Content-Type", "application/octet-stream");
    res.body = std::move(r.body);
    co_return res;
  });
  auto port = server.listen();
  if (!port) return 1;
  std::printf("%u\n", *port);
  std::fflush(stdout);
  boost::asio::signal_set signals(io, SIGTERM, SIGINT);
  signals.async_wait([&](const boost::system::error_code&, int) { server.shutdown(std::chrono::seconds(1), [&io] { io.stop(); }); });
  io.run();
  return 0;
}
