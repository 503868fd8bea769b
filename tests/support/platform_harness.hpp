// Shared by the end-to-end tests that run the whole platform: `learnflow up -d` on a deploy/
// directory with a temporary state directory and OS-chosen ports, `learnflow down` (and removal of
// the directory) when the harness goes out of scope, whatever happened in between.
// Needs lf_http, lf_process, lf_kafka_launcher and nlohmann_json linked into the test.
#pragma once

#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "http/client.hpp"
#include "kafka/broker.hpp"
#include "process/process.hpp"

namespace lf::testing::platform {

namespace fs = std::filesystem;
using nlohmann::json;
using namespace std::chrono_literals;

inline std::string env_or(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v && *v ? v : fallback;
}

inline int env_int_or(const char* name, int fallback) {
  const std::string text = env_or(name, "");
  if (text.empty()) return fallback;
  char* end = nullptr;
  const long value = std::strtol(text.c_str(), &end, 10);
  return end && *end == '\0' && value > 0 ? static_cast<int>(value) : fallback;
}

struct Run {
  int code = -1;
  std::string output;
};

// Runs a command to completion with its output captured (never through a shell).
inline Run run(const std::vector<std::string>& argv, std::chrono::seconds timeout = 240s,
               std::vector<std::pair<std::string, std::string>> env = {}) {
  auto p = lf::process::Process::spawn({.argv = argv, .env = std::move(env), .output = lf::process::Output::pipe});
  if (!p) return {-1, p.error().message};
  Run r;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (p->is_running() && std::chrono::steady_clock::now() < deadline) {
    r.output += p->read_available_output();
    std::this_thread::sleep_for(50ms);
  }
  r.output += p->read_available_output();
  auto status = p->wait_for(1s);
  r.code = status && status->exited ? status->code : -1;
  return r;
}

template <typename Predicate>
bool eventually(Predicate predicate, std::chrono::seconds timeout, std::chrono::milliseconds period = 500ms) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (predicate()) return true;
    std::this_thread::sleep_for(period);
  }
  return predicate();
}

// One platform in its own temporary directory. The deploy directory defaults to the source tree's
// deploy/; copy_deploy() gives a private copy the test may edit before up().
class Platform {
 public:
  explicit Platform(const std::string& name = "lf-e2e") {
    std::string tmpl = "/tmp/" + name + "-XXXXXX";
    dir_ = ::mkdtemp(tmpl.data());
    // mkdtemp makes it 0700; PostgreSQL (run as the postgres user when we are root) must be able
    // to reach its data directory below it.
    fs::permissions(dir_, fs::perms::owner_all | fs::perms::group_exec | fs::perms::others_exec);
    state_ = dir_ + "/.learnflow";
    bin_ = env_or("LEARNFLOW_PLATFORM_BIN_DIR", env_or("LEARNFLOW_BIN_DIR", ""));
    learnflow_ = env_or("LEARNFLOW_BIN_DIR", "") + "/learnflow";
    deploy_ = env_or("LEARNFLOW_SOURCE_DIR", ".") + "/deploy";
  }
  Platform(const Platform&) = delete;
  Platform& operator=(const Platform&) = delete;
  ~Platform() {
    (void)down();
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }

  // Empty when everything the platform needs is there; else why the test should be skipped.
  std::string missing_prerequisite() const {
    for (const char* b : {"learnflow-sidecar", "course-agent", "user-progress", "learnflow-frontend"})
      if (::access((bin_ + "/" + b).c_str(), X_OK) != 0) return bin_ + "/" + b + " is not built";
    if (::access(learnflow_.c_str(), X_OK) != 0) return learnflow_ + " is not built";
    if (!fs::exists(lf::kafka::default_classpath_file())) return "the Kafka jars are not fetched (scripts/fetch-kafka.sh)";
    if (::access("/usr/bin/prometheus", X_OK) != 0) return "prometheus is not installed";
    return {};
  }

  // Copies deploy/ into the temporary directory and returns the copy's path (used by up()).
  std::string copy_deploy() {
    const std::string copy = dir_ + "/deploy";
    fs::copy(deploy_, copy, fs::copy_options::recursive);
    deploy_ = copy;
    return copy;
  }

