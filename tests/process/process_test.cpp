// Real child processes (/bin/sh, /bin/sleep): spawning, signals, reaping, output, TCP helpers.
#include "process/process.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <pwd.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace lf::process {
namespace {

using namespace std::chrono_literals;

bool pid_alive(pid_t pid) { return ::kill(pid, 0) == 0; }

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The process was re-parented to init and is gone (or a zombie) shortly.
bool eventually_gone(pid_t pid) {
  for (int i = 0; i < 200; ++i) {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    std::getline(stat, line);
    if (line.empty() || line.find(") Z") != std::string::npos) return true;
    std::this_thread::sleep_for(10ms);
  }
  return false;
}

std::string drain(Process& p) {
  std::string out;
  for (int i = 0; i < 200; ++i) {
    out += p.read_available_output();
    if (!p.is_running()) break;
    std::this_thread::sleep_for(5ms);
  }
  return out + p.read_available_output();
}

// Both back ends: posix_spawn (default) and fork/exec (die_with_parent).
class SpawnBackends : public ::testing::TestWithParam<bool> {
 protected:
  SpawnOptions with_backend(SpawnOptions options) {
    options.die_with_parent = GetParam();
    return options;
  }
};

INSTANTIATE_TEST_SUITE_P(Process, SpawnBackends, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "ForkExec" : "PosixSpawn"; });

TEST_P(SpawnBackends, ReportsExitCode) {
  auto p = Process::spawn(with_backend({.argv = {"/bin/sh", "-c", "exit 3"}}));
  ASSERT_TRUE(p) << p.error().message;
  auto status = p->wait();
  EXPECT_TRUE(status.exited);
  EXPECT_EQ(status.code, 3);
  EXPECT_EQ(status.describe(), "exit code 3");
  EXPECT_FALSE(p->is_running());
}

TEST_P(SpawnBackends, SearchesPathAndPassesEnvironmentAndWorkingDir) {
  auto dir = std::filesystem::temp_directory_path() / ("lf-proc-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  auto p = Process::spawn(with_backend({.argv = {"sh", "-c", "echo \"$LF_GREETING $(pwd)\""},
                                        .env = {{"LF_GREETING", "hello"}},
                                        .working_dir = dir.string(),
                                        .output = Output::pipe}));
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_EQ(drain(*p), "hello " + dir.string() + "\n");
  EXPECT_TRUE(p->wait().success());
  std::filesystem::remove_all(dir);
}

TEST_P(SpawnBackends, AppendsStdoutAndStderrToLogFile) {
  auto log = std::filesystem::temp_directory_path() / ("lf-proc-log-" + std::to_string(getpid()));
  std::filesystem::remove(log);
  for (int i = 0; i < 2; ++i) {
    auto p = Process::spawn(
        with_backend({.argv = {"/bin/sh", "-c", "echo out; echo err >&2"}, .output = Output::file, .log_path = log}));
    ASSERT_TRUE(p) << p.error().message;
    EXPECT_TRUE(p->wait().success());
  }
  EXPECT_EQ(read_file(log), "out\nerr\nout\nerr\n");
  std::filesystem::remove(log);
}

TEST_P(SpawnBackends, MissingProgramIsAClearError) {
  auto p = Process::spawn(with_backend({.argv = {"/nonexistent/learnflow-program"}}));
  ASSERT_FALSE(p);
  EXPECT_EQ(p.error().message, "cannot start /nonexistent/learnflow-program: No such file or directory");
  auto on_path = Process::spawn(with_backend({.argv = {"learnflow-no-such-program"}}));
  ASSERT_FALSE(on_path);
  EXPECT_EQ(on_path.error().message, "cannot start learnflow-no-such-program: No such file or directory");
  auto bad_dir = Process::spawn(with_backend({.argv = {"/bin/true"}, .working_dir = "/nonexistent/dir"}));
  ASSERT_FALSE(bad_dir);
  EXPECT_EQ(bad_dir.error().message, "cannot start /bin/true: No such file or directory");
  EXPECT_FALSE(Process::spawn({}));
}

TEST_P(SpawnBackends, ChildIsAProcessGroupLeaderWithoutOurDescriptors) {
  // Open a descriptor without close-on-exec: the child must still not inherit it.
  int leaked = dup(STDERR_FILENO);
  auto p = Process::spawn(with_backend({.argv = {"/bin/sh", "-c", "ps -o pgid= -p $$; ls /proc/$$/fd"},
                                        .output = Output::pipe}));
  close(leaked);
  ASSERT_TRUE(p);
  std::istringstream out(drain(*p));
  int pgid = 0;
  out >> pgid;
  EXPECT_EQ(pgid, p->pid());
  int fd;
  while (out >> fd) EXPECT_LE(fd, 2) << "only stdin, stdout and stderr reach the child";
}

