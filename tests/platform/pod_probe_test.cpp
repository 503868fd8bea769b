// The kubelet's probe handlers and startup gating on real processes (kubernetes.md §7): a startup
// probe holds readiness back until it succeeds and restarts the container after failureThreshold
// failures; tcpSocket succeeds when the port accepts; exec succeeds when the command exits 0 and
// runs with the container's environment.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include <gtest/gtest.h>

#include "platform/pod.hpp"

namespace lf::platform {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

template <typename Predicate>
bool eventually(Predicate predicate, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (predicate()) return true;
    std::this_thread::sleep_for(50ms);
  }
  return predicate();
}

k8s::Probe every_second(int failure_threshold = 3) {
  k8s::Probe p;
  p.period_seconds = 1;
  p.failure_threshold = failure_threshold;
  return p;
}

k8s::Probe exec_probe(std::vector<std::string> command, int failure_threshold = 3) {
  auto p = every_second(failure_threshold);
  p.exec_command = std::move(command);
  return p;
}

// A socket bound to a free port on 127.0.0.1 and not listening yet (connections are refused), or -1.
int bound_loopback_socket(int& port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), len) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    ::close(fd);
    return -1;
  }
  port = ntohs(addr.sin_port);
  return fd;
}

class PodProbes : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string tmpl = "/tmp/lf-pod-probe-XXXXXX";
    dir_ = ::mkdtemp(tmpl.data());
  }
  void TearDown() override { fs::remove_all(dir_); }

  PodLaunch pod_running_sleep(std::optional<k8s::Probe> startup, std::optional<k8s::Probe> readiness) {
    PodLaunch pod;
    pod.name = "probe-test";
    pod.termination_grace = 2s;
    ContainerLaunch c;
    c.name = "app";
    c.argv = {"sleep", "60"};
    c.env = {{"PROBE_DIR", dir_}};
    c.log_path = dir_ + "/app.log";
    c.startup = std::move(startup);
    c.readiness = std::move(readiness);
    pod.containers.push_back(std::move(c));
    return pod;
  }
  bool ready(const Pod& pod) const { return pod.status().ready; }
  int restarts(const Pod& pod) const { return pod.status().restarts(); }

  std::string dir_;
};

TEST_F(PodProbes, StartupProbeHoldsReadinessBackUntilItSucceeds) {
  // The exec command sees the container's environment: it tests $PROBE_DIR/started.
  Pod pod(pod_running_sleep(exec_probe({"sh", "-c", "test -e \"$PROBE_DIR/started\""}, 30), every_second()));
  pod.start();
  std::this_thread::sleep_for(2500ms);
  EXPECT_FALSE(ready(pod)) << "ready before the startup probe succeeded";
  std::ofstream(dir_ + "/started").put('\n');
  EXPECT_TRUE(eventually([&] { return ready(pod); }, 4s));
  EXPECT_EQ(restarts(pod), 0);
  pod.stop();
  // Several failures for one reason are one line in the container's log, then the success.
  std::ifstream log(dir_ + "/app.log");
  std::string text((std::istreambuf_iterator<char>(log)), {});
  EXPECT_EQ(text,
            "[learnflow] Startup probe failed: command \"sh\" failed: exit code 1\n"
            "[learnflow] Startup probe succeeded\n");
}

TEST_F(PodProbes, StartupProbeFailingThresholdTimesRestartsTheContainer) {
  Pod pod(pod_running_sleep(exec_probe({"false"}, 2), std::nullopt));
  pod.start();
  // Stopped after the second failure; started again after the kubelet's 10 s back-off.
  auto app = [&] {
    const auto status = pod.status();
    return status.containers.empty() ? ContainerStatus{} : status.containers.front();
  };
  EXPECT_TRUE(eventually([&] { return app().last_exit == "Startup probe failed"; }, 4s));
  EXPECT_FALSE(app().running);
  EXPECT_FALSE(ready(pod));
  std::ifstream log(dir_ + "/app.log");
  std::string text((std::istreambuf_iterator<char>(log)), {});
  EXPECT_NE(text.find("[learnflow] Startup probe failed 2 times: stopping the container to restart it"),
            std::string::npos)
      << text;
  pod.stop();
}

TEST_F(PodProbes, TcpSocketReadinessFollowsWhetherThePortAccepts) {
  int port = 0;
  const int fd = bound_loopback_socket(port);
  ASSERT_GE(fd, 0);
  auto readiness = every_second(1);
  readiness.tcp_socket_port = k8s::PortRef{port, ""};
  Pod pod(pod_running_sleep(std::nullopt, readiness));
  pod.start();
  std::this_thread::sleep_for(1500ms);
  EXPECT_FALSE(ready(pod)) << "bound but not listening: connections are refused";
  ASSERT_EQ(::listen(fd, 8), 0);
  EXPECT_TRUE(eventually([&] { return ready(pod); }, 3s));
  ::close(fd);
  EXPECT_TRUE(eventually([&] { return !ready(pod); }, 3s)) << "still ready after the port closed";
  pod.stop();
}

TEST(RunProbe, ExecTimesOutAfterTimeoutSecondsAndFails) {
  ContainerLaunch container;
  auto probe = exec_probe({"sleep", "5"});
  probe.timeout_seconds = 1;
  const auto started = std::chrono::steady_clock::now();
  const auto outcome = run_probe(probe, container);
  EXPECT_FALSE(outcome.success);
  EXPECT_EQ(outcome.failure, "command \"sleep\" timed out");
  EXPECT_LT(std::chrono::steady_clock::now() - started, 2500ms);
}

// The reasons are the kubelet's: the status code, or the client's error after the URL.
TEST(RunProbe, HttpGetFailuresSayWhy) {
  int port = 0;
  const int fd = bound_loopback_socket(port);
  ASSERT_GE(fd, 0);
  k8s::Probe probe = every_second();
  probe.http_get = k8s::HttpGetAction{};
  probe.http_get->path = "/readyz";
  probe.http_get->port = k8s::PortRef{port, ""};

  const auto refused = run_probe(probe, ContainerLaunch{});
  EXPECT_FALSE(refused.success);
  EXPECT_EQ(refused.failure.rfind("Get \"http://127.0.0.1:" + std::to_string(port) + "/readyz\": ", 0), 0u)
      << refused.failure;
  EXPECT_NE(refused.failure.find("connection refused"), std::string::npos) << refused.failure;

  ASSERT_EQ(::listen(fd, 4), 0);
  std::thread server([fd] {
    const int c = ::accept(fd, nullptr, nullptr);
    char buf[1024];
    (void)::read(c, buf, sizeof buf);
    const std::string answer = "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n";
    (void)::send(c, answer.data(), answer.size(), MSG_NOSIGNAL);
    ::close(c);
  });
  const auto unavailable = run_probe(probe, ContainerLaunch{});
  server.join();
  ::close(fd);
  EXPECT_FALSE(unavailable.success);
  EXPECT_EQ(unavailable.failure, "HTTP probe failed with statuscode: 503");
}

}  // namespace
}  // namespace lf::platform
