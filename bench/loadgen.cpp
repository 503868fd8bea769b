// learnflow-loadgen: an open-loop HTTP load generator. Requests are sent on a fixed schedule
// (--rate per second) whatever the latency, and each latency is measured from its scheduled
// start, so a slow server cannot hide behind a slower request rate (no coordinated omission).
//   learnflow-loadgen --url http://127.0.0.1:3500/v1.0/invoke/echo/method/echo --rate 1000
//                     --duration 10 --body-bytes 1024 [--header k:v] [--warmup 2]
// Prints one JSON object: sent, ok, errors, p50/p90/p99/p999/max in ms, achieved rate.
#include <algorithm>
#include <cstdio>
#include <vector>

#include <CLI/CLI.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <nlohmann/json.hpp>

#include "http/client.hpp"
#include "http/url.hpp"

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

namespace {

struct Results {
  std::vector<double> latencies_ms;
  std::uint64_t sent = 0, ok = 0, errors = 0;
};

double percentile(std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  auto index = static_cast<std::size_t>(p * static_cast<double>(sorted.size() - 1) + 0.5);
  return sorted[std::min(index, sorted.size() - 1)];
}

asio::awaitable<void> one_request(lf::http::Client& client, lf::http::Endpoint ep, lf::http::Request req,
                                  Clock::time_point scheduled, bool record, Results& results) {
  auto res = co_await client.send(ep, std::move(req), std::chrono::seconds(10));
  double ms = std::chrono::duration<double, std::milli>(Clock::now() - scheduled).count();
  if (!record) co_return;
  if (res && res->status >= 200 && res->status < 300) {
    ++results.ok;
    results.latencies_ms.push_back(ms);
  } else {
    ++results.errors;
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"learnflow-loadgen: open-loop HTTP load at a fixed rate"};
  std::string url, method = "POST";
  double rate = 1000, duration = 10, warmup = 2;
  std::size_t body_bytes = 1024;
  std::vector<std::string> headers;
  app.add_option("--url", url, "target URL")->required();
  app.add_option("--method", method, "HTTP method");
  app.add_option("--rate", rate, "requests per second");
  app.add_option("--duration", duration, "measured seconds");
  app.add_option("--warmup", warmup, "seconds sent before measuring");
  app.add_option("--body-bytes", body_bytes, "request body size");
  app.add_option("--header", headers, "extra header name:value (repeatable)");
  CLI11_PARSE(app, argc, argv);
  auto parsed = lf::http::url::parse_url(url);
  if (!parsed) {
    std::fprintf(stderr, "%s\n", parsed.error().message.c_str());
    return 2;
  }
  lf::http::Request base;
  base.method = method;
  base.set_target(parsed->target);
  base.headers.set("Content-Type", "application/octet-stream");
  for (const auto& h : headers) {
    auto colon = h.find(':');
    if (colon != std::string::npos) base.headers.add(h.substr(0, colon), h.substr(colon + 1));
  }
  base.body.assign(body_bytes, 'x');
  lf::http::Endpoint ep{parsed->host, parsed->port};

  asio::io_context io;
  lf::http::Client client(io);
  Results results;
  results.latencies_ms.reserve(static_cast<std::size_t>(rate * duration) + 16);
  auto interval = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(1.0 / rate));
  auto start = Clock::now();
  auto measure_from = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(warmup));
  auto end = measure_from + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(duration));
  asio::co_spawn(io, [&]() -> asio::awaitable<void> {
    asio::steady_timer timer(io);
    for (auto next = start; next < end; next += interval) {
      timer.expires_at(next);
      boost::system::error_code ec;
      co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      bool record = next >= measure_from;
      if (record) ++results.sent;
      asio::co_spawn(io, one_request(client, ep, base, next, record, results), asio::detached);
    }
  }, asio::detached);
  io.run();
  auto& l = results.latencies_ms;
  std::sort(l.begin(), l.end());
  nlohmann::json out = {{"sent", results.sent},
                        {"ok", results.ok},
                        {"errors", results.errors},
                        {"rate", static_cast<double>(results.sent) / duration},
                        {"p50_ms", percentile(l, 0.50)},
                        {"p90_ms", percentile(l, 0.90)},
                        {"p99_ms", percentile(l, 0.99)},
                        {"p999_ms", percentile(l, 0.999)},
                        {"max_ms", l.empty() ? 0.0 : l.back()}};
  std::printf("%s\n", out.dump().c_str());
  return results.errors == 0 ? 0 : 1;
}
