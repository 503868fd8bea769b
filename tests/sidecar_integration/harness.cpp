#include "sidecar_integration/harness.hpp"

#include <stdlib.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <nlohmann/json.hpp>

namespace lf::sidecar::testing {

namespace fs = std::filesystem;

TempDir::TempDir(const std::string& prefix) {
  std::string pattern = "/tmp/" + prefix + "-XXXXXX";
  if (const char* made = mkdtemp(pattern.data())) path_ = made;
}

TempDir::~TempDir() {
  std::error_code ec;
  if (!path_.empty()) fs::remove_all(path_, ec);
}

std::string TempDir::write(const std::string& relative, const std::string& content) const {
  fs::path full = fs::path(path_) / relative;
  fs::create_directories(full.parent_path());
  std::ofstream(full) << content;
  return full.string();
}

std::string TempDir::sub(const std::string& relative) const {
  fs::path full = fs::path(path_) / relative;
  fs::create_directories(full);
  return full.string();
}

std::string component_yaml(const std::string& name, const std::string& type,
                           const std::vector<std::pair<std::string, std::string>>& metadata) {
  std::string out = "apiVersion: dapr.io/v1alpha1\nkind: Component\nmetadata:\n  name: " + name +
                    "\nspec:\n  type: " + type + "\n  version: v1\n  metadata:\n";
  for (const auto& [k, v] : metadata) out += "  - name: " + k + "\n    value: \"" + v + "\"\n";
  return out;
}

std::string configuration_yaml(const std::string& registry_file, const std::string& extra_spec) {
  return "apiVersion: dapr.io/v1alpha1\nkind: Configuration\nmetadata:\n  name: appconfig\nspec:\n"
         "  nameResolution:\n    component: sqlite\n    configuration:\n      connectionString: \"" +
         registry_file + "\"\n" + extra_spec;
}

// --- TestApp ------------------------------------------------------------------------------------

TestApp::TestApp(Script script) : script_(std::move(script)) {
  http::ServerOptions options;
  options.port = 0;
  server_ = std::make_unique<http::Server>(io_, options, [this](http::Request r) { return handle(std::move(r)); });
  auto bound = server_->listen();
  if (bound) port_ = *bound;
  thread_ = std::thread([this] { io_.run(); });
}

TestApp::~TestApp() {
  io_.stop();
  if (thread_.joinable()) thread_.join();
  server_.reset();
}

void TestApp::set_script(Script script) {
  std::lock_guard lock(mutex_);
  script_ = std::move(script);
}

std::vector<http::Request> TestApp::requests() const {
  std::lock_guard lock(mutex_);
  return requests_;
}

std::vector<http::Request> TestApp::requests_to(const std::string& path) const {
  std::lock_guard lock(mutex_);
  std::vector<http::Request> out;
  for (const auto& r : requests_)
    if (r.path == path) out.push_back(r);
  return out;
}

void TestApp::clear() {
  std::lock_guard lock(mutex_);
  requests_.clear();
}

void TestApp::kill() {
  killed_ = true;
  boost::asio::post(io_, [this] { server_->shutdown(Duration::zero()); });
}

boost::asio::awaitable<http::Response> TestApp::handle(http::Request request) {
  Reply reply;
  {
    std::lock_guard lock(mutex_);
    requests_.push_back(request);
    if (script_) reply = script_(request);
  }
  if (reply.delay > Duration::zero()) {
    boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor);
    timer.expires_after(reply.delay);
    boost::system::error_code ec;
    co_await timer.async_wait(boost::asio::redirect_error(boost::asio::use_awaitable, ec));
  }
  http::Response response;
  response.status = reply.status;
  response.body = std::move(reply.body);
  if (!response.body.empty()) response.headers.set("Content-Type", reply.content_type);
  for (auto& [name, value] : reply.headers) response.headers.set(std::move(name), std::move(value));
  co_return response;
}

// --- Sidecar ------------------------------------------------------------------------------------

