#include "verify/platform_session.hpp"

#include <stdlib.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <mutex>
#include <thread>

#include "http/client.hpp"
#include "process/process.hpp"

namespace lf::verify {
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

std::string url_encode(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.') {
      out += static_cast<char>(c);
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

HttpResult exchange(const std::string& url, http::Request request, std::chrono::milliseconds timeout) {
  const auto started = std::chrono::steady_clock::now();
  auto answer = http::fetch(url, std::move(request), timeout);
  HttpResult result;
  result.latency_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  if (answer) {
    result.status = answer->status;
    result.body = std::move(answer->body);
  }
  return result;
}

}  // namespace

Expected<std::unique_ptr<PlatformSession>, std::string> PlatformSession::open(SessionOptions options) {
  std::unique_ptr<PlatformSession> session(new PlatformSession(options));
  if (options.attach) {
    session->state_dir_ = fs::absolute(options.state_dir).string();
    auto status = session->status();
    if (!status.value("ready", false) || !status.contains("pods"))
      return unexpected(std::string("no ready platform in ") + session->state_dir_ +
                        " (status.json missing or not ready; start it with learnflow up -d)");
    return session;
  }
  if (options.state_dir.empty()) {
    char pattern[] = "/tmp/lf-verify-XXXXXX";
    if (!::mkdtemp(pattern)) return unexpected(std::string("cannot create a temporary state directory"));
    session->temp_root_ = pattern;
    session->state_dir_ = session->temp_root_ + "/.learnflow";
  } else {
    session->state_dir_ = fs::absolute(options.state_dir).string();
  }
  session->say("starting the platform (learnflow up -d) in " + session->state_dir_);
  std::vector<std::string> args{"up", "-d", "-f", options.manifests_dir, "--frontend-port", "0", "--prometheus-port", "0", "--metrics-port", "0",
                                "--ready-timeout", "150", "--kafka-fault-proxy"};
  if (!options.bin_dir.empty()) args.insert(args.end(), {"--bin-dir", options.bin_dir});
  session->started_here_ = true;  // from here on, the destructor runs `down` whatever happens
  auto [code, output] = session->learnflow(args, 200s);
  if (code != 0) return unexpected("learnflow up failed (exit " + std::to_string(code) + "): " + output);
  return session;
}

PlatformSession::~PlatformSession() {
  if (started_here_) {
    say("stopping the platform (learnflow down)");
    (void)learnflow({"down"}, 120s);
  }
  if (!temp_root_.empty()) {
    std::error_code ignored;
    fs::remove_all(temp_root_, ignored);
  }
}

void PlatformSession::say(const std::string& line) const {
  if (options_.progress) *options_.progress << "  .. " << line << std::endl;
}

std::pair<int, std::string> PlatformSession::learnflow(std::vector<std::string> args, std::chrono::seconds timeout) const {
  args.insert(args.begin(), options_.learnflow_binary);
  args.insert(args.end(), {"--state-dir", state_dir_});
  auto p = process::Process::spawn({.argv = args, .output = process::Output::pipe});
  if (!p) return {-1, p.error().message};
  std::string output;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (p->is_running() && std::chrono::steady_clock::now() < deadline) {
    output += p->read_available_output();
    std::this_thread::sleep_for(50ms);
  }
  output += p->read_available_output();
  auto status = p->is_running() ? p->stop(5s) : p->wait();
  return {status.exited ? status.code : -1, output};
}

nlohmann::json PlatformSession::status() const {
  std::ifstream in(state_dir_ + "/status.json");
  auto doc = nlohmann::json::parse(in, nullptr, false);
  return doc.is_object() ? doc : nlohmann::json::object();
}

std::string PlatformSession::service_url(const std::string& service) const {
  auto doc = status();
  if (doc["services"].is_array())
    for (const auto& s : doc["services"])
      if (s.value("name", "") == service) return s.value("url", "");
  return {};
}

std::string PlatformSession::infrastructure_field(const std::string& name, const std::string& field) const {
  auto doc = status();
  if (doc["infrastructure"].is_array())
    for (const auto& i : doc["infrastructure"])
      if (i.value("name", "") == name && i.contains(field)) return i[field].is_string() ? i[field].get<std::string>() : i[field].dump();
  return {};
}

std::vector<nlohmann::json> PlatformSession::pods_of(const std::string& deployment) const {
  std::vector<nlohmann::json> pods;
  auto doc = status();
  if (doc["pods"].is_array())
    for (const auto& p : doc["pods"])
      if (p.value("deployment", "") == deployment) pods.push_back(p);
  return pods;
}

int PlatformSession::restarts_of(const std::string& deployment) const {
  int restarts = 0;
  for (const auto& p : pods_of(deployment)) restarts += p.value("restarts", 0);
  return restarts;
}

HttpResult PlatformSession::get(const std::string& url, std::chrono::milliseconds timeout) const {
  return exchange(url, {}, timeout);
}

HttpResult PlatformSession::post_json(const std::string& url, const std::string& body,
                                      std::chrono::milliseconds timeout) const {
  http::Request request;
  request.method = "POST";
  request.headers.set("Content-Type", "application/json");
  request.body = body;
  return exchange(url, std::move(request), timeout);
}

std::optional<double> PlatformSession::prometheus_sum(const std::string& query) const {
  const std::string prometheus = infrastructure_field("prometheus", "url");
  if (prometheus.empty()) return std::nullopt;
  auto answer = get(prometheus + "/api/v1/query?query=" + url_encode(query), 5s);
  if (answer.status != 200) return std::nullopt;
  return sum_of_query_result(nlohmann::json::parse(answer.body, nullptr, false));
}

std::vector<std::string> PlatformSession::log_lines(const std::string& pod, const std::string& container) const {
  std::vector<std::string> lines;
  std::ifstream in(state_dir_ + "/logs/pods/" + pod + "/" + container + ".log");
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

bool eventually(const std::function<bool()>& predicate, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (predicate()) return true;
    std::this_thread::sleep_for(250ms);
  }
  return predicate();
}

struct SteadyLoad::State {
  std::atomic<bool> stopping{false};
  mutable std::mutex mutex;
  HttpTally tally;
  std::vector<std::string> bodies;
  std::thread worker;
};

SteadyLoad::SteadyLoad(std::function<HttpResult()> request, std::chrono::milliseconds period)
    : state_(std::make_shared<State>()) {
  state_->worker = std::thread([state = state_, request = std::move(request), period] {
    auto next = std::chrono::steady_clock::now();
    while (!state->stopping) {
      auto result = request();
      {
        std::lock_guard lock(state->mutex);
        state->tally.add(result.status, result.latency_ms);
        state->bodies.push_back(std::move(result.body));
      }
      next += period;
      while (!state->stopping && std::chrono::steady_clock::now() < next) std::this_thread::sleep_for(20ms);
    }
  });
}

SteadyLoad::~SteadyLoad() { (void)stop(); }

HttpTally SteadyLoad::stop() {
  state_->stopping = true;
  if (state_->worker.joinable()) state_->worker.join();
  std::lock_guard lock(state_->mutex);
  return state_->tally;
}

std::vector<std::string> SteadyLoad::bodies() const {
  std::lock_guard lock(state_->mutex);
  return state_->bodies;
}

}  // namespace lf::verify