TEST(Process, RunsAsAnotherUserWhenRoot) {
  if (geteuid() != 0) GTEST_SKIP() << "switching users needs root";
  passwd* user = getpwnam("nobody");
  if (!user) GTEST_SKIP() << "no user nobody";
  auto log = std::filesystem::temp_directory_path() / ("lf-proc-runas-" + std::to_string(getpid()));
  std::filesystem::remove(log);
  auto p = Process::spawn({.argv = {"/bin/sh", "-c", "id -u; id -g; id -G; pwd"},
                           .working_dir = "/",
                           .output = Output::file,
                           .log_path = log.string(),
                           .die_with_parent = true,
                           .run_as = RunAs{user->pw_uid, user->pw_gid}});
  ASSERT_TRUE(p) << p.error().message;
  EXPECT_TRUE(p->wait().success());
  std::string gid = std::to_string(user->pw_gid);
  EXPECT_EQ(read_file(log), std::to_string(user->pw_uid) + "\n" + gid + "\n" + gid + "\n/\n")
      << "no supplementary group of root is kept";
  std::filesystem::remove(log);
}

// The "parent" (a fork of this test) spawns a sleeper and dies without running any destructor.
pid_t sleeper_of_a_crashed_parent(std::optional<RunAs> run_as) {
  int report[2];
  if (pipe(report) != 0) return -1;
  pid_t parent = fork();
  if (parent < 0) return -1;
  if (parent == 0) {
    close(report[0]);
    auto p = Process::spawn({.argv = {"/bin/sleep", "30"}, .die_with_parent = true, .run_as = run_as});
    pid_t child = p ? p->pid() : -1;
    ssize_t ignored = write(report[1], &child, sizeof child);
    (void)ignored;
    _exit(0);
  }
  close(report[1]);
  pid_t child = -1;
  if (read(report[0], &child, sizeof child) != static_cast<ssize_t>(sizeof child)) child = -1;
  close(report[0]);
  int status;
  waitpid(parent, &status, 0);
  return child;
}

TEST(Process, DieWithParentKillsTheChildWhenTheParentCrashes) {
  pid_t child = sleeper_of_a_crashed_parent(std::nullopt);
  ASSERT_GT(child, 0);
  EXPECT_TRUE(eventually_gone(child));
  passwd* user = getpwnam("nobody");
  if (geteuid() != 0 || !user) GTEST_SKIP() << "the run-as variant needs root and the user nobody";
  pid_t other_user_child = sleeper_of_a_crashed_parent(RunAs{user->pw_uid, user->pw_gid});
  ASSERT_GT(other_user_child, 0);
  EXPECT_TRUE(eventually_gone(other_user_child)) << "the signal survives the user switch";
}

TEST(Process, StopSendsTermThenReaps) {
  auto p = Process::spawn({.argv = {"/bin/sleep", "30"}});
  ASSERT_TRUE(p);
  EXPECT_TRUE(p->is_running());
  auto started = std::chrono::steady_clock::now();
  auto status = p->stop(5s);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 2s);
  EXPECT_FALSE(status.exited);
  EXPECT_EQ(status.signal, SIGTERM);
  EXPECT_EQ(status.describe(), "killed by SIGTERM");
}

TEST(Process, StopEscalatesToKillAfterGrace) {
  // The shell ignores TERM, so only the KILL after the grace period ends it.
  auto p = Process::spawn({.argv = {"/bin/sh", "-c", "trap '' TERM; echo ready; while :; do sleep 0.05; done"},
                           .output = Output::pipe});
  ASSERT_TRUE(p);
  for (int i = 0; i < 200 && p->read_available_output().empty(); ++i) std::this_thread::sleep_for(5ms);
  auto started = std::chrono::steady_clock::now();
  auto status = p->stop(300ms);
  auto took = std::chrono::steady_clock::now() - started;
  EXPECT_EQ(status.signal, SIGKILL);
  EXPECT_GE(took, 300ms);
  EXPECT_LT(took, 2s);
}

