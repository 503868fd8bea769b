#include "process/process.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <cstdlib>
#include <map>
#include <optional>
#include <thread>

#include "process/spawn_detail.hpp"

extern char** environ;

namespace lf::process {
namespace {

std::string errno_text(int err) { return std::strerror(err); }

// Builds the child's environment before spawning: nothing is allocated in the child.
std::vector<std::string> merged_environment(const std::vector<std::pair<std::string, std::string>>& additions) {
  std::map<std::string, std::string> env;
  for (char** entry = environ; entry && *entry; ++entry) {
    std::string_view text(*entry);
    auto eq = text.find('=');
    if (eq == std::string_view::npos) continue;
    env[std::string(text.substr(0, eq))] = std::string(text.substr(eq + 1));
  }
  for (const auto& [key, value] : additions) env[key] = value;
  std::vector<std::string> out;
  out.reserve(env.size());
  for (const auto& [key, value] : env) out.push_back(key + "=" + value);
  return out;
}

std::vector<char*> pointers(std::vector<std::string>& strings) {
  std::vector<char*> out;
  out.reserve(strings.size() + 1);
  for (auto& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

ExitStatus decode(int raw) {
  ExitStatus status;
  if (WIFEXITED(raw)) {
    status.exited = true;
    status.code = WEXITSTATUS(raw);
  } else if (WIFSIGNALED(raw)) {
    status.signal = WTERMSIG(raw);
  }
  return status;
}

// RAII for the spawn attribute objects, which must be destroyed on every path.
struct SpawnSetup {
  posix_spawn_file_actions_t actions;
  posix_spawnattr_t attr;
  SpawnSetup() {
    posix_spawn_file_actions_init(&actions);
    posix_spawnattr_init(&attr);
  }
  ~SpawnSetup() {
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
  }
};

// posix_spawnp: the fast path (vfork-like), when no parent-death signal is needed.
Result<pid_t> spawn_posix(const SpawnOptions& options, int pipe_write, char* const* argv, char* const* envp) {
  SpawnSetup setup;
  if (pipe_write >= 0) {
    posix_spawn_file_actions_adddup2(&setup.actions, pipe_write, STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&setup.actions, pipe_write, STDERR_FILENO);
  } else if (options.output == Output::file || options.output == Output::discard) {
    const char* path = options.output == Output::file ? options.log_path.c_str() : "/dev/null";
    posix_spawn_file_actions_addopen(&setup.actions, STDOUT_FILENO, path, O_WRONLY | O_CREAT | O_APPEND, 0644);
    posix_spawn_file_actions_adddup2(&setup.actions, STDOUT_FILENO, STDERR_FILENO);
  }
  // Sockets and files of the parent (test servers, databases) must not leak into children.
  posix_spawn_file_actions_addclosefrom_np(&setup.actions, 3);
  if (!options.working_dir.empty()) posix_spawn_file_actions_addchdir_np(&setup.actions, options.working_dir.c_str());

  sigset_t no_signals, default_signals;
  sigemptyset(&no_signals);
  sigfillset(&default_signals);
  posix_spawnattr_setsigmask(&setup.attr, &no_signals);
  posix_spawnattr_setsigdefault(&setup.attr, &default_signals);
  posix_spawnattr_setpgroup(&setup.attr, 0);
  posix_spawnattr_setflags(&setup.attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  // posix_spawnp searches PATH of this process, which is what callers expect.
  pid_t pid = -1;
  int rc = posix_spawnp(&pid, argv[0], &setup.actions, &setup.attr, argv, envp);
  if (rc != 0) return fail(errno_text(rc));
  return pid;
}

// PATH lookup done before fork, as posix_spawnp would do it.
std::optional<std::string> find_program(const std::string& name) {
  if (name.find('/') != std::string::npos) return name;
  const char* path = std::getenv("PATH");
  std::string_view dirs = path && *path ? path : "/usr/local/bin:/usr/bin:/bin";
  while (!dirs.empty()) {
    auto colon = dirs.find(':');
    std::string dir(dirs.substr(0, colon));
    dirs = colon == std::string_view::npos ? std::string_view{} : dirs.substr(colon + 1);
    std::string candidate = (dir.empty() ? std::string(".") : dir) + "/" + name;
    if (access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  return std::nullopt;
}

Result<pid_t> spawn_forked(const SpawnOptions& options, int pipe_write, char* const* argv, char* const* envp) {
  auto program = find_program(options.argv[0]);
  if (!program) return fail(errno_text(ENOENT));
  detail::ChildPlan plan;
  plan.program = program->c_str();
  plan.argv = argv;
  plan.envp = envp;
  plan.working_dir = options.working_dir.empty() ? nullptr : options.working_dir.c_str();
  plan.stdout_fd = pipe_write;
  if (options.output == Output::file) plan.stdout_path = options.log_path.c_str();
  if (options.output == Output::discard) plan.stdout_path = "/dev/null";
  plan.die_with_parent = options.die_with_parent;
  if (options.run_as) {
    plan.switch_user = true;
    plan.uid = options.run_as->uid;
    plan.gid = options.run_as->gid;
  }
  auto forked = detail::fork_exec(plan);
  if (!forked) return unexpected(forked.error());
  return forked->pid;
}

}  // namespace

std::string ExitStatus::describe() const {
  if (exited) return "exit code " + std::to_string(code);
  const char* name = sigabbrev_np(signal);
  return std::string("killed by ") + (name ? std::string("SIG") + name : "signal " + std::to_string(signal));
}

Result<Process> Process::spawn(const SpawnOptions& options) {
  if (options.argv.empty() || options.argv[0].empty()) return fail("cannot start a process without a program name");
  if (options.output == Output::file && options.log_path.empty())
    return fail("cannot start " + options.argv[0] + ": output to a file needs a log path");

  int pipe_fds[2] = {-1, -1};
  if (options.output == Output::pipe && pipe2(pipe_fds, O_CLOEXEC) != 0)
    return fail("cannot create an output pipe: " + errno_text(errno));
  std::vector<std::string> args = options.argv;
  std::vector<std::string> env = merged_environment(options.env);
  auto argv = pointers(args);
  auto envp = pointers(env);
  // posix_spawn can neither set a parent-death signal nor switch users.
  bool needs_fork = options.die_with_parent || options.run_as.has_value();
  auto pid = needs_fork ? spawn_forked(options, pipe_fds[1], argv.data(), envp.data())
                                     : spawn_posix(options, pipe_fds[1], argv.data(), envp.data());
  if (pipe_fds[1] >= 0) close(pipe_fds[1]);
  if (!pid) {
    if (pipe_fds[0] >= 0) close(pipe_fds[0]);
    return fail("cannot start " + options.argv[0] + ": " + pid.error().message);
  }
  if (pipe_fds[0] >= 0) fcntl(pipe_fds[0], F_SETFL, fcntl(pipe_fds[0], F_GETFL) | O_NONBLOCK);
  return Process(*pid, pipe_fds[0]);
}

Process::Process(Process&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)), output_fd_(std::exchange(other.output_fd_, -1)), status_(other.status_) {}

Process& Process::operator=(Process&& other) noexcept {
  if (this != &other) {
    release();
    pid_ = std::exchange(other.pid_, -1);
    output_fd_ = std::exchange(other.output_fd_, -1);
    status_ = other.status_;
  }
  return *this;
}

Process::~Process() { release(); }

void Process::release() {
  if (pid_ > 0 && !status_) {
    ::kill(-pid_, SIGKILL);
    wait();
  }
  if (output_fd_ >= 0) close(output_fd_);
  pid_ = -1;
  output_fd_ = -1;
}

Status Process::signal(int sig) {
  if (pid_ <= 0) return fail("no process to signal");
  if (status_) return fail("process " + std::to_string(pid_) + " has already exited (" + status_->describe() + ")");
  if (::kill(-pid_, sig) != 0 && ::kill(pid_, sig) != 0)
    return fail("cannot signal process " + std::to_string(pid_) + ": " + errno_text(errno));
  return {};
}

std::optional<ExitStatus> Process::try_wait() {
  if (status_ || pid_ <= 0) return status_;
  siginfo_t info{};
  // WNOWAIT: the exited leader stays a zombie, so its pid (the group id) cannot be reused while
  // leftovers of its group are killed; only then is it reaped.
  if (waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOHANG | WNOWAIT) != 0 || info.si_pid != pid_)
    return status_;
  reap();
  return status_;
}

void Process::reap() {
  ::kill(-pid_, SIGKILL);
  int raw = 0;
  pid_t r;
  do {
    r = waitpid(pid_, &raw, 0);
  } while (r < 0 && errno == EINTR);
  status_ = r == pid_ ? decode(raw) : ExitStatus{};
}

bool Process::is_running() { return pid_ > 0 && !try_wait().has_value(); }

std::optional<ExitStatus> Process::wait_for(Duration timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  auto pause = std::chrono::milliseconds(1);
  while (!try_wait()) {
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::milliseconds(20));
  }
  return status_;
}

ExitStatus Process::wait() {
  if (status_ || pid_ <= 0) return status_.value_or(ExitStatus{});
  siginfo_t info{};
  int rc;
  do {
    rc = waitid(P_PID, static_cast<id_t>(pid_), &info, WEXITED | WNOWAIT);
  } while (rc < 0 && errno == EINTR);
  reap();
  return *status_;
}

ExitStatus Process::stop(Duration grace) {
  if (pid_ <= 0) return ExitStatus{};
  if (!try_wait()) {
    // A stopped process does not act on SIGTERM until continued.
    ::kill(-pid_, SIGTERM);
    ::kill(-pid_, SIGCONT);
    if (!wait_for(grace)) ::kill(-pid_, SIGKILL);
  }
  return wait();
}

std::string Process::read_available_output() {
  std::string out;
  if (output_fd_ < 0) return out;
  char buffer[4096];
  for (;;) {
    ssize_t n = read(output_fd_, buffer, sizeof buffer);
    if (n > 0) {
      out.append(buffer, static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    break;
  }
  return out;
}

}  // namespace lf::process