std::string sidecar_binary() {
  if (const char* dir = std::getenv("LEARNFLOW_BIN_DIR"); dir && *dir) return std::string(dir) + "/learnflow-sidecar";
  return LF_SIDECAR_BINARY;
}

namespace {
// Reserved for the Sidecar's lifetime (see process::ReservedPort): no other process can take one
// between two starts, and a restarted sidecar listens where the test expects it.
std::uint16_t reserve_port(std::vector<process::ReservedPort>& reserved) {
  auto port = process::ReservedPort::reserve();
  if (!port) return 0;
  reserved.push_back(std::move(*port));
  return static_cast<std::uint16_t>(reserved.back().port());
}
}  // namespace

Sidecar::Sidecar(SidecarConfig config, std::string log_dir) : config_(std::move(config)) {
  static std::atomic<int> sidecars{0};
  log_path_ = log_dir + "/sidecar-" + config_.app_id + "-" + std::to_string(++sidecars) + ".log";
  http_port_ = reserve_port(reserved_ports_);
  internal_port_ = reserve_port(reserved_ports_);
  metrics_port_ = reserve_port(reserved_ports_);
}

Sidecar::~Sidecar() {
  if (process_) process_->stop(5s);
}

Status Sidecar::start(bool wait_healthy, Duration timeout) {
  process::SpawnOptions spawn;
  spawn.argv = {sidecar_binary(),      "--app-id", config_.app_id, "--dapr-http-port", std::to_string(http_port_),
                "--dapr-internal-grpc-port", std::to_string(internal_port_), "--metrics-port", std::to_string(metrics_port_),
                "--log-level", "debug", "--dapr-graceful-shutdown-seconds", "2"};
  if (config_.app_port) spawn.argv.insert(spawn.argv.end(), {"--app-port", std::to_string(config_.app_port)});
  for (const auto& p : config_.resources_paths) spawn.argv.insert(spawn.argv.end(), {"--resources-path", p});
  if (!config_.config_file.empty()) spawn.argv.insert(spawn.argv.end(), {"--config", config_.config_file});
  spawn.argv.insert(spawn.argv.end(), config_.extra_args.begin(), config_.extra_args.end());
  // LF_SIDECAR_IT_THREADS=N runs every sidecar with N I/O threads (to shake out races).
  if (const char* threads = std::getenv("LF_SIDECAR_IT_THREADS"); threads && *threads)
    spawn.argv.insert(spawn.argv.end(), {"--threads", threads});
  spawn.env = config_.env;
  if (!config_.registry_file.empty()) spawn.env.emplace_back("LEARNFLOW_NAME_RESOLUTION_DB", config_.registry_file);
  spawn.output = process::Output::file;
  spawn.log_path = log_path_;
  spawn.die_with_parent = true;
  auto spawned = process::Process::spawn(spawn);
  if (!spawned) return fail("spawn " + sidecar_binary() + ": " + spawned.error().message);
  process_.emplace(std::move(*spawned));
  if (!wait_healthy) return {};
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (!process_->is_running())
      return fail("sidecar " + config_.app_id + " exited (" + process_->exit_status()->describe() + "); log:\n" + log());
    auto r = http::fetch(url("/v1.0/healthz"), {}, 1s);
    if (r && r->status == 204) return {};
    std::this_thread::sleep_for(50ms);
  }
  return fail("sidecar " + config_.app_id + " not healthy in time; log:\n" + log());
}

process::ExitStatus Sidecar::stop(Duration grace) {
  if (!process_) return {};
  auto status = process_->stop(grace);
  return status;
}

void Sidecar::kill() {
  if (!process_) return;
  (void)process_->signal(SIGKILL);
  process_->wait();
}

void Sidecar::signal(int sig) {
  if (process_) (void)process_->signal(sig);
}

bool Sidecar::running() { return process_ && process_->is_running(); }

