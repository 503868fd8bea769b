#pragma once
// The platform a verify run works against: one it starts (`learnflow up -d` on a state directory,
// `learnflow down` when the session ends, also on failure) or one already up (read through its
// status.json). Also the evidence sources: HTTP, Prometheus's /api/v1/query, container log files.
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/expected.hpp"
#include "verify/judge.hpp"

namespace lf::verify {

struct SessionOptions {
  std::string learnflow_binary;  // the `learnflow` executable (for up/down/scale)
  std::string state_dir;         // empty: a temporary one, removed at the end
  std::string manifests_dir = "deploy";
  std::string bin_dir;           // empty: learnflow's default
  bool attach = false;           // true: the platform of state_dir is already up
  std::ostream* progress = nullptr;
};

struct HttpResult {
  int status = 0;  // 0: no answer
  std::string body;
  double latency_ms = 0;
};

class PlatformSession {
 public:
  static Expected<std::unique_ptr<PlatformSession>, std::string> open(SessionOptions options);
  ~PlatformSession();  // `learnflow down` and removal of the temporary state directory, when started here
  PlatformSession(const PlatformSession&) = delete;
  PlatformSession& operator=(const PlatformSession&) = delete;

  const std::string& state_dir() const { return state_dir_; }
  nlohmann::json status() const;  // status.json now (an empty object when unreadable)
  std::string service_url(const std::string& service) const;
  std::string infrastructure_field(const std::string& name, const std::string& field) const;
  std::vector<nlohmann::json> pods_of(const std::string& deployment) const;
  int restarts_of(const std::string& deployment) const;  // summed over its pods

  HttpResult get(const std::string& url, std::chrono::milliseconds timeout = std::chrono::seconds(10)) const;
  HttpResult post_json(const std::string& url, const std::string& body,
                       std::chrono::milliseconds timeout = std::chrono::seconds(35)) const;
  // Sum over the series of a PromQL query; nullopt when Prometheus is absent or the query fails.
  std::optional<double> prometheus_sum(const std::string& query) const;
  // Lines of logs/pods/<pod>/<container>.log.
  std::vector<std::string> log_lines(const std::string& pod, const std::string& container) const;
  // Runs `learnflow ARGS --state-dir DIR`; returns the exit code and output.
  std::pair<int, std::string> learnflow(std::vector<std::string> args, std::chrono::seconds timeout) const;

  void say(const std::string& line) const;

 private:
  explicit PlatformSession(SessionOptions options) : options_(std::move(options)) {}
  SessionOptions options_;
  std::string state_dir_;
  std::string temp_root_;  // removed at the end when non-empty
  bool started_here_ = false;
};

// Polls predicate every 250 ms until it holds or timeout passes.
bool eventually(const std::function<bool()>& predicate, std::chrono::milliseconds timeout);

// Closed-loop load at a steady rate on a background thread until stop(): one request every period.
class SteadyLoad {
 public:
  SteadyLoad(std::function<HttpResult()> request, std::chrono::milliseconds period);
  ~SteadyLoad();
  // Stops and returns what was sent, with every answer's body.
  HttpTally stop();
  std::vector<std::string> bodies() const;

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace lf::verify
