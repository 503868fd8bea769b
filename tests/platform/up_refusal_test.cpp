// `learnflow up` refuses to run what it cannot run well, and says why in one sentence (issue 5):
// manifests with lint errors are refused before anything starts; a missing Java, Kafka jars that
// were never fetched, a taken port and a full disk each end `up` with a plain sentence saying what
// to do, and no process is left behind. A platform not ready in time names what is not ready, and why.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <regex>
#include <sstream>

#include <gtest/gtest.h>

#include "support/platform_harness.hpp"

namespace {

using namespace lf::testing::platform;

// Lines of `ps` naming this platform's state directory: every process `up` starts has it in its
// arguments (supervisor, Kafka, Prometheus, sidecars) or runs from under it.
std::vector<std::string> processes_naming(const std::string& dir) {
  std::vector<std::string> found;
  for (const auto& entry : fs::directory_iterator("/proc")) {
    const std::string pid = entry.path().filename();
    if (pid.find_first_not_of("0123456789") != std::string::npos || pid == std::to_string(::getpid())) continue;
    std::ifstream in(entry.path() / "cmdline");
    std::string cmdline((std::istreambuf_iterator<char>(in)), {});
    std::replace(cmdline.begin(), cmdline.end(), '\0', ' ');
    if (cmdline.find(dir) != std::string::npos) found.push_back(pid + " " + cmdline.substr(0, 160));
  }
  return found;
}

std::string failure_sentence(const std::string& output) {
  std::istringstream lines(output);
  for (std::string line; std::getline(lines, line);)
    if (line.rfind("learnflow up failed: ", 0) == 0) return line.substr(21);
  return {};
}

// A listening socket on 127.0.0.1 that holds a port for the test's lifetime.
class TakenPort {
 public:
  TakenPort() : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(addr);
    if (fd_ >= 0 && ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), len) == 0 && ::listen(fd_, 1) == 0 &&
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0)
      port_ = ntohs(addr.sin_port);
  }
  ~TakenPort() {
    if (fd_ >= 0) ::close(fd_);
  }
  int port() const { return port_; }

 private:
  int fd_;
  int port_ = 0;
};

// Replaces the first `from` in the file by `to`; the 1-based line where it was, 0 when absent.
long replace_first(const std::string& path, const std::string& from, const std::string& to) {
  std::ifstream in(path);
  std::string text((std::istreambuf_iterator<char>(in)), {});
  const auto at = text.find(from);
  if (at == std::string::npos) return 0;
  text.replace(at, from.size(), to);
  std::ofstream(path, std::ios::trunc) << text;
  return 1 + std::count(text.begin(), text.begin() + static_cast<long>(at), '\n');
}

class UpRefusal : public ::testing::Test {
 protected:
  void SetUp() override {
    if (auto missing = platform_.missing_prerequisite(); !missing.empty()) GTEST_SKIP() << missing;
  }
  void TearDown() override {
    (void)platform_.down();
    EXPECT_TRUE(eventually([&] { return processes_naming(platform_.dir()).empty(); }, 20s))
        << "left behind: " << ::testing::PrintToString(processes_naming(platform_.dir()));
  }
  Platform platform_{"lf-up-refusal"};
};

TEST_F(UpRefusal, ManifestsWithLintErrorsAreRefusedBeforeAnythingStarts) {
  const std::string deploy = platform_.copy_deploy();
  const std::string resiliency = deploy + "/dapr/resiliency.yaml";
  const long line = replace_first(resiliency, "consecutiveFailures >= 5", "consecutiveFailure >= 5");
  ASSERT_GT(line, 0);

  const auto up = platform_.up();
  EXPECT_EQ(up.code, 1) << up.output;
  EXPECT_NE(up.output.find(resiliency + ":" + std::to_string(line) + ":15: error: "), std::string::npos) << up.output;
  EXPECT_NE(up.output.find("learnflow up: refusing to start: 1 error(s) in the manifests"), std::string::npos)
      << up.output;
  EXPECT_EQ(up.output.find("starting Kafka"), std::string::npos) << up.output;
  EXPECT_FALSE(fs::exists(platform_.state() + "/kafka")) << "Kafka was prepared although the manifests were refused";
  EXPECT_TRUE(processes_naming(platform_.dir()).empty());
}

TEST_F(UpRefusal, MissingJavaIsOneSentenceNamingTheFix) {
  const auto up = platform_.up({}, {{"PATH", "/nonexistent"}});
  EXPECT_EQ(up.code, 1) << up.output;
  EXPECT_EQ(failure_sentence(up.output),
            "Kafka did not start: Java was not found (java); install a Java 17 runtime "
            "(apt-get install openjdk-17-jre-headless) or run scripts/setup.sh")
      << up.output;
}

