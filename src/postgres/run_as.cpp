#include "postgres/run_as.hpp"

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <thread>

namespace lf::postgres {

Result<std::optional<SystemUser>> user_to_drop_to(const std::string& name) {
  if (geteuid() != 0) return std::optional<SystemUser>{};
  struct passwd entry {};
  struct passwd* found = nullptr;
  char buffer[4096];
  if (getpwnam_r(name.c_str(), &entry, buffer, sizeof buffer, &found) != 0 || found == nullptr)
    return fail("this process runs as root and PostgreSQL refuses root, but the system user '" + name +
                "' does not exist; install the Debian postgresql package (it creates the user) or run as a non-root user");
  return std::optional<SystemUser>{SystemUser{name, found->pw_uid, found->pw_gid}};
}

Result<pid_t> spawn_child(const ChildOptions& options) {
  if (options.argv.empty()) return fail("no program was given to start");
  // Everything the child needs is prepared before fork: only async-signal-safe calls after it.
  std::vector<char*> argv;
  for (const auto& arg : options.argv) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  const int log_fd = open(options.log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0)
    return fail("could not open the log file " + options.log_path + " (" + std::strerror(errno) +
                "); check that its directory exists and is writable");
  if (options.run_as && fchown(log_fd, options.run_as->uid, options.run_as->gid) != 0) {
    close(log_fd);
    return fail("could not hand the log file " + options.log_path + " to user " + options.run_as->name);
  }
  const pid_t parent = getpid();
  sigset_t no_signals;
  sigemptyset(&no_signals);
  struct sigaction default_action {};
  default_action.sa_handler = SIG_DFL;
  const pid_t pid = fork();
  if (pid < 0) {
    close(log_fd);
    return fail(std::string("fork failed (") + std::strerror(errno) + "); the machine may be out of processes or memory");
  }
  if (pid == 0) {
    setpgid(0, 0);
    const int null_fd = open("/dev/null", O_RDONLY);
    if (null_fd >= 0) dup2(null_fd, 0);
    dup2(log_fd, 1);
    dup2(log_fd, 2);
    // Nothing of ours leaks into the server: no inherited descriptors (listening sockets,
    // database connections), and signals as a fresh process has them (a blocked SIGTERM
    // inherited from an Asio signal set would make stop() wait for SIGKILL).
    close_range(3, ~0U, 0);
    for (int sig = 1; sig < NSIG; ++sig) sigaction(sig, &default_action, nullptr);
    sigprocmask(SIG_SETMASK, &no_signals, nullptr);
    if (options.run_as) {
      const gid_t gid = options.run_as->gid;
      if (setgroups(1, &gid) != 0 || setgid(gid) != 0 || setuid(options.run_as->uid) != 0) {
        static const char message[] = "could not switch to the postgres user\n";
        (void)!write(2, message, sizeof message - 1);
        _exit(126);
      }
    }
    // Set after setuid: a credential change clears the parent-death signal.
    if (options.die_with_parent) {
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (getppid() != parent) _exit(125);
    }
    if (!options.working_dir.empty() && chdir(options.working_dir.c_str()) != 0) _exit(124);
    execv(argv[0], argv.data());
    static const char message[] = "exec failed\n";
    (void)!write(2, message, sizeof message - 1);
    _exit(127);
  }
  close(log_fd);
  setpgid(pid, pid);  // also here, so the group exists before we might signal it
  return pid;
}

std::optional<int> wait_child(pid_t pid, Duration timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    int status = 0;
    const pid_t result = waitpid(pid, &status, WNOHANG);
    if (result == pid) return status;
    if (result < 0 && errno != EINTR) return 0;  // already reaped elsewhere: treat as gone
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

std::string describe_wait_status(int status) {
  if (WIFEXITED(status)) return "exit code " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return std::string("signal ") + strsignal(WTERMSIG(status));
  return "status " + std::to_string(status);
}

}  // namespace lf::postgres