  // `learnflow up -d` on OS-chosen ports; `flags` replace the defaults of the same name or are added
  // ({"--prometheus-port", "9090"}, {"--kafka-fault-proxy", ""} for a flag without a value).
  Run up(const std::vector<std::pair<std::string, std::string>>& flags = {},
         std::vector<std::pair<std::string, std::string>> env = {}) {
    std::vector<std::pair<std::string, std::string>> all{{"-f", deploy_},          {"--state-dir", state_},
                                                         {"--bin-dir", bin_},      {"--frontend-port", "0"},
                                                         {"--prometheus-port", "0"}, {"--metrics-port", "0"},
                                                         {"--ready-timeout", "120"}};
    for (const auto& flag : flags) {
      auto same = std::find_if(all.begin(), all.end(), [&](const auto& f) { return f.first == flag.first; });
      if (same != all.end()) same->second = flag.second;
      else all.push_back(flag);
    }
    std::vector<std::string> argv{learnflow_, "up", "-d"};
    for (const auto& [name, value] : all) {
      argv.push_back(name);
      if (!value.empty()) argv.push_back(value);
    }
    return run(argv, 240s, std::move(env));
  }
  // Sets where the state directory lives (before up()), e.g. on a small filesystem.
  void set_state(const std::string& state) { state_ = state; }
  Run down() { return cli({"down"}); }
  Run cli(std::vector<std::string> args) {
    args.insert(args.begin(), learnflow_);
    args.insert(args.end(), {"--state-dir", state_});
    return run(args, 150s);
  }
  json status() {
    auto r = cli({"status", "-o", "json"});
    return json::parse(r.output, nullptr, false);
  }
  const std::string& state() const { return state_; }
  const std::string& dir() const { return dir_; }

 private:
  std::string dir_, state_, bin_, learnflow_, deploy_;
};

inline std::string service_url(const json& status, const std::string& name) {
  for (const auto& s : status["services"])
    if (s["name"] == name) return s["url"];
  return {};
}

inline json infrastructure(const json& status, const std::string& name) {
  for (const auto& i : status["infrastructure"])
    if (i["name"] == name) return i;
  return json();
}

// The first pod of a deployment, or null.
inline json pod_of(const json& status, const std::string& deployment) {
  for (const auto& p : status["pods"])
    if (p["deployment"] == deployment) return p;
  return json();
}

inline lf::Expected<lf::http::Response, lf::http::ClientError> get(const std::string& url,
                                                                   std::chrono::seconds timeout = 5s) {
  return lf::http::fetch(url, {}, timeout);
}

inline json get_json(const std::string& url) {
  auto r = get(url);
  if (!r || r->status != 200) return json();
  return json::parse(r->body, nullptr, false);
}

inline lf::Expected<lf::http::Response, lf::http::ClientError> post_json(const std::string& url, const json& body,
                                                                         std::chrono::seconds timeout = 30s) {
  lf::http::Request request;
  request.method = "POST";
  request.headers.set("Content-Type", "application/json");
  request.body = body.dump();
  return lf::http::fetch(url, request, timeout);
}

// The value of an unlabelled sample in Prometheus text, or -1 when absent.
inline double metric_value(const std::string& exposition, const std::string& name) {
  std::size_t at = 0;
  while ((at = exposition.find(name, at)) != std::string::npos) {
    const bool line_start = at == 0 || exposition[at - 1] == '\n';
    const std::size_t after = at + name.size();
    if (line_start && after < exposition.size() && exposition[after] == ' ')
      return std::strtod(exposition.c_str() + after + 1, nullptr);
    at = after;
  }
  return -1;
}

// Freezes a process (SIGSTOP) until destroyed (SIGCONT), so an assertion failing mid-window never
// leaves it frozen for the platform's `down`.
class Frozen {
 public:
  explicit Frozen(int pid) : pid_(pid) { ok_ = pid_ > 0 && ::kill(pid_, SIGSTOP) == 0; }
  Frozen(const Frozen&) = delete;
  Frozen& operator=(const Frozen&) = delete;
  ~Frozen() { thaw(); }
  bool ok() const { return ok_; }
  void thaw() {
    if (ok_) ::kill(pid_, SIGCONT);
    ok_ = false;
  }

 private:
  int pid_;
  bool ok_ = false;
};

}  // namespace lf::testing::platform