TEST(Process, StopAndContinueFreezeTheChild) {
  auto p = Process::spawn({.argv = {"/bin/sh", "-c", "while :; do echo tick; sleep 0.02; done"}, .output = Output::pipe});
  ASSERT_TRUE(p);
  std::this_thread::sleep_for(100ms);
  ASSERT_TRUE(p->signal(SIGSTOP));
  std::this_thread::sleep_for(50ms);
  p->read_available_output();
  std::this_thread::sleep_for(200ms);
  EXPECT_EQ(p->read_available_output(), "");  // frozen: nothing new
  EXPECT_TRUE(p->is_running());
  ASSERT_TRUE(p->signal(SIGCONT));
  std::this_thread::sleep_for(200ms);
  EXPECT_NE(p->read_available_output().find("tick"), std::string::npos);
  // A frozen child still stops promptly.
  ASSERT_TRUE(p->signal(SIGSTOP));
  EXPECT_EQ(p->stop(2s).signal, SIGTERM);
  EXPECT_FALSE(p->signal(SIGTERM));
}

TEST(Process, DestructorKillsTheWholeGroup) {
  pid_t grandchild = -1;
  {
    auto p = Process::spawn({.argv = {"/bin/sh", "-c", "sleep 30 & echo $!; wait"}, .output = Output::pipe});
    ASSERT_TRUE(p);
    std::string out;
    for (int i = 0; i < 400 && out.find('\n') == std::string::npos; ++i) {
      out += p->read_available_output();
      std::this_thread::sleep_for(5ms);
    }
    grandchild = std::stoi(out);
    ASSERT_TRUE(pid_alive(grandchild));
  }
  EXPECT_TRUE(eventually_gone(grandchild));
}

TEST(Process, LeftoversOfAnExitedLeaderAreKilledWhenItIsReaped) {
  auto p = Process::spawn({.argv = {"/bin/sh", "-c", "sleep 30 & echo $!"}, .output = Output::pipe});
  ASSERT_TRUE(p);
  EXPECT_TRUE(p->wait().success());
  pid_t grandchild = std::stoi(p->read_available_output());
  EXPECT_TRUE(eventually_gone(grandchild));
}

TEST(Process, WaitForTimesOutWhileRunning) {
  auto p = Process::spawn({.argv = {"/bin/sleep", "5"}});
  ASSERT_TRUE(p);
  EXPECT_FALSE(p->wait_for(50ms));
  Process moved = std::move(*p);
  EXPECT_TRUE(moved.is_running());
  EXPECT_EQ(moved.stop(1s).signal, SIGTERM);
}

// A listening socket on 127.0.0.1:port, or -1 (errno says why).
int listen_on(int port, bool reuse_address) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(port));
  const int one = 1;
  if (reuse_address) setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || listen(fd, 4) != 0) {
    const int saved = errno;
    close(fd);
    errno = saved;
    return -1;
  }
  return fd;
}

TEST(Tcp, FreePortIsBindableAndWaitForTcpSeesListener) {
  auto port = free_tcp_port();
  ASSERT_TRUE(port) << port.error().message;
  EXPECT_GT(*port, 0);
  EXPECT_FALSE(tcp_port_open("127.0.0.1", *port));
  auto started = std::chrono::steady_clock::now();
  EXPECT_FALSE(wait_for_tcp("127.0.0.1", *port, 100ms));
  EXPECT_LT(std::chrono::steady_clock::now() - started, 1s);

  const int fd = listen_on(*port, true);
  ASSERT_GE(fd, 0);
  EXPECT_TRUE(wait_for_tcp("127.0.0.1", *port, 1s));
  EXPECT_TRUE(tcp_port_open("127.0.0.1", *port));
  close(fd);
}

// What a platform pod relies on: its reserved port is taken by no one else, and its container
// (with SO_REUSEADDR, like every common server) can listen on it, die, and listen again.
TEST(Tcp, AReservedPortIsRefusedToOthersAndBindableByAReusingListenerAgainAndAgain) {
  auto reserved = ReservedPort::reserve();
  ASSERT_TRUE(reserved) << reserved.error().message;
  const int port = reserved->port();
  EXPECT_FALSE(tcp_port_open("127.0.0.1", port)) << "reserved, not listening: connections are refused";
  EXPECT_EQ(listen_on(port, false), -1) << "a listener without SO_REUSEADDR must not get it";
  EXPECT_EQ(errno, EADDRINUSE);
  for (int run = 0; run < 2; ++run) {
    const int fd = listen_on(port, true);
    ASSERT_GE(fd, 0) << "run " << run << ": " << std::strerror(errno);
    EXPECT_TRUE(tcp_port_open("127.0.0.1", port));
    close(fd);
  }
  ReservedPort moved = std::move(*reserved);
  EXPECT_EQ(moved.port(), port);
  { ReservedPort released = std::move(moved); }
  const int fd = listen_on(port, false);
  EXPECT_GE(fd, 0) << "released: anyone may bind it";
  close(fd);
}

}  // namespace
}  // namespace lf::process