TEST_F(UpRefusal, KafkaJarsNotFetchedIsOneSentenceNamingTheFix) {
  const std::string cache = platform_.dir() + "/empty-cache";
  fs::create_directories(cache);
  const auto up = platform_.up({}, {{"LEARNFLOW_CACHE", cache}});
  EXPECT_EQ(up.code, 1) << up.output;
  EXPECT_EQ(failure_sentence(up.output), "Kafka did not start: the Kafka broker artifacts are not fetched (no " + cache +
                                             "/kafka-3.9.1/classpath.txt); run scripts/setup.sh")
      << up.output;
}

TEST_F(UpRefusal, TakenPrometheusPortIsOneSentenceNamingTheFix) {
  TakenPort taken;
  ASSERT_GT(taken.port(), 0);
  const std::string port = std::to_string(taken.port());
  const auto up = platform_.up({{"--prometheus-port", port}});
  EXPECT_EQ(up.code, 1) << up.output;
  EXPECT_EQ(failure_sentence(up.output),
            "port " + port + " for Prometheus is taken: stop what uses it or pass --prometheus-port 0")
      << up.output;
}

TEST_F(UpRefusal, TakenFrontendPortIsOneSentenceNamingTheFix) {
  TakenPort taken;
  ASSERT_GT(taken.port(), 0);
  const std::string port = std::to_string(taken.port());
  const auto up = platform_.up({{"--frontend-port", port}});
  EXPECT_EQ(up.code, 1) << up.output;
  EXPECT_EQ(failure_sentence(up.output),
            "Service learnflow-frontend cannot listen on port " + port +
                " (Address already in use): free the port or choose another one with --frontend-port")
      << up.output;
}

TEST_F(UpRefusal, TakenDashboardsPortIsOneSentenceNamingTheFix) {
  TakenPort taken;
  ASSERT_GT(taken.port(), 0);
  const std::string port = std::to_string(taken.port());
  const auto up = platform_.up({{"--metrics-port", port}});
  EXPECT_EQ(up.code, 1) << up.output;
  EXPECT_EQ(failure_sentence(up.output), "port " + port + " for the dashboards and platform metrics is taken (listen tcp 127.0.0.1:" +
                                             port + ": bind: address already in use): stop what uses it or pass --metrics-port 0")
      << up.output;
}

// Not a refusal but the same promise: a platform that is not ready in time says which pod, which
// container and why (its probe failures and the end of its log), so a CI log alone explains it.
TEST_F(UpRefusal, PodsNotReadyInTimeAreNamedWithWhy) {
  const std::string deploy = platform_.copy_deploy();
  ASSERT_GT(replace_first(deploy + "/apps/user-progress.yaml", "path: /readyz", "path: /no-such-path"), 0);

  const auto up = platform_.up({{"--ready-timeout", "15"}, {"--no-prometheus", ""}});
  EXPECT_EQ(up.code, 1) << up.output;
  EXPECT_NE(up.output.find("  not ready after 15s:\n"), std::string::npos) << up.output;
  EXPECT_NE(up.output.find("    deployment/user-progress: 0 of 1 ready\n"), std::string::npos) << up.output;
  EXPECT_TRUE(std::regex_search(up.output, std::regex("\n    pod/user-progress-[a-z0-9-]+: not ready, 0 restart\\(s\\)\n")))
      << up.output;
  EXPECT_NE(up.output.find("      container user-progress: running, not ready\n"), std::string::npos) << up.output;
  EXPECT_NE(up.output.find("        | [learnflow] Readiness probe failed: HTTP probe failed with statuscode: 404\n"),
            std::string::npos)
      << up.output;
  EXPECT_EQ(up.output.find("pod/course-agent"), std::string::npos) << "only the pods that are not ready\n" << up.output;
  EXPECT_NE(up.output.find("learnflow up: not every pod became ready within 15s;"), std::string::npos) << up.output;
}

// A 16 MB tmpfs stands for a full disk; needs the right to mount (root outside a locked-down container).
TEST_F(UpRefusal, FullDiskIsOneSentenceNamingTheFix) {
  const std::string mount_point = platform_.dir() + "/small-disk";
  fs::create_directories(mount_point);
  if (::mount("tmpfs", mount_point.c_str(), "tmpfs", 0, "size=16m") != 0)
    GTEST_SKIP() << "cannot mount a small tmpfs here (" << std::strerror(errno) << ")";
  struct Unmount {
    std::string path;
    ~Unmount() { ::umount2(path.c_str(), MNT_DETACH); }
  } unmount{mount_point};
  platform_.set_state(mount_point + "/.learnflow");
  const auto up = platform_.up();
  EXPECT_EQ(up.code, 1) << up.output;
  const std::regex expected("the disk holding " + mount_point +
                            "/.learnflow is full or nearly so \\(1[0-6] MB free, at least 256 MB needed\\): free some "
                            "space or choose another --state-dir");
  EXPECT_TRUE(std::regex_match(failure_sentence(up.output), expected)) << up.output;
  EXPECT_EQ(up.output.find("starting Kafka"), std::string::npos) << up.output;
}

}  // namespace