std::optional<process::ExitStatus> Sidecar::wait_exit(Duration timeout) {
  if (!process_) return std::nullopt;
  return process_->wait_for(timeout);
}

std::string Sidecar::url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(http_port_) + path;
}

http::Response Sidecar::request(const std::string& method, const std::string& path, const std::string& body,
                                std::vector<std::pair<std::string, std::string>> headers, Duration timeout) const {
  http::Request req;
  req.method = method;
  req.body = body;
  for (auto& [k, v] : headers) req.headers.set(k, v);
  auto r = http::fetch(url(path), std::move(req), timeout);
  if (!r) {
    http::Response failed;
    failed.status = -1;
    failed.body = r.error().message;
    return failed;
  }
  return std::move(*r);
}

std::string Sidecar::metrics() const {
  auto r = http::fetch("http://127.0.0.1:" + std::to_string(metrics_port_) + "/metrics", {}, 5s);
  return r ? r->body : std::string();
}

std::string Sidecar::log() const {
  std::ifstream in(log_path_);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// --- helpers ------------------------------------------------------------------------------------

namespace {
// Parses `name{a="x",b="y"} value` (or `name value`); false when the line is another metric.
bool parse_sample(const std::string& line, const std::string& name, std::map<std::string, std::string>& labels,
                  double& value) {
  if (line.compare(0, name.size(), name) != 0) return false;
  std::size_t pos = name.size();
  if (pos >= line.size() || (line[pos] != '{' && line[pos] != ' ')) return false;
  if (line[pos] == '{') {
    ++pos;
    while (pos < line.size() && line[pos] != '}') {
      auto eq = line.find('=', pos);
      if (eq == std::string::npos || eq + 1 >= line.size() || line[eq + 1] != '"') return false;
      std::string key = line.substr(pos, eq - pos);
      std::string val;
      std::size_t i = eq + 2;
      for (; i < line.size() && line[i] != '"'; ++i) {
        if (line[i] == '\\' && i + 1 < line.size()) ++i;
        val += line[i];
      }
      labels[key] = val;
      pos = i + 1;
      if (pos < line.size() && line[pos] == ',') ++pos;
    }
    ++pos;
  }
  try {
    value = std::stod(line.substr(pos));
  } catch (...) {
    return false;
  }
  return true;
}
}  // namespace

double metric_sum(const std::string& exposition, const std::string& name, const std::map<std::string, std::string>& labels) {
  double sum = 0;
  std::istringstream in(exposition);
  for (std::string line; std::getline(in, line);) {
    std::map<std::string, std::string> found;
    double value = 0;
    if (!parse_sample(line, name, found, value)) continue;
    bool match = true;
    for (const auto& [k, v] : labels)
      if (auto it = found.find(k); it == found.end() || it->second != v) match = false;
    if (match) sum += value;
  }
  return sum;
}

bool has_metric(const std::string& exposition, const std::string& name) {
  std::istringstream in(exposition);
  for (std::string line; std::getline(in, line);) {
    std::map<std::string, std::string> found;
    double value = 0;
    if (parse_sample(line, name, found, value)) return true;
  }
  return false;
}

bool wait_until(const std::function<bool()>& pred, Duration timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (pred()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(20ms);
  }
}

std::size_t count_occurrences(const std::string& haystack, const std::string& needle) {
  std::size_t n = 0;
  for (auto pos = haystack.find(needle); pos != std::string::npos; pos = haystack.find(needle, pos + needle.size())) ++n;
  return n;
}

namespace {
std::string error_field(const http::Response& r, const char* field) {
  auto j = nlohmann::json::parse(r.body, nullptr, false);
  if (!j.is_object() || !j.contains(field) || !j[field].is_string()) return {};
  return j[field].get<std::string>();
}
}  // namespace

std::string error_code(const http::Response& r) { return error_field(r, "errorCode"); }
std::string error_message(const http::Response& r) { return error_field(r, "message"); }

}  // namespace lf::sidecar::testing
