// The real binaries from build/bin: start, answer, and stop on SIGTERM with exit code 0.
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "http/client.hpp"
#include "process/process.hpp"

namespace {

using namespace std::chrono_literals;

std::string bin(const std::string& name) {
  const char* dir = std::getenv("LEARNFLOW_BIN_DIR");
  return std::string(dir ? dir : "build/bin") + "/" + name;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

struct Running {
  lf::process::Process process;
  int port;
  std::string log_path;
  std::vector<lf::process::ReservedPort> reserved;  // held while it runs
};

// The sidecar port points at nothing: the services must still start, stay alive and stop cleanly.
Running start(const std::string& binary) {
  // Reserved: the service binds its port with SO_REUSEADDR; the sidecar's stays refused.
  auto port = lf::process::ReservedPort::reserve();
  auto dead_sidecar = lf::process::ReservedPort::reserve();
  EXPECT_TRUE(port && dead_sidecar);
  std::string log_path = ::testing::TempDir() + "/" + binary + ".log";
  std::remove(log_path.c_str());
  lf::process::SpawnOptions options;
  options.argv = {bin(binary), "--port", std::to_string(port->port())};
  options.env = {{"DAPR_HTTP_PORT", std::to_string(dead_sidecar->port())}, {"LEARNFLOW_INSTANCE_ID", "process-test"}};
  options.output = lf::process::Output::file;
  options.log_path = log_path;
  options.die_with_parent = true;
  auto process = lf::process::Process::spawn(options);
  EXPECT_TRUE(process.has_value());
  EXPECT_TRUE(lf::process::wait_for_tcp("127.0.0.1", port->port(), 10s)) << read_file(log_path);
  Running running{std::move(*process), port->port(), log_path, {}};
  running.reserved.push_back(std::move(*port));
  running.reserved.push_back(std::move(*dead_sidecar));
  return running;
}

class ServiceProcess : public ::testing::TestWithParam<std::string> {};

TEST_P(ServiceProcess, AnswersAndStopsGracefullyOnSigterm) {
  auto running = start(GetParam());
  std::string base = "http://127.0.0.1:" + std::to_string(running.port);
  auto health = lf::http::fetch(base + "/healthz", {}, 5s);
  ASSERT_TRUE(health.has_value());
  EXPECT_EQ(health->status, 200);
  auto ready = lf::http::fetch(base + "/readyz", {}, 5s);
  ASSERT_TRUE(ready.has_value());
  EXPECT_EQ(ready->status, 503) << "the sidecar is down, so the app is not ready";
  auto missing = lf::http::fetch(base + "/no-such-route", {}, 5s);
  ASSERT_TRUE(missing.has_value());
  EXPECT_EQ(missing->status, 404);
  EXPECT_TRUE(nlohmann::json::parse(missing->body, nullptr, false).is_object());

  ASSERT_TRUE(running.process.signal(SIGTERM).has_value());
  auto exit = running.process.wait_for(5s);
  ASSERT_TRUE(exit.has_value()) << "still running 5 s after SIGTERM";
  EXPECT_TRUE(exit->success()) << exit->describe();
  auto log = read_file(running.log_path);
  EXPECT_NE(log.find("level=info msg=\"shutting down"), std::string::npos) << log;
  EXPECT_NE(log.find("msg=\"stopped\""), std::string::npos) << log;
  EXPECT_NE(log.find("app_id=" + GetParam()), std::string::npos) << log;
}

INSTANTIATE_TEST_SUITE_P(Binaries, ServiceProcess,
                         ::testing::Values("course-agent", "user-progress", "learnflow-frontend"),
                         [](const auto& info) {
                           std::string name = info.param;
                           for (auto& c : name) if (c == '-') c = '_';
                           return name;
                         });

}  // namespace
